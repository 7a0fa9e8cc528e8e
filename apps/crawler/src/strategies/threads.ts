/**
 * §3.3 of the article: a pool of threads, each running §3.1's blocking `blockingWay`.
 *
 * A thread blocked in recv blocks only itself: the main thread and the other workers go on, so
 * with one worker thread per page every page waits on the network at the same time. Threads are
 * cheaper than processes (the article: ≈0.43 s against the process pool's ≈0.6 s), but still cost
 * a start and switches. Unlike Python's, Node's worker threads take no turns on a shared lock:
 * each has its own heap and its own event loop, runs truly in parallel, and loads the modules
 * again for itself. The responses are copied back to the main thread in messages.
 */
import { Worker } from 'node:worker_threads';
import {
  MEMBER_EXEC_ARGV,
  MEMBER_SCRIPT,
  ask,
  fetchAll,
  type FetchJob,
  type FetchReply,
  type Member,
} from './pool';
import { refusePool, type StrategyInfo, type Target } from './types';

// #region workerThread
class ThreadMember implements Member {
  readonly #worker = new Worker(MEMBER_SCRIPT, { eval: true, execArgv: [...MEMBER_EXEC_ARGV] });

  fetch(job: FetchJob): Promise<FetchReply> {
    return ask(this.#worker, (j) => this.#worker.postMessage(j), job, 'worker thread');
  }

  async end(): Promise<void> {
    await this.#worker.terminate();
  }
}
// #endregion workerThread

// #region threadWay
export async function threadWay(target: Target): Promise<void> {
  const size = Math.min(target.concurrency, target.paths.length);
  const pool = Array.from({ length: size }, () => new ThreadMember());
  try {
    await fetchAll(pool, target);
  } finally {
    // Whatever happened, no thread outlives the run.
    await Promise.all(pool.map((thread) => thread.end()));
  }
}
// #endregion threadWay

export const threads: StrategyInfo = {
  name: 'threads',
  section: '3.3',
  title: 'a pool of worker threads, each with blocking sockets',
  run: threadWay,
  concurrency: (requested, pages) => Math.min(requested, pages),
  refuse: (plan) => refusePool(plan, 'worker threads'),
};
