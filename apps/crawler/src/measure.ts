/**
 * Runs one strategy against a site and measures it: wall time, CPU time, peak memory, and each
 * page's timeline, checked byte for byte when the site's pages are known.
 */
import { cpuUsage, resourceUsage } from 'node:process';
import type { PageTimes } from './report/index';
import type { Site } from './site/index';
import { pageBody, pageIndex } from './site/pages';
import type { HostPort, StrategyInfo, Target } from './strategies/types';
import { Timeline, now, type PageRecord, type PageResponse, type ParsedResponse } from './timeline';

/** Everything a strategy's run needs to know about the site, as plain data (it crosses IPC). */
export interface TargetSpec {
  /** The `Host` header. */
  readonly host: string;
  /** Where to connect. */
  readonly address: HostPort;
  /** Pages fetched from another address than `address`: the refused ones of `--faults`. */
  readonly elsewhere?: Readonly<Record<string, HostPort>>;
  /** The site's origin when crawling `--url` (`https://example.com`); else made from `address`. */
  readonly origin?: string;
  readonly paths: readonly string[];
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** The embedded site's shape, when crawling it: then every page is checked byte for byte. */
  readonly embedded?: { readonly pages: number; readonly sizeBytes: number };
}

export type { PageTimes };

export interface Measurement {
  readonly strategy: string;
  readonly wallMs: number;
  /** User + system CPU time of this process during the run, plus that of its pool's children. */
  readonly cpuMs: number;
  /** Peak resident memory of the process that ran it (plus its children), in MiB. */
  readonly peakRssMiB: number;
  readonly fetched: number;
  readonly failed: number;
  /** The first page that failed and why: `/3: ECONNRESET: …`. */
  readonly firstError?: string;
  readonly bytes: number;
  readonly pages: readonly PageTimes[];
}

/**
 * What is wrong with `response` as the page at `path`, or undefined when it is right: a 200
 * whose body is `expected` byte for byte when the site's pages are known, else any 200.
 * `response` is the raw bytes off the socket (status line, headers, blank line, body), or the
 * code, reason and body of a client that parsed them: the same checks either way, from the
 * status on.
 */
export function checkResponse(
  path: string,
  response: PageResponse,
  expected?: Buffer,
): string | undefined {
  const parsed = Buffer.isBuffer(response) ? parseRaw(response) : response;
  if (typeof parsed === 'string') return parsed;
  const { code, reason, body } = parsed;
  if (code !== 200) return `HTTP ${code}${reason ? ` ${reason}` : ''}`;
  if (expected === undefined) return undefined;
  if (body.equals(expected)) return undefined;
  return body.length === expected.length
    ? `the body differs from the site's page ${path}`
    : `the body has ${body.length} bytes, the site's page ${path} has ${expected.length}`;
}

/** A raw HTTP/1.x response's status and body, or what keeps it from being one. */
function parseRaw(response: Buffer): ParsedResponse | string {
  if (response.length === 0) return 'empty response: the server closed without answering';
  const statusLine = response
    .toString('latin1', 0, Math.min(response.length, 64))
    .split('\r\n')[0]!;
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!status)
    return `malformed response: ${JSON.stringify(statusLine.slice(0, 40))} is no status line`;
  const headerEnd = response.indexOf('\r\n\r\n');
  if (headerEnd < 0) return `malformed response: the headers never end (${response.length} bytes)`;
  return {
    code: Number(status[1]),
    reason: status[2] ?? '',
    body: response.subarray(headerEnd + 4),
  };
}

/** The spec for crawling the embedded `site` (of `embedded`'s shape), refused pages included. */
export function siteSpec(
  site: Site,
  embedded: { readonly pages: number; readonly sizeBytes: number },
  options: { readonly concurrency: number; readonly timeoutMs: number },
): TargetSpec {
  const elsewhere: Record<string, HostPort> = {};
  for (const [path, kind] of site.faults)
    if (kind === 'refused') elsewhere[path] = site.address(path);
  return {
    host: site.host,
    address: [site.host, site.port],
    elsewhere,
    paths: site.paths,
    ...options,
    embedded,
  };
}

/** The Target a strategy runs against, with a fresh timeline that checks every response. */
export function makeTarget(spec: TargetSpec): Target {
  const { embedded } = spec;
  const timeline = new Timeline((path, response) => {
    if (embedded === undefined) return checkResponse(path, response);
    const index = pageIndex(path, embedded.pages);
    const expected = index < 0 ? undefined : pageBody(index, embedded.pages, embedded.sizeBytes);
    return checkResponse(
      path,
      response,
      expected === undefined ? undefined : Buffer.from(expected),
    );
  });
  return {
    host: spec.host,
    paths: spec.paths,
    concurrency: spec.concurrency,
    timeoutMs: spec.timeoutMs,
    address: (path) => spec.elsewhere?.[path] ?? spec.address,
    url(path) {
      const elsewhere = spec.elsewhere?.[path];
      if (spec.origin !== undefined && elsewhere === undefined) return spec.origin + path;
      const [ip, port] = elsewhere ?? spec.address;
      return `http://${ip}:${port}${path}`;
    },
    timeline,
  };
}

/** Runs `strategy` against `target` in this process and measures it. */
export async function measure(strategy: StrategyInfo, target: Target): Promise<Measurement> {
  const cpuBefore = cpuUsage();
  const start = now();
  let extraCpuMs = 0;
  let extraMaxRssKiB = 0;
  try {
    const result = await strategy.run(target);
    extraCpuMs = result?.extraCpuMs ?? 0;
    extraMaxRssKiB = result?.extraMaxRssKiB ?? 0;
  } catch (error) {
    // The strategy as a whole gave up: every page it had not finished failed with that.
    target.timeline.failUnfinished(target.paths, error);
  }
  const end = now();
  const cpu = cpuUsage(cpuBefore);
  const { timeline } = target;
  // Once the clocks have stopped, as the Python peers do theirs.
  timeline.checkResponses();
  // A page the strategy never even began is a failure of the strategy's, not of the site's; for
  // one that finds its pages by their links, it is a page no page it fetched links to.
  const neverBegun =
    strategy.discovers === undefined
      ? `${strategy.name} never fetched it`
      : `${strategy.name} never reached it: no page it fetched links to it`;
  timeline.failUnfinished(target.paths, new Error(neverBegun), end);
  return {
    strategy: strategy.name,
    wallMs: end - start,
    cpuMs: (cpu.user + cpu.system) / 1000 + extraCpuMs,
    peakRssMiB: (resourceUsage().maxRSS + extraMaxRssKiB) / 1024,
    fetched: timeline.fetchedCount,
    failed: timeline.failedCount,
    ...(timeline.firstError === undefined ? {} : { firstError: timeline.firstError }),
    bytes: timeline.records().reduce((sum, page) => sum + page.bytes, 0),
    pages: timeline.records().map((page) => relative(page, start, end)),
  };
}

function relative(page: PageRecord, start: number, end: number): PageTimes {
  const at = (t: number | undefined): number | undefined =>
    t === undefined ? undefined : Math.max(0, t - start);
  const times: PageTimes = {
    path: page.path,
    start: at(page.start)!,
    end: at(page.end ?? end)!,
    bytes: page.bytes,
    ...(page.connected === undefined ? {} : { connected: at(page.connected) }),
    ...(page.firstByte === undefined ? {} : { firstByte: at(page.firstByte) }),
    ...(page.error === undefined ? {} : { error: page.error }),
  };
  return times;
}
