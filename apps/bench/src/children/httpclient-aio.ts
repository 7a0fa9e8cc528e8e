/**
 * The aio client of `pnpm bench httpclient`, in a process of its own: `AsyncHTTPClient` with
 * `forceInstance: true, maxClients: concurrency` (its keep-alive pool on), on an IOLoop of a new
 * aio loop in the mode asked for, `concurrency` workers each fetching in a loop. Arguments and
 * output: `src/lib/httpclient-load.ts`.
 *
 *   httpclient-aio.mjs '{"url": …, "warmupUrl": …, "requests": 20000, "warmupRequests": 2000,
 *                        "concurrency": 50, "mode": "hosted", "style": "generator"}'
 *
 * style `generator`: each worker a `gen.coroutine` yielding `client.fetch(url)`, gathered with
 * `gen.multi` (tornado's way); `async`: each an async function awaiting it, gathered with
 * `Promise.all`.
 */
import { EventLoop, setEventLoop } from '@aio/loop';
import type { Future } from '@aio/future';
import * as gen from '@aio/tornado/gen';
import { AsyncHTTPClient, type HTTPResponse } from '@aio/tornado/httpclient';
import { IOLoop } from '@aio/tornado/ioloop';
import { clientLoadArgs, Clock, report, Tally } from '../lib/httpclient-load';

const args = clientLoadArgs('httpclient-aio');
const { concurrency, mode = 'hosted', style = 'generator' } = args;

setEventLoop(new EventLoop({ mode }));
const ioloop = IOLoop.current();
const client = new AsyncHTTPClient({ forceInstance: true, maxClients: concurrency });
let tally = new Tally();

/** The requests a phase has left to start, shared by its workers. */
interface Left {
  n: number;
}

const generatorWorker = gen.coroutine(function* (
  url: string,
  left: Left,
): Generator<Future<HTTPResponse>, void, HTTPResponse> {
  while (left.n > 0) {
    left.n--;
    try {
      const response = yield client.fetch(url);
      tally.response(response.code, response.body.toString());
    } catch (error) {
      tally.fail(error);
    }
  }
});

async function asyncWorker(url: string, left: Left): Promise<void> {
  while (left.n > 0) {
    left.n--;
    try {
      const response = await client.fetch(url);
      tally.response(response.code, response.body.toString());
    } catch (error) {
      tally.fail(error);
    }
  }
}

/** `requests` fetches of `url`, `concurrency` at a time. */
function phase(url: string, requests: number): Future | Promise<unknown> {
  const left: Left = { n: requests };
  const workers = Array.from({ length: concurrency }, () =>
    style === 'generator' ? generatorWorker(url, left) : asyncWorker(url, left),
  );
  return style === 'generator'
    ? gen.multi(workers as Future<void>[])
    : Promise.all(workers as Promise<void>[]);
}

const clock = new Clock();
await ioloop.runSync(function* () {
  if (args.warmupRequests > 0) yield phase(args.warmupUrl, args.warmupRequests);
  if (tally.failed > 0) throw new Error(`warm-up: ${tally.failed} failed (${tally.firstError})`);
  tally = new Tally();
  clock.start();
  yield phase(args.url, args.requests);
  clock.stop();
});
const { connections } = client.stats;
client.close();
report(clock, tally, { clientConnections: connections, versions: { node: process.version } });
