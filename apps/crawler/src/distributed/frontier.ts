/**
 * The distributed crawl's frontier: the URLs to fetch and the URLs already seen, kept in Redis so
 * that no worker holds any of it, and workers can be added, lost and restarted mid-crawl.
 *
 * Why plain Redis with Lua scripts, not a job queue on it (BullMQ): a crawl needs three things a
 * job queue does not give together. (1) Dedupe for the whole crawl: a queue forgets finished
 * jobs (BullMQ removes them, or keeps a bounded number), so a job id is no "seen" set; here
 * `seen` is written in the same atomic step that queues the URL. (2) Politeness per host across
 * workers: BullMQ's per-group rate limits are in its paid edition; here hosts are scheduled in a
 * sorted set by when each may start its next request. (3) Leases with an exactly-once record:
 * BullMQ's stalled-job check re-runs a job whose worker died, as here, but recording once must
 * still be done by hand. Each operation is one script (`scripts.ts`), atomic, and at most one
 * round trip: the connection auto-pipelines (ioredis's `enableAutoPipelining`), so the scripts
 * a worker calls in the same tick (a burst of responses completing) go out in one write and
 * come back in one read. Pipelining batches; it does not merge: each script still runs alone.
 *
 * The contract:
 * - every URL is queued once per crawl (`seen`), and no more than `maxPages` in all;
 * - `take` leases URLs to a worker for `leaseMs`; a lease not completed in time (the worker died,
 *   or hangs) goes back to its host's queue and is fetched again — at-least-once fetching;
 * - `complete` records a URL's result only if it has none — exactly-once recording — and only
 *   the recording queues its links; a late completion of a lease that ran out records nothing
 *   new and ends nobody else's lease;
 * - per host, at most `hostConcurrency` URLs are leased at once and successive starts are at
 *   least `hostDelayMs` apart, whichever worker takes them;
 * - the crawl is over when nothing waits and nothing is leased.
 *
 * Round trips: one `take` per batch of URLs (a worker fills all its free slots at once) and one
 * `complete` per URL. A worker with nothing to take waits for a `wake` message (published when
 * URLs are queued or the crawl ends) or the time `take` said, whichever comes first.
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { COMPLETE, SEED, STATUS, TAKE } from './scripts';

/** How a crawl's frontier is set up (by the coordinator's `seed`). */
export interface FrontierConfig {
  /** At most this many URLs of one host leased at once (0: no cap). */
  readonly hostConcurrency: number;
  /** At least this long between the starts of two requests to one host, in ms. */
  readonly hostDelayMs: number;
  /** How long a worker may hold a URL before another fetches it again, in ms. */
  readonly leaseMs: number;
  /** Queue no more than this many URLs in the whole crawl (0 or absent: no cap). */
  readonly maxPages?: number;
}

/** One URL leased to this worker: fetch it, then `complete` it with this lease. */
export interface Lease {
  readonly url: string;
  readonly token: string;
}

/** What `take` gave. */
export type Taken =
  | { readonly kind: 'urls'; readonly leases: readonly Lease[] }
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'done' };

/** What `complete` did. */
export interface Completed {
  /** This completion wrote the URL's result (false: it had one already). */
  readonly recorded: boolean;
  /** Links queued (not seen before), when recorded. */
  readonly queued: number;
  /** The lease was still this worker's (false: it ran out and went to another). */
  readonly leaseWasCurrent: boolean;
  /** Nothing waits and nothing is leased any more. */
  readonly done: boolean;
}

/** The frontier's counters, for progress lines and the report. */
export interface FrontierStatus {
  readonly seen: number;
  readonly queued: number;
  readonly leased: number;
  readonly fetched: number;
  readonly failed: number;
  /** Leases that ran out and were queued again. */
  readonly reclaimed: number;
  /** Completions that found a result already recorded (a page fetched twice). */
  readonly duplicates: number;
  /** Per worker: pages recorded as fetched and as failed. */
  readonly workers: ReadonlyMap<string, { fetched: number; failed: number }>;
}

/** The frontier was used before a coordinator seeded the crawl under this prefix. */
export class UnknownCrawlError extends Error {
  override name = 'UnknownCrawlError';
  readonly code = 'EUNKNOWNCRAWL';
  constructor(prefix: string) {
    super(`no crawl is seeded under the Redis prefix ${JSON.stringify(prefix)}`);
  }
}

/** How often a call cut off by a lost connection is made again before its error is the caller's. */
const MAX_RESENDS = 10;

/** Redis answered a script with something this code does not know. */
export class FrontierProtocolError extends Error {
  override name = 'FrontierProtocolError';
  readonly code = 'EFRONTIER';
}

interface FrontierCommands {
  aioSeed(prefix: string, ...args: (string | number)[]): Promise<number>;
  aioTake(prefix: string, worker: string, max: number, takeId: string): Promise<unknown[]>;
  aioComplete(prefix: string, ...args: string[]): Promise<unknown[]>;
  aioStatus(prefix: string): Promise<unknown[]>;
}

type FrontierRedis = Redis & FrontierCommands;

