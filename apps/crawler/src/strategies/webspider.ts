/**
 * Part Three of the article: tornado's own crawler, `demos/webspider/webspider.py` (tornado 6.5),
 * ported onto `@aio/tornado` as it reads there. `main` puts the first page in a `Queue`, starts
 * `--concurrency` workers together (`gen.multi`) and waits until the queue is worked off
 * (`q.join(timeout)`). Each worker takes pages out (`for await … of q`, the demo's `async for`),
 * fetches each with `AsyncHTTPClient`, and puts in every page it links to; `fetchUrl` skips a page
 * already being fetched. `fetching`, `fetched` and `dead` keep count, and the demo ends with its
 * check: every page begun was fetched or is dead. Then a `null` per worker tells them to stop.
 * The functions are `async`, as in tornado 6's demo: tornado's Futures and Queue work with
 * `await`, and `IOLoop.runSync` runs `main` as `asyncio.run` does.
 *
 * Unlike every other stage it is not handed the list of pages: it finds them, from the first one
 * (`/`). It follows a link when it leads to one of the crawl's pages (`target.paths`: every page
 * of the embedded site, or those discover.ts found for `--url`) on the first page's origin — the
 * demo follows links under its base URL. The queue holds paths, not URLs, and each page is fetched
 * from `target.url(path)`, so that a `refused` page of `--faults` is fetched where the site put
 * it. The client is tornado.ts's `crawlClient`: `--timeout` per page, TLS for `--url https://…`.
 *
 * The timeline: a page is begun when the spider starts fetching it (it joins `fetching`), and
 * ends `done` with its response (checked afterwards, byte for byte, as every stage's) or `failed`
 * with the error that made it dead. As in the demo a response outside 2xx is an `HTTPClientError`:
 * the page is dead. A page of the crawl that no fetched page links to is never begun: measure.ts
 * fails it as one the spider "never reached" (`discovers`), so fetched + failed is the number of
 * pages here as for every stage. On the embedded site every page is reachable from `/` (a tree:
 * page n links to 10n+1 … 10n+10), so a crawl without faults fetches every page; a dead page's links are never
 * seen, so a run of faulty pages can hide a page that only they link to.
 *
 * How long it takes at best is not ceil(pages / concurrency) latencies: a page can be fetched only
 * once a page that links to it has been: on the embedded site 1,000 pages are four levels of
 * the tree (1, 10, 100, 889 pages), 12 rounds with 100 workers. `waves` counts those rounds: main.ts's floor for this stage is them, and
 * a crawl of more rounds than a few minutes hold (few workers for many pages) is refused (`refuse`), as the sequential stages
 * refuse theirs.
 *
 * Left out from the demo: its prints (the crawler draws the timeline instead). `q.join`'s timeout
 * is not the demo's five minutes, which would cut a long crawl short, but the longest this one
 * can take when it works: every page's whole `--timeout`, one after another.
 */
import * as gen from '@aio/tornado/gen';
import type { AsyncHTTPClient } from '@aio/tornado/httpclient';
import { IOLoop } from '@aio/tornado/ioloop';
import { Queue, timedelta } from '@aio/tornado/queues';
import { extractLinks } from '../discover';
import { pageLinks } from '../site/pages';
import { crawlClient, noteTimes } from './tornado';
import {
  LONGEST_RUN_S,
  type CrawlPlan,
  type StrategyInfo,
  type StrategyResult,
  type Target,
} from './types';

/** What the spider ended with: the pages it fetched and the ones it could not. */
export interface WebspiderResult extends StrategyResult {
  readonly fetched: ReadonlySet<string>;
  readonly dead: ReadonlySet<string>;
}

