/**
 * Part Two of the article: the same crawl as tornado writes it. `fetch` is a `gen.coroutine`: a
 * generator that yields Futures with a bare `yield` and gets their results back, driven by
 * tornado's `Runner` (`handleYield` → `convertYielded` → `IOLoop.addFuture`). `main` yields an
 * array of workers, which `convertYielded` turns into `multi`: all of them at once.
 * `IOLoop.runSync(main)` runs the loop until main's Future is done.
 *
 * tornado 6 runs on an asyncio loop (`IOLoop.asyncioLoop` here), so the socket operations are
 * asyncio's, as in asyncio.ts: the difference this stage shows is the coroutine machinery, not
 * the I/O. The IOLoop is made for the crawl and closed after it.
 *
 * There are `--concurrency` workers, each taking pages from one shared iterator.
 * Each page gets `--timeout` ms the way tornado code bounds a wait: `gen.withTimeout(deadline,
 * future)` around each socket operation. tornado's `withTimeout` does not cancel what it waited
 * on, so `within` does, and the fetch's `finally` closes the socket.
 */
import { CancelledError, sockConnect, sockRecv, sockSendall, type Future } from '@aio/future';
import { Socket } from '@aio/selector';
import * as gen from '@aio/tornado/gen';
import { IOLoop } from '@aio/tornado/ioloop';
import { request, type StrategyInfo, type Target } from './types';

// #region tornado
export async function tornadoWay(target: Target): Promise<void> {
  const { timeline } = target;

  // #region within
  /** Waits for `future` until `deadline` (loop time), cancelling it if the deadline comes first. */
  function* within<T>(deadline: number, future: Future<T>): Generator<unknown, T, unknown> {
    try {
      return (yield gen.withTimeout(deadline, future, {
        quietExceptions: [CancelledError],
      })) as T;
    } catch (err) {
      future.cancel();
      throw err;
    }
  }
  // #endregion within

  // #region fetch
  const fetch = gen.coroutine(function* fetch(path: string) {
    const loop = IOLoop.current().asyncioLoop;
    const deadline = loop.time() + target.timeoutMs;
    const sock = new Socket();
    sock.setBlocking(false);
    try {
      yield* within(deadline, sockConnect(loop, sock, target.address(path)));
      timeline.connected(path);
      yield* within(deadline, sockSendall(loop, sock, request(target.host, path)));
      const chunks: Buffer[] = [];
      let chunk = yield* within(deadline, sockRecv(loop, sock, 4096));
      while (chunk.length > 0) {
        timeline.received(path, chunk.length);
        chunks.push(chunk);
        chunk = yield* within(deadline, sockRecv(loop, sock, 4096));
      }
      return Buffer.concat(chunks);
    } finally {
      sock.close();
    }
  });
  // #endregion fetch

  // #region workers
  const worker = gen.coroutine(function* worker(todo: Iterator<string>) {
    for (let next = todo.next(); !next.done; next = todo.next()) {
      const path = next.value;
      timeline.begin(path);
      try {
        timeline.done(path, (yield fetch(path)) as Buffer);
      } catch (err) {
        timeline.failed(path, err);
      }
    }
  });

  const main = gen.coroutine(function* main() {
    const todo = target.paths.values();
    const workers = Math.min(target.concurrency, target.paths.length);
    yield Array.from({ length: workers }, () => worker(todo));
  });

  const ioloop = new IOLoop();
  try {
    await ioloop.runSync(main);
  } finally {
    ioloop.close();
  }
  // #endregion workers
}
// #endregion tornado

export const tornadoStrategy: StrategyInfo = {
  name: 'tornado',
  section: 'II',
  title: 'tornado: gen.coroutine on IOLoop, workers yielded as a list',
  run: tornadoWay,
  concurrency: (requested) => requested,
};
