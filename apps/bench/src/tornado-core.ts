/**
 * `pnpm bench tornado-core`: the core of @aio/tornado against Python's tornado 6, in one run.
 *
 * 1. The cost of one `gen.coroutine` step: a coroutine yielding N already-done futures, each
 *    step making a Future, setting its result, yielding it and adding the value (tornado:
 *    `f = Future(); f.set_result(1); total += yield f`), run with `IOLoop.current().runSync(…)`
 *    (`run_sync`). Steps per second and ns per step, timed inside the coroutine.
 * 2. `runOnExecutor` round trips: N sequential calls of a `runOnExecutor` method running a
 *    trivial job (`x + 1`) on a one-thread pool, each yielded from a `gen.coroutine` before the
 *    next: aio's `ThreadPoolExecutor({ maxWorkers: 1 })` with the worker function in
 *    `src/workers/tornado-jobs.ts`, against `@run_on_executor` on Python's
 *    `concurrent.futures.ThreadPoolExecutor(1)`. Round trips per second and µs per trip.
 *
 * Each aio contender (hosted and blocking loop mode, for each measurement) runs in a process of
 * its own (`src/children/tornado-gen.ts`, `src/children/tornado-executor.ts`), built as the rest
 * of the bench is: warm-up rounds (the first, cold, reported apart), then the measured rounds,
 * back to back; the median is reported. tornado runs in one process per measurement
 * (`src/peers/tornado_core.py`): one warm-up round, then the measured rounds, median reported.
 * A missing Python or tornado is reported as skipped, and the aio figures are still measured.
 */
import { execFile } from 'node:child_process';
import type { LoopMode } from '@aio/loop';
import { builtScript } from './lib/paths';
import { findPython, tryPythonPeer } from './lib/peers';
import { median, progress, ratio, table, type Cell } from './lib/report';
import type { Benchmark, BenchOptions } from './cli';

const MODES: readonly LoopMode[] = ['hosted', 'blocking'];

/** The two measurements: their child script, the Python peer's `kind`, and how they are shown. */
const KINDS = {
  gen: { script: 'children/tornado-gen', what: 'steps' },
  executor: { script: 'children/tornado-executor', what: 'round trips' },
} as const;
type Kind = keyof typeof KINDS;

/** The most one aio child or the Python peer may take before the benchmark gives up on it. */
const CHILD_TIMEOUT_MS = 300_000;

/**
 * Runs one aio contender's rounds in a process of its own: its rates, the cold first round first.
 */
function aioRounds(kind: Kind, mode: LoopMode, count: number, rounds: number): Promise<number[]> {
  const args = { mode, count, rounds };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [builtScript(KINDS[kind].script), JSON.stringify(args)],
      { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(
              `${KINDS[kind].script} ${JSON.stringify(args)} failed: ${stderr || err.message}`,
            ),
          );
          return;
        }
        resolve((JSON.parse(stdout) as { rates: number[] }).rates);
      },
    );
  });
}

interface PeerAnswer {
  rates: number[];
  tornado: string;
  python: string;
}

/** One measurement, aio in both modes and tornado: rates per second, and the raw samples. */
interface Measured {
  count: number;
  /** Median rate of each contender (`hosted`, `blocking`, `tornado`); null if not measured. */
  perSec: Record<string, number | null>;
  /** The cold first round of each aio contender. */
  firstRoundPerSec: Record<string, number>;
  samples: Record<string, number[]>;
  skipped: Record<string, string>;
  tornadoVersion: string | null;
}

async function measure(
  kind: Kind,
  count: number,
  { rounds, warmups, pyWarmups }: { rounds: number; warmups: number; pyWarmups: number },
  python: ReturnType<typeof findPython>,
): Promise<Measured> {
  const what = `${count.toLocaleString('en-US')} ${KINDS[kind].what}`;
  const samples: Record<string, number[]> = {};
  const firstRoundPerSec: Record<string, number> = {};
  const skipped: Record<string, string> = {};
  for (const mode of MODES) {
    progress(`tornado-core: ${kind}, ${what}, aio ${mode}, ${warmups + rounds} rounds`);
    const rates = await aioRounds(kind, mode, count, warmups + rounds - 1);
    firstRoundPerSec[mode] = rates[0]!;
    samples[mode] = rates.slice(warmups);
  }
  progress(`tornado-core: ${kind}, ${what}, tornado, ${pyWarmups + rounds} rounds`);
  const answer = await tryPythonPeer<PeerAnswer>(python, 'tornado_core.py', {
    kind,
    count,
    rounds,
    warmups: pyWarmups,
  });
  let tornadoVersion: string | null = null;
  if (typeof answer === 'string') {
    skipped.tornado = answer;
  } else {
    samples.tornado = answer.rates.slice(pyWarmups);
    tornadoVersion = answer.tornado;
  }
  const perSec: Record<string, number | null> = {};
  for (const key of [...MODES, 'tornado']) {
    perSec[key] = samples[key]?.length ? median(samples[key]) : null;
  }
  return { count, perSec, firstRoundPerSec, samples, skipped, tornadoVersion };
}

/** Time per operation, in `unit` (1e9: ns, 1e6: µs), of a rate per second. */
function per(rate: number | null, unit: number): number | null {
  return rate === null || rate === 0 ? null : unit / rate;
}

/** The ratio of each aio mode's rate to tornado's (null without tornado). */
function ratiosToTornado(m: Measured): Record<string, number | null> {
  const tornado = m.perSec.tornado ?? null;
  return Object.fromEntries(
    MODES.map((mode) => {
      const rate = m.perSec[mode] ?? null;
      return [mode, rate === null || tornado === null ? null : rate / tornado];
    }),
  );
}

