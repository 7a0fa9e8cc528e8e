/**
 * Reading what `pnpm crawl --json` prints (apps/crawler/src/main.ts), for `pnpm bench crawl`.
 *
 * The crawler's document: the site it crawled, then per strategy its figures (medians over
 * `repeat` runs), every run's figures and a per-page timeline, and the strategies it refused.
 * Only what the benchmark reports is kept; the timelines are dropped. Exit code 0 means every
 * page was fetched, 1 that some page failed (still a document to report), 2 bad usage.
 */
import { median } from './report';

/** One run of one strategy, as the crawler measured it. */
export interface CrawlerRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
  readonly fetched: number;
  readonly failed: number;
  readonly firstError?: string;
}

/** One strategy: the median of its runs (`fetched`, `failed` included), and the runs. */
export interface CrawlerResult extends CrawlerRun {
  readonly strategy: string;
  readonly section: string;
  readonly title: string;
  readonly concurrency: number;
  /** ceil(pages / concurrency) × latency: the wall time no client can beat. */
  readonly floorMs: number;
  readonly runs: readonly CrawlerRun[];
}

export interface CrawlerOutput {
  readonly site: {
    readonly url: string;
    readonly embedded: boolean;
    readonly pages: number;
    readonly latencyMs: number;
    readonly sizeBytes: number;
    readonly faults?: string;
  };
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly repeat: number;
  readonly results: readonly CrawlerResult[];
  readonly refused: readonly { readonly strategy: string; readonly why: string }[];
}

/** How the crawler process ended. */
export interface CrawlerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The crawler did not give a document this benchmark can read; the message says why. */
export class CrawlerOutputError extends Error {
  override readonly name = 'CrawlerOutputError';
}

const HINT =
  'pnpm bench crawl needs the crawler CLI with --json, --concurrency and --repeat (apps/crawler/src/main.ts)';

/**
 * What an error message quotes of the crawler's stderr: the line of an uncaught exception
 * (`TypeError [ERR_…]: …`, which Node prints above its stack) if there is one, else the last lines.
 */
function tail(stderr: string, lines = 8): string {
  const thrown = /^\w*Error\b[^\n]*: [^\n]*$/m.exec(stderr)?.[0];
  const kept = thrown ?? stderr.trimEnd().split('\n').slice(-lines).join('\n');
  return kept ? `:\n${kept}` : ' (and printed nothing on stderr)';
}

/** A value's field, checked: `where` names it in the message (`results[2].cpuMs`). */
class Reader {
  constructor(
    private readonly value: unknown,
    private readonly where: string,
  ) {}

  private field(key: string): { value: unknown; where: string } {
    const where = this.where ? `${this.where}.${key}` : key;
    const record = this.value as Record<string, unknown>;
    return { value: record[key], where };
  }

  private fail(where: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80);
    throw new CrawlerOutputError(
      `the crawler's --json output has no ${expected} at ${where} (got ${shown}); ${HINT}`,
    );
  }

  number(key: string): number {
    const { value, where } = this.field(key);
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(where, 'number', value);
    return value;
  }

  string(key: string): string {
    const { value, where } = this.field(key);
    if (typeof value !== 'string') this.fail(where, 'string', value);
    return value;
  }

  optionalString(key: string): string | undefined {
    const { value, where } = this.field(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.fail(where, 'string', value);
    return value;
  }

  boolean(key: string): boolean {
    const { value, where } = this.field(key);
    if (typeof value !== 'boolean') this.fail(where, 'boolean', value);
    return value;
  }

  object(key: string): Reader {
    const { value, where } = this.field(key);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(where, 'object', value);
    }
    return new Reader(value, where);
  }

  array(key: string): Reader[] {
    const { value, where } = this.field(key);
    if (!Array.isArray(value)) this.fail(where, 'array', value);
    return value.map((item: unknown, i) => {
      if (typeof item !== 'object' || item === null) this.fail(`${where}[${i}]`, 'object', item);
      return new Reader(item, `${where}[${i}]`);
    });
  }
}

function hasField(value: object, key: string): boolean {
  return (value as Record<string, unknown>)[key] !== undefined;
}

