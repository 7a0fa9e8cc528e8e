/**
 * `ProcessPoolExecutor`: Python's `concurrent.futures.ProcessPoolExecutor` on child processes
 * (`child_process.fork`), a small pool managed here.
 *
 * Each child runs `pool-worker` with an IPC channel and does one job at a time. Children start
 * on demand, up to `maxWorkers`, and are reused. A child that dies in a job (it called
 * `process.exit()`, a signal killed it, the OOM killer took it) fails that job's Future with a
 * `WorkerCrashedError` and is dropped; the next job starts a fresh child. Python marks the whole
 * pool broken instead (`BrokenProcessPool`); here the other jobs are not the dead one's fault.
 *
 * Shutdown closes each child's IPC channel; a child exits when its channel closes, which is also
 * what happens if this process dies, so a child never outlives its pool.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { WorkerCrashedError } from './errors';
import { PoolExecutor } from './pool';
import { CHILD_FLAG, type ChildReply, type ChildRequest, type JobRequest } from './pool-worker';
import { POOL_WORKER_FILE, workerExecArgv } from './worker-entry';

/** Options of a `ProcessPoolExecutor`. */
export interface ProcessPoolExecutorOptions {
  /** The most child processes (and so jobs running at once). Default: `os.availableParallelism()`. */
  maxWorkers?: number;
  /** Node flags for the children. Default: this process's `execArgv`, as `fork` does. */
  execArgv?: string[];
  /** The children's environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** The children's working directory. Default: this process's. */
  cwd?: string;
}

/** How long a child may take to exit after its channel closes before it gets SIGKILL (ms). */
const EXIT_GRACE_MS = 5_000;

/**
 * Runs worker functions in a pool of child processes: for work that must be isolated (it may
 * crash, leak, or need its own heap limit), or code that blocks its whole process.
 * @example
 * ```ts
 * const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
 * const fib = workerFunction<(n: number) => number>(new URL('./jobs.js', import.meta.url), 'fib');
 * console.log(await pool.submit(fib, 30));
 * await pool.shutdown(); // every child has exited when this settles
 * ```
 */
export class ProcessPoolExecutor extends PoolExecutor {
  readonly #options: ProcessPoolExecutorOptions;
  readonly #children = new Set<ChildWorker>();
  readonly #idle: ChildWorker[] = [];

  constructor(options: ProcessPoolExecutorOptions = {}) {
    super(options.maxWorkers ?? availableParallelism());
    this.#options = options;
  }

  /** The process ids of the children alive now. */
  pids(): number[] {
    return [...this.#children].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  protected async runOnWorker(request: JobRequest): Promise<Uint8Array> {
    const child = this.#idle.pop() ?? this.#spawn();
    const encoded = await child.run(request);
    if (child.alive) this.#idle.push(child);
    return encoded;
  }

  protected async release(): Promise<void> {
    this.#idle.length = 0;
    await Promise.all([...this.#children].map((child) => child.stop()));
  }

  #spawn(): ChildWorker {
    const child = new ChildWorker(this.#options, () => {
      this.#children.delete(child);
      const i = this.#idle.indexOf(child);
      if (i >= 0) this.#idle.splice(i, 1);
    });
    this.#children.add(child);
    return child;
  }
}

/**
 * One child process. States: starting (until it says `ready`) → idle ⇄ busy → exited. It keeps
 * this process alive only while busy or starting, so a pool nobody shut down does not hold
 * the process open once its work is done (as piscina's idle threads do not).
 */
class ChildWorker {
  readonly #process: ChildProcess;
  readonly #ready: Promise<void>;
  readonly #exited: Promise<void>;
  #hasExited = false;
  #nextId = 1;
  #current: {
    id: number;
    resolve(encoded: Uint8Array): void;
    reject(error: unknown): void;
  } | null = null;

  constructor(options: ProcessPoolExecutorOptions, onExit: () => void) {
    this.#process = fork(POOL_WORKER_FILE, [CHILD_FLAG], {
      execArgv: workerExecArgv(options.execArgv),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let ready!: () => void;
    let failedToStart!: (error: unknown) => void;
    this.#ready = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failedToStart = reject;
    });
    // Nobody may be waiting for it (a child that dies idle): the rejection is not an error then.
    this.#ready.catch(() => undefined);
    this.#process.on('message', (message: 'ready' | ChildReply) => {
      if (message === 'ready') {
        if (this.#current === null) this.#unref();
        ready();
        return;
      }
      const current = this.#current;
      if (current === null || message.id !== current.id) return;
      this.#current = null;
      this.#unref();
      current.resolve(message.outcome);
    });
    this.#exited = new Promise<void>((resolve) => {
      const exited = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.#hasExited) return;
        this.#hasExited = true;
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
        const crash = new WorkerCrashedError(
          `the child process ${this.pid ?? '?'} running the job ${how} before it finished`,
          { exitCode: code, signal },
        );
        failedToStart(crash);
        this.#current?.reject(crash);
        this.#current = null;
        onExit();
        resolve();
      };
      this.#process.on('exit', exited);
      // fork() failing to start (e.g. EAGAIN) emits 'error' and maybe no 'exit'.
      this.#process.on('error', (error) => {
        // Other errors (a failed send or kill) come with an 'exit' that says what happened.
        if (this.#process.pid !== undefined || this.#hasExited) return;
        failedToStart(error);
        this.#current?.reject(
          new WorkerCrashedError(`the child process could not be started: ${error.message}`, {
            cause: error,
          }),
        );
        this.#current = null;
        this.#hasExited = true;
        onExit();
        resolve();
      });
    });
  }

  get alive(): boolean {
    return !this.#hasExited;
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Sends one job and resolves with the encoded outcome. Only one job at a time. */
  async run(request: JobRequest): Promise<Uint8Array> {
    this.#ref();
    await this.#ready;
    return new Promise<Uint8Array>((resolve, reject) => {
      if (this.#hasExited) {
        reject(
          new WorkerCrashedError(
            `the child process ${this.pid ?? '?'} exited before the job was sent`,
          ),
        );
        return;
      }
      const id = this.#nextId++;
      this.#current = { id, resolve, reject };
      this.#process.send({ id, job: request } satisfies ChildRequest, (error) => {
        // The channel closed under the send: the 'exit' handler reports why, unless it did already.
        if (error !== null && this.#current?.id === id) {
          this.#current = null;
          reject(
            new WorkerCrashedError(
              `the job could not be sent to child process ${this.pid ?? '?'}: ${error.message}`,
              { cause: error },
            ),
          );
        }
      });
    });
  }

  /** Closes the channel (the child exits on that) and waits until the child has exited. */
  async stop(): Promise<void> {
    if (this.#hasExited) return;
    this.#ref();
    if (this.#process.connected) this.#process.disconnect();
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), EXIT_GRACE_MS);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #ref(): void {
    this.#process.ref();
    this.#process.channel?.ref();
  }

  #unref(): void {
    this.#process.unref();
    this.#process.channel?.unref();
  }
}