/** Table rows: each aio mode, then tornado (with why it is missing, if it is). */
function rows(m: Measured, unit: number, tornadoLabel: string): Cell[][] {
  const tornado = m.perSec.tornado ?? null;
  return [
    ...MODES.map((mode): Cell[] => {
      const rate = m.perSec[mode] ?? null;
      const cold = m.firstRoundPerSec[mode] ?? null;
      return [
        `aio ${mode}`,
        rate,
        per(rate, unit),
        ratio(rate, tornado),
        cold,
        ratio(cold, tornado),
      ];
    }),
    [
      m.skipped.tornado ? `${tornadoLabel} (${m.skipped.tornado})` : tornadoLabel,
      tornado,
      per(tornado, unit),
      tornado === null ? null : '1.00×',
      null,
      null,
    ],
  ];
}

export const tornadoCoreBenchmark: Benchmark = {
  name: 'tornado-core',
  description:
    'gen.coroutine step (done futures, runSync) and runOnExecutor round trip on a 1-thread pool: aio vs tornado 6',
  async run(options: BenchOptions) {
    const python = findPython();
    const rounds = options.quick ? 1 : 5;
    // Rounds an aio contender runs before the measured ones (V8 tiers its code up over the first
    // few); the first, cold, is reported apart. tornado (CPython does not tier up) gets one, which
    // also starts its pool's thread.
    const warmups = options.quick ? 1 : 2;
    const plan = { rounds, warmups, pyWarmups: 1 };
    const stepCount = options.quick ? 20_000 : 100_000;
    const tripCount = options.quick ? 200 : 2_000;

    const genStep = await measure('gen', stepCount, plan, python);
    const executor = await measure('executor', tripCount, plan, python);

    const tornadoVersion = genStep.tornadoVersion ?? executor.tornadoVersion;
    const tornadoLabel = `tornado${tornadoVersion ? ` ${tornadoVersion}` : ''}${python ? ` (Python ${python.version})` : ''}`;
    const stepMin = Math.min(genStep.perSec.hosted ?? 0, genStep.perSec.blocking ?? 0);
    const tornadoSteps = genStep.perSec.tornado ?? null;
    const goals = {
      genStepAtLeast10xTornado: {
        ratio: tornadoSteps === null ? null : stepMin / tornadoSteps,
        met: tornadoSteps === null ? null : stepMin >= 10 * tornadoSteps,
      },
    };
    const goalText =
      goals.genStepAtLeast10xTornado.met === null
        ? `not measured (tornado: ${genStep.skipped.tornado ?? 'missing'})`
        : goals.genStepAtLeast10xTornado.met
          ? 'met'
          : 'NOT met';
    const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
    const how = `aio: each mode in a process of its own, median of ${n(rounds, 'round')} after ${n(warmups, 'warm-up round')} (the first, cold, shown apart); tornado: median of ${n(rounds, 'round')} in one process after 1 warm-up round`;

    const text = [
      `gen.coroutine step: a coroutine yielding ${stepCount.toLocaleString('en-US')} done futures (make a Future, setResult, yield it, add the value), run with IOLoop.current().runSync; timed inside the coroutine. ${how}`,
      table(
        ['contender', 'steps/s', 'ns/step', '÷ tornado', 'cold 1st round', 'cold ÷ tornado'],
        rows(genStep, 1e9, tornadoLabel),
      ),
      '',
      `runOnExecutor round trip: ${tripCount.toLocaleString('en-US')} sequential trips of x + 1 on a one-thread pool, each yielded from a gen.coroutine (aio: ThreadPoolExecutor({ maxWorkers: 1 }) and a worker function; tornado: @run_on_executor on concurrent.futures.ThreadPoolExecutor(1)); the cold round also starts the pool's thread. ${how}. aio runs bundled (dist/), its pool worker and worker function built beside it`,
      table(
        ['contender', 'trips/s', 'µs/trip', '÷ tornado', 'cold 1st round', 'cold ÷ tornado'],
        rows(executor, 1e6, tornadoLabel),
      ),
      '',
      'Goals:',
      `  gen.coroutine step ≥ 10× tornado (both modes): ${goalText} (${ratio(stepMin, tornadoSteps) ?? '—'})`,
      `  runOnExecutor round trip: no goal; ÷ tornado hosted ${ratio(executor.perSec.hosted ?? null, executor.perSec.tornado ?? null) ?? '—'}, blocking ${ratio(executor.perSec.blocking ?? null, executor.perSec.tornado ?? null) ?? '—'}`,
    ].join('\n');

    const section = (m: Measured, unitName: 'nsPerStep' | 'usPerTrip', unit: number) => ({
      count: m.count,
      perSec: m.perSec,
      [unitName]: Object.fromEntries(Object.entries(m.perSec).map(([k, v]) => [k, per(v, unit)])),
      ratioToTornado: ratiosToTornado(m),
      firstRoundPerSec: m.firstRoundPerSec,
      samples: m.samples,
      skipped: m.skipped,
    });
    return {
      text,
      data: {
        rounds,
        warmups,
        tornadoRounds: 'one process per measurement: 1 warm-up round, then the measured rounds',
        genStep: section(genStep, 'nsPerStep', 1e9),
        executor: section(executor, 'usPerTrip', 1e6),
        goals,
        peers: {
          python: python ? `${python.path} ${python.version}` : null,
          tornado: tornadoVersion,
        },
      },
    };
  },
};