function readRun(r: Reader): CrawlerRun {
  const firstError = r.optionalString('firstError');
  return {
    wallMs: r.number('wallMs'),
    cpuMs: r.number('cpuMs'),
    peakRssMiB: r.number('peakRssMiB'),
    fetched: r.number('fetched'),
    failed: r.number('failed'),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/**
 * The crawler's document, from how its process ended.
 * @throws CrawlerOutputError if it exited with code 2 (bad usage), was killed, exited with any
 *   code but 0 or 1, or printed something that is not the document (the message says which,
 *   with the end of its stderr)
 */
export function parseCrawlerOutput(exit: CrawlerExit): CrawlerOutput {
  if (exit.signal !== null) {
    throw new CrawlerOutputError(`the crawler was killed by ${exit.signal}${tail(exit.stderr)}`);
  }
  if (exit.code === 2) {
    throw new CrawlerOutputError(
      `the crawler refused its arguments (exit code 2)${tail(exit.stderr)}\n${HINT}`,
    );
  }
  if (exit.code !== 0 && exit.code !== 1) {
    throw new CrawlerOutputError(`the crawler exited with code ${exit.code}${tail(exit.stderr)}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(exit.stdout);
  } catch {
    const start = exit.stdout.trim().slice(0, 200);
    throw new CrawlerOutputError(
      `the crawler's --json output does not parse as JSON (exit code ${exit.code}; stdout ${start ? `began ${JSON.stringify(start)}` : 'was empty'})${tail(exit.stderr)}\n${HINT}`,
    );
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new CrawlerOutputError(`the crawler's --json output is not an object; ${HINT}`);
  }
  const root = new Reader(document, '');
  const site = root.object('site');
  const faults = site.optionalString('faults');
  return {
    site: {
      url: site.string('url'),
      embedded: site.boolean('embedded'),
      pages: site.number('pages'),
      latencyMs: site.number('latencyMs'),
      sizeBytes: site.number('sizeBytes'),
      ...(faults === undefined ? {} : { faults }),
    },
    concurrency: root.number('concurrency'),
    timeoutMs: root.number('timeoutMs'),
    repeat: root.number('repeat'),
    results: root.array('results').map((r) => ({
      strategy: r.string('strategy'),
      section: r.string('section'),
      title: r.string('title'),
      concurrency: r.number('concurrency'),
      floorMs: r.number('floorMs'),
      ...readRun(r),
      runs: r.array('runs').map(readRun),
    })),
    // Read when present: nothing is lost if a crawler that refused nothing leaves it out.
    refused: (hasField(document, 'refused') ? root.array('refused') : []).map((r) => ({
      strategy: r.string('strategy'),
      why: r.string('why'),
    })),
  };
}

/**
 * The documents of several crawler processes run against the same site shape (one per round of
 * a benchmark that alternates the crawler with its peers), as one: each strategy's runs put
 * together in round order, its figures the medians over all of them (`fetched` and `failed`
 * included, as the crawler reports them), and `repeat` the number of runs. A strategy refused in
 * any round is refused (with that round's reason) and has no results.
 */
export function mergeCrawlerOutputs(outputs: readonly CrawlerOutput[]): CrawlerOutput {
  const first = outputs[0];
  if (first === undefined) throw new RangeError('mergeCrawlerOutputs() needs one document or more');
  const refused = new Map<string, string>();
  for (const output of outputs) {
    for (const { strategy, why } of output.refused)
      if (!refused.has(strategy)) refused.set(strategy, why);
  }
  const results: CrawlerResult[] = [];
  for (const { strategy } of first.results) {
    if (refused.has(strategy)) continue;
    const found = outputs.map((o) => o.results.find((r) => r.strategy === strategy));
    if (found.some((r) => r === undefined)) continue;
    const each = found as CrawlerResult[];
    const runs = each.flatMap((r) => r.runs);
    const { strategy: name, section, title, concurrency, floorMs } = each[0]!;
    const firstError = runs.find((r) => r.firstError !== undefined)?.firstError;
    results.push({
      strategy: name,
      section,
      title,
      concurrency,
      floorMs,
      wallMs: median(runs.map((r) => r.wallMs)),
      cpuMs: median(runs.map((r) => r.cpuMs)),
      peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
      fetched: median(runs.map((r) => r.fetched)),
      failed: median(runs.map((r) => r.failed)),
      ...(firstError === undefined ? {} : { firstError }),
      runs,
    });
  }
  return {
    ...first,
    repeat: outputs.reduce((sum, o) => sum + o.repeat, 0),
    results,
    refused: [...refused].map(([strategy, why]) => ({ strategy, why })),
  };
}
