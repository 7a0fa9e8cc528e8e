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
 * and `Task` rather than sharing §4.1's. As there, `read` calls `recv` itself once the socket is
 * readable, so that its errors throw inside `fetch`; `--concurrency` and `--timeout` work as there.
 */
import {
  BlockingIOError,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  Socket,
  type Address,
} from '@aio/selector';
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
export function yieldFromWay(target: Target): void {
  const { timeline } = target;
  const selector = new DefaultSelector<() => void>();
  const urlsTodo = target.paths;
  let next = 0; // the next url of urlsTodo to start
  const crawlers = new Set<Crawler>(); // in flight, in the order they started
  let stopping = false;

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
    const f = new Future();

    const onReadable = (): void => {
      f.setResult(undefined);
    };

    selector.register(sock.fileno(), EVENT_READ, onReadable);
    yield* f;
    selector.unregister(sock.fileno());
    return sock.recv(4096);
  }
  // #endregion read

  // #region readAll
  function* readAll(sock: Socket, url: string): Generator<Future, Buffer, unknown> {
    const response: Buffer[] = [];
    let chunk = yield* read(sock);
    while (chunk.length > 0) {
      timeline.received(url, chunk.length);
      response.push(chunk);
      chunk = yield* read(sock);
    }
    return Buffer.concat(response);
  }
  // #endregion readAll

  // #region Crawler
  class Crawler {
    response: Buffer = Buffer.alloc(0);
    task: Task | undefined;
    readonly deadline = performance.now() + target.timeoutMs;

    constructor(readonly url: string) {}

    *fetch(): Generator<Future, void, unknown> {
      timeline.begin(this.url);
      const sock = new Socket();
      try {
        yield* connect(sock, target.address(this.url));
        sock.send(request(target.host, this.url));
        timeline.connected(this.url);
        this.response = yield* readAll(sock, this.url);
        timeline.done(this.url, this.response);
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

  function startCrawlers(): void {
    while (!stopping && crawlers.size < target.concurrency && next < urlsTodo.length) {
      const crawler = new Crawler(urlsTodo[next++]!);
      crawlers.add(crawler);
      crawler.task = new Task(crawler.fetch());
    }
  }

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
    // As in §4.1: ending the generators still parked at a `yield` closes their sockets.
    for (const crawler of crawlers) crawler.task?.coro.return();
  }
}
// #endregion yieldFromWay

export const yieldFromStrategy: StrategyInfo = {
  name: 'yield-from',
  section: '4.2',
  title: 'yield* sub-generators (connect, read, readAll) + an iterable Future',
  run: yieldFromWay,
  concurrency: (requested) => requested,
};
