/**
 * `runOnExecutor`: tornado's `@run_on_executor` — a method that runs on the object's executor and
 * returns a Future of its result.
 *
 * The executor is looked up on `this` when the method is called, under the attribute named by
 * the `executor` option (default `'executor'`, as tornado). As in tornado, the returned Future is
 * a new one chained to the executor's (`chainFuture`): cancelling it does not cancel the job.
 *
 * Two forms, because a TypeScript decorator cannot change a method's type:
 * - a function that makes the method, typed exactly, for a class field or a plain object; it
 *   takes a plain function (run with `this` by an executor that runs code in this thread, such
 *   as `DummyExecutor`) or a `WorkerFunction` (run by a pool; `this` stays behind);
 * - a method decorator, tornado's spelling, for executors that run code in this thread. Declare
 *   the method's call signature as returning `Future<T>` and the implementation as returning
 *   `T | Future<T>`, so that callers see the Future (see the example).
 */
import { inspect } from 'node:util';
import { Future } from '@aio/future';
import { InvalidArgumentError } from '@aio/loop';
import { isWorkerFunction, type AnyFunction, type Executor, type WorkerFunction } from './executor';
import { chainFuture } from './futures';

/** Options of `runOnExecutor`. */
export interface RunOnExecutorOptions {
  /** The name of the attribute of `this` that holds the executor. Default: `'executor'`. */
  executor?: string;
}

type Method<This, A extends unknown[], R> = (this: This, ...args: A) => R;

/**
 * The decorator form: `@runOnExecutor` or `@runOnExecutor({ executor: 'pool' })` on a method.
 * @example
 * ```ts
 * class Parser {
 *   executor = new DummyExecutor();
 *   parse(html: string): Future<string[]>;
 *   @runOnExecutor
 *   parse(html: string): string[] | Future<string[]> {
 *     return [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
 *   }
 * }
 * const links = await new Parser().parse(page);
 * ```
 */
export function runOnExecutor<This, A extends unknown[], R>(
  method: Method<This, A, R>,
  context: ClassMethodDecoratorContext<This, Method<This, A, R>>,
): Method<This, A, R>;
export function runOnExecutor(
  options?: RunOnExecutorOptions,
): <This, A extends unknown[], R>(
  method: Method<This, A, R>,
  context: ClassMethodDecoratorContext<This, Method<This, A, R>>,
) => Method<This, A, R>;
/**
 * The function form with a worker function: a method that submits it with the method's
 * arguments to `this[options.executor ?? 'executor']`.
 * @example
 * ```ts
 * class Hasher {
 *   constructor(readonly pool: Executor) {}
 *   sha256 = runOnExecutor(workerFunction<typeof sha256>(jobsUrl, 'sha256'), { executor: 'pool' });
 * }
 * const digest = await new Hasher(new ThreadPoolExecutor()).sha256(bytes); // Future<string>
 * ```
 */
export function runOnExecutor<F extends AnyFunction>(
  fn: WorkerFunction<F>,
  options?: RunOnExecutorOptions,
): (this: unknown, ...args: Parameters<F>) => Future<Awaited<ReturnType<F>>>;
/**
 * The function form with a plain function: a method that submits `fn` (with `this` bound) to
 * `this[options.executor ?? 'executor']`, which must run code in this thread.
 * @example
 * ```ts
 * class Parser {
 *   executor = new DummyExecutor();
 *   parse = runOnExecutor(function (this: Parser, html: string) { return html.length; });
 * }
 * ```
 */
export function runOnExecutor<This, A extends unknown[], R>(
  fn: Method<This, A, R>,
  options?: RunOnExecutorOptions,
): (this: This, ...args: A) => Future<Awaited<R>>;
export function runOnExecutor(
  first?: RunOnExecutorOptions | WorkerFunction | AnyFunction,
  second?: RunOnExecutorOptions | ClassMethodDecoratorContext,
): unknown {
  if (typeof first === 'function') {
    if (isDecoratorContext(second)) return makeMethod(first, 'executor', String(second.name));
    return makeMethod(first, attributeOf(second), first.name);
  }
  if (isWorkerFunction(first)) return makeMethod(first, attributeOf(second), first.name);
  const attribute = attributeOf(first);
  return (method: AnyFunction, context: ClassMethodDecoratorContext) =>
    makeMethod(method, attribute, String(context.name));
}

// #region make-method
function makeMethod(
  fn: AnyFunction | WorkerFunction,
  attribute: string,
  name: string,
): (this: unknown, ...args: unknown[]) => Future {
  const wrapper = function (this: unknown, ...args: unknown[]): Future {
    const executor = executorOf(this, attribute, name);
    const job =
      typeof fn === 'function'
        ? (...jobArgs: unknown[]): unknown => Reflect.apply(fn, this, jobArgs)
        : fn;
    const submitted = (executor.submit as (job: unknown, ...a: unknown[]) => Future)(job, ...args);
    // tornado: a fresh Future on this side, chained one way from the executor's.
    const future = new Future<unknown>(submitted.getLoop());
    chainFuture(submitted, future);
    return future;
  };
  Object.defineProperty(wrapper, 'name', { value: name, configurable: true });
  return wrapper;
}
// #endregion make-method

function executorOf(self: unknown, attribute: string, method: string): Executor {
  const executor =
    typeof self === 'object' && self !== null
      ? (self as Record<string, unknown>)[attribute]
      : undefined;
  if (
    typeof executor !== 'object' ||
    executor === null ||
    typeof (executor as { submit?: unknown }).submit !== 'function'
  ) {
    throw new InvalidArgumentError(
      `${method}() runs on this.${attribute}, which should be an Executor (with submit()), got ${inspect(executor, { depth: 0 })}`,
    );
  }
  return executor as Executor;
}

function attributeOf(options: unknown): string {
  if (options === undefined) return 'executor';
  const attribute: unknown =
    typeof options === 'object' && options !== null
      ? ((options as { executor?: unknown }).executor ?? 'executor')
      : options;
  if (typeof attribute !== 'string' || attribute === '') {
    throw new InvalidArgumentError(
      `runOnExecutor() expected options.executor to be an attribute name, got ${inspect(attribute)}`,
    );
  }
  return attribute;
}

function isDecoratorContext(value: unknown): value is ClassMethodDecoratorContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'method' &&
    'name' in value
  );
}
