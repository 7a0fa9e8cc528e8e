/**
 * Each run of a strategy happens in a fresh process of its own, started here.
 *
 * A process of its own, so that each strategy's figures are its own: peak RSS is a process's
 * lifetime peak, CPU time includes the collector's work on the garbage the strategy made, and
 * what one strategy leaves behind (sockets, threads, a warm JIT) cannot flatter or burden the
 * next. The child reports its progress as pages end (over the IPC channel, which writes at once
 * even while a blocking strategy holds the thread), then its measurement, with how many sockets it
 * left open: a strategy must close every one.
 *
 * The child loads this file through tsx's require hook, as the pool members do (pool.ts says why).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeTarget, measure, type Measurement, type TargetSpec } from './measure';
import { MEMBER_EXEC_ARGV } from './strategies/pool';
import { STRATEGIES } from './strategies/index';

/** What the child says, in order: progress (any number of times), then its result. */
export type StageMessage =
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'result'; readonly run: StageRun };

export interface Progress {
  readonly fetched: number;
  readonly failed: number;
  readonly inFlight: number;
}

export interface StageRun extends Measurement {
  /** Sockets open after the run that were not before it: 0, or the strategy leaked. */
  readonly leakedSockets: number;
}

// ─── In the child ──────────────────────────────────────────────────────────────────────────────

/** The sockets this process has open, by inode (Linux: /proc/self/fd), or null if unknown. */
function openSockets(): Set<string> | null {
  try {
    const sockets = new Set<string>();
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const link = readlinkSync(`/proc/self/fd/${fd}`);
        if (link.startsWith('socket:')) sockets.add(link);
      } catch {
        // closed while we looked (the readdir's own fd)
      }
    }
    return sockets;
  } catch {
    return null;
  }
}

/** The child's side: waits for its one job, runs it, reports, exits. */
export function stageChild(): void {
  process.once('message', (job: StageJob) => {
    void runJob(job);
  });
}

/** What the crawler asks of a stage process. */
interface StageJob {
  readonly strategy: string;
  readonly spec: TargetSpec;
  /** Crawls to run first, unmeasured, so that the measured one runs on warm (JIT-compiled) code. */
  readonly warmups: number;
}

async function runJob({ strategy: name, spec, warmups }: StageJob): Promise<void> {
  const strategy = STRATEGIES.find((s) => s.name === name);
  if (strategy === undefined) throw new Error(`no strategy named ${name}`);
  for (let i = 0; i < warmups; i++) await measure(strategy, makeTarget(spec));
  const send = (message: StageMessage, then?: () => void): void => {
    process.send!(message, undefined, undefined, then);
  };
  const target = makeTarget(spec);
  let lastProgress = 0;
  target.timeline.onPageEnd = (timeline) => {
    const now = performance.now();
    if (now - lastProgress < 100) return;
    lastProgress = now;
    send({
      type: 'progress',
      progress: {
        fetched: timeline.fetchedCount,
        failed: timeline.failedCount,
        inFlight: timeline.inFlight,
      },
    });
  };
  const before = openSockets();
  const measurement = await measure(strategy, target);
  const after = openSockets();
  let leakedSockets = 0;
  if (before && after) for (const socket of after) if (!before.has(socket)) leakedSockets++;
  send({ type: 'result', run: { ...measurement, leakedSockets } }, () => process.exit(0));
}

// ─── In the crawler ────────────────────────────────────────────────────────────────────────────

const STAGE_SCRIPT = `require(${JSON.stringify(fileURLToPath(import.meta.url))}).stageChild();`;
const running = new Set<ChildProcess>();

// Whatever way the crawler ends, no run outlives it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills every run in progress (Ctrl-C). */
export function killStages(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Runs `strategy` against `spec` in a fresh process, after `warmups` unmeasured crawls there;
 * `onProgress` hears from the measured one as pages end.
 */
export function runStage(
  strategy: string,
  spec: TargetSpec,
  onProgress?: (progress: Progress) => void,
  warmups = 0,
): Promise<StageRun> {
  const child = spawn(process.execPath, [...MEMBER_EXEC_ARGV, '--eval', STAGE_SCRIPT], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  running.add(child);
  return new Promise<StageRun>((resolve, reject) => {
    let result: StageRun | undefined;
    child.on('message', (message: StageMessage) => {
      if (message.type === 'progress') onProgress?.(message.progress);
      else result = message.run;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      running.delete(child);
      if (result !== undefined) resolve(result);
      else
        reject(
          new Error(
            `the ${strategy} run ended (${signal ?? `exit code ${code}`}) before reporting`,
          ),
        );
    });
    // If the child is already gone, the send fails (EPIPE); its exit, just below, says why.
    child.send({ strategy, spec, warmups } satisfies StageJob, () => {});
  });
}
