/**
 * Part Two of the article: the same crawl as tornado writes it. `fetch` is a `gen.coroutine`: a
 * generator that yields Futures with a bare `yield` and gets their results back, driven by
 * tornado's `Runner` (`handleYield` → `convertYielded` → `IOLoop.addFuture`). `main` yields an
 * array, `[fetch(p) for p in paths]`, which `convertYielded` turns into `multi`: every page at
 * once. `IOLoop.runSync(main)` runs the loop until main's Future is done.
 *
 * tornado 6 runs on an asyncio loop (`IOLoop.asyncioLoop` here), so the socket operations are
 * asyncio's, as in asyncio.ts: the difference this stage shows is the coroutine machinery, not
 * the I/O. The IOLoop is made for the crawl and closed after it. As in tornado, a `multi` waits
 * for every child even when one fails: it then fails with the first error and logs the others
 * ("Multiple exceptions in yield list"), and every fetch has closed its socket by then.
 */
import { sockConnect, sockRecv, sockSendall } from '@aio/future';
import { Socket } from '@aio/selector';
import * as gen from '@aio/tornado/gen';
import { IOLoop } from '@aio/tornado/ioloop';
import { request, type StrategyInfo, type StrategyResult, type Target } from './types';

// #region tornado
export async function tornadoWay(target: Target): Promise<StrategyResult> {
  const { host, port, paths } = target;

  const fetch = gen.coroutine(function* fetch(path: string) {
    const loop = IOLoop.current().asyncioLoop;
    const sock = new Socket();
    sock.setBlocking(false);
    try {
      yield sockConnect(loop, sock, [host, port]);
      yield sockSendall(loop, sock, request(host, path));
      const chunks: Buffer[] = [];
      let chunk = (yield sockRecv(loop, sock, 4096)) as Buffer;
      while (chunk.length > 0) {
        chunks.push(chunk);
        chunk = (yield sockRecv(loop, sock, 4096)) as Buffer;
      }
      return Buffer.concat(chunks);
    } finally {
      sock.close();
    }
  });

  const main = gen.coroutine(function* main() {
    return (yield paths.map((path) => fetch(path))) as Buffer[];
  });

  const ioloop = new IOLoop();
  try {
    const pages = await ioloop.runSync(main);
    return { responses: new Map(paths.map((path, i) => [path, pages[i]!])) };
  } finally {
    ioloop.close();
  }
}
// #endregion tornado

export const tornadoStrategy: StrategyInfo = {
  name: 'tornado',
  section: 'II',
  title: 'tornado: gen.coroutine on IOLoop, yield a list of fetches',
  run: tornadoWay,
  concurrency: (pages) => pages,
};
