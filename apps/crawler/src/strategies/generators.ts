/**
 * §4.1 of the article: generators as coroutines, with a `Future` and a `Task` to drive them.
 *
 * §3.5's callbacks cut one download into three functions that pass state along through `this`.
 * Here `Crawler.fetch()` is one generator again, written top to bottom. Where it has to wait, it
 * makes a `Future`, asks the selector to call a small callback that resolves that future when the
 * socket is ready, and `yield`s the future. A `Task` runs the generator: when the future it is
 * waiting on gets its result, `step` sends that result back in with `next()` and waits on the next
 * future the generator yields. `loop()` is §3.5's loop, except that the selector now hands back
 * plain callbacks that take nothing: all they do is resolve a future.
 *
 * `Future` and `Task` are the article's own, a dozen lines each, written here so they can be read
 * whole: no errors, no cancellation, callbacks run at once. @aio/future and @aio/coroutine are
 * the full versions. One change from the article: its read callback calls `recv` and hands the
 * chunk over; here the callback only says the socket is readable and `fetch` calls `recv` itself,
 * so that a failing `recv` (a reset) throws inside `fetch`, where one `try` catches every failure
 * of the download: this small Future carries results, not errors.
 *
 * As in §3.5, at most `--concurrency` pages are in flight (each one that ends starts the next),
 * and `loop()` waits no longer than the first page in flight has left: when it runs out, `loop()`
 * throws a PageTimeoutError into its generator, whose `catch` writes it down.
 */
import { BlockingIOError, DefaultSelector, EVENT_READ, EVENT_WRITE, Socket } from '@aio/selector';
import { PageTimeoutError, request, type StrategyInfo, type Target } from './types';

// #region Future
// Written as a method's type so TypeScript checks its parameter bivariantly: without that, a
// Future<Buffer> would not pass where a Future<unknown> is expected.
type DoneCallback<T> = { bivariant(future: Future<T>): void }['bivariant'];

class Future<T = unknown> {
  result: T | undefined = undefined;
  private callbacks: DoneCallback<T>[] = [];

  addDoneCallback(fn: DoneCallback<T>): void {
    this.callbacks.push(fn);
  }

  setResult(result: T): void {
    this.result = result;
    for (const fn of this.callbacks) fn(this);
  }
}
// #endregion Future

// #region Task
class Task {
  constructor(readonly coro: Generator<Future, void, unknown>) {
    const f = new Future();
    f.setResult(undefined);
    this.step(f);
  }

  step = (future: Future): void => {
    const next = this.coro.next(future.result);
    if (next.done) return; // the generator returned: Python's StopIteration
    const nextFuture = next.value;
    nextFuture.addDoneCallback(this.step);
  };
}
// #endregion Task

// #region generatorWay
export function generatorWay(target: Target): void {
  const { timeline } = target;
  const selector = new DefaultSelector<() => void>();
  const urlsTodo = target.paths;
  let next = 0; // the next url of urlsTodo to start
  const crawlers = new Set<Crawler>(); // in flight, in the order they started
  let stopping = false;

  // #region Crawler
  class Crawler {
    response: Buffer[] = [];
    task: Task | undefined;
    readonly deadline = performance.now() + target.timeoutMs;

    constructor(readonly url: string) {}

    *fetch(): Generator<Future, void, unknown> {
      timeline.begin(this.url);
      const sock = new Socket();
      // One `try` now spans every wait of this download, which no callback of §3.5 could do.
      try {
        sock.setBlocking(false);
        try {
          sock.connect(target.address(this.url));
        } catch (err) {
          if (!(err instanceof BlockingIOError)) throw err;
        }
        const f = new Future();

        const onConnected = (): void => {
          f.setResult(undefined);
        };

        selector.register(sock.fileno(), EVENT_WRITE, onConnected);
        yield f;
        selector.unregister(sock.fileno());
        sock.send(request(target.host, this.url));
        timeline.connected(this.url);

        while (true) {
          const f = new Future();

          const onReadable = (): void => {
            f.setResult(undefined);
          };

          selector.register(sock.fileno(), EVENT_READ, onReadable);
          yield f;
          selector.unregister(sock.fileno());
          const chunk = sock.recv(4096);
          if (chunk.length > 0) {
            timeline.received(this.url, chunk.length);
            this.response.push(chunk);
          } else {
            timeline.done(this.url, Buffer.concat(this.response));
            break;
          }
        }
      } catch (err) {
        timeline.failed(this.url, err);
      } finally {
        if (selector.getMap().has(sock.fileno())) selector.unregister(sock.fileno());
        sock.close();
        crawlers.delete(this);
        startCrawlers();
      }
    }
  }
  // #endregion Crawler

  // #region startCrawlers
  function startCrawlers(): void {
    while (!stopping && crawlers.size < target.concurrency && next < urlsTodo.length) {
      const crawler = new Crawler(urlsTodo[next++]!);
      crawlers.add(crawler);
      crawler.task = new Task(crawler.fetch());
    }
  }
  // #endregion startCrawlers

  // #region loop
  function loop(): void {
    while (crawlers.size > 0) {
      const first = crawlers.values().next().value!;
      const events = selector.select(Math.max(0, first.deadline - performance.now()));
      for (const [eventKey] of events) {
        const callback = eventKey.data;
        callback();
      }
      for (const crawler of crawlers) {
        if (crawler.deadline > performance.now()) break;
        crawler.task!.coro.throw(new PageTimeoutError(crawler.url, target.timeoutMs));
      }
    }
  }
  // #endregion loop

  try {
    startCrawlers();
    loop();
  } finally {
    stopping = true;
    selector.close();
    // After a failure of the loop itself the generators are still parked at a `yield`: ending
    // them runs their `finally`, which closes their sockets. A finished generator ignores this.
    for (const crawler of crawlers) crawler.task?.coro.return();
  }
}
// #endregion generatorWay

export const generatorStrategy: StrategyInfo = {
  name: 'generators',
  section: '4.1',
  title: 'generator coroutines + Future + Task on the selector',
  run: generatorWay,
  concurrency: (requested) => requested,
};
