/**
 * The aio side of `pnpm bench web`'s template case, in a process of its own (as tornado's side
 * is, `src/peers/web_template.py`): tornado's template benchmark (`maint/benchmark/
 * template_benchmark.py`, once `demos/benchmark/`) on @aio/tornado/template.
 *
 *   web-template.mjs '{"template": PATH, "rows": 1000, "warmupSec": 1, "seconds": 1, "output": true}'
 *
 * Compiles the template at PATH once (`new Template(text)`: no name, so tornado's whitespace
 * mode for a string, `all`, and its default autoescape, `xhtmlEscape`), then renders it with the
 * benchmark's context, `generate()` giving a Buffer as tornado gives bytes: unmeasured for
 * `warmupSec` (V8 tiers the generated function up), then for `seconds`, counting renders.
 * Prints `{"rate": renders per second, "renders": N, "seconds": S, "bytes": one render's
 * length}`, with `"output"` (one render, as text) when asked, for the harness to compare with
 * tornado's. Every render is checked to be as long as the first.
 */
import { readFileSync } from 'node:fs';
import { Template } from '@aio/tornado/template';

interface Args {
  readonly template: string;
  readonly rows: number;
  readonly warmupSec: number;
  readonly seconds: number;
  readonly output?: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Partial<Args>;
const { template: path, rows, warmupSec, seconds } = args;
if (
  typeof path !== 'string' ||
  !Number.isInteger(rows) ||
  typeof warmupSec !== 'number' ||
  typeof seconds !== 'number' ||
  seconds <= 0
) {
  process.stderr.write(`web-template.ts: bad arguments ${process.argv[2] ?? '(none)'}\n`);
  process.exit(2);
}

const template = new Template(readFileSync(path, 'utf8'));
/**
 * The benchmark's context. tornado's rows are dicts of ten numbers (`dict(a=1, …, j=10)`), and
 * its template iterates each row, which for a dict yields the keys; a JavaScript object is not
 * iterable, so here (and in the Python peer) each row is a list of the ten numbers.
 */
const context = {
  page_title: "mitsuhiko's benchmark",
  table: Array.from({ length: rows! }, () => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
};

const first = template.generate(context);

/** Renders for `ms` milliseconds: how many, and the time they took (ms). */
function renderFor(ms: number): { renders: number; elapsedMs: number } {
  const start = performance.now();
  const end = start + ms;
  let renders = 0;
  let now: number;
  do {
    const body = template.generate(context);
    if (body.length !== first.length) {
      throw new Error(`render ${renders} is ${body.length} bytes, the first was ${first.length}`);
    }
    renders++;
    now = performance.now();
  } while (now < end);
  return { renders, elapsedMs: now - start };
}

if (warmupSec > 0) renderFor(warmupSec * 1000);
const { renders, elapsedMs } = renderFor(seconds * 1000);
process.stdout.write(
  `${JSON.stringify({
    rate: (renders / elapsedMs) * 1000,
    renders,
    seconds: elapsedMs / 1000,
    bytes: first.length,
    ...(args.output === true ? { output: first.toString('utf8') } : {}),
  })}\n`,
);
