/**
 * The errors the executors raise, as named classes with stable codes, and the rebuilding of an
 * error that crossed from a worker thread or a child process.
 *
 * Python raises `RuntimeError('cannot schedule new futures after shutdown')` and
 * `BrokenProcessPool`; here each case has its own class, so a `catch` can tell a job's own
 * failure (whatever it threw) from the pool failing to run it.
 */
import { inspect } from 'node:util';

/** The base of the errors an executor raises about itself (never the errors a job throws). */
export abstract class ExecutorError extends Error {
  abstract readonly code: string;
}

/** `submit()` after `shutdown()`: Python's "cannot schedule new futures after shutdown". */
export class ExecutorShutdownError extends ExecutorError {
  override name = 'ExecutorShutdownError';
  readonly code = 'ERR_AIO_EXECUTOR_SHUTDOWN';
}

/**
 * A pool was given something it cannot run: not a worker function (a closure, a string), or a
 * worker function whose module does not load or does not export a function by that name.
 */
export class InvalidWorkerFunctionError extends ExecutorError {
  override name = 'InvalidWorkerFunctionError';
  readonly code = 'ERR_AIO_INVALID_WORKER_FUNCTION';
}

/**
 * The worker thread or child process running a job died before answering: `process.exit()` in
 * the job, a signal, an out-of-memory kill. The pool replaces the worker and goes on.
 */
export class WorkerCrashedError extends ExecutorError {
  override name = 'WorkerCrashedError';
  readonly code = 'ERR_AIO_WORKER_CRASHED';
  /** The worker's exit code, if it exited with one. */
  readonly exitCode: number | null;
  /** The signal that killed the child process, if one did. */
  readonly signal: NodeJS.Signals | null;

  constructor(
    message: string,
    options: { exitCode?: number | null; signal?: NodeJS.Signals | null; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? null;
    this.signal = options.signal ?? null;
  }
}

// ─── Errors across the thread/process boundary ─────────────────────────────────────────────────

/**
 * An error as a worker sends it back: plain data, so that it survives structured cloning with its
 * name (which cloning alone would reset for any class but the built-in ones) and its own
 * properties (`code`, `errno` …). Written by `pool-worker.ts`, read by `rebuildError`.
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** Own enumerable properties whose values are primitives (`code`, `errno`, `syscall` …). */
  readonly props: Record<string, string | number | boolean | bigint | null | undefined>;
  readonly cause?: SerializedError | { readonly value: unknown };
}

/**
 * What a worker answers for one job: its value; the Error it threw (`error`) or the non-Error
 * value it threw (`thrown`); or why the worker function could not be found (`invalid`).
 */
export type JobOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: SerializedError }
  | { readonly ok: false; readonly thrown: unknown }
  | { readonly ok: false; readonly invalid: string; readonly cause?: SerializedError };

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * An Error like the one the worker threw: the same name, message, stack (the worker's, which
 * is where it happened) and primitive own properties. A built-in class (TypeError …) comes back
 * as that class; any other comes back as an `Error` whose `name` is the class's name, since
 * the class itself does not exist on this side.
 */
export function rebuildError(serialized: SerializedError): Error {
  const Class = BUILTIN_ERRORS[serialized.name] ?? Error;
  const error = new Class(serialized.message);
  Object.assign(error, serialized.props);
  if (error.name !== serialized.name) {
    Object.defineProperty(error, 'name', {
      value: serialized.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  if (serialized.cause !== undefined) {
    error.cause =
      'value' in serialized.cause ? serialized.cause.value : rebuildError(serialized.cause);
  }
  return error;
}

/** An Error, or an object with its shape (from another realm). */
export function isErrorLike(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === 'object' && value !== null && 'stack' in value && 'message' in value)
  );
}

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'bigint', 'undefined']);

/** `error` as plain data that survives structured cloning (see SerializedError). */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!isErrorLike(error)) {
    return { name: 'Error', message: inspect(error), stack: undefined, props: {} };
  }
  const props: Record<string, string | number | boolean | bigint | null | undefined> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    if (value === null || PRIMITIVES.has(typeof value)) props[key] = value as string;
  }
  const serialized: SerializedError = {
    name: error.name,
    message: error.message,
    stack: typeof error.stack === 'string' ? error.stack : undefined,
    props,
  };
  const cause: unknown = error.cause;
  if (cause === undefined || depth >= 4) return serialized;
  if (isErrorLike(cause)) return { ...serialized, cause: serializeError(cause, depth + 1) };
  return {
    ...serialized,
    cause: { value: cause === null || PRIMITIVES.has(typeof cause) ? cause : inspect(cause) },
  };
}

/** The exception a job's failed outcome stands for. */
export function outcomeError(outcome: Exclude<JobOutcome, { ok: true }>): unknown {
  if ('error' in outcome) return rebuildError(outcome.error);
  if ('invalid' in outcome) {
    return new InvalidWorkerFunctionError(
      outcome.invalid,
      outcome.cause === undefined ? undefined : { cause: rebuildError(outcome.cause) },
    );
  }
  return outcome.thrown;
}
