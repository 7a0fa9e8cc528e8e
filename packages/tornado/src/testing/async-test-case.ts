/**
 * tornado's `AsyncTestCase` and `gen_test`, for vitest (or any runner with `beforeEach` and
 * `afterEach`).
 *
 * A unittest `TestCase` is a class whose `setUp` and `tearDown` the runner calls around each
 * test method. vitest has no test classes; it has hooks. So a case here is an object made once
 * per `describe` (or file), whose `setUp()` and `tearDown()` the file hands to `beforeEach` and
 * `afterEach`, and whose `genTest(body)` makes a test function for `it`. This module never
 * imports vitest, which cannot be imported outside a vitest run: a case works with any runner
 * that awaits its hooks.
 *
 * The life of one test:
 *
 * 1. `setUp()` notes the open file descriptors, makes a fresh IOLoop on a fresh aio loop, and
 *    makes it the current one (tornado's `asyncio.set_event_loop`), so that what the test builds
 *    outside the loop (an `HTTPServer`, an `AsyncHTTPClient`) binds to it.
 * 2. The test runs its body on that loop with `genTest`, or drives it itself
 *    (`t.ioloop.runSync(…)`).
 * 3. `tearDown()` cancels the tasks still pending on the loop and lets them finish, closes the
 *    loop with `allFds` (tornado's `close(all_fds=True)`), and then looks again at the open file
 *    descriptors. Tasks left pending and descriptors left open fail the test with a
 *    `TestLeakError` naming each. tornado cancels leaked tasks quietly; `pendingTasks: 'cancel'`
 *    does that here.
 */
import { allTasks, type Task } from '@aio/coroutine';
import { Future, TimeoutError, isCancelledError } from '@aio/future';
import { setEventLoop, type LoopMode } from '@aio/loop';
import { IOLoop } from '../ioloop';
import { optionTypeError, optionValueError } from '../log/errors';
import { TestLeakError } from './errors';
import { closeOpenExpectLogs } from './expect-log';
import { leakedSince, openFds, type FdTable } from './open-fds';
import { runBody, type GenTestBody } from './run-body';
import { getAsyncTestTimeout } from './timeout';

/** `new AsyncTestCase(options)`. */
export interface AsyncTestCaseOptions {
  /**
   * Milliseconds a `genTest` body, a `fetch()` and the teardown's waits may take. Default:
   * `getAsyncTestTimeout()` when they start (5 000, or `ASYNC_TEST_TIMEOUT` seconds).
   */
  timeout?: number;
  /** The loop's mode: `'hosted'` (default) or `'blocking'` (see @aio/loop). */
  mode?: LoopMode;
  /**
   * Tasks still pending at the end of a test are cancelled, and then: `'fail'` (default) fails
   * the test naming them; `'cancel'` lets it pass, as tornado does.
   */
  pendingTasks?: 'fail' | 'cancel';
  /**
   * Fail a test that leaves a socket, pipe or other fd open. Default true; on Linux only (where
   * `/proc/self/fd` lists them), and not for tests run with `it.concurrent` (the fds are the
   * process's).
   */
  checkFds?: boolean;
}

/** Options of `genTest`. */
export interface GenTestOptions {
  /** Milliseconds the body may take; default the case's `timeout`. */
  timeout?: number;
}

/**
 * A fresh IOLoop for each test, torn down with a check for leaks: tornado's `AsyncTestCase`.
 * Subclasses may override `getNewIOLoop`, and `setUp`/`tearDown` (calling `super`'s).
 * @example
 * ```ts
 * import { afterEach, beforeEach, expect, it } from 'vitest';
 * import { gen } from '@aio/tornado';
 * import { AsyncTestCase } from '@aio/tornado/testing';
 *
 * const t = new AsyncTestCase();
 * beforeEach(() => t.setUp());
 * afterEach(() => t.tearDown());
 *
 * it('sleeps on the test loop', t.genTest(function* () {
 *   const start = t.ioloop.time();
 *   yield gen.sleep(10);
 *   expect(t.ioloop.time() - start).toBeGreaterThanOrEqual(10);
 * }));
 * ```
 */
