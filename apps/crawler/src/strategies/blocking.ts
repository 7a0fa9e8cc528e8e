/**
 * §3.1 of the article: synchronous, blocking. One socket, connect, send the request, then recv
 * 4096 bytes at a time until the server closes; and `syncWay` does that for each page in turn.
 * While one page waits on the network, nothing else happens: the total is the sum of the waits.
 */
import { Socket } from '@aio/selector';
import { request, type StrategyResult, type Target } from './types';

// #region blockingWay
export function blockingWay(host: string, port: number, path: string): Buffer {
  const sock = new Socket();
  try {
    sock.connect([host, port]);
    sock.sendall(request(host, path));
    const chunks: Buffer[] = [];
    let chunk = sock.recv(4096);
    while (chunk.length > 0) {
      chunks.push(chunk);
      chunk = sock.recv(4096);
    }
    return Buffer.concat(chunks);
  } finally {
    sock.close();
  }
}
// #endregion blockingWay

// #region syncWay
export function syncWay(target: Target): StrategyResult {
  const responses = new Map<string, Buffer>();
  for (const path of target.paths) responses.set(path, blockingWay(target.host, target.port, path));
  return { responses };
}
// #endregion syncWay
