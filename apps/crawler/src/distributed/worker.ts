/**
 * A worker of the distributed crawl: takes URLs from the shared frontier (frontier.ts), fetches
 * them with the tornado/webspider stages' client (`AsyncHTTPClient` on an `IOLoop`), and
 * completes each with its result and the same-site links it found, until the frontier says the
 * crawl is over.
 *
 * It keeps up to `concurrency` pages in flight. Whenever slots are free it asks for that many
 * URLs in one `take`; the slots freed by one burst of responses are filled together (the take
 * waits for the loop's next turn), so a crawl costs about one `complete` per page plus far fewer
 * takes. With nothing to take it waits for the frontier's wake message or the time `take` named.
 *
 * A worker knows nothing but the Redis URL and the crawl's id: what to crawl (the site's origin,
 * the page timeout, the embedded site's shape for checking each page byte for byte) is the
 * crawl's spec, which the coordinator wrote into the frontier. So a worker on another machine
 * joins with `pnpm crawl --worker --redis redis://host:port --crawl ID`.
 *
 * What a page's result holds (`PageResult`, JSON in the frontier): its path, the worker, its
 * times (wall clock, ms), bytes, and the error that failed it. The coordinator builds the crawl's
 * table and timeline from those. When it ends, the worker prints one line of JSON on stdout:
 * `WorkerSummary` (its CPU time and peak memory, its own counts).
 */
import { cpuUsage, resourceUsage } from 'node:process';
import { parseArgs } from 'node:util';
import type { AsyncHTTPClient, HTTPResponse } from '@aio/tornado/httpclient';
import { IOLoop } from '@aio/tornado/ioloop';
import { extractLinks } from '../discover';
import { checkResponse, makeTarget, type TargetSpec } from '../measure';
import { pageBody, pageIndex } from '../site/pages';
import { crawlClient } from '../strategies/tornado';
import { now } from '../timeline';
import { Frontier, type Lease } from './frontier';

/** One page's outcome, as a worker records it in the frontier. */
export interface PageResult {
  readonly path: string;
  readonly worker: string;
  readonly start: number;
  readonly connected?: number;
  readonly firstByte?: number;
  readonly end: number;
  readonly bytes: number;
  readonly error?: string;
}

/** What a worker prints when it ends. */
export interface WorkerSummary {
  readonly worker: string;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
  /** Pages this worker fetched (recorded or not: a page fetched twice counts in both workers). */
  readonly fetched: number;
  readonly failed: number;
  /** Scripts it ran on Redis: its round trips. */
  readonly roundTrips: number;
}

export interface WorkerOptions {
  readonly redis: string;
  readonly crawl: string;
  readonly name: string;
}

