/**
 * Every hand-written page of the site, in reading order, grouped as the sidebar shows them. The
 * sidebar is made from this list, and the browser test opens every page in it (and every API page
 * TypeDoc writes), so a page missing from here is a page nobody checks.
 */
export interface PageLink {
  readonly text: string;
  /** The page's path without `.md`, as VitePress links it: `/road/blocking`. */
  readonly link: string;
}

export interface PageGroup {
  readonly text: string;
  readonly items: readonly PageLink[];
}

export const GUIDE: readonly PageGroup[] = [
  {
    text: 'Start here',
    items: [
      { text: 'What aio is', link: '/guide/' },
      { text: 'Install and first steps', link: '/guide/start' },
    ],
  },
  {
    text: 'Part One: concepts',
    items: [
      { text: 'Blocking, synchronous, concurrent', link: '/concepts/' },
      { text: 'Why asynchronous I/O', link: '/concepts/why' },
    ],
  },
  {
    text: 'The road to asynchronous I/O',
    items: [
      { text: 'The task: download 10 pages', link: '/road/' },
      { text: '3.1 Blocking sockets', link: '/road/blocking' },
      { text: '3.2 Processes', link: '/road/processes' },
      { text: '3.3 Threads', link: '/road/threads' },
      { text: '3.4 Non-blocking, busy polling', link: '/road/nonblocking' },
      { text: '3.5 epoll, callbacks, event loop', link: '/road/callbacks' },
      { text: '3.6 The pain of callbacks', link: '/road/callback-pain' },
      { text: '4.1 Generators, Future, Task', link: '/road/generators' },
      { text: '4.2 yield*', link: '/road/yield-from' },
      { text: '4.3 asyncio and async/await', link: '/road/asyncio' },
      { text: 'II tornado gen.coroutine', link: '/road/tornado' },
      { text: "Node's own fetch", link: '/road/node-fetch' },
      { text: 'Beyond one machine: a Redis frontier', link: '/road/distributed' },
    ],
  },
  {
    text: 'How it works inside',
    items: [
      { text: 'epoll and the selector', link: '/inside/selector' },
      { text: 'The event loop', link: '/inside/event-loop' },
      { text: 'Futures', link: '/inside/future' },
      { text: 'Coroutines and Task', link: '/inside/coroutine' },
      { text: "Mapping to Python's asyncio", link: '/inside/asyncio' },
    ],
  },
  {
    text: 'Part Two: inside tornado',
    items: [{ text: 'gen.coroutine → Runner → IOLoop', link: '/tornado/' }],
  },
  {
    text: 'Part Three: tornado modules',
    items: [
      { text: 'tornado.concurrent', link: '/tornado/concurrent' },
      { text: 'tornado.log', link: '/tornado/log' },
    ],
  },
  {
    text: 'Part Four: from a socket to a web application',
    items: [
      { text: 'IOStream, TCPServer, TCPClient', link: '/tornado/networking' },
      { text: 'HTTP/1.1 on the loop', link: '/tornado/http' },
      { text: 'web: handlers, templates, cookies', link: '/tornado/web' },
      { text: 'The HTTP client and the crawler', link: '/tornado/httpclient' },
      { text: 'WebSocket: handlers, frames, deflate', link: '/tornado/websocket' },
      { text: 'Coming from tornado', link: '/tornado/migration' },
    ],
  },
  {
    text: 'Results',
    items: [
      { text: 'Crawler runs', link: '/results/crawler' },
      { text: 'Benchmarks', link: '/results/bench' },
    ],
  },
];

/** Every guide page's link, in order. */
export const GUIDE_LINKS: readonly string[] = GUIDE.flatMap((group) =>
  group.items.map((item) => item.link),
);
