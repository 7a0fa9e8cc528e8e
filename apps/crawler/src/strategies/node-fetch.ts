/**
 * Not in the article: the baseline a Node user already knows. Node's global `fetch` (undici, on
 * libuv's own epoll loop), every page requested at once and awaited with `Promise.all`; the same
 * one-thread concurrency as the aio stages, from the runtime's own stack.
 *
 * `fetch` speaks HTTP/1.1 and hands back a parsed response, not the bytes on the wire. So that
 * this stage gives what the others give (status line, headers, blank line, body), `rawResponse`
 * writes them back from the Response: the body is byte for byte the server's, the headers are as
 * undici parsed them (names lower-cased). Each request says `Connection: close`, as the others'
 * HTTP/1.0 does, so no pooled connection outlives the crawl. The error of a failed page names
 * the page and the cause (`fetch failed` alone says neither).
 *
 * If one page fails, `Promise.all` rejects at once and the other requests run on to their end,
 * closing their connections as they finish. They are not aborted: with Node 20's undici (6.x),
 * aborting an in-flight request opened a fresh connection that then sat idle for about four
 * seconds, its keep-alive timeout (the Client re-queues the aborted request and reconnects, as
 * nodejs/undici#5845 describes).
 */
import { STATUS_CODES } from 'node:http';
import type { StrategyInfo, StrategyResult, Target } from './types';

// #region nodeFetch
async function fetchPage(url: string): Promise<Buffer> {
  let response: Response;
  let body: ArrayBuffer;
  try {
    response = await fetch(url, { headers: { connection: 'close' } });
    body = await response.arrayBuffer();
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new Error(`GET ${url} failed: ${cause ?? String(error)}`, { cause: error });
  }
  return rawResponse(response, Buffer.from(body));
}

export async function nodeFetchWay(target: Target): Promise<StrategyResult> {
  const { host, port, paths } = target;
  const pages = await Promise.all(paths.map((path) => fetchPage(`http://${host}:${port}${path}`)));
  return { responses: new Map(paths.map((path, i) => [path, pages[i]!])) };
}
// #endregion nodeFetch

/** The response as the other stages receive it: status line, headers, blank line, body. */
function rawResponse(response: Response, body: Buffer): Buffer {
  const reason = response.statusText || STATUS_CODES[response.status] || '';
  let head = `HTTP/1.1 ${response.status} ${reason}\r\n`;
  for (const [name, value] of response.headers) head += `${name}: ${value}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
}

export const nodeFetchStrategy: StrategyInfo = {
  name: 'node-fetch',
  section: '—',
  title: "Node's own fetch (undici), all pages with Promise.all",
  run: nodeFetchWay,
  concurrency: (pages) => pages,
};
