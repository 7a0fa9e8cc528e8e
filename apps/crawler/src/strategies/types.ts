/** What every strategy gets, and what it writes down as it goes. */
import type { Timeline } from '../timeline';

/** An IPv4 address and port: what the crawler's sockets connect to. */
export type HostPort = readonly [host: string, port: number];

export interface Target {
  /** The site's name as the `Host` header gives it: `127.0.0.1`, `example.com:8080`. */
  readonly host: string;
  /** The pages to fetch: `/`, `/1`, … */
  readonly paths: readonly string[];
  /** The most pages a strategy may have in flight at once. */
  readonly concurrency: number;
  /** How long one page may take, in ms (see each strategy for what its clock covers). */
  readonly timeoutMs: number;
  /** Where to connect for `path`: the site, or a port that refuses when a fault is asked for. */
  address(path: string): HostPort;
  /** The page's URL, for clients that take one (Node's fetch): `http://127.0.0.1:8080/3`. */
  url(path: string): string;
  /**
   * Where each page's progress is written down: `begin`, `connected`, `received`, then `done`
   * with the response (the timeline checks it) or `failed` with the error. A failed page is
   * written down and the crawl goes on with the others.
   */
  readonly timeline: Timeline;
}

export interface StrategyResult {
  /** CPU time spent in other processes (a process pool's children), in ms. */
  readonly extraCpuMs?: number;
  /** Peak resident memory of those other processes, added up, in KiB. */
  readonly extraMaxRssKiB?: number;
}

export type Strategy = (target: Target) => StrategyResult | void | Promise<StrategyResult | void>;

// #region request
/** The request the article sends: HTTP/1.0, so the server closes and EOF ends the response. */
export function request(host: string, path: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`, 'ascii');
}
// #endregion request

/** A page took longer than `--timeout`. */
export class PageTimeoutError extends Error {
  override name = 'PageTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(path: string, timeoutMs: number) {
    super(`GET ${path}: no whole response within ${timeoutMs} ms`);
  }
}

/** The size of a crawl, as a strategy judges whether it will take it on. */
export interface CrawlPlan {
  readonly pages: number;
  readonly concurrency: number;
  /** The site's latency per page when known (the embedded site's), else undefined. */
  readonly latencyMs: number | undefined;
}

/** A stage of the article, as the crawler lists, runs and reports it. */
export interface StrategyInfo {
  readonly name: string;
  /** The article's section: `3.1`. */
  readonly section: string;
  readonly title: string;
  readonly run: Strategy;
  /** Pages in flight at once when `--concurrency` asks for `requested`: 1 for sequential ones. */
  concurrency(requested: number, pages: number): number;
  /** Why this strategy will not take on `plan` (it would take too long), or undefined. */
  refuse?(plan: CrawlPlan): string | undefined;
  /** Whether it can fetch `https://` pages: through a client with TLS (raw sockets cannot). */
  readonly https?: boolean;
  /**
   * Set by a stage that finds its pages by following links from the first one (webspider)
   * instead of taking the list: a page of the list it never began is one it never reached.
   */
  readonly discovers?: {
    /**
     * How many latencies a crawl of the embedded site's `pages` pages takes at best with
     * `concurrency` in flight: a page can be fetched only after a page linking to it was, so
     * the site's links, not only the concurrency, say how many rounds it needs.
     */
    waves(pages: number, concurrency: number): number;
  };
}

/** The longest a sequential or pool stage is allowed to run, in seconds: a few minutes. */
export const LONGEST_RUN_S = 180;

/**
 * `refuse` for the stages that fetch one page at a time: a crawl whose waits add up past a few
 * minutes is refused, saying why and what size would run.
 */
export function refuseSequential(plan: CrawlPlan): string | undefined {
  const latencyMs = Math.max(plan.latencyMs ?? 100, 1);
  const seconds = (plan.pages * latencyMs) / 1000;
  if (seconds <= LONGEST_RUN_S) return undefined;
  const most = Math.floor((LONGEST_RUN_S * 1000) / latencyMs);
  return (
    `${plan.pages} pages one after another at ${latencyMs} ms each would take about ` +
    `${Math.round(seconds / 60)} min; it runs up to ${most} pages (or pick an event-loop stage)`
  );
}

/** What starting one pool member costs here: a fresh Node that loads the code, in CPU seconds. */
const MEMBER_START_S = 0.3;
/** The most pool members a stage starts: each is a whole Node (tens of MB). */
export const MOST_MEMBERS = 256;

/** `refuse` for the pool stages: too many members to start, or too long a run. */
export function refusePool(plan: CrawlPlan, what: string): string | undefined {
  const members = Math.min(plan.concurrency, plan.pages);
  if (members > MOST_MEMBERS) {
    return (
      `${members} ${what} would each start a Node of their own (tens of MB and ` +
      `~${MEMBER_START_S} s of CPU each); it runs up to --concurrency ${MOST_MEMBERS}`
    );
  }
  const latencyMs = Math.max(plan.latencyMs ?? 100, 1);
  const seconds = (Math.ceil(plan.pages / members) * latencyMs) / 1000 + members * MEMBER_START_S;
  if (seconds <= LONGEST_RUN_S) return undefined;
  return `${plan.pages} pages through ${members} ${what} would take about ${Math.round(seconds / 60)} min`;
}
