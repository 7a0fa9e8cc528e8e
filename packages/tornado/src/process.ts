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
 * `Subprocess` runs a child process with its stdin, stdout and stderr as PipeIOStreams, and
 * waits for it without blocking the loop.
 *
 * @module @aio/tornado/process
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { availableParallelism, constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import { Future, wrapPromise } from '@aio/future';
import { osError, pipe, type PipeEnd } from '@aio/selector';
import { IOLoop } from './ioloop';
import { PipeIOStream } from './iostream';
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

// ─── Subprocess ─────────────────────────────────────────────────────────────────────────────

/** As a Subprocess stdio option: a pipe, whose other end is a PipeIOStream here. */
export const STREAM: unique symbol = Symbol('Subprocess.STREAM');

/** What a child's stdin, stdout or stderr is: a STREAM, the parent's own, nothing, or an fd. */
export type StdioOption = typeof STREAM | 'inherit' | 'ignore' | number;

/** Options of `new Subprocess()`. */
export interface SubprocessOptions {
  /** Default 'inherit'. */
  stdin?: StdioOption;
  /** Default 'inherit'. */
  stdout?: StdioOption;
  /** Default 'inherit'. */
  stderr?: StdioOption;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A child that exited with a status other than 0 (Python's `subprocess.CalledProcessError`). */
export class CalledProcessError extends Error {
  override name = 'CalledProcessError';
  readonly code = 'ERR_AIO_CALLED_PROCESS';

  constructor(
    /** The exit status, or minus the signal number that killed it. */
    readonly returncode: number,
    readonly cmd: readonly string[],
  ) {
    super(
      returncode < 0
        ? `Command ${JSON.stringify(cmd)} died with signal ${-returncode}`
        : `Command ${JSON.stringify(cmd)} returned non-zero exit status ${returncode}`,
    );
  }
}

/**
 * tornado's Subprocess: a child process whose stdio may be PipeIOStreams.
 * @example
 * ```ts
 * const child = new Subprocess(['cat'], { stdin: STREAM, stdout: STREAM });
 * yield* child.stdin!.write('hello\n');
 * child.stdin!.close();
 * const out = yield* child.stdout!.readUntilClose(); // 'hello\n'
 * yield* child.waitForExit(); // 0, or CalledProcessError
 * ```
 */
export class Subprocess {
  /** `Subprocess.STREAM`: tornado's name for `STREAM`. */
  static readonly STREAM = STREAM;
  /** The parent's end of the child's stdin, when it is a STREAM. */
  readonly stdin: PipeIOStream | null;
  readonly stdout: PipeIOStream | null;
  readonly stderr: PipeIOStream | null;
  readonly pid: number;
  /** Node's ChildProcess underneath. */
  readonly proc: ChildProcess;
  /** The exit status once exited (minus the signal number if a signal killed it), else null. */
  returncode: number | null = null;
  readonly #args: readonly string[];
  readonly #exited: Promise<number>;
  readonly #ioloop: IOLoop;

  /**
   * Starts `args[0]` with `args.slice(1)`, looked up on PATH as a shell would.
   * @throws OSError (ENOENT, EACCES) if the program cannot be found or run; TypeError for bad
   *   arguments
   */
  constructor(args: readonly string[], options: SubprocessOptions = {}) {
    const where = 'new Subprocess()';
    if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === 'string')) {
      throw optionTypeError(where, 'args', 'a non-empty array of strings', args);
    }
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError(where, 'options', 'an object', options);
    }
    checkExecutable(args[0]!, options.env ?? process.env);
    this.#ioloop = IOLoop.current();
    this.#args = [...args];
    const ours: (PipeEnd | null)[] = [null, null, null];
    const theirs: PipeEnd[] = [];
    const stdio = (['stdin', 'stdout', 'stderr'] as const).map((name, i) => {
      const option = options[name] ?? 'inherit';
      if (option === STREAM) {
        const [r, w] = pipe();
        const [mine, child] = i === 0 ? [w, r] : [r, w];
        ours[i] = mine;
        theirs.push(child);
        return child.fileno();
      }
      if (option === 'inherit' || option === 'ignore') return option;
      if (typeof option === 'number' && Number.isInteger(option) && option >= 0) return option;
      for (const end of [...ours, ...theirs]) end?.close();
      throw optionTypeError(where, name, 'STREAM, "inherit", "ignore" or an fd', option);
    });
    try {
      this.proc = spawn(args[0]!, args.slice(1), { stdio, cwd: options.cwd, env: options.env });
    } catch (error) {
      for (const end of ours) end?.close();
      throw error;
    } finally {
      for (const end of theirs) end.close(); // the child has its own copies now
    }
    this.pid = this.proc.pid ?? -1;
    this.#exited = new Promise<number>((resolve, reject) => {
      this.proc.once('error', reject);
      this.proc.once('exit', (code, signal) => {
        const status =
          code ??
          -(signal === null ? 0 : ((osConstants.signals[signal] as number | undefined) ?? 0));
        this.returncode = status;
        resolve(status);
      });
    });
    this.#exited.catch(() => {}); // reported by waitForExit
    const [stdin, stdout, stderr] = ours.map((end) =>
      end === null ? null : new PipeIOStream(end),
    );
    this.stdin = stdin ?? null;
    this.stdout = stdout ?? null;
    this.stderr = stderr ?? null;
  }

  /** Runs `callback(returncode)` on the IOLoop once the child has exited. */
  setExitCallback(callback: (returncode: number) => unknown): void {
    if (typeof callback !== 'function') {
      throw optionTypeError('setExitCallback()', 'callback', 'a function', callback);
    }
    this.#ioloop.addFuture(wrapPromise(this.#exited, this.#ioloop.asyncioLoop), (done) => {
      if (done.exception() === undefined) callback(done.result());
    });
  }

  /**
   * The exit status, once the child has exited. With `raiseError` (the default), a status other
   * than 0 fails the future with CalledProcessError.
   */
  waitForExit(raiseError = true): Future<number> {
    const args = this.#args;
    return wrapPromise(
      this.#exited.then((status) => {
        if (raiseError && status !== 0) throw new CalledProcessError(status, args);
        return status;
      }),
      this.#ioloop.asyncioLoop,
    );
  }

  /** `<Subprocess pid=1234 ["cat"] running>` */
  toString(): string {
    const state = this.returncode === null ? 'running' : `exited ${this.returncode}`;
    return `<Subprocess pid=${this.pid} ${JSON.stringify(this.#args)} ${state}>`;
  }
}

/** Throws ENOENT or EACCES as the shell would find them, before spawning. */
function checkExecutable(command: string, env: NodeJS.ProcessEnv): void {
  const candidates = command.includes('/')
    ? [command]
    : (env.PATH ?? '/usr/bin:/bin').split(delimiter).map((dir) => join(dir || '.', command));
  let denied = false;
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') denied = true;
    }
  }
  const { ENOENT, EACCES } = osConstants.errno;
  throw osError(denied ? EACCES : ENOENT, 'spawn', command);
}
