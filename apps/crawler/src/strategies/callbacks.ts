/**
 * §3.5 of the article: non-blocking sockets, epoll and callbacks, driven by an event loop.
 *
 * Each `Crawler` starts a non-blocking connect and asks the selector to call `connected` when its
 * socket is writable; `connected` sends the request and asks for `readResponse` when there is
 * something to read; `readResponse` collects chunks until EOF. `loop()` is the whole event loop:
 * wait for ready sockets, call what was registered for them. All pages wait on the network at the
 * same time, so the total is about one page's wait, on one thread.
 *
 * Each page has `--timeout` ms: as the crawlers start in order, the first one in flight is always
 * the next to run out, and `loop()` waits no longer than that. At most `--concurrency` crawlers
 * are in flight; each one that ends starts the next page. A failure has to be caught in each
 * callback on its own (no `try` spans two of them), written down, and the crawler ended.
 */
import {
  BlockingIOError,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  Socket,
  type SelectorKey,
} from '@aio/selector';
import { PageTimeoutError, request, type StrategyInfo, type Target } from './types';

type Callback = (key: SelectorKey<Callback>, mask: number) => void;

// #region callbacks
export function callbackWay(target: Target): void {
  // #region state
  const { timeline } = target;
  const selector = new DefaultSelector<Callback>();
  const urlsTodo = target.paths;
  let next = 0; // the next url of urlsTodo to start
  const crawlers = new Set<Crawler>(); // in flight, in the order they started

  class Crawler {
    sock = new Socket();
    response: Buffer[] = [];
    readonly deadline = performance.now() + target.timeoutMs;

    constructor(readonly url: string) {}
    // #endregion state

    // #region fetch
    fetch(): void {
      timeline.begin(this.url);
      try {
        this.sock.setBlocking(false);
        try {
          this.sock.connect(target.address(this.url));
        } catch (err) {
          if (!(err instanceof BlockingIOError)) throw err;
        }
        selector.register(this.sock.fileno(), EVENT_WRITE, this.connected);
      } catch (err) {
        this.fail(err);
      }
    }
    // #endregion fetch

    // #region connected
    connected = (key: SelectorKey<Callback>): void => {
      selector.unregister(key.fd);
      try {
        // Writable after a connect means connected, or refused: then send throws why.
        this.sock.send(request(target.host, this.url));
      } catch (err) {
        this.fail(err);
        return;
      }
      timeline.connected(this.url);
      selector.register(key.fd, EVENT_READ, this.readResponse);
    };
    // #endregion connected

    // #region readResponse
    readResponse = (): void => {
      let chunk: Buffer;
      try {
        chunk = this.sock.recv(4096);
      } catch (err) {
        this.fail(err);
        return;
      }
      if (chunk.length > 0) {
        timeline.received(this.url, chunk.length);
        this.response.push(chunk);
        return;
      }
      timeline.done(this.url, Buffer.concat(this.response));
      this.end();
    };
    // #endregion readResponse

    // #region fail
    fail(err: unknown): void {
      timeline.failed(this.url, err);
      this.end();
    }

    end(): void {
      const fd = this.sock.fileno();
      if (fd >= 0 && selector.getMap().has(fd)) selector.unregister(fd);
      this.sock.close();
      crawlers.delete(this);
      startCrawlers();
    }
    // #endregion fail
  }

  // #region startCrawlers
  function startCrawlers(): void {
    while (crawlers.size < target.concurrency && next < urlsTodo.length) {
      const crawler = new Crawler(urlsTodo[next++]!);
      crawlers.add(crawler);
      crawler.fetch();
    }
  }
  // #endregion startCrawlers

  // #region loop
  function loop(): void {
    while (crawlers.size > 0) {
      const first = crawlers.values().next().value!;
      const events = selector.select(Math.max(0, first.deadline - performance.now()));
      for (const [eventKey, eventMask] of events) {
        const callback = eventKey.data;
        callback(eventKey, eventMask);
      }
      for (const crawler of crawlers) {
        if (crawler.deadline > performance.now()) break;
        crawler.fail(new PageTimeoutError(crawler.url, target.timeoutMs));
      }
    }
  }
  // #endregion loop

  try {
    startCrawlers();
    loop();
  } finally {
    selector.close();
    for (const crawler of crawlers) crawler.sock.close();
  }
}
// #endregion callbacks

export const callbacks: StrategyInfo = {
  name: 'callbacks',
  section: '3.5',
  title: 'non-blocking sockets + epoll + callbacks + event loop',
  run: callbackWay,
  concurrency: (requested) => requested,
};
