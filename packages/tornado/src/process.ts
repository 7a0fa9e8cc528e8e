/**
 * `@aio/tornado/process`: tornado's multi-process utilities (tornado/process.py) — `cpuCount`,
 * `forkProcesses` and `taskId` — for Node, which cannot fork itself.
 *
 * `forkProcesses(n)` starts `n` workers, each a new Node process running the same program (the
 * same script, arguments and Node flags) with a task id of its own, and supervises them: a
 * worker that dies of a signal or exits with an error is started again (up to `maxRestarts`), one
 * that exits 0 is not, and the supervisor exits once every worker has. In a worker the same call
 * returns at once with its task id. The listening sockets the program bound with `bindSockets`
 * (or `TCPServer.bind`) before the call are handed down: each worker's own `bindSockets` calls,
 * made with the same arguments in the same order, adopt the inherited sockets instead of binding
 * again, so every worker accepts on the one port, as tornado's forked children do.
 *
 * Workers end with their supervisor: SIGINT or SIGTERM to the supervisor is passed on to every
 * worker, and a worker whose supervisor is gone (killed with SIGKILL, say) exits by itself.
 *
 * `Subprocess` is not here yet.
 *
 * @module @aio/tornado/process
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { genLog } from './log';
import { checkInteger, optionTypeError } from './log/errors';
import { inheritedForWorkers, WORKER_ENV } from './netutil/sockets';

/** The number of processors, as `os.availableParallelism()` sees them (at least 1). */
export function cpuCount(): number {
  return Math.max(1, availableParallelism());
}

/** This worker's task id (0 … n-1), or null outside a worker `forkProcesses` started. */
export function taskId(): number | null {
  const text = process.env[WORKER_ENV.taskId];
  if (text === undefined) return null;
  const id = Number(text);
  return Number.isInteger(id) && id >= 0 ? id : null;
}

/** Options of `forkProcesses`. */
export interface ForkProcessesOptions {
  /** How many times in all workers may be restarted before the supervisor gives up. Default 100. */
  maxRestarts?: number;
}

let forked = false;

/**
 * Starts `numProcesses` workers (`0` or null: one per processor) and supervises them; in a worker,
 * resolves at once with its task id. The supervisor's promise never resolves: the supervisor
 * exits (code 0) once every worker has exited, or (code 1) when restarts pass `maxRestarts`.
 * @example
 * ```ts
 * const sockets = bindSockets(8888, '127.0.0.1');
 * const id = await forkProcesses(0); // from here on, in a worker
 * const server = new EchoServer();
 * server.addSockets(sockets);
 * ```
 * @throws TypeError if called twice in one process
 */
export function forkProcesses(
  numProcesses: number | null = 0,
  options: ForkProcessesOptions = {},
): Promise<number> {
  const where = 'forkProcesses()';
  if (forked) throw new TypeError(`${where}: called twice in one process`);
  const count =
    numProcesses === null || numProcesses === 0
      ? cpuCount()
      : checkInteger(where, 'numProcesses', numProcesses, 1);
  if (typeof options !== 'object' || options === null) {
    throw optionTypeError(where, 'options', 'an object', options);
  }
  const maxRestarts = checkInteger(where, 'maxRestarts', options.maxRestarts ?? 100, 0);
  forked = true;

  const id = taskId();
  if (id !== null) {
    // A worker: end with the supervisor (its IPC channel closes when it goes).
    process.on('disconnect', () => process.exit(1));
    process.channel?.unref();
    return Promise.resolve(id);
  }
  supervise(count, maxRestarts);
  return new Promise<number>(() => {}); // the supervisor never goes on
}

const exitCode = (): number => (typeof process.exitCode === 'number' ? process.exitCode : 0);

/** Runs and restarts the workers; exits the process once they are all gone. */
function supervise(count: number, maxRestarts: number): void {
  const inherited = inheritedForWorkers();
  const workers = new Map<number, ChildProcess>();
  let restarts = 0;
  let stopping = false;

  const start = (id: number): void => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', ...inherited.fds],
      env: {
        ...process.env,
        [WORKER_ENV.taskId]: String(id),
        [WORKER_ENV.sockets]: JSON.stringify(inherited.entries),
      },
    });
    workers.set(id, child);
    child.on('exit', (code, signal) => {
      workers.delete(id);
      if (stopping) {
        if (workers.size === 0) process.exit(exitCode());
        return;
      }
      if (signal !== null) {
        genLog.warn(`child ${id} (pid ${child.pid}) killed by signal ${signal}, restarting`);
      } else if (code !== 0) {
        genLog.warn(`child ${id} (pid ${child.pid}) exited with status ${code}, restarting`);
      } else {
        genLog.info(`child ${id} (pid ${child.pid}) exited normally`);
        if (workers.size === 0) process.exit(0);
        return;
      }
      if (++restarts > maxRestarts) {
        genLog.error(`Too many child restarts (${maxRestarts}), giving up`);
        stopAll('SIGTERM');
        process.exitCode = 1;
        return;
      }
      start(id);
    });
  };

  const stopAll = (signal: NodeJS.Signals): void => {
    stopping = true;
    if (workers.size === 0) process.exit(exitCode());
    for (const child of workers.values()) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => stopAll(signal));
  }
  genLog.info(`Starting ${count} processes`);
  for (let id = 0; id < count; id++) start(id);
}
