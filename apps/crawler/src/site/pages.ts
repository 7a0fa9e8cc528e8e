/**
 * What the embedded site serves, as pure functions: the server (server.ts) sends these pages, and
 * the crawler checks every page it fetched against them, byte for byte.
 *
 * Pages are `/` and `/1` … `/N-1`, deterministic, of about `size` bytes, linked as a tree from
 * `/`: page n links to pages 10n+1 … 10n+10 (those there are), so a crawler that finds pages by
 * their links (the webspider stage) reaches all of 1,000 pages in four levels.
 */

/** The path of page `index`: `/` for 0, else `/<index>`. */
export function pagePath(index: number): string {
  return index === 0 ? '/' : `/${index}`;
}

/** The index of the page at `path`, or -1 if it is not one of `pages` pages. */
export function pageIndex(path: string, pages: number): number {
  const index = path === '/' ? 0 : Number(path.slice(1));
  return Number.isInteger(index) && index >= 0 && index < pages ? index : -1;
}

/** How many pages a page links to, at most: its children in the site's tree. */
export const LINKS_PER_PAGE = 10;

/** The pages page `index` links to: its children 10·index+1 … 10·index+10 that exist. */
export function pageLinks(index: number, pages: number): number[] {
  const links: number[] = [];
  for (let k = 1; k <= LINKS_PER_PAGE; k++) {
    const target = index * LINKS_PER_PAGE + k;
    if (target < pages) links.push(target);
  }
  return links;
}

/** The HTML of page `index` of a site of `pages` pages of about `size` bytes. */
export function pageBody(index: number, pages: number, size: number): string {
  const links = pageLinks(index, pages)
    .map((target) => `<a href="${pagePath(target)}">page ${target}</a>`)
    .join(' ');
  const head = `<!doctype html><html><head><title>page ${index}</title></head><body><h1>page ${index}</h1><p>${links}</p><p>`;
  const tail = '</p></body></html>\n';
  const filler = `lorem ipsum ${index} `
    .repeat(Math.ceil(size / 12))
    .slice(0, Math.max(0, size - head.length - tail.length));
  return head + filler + tail;
}

// ─── Faults ────────────────────────────────────────────────────────────────────────────────────

/**
 * What can go wrong with a page, on purpose (`--faults`), so that a crawler's failure handling
 * meets the real thing:
 * - `refused`: the page lives at an address where nothing listens; connecting gets ECONNREFUSED.
 * - `reset`: the server sends the status line, the headers and half the body, then a TCP RST.
 * - `malformed`: the server answers bytes that are not HTTP, then closes.
 * - `slow`: the server answers only after `--slow-ms` (a minute by default): a timeout fires first.
 */
export type FaultKind = 'refused' | 'reset' | 'malformed' | 'slow';

export const FAULT_KINDS: readonly FaultKind[] = ['refused', 'reset', 'malformed', 'slow'];

function isFaultKind(name: string): name is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(name);
}

/**
 * Reads a `--faults` spec: comma-separated parts, each a kind (one page) or `kind=N` (N pages), or
 * `all` (one page of each kind). Parts add up: `reset,reset` is `reset=2`.
 *
 * @example
 * ```ts
 * parseFaults('reset,malformed=2'); // Map { 'reset' => 1, 'malformed' => 2 }
 * parseFaults('all');               // Map { 'refused' => 1, 'reset' => 1, 'malformed' => 1, 'slow' => 1 }
 * ```
 */
export function parseFaults(spec: string): Map<FaultKind, number> {
  const valid = `valid kinds: ${FAULT_KINDS.join(', ')}, or all`;
  const faults = new Map<FaultKind, number>();
  const add = (kind: FaultKind, count: number): void => {
    faults.set(kind, (faults.get(kind) ?? 0) + count);
  };
  if (spec.trim() === '') throw new Error(`--faults expected a list of faults, got "" (${valid})`);
  for (const rawPart of spec.split(',')) {
    const part = rawPart.trim();
    const [name = '', countText, ...rest] = part.split('=');
    if (name === 'all' && countText === undefined) {
      for (const kind of FAULT_KINDS) add(kind, 1);
      continue;
    }
    if (!isFaultKind(name) || rest.length > 0) {
      throw new Error(`--faults: unknown fault "${part}" in "${spec}" (${valid})`);
    }
    const count = countText === undefined ? 1 : /^[1-9]\d*$/.test(countText) ? +countText : NaN;
    if (!Number.isSafeInteger(count)) {
      throw new Error(
        `--faults: "${part}" in "${spec}" needs a positive integer count, got "${countText}"`,
      );
    }
    add(name, count);
  }
  return faults;
}

/**
 * Which page gets which fault: page index → kind, the same for the same arguments, so the server
 * and the crawler's side (site/index.ts) each work it out and agree.
 *
 * Faulty pages are spread evenly over pages 1 … pages-1 and the kinds interleaved (refused,
 * reset, malformed, slow, refused, …), so a crawl of the first few pages meets a mix. Page 0 is
 * never faulty: `/` always works. Throws when there are more faults than pages other than `/`.
 *
 * @example
 * ```ts
 * faultPlan(10, parseFaults('all')); // Map { 1 => 'refused', 3 => 'reset', 5 => 'malformed', 7 => 'slow' }
 * ```
 */
export function faultPlan(
  pages: number,
  faults: ReadonlyMap<FaultKind, number>,
): Map<number, FaultKind> {
  const total = [...faults.values()].reduce((sum, n) => sum + n, 0);
  const left = new Map(faults);
  const order: FaultKind[] = [];
  while (order.length < total) {
    for (const kind of FAULT_KINDS) {
      const n = left.get(kind) ?? 0;
      if (n > 0) {
        order.push(kind);
        left.set(kind, n - 1);
      }
    }
  }
  const spare = Math.max(0, pages - 1);
  if (order.length > spare) {
    throw new Error(
      `--faults: ${order.length} faulty pages do not fit in a site of ${pages} pages ` +
        `(at most ${spare}: every page but / can have one)`,
    );
  }
  const plan = new Map<number, FaultKind>();
  // Evenly apart: distinct indices, since spare / order.length >= 1.
  order.forEach((kind, k) => plan.set(1 + Math.floor((k * spare) / order.length), kind));
  return plan;
}
