/**
 * What runs inside a pool's worker thread (ThreadPoolExecutor, through piscina) or child process
 * (ProcessPoolExecutor): load the worker function, call it, send back what happened.
 *
 * A worker cannot run a closure from the main thread — it has its own heap — so a job names a
 * function by module and export, and the worker imports that module (once: `import()` caches).
 * Arguments arrive, and the outcome leaves, as bytes from `v8.serialize` (the structured clone
 * algorithm, the same for threads and processes), so that an uncloneable value is a clean error
 * for that one job rather than a dead worker. Thrown errors are sent as plain data
 * (`SerializedError`) to keep their class name and their `code`, which cloning would drop.
 *
 * This file imports nothing but Node built-ins (the `import type` is erased): it is its own
 * entry in the build, loaded by a fresh thread or process.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { isErrorLike, serializeError, type JobOutcome } from './errors';

/** One job as the pool sends it: `args` is `v8.serialize(argsArray)`. */
export interface JobRequest {
  readonly module: string;
  readonly name: string;
  readonly args: Uint8Array;
}

/** What a child process of a ProcessPoolExecutor receives and answers, by job id. */
export interface ChildRequest {
  readonly id: number;
  readonly job: JobRequest;
}
export interface ChildReply {
  readonly id: number;
  /** `v8.serialize(JobOutcome)` */
  readonly outcome: Uint8Array;
}

/** The argv flag that turns this module into a child process's main loop. */
export const CHILD_FLAG = '--aio-process-pool-worker';

type Loaded = { fn: (...args: unknown[]) => unknown } | { invalid: string; cause?: unknown };

async function load(module: string, name: string): Promise<Loaded> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(module);
  } catch (cause) {
    return { invalid: `worker function ${name} could not be loaded from ${module}`, cause };
  }
  const fn = namespace[name];
  if (typeof fn !== 'function') {
    const what = name in namespace ? `is a ${typeof fn}, not a function` : 'is not exported';
    return { invalid: `worker function ${name} of ${module} ${what}` };
  }
  return { fn: fn as (...args: unknown[]) => unknown };
}

/**
 * `import(module)`; for an extension the ESM loader does not know (`.ts`), `require(module)`.
 *
 * Node 20 does not apply the import hooks that an `--import` loader registers
 * (`module.register`) in worker threads, only its require hooks: a thread started with
 * `--import tsx` can `require` a `.ts` file but not `import` it. So a TypeScript worker function
 * is loaded through `require` there (Node 20.19+ can `require` ES modules).
 */
async function importModule(module: string): Promise<Record<string, unknown>> {
  try {
    return (await import(module)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    return createRequire(module)(fileURLToPath(module)) as Record<string, unknown>;
  }
}

/**
 * Runs one job and returns its outcome as bytes. Never throws: everything that can go wrong with
 * the job goes into the outcome, so the worker itself survives it.
 */
export default async function runJob(request: JobRequest): Promise<Uint8Array> {
  const loaded = await load(request.module, request.name);
  if ('invalid' in loaded) {
    return encode({
      ok: false,
      invalid: loaded.invalid,
      ...(loaded.cause === undefined ? {} : { cause: serializeError(loaded.cause) }),
    });
  }
  let value: unknown;
  try {
    const args = deserialize(request.args) as unknown[];
    value = await loaded.fn(...args);
  } catch (thrown) {
    return encodeFailure(thrown);
  }
  try {
    return serialize({ ok: true, value } satisfies JobOutcome);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return encodeFailure(
      new DOMException(
        `the result of ${request.name} could not be cloned: ${message}`,
        'DataCloneError',
      ),
    );
  }
}

function encode(outcome: JobOutcome): Uint8Array {
  return serialize(outcome);
}

function encodeFailure(thrown: unknown): Uint8Array {
  if (isErrorLike(thrown)) return encode({ ok: false, error: serializeError(thrown) });
  try {
    return serialize({ ok: false, thrown } satisfies JobOutcome);
  } catch {
    return encode({ ok: false, thrown: String(thrown) });
  }
}

// ─── As a child process of a ProcessPoolExecutor ──────────────────────────────────────────────
// The pool forks this module with CHILD_FLAG and an IPC channel. Jobs come one at a time (the
// pool never gives a child a second job before the first is answered). The child says `ready`
// once it listens — messages sent before that could be lost — and exits when the channel
// closes: the pool shutting down, or the parent dying (so no child outlives its pool).

if (isMainThread && process.argv.includes(CHILD_FLAG) && process.send !== undefined) {
  const send = process.send.bind(process);
  process.on('message', (message: ChildRequest) => {
    void runJob(message.job).then((outcome) => {
      send({ id: message.id, outcome } satisfies ChildReply);
    });
  });
  process.on('disconnect', () => process.exit(0));
  send('ready');
}
