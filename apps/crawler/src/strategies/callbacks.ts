/**
 * §3.5 of the article: non-blocking sockets, epoll and callbacks, driven by an event loop.
 *
 * Each `Crawler` starts a non-blocking connect and asks the selector to call `connected` when its
 * socket is writable; `connected` sends the request and asks for `readResponse` when there is
 * something to read; `readResponse` collects chunks until EOF. `loop()` is the whole event loop:
 * wait for ready sockets, call what was registered for them. All pages wait on the network at the
 * same time, so the total is about one page's wait, on one thread.
 */
import {
  BlockingIOError,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  Socket,
  type SelectorKey,
} from '@aio/selector';
import { request, type StrategyResult, type Target } from './types';

type Callback = (key: SelectorKey<Callback>, mask: number) => void;

// #region callbacks
export function callbackWay(target: Target): StrategyResult {
  const selector = new DefaultSelector<Callback>();
  const urlsTodo = new Set(target.paths);
  const responses = new Map<string, Buffer>();
  let stopped = false;

  class Crawler {
    sock: Socket | null = null;
    response: Buffer[] = [];

    constructor(readonly url: string) {}

    fetch(): void {
      this.sock = new Socket();
      this.sock.setBlocking(false);
      try {
        this.sock.connect([target.host, target.port]);
      } catch (err) {
        if (!(err instanceof BlockingIOError)) throw err;
      }
      selector.register(this.sock.fileno(), EVENT_WRITE, this.connected);
    }

    connected = (key: SelectorKey<Callback>): void => {
      selector.unregister(key.fd);
      this.sock!.send(request(target.host, this.url));
      selector.register(key.fd, EVENT_READ, this.readResponse);
    };

    readResponse = (key: SelectorKey<Callback>): void => {
      const chunk = this.sock!.recv(4096);
      if (chunk.length > 0) {
        this.response.push(chunk);
        return;
      }
      selector.unregister(key.fd);
      this.sock!.close();
      responses.set(this.url, Buffer.concat(this.response));
      urlsTodo.delete(this.url);
      if (urlsTodo.size === 0) stopped = true;
    };
  }

  function loop(): void {
    while (!stopped) {
      const events = selector.select();
      for (const [eventKey, eventMask] of events) {
        const callback = eventKey.data;
        callback(eventKey, eventMask);
      }
    }
  }

  const crawlers = target.paths.map((url) => new Crawler(url));
  try {
    for (const crawler of crawlers) crawler.fetch();
    loop();
  } finally {
    selector.close();
    for (const crawler of crawlers) crawler.sock?.close();
  }
  return { responses };
}
// #endregion callbacks
