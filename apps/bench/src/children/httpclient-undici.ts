/**
 * The undici client of `pnpm bench httpclient`, in a process of its own: undici's `Pool` with
 * `connections: concurrency` (keep-alive, no pipelining), `concurrency` async workers each
 * awaiting `pool.request({ path, method: 'GET' })` and reading the body with `body.text()`, as
 * undici's docs write it. Arguments and output: `src/lib/httpclient-load.ts`.
 *
 *   httpclient-undici.mjs '{"url": …, "warmupUrl": …, "requests": 20000, "warmupRequests": 2000,
 *                           "concurrency": 50}'
 */
import { createRequire } from 'node:module';
import { Pool } from 'undici';
import { clientLoadArgs, Clock, report, Tally } from '../lib/httpclient-load';

const args = clientLoadArgs('httpclient-undici');
const { concurrency } = args;
const url = new URL(args.url);
const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
let tally = new Tally();
let connections = 0;
pool.on('connect', () => connections++);

async function worker(path: string, left: { n: number }): Promise<void> {
  while (left.n > 0) {
    left.n--;
    try {
      const { statusCode, body } = await pool.request({ path, method: 'GET' });
      tally.response(statusCode, await body.text());
    } catch (error) {
      tally.fail(error);
    }
  }
}

function phase(target: string, requests: number): Promise<void[]> {
  const { pathname, search } = new URL(target);
  const left = { n: requests };
  return Promise.all(Array.from({ length: concurrency }, () => worker(pathname + search, left)));
}

if (args.warmupRequests > 0) await phase(args.warmupUrl, args.warmupRequests);
if (tally.failed > 0) throw new Error(`warm-up: ${tally.failed} failed (${tally.firstError})`);
tally = new Tally();
const clock = new Clock();
clock.start();
await phase(args.url, args.requests);
clock.stop();
await pool.close();
const undiciVersion = (createRequire(import.meta.url)('undici/package.json') as { version: string })
  .version;
report(clock, tally, {
  clientConnections: connections,
  versions: { node: process.version, undici: undiciVersion },
});