export class AsyncTestCase {
  readonly #timeout: number | undefined;
  readonly #mode: LoopMode | undefined;
  readonly #pendingTasks: 'fail' | 'cancel';
  readonly #checkFds: boolean;
  #ioloop: IOLoop | null = null;
  #fdsBefore: FdTable | null = null;

  /** @throws TypeError or RangeError for an option of the wrong type or value */
  constructor(options: AsyncTestCaseOptions = {}) {
    const where = `new ${new.target.name}()`;
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError(where, 'options', 'an object', options);
    }
    this.#timeout =
      options.timeout === undefined ? undefined : checkTimeout(where, options.timeout);
    if (options.mode !== undefined && options.mode !== 'hosted' && options.mode !== 'blocking') {
      throw optionValueError(where, 'mode', "'hosted' or 'blocking'", options.mode);
    }
    this.#mode = options.mode;
    const pending = options.pendingTasks ?? 'fail';
    if (pending !== 'fail' && pending !== 'cancel') {
      throw optionValueError(where, 'pendingTasks', "'fail' or 'cancel'", pending);
    }
    this.#pendingTasks = pending;
    const checkFds = options.checkFds ?? true;
    if (typeof checkFds !== 'boolean')
      throw optionTypeError(where, 'checkFds', 'a boolean', checkFds);
    this.#checkFds = checkFds;
  }

  /**
   * This test's IOLoop (tornado's `io_loop`).
   * @throws Error outside a test (before `setUp()`, after `tearDown()`)
   */
  get ioloop(): IOLoop {
    if (this.#ioloop === null) {
      throw new Error(
        `${this.constructor.name}.ioloop: no test is set up (call setUp() in beforeEach and tearDown() in afterEach)`,
      );
    }
    return this.#ioloop;
  }

  /** Milliseconds a test body and each wait of the case may take. */
  get timeout(): number {
    return this.#timeout ?? getAsyncTestTimeout();
  }

  /** The IOLoop for a test: by default a new one (on a new aio loop in the case's `mode`). */
  getNewIOLoop(): IOLoop {
    return new IOLoop(this.#mode === undefined ? {} : { mode: this.#mode });
  }

  /**
   * Before each test: notes the open fds, makes the test's IOLoop and makes it current.
   * @throws Error if the last test was not torn down
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- a Promise all the same, as a subclass's (which may wait) and tearDown's, so a failure is a rejection either way
  async setUp(): Promise<void> {
    if (this.#ioloop !== null) {
      throw new Error(
        `${this.constructor.name}.setUp(): the last test was not torn down (call tearDown() in afterEach)`,
      );
    }
    this.#fdsBefore = this.#checkFds ? openFds() : null;
    const ioloop = this.getNewIOLoop();
    this.#ioloop = ioloop;
    setEventLoop(ioloop.asyncioLoop);
  }

  /**
   * After each test: cancels the tasks left pending and waits for them, closes the loop and the
   * fds of its handlers, and checks that no fd the test opened is still open.
   * @throws TestLeakError naming the tasks left pending (unless `pendingTasks: 'cancel'`) and
   *   the fds left open; or what a task failed with as it was cancelled, as tornado does
   */
  async tearDown(): Promise<void> {
    const ioloop = this.#ioloop;
    if (ioloop === null) return;
    let pending: string[] = [];
    let failures: unknown[] = [];
    try {
      [pending, failures] = await this.#cancelPendingTasks(ioloop);
    } finally {
      closeOpenExpectLogs();
      this.#ioloop = null;
      // The loop's own fds, and those of the handlers left on it (tornado's all_fds); the loop
      // stops being the current one as it closes.
      ioloop.close(true);
    }
    const before = this.#fdsBefore;
    this.#fdsBefore = null;
    const fds = before === null ? [] : await leakedSince(before);
    const tasks = this.#pendingTasks === 'fail' ? pending : [];
    if (tasks.length > 0 || fds.length > 0) {
      throw new TestLeakError(tasks, fds, failures.length > 0 ? { cause: failures[0] } : {});
    }
    if (failures.length > 0) throw failures[0];
  }

  /**
   * A test function for `it` that runs `body` on the test's IOLoop (tornado's `@gen_test`).
   * `body` is a generator function (yielding as a tornado coroutine does), an async function,
   * or a plain one; it gets the case and an AbortSignal that aborts at the timeout.
   * @throws TimeoutError (the test fails) after `timeout` ms; a generator gets it thrown in
   *   at the yield it waits on first, so its `finally` blocks run
   * @example
   * ```ts
   * it('fetches', t.genTest(function* (t) {
   *   const response = yield* t.httpClient.fetch(t.getUrl('/'));
   *   expect(response.code).toBe(200);
   * }, { timeout: 10_000 }));
   * ```
   */
  genTest(body: GenTestBody<this>, options: GenTestOptions = {}): () => Promise<void> {
    if (typeof body !== 'function') throw optionTypeError('genTest()', 'body', 'a function', body);
    const timeout =
      options.timeout === undefined ? undefined : checkTimeout('genTest()', options.timeout);
    return () => runBody(this.ioloop, body, this, timeout ?? this.timeout);
  }

  /** Cancels what is pending on the loop; returns how each printed, and what failed otherwise. */
  async #cancelPendingTasks(ioloop: IOLoop): Promise<[string[], unknown[]]> {
    const tasks = [...allTasks(ioloop.asyncioLoop)].filter((task) => !task.done());
    if (tasks.length === 0) return [[], []];
    const described = tasks.map(String);
    for (const task of tasks) task.cancel();
    // Each task's end, not gather's: a gather cancelled at the timeout would wait for its
    // children, and a task that ignores its cancellation never ends.
    const ended = new Future<void>(ioloop.asyncioLoop);
    let left = tasks.length;
    for (const task of tasks) {
      task.addDoneCallback(() => {
        if (--left === 0 && !ended.done()) ended.setResult();
      });
    }
    try {
      await ioloop.runSync(() => ended, { timeout: this.timeout });
    } catch (error) {
      // A task that will not end: it is named all the same, and the loop is closed under it.
      if (!(error instanceof TimeoutError)) throw error;
    }
    return [described, tasks.filter(failedOtherwise).map((task) => task.exception())];
  }

  toString(): string {
    return `<${this.constructor.name} ${this.#ioloop === null ? 'idle' : String(this.#ioloop)}>`;
  }
}

