/**
 * §4.3 of the article, the way it ends: `async def fetch` and `await`. The same steps as the
 * generator `fetch` of asyncio.ts, written with the language's own keywords: an aio Future is
 * thenable, so `await sockRecv(...)` waits for the socket exactly as `yield* sockRecv(...)` did.
 *
 * Each page's `fetch` becomes a Task (`gather` is handed the function, not a promise it already
 * started), so `run` knows every one of them: if one page fails, `run` waits for the others to
 * end, and each closes its own socket, before the loop is closed.
 */
import { gather, run } from '@aio/coroutine';
import { sockConnect, sockRecv, sockSendall } from '@aio/future';
import { getRunningLoop } from '@aio/loop';
import { Socket } from '@aio/selector';
import { request, type StrategyInfo, type StrategyResult, type Target } from './types';

// #region asyncAwait
async function fetch(host: string, port: number, path: string): Promise<Buffer> {
  const loop = getRunningLoop();
  const sock = new Socket();
  sock.setBlocking(false);
  try {
    await sockConnect(loop, sock, [host, port]);
    await sockSendall(loop, sock, request(host, path));
    const chunks: Buffer[] = [];
    let chunk = await sockRecv(loop, sock, 4096);
    while (chunk.length > 0) {
      chunks.push(chunk);
      chunk = await sockRecv(loop, sock, 4096);
    }
    return Buffer.concat(chunks);
  } finally {
    sock.close();
  }
}

export async function asyncAwaitWay(target: Target): Promise<StrategyResult> {
  const { host, port, paths } = target;
  const pages = await run(async () => {
    return await gather(...paths.map((path) => () => fetch(host, port, path)));
  });
  return { responses: new Map(paths.map((path, i) => [path, pages[i]!])) };
}
// #endregion asyncAwait

export const asyncAwaitStrategy: StrategyInfo = {
  name: 'async-await',
  section: '4.3',
  title: 'async/await: async fetch, run + gather',
  run: asyncAwaitWay,
  concurrency: (pages) => pages,
};
