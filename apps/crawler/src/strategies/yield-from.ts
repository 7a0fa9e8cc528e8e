/**
 * §4.2 of the article: `yield from`, which JavaScript spells `yield*`.
 *
 * §4.1's `fetch()` still spelled out every wait: make a future, register a callback, yield,
 * unregister. Here those steps move into sub-generators, `connect(sock, address)`, `read(sock)`
 * and `readAll(sock)`, and `fetch()` delegates to them with `yield*`, so it reads like the blocking
 * code of §3.1 while it runs as concurrently as §3.5. Whatever a sub-generator yields goes straight
 * up to the Task, and what the Task sends back goes straight down to it; the value of `yield*` is
 * what the sub-generator returns.
 *
 * For the same to work on a bare future, `Future` becomes iterable: its iterator yields the future
 * itself and returns its result, so `yield* future` waits for it and evaluates to its result, with
 * its type. `Task` is §4.1's, unchanged. As in the article, this section defines its own `Future`
 * and `Task` rather than sharing §4.1's.
 */
import {
  BlockingIOError,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  Socket,
  type Address,
} from '@aio/selector';
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

  *[Symbol.iterator](): Generator<Future<T>, T, unknown> {
    yield this;
    // The Task resumes us only from this future's done callback, so the result is set.
    return this.result as T;
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

// #region yieldFromWay
export function yieldFromWay(target: Target): StrategyResult {
  const selector = new DefaultSelector<() => void>();
  const urlsTodo = new Set(target.paths);
  const responses = new Map<string, Buffer>();
  let stopped = false;

  // #region connect
  function* connect(sock: Socket, address: Address): Generator<Future, void, unknown> {
    const f = new Future();
    sock.setBlocking(false);
    try {
      sock.connect(address);
    } catch (err) {
      if (!(err instanceof BlockingIOError)) throw err;
    }

    const onConnected = (): void => {
      f.setResult(undefined);
    };

    selector.register(sock.fileno(), EVENT_WRITE, onConnected);
    yield* f;
    selector.unregister(sock.fileno());
  }
  // #endregion connect

  // #region read
  function* read(sock: Socket): Generator<Future, Buffer, unknown> {
    const f = new Future<Buffer>();

    const onReadable = (): void => {
      f.setResult(sock.recv(4096));
    };

    selector.register(sock.fileno(), EVENT_READ, onReadable);
    const chunk = yield* f;
    selector.unregister(sock.fileno());
    return chunk;
  }
  // #endregion read

  // #region readAll
  function* readAll(sock: Socket): Generator<Future, Buffer, unknown> {
    const response: Buffer[] = [];
    let chunk = yield* read(sock);
    while (chunk.length > 0) {
      response.push(chunk);
      chunk = yield* read(sock);
    }
    return Buffer.concat(response);
  }
  // #endregion readAll

  // #region Crawler
  class Crawler {
    response: Buffer = Buffer.alloc(0);

    constructor(readonly url: string) {}

    *fetch(): Generator<Future, void, unknown> {
      const sock = new Socket();
      try {
        yield* connect(sock, [target.host, target.port]);
        sock.send(request(target.host, this.url));
        this.response = yield* readAll(sock);
        responses.set(this.url, this.response);
        urlsTodo.delete(this.url);
        if (urlsTodo.size === 0) stopped = true;
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
    // As in §4.1: ending the generators still parked at a `yield` closes their sockets.
    for (const task of tasks) task.coro.return();
  }
  return { responses };
}
// #endregion yieldFromWay

export const yieldFromStrategy: StrategyInfo = {
  name: 'yield-from',
  section: '4.2',
  title: 'yield* sub-generators (connect, read, readAll) + an iterable Future',
  run: yieldFromWay,
  concurrency: (pages) => pages,
};
