/**
 * `--url`: crawl a real site instead of the embedded one. Before any strategy runs, this finds
 * what to fetch: the address to connect to and up to N pages of the site.
 *
 * Most strategies speak HTTP/1.0 over raw AF_INET sockets, so the site is reduced to what they
 * need: one IPv4 address (from `dns.lookup`, the resolver Node's own sockets use), the Host header,
 * and the path + query of each page. Those with an HTTP client (tornado, webspider, node-fetch)
 * fetch the page's URL instead, and only they can fetch an `https://` site. The pages are found the webspider's way: a breadth-first walk
 * from the start URL over same-origin `<a href>` links, fetched here with Node's `fetch`, so that
 * every strategy then downloads the same list.
 *
 * Redirects are not followed by `fetch` but treated as links: a page that redirects is not a page
 * the strategies can download (they would get the 3xx), but where it points may be.
 */
import { lookup } from 'node:dns/promises';

export interface DiscoveredSite {
  /** The start URL. */
  readonly url: URL;
  readonly https: boolean;
  /** The Host header value: hostname, plus `:port` when not the scheme's default. */
  readonly host: string;
  /** Where to connect (IPv4, from `dns.lookup`). */
  readonly address: [ip: string, port: number];
  /** Path + query of each page to fetch, the start page first. */
  readonly paths: readonly string[];
  /** Why there are fewer pages than asked for, when there are: `found only 4 pages linked from …`. */
  readonly note?: string;
}

export interface DiscoverOptions {
  /** At most this many pages. */
  readonly pages: number;
  /** For each fetch, from the request to the last byte of the body. */
  readonly timeoutMs: number;
}

/** Why a site could not be discovered; `url` is the URL it was about. */
export type DiscoverErrorCode =
  | 'ERR_DISCOVER_BAD_URL'
  | 'ERR_DISCOVER_SCHEME'
  | 'ERR_DISCOVER_DNS'
  | 'ERR_DISCOVER_IPV6_ONLY'
  | 'ERR_DISCOVER_FETCH'
  | 'ERR_DISCOVER_TIMEOUT'
  | 'ERR_DISCOVER_STATUS';

export class DiscoverError extends Error {
  override name = 'DiscoverError';
  readonly code: DiscoverErrorCode;
  readonly url: string;

  constructor(code: DiscoverErrorCode, url: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.url = url;
  }
}

/**
 * Resolves the site at `url` and finds up to `pages` of its pages.
 *
 * Throws a `DiscoverError` naming the URL when the URL is bad or not http(s), when its host does
 * not resolve (or resolves to IPv6 addresses only), and when the start page cannot be fetched or
 * answers anything but 2xx or a redirect. Pages further in that fail are left out, and the note
 * says how many.
 *
 * @example
 * ```ts
 * const site = await discoverSite('http://127.0.0.1:8000/', { pages: 10, timeoutMs: 5_000 });
 * // { host: '127.0.0.1:8000', address: ['127.0.0.1', 8000], paths: ['/', '/a.html', …], … }
 * ```
 */
export async function discoverSite(url: string, options: DiscoverOptions): Promise<DiscoveredSite> {
  if (!Number.isInteger(options.pages) || options.pages < 1) {
    throw new RangeError(
      `discoverSite() expected a positive whole number of pages, got ${options.pages}`,
    );
  }
  const start = parseUrl(url);
  const https = start.protocol === 'https:';
  const address: [string, number] = [
    await resolveIPv4(start),
    Number(start.port || (https ? 443 : 80)),
  ];

  const paths: string[] = [];
  const failed = new Map<string, number>(); // why a page was left out → how many
  const queue = [start];
  const seen = new Set([pathOf(start)]);
  while (queue.length > 0 && paths.length < options.pages) {
    const page = queue.shift()!;
    let result: Fetched;
    try {
      result = await fetchPage(page, options.timeoutMs);
    } catch (err) {
      if (page === start) throw err;
      const why = (err as DiscoverError).code === 'ERR_DISCOVER_TIMEOUT' ? 'timed out' : 'failed';
      failed.set(why, (failed.get(why) ?? 0) + 1);
      continue;
    }
    const targets = result.links.flatMap((link) => sameOriginLink(link, page, start) ?? []);
    if (result.ok) paths.push(pathOf(page));
    else if (page === start && targets.length === 0) {
      const to = result.links.length > 0 ? ` (to ${result.links.join(', ')})` : '';
      throw new DiscoverError(
        'ERR_DISCOVER_STATUS',
        page.href,
        `${page.href} answered ${result.status}${to}: no page there to start from`,
      );
    } else {
      const why = `answered ${result.status}`;
      failed.set(why, (failed.get(why) ?? 0) + 1);
    }
    for (const target of targets) {
      if (seen.has(pathOf(target))) continue;
      seen.add(pathOf(target));
      queue.push(target);
    }
  }

  const reasons = [...failed].map(([why, n]) => `${n} ${why}`).join(', ');
  if (paths.length === 0) {
    // The start page redirected within the site, and nothing there was a page either.
    throw new DiscoverError(
      'ERR_DISCOVER_STATUS',
      start.href,
      `found no page at ${start.href} (${reasons})`,
    );
  }
  let note: string | undefined;
  if (paths.length < options.pages) {
    note =
      `found only ${paths.length} page${paths.length === 1 ? '' : 's'} linked from ${start.href}` +
      (reasons ? ` (${reasons})` : '');
  }
  return { url: start, https, host: start.host, address, paths, ...(note && { note }) };
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DiscoverError(
      'ERR_DISCOVER_BAD_URL',
      url,
      `--url expected an absolute http:// or https:// URL, got ${JSON.stringify(url)}`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DiscoverError(
      'ERR_DISCOVER_SCHEME',
      url,
      `--url ${JSON.stringify(url)}: unsupported scheme "${parsed.protocol}" (only http: and https:)`,
    );
  }
  parsed.hash = '';
  return parsed;
}

