/**
 * What the embedded site serves, as pure functions: the server (server.ts) sends these pages, and
 * the crawler checks every page it fetched against them, byte for byte.
 *
 * Pages are `/` and `/1` … `/N-1`, deterministic, of about `size` bytes, each linking to the next
 * three pages (a graph for later crawling stages).
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

/** The HTML of page `index` of a site of `pages` pages of about `size` bytes. */
export function pageBody(index: number, pages: number, size: number): string {
  const links = [1, 2, 3]
    .map((step) => (index + step) % pages)
    .map((target) => `<a href="${pagePath(target)}">page ${target}</a>`)
    .join(' ');
  const head = `<!doctype html><html><head><title>page ${index}</title></head><body><h1>page ${index}</h1><p>${links}</p><p>`;
  const tail = '</p></body></html>\n';
  const filler = `lorem ipsum ${index} `
    .repeat(Math.ceil(size / 12))
    .slice(0, Math.max(0, size - head.length - tail.length));
  return head + filler + tail;
}