/** The prefix of crawl `id`'s keys. */
export function crawlPrefix(id: string): string {
  return `aio:crawl:{${id}}:`;
}

/**
 * A worker's (or the coordinator's) handle on one crawl's frontier: one Redis connection for
 * the scripts, and a second, opened on first use of `waitForWork`, subscribed to wake messages.
 */
export class Frontier {
  readonly prefix: string;
  readonly #redis: FrontierRedis;
  readonly #options: RedisOptions;
  readonly #url: string;
  #subscriber: Redis | null = null;
  #wakers = new Set<() => void>();
  /** Wake messages heard. */
  #wakes = 0;
  /** Takes sent, and this handle's id: a take's id is both (see scripts.ts's TAKE). */
  #takes = 0;
  readonly #session = randomBytes(6).toString('hex');
  readonly #onConnectionLost: ((error: Error) => void) | null;
  /** Scripts run (each at most one round trip; see the notes above), for the bench's round trips per page. */
  roundTrips = 0;

  /**
   * @param url `redis://host:port`, `redis://…/db`, or a Unix socket path (`/tmp/redis.sock`)
   * @param id the crawl's id: every key lives under `crawlPrefix(id)`
   */
  constructor(
    url: string,
    id: string,
    options: RedisOptions & {
      /**
       * Hears each outage once (the connection lost while it was ready); the client reconnects
       * and resends by itself meanwhile. Default: nothing is said.
       */
      onConnectionLost?: (error: Error) => void;
    } = {},
  ) {
    this.prefix = crawlPrefix(id);
    this.#url = url;
    // A restarted Redis comes back: retry connecting for as long as it takes, with a capped
    // backoff, and resend the commands that were in flight (the scripts are safe to repeat:
    // see `complete`; a repeated `take` answers the leases it gave the first time).
    this.#options = {
      lazyConnect: false,
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      // Scripts called in the same tick share a write and a read: measured on a 2-core VM, the
      // workers' CPU per page fell by about a fifth (one socket write per script was 10% of a
      // worker's busy time), and 2 workers went from 1.75–1.79× the pages/s of 1 to 1.85–1.86×.
      enableAutoPipelining: true,
    };
    const { onConnectionLost, ...redisOptions } = options;
    this.#options = { ...this.#options, ...redisOptions };
    this.#onConnectionLost = onConnectionLost ?? null;
    this.#redis = this.#watch(connect(url, this.#options)) as FrontierRedis;
    defineScripts(this.#redis);
  }

