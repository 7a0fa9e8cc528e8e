/**
 * §4.3 of the article, the way it ends: `async def fetch` and `await`. The same steps as the
 * generator `fetch` of asyncio.ts, written with the language's own keywords: an aio Future is
 * thenable, so `await sockRecv(...)` waits for the socket exactly as `yield* sockRecv(...)` did.
 *
 * The workers are async functions too, taking pages from one shared iterator, `gather` is handed
 * the functions (not promises already started) so that each becomes a Task `run` knows, and
 * `waitFor` bounds each page as in asyncio.ts. One thing differs from generators: nothing can
 * throw into an `await` from outside, so a task cancels an async function by aborting the
 * AbortSignal it gave it, and the function has to act on it. `cancellable` does: when the signal
 * aborts, it cancels the future being awaited, which makes the `await` throw CancelledError, and
 * `finally` closes the socket as in the generator. It listens to the signal once per `fetch`, not
 * once per `await`: a listener on an AbortSignal costs more than a whole socket operation here.
 */
import { gather, run, waitFor } from '@aio/coroutine';
import { isCancelledError, sockConnect, sockRecv, sockSendall, type Future } from '@aio/future';
import { getRunningLoop } from '@aio/loop';
import { Socket } from '@aio/selector';
import { request, type StrategyInfo, type Target } from './types';

// #region cancelScope
/**
 * Makes a function's awaits cancellable by `signal`: `await cancellable(future)` waits for
 * `future`, which is cancelled if `signal` aborts while it is awaited (or has aborted already).
 */
function cancelScope(signal: AbortSignal): <T>(future: Future<T>) => Future<T> {
  let awaited: Future | null = null;
  signal.addEventListener('abort', () => awaited?.cancel(), { once: true });
  return (future) => {
    awaited = future;
    if (signal.aborted) future.cancel();
    return future;
  };
}
// #endregion cancelScope

// #region asyncAwait
// #region fetch
async function fetch(target: Target, path: string, signal: AbortSignal): Promise<Buffer> {
  const { timeline } = target;
  const loop = getRunningLoop();
  const cancellable = cancelScope(signal);
  const sock = new Socket();
  sock.setBlocking(false);
  try {
    await cancellable(sockConnect(loop, sock, target.address(path)));
    timeline.connected(path);
    await cancellable(sockSendall(loop, sock, request(target.host, path)));
    const chunks: Buffer[] = [];
    let chunk = await cancellable(sockRecv(loop, sock, 4096));
    while (chunk.length > 0) {
      timeline.received(path, chunk.length);
      chunks.push(chunk);
      chunk = await cancellable(sockRecv(loop, sock, 4096));
    }
    return Buffer.concat(chunks);
  } finally {
    sock.close();
  }
}
// #endregion fetch

// #region workers
async function worker(target: Target, todo: Iterator<string>): Promise<void> {
  const { timeline } = target;
  for (let next = todo.next(); !next.done; next = todo.next()) {
    const path = next.value;
    timeline.begin(path);
    try {
      timeline.done(path, await waitFor((signal) => fetch(target, path, signal), target.timeoutMs));
    } catch (err) {
      if (isCancelledError(err)) throw err; // the worker itself is being cancelled: let it
      timeline.failed(path, err);
    }
  }
}

export async function asyncAwaitWay(target: Target): Promise<void> {
  const todo = target.paths.values();
  const workers = Math.min(target.concurrency, target.paths.length);
  await run(async () => {
    await gather(...Array.from({ length: workers }, () => () => worker(target, todo)));
  });
}
// #endregion workers
// #endregion asyncAwait

export const asyncAwaitStrategy: StrategyInfo = {
  name: 'async-await',
  section: '4.3',
  title: 'async/await: async fetch, run + gather',
  run: asyncAwaitWay,
  concurrency: (requested) => requested,
};