// #region webspider
export async function webspiderWay(target: Target): Promise<WebspiderResult> {
  const { timeline } = target;
  const baseUrl = target.url(target.paths[0]!);
  const origin = new URL(baseUrl).origin;
  const pages = new Set(target.paths);
  const concurrency = Math.min(target.concurrency, target.paths.length);

  // #region getLinks
  /** Downloads the page at `path` and parses it for links: the crawl's pages it links to. */
  async function getLinksFromUrl(client: AsyncHTTPClient, path: string): Promise<string[]> {
    const response = await client.fetch(target.url(path));
    noteTimes(timeline, path, response);
    timeline.done(path, response);
    const html = response.body.toString('utf8');
    return extractLinks(html, new URL(response.effectiveUrl)).flatMap((link) => {
      const url = new URL(link);
      url.hash = ''; // the demo's remove_fragment
      const linked = url.pathname + url.search;
      // Only follow links to the crawl's pages, on its origin.
      return url.origin === origin && pages.has(linked) ? [linked] : [];
    });
  }
  // #endregion getLinks

  // #region main
  async function main(): Promise<WebspiderResult> {
    const q = new Queue<string | null>();
    const client = crawlClient(target);
    const fetching = new Set<string>();
    const fetched = new Set<string>();
    const dead = new Set<string>();

    async function fetchUrl(currentUrl: string): Promise<void> {
      if (fetching.has(currentUrl)) return;
      fetching.add(currentUrl);
      timeline.begin(currentUrl);
      const urls = await getLinksFromUrl(client, currentUrl);
      fetched.add(currentUrl);
      for (const newUrl of urls) await q.put(newUrl);
    }

    async function worker(): Promise<void> {
      for await (const url of q) {
        if (url === null) return;
        try {
          await fetchUrl(url);
        } catch (err) {
          timeline.failed(url, err);
          dead.add(url);
        } finally {
          q.taskDone();
        }
      }
    }

    try {
      await q.put(target.paths[0]!);
      // Start workers, then wait for the work queue to be empty.
      const workers = gen.multi(Array.from({ length: concurrency }, () => worker()));
      await q.join(timedelta({ milliseconds: target.paths.length * target.timeoutMs }));
      checkSpider(fetching, fetched, dead);
      // Signal all the workers to exit.
      for (let i = 0; i < concurrency; i++) await q.put(null);
      await workers;
      return { fetched, dead };
    } finally {
      client.close();
    }
  }
  // #endregion main

  const ioloop = new IOLoop();
  try {
    return await ioloop.runSync(main);
  } finally {
    ioloop.close();
  }
}
// #endregion webspider

/**
 * The demo's `assert fetching == (fetched | dead)`: every page begun was fetched or is dead.
 * @throws Error naming the pages that are neither, or that are in one set and not the other
 */
export function checkSpider(
  fetching: ReadonlySet<string>,
  fetched: ReadonlySet<string>,
  dead: ReadonlySet<string>,
): void {
  const ended = new Set([...fetched, ...dead]);
  const unended = [...fetching].filter((path) => !ended.has(path));
  const unbegun = [...ended].filter((path) => !fetching.has(path));
  if (unended.length === 0 && unbegun.length === 0) return;
  const list = (paths: string[]): string =>
    paths.slice(0, 5).join(', ') + (paths.length > 5 ? ', …' : '');
  throw new Error(
    'webspider: fetching ≠ fetched ∪ dead' +
      (unended.length > 0 ? `; fetching but neither fetched nor dead: ${list(unended)}` : '') +
      (unbegun.length > 0 ? `; fetched or dead but never fetching: ${list(unbegun)}` : ''),
  );
}

/**
 * Rounds of one latency a spider with `concurrency` workers needs for the embedded site's
 * `pages` pages: each round fetches up to `concurrency` of the pages found and not yet fetched,
 * first found first, and finds the pages they link to.
 */
function waves(pages: number, concurrency: number): number {
  const found = new Uint8Array(pages);
  const queue = [0];
  found[0] = 1;
  let next = 0;
  let rounds = 0;
  while (next < queue.length) {
    rounds++;
    const end = Math.min(queue.length, next + concurrency);
    for (; next < end; next++) {
      for (const linked of pageLinks(queue[next]!, pages)) {
        if (found[linked] === 1) continue;
        found[linked] = 1;
        queue.push(linked);
      }
    }
  }
  return rounds;
}

/**
 * Refuses a crawl of the embedded site whose rounds of links would take more than a few
 * minutes (10,000 pages with one worker at 100 ms: 10,000 rounds), saying what size
 * would run. A site of `--url` has its own links: nothing to go by.
 */
function refuse(plan: CrawlPlan): string | undefined {
  if (plan.latencyMs === undefined) return undefined;
  const latencyMs = Math.max(plan.latencyMs, 1);
  const rounds = (pages: number) => waves(pages, Math.min(plan.concurrency, pages));
  const most = Math.floor((LONGEST_RUN_S * 1000) / latencyMs);
  if (rounds(plan.pages) <= most) return undefined;
  let low = 1; // the most pages that fit in `most` rounds: waves grows with the pages
  for (let high = plan.pages; low < high;) {
    const mid = Math.ceil((low + high) / 2);
    if (rounds(mid) <= most) low = mid;
    else high = mid - 1;
  }
  const minutes = Math.round((rounds(plan.pages) * latencyMs) / 60_000);
  return (
    `${plan.pages} pages found by their links take ${rounds(plan.pages)} rounds of ${latencyMs} ms ` +
    `with ${String(plan.concurrency)} workers, about ${minutes} min; it runs up to ${low} pages`
  );
}

export const webspiderStrategy: StrategyInfo = {
  name: 'webspider',
  section: 'III',
  title: "tornado's demos/webspider: a Queue of links, workers, AsyncHTTPClient",
  run: webspiderWay,
  concurrency: (requested) => requested,
  https: true,
  discovers: { waves },
  refuse,
};
