/**
 * `pnpm bench <name…> [--json] [--quick] [--out FILE]`, `pnpm bench crawl --distributed`
 *
 * Runs the named benchmarks (or lists them), each comparing aio with its peers in the same run.
 * Human-readable tables go to stdout; with `--json`, stdout carries one JSON document instead
 * (progress always goes to stderr). `--quick` shortens every measurement for a smoke run.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { coroutineBenchmark } from './coroutine';
import { crawlBenchmark } from './crawl';
import { httpBenchmark } from './http';
import { httpclientBenchmark } from './httpclient';
import { environment, progressDone } from './lib/report';
import { iostreamBenchmark } from './iostream';
import { loopBenchmark } from './loop';
import { selectorBenchmark } from './selector';
import { streamsBenchmark } from './streams';
import { tornadoCoreBenchmark } from './tornado-core';
import { webBenchmark } from './web';
import { websocketBenchmark } from './websocket';

export interface BenchOptions {
  readonly quick: boolean;
  /** `pnpm bench crawl --distributed`: the crawler on a Redis frontier instead of its stages. */
  readonly distributed?: boolean;
}

export interface BenchResult {
  readonly text: string;
  readonly data: unknown;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

const BENCHMARKS: readonly Benchmark[] = [
  selectorBenchmark,
  loopBenchmark,
  coroutineBenchmark,
  streamsBenchmark,
  tornadoCoreBenchmark,
  iostreamBenchmark,
  httpBenchmark,
  httpclientBenchmark,
  webBenchmark,
  websocketBenchmark,
  crawlBenchmark,
];

function usage(): string {
  const names = BENCHMARKS.map((b) => `  ${b.name.padEnd(12)} ${b.description}`).join('\n');
  return (
    `usage: pnpm bench <name…|all> [--json] [--quick] [--out FILE]\n` +
    `       pnpm bench crawl --distributed   (the crawler's workers on a Redis frontier)\n\nbenchmarks:\n${names}\n`
  );
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      distributed: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(usage());
    return values.help ? 0 : 2;
  }
  const wanted = positionals.includes('all')
    ? BENCHMARKS
    : positionals.map((name) => BENCHMARKS.find((b) => b.name === name));
  const unknown = positionals.filter(
    (name) => name !== 'all' && !BENCHMARKS.some((b) => b.name === name),
  );
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\n\n${usage()}`);
    return 2;
  }
  const env = environment();
  const results: Record<string, unknown> = {};
  const texts: Record<string, string> = {};
  if (!values.json) {
    process.stdout.write(
      `aio benchmarks — ${env.date}\nNode ${env.node} · ${env.os} · ${env.cpus}× ${env.cpu} · ${env.memoryGiB} GiB\n\n`,
    );
  }
  for (const bench of wanted) {
    if (!bench) continue;
    const result = await bench.run({ quick: values.quick, distributed: values.distributed });
    progressDone();
    results[bench.name] = result.data;
    texts[bench.name] = result.text;
    if (!values.json) process.stdout.write(`== ${bench.name} ==\n${result.text}\n\n`);
  }
  // `texts`: each benchmark's report as printed, so a reader of the JSON (the docs' results
  // page) shows the same tables a terminal does.
  const document = { environment: env, quick: values.quick, results, texts };
  if (values.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(document, null, 2)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    progressDone();
    console.error(err);
    process.exitCode = 1;
  },
);
