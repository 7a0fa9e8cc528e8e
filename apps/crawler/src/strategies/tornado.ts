/**
 * Part Two of the article: the same crawl as tornado writes it. `fetch` is a `gen.coroutine`: a
 * generator that yields Futures with a bare `yield` and gets their results back, driven by
 * tornado's `Runner` (`handleYield` → `convertYielded` → `IOLoop.addFuture`). `main` yields an
 * array of workers, which `convertYielded` turns into `multi`: all of them at once.
 * `IOLoop.runSync(main)` runs the loop until main's Future is done.
 *
 * The page comes from tornado's own HTTP client, as tornado code gets one: `yield
 * client.fetch(url)` gives an `HTTPResponse`. `AsyncHTTPClient` (`@aio/tornado/httpclient`) speaks
 * HTTP/1.1 on IOStreams and keeps a connection after its response, so a worker's next page goes out
 * on the connection of its last one: where every other stage connects once per page and sends
 * HTTP/1.0, this one connects about once per worker. The client is the crawl's own
 * (`forceInstance`, not the IOLoop's shared one), closed after it with its kept connections.
 * `maxClients` is `--concurrency`, so no request waits in its queue.
 *
 * `--timeout` is the client's `requestTimeout` (and `connectTimeout`): its timer bounds each
 * page's whole fetch, and a page past it fails with `HTTPTimeoutError`. With `raiseError: false`
 * a response outside 2xx comes back as a response rather than an `HTTPClientError`, and the
 * timeline checks it as it checks every stage's (`HTTP 404 Not Found`); no response at all (a
 * refused connection, a reset, bytes that are not HTTP, the timeout) is thrown, and the worker
 * writes it down as the page's failure.
 *
 * The client says when it connected (`connect`: 0 on a kept connection) and when the response's
 * first line came (`firstByte`) in `response.timeInfo`, in ms from the start of the fetch: they
 * go on the timeline once the response is in. A fetch that fails throws its error without them,
 * so a failed page shows as one span.
 *
 * `--url https://…` works here: the client speaks TLS and checks the certificate against the
 * system's CAs, and against those in `NODE_EXTRA_CA_CERTS` as Node does (`crawlClient`).
 */
import * as gen from '@aio/tornado/gen';
import { AsyncHTTPClient, type HTTPResponse } from '@aio/tornado/httpclient';
import { IOLoop } from '@aio/tornado/ioloop';
import { createDefaultContext } from '@aio/selector/ssl';
import { now, type Timeline } from '../timeline';
import type { StrategyInfo, Target } from './types';

// #region tornado
export async function tornadoWay(target: Target): Promise<void> {
  const { timeline } = target;

  // #region fetch
  const fetch = gen.coroutine(function* fetch(client: AsyncHTTPClient, path: string) {
    const response = (yield client.fetch(target.url(path), { raiseError: false })) as HTTPResponse;
    noteTimes(timeline, path, response);
    return response;
  });
  // #endregion fetch

  // #region workers
  const worker = gen.coroutine(function* worker(client: AsyncHTTPClient, todo: Iterator<string>) {
    for (let next = todo.next(); !next.done; next = todo.next()) {
      const path = next.value;
      timeline.begin(path);
      try {
        timeline.done(path, (yield fetch(client, path)) as HTTPResponse);
      } catch (err) {
        timeline.failed(path, err);
      }
    }
  });

  const main = gen.coroutine(function* main() {
    const client = crawlClient(target);
    try {
      const todo = target.paths.values();
      const workers = Math.min(target.concurrency, target.paths.length);
      yield Array.from({ length: workers }, () => worker(client, todo));
    } finally {
      client.close();
    }
  });

  const ioloop = new IOLoop();
  try {
    await ioloop.runSync(main);
  } finally {
    ioloop.close();
  }
  // #endregion workers
}
// #endregion tornado

// #region client
/**
 * The crawl's own `AsyncHTTPClient` (make it on the running IOLoop; close it when done):
 * `--concurrency` requests at once, `--timeout` for each, IPv4 only as every stage connects
 * (discover.ts resolved the site to an IPv4 address), and for an https site the system's CAs
 * and those of `NODE_EXTRA_CA_CERTS` trusted, as Node's own `fetch` (node-fetch, discover.ts)
 * trusts them: one setting makes a private CA good for every stage.
 */
export function crawlClient(target: Target): AsyncHTTPClient {
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const https = target.paths.length > 0 && target.url(target.paths[0]!).startsWith('https:');
  let sslOptions;
  if (https && extraCa) {
    sslOptions = createDefaultContext(); // the system's store…
    sslOptions.loadVerifyLocations({ cafile: extraCa }); // …and these besides
  }
  return new AsyncHTTPClient({
    forceInstance: true,
    maxClients: target.concurrency,
    defaults: {
      connectTimeout: target.timeoutMs,
      requestTimeout: target.timeoutMs,
      allowIpv6: false,
      ...(sslOptions === undefined ? {} : { sslOptions }),
    },
  });
}
// #endregion client

/**
 * Writes down when `response`'s connection was ready and when its first line came, from its
 * `timeInfo` (ms from the start of the fetch, which was `total` ms ago).
 */
export function noteTimes(timeline: Timeline, path: string, response: HTTPResponse): void {
  const { connect = 0, firstByte = 0, total = 0 } = response.timeInfo;
  const start = now() - total;
  timeline.connected(path, start + connect);
  timeline.received(path, response.body.length, start + firstByte);
}

export const tornadoStrategy: StrategyInfo = {
  name: 'tornado',
  section: 'II',
  title: 'tornado: gen.coroutine workers on IOLoop with AsyncHTTPClient',
  run: tornadoWay,
  concurrency: (requested) => requested,
  https: true,
};
