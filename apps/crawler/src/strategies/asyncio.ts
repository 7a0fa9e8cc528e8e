/**
 * §4.3 of the article: asyncio. The hand-made pieces of §4.1–4.2 (`Future`, `Task.step`, the
 * selector `loop()`, the `connect`/`read`/`readAll` sub-generators) become a library's: the event
 * loop and Task of @aio/coroutine, and asyncio's own socket operations from @aio/future
 * (`loop.sock_connect`, `sock_sendall`, `sock_recv`), which try the call and, only if it would
 * block, wait for the socket to be ready, exactly what §4.2's `connect` and `read` did by hand.
 *
 * `fetch` is still a generator coroutine, with `yield*` as Python's `yield from`; it reads
 * 4096 bytes at a time until EOF, as every stage does. `run(main)` is `asyncio.run`: a loop,
 * `main` run to the end as a task, then every task left cancelled and the loop closed: the modern
 * form of the article's `loop.run_until_complete(asyncio.gather(*tasks))`. `gather` runs
 * `--concurrency` worker tasks that take the pages one after another from one shared iterator (the
 * article's later crawler does the same with a queue), so that many pages wait on the network
 * together, on one thread. `waitFor` gives each page `--timeout` ms: past that it cancels the
 * fetch, whose `finally` closes the socket, and throws asyncio's TimeoutError.
 */
import { gather, run, waitFor, type Coroutine } from '@aio/coroutine';
import { isCancelledError, sockConnect, sockRecv, sockSendall } from '@aio/future';
import { getRunningLoop } from '@aio/loop';
import { Socket } from '@aio/selector';
import { request, type StrategyInfo, type Target } from './types';

// #region asyncio
// #region fetch
function* fetch(target: Target, path: string): Coroutine<Buffer> {
  const { timeline } = target;
  const loop = getRunningLoop();
  const sock = new Socket();
  sock.setBlocking(false);
  try {
    yield* sockConnect(loop, sock, target.address(path));
    timeline.connected(path);
    yield* sockSendall(loop, sock, request(target.host, path));
    const chunks: Buffer[] = [];
    let chunk = yield* sockRecv(loop, sock, 4096);
    while (chunk.length > 0) {
      timeline.received(path, chunk.length);
      chunks.push(chunk);
      chunk = yield* sockRecv(loop, sock, 4096);
    }
    return Buffer.concat(chunks);
  } finally {
    sock.close();
  }
}
// #endregion fetch

// #region workers
function* worker(target: Target, todo: Iterator<string>): Coroutine<void> {
  const { timeline } = target;
  for (let next = todo.next(); !next.done; next = todo.next()) {
    const path = next.value;
    timeline.begin(path);
    try {
      timeline.done(path, yield* waitFor(fetch(target, path), target.timeoutMs));
    } catch (err) {
      if (isCancelledError(err)) throw err; // the worker itself is being cancelled: let it
      timeline.failed(path, err);
    }
  }
}

export async function asyncioWay(target: Target): Promise<void> {
  const todo = target.paths.values();
  const workers = Math.min(target.concurrency, target.paths.length);
  await run(function* main() {
    yield* gather(...Array.from({ length: workers }, () => worker(target, todo)));
  });
}
// #endregion workers
// #endregion asyncio

export const asyncioStrategy: StrategyInfo = {
  name: 'asyncio',
  section: '4.3',
  title: 'asyncio: generator coroutines, run + gather, sock_connect/sock_recv',
  run: asyncioWay,
  concurrency: (requested) => requested,
};
