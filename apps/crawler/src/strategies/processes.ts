/**
 * §3.2 of the article: a pool of processes, each running §3.1's blocking `blockingWay`.
 *
 * A process blocked in recv blocks only itself, so with one child per page every page waits on
 * the network at the same time. The article's pool of 10 took ≈0.6 s where blocking took ≈4.5 s:
 * not a tenth, because processes are costly to start and to switch between. Node pays even more
 * than Python there: it cannot fork, so each child boots a fresh V8 and loads the modules again
 * before its first page; with few pages or a short latency that start costs more than the
 * overlapping saves. The responses come back to the parent over the IPC channel, as bytes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  MEMBER_EXEC_ARGV,
  MEMBER_SCRIPT,
  ask,
  fetchAll,
  type FetchJob,
  type FetchReply,
  type Member,
} from './pool';
import { refusePool, type StrategyInfo, type StrategyResult, type Target } from './types';

// #region childProcess
class ChildMember implements Member {
  /** The child's CPU time as of its last reply, in ms. */
  cpuMs = 0;
  /** The child's peak resident memory as of its last reply, in KiB. */
  maxRssKiB = 0;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor() {
    this.#child = spawn(process.execPath, [...MEMBER_EXEC_ARGV, '--eval', MEMBER_SCRIPT], {
      // stdin, stdout, stderr, and the IPC channel; 'advanced' sends the bytes as they are.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', () => resolve());
      // A child that could not even be spawned never exits.
      this.#child.once('error', () => this.#child.pid === undefined && resolve());
    });
  }

  async fetch(job: FetchJob): Promise<FetchReply> {
    const reply = await ask(this.#child, (j) => this.#child.send(j), job, 'child process');
    this.cpuMs = Math.max(this.cpuMs, reply.cpuMs ?? 0);
    this.maxRssKiB = Math.max(this.maxRssKiB, reply.maxRssKiB ?? 0);
    return reply;
  }

  async end(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill();
    await this.#exited;
  }
}
// #endregion childProcess

// #region processWay
export async function processWay(target: Target): Promise<StrategyResult> {
  const size = Math.min(target.concurrency, target.paths.length);
  const pool = Array.from({ length: size }, () => new ChildMember());
  try {
    await fetchAll(pool, target);
    // The children's CPU and memory are not this process's: count them too (starting Node,
    // loading the code).
    return {
      extraCpuMs: pool.reduce((sum, child) => sum + child.cpuMs, 0),
      extraMaxRssKiB: pool.reduce((sum, child) => sum + child.maxRssKiB, 0),
    };
  } finally {
    // Whatever happened, no child outlives the run.
    await Promise.all(pool.map((child) => child.end()));
  }
}
// #endregion processWay

export const processes: StrategyInfo = {
  name: 'processes',
  section: '3.2',
  title: 'a pool of processes, each with blocking sockets',
  run: processWay,
  concurrency: (requested, pages) => Math.min(requested, pages),
  refuse: (plan) => refusePool(plan, 'child processes'),
};
