/**
 * What the two pools share: a FIFO of jobs not started yet in front of at most `maxWorkers`
 * running ones, cancellation, and shutdown. A subclass only starts one job on a worker
 * (`runOnWorker`) and releases its workers (`release`).
 *
 * The queue is ours, not the worker pool's, for Python's cancel semantics: a job handed to a
 * worker starts at once (there is a free worker for it), so "not started" is exactly "still in
 * this queue", and cancelling its Future takes it out. A started job is never interrupted.
 *
 * Getting the result back to the loop: a worker answers through Node's own event loop (a
 * message on a port or an IPC channel), which the aio loop does not watch. Each job's Future is
 * made with `wrapPromise`, which tells the loop (`KEEP_AWAKE_UNTIL`): a hosted loop is woken by
 * the result as by any `callSoon`; a blocking loop, which would otherwise sleep in epoll through
 * it, waits in short slices and lets Node run between them while a job is pending.
 *
 * Invariant: every job is in exactly one of `#queue` (not started, future pending), `#running`
 * (handed to a worker), or neither (settled or cancelled); its promise settles exactly once.
 */
import { deserialize, serialize } from 'node:v8';
import { CancelledError, Future, wrapPromise } from '@aio/future';
import { inlineSafe } from '@aio/future/internal';
import { InvalidArgumentError } from '@aio/loop';
import { ExecutorShutdownError, outcomeError, type JobOutcome } from './errors';
import {
  toWorkerFunction,
  type AnyFunction,
  type Executor,
  type ShutdownOptions,
  type WorkerFunction,
} from './executor';
import type { JobRequest } from './pool-worker';

/** One job: what to run, and how to settle the promise its Future follows. */
export interface Job {
  readonly request: JobRequest;
  readonly future: Future;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type PoolState = 'open' | 'shutting down' | 'shut down';

export abstract class PoolExecutor implements Executor {
  /** The most jobs that run at once: one per worker thread or child process. */
  readonly maxWorkers: number;
  #state: PoolState = 'open';
  readonly #queue: Job[] = [];
  readonly #running = new Set<Job>();
  #drained: (() => void) | null = null;
  #closed: Promise<void> | null = null;

  constructor(maxWorkers: number) {
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
      throw new InvalidArgumentError(
        `${new.target.name}() expected maxWorkers to be a positive integer, got ${String(maxWorkers)}`,
      );
    }
    this.maxWorkers = maxWorkers;
  }

  /**
   * Schedules `fn(...args)` on a worker; returns a Future of its result. `args` are copied
   * with the structured clone algorithm (see the module's README for what survives).
   * @throws ExecutorShutdownError after `shutdown()`
   * @throws InvalidWorkerFunctionError if `fn` is not a worker function
   */
  submit<F extends AnyFunction>(
    fn: WorkerFunction<F>,
    ...args: Parameters<F>
  ): Future<Awaited<ReturnType<F>>> {
    const where = `${this.constructor.name}.submit()`;
    if (this.#state !== 'open') {
      throw new ExecutorShutdownError(`${where}: cannot schedule new jobs after shutdown`);
    }
    const { module, name } = toWorkerFunction(fn, where);
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const settled = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const future = wrapPromise(settled) as Future<Awaited<ReturnType<F>>>;
    let encoded: Uint8Array;
    try {
      encoded = serialize(args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reject(
        new DOMException(
          `${where}: the arguments of ${name} could not be cloned: ${message}`,
          'DataCloneError',
        ),
      );
      return future;
    }
    const job: Job = { request: { module, name, args: encoded }, future, resolve, reject };
    // Inline (not through callSoon): the job must leave the queue the moment its future is
    // cancelled, before a worker that frees up meanwhile could start it. Runs no user code.
    future.addDoneCallback(
      inlineSafe((done: Future) => {
        if (done.cancelled()) this.#dequeue(job);
      }),
    );
    this.#queue.push(job);
    this.#pump();
    return future;
  }

  /**
   * Stops taking jobs and releases the workers once the jobs already submitted are done (with
   * `cancelFutures`, those not started are cancelled instead). See `ShutdownOptions`.
   * Calling it again returns the same wind-down.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false } = options;
    if (this.#state === 'open') {
      this.#state = 'shutting down';
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      this.#closed = drained
        .then(() => this.release())
        .finally(() => {
          this.#state = 'shut down';
        });
      this.#checkDrained();
    }
    if (cancelFutures) for (const job of [...this.#queue]) job.future.cancel();
    const closed = this.#closed!;
    if (wait) return closed;
    // Nobody waits: a failure to release is still reported, not lost.
    closed.catch((error: unknown) => {
      process.emitWarning(`${this.constructor.name}: shutting down failed: ${String(error)}`);
    });
    return Promise.resolve();
  }

  /** Jobs submitted and not started. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Jobs running on a worker now. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * Runs `request` on a free worker (a new one if none is free and fewer than `maxWorkers`
   * exist). Resolves with the worker's encoded `JobOutcome`; rejects (with a
   * `WorkerCrashedError`) if the worker died first. Called only while fewer than `maxWorkers`
   * jobs run.
   */
  protected abstract runOnWorker(request: JobRequest): Promise<Uint8Array>;

  /** Ends every worker; resolves once all are gone. Called once, with no job running. */
  protected abstract release(): Promise<void>;

  #pump(): void {
    while (this.#queue.length > 0 && this.#running.size < this.maxWorkers) {
      const job = this.#queue.shift()!;
      this.#running.add(job);
      this.runOnWorker(job.request).then(
        (encoded) => {
          const outcome = deserialize(encoded) as JobOutcome;
          if (outcome.ok) job.resolve(outcome.value);
          else job.reject(outcomeError(outcome));
          this.#finished(job);
        },
        (error: unknown) => {
          job.reject(error);
          this.#finished(job);
        },
      );
    }
  }

  #finished(job: Job): void {
    this.#running.delete(job);
    this.#pump();
    this.#checkDrained();
  }

  #dequeue(job: Job): void {
    const i = this.#queue.indexOf(job);
    if (i < 0) return;
    this.#queue.splice(i, 1);
    // Settle its promise too, or the loop would stay awake for it (the future is done already).
    job.reject(new CancelledError());
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#drained !== null && this.#queue.length === 0 && this.#running.size === 0) {
      this.#drained();
      this.#drained = null;
    }
  }

  /** `<ThreadPoolExecutor open running=2 pending=5 maxWorkers=4>` */
  toString(): string {
    return `<${this.constructor.name} ${this.#state} running=${this.#running.size} pending=${this.#queue.length} maxWorkers=${this.maxWorkers}>`;
  }

  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }
}