/** The first IPv4 address of the URL's host: the crawler's raw sockets are AF_INET. */
async function resolveIPv4(url: URL): Promise<string> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal comes bracketed
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(hostname, { all: true });
  } catch (err) {
    const code = (err as { code?: string }).code ?? String(err);
    throw new DiscoverError(
      'ERR_DISCOVER_DNS',
      url.href,
      `cannot resolve ${hostname} for ${url.href}: ${code}`,
      { cause: err },
    );
  }
  const ipv4 = addresses.find((a) => a.family === 4);
  if (ipv4 === undefined) {
    throw new DiscoverError(
      'ERR_DISCOVER_IPV6_ONLY',
      url.href,
      `${hostname} (for ${url.href}) has only IPv6 addresses (${addresses.map((a) => a.address).join(', ')}); ` +
        'the crawler connects over IPv4 sockets (AF_INET) only',
    );
  }
  return ipv4.address;
}

type Fetched =
  | { readonly ok: true; readonly links: readonly string[] }
  | { readonly ok: false; readonly status: string; readonly links: readonly string[] };

/**
 * Fetches one page: whether it is one (2xx), and its links (out of HTML, or a redirect's Location).
 * Only the start page's errors reach the caller as they are; they all name the URL.
 */
async function fetchPage(url: URL, timeoutMs: number): Promise<Fetched> {
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const status = `${response.status} ${response.statusText}`.trim();
    const location = response.headers.get('location');
    const isHtml = /^text\/html\b/i.test(response.headers.get('content-type') ?? '');
    if (!response.ok || !isHtml) {
      // Nothing to read from it: let the connection go rather than download the body.
      await response.body?.cancel();
      if (response.ok) return { ok: true, links: [] };
      return { ok: false, status, links: location === null ? [] : [location] };
    }
    return { ok: true, links: extractLinks(await response.text(), url) };
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') {
      throw new DiscoverError(
        'ERR_DISCOVER_TIMEOUT',
        url.href,
        `fetching ${url.href} timed out after ${timeoutMs} ms`,
        { cause: err },
      );
    }
    // undici's `fetch failed` hides the reason in `cause`: ECONNREFUSED, ECONNRESET, …
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      cause?.code === 'ECONNREFUSED'
        ? 'connection refused (ECONNREFUSED)'
        : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new DiscoverError(
      'ERR_DISCOVER_FETCH',
      url.href,
      `fetching ${url.href} failed: ${reason}`,
      {
        cause: err,
      },
    );
  }
}

const BASE = /<base\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
const ANCHOR = /<a\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;

/**
 * The `href` of each `<a>` in `html`, made absolute (against `<base href>` when there is one).
 * A regular expression, not a parser: enough for links, the way the article's crawler did it.
 * (The webspider stage finds its links with it too.)
 */
export function extractLinks(html: string, url: URL): string[] {
  const baseMatch = BASE.exec(html);
  let base = url;
  if (baseMatch) {
    try {
      base = new URL(decodeEntities(baseMatch[1] ?? baseMatch[2] ?? baseMatch[3] ?? ''), url);
    } catch {
      // a bad <base href> is ignored, as browsers do
    }
  }
  const links: string[] = [];
  for (const match of html.matchAll(ANCHOR)) {
    const href = decodeEntities(match[1] ?? match[2] ?? match[3] ?? '').trim();
    try {
      links.push(new URL(href, base).href);
    } catch {
      // not a URL at all: skip it
    }
  }
  return links;
}

function decodeEntities(text: string): string {
  return text.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot|apos));/gi, (_, dec, hex, name) => {
    if (dec !== undefined) return String.fromCodePoint(Number(dec));
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex as string, 16));
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    return named[(name as string).toLowerCase()]!;
  });
}

/** `link` (relative to `from`) as a URL to walk, when it is http(s) on the start's origin; no fragment. */
function sameOriginLink(link: string, from: URL, start: URL): URL | undefined {
  let target: URL;
  try {
    target = new URL(link, from);
  } catch {
    return undefined;
  }
  // `origin` is scheme + host + port, the port normalised (http://a:80 is http://a).
  if (target.origin !== start.origin) return undefined;
  target.hash = '';
  return target;
}

/** What the crawler sends in its request line: path and query. */
function pathOf(url: URL): string {
  return url.pathname + url.search;
}