/**
 * A test function that runs `body` on a fresh IOLoop, set up and torn down around it: an
 * `AsyncTestCase` for one test, with no hooks to write.
 * @example
 * ```ts
 * it('sleeps', genTest(function* (t) {
 *   yield gen.sleep(10);
 * }, { timeout: 1_000 }));
 * ```
 */
export function genTest(
  body: GenTestBody<AsyncTestCase>,
  options: AsyncTestCaseOptions = {},
): () => Promise<void> {
  const t = new AsyncTestCase(options);
  const test = t.genTest(body);
  return async () => {
    await t.setUp();
    let failure: { error: unknown } | null = null;
    try {
      await test();
    } catch (error) {
      failure = { error };
    }
    try {
      await t.tearDown();
    } catch (error) {
      if (failure === null) throw error;
      // Both, so that neither hides the other: a timeout usually leaves tasks behind.
      throw new AggregateError(
        [failure.error, error],
        `${describe(failure.error)}\n…and then the teardown failed: ${describe(error)}`,
      );
    }
    if (failure !== null) throw failure.error;
  };
}

function failedOtherwise(task: Task): boolean {
  if (!task.done() || task.cancelled()) return false;
  const error = task.exception();
  return error !== undefined && !isCancelledError(error);
}

/** Milliseconds, fractions allowed (tornado's timeouts are float seconds); Infinity for none. */
function checkTimeout(where: string, timeout: unknown): number {
  if (typeof timeout !== 'number')
    throw optionTypeError(where, 'timeout', 'a number of ms', timeout);
  if (!(timeout >= 0)) throw optionValueError(where, 'timeout', 'a number of ms >= 0', timeout);
  return timeout;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
