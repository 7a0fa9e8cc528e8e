/**
 * §3.4 of the article: non-blocking sockets, and nothing to wait on them with.
 *
 * `setBlocking(false)` makes every call return at once: connect throws BlockingIOError while the
 * handshake goes on, and send and recv throw it for as long as they cannot proceed. With no way to
 * be told when the socket is ready, the code can only ask again, and again: the CPU spins through
 * every wait instead of sleeping in it, and as the pages are still fetched one after another the
 * total is no better than blocking's (the article: ≈4.3 s against ≈4.5 s), with a core burnt.
 *
 * Only would-block is retried. The article retries on any OSError, which would spin forever on a
 * refused connection; here that error, like any other, ends the fetch.
 */
import { BlockingIOError, Socket } from '@aio/selector';
import { request, type StrategyInfo, type StrategyResult, type Target } from './types';

// #region nonblockingWay
export function nonblockingWay(host: string, port: number, path: string): Buffer {
  const sock = new Socket();
  try {
    sock.setBlocking(false);
    try {
      sock.connect([host, port]);
    } catch (err) {
      if (!(err instanceof BlockingIOError)) throw err;
    }
    const data = request(host, path);
    let sent = 0;
    while (sent < data.length) {
      try {
        sent += sock.send(data.subarray(sent));
      } catch (err) {
        if (!(err instanceof BlockingIOError)) throw err;
      }
    }
    const chunks: Buffer[] = [];
    for (;;) {
      try {
        let chunk = sock.recv(4096);
        while (chunk.length > 0) {
          chunks.push(chunk);
          chunk = sock.recv(4096);
        }
        break;
      } catch (err) {
        if (!(err instanceof BlockingIOError)) throw err;
      }
    }
    return Buffer.concat(chunks);
  } finally {
    sock.close();
  }
}
// #endregion nonblockingWay

// #region nonblockingSyncWay
export function nonblockingSyncWay(target: Target): StrategyResult {
  const responses = new Map<string, Buffer>();
  for (const path of target.paths) {
    responses.set(path, nonblockingWay(target.host, target.port, path));
  }
  return { responses };
}
// #endregion nonblockingSyncWay

export const nonblocking: StrategyInfo = {
  name: 'nonblocking',
  section: '3.4',
  title: 'non-blocking sockets, busy polling, one page after another',
  run: nonblockingSyncWay,
  concurrency: () => 1,
};