/** Fetches pages of the crawl until it is over; resolves with the worker's summary. */
export async function runWorker({ redis, crawl, name }: WorkerOptions): Promise<WorkerSummary> {
  const cpuBefore = cpuUsage();
  const frontier = new Frontier(redis, crawl, {
    onConnectionLost: (error) =>
      process.stderr.write(`crawl worker ${name}: lost Redis (${describe(error)}); reconnecting\n`),
  });
  let fetched = 0;
  let failed = 0;
  try {
    const spec = await frontier.spec<TargetSpec>();
    await frontier.listen();
    const target = makeTarget({ ...spec, paths: [spec.paths[0] ?? '/'] });
    const origin = new URL(target.url(target.paths[0]!)).origin;
    const expected = (path: string): Buffer | undefined => {
      const { embedded } = spec;
      if (embedded === undefined) return undefined;
      const index = pageIndex(path, embedded.pages);
      return index < 0
        ? undefined
        : Buffer.from(pageBody(index, embedded.pages, embedded.sizeBytes));
    };

    // #region fetchOne
    /** Fetches one leased URL and completes it. Never throws: a failure is the page's result. */
    async function fetchOne(client: AsyncHTTPClient, lease: Lease): Promise<void> {
      const url = new URL(lease.url);
      const path = url.pathname + url.search;
      const start = now();
      let result: PageResult;
      let links: string[] = [];
      try {
        const response: HTTPResponse = await client.fetch(lease.url, { raiseError: false });
        const end = now();
        const { connect = 0, firstByte = 0, total = 0 } = response.timeInfo;
        const began = end - total;
        const wrong = checkResponse(path, response, expected(path));
        result = {
          path,
          worker: name,
          start,
          connected: began + connect,
          firstByte: began + firstByte,
          end,
          bytes: response.body.length,
          ...(wrong === undefined ? {} : { error: wrong }),
        };
        if (wrong === undefined) links = sameSiteLinks(response, origin);
      } catch (error) {
        result = { path, worker: name, start, end: now(), bytes: 0, error: describe(error) };
      }
      if (result.error === undefined) fetched++;
      else failed++;
      await frontier.complete(
        name,
        lease,
        result.error === undefined ? 'fetched' : 'failed',
        JSON.stringify(result),
        links,
      );
    }
    // #endregion fetchOne

    // #region loop
    const ioloop = new IOLoop();
    try {
      await ioloop.runSync(async () => {
        const client = crawlClient(target);
        const concurrency = spec.concurrency;
        const running = new Set<Promise<void>>();
        const slots = new SlotSignal();
        try {
          for (;;) {
            const free = concurrency - running.size;
            if (free > 0) {
              const mark = frontier.wakeMark();
              const taken = await frontier.take(name, free);
              if (taken.kind === 'done') break;
              if (taken.kind === 'urls') {
                for (const lease of taken.leases) {
                  const job = fetchOne(client, lease).finally(() => {
                    running.delete(job);
                    slots.free();
                  });
                  running.add(job);
                }
                continue;
              }
              // Nothing to take now: wait for a wake message, a slot of ours to free (its page
              // may queue links), or the time take named.
              await Promise.race([
                frontier.waitForWork(Math.min(taken.ms, 1000), mark),
                slots.next(),
              ]);
              continue;
            }
            // Every slot busy: wait for one to free, then let the others that end in the same
            // turn free theirs too, so that one take fills them all.
            await slots.next();
            await new Promise((resolve) => setImmediate(resolve));
          }
          await Promise.all(running);
        } finally {
          client.close();
        }
      });
    } finally {
      ioloop.close();
    }
    // #endregion loop
  } finally {
    await frontier.close();
  }
  const cpu = cpuUsage(cpuBefore);
  return {
    worker: name,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMiB: resourceUsage().maxRSS / 1024,
    fetched,
    failed,
    roundTrips: frontier.roundTrips,
  };
}

/** Resolves `next()` when a slot frees (each `next()` waits for the next `free()`). */
class SlotSignal {
  #waiting: (() => void) | null = null;

  next(): Promise<void> {
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  free(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.();
  }
}

/** The links of a fetched page that stay on the crawl's origin, without their fragments. */
function sameSiteLinks(response: HTTPResponse, origin: string): string[] {
  const links = new Set<string>();
  for (const link of extractLinks(response.body.toString('utf8'), new URL(response.effectiveUrl))) {
    const url = new URL(link);
    url.hash = '';
    if (url.origin === origin) links.add(url.href);
  }
  return [...links];
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}

/**
 * The worker process's entry (`--eval "require(…worker.ts).workerMain()" -- --redis URL
 * --crawl ID --name NAME`): runs, prints its summary as one JSON line, exits 0; exits 1 with
 * the reason on stderr when it cannot go on.
 */
export function workerMain(argv: readonly string[] = process.argv.slice(1)): void {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      redis: { type: 'string' },
      crawl: { type: 'string' },
      name: { type: 'string', default: `worker-${process.pid}` },
    },
    allowPositionals: false,
  });
  if (values.redis === undefined || values.crawl === undefined) {
    process.stderr.write('crawl worker: --redis URL and --crawl ID are required\n');
    process.exit(2);
  }
  runWorker({ redis: values.redis, crawl: values.crawl, name: values.name }).then(
    (summary) => {
      process.stdout.write(`${JSON.stringify(summary)}\n`, () => process.exit(0));
    },
    (error: unknown) => {
      process.stderr.write(`crawl worker ${values.name}: ${describe(error)}\n`);
      process.exit(1);
    },
  );
}
