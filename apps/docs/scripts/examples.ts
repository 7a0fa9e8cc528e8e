/**
 * Runs every example of `@aio/tornado` (`packages/tornado/examples/*.ts`) the way its header
 * comment says to run it, and writes what it printed to `results/examples/<name>.txt`, which the
 * tornado pages show with `<<< @/results/examples/<name>.txt`.
 *
 *     cd apps/docs && npx tsx --conditions=@aio/source scripts/examples.ts
 *
 * Each example runs from `packages/tornado` as `node --import tsx --conditions=@aio/source
 * examples/<name>.ts`, one at a time (the executor demo times a thread against the loop, so
 * nothing else should compete for the cores). Its stdout and stderr go to one file descriptor,
 * so their lines keep the order they were written in. The file holds `$ <the command>`, then that
 * output with ANSI colour codes removed; nothing else is changed (timestamps, timings, ports and
 * paths are the run's own).
 *
 * An example that exits non-zero, is killed, or runs past its time limit fails the whole run, and
 * its output is printed: the pages never show a result of a run that did not succeed.
 *
 * `VARIANTS` adds runs with arguments, written to `<name>-<suffix>.txt`.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const docs = fileURLToPath(new URL('..', import.meta.url));
const tornado = fileURLToPath(new URL('../../../packages/tornado/', import.meta.url));
const examplesDir = join(tornado, 'examples');
const outputDir = join(docs, 'results', 'examples');

/** Node's flags for running the package's TypeScript, as the examples' headers give them. */
const NODE_FLAGS: readonly string[] = ['--import', 'tsx', '--conditions=@aio/source'];

/** How long one example may run before it counts as failed. */
const TIME_LIMIT_MS = 60_000;

/** One run of an example. */
interface ExampleRun {
  /** The example's file name without `.ts`. */
  readonly example: string;
  /** Arguments after the file name. */
  readonly args: readonly string[];
  /** The output's file name without `.txt`. */
  readonly output: string;
}

/** Extra runs with arguments, beyond the plain run every example gets. */
const VARIANTS: readonly ExampleRun[] = [
  // tornado's `module:line` in the log line needs the caller's position: `--log_caller`.
  { example: 'log-demo', args: ['--log_caller'], output: 'log-demo-caller' },
];

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Every example in `packages/tornado/examples`, in name order, plus the variants. */
function plannedRuns(): ExampleRun[] {
  const examples = readdirSync(examplesDir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
  if (examples.length === 0) throw new Error(`no examples found in ${examplesDir}`);
  for (const variant of VARIANTS) {
    if (!examples.includes(variant.example))
      throw new Error(`VARIANTS names ${variant.example}, which is not in ${examplesDir}`);
  }
  return [...examples.map((example) => ({ example, args: [], output: example })), ...VARIANTS];
}

/** The command as a reader would type it in `packages/tornado`. */
function commandLine(run: ExampleRun): string {
  return ['node', ...NODE_FLAGS, `examples/${run.example}.ts`, ...run.args].join(' ');
}

/** Runs one example; its stdout and stderr, interleaved as written, colour codes removed. */
async function runOne(run: ExampleRun): Promise<string> {
  const capture = join(tmpdir(), `aio-docs-example-${process.pid}-${run.output}.txt`);
  const fd = openSync(capture, 'w');
  let outcome: { code: number | null; signal: NodeJS.Signals | null };
  try {
    const child = spawn(
      process.execPath,
      [...NODE_FLAGS, join('examples', `${run.example}.ts`), ...run.args],
      { cwd: tornado, stdio: ['ignore', fd, fd], timeout: TIME_LIMIT_MS },
    );
    outcome = await new Promise((resolveRun, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolveRun({ code, signal }));
    });
  } finally {
    closeSync(fd);
  }
  const output = readFileSync(capture, 'utf8').replace(ANSI, '');
  rmSync(capture, { force: true });
  if (outcome.code !== 0) {
    const how =
      outcome.signal !== null
        ? `was killed by ${outcome.signal} (the limit is ${TIME_LIMIT_MS} ms)`
        : `exited with code ${String(outcome.code)}`;
    throw new Error(`$ ${commandLine(run)}\n${output}\nexamples: ${run.example} ${how}`);
  }
  return output;
}

/**
 * Runs every example and writes `results/examples/<name>.txt`; rejects on the first one that
 * fails, leaving the files of the earlier ones written.
 */
export async function runExamples(): Promise<void> {
  mkdirSync(outputDir, { recursive: true });
  for (const run of plannedRuns()) {
    const command = commandLine(run);
    process.stderr.write(`examples: ${command}\n`);
    const output = await runOne(run);
    const file = join(outputDir, `${run.output}.txt`);
    writeFileSync(file, `$ ${command}\n${output.endsWith('\n') ? output : `${output}\n`}`);
    process.stderr.write(`examples: wrote ${file}\n`);
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  runExamples().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
