/**
 * `pnpm crawl`: download N pages from the embedded site with each strategy of the article, and
 * show what each step buys.
 *
 *   pnpm crawl [--strategy blocking,callbacks] [--pages 10] [--latency 100] [--size 2048] [--json]
 */
import { parseArgs } from 'node:util';
import { measure, type Measurement } from './measure';
import { startSite } from './site/index';
import { STRATEGIES } from './strategies/index';

function positiveInt(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} expects an integer >= ${min}, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    strategy: { type: 'string', default: STRATEGIES.map((s) => s.name).join(',') },
    pages: { type: 'string', default: '10' },
    latency: { type: 'string', default: '100' },
    size: { type: 'string', default: '2048' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: pnpm crawl [--strategy NAME[,NAME…]] [--pages N] [--latency MS] [--size BYTES] [--json]\n\n' +
      STRATEGIES.map((s) => `  ${s.name.padEnd(10)} §${s.section} ${s.title}`).join('\n'),
  );
  process.exit(0);
}

const names = values.strategy
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = names.filter((name) => !STRATEGIES.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown strategy: ${unknown.join(', ')}; choose from ${STRATEGIES.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const pages = positiveInt('pages', values.pages);
const latencyMs = positiveInt('latency', values.latency, 0);
const sizeBytes = positiveInt('size', values.size, 0);
const chosen = STRATEGIES.filter((s) => names.includes(s.name));

const site = await startSite({ pages, latencyMs, sizeBytes });
const stopAndExit = (code: number): void => {
  void site.stop().finally(() => process.exit(code));
};
process.on('SIGINT', () => stopAndExit(130));

const log = (line: string): void => {
  if (!values.json) console.log(line);
};
log(
  `Embedded site on http://${site.host}:${site.port}: ${pages} pages, ${latencyMs} ms latency each, ~${sizeBytes} bytes\n`,
);

const results: (Measurement & { floorMs: number })[] = [];
try {
  for (const strategy of chosen) {
    if (!values.json && process.stdout.isTTY) process.stdout.write(`running ${strategy.name}…\r`);
    const result = await measure(strategy, site);
    const floorMs = Math.ceil(pages / strategy.concurrency(pages)) * latencyMs;
    results.push({ ...result, floorMs });
  }
} finally {
  await site.stop();
}

const baseline = results.find((r) => r.strategy === 'blocking');
if (values.json) {
  console.log(JSON.stringify({ site: { pages, latencyMs, sizeBytes }, results }, null, 2));
} else {
  const header = [
    'strategy',
    '§',
    'wall ms',
    'cpu ms',
    'fetched',
    'failed',
    'speed-up',
    'vs floor',
  ];
  const rows = results.map((r) => {
    const info = STRATEGIES.find((s) => s.name === r.strategy)!;
    return [
      r.strategy,
      info.section,
      r.wallMs.toFixed(0),
      r.cpuMs.toFixed(0),
      String(r.fetched),
      String(r.failed),
      baseline ? `${(baseline.wallMs / r.wallMs).toFixed(1)}×` : '—',
      r.floorMs > 0 ? `${(r.wallMs / r.floorMs).toFixed(2)}×` : '—',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(line(widths.map((w) => '─'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log(
    '\nspeed-up: over blocking · vs floor: wall time ÷ (ceil(pages / concurrency) × latency), 1.00× is perfect',
  );
}
process.exitCode = results.some((r) => r.failed > 0) ? 1 : 0;