  /**
   * Sets the crawl's config and `spec` (what its workers crawl: any JSON value; a second seed
   * keeps the first's) and queues `urls`. Returns how many were queued (not seen before).
   */
  async seed(
    config: FrontierConfig,
    urls: readonly string[],
    spec: unknown = null,
  ): Promise<number> {
    this.roundTrips++;
    return await this.#resent(() =>
      this.#redis.aioSeed(
        this.prefix,
        config.hostConcurrency,
        config.hostDelayMs,
        config.leaseMs,
        config.maxPages ?? 0,
        JSON.stringify(spec),
        ...urls,
      ),
    );
  }

  /** The spec the crawl was seeded with. @throws UnknownCrawlError before a seed */
  async spec<T>(): Promise<T> {
    const json = await this.#resent(() => this.#redis.hget(`${this.prefix}config`, 'spec'));
    if (json === null) throw new UnknownCrawlError(this.prefix);
    return JSON.parse(json) as T;
  }

  /** Leases up to `max` URLs to `worker` (see scripts.ts's TAKE). */
  async take(worker: string, max: number): Promise<Taken> {
    this.roundTrips++;
    // One id for the take, however often it is sent: a repeat answers what the first one took.
    const takeId = `${this.#session}:${++this.#takes}`;
    const reply = await this.#resent(() => this.#redis.aioTake(this.prefix, worker, max, takeId));
    switch (reply[0]) {
      case 'urls': {
        const leases: Lease[] = [];
        for (let i = 1; i < reply.length; i += 2)
          leases.push({ url: String(reply[i]), token: String(reply[i + 1]) });
        return { kind: 'urls', leases };
      }
      case 'wait':
        return { kind: 'wait', ms: Number(reply[1]) };
      case 'done':
        return { kind: 'done' };
      case 'unknown':
        throw new UnknownCrawlError(this.prefix);
      default:
        throw new FrontierProtocolError(`take: unexpected reply ${JSON.stringify(reply)}`);
    }
  }

  /**
   * Ends `lease` with its outcome: records `result` (once per URL) and queues `links` (absolute
   * URLs) when this was the recording.
   */
  async complete(
    worker: string,
    lease: Lease,
    outcome: 'fetched' | 'failed',
    result: string,
    links: readonly string[] = [],
  ): Promise<Completed> {
    this.roundTrips++;
    const reply = await this.#resent(() =>
      this.#redis.aioComplete(
        this.prefix,
        lease.url,
        lease.token,
        worker,
        outcome,
        result,
        ...links,
      ),
    );
    if (reply[0] === 'unknown') throw new UnknownCrawlError(this.prefix);
    if (reply.length !== 4)
      throw new FrontierProtocolError(`complete: unexpected reply ${JSON.stringify(reply)}`);
    return {
      recorded: reply[0] === 1,
      queued: Number(reply[1]),
      leaseWasCurrent: reply[2] === 1,
      done: reply[3] === 1,
    };
  }

  /** The crawl's counters. */
  async status(): Promise<FrontierStatus> {
    const flat = await this.#resent(() => this.#redis.aioStatus(this.prefix));
    const fields = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), Number(flat[i + 1]));
    const workers = new Map<string, { fetched: number; failed: number }>();
    for (const [name, value] of fields) {
      const m = /^(fetched|failed):(.+)$/.exec(name);
      if (m === null) continue;
      const row = workers.get(m[2]!) ?? { fetched: 0, failed: 0 };
      row[m[1] as 'fetched' | 'failed'] = value;
      workers.set(m[2]!, row);
    }
    const get = (name: string) => fields.get(name) ?? 0;
    return {
      seen: get('seen'),
      queued: get('queued'),
      leased: get('leased'),
      fetched: get('fetched'),
      failed: get('failed'),
      reclaimed: get('reclaimed'),
      duplicates: get('duplicates'),
      workers,
    };
  }

  /**
   * `call()`, made again when the connection closed under it after part of its auto-pipelined
   * batch was answered: ioredis resends whole batches after a reconnect, but rejects the rest of
   * a half-answered one with an AbortError (a Redis restart mid-crawl did this to a worker). Every
   * call here is safe to repeat: reads, and scripts made to be resent (see `complete`; a `take`
   * sent again answers the leases it gave the first time).
   */
  async #resent<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const aborted = error instanceof Error && error.name === 'AbortError';
        if (!aborted || attempt >= MAX_RESENDS) throw error;
      }
    }
  }

  /** Every worker that has taken URLs in this crawl, wherever it runs, by name. */
  async workerNames(): Promise<string[]> {
    return this.#resent(() => this.#redis.hkeys(`${this.prefix}takes`));
  }

  /** Every recorded result, by URL. */
  async results(): Promise<Map<string, string>> {
    const flat = await this.#resent(() => this.#redis.hgetall(`${this.prefix}results`));
    return new Map(Object.entries(flat));
  }

  /**
   * A mark of the wake messages heard so far: take it before a `take`, and hand it to
   * `waitForWork`, so that a message that came meanwhile is not missed.
   */
  wakeMark(): number {
    return this.#wakes;
  }

  /**
   * Resolves on the next wake message (URLs queued, or the crawl over) or after `ms`,
   * whichever comes first; at once if one came since `mark` (see `wakeMark`).
   */
  async waitForWork(ms: number, mark = this.#wakes): Promise<void> {
    await this.#subscribe();
    if (this.#wakes !== mark) return;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  /**
   * Handles a connection's errors: while Redis is away each reconnect attempt fails with one
   * (ECONNREFUSED, EPIPE…), which ioredis would print as "Unhandled error event"; the first of
   * each outage goes to `onConnectionLost`.
   */
  #watch(redis: Redis): Redis {
    let wasReady = false;
    redis.on('ready', () => (wasReady = true));
    redis.on('error', (error: Error) => {
      if (!wasReady) return;
      wasReady = false;
      this.#onConnectionLost?.(error);
    });
    return redis;
  }

  /**
   * Subscribes to the crawl's wake messages now (else the first `waitForWork` does), so that none
   * sent from here on is missed.
   */
  listen(): Promise<void> {
    return this.#subscribe();
  }

  async #subscribe(): Promise<void> {
    if (this.#subscriber !== null) return;
    const subscriber = this.#watch(connect(this.#url, this.#options));
    this.#subscriber = subscriber;
    subscriber.on('message', () => {
      this.#wakes++;
      for (const wake of [...this.#wakers]) wake();
    });
    await subscriber.subscribe(`${this.prefix}wake`);
  }

  /** Deletes every key of this crawl (the coordinator's cleanup). */
  async drop(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await this.#redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Closes both connections; pending waits resolve. */
  async close(): Promise<void> {
    for (const wake of [...this.#wakers]) wake();
    const subscriber = this.#subscriber;
    this.#subscriber = null;
    await Promise.all([quit(this.#redis), subscriber === null ? null : quit(subscriber)]);
  }
}

/** Opens a connection to `url`: a `redis://` URL, or the path of a Unix socket. */
function connect(url: string, options: RedisOptions): Redis {
  return url.startsWith('/') ? new Redis({ ...options, path: url }) : new Redis(url, options);
}

/** QUIT when connected; otherwise (Redis down meanwhile) drop the connection at once. */
async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit();
    return;
  }
  redis.disconnect();
}

function defineScripts(redis: Redis): void {
  redis.defineCommand('aioSeed', { numberOfKeys: 1, lua: SEED });
  redis.defineCommand('aioTake', { numberOfKeys: 1, lua: TAKE });
  redis.defineCommand('aioComplete', { numberOfKeys: 1, lua: COMPLETE });
  redis.defineCommand('aioStatus', { numberOfKeys: 1, lua: STATUS });
}
