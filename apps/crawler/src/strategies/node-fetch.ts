/**
 * Not in the article: the baseline a Node user already knows. Node's global `fetch` (undici, on
 * libuv's own epoll loop), the pages requested by workers awaited with `Promise.all`; the same
 * one-thread concurrency as the aio stages, from the runtime's own stack.
 *
 * `fetch` speaks HTTP/1.1 and hands back a parsed response, not the bytes on the wire. So that
 * this stage gives what the others give (status line, headers, blank line, body), `rawResponse`
 * writes them back from the Response: the body is byte for byte the server's, the headers are as
 * undici parsed them (names lower-cased). Each request says `Connection: close`, as the others'
 * HTTP/1.0 does, so no pooled connection outlives the crawl. The error of a failed page names
 * the page and the cause (`fetch failed` alone says neither).
 *
 * `--concurrency` workers take the pages from one shared iterator, and each request carries
 * `AbortSignal.timeout(--timeout)`. `fetch` does not say when it connected or when the first byte
 * came: the timeline shows each page as one span. It is the only stage that can fetch `https://`
 * pages (`--url`), through Node's TLS.
 */
import { STATUS_CODES } from 'node:http';
import type { StrategyInfo, Target } from './types';

// #region nodeFetch
async function fetchPage(url: string, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  let body: ArrayBuffer;
  try {
    response = await fetch(url, {
      headers: { connection: 'close' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.arrayBuffer();
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new Error(`GET ${url} failed: ${cause ?? String(error)}`, { cause: error });
  }
  return rawResponse(response, Buffer.from(body));
}

async function worker(target: Target, todo: Iterator<string>): Promise<void> {
  const { timeline } = target;
  for (let next = todo.next(); !next.done; next = todo.next()) {
    const path = next.value;
    timeline.begin(path);
    try {
      timeline.done(path, await fetchPage(target.url(path), target.timeoutMs));
    } catch (err) {
      timeline.failed(path, err);
    }
  }
}

export async function nodeFetchWay(target: Target): Promise<void> {
  const todo = target.paths.values();
  const workers = Math.min(target.concurrency, target.paths.length);
  await Promise.all(Array.from({ length: workers }, () => worker(target, todo)));
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
  title: "Node's own fetch (undici), workers with Promise.all",
  run: nodeFetchWay,
  concurrency: (requested) => requested,
  https: true,
};
