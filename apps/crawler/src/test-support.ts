/** For tests: one page fetched with §3.1's blocking socket, outside any crawl. */
import { makeTarget } from './measure';
import { blockingWay } from './strategies/blocking';
import type { HostPort } from './strategies/types';

/**
 * GET `path` from `address` with a blocking socket; throws what the socket throws. The default
 * timeout only ends a hang: a site on a loaded machine may take seconds to answer.
 */
export function get(address: HostPort, path: string, timeoutMs = 30_000): Buffer {
  const [host] = address;
  const target = makeTarget({ host, address, paths: [path], concurrency: 1, timeoutMs });
  return blockingWay(target, path);
}
