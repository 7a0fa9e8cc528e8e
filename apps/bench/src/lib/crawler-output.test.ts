import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CrawlerOutputError,
  mergeCrawlerOutputs,
  parseCrawlerOutput,
  type CrawlerExit,
  type CrawlerOutput,
} from './crawler-output';

/** A hand-made `pnpm crawl --json` document: 1,000 pages, 100 at a time, 3 runs per strategy. */
const FIXTURE = readFileSync(new URL('./fixtures/crawler-output.json', import.meta.url), 'utf8');

function exit(overrides: Partial<CrawlerExit> = {}): CrawlerExit {
  return { code: 0, signal: null, stdout: FIXTURE, stderr: '', ...overrides };
}

/** The fixture with `edit` applied to its parsed document. */
function edited(edit: (doc: Record<string, unknown>) => void): string {
  const doc = JSON.parse(FIXTURE) as Record<string, unknown>;
  edit(doc);
  return JSON.stringify(doc);
}

function thrown(fn: () => unknown): CrawlerOutputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CrawlerOutputError);
    return err as CrawlerOutputError;
  }
  throw new Error('expected parseCrawlerOutput to throw');
}

describe('parseCrawlerOutput', () => {
  it('reads every strategy with its medians and its runs, and drops the timelines', () => {
    const output = parseCrawlerOutput(exit());
    expect(output.site).toEqual({
      url: 'http://127.0.0.1:40123/',
      embedded: true,
      pages: 1000,
      latencyMs: 100,
      sizeBytes: 2048,
    });
    expect(output).toMatchObject({ concurrency: 100, timeoutMs: 10_000, repeat: 3, refused: [] });
    expect(output.results.map((r) => r.strategy)).toEqual([
      'callbacks',
      'generators',
      'yield-from',
      'asyncio',
      'async-await',
      'tornado',
      'webspider',
      'node-fetch',
    ]);
    const callbacks = output.results[0]!;
    expect(callbacks).toMatchObject({ section: '3.5', floorMs: 1000, wallMs: 1041, cpuMs: 95 });
    expect(callbacks.runs).toHaveLength(3);
    expect(callbacks).not.toHaveProperty('timeline');
    const nodeFetch = output.results[7]!;
    expect(nodeFetch.runs[0]).toEqual({
      wallMs: 1540,
      cpuMs: 1290,
      peakRssMiB: 60,
      fetched: 998,
      failed: 2,
      firstError: 'GET /17 failed: other side closed',
    });
  });

  it('reads the document of a crawl in which some page failed (exit code 1)', () => {
    expect(parseCrawlerOutput(exit({ code: 1 })).results).toHaveLength(8);
  });

  it('reads the strategies the crawler refused, and a document without the list', () => {
    const refused = [{ strategy: 'blocking', why: 'one page at a time' }];
    const withRefused = edited((doc) => (doc.refused = refused));
    expect(parseCrawlerOutput(exit({ stdout: withRefused })).refused).toEqual(refused);
    const without = edited((doc) => delete doc.refused);
    expect(parseCrawlerOutput(exit({ stdout: without })).refused).toEqual([]);
  });

  it('exit code 2 is bad usage: the message says so and quotes the end of stderr', () => {
    const err = thrown(() =>
      parseCrawlerOutput(
        exit({ code: 2, stdout: '', stderr: '--concurrency expects an integer >= 1, got "x"\n' }),
      ),
    );
    expect(err.message).toMatch(/refused its arguments \(exit code 2\)/);
    expect(err.message).toMatch(/--concurrency expects an integer/);
    expect(err.message).toMatch(/needs the crawler CLI with --json, --concurrency and --repeat/);
  });

  it('output that is not JSON: the message quotes its start and the end of stderr', () => {
    const err = thrown(() =>
      parseCrawlerOutput(
        exit({
          code: 1,
          stdout: 'Embedded site on http://127.0.0.1:1: 10 pages\n',
          stderr: "TypeError [ERR_PARSE_ARGS_UNKNOWN_OPTION]: Unknown option '--concurrency'\n",
        }),
      ),
    );
    expect(err.message).toMatch(/does not parse as JSON \(exit code 1; stdout began "Embedded/);
    expect(err.message).toMatch(/Unknown option '--concurrency'/);
    const empty = thrown(() => parseCrawlerOutput(exit({ code: 1, stdout: '' })));
    expect(empty.message).toMatch(/stdout was empty\) \(and printed nothing on stderr\)/);
  });

  it('a missing or mistyped field is named by its path', () => {
    const mistyped = edited((doc) => {
      ((doc.results as Record<string, unknown>[])[3]!.runs as Record<string, unknown>[])[2]!.cpuMs =
        '262';
    });
    expect(thrown(() => parseCrawlerOutput(exit({ stdout: mistyped }))).message).toMatch(
      /no number at results\[3\]\.runs\[2\]\.cpuMs \(got "262"\)/,
    );
    const missing = edited((doc) => delete (doc.site as Record<string, unknown>).pages);
    expect(thrown(() => parseCrawlerOutput(exit({ stdout: missing }))).message).toMatch(
      /no number at site\.pages \(got nothing\)/,
    );
    expect(thrown(() => parseCrawlerOutput(exit({ stdout: '[]' }))).message).toMatch(
      /is not an object/,
    );
  });

  it('a crawler killed by a signal, or ending with another code, is an error', () => {
    expect(
      thrown(() => parseCrawlerOutput(exit({ code: null, signal: 'SIGKILL' }))).message,
    ).toMatch(/killed by SIGKILL/);
    expect(thrown(() => parseCrawlerOutput(exit({ code: 130 }))).message).toMatch(
      /exited with code 130/,
    );
  });
});

describe('mergeCrawlerOutputs', () => {
  /** One round's document: the fixture with each strategy's runs replaced by one run. */
  function round(cpuMs: number, failed = 0, refuse?: string): CrawlerOutput {
    const doc = parseCrawlerOutput(exit());
    const results = doc.results.map((r) => {
      const run = { wallMs: 1000 + cpuMs, cpuMs, peakRssMiB: 60, fetched: 1000 - failed, failed };
      return {
        ...r,
        ...run,
        ...(failed > 0 ? { firstError: `round of ${cpuMs}: ECONNRESET` } : {}),
        runs: [failed > 0 ? { ...run, firstError: `round of ${cpuMs}: ECONNRESET` } : run],
      };
    });
    return {
      ...doc,
      repeat: 1,
      results: refuse ? results.filter((r) => r.strategy !== refuse) : results,
      refused: refuse ? [{ strategy: refuse, why: 'too slow' }] : [],
    };
  }

  it("puts every round's runs together, in order, and takes medians over them", () => {
    const merged = mergeCrawlerOutputs([round(300), round(100, 2), round(200)]);
    expect(merged.repeat).toBe(3);
    const first = merged.results[0]!;
    expect(first.runs.map((r) => r.cpuMs)).toEqual([300, 100, 200]);
    expect(first.cpuMs).toBe(200);
    expect(first.wallMs).toBe(1200);
    expect(first.failed).toBe(0); // the median run failed nothing
    expect(first.firstError).toBe('round of 100: ECONNRESET'); // but one did, and says so
    expect(merged.results.map((r) => r.strategy)).toEqual(
      parseCrawlerOutput(exit()).results.map((r) => r.strategy),
    );
  });

  it('a strategy refused in any round is refused, with no results', () => {
    const refuse = parseCrawlerOutput(exit()).results[1]!.strategy;
    const merged = mergeCrawlerOutputs([round(100), round(100, 0, refuse)]);
    expect(merged.results.map((r) => r.strategy)).not.toContain(refuse);
    expect(merged.refused).toEqual([{ strategy: refuse, why: 'too slow' }]);
  });

  it('needs a document', () => {
    expect(() => mergeCrawlerOutputs([])).toThrow(RangeError);
  });
});
