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
import {
  PageTimeoutError,
  refuseSequential,
  request,
  type StrategyInfo,
  type Target,
} from './types';

// #region nonblockingWay
export function nonblockingWay(target: Target, path: string): Buffer {
  const { timeline } = target;
  timeline.begin(path);
  // Nothing here ever waits, so nothing can time out by itself: each retry looks at the clock.
  const deadline = performance.now() + target.timeoutMs;
  const retry = (err: unknown): void => {
    if (!(err instanceof BlockingIOError)) throw err;
    if (performance.now() > deadline) throw new PageTimeoutError(path, target.timeoutMs);
  };
  const sock = new Socket();
  try {
    sock.setBlocking(false);
    try {
      sock.connect(target.address(path));
    } catch (err) {
      if (!(err instanceof BlockingIOError)) throw err;
    }
    const data = request(target.host, path);
    let sent = 0;
    while (sent < data.length) {
      try {
        sent += sock.send(data.subarray(sent));
      } catch (err) {
        retry(err);
      }
    }
    timeline.connected(path); // a send went through: the connect had completed
    const chunks: Buffer[] = [];
    for (;;) {
      try {
        let chunk = sock.recv(4096);
        while (chunk.length > 0) {
          timeline.received(path, chunk.length);
          chunks.push(chunk);
          chunk = sock.recv(4096);
        }
        break;
      } catch (err) {
        retry(err);
      }
    }
    const response = Buffer.concat(chunks);
    timeline.done(path, response);
    return response;
  } catch (err) {
    timeline.failed(path, err);
    throw err;
  } finally {
    sock.close();
  }
}
// #endregion nonblockingWay

// #region nonblockingSyncWay
export function nonblockingSyncWay(target: Target): void {
  for (const path of target.paths) {
    try {
      nonblockingWay(target, path);
    } catch {
      // Written down in the timeline; on to the next page.
    }
  }
}
// #endregion nonblockingSyncWay

export const nonblocking: StrategyInfo = {
  name: 'nonblocking',
  section: '3.4',
  title: 'non-blocking sockets, busy polling, one page after another',
  run: nonblockingSyncWay,
  concurrency: () => 1,
  refuse: refuseSequential,
};
