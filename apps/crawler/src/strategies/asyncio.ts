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
 * form of the article's `loop.run_until_complete(asyncio.gather(*tasks))`. `gather` runs one task
 * per page, so all pages wait on the network together, on one thread.
 */
import { gather, run, type Coroutine } from '@aio/coroutine';
import { sockConnect, sockRecv, sockSendall } from '@aio/future';
import { getRunningLoop } from '@aio/loop';
import { Socket } from '@aio/selector';
import { request, type StrategyInfo, type StrategyResult, type Target } from './types';

// #region asyncio
function* fetch(host: string, port: number, path: string): Coroutine<Buffer> {
  const loop = getRunningLoop();
  const sock = new Socket();
  sock.setBlocking(false);
  try {
    yield* sockConnect(loop, sock, [host, port]);
    yield* sockSendall(loop, sock, request(host, path));
    const chunks: Buffer[] = [];
    let chunk = yield* sockRecv(loop, sock, 4096);
    while (chunk.length > 0) {
      chunks.push(chunk);
      chunk = yield* sockRecv(loop, sock, 4096);
    }
    return Buffer.concat(chunks);
  } finally {
    sock.close();
  }
}

export async function asyncioWay(target: Target): Promise<StrategyResult> {
  const { host, port, paths } = target;
  const pages = await run(function* main() {
    return yield* gather(...paths.map((path) => fetch(host, port, path)));
  });
  return { responses: new Map(paths.map((path, i) => [path, pages[i]!])) };
}
// #endregion asyncio

export const asyncioStrategy: StrategyInfo = {
  name: 'asyncio',
  section: '4.3',
  title: 'asyncio: generator coroutines, run + gather, sock_connect/sock_recv',
  run: asyncioWay,
  concurrency: (pages) => pages,
};
