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
 * the full versions.
 */
import { BlockingIOError, DefaultSelector, EVENT_READ, EVENT_WRITE, Socket } from '@aio/selector';
import { request, type StrategyInfo, type StrategyResult, type Target } from './types';

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
export function generatorWay(target: Target): StrategyResult {
  const selector = new DefaultSelector<() => void>();
  const urlsTodo = new Set(target.paths);
  const responses = new Map<string, Buffer>();
  let stopped = false;

  // #region Crawler
  class Crawler {
    response: Buffer[] = [];

    constructor(readonly url: string) {}

    *fetch(): Generator<Future, void, unknown> {
      const sock = new Socket();
      // One `finally` now spans every wait of this download, which no callback of §3.5 could do.
      try {
        sock.setBlocking(false);
        try {
          sock.connect([target.host, target.port]);
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

        while (true) {
          const f = new Future<Buffer>();

          const onReadable = (): void => {
            f.setResult(sock.recv(4096));
          };

          selector.register(sock.fileno(), EVENT_READ, onReadable);
          // What `yield` evaluates to is whatever the Task sends back, so TypeScript cannot know
          // it is this future's Buffer; §4.2's `yield*` gets the type right.
          const chunk = (yield f) as Buffer;
          selector.unregister(sock.fileno());
          if (chunk.length > 0) {
            this.response.push(chunk);
          } else {
            responses.set(this.url, Buffer.concat(this.response));
            urlsTodo.delete(this.url);
            if (urlsTodo.size === 0) stopped = true;
            break;
          }
        }
      } finally {
        sock.close();
      }
    }
  }
  // #endregion Crawler

  // #region loop
  function loop(): void {
    while (!stopped) {
      const events = selector.select();
      for (const [eventKey] of events) {
        const callback = eventKey.data;
        callback();
      }
    }
  }
  // #endregion loop

  const tasks: Task[] = [];
  try {
    for (const url of target.paths) {
      const crawler = new Crawler(url);
      tasks.push(new Task(crawler.fetch()));
    }
    loop();
  } finally {
    selector.close();
    // After a failure the other generators are still parked at a `yield`: ending them runs their
    // `finally`, which closes their sockets. A finished generator ignores this.
    for (const task of tasks) task.coro.return();
  }
  return { responses };
}
// #endregion generatorWay

export const generatorStrategy: StrategyInfo = {
  name: 'generators',
  section: '4.1',
  title: 'generator coroutines + Future + Task on the selector',
  run: generatorWay,
  concurrency: (pages) => pages,
};
