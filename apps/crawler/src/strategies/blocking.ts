/**
 * §3.1 of the article: synchronous, blocking. One socket, connect, send the request, then recv
 * 4096 bytes at a time until the server closes; and `syncWay` does that for each page in turn.
 * While one page waits on the network, nothing else happens: the total is the sum of the waits.
 */
import { Socket } from '@aio/selector';
import { refuseSequential, request, type StrategyInfo, type Target } from './types';

// #region blockingWay
export function blockingWay(target: Target, path: string): Buffer {
  const { timeline } = target;
  timeline.begin(path);
  const sock = new Socket();
  try {
    // Python's settimeout (in ms here): connect, sendall and each recv give up after this long.
    sock.settimeout(target.timeoutMs);
    sock.connect(target.address(path));
    timeline.connected(path);
    sock.sendall(request(target.host, path));
    const chunks: Buffer[] = [];
    let chunk = sock.recv(4096);
    while (chunk.length > 0) {
      timeline.received(path, chunk.length);
      chunks.push(chunk);
      chunk = sock.recv(4096);
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
// #endregion blockingWay

// #region syncWay
export function syncWay(target: Target): void {
  for (const path of target.paths) {
    try {
      blockingWay(target, path);
    } catch {
      // Written down in the timeline; on to the next page.
    }
  }
}
// #endregion syncWay

export const blocking: StrategyInfo = {
  name: 'blocking',
  section: '3.1',
  title: 'blocking sockets, one page after another',
  run: syncWay,
  concurrency: () => 1,
  refuse: refuseSequential,
};
