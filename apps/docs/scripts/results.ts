/**
 * `pnpm docs:results`: measures, on this machine and now, what the results pages show.
 *
 * 1. The crawler: every stage against its embedded site (10 pages, 100 ms each, the README's run),
 *    `--repeat 3`, each stage's medians → `results/data/crawl.json`; each stage's timeline, drawn
 *    by the crawler's own SVG renderer, → `public/results/timeline-<stage>.svg`, and all of them on
 *    one time scale → `public/results/timelines.svg`.
 * 2. The benchmarks: `pnpm bench all` (`--quick` unless `--full` is given) →
 *    `results/data/bench.json`, with each benchmark's figures and its report as it prints it.
 *    `--bench http,web` measures only those benchmarks again and puts them into the file in
 *    place of their last figures, each with its own when and how (`measured`).
 * 3. The tornado examples' real output (scripts/examples.ts) → `results/examples/*.txt`.
 *
 * `--only crawl`, `--only bench` or `--only examples` does one of the three. The two JSON files
 * say when and on what machine they were measured; the pages print that.
 *
 * The crawler's renderer and the benchmarks' `environment()` (when and on what machine) belong to
 * other apps, so they are imported by path (the layer check keeps apps from depending on each
 * other as packages).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { environment } from '../../bench/src/lib/report';
import { timelineSvg, type StageTimeline } from '../../crawler/src/report/index';
import type { BenchDocument, CrawlDocument } from '../.vitepress/theme/results';
import { runExamples } from './examples';

const docs = fileURLToPath(new URL('..', import.meta.url));
const repo = fileURLToPath(new URL('../../..', import.meta.url));

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    full: { type: 'boolean', default: false },
    bench: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: pnpm docs:results [--only crawl|bench|examples] [--full] [--bench NAME,…]\n\n' +
      '  --only crawl|bench|examples  do one of the three (default: all)\n' +
      '  --full              full benchmark runs instead of --quick ones (much longer)\n' +
      '  --bench NAME,…      measure only these benchmarks again, keeping the others\n',
  );
  process.exit(0);
}
const PARTS = ['crawl', 'bench', 'examples'];
if (values.only !== undefined && !PARTS.includes(values.only)) {
  process.stderr.write(
    `--only expected one of ${PARTS.join(', ')}, got ${JSON.stringify(values.only)}\n`,
  );
  process.exit(2);
}

/** Runs `pnpm args…` at the repository's root; stdout is the result, stderr (progress) passes. */
function pnpm(args: readonly string[]): Promise<{ code: number; stdout: string }> {
  process.stderr.write(`$ pnpm ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['--silent', ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

async function crawl(): Promise<void> {
  const args = ['crawl', '--json', '--repeat', '3'];
  const started = environment();
  const { code, stdout } = await pnpm(args);
  // The crawler exits 1 when pages failed; its JSON still says which, and the page shows it.
  const output = JSON.parse(stdout) as CrawlDocument['output'];
  if (output.results.length === 0) throw new Error(`the crawler measured nothing (exit ${code})`);
  const document: CrawlDocument = {
    environment: started,
    command: `pnpm ${args.join(' ')}`,
    output,
  };
  writeFileSync(`${docs}results/data/crawl.json`, `${JSON.stringify(document, null, 2)}\n`);

  const stages: StageTimeline[] = output.results.map((r) => ({
    strategy: r.strategy,
    section: r.section,
    title: r.title,
    wallMs: r.wallMs,
    pages: r.timeline,
  }));
  mkdirSync(`${docs}public/results`, { recursive: true });
  for (const stage of stages) {
    writeFileSync(
      `${docs}public/results/timeline-${stage.strategy}.svg`,
      timelineSvg([stage], { width: 720 }),
    );
  }
  writeFileSync(
    `${docs}public/results/timelines.svg`,
    timelineSvg(stages, {
      title: `${output.site.pages} pages, ${output.site.latencyMs} ms each, every stage on one time scale`,
      sharedScale: true,
    }),
  );
  process.stderr.write(`wrote results/data/crawl.json and ${stages.length + 1} timelines\n`);
}

async function bench(): Promise<void> {
  const out = `${docs}results/data/bench.json`;
  const names = values.bench?.split(',').filter((name) => name !== '') ?? ['all'];
  const quick = values.full ? [] : ['--quick'];
  const fresh = names.includes('all') ? out : join(tmpdir(), `aio-docs-bench-${process.pid}.json`);
  const args = ['bench', ...names, ...quick, '--json', '--out', fresh];
  const { code } = await pnpm(args);
  if (code !== 0) throw new Error(`pnpm bench exited with ${code}`);
  // The document says when and where (its `environment`); add how.
  const document = JSON.parse(readFileSync(fresh, 'utf8')) as BenchDocument;
  const command = `pnpm ${args.slice(0, -2).join(' ')}`;
  if (fresh === out) {
    writeFileSync(out, `${JSON.stringify({ ...document, command }, null, 2)}\n`);
    process.stderr.write('wrote results/data/bench.json\n');
    return;
  }
  // Some benchmarks again: theirs replace their last figures; the rest stay as they were.
  rmSync(fresh);
  const last = JSON.parse(readFileSync(out, 'utf8')) as BenchDocument;
  const measured = { ...last.measured };
  for (const name of Object.keys(document.texts)) {
    measured[name] = { command, quick: document.quick, environment: document.environment };
  }
  const merged: BenchDocument = {
    ...last,
    results: { ...last.results, ...document.results },
    texts: { ...last.texts, ...document.texts },
    measured,
  };
  writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
  process.stderr.write(
    `wrote ${Object.keys(document.texts).join(', ')} into results/data/bench.json\n`,
  );
}

const wanted = (part: string): boolean => values.only === undefined || values.only === part;
if (wanted('crawl')) await crawl();
if (wanted('bench')) await bench();
if (wanted('examples')) await runExamples();
