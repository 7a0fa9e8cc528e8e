/**
 * Running a test body on an IOLoop against a deadline: the heart of tornado's `gen_test`.
 *
 * A generator function runs as a `gen.coroutine` does, under gen's own `Runner`, so it may yield
 * what tornado coroutines yield (Futures, promises, arrays and objects of them, `gen.moment`,
 * `null`); an async function runs as a promise; a plain function's return ends it at once.
 *
 * At the deadline the test fails with a `TimeoutError`, whatever the body does next. Before
 * that, the body is told, as tornado tells it: a generator gets the TimeoutError thrown in at the
 * `yield` it waits on (so its `finally` blocks run, on the loop, and can still clean up), and
 * every body's `signal` is aborted. The body then has GRACE_MS (or its timeout, if shorter) to finish before the loop stops
 * under it. (tornado throws in after `run_sync` has stopped the loop; here the loop still runs,
 * so a `finally { yield server.drain() }` completes.)
 */
import type { TimerHandle } from '@aio/loop';
import { Future, TimeoutError, wrapPromise } from '@aio/future';
import { isCoroutine } from '@aio/coroutine';
import { isThenable } from '@aio/selector/internal';
import { Runner } from '../gen';
import type { IOLoop } from '../ioloop';

/** `<Future pending …>`, `<Task pending name=… coro=…>`, or `gen.moment`. */
function describeWaiting(waiting: object): string {
  return (waiting as { toString(): string }).toString();
}

/** How long a timed-out body has to finish after it was told (ms), at most: no longer than its timeout. */
const GRACE_MS = 1_000;

/**
 * A test body: a generator function (yields as a tornado coroutine does), an async function or
 * a plain one. It gets the test case, and a signal that aborts at the test's timeout.
 */
export type GenTestBody<C> = (
  this: C,
  t: C,
  signal: AbortSignal,
) => Generator<unknown, unknown, unknown> | PromiseLike<unknown> | void;

/**
 * Runs `body(self, signal)` on `ioloop` (which must not be running) until it is done, or until
 * `timeout` ms have passed: then fails with a TimeoutError saying what the body waited on.
 */
export async function runBody<C>(
  ioloop: IOLoop,
  body: GenTestBody<C>,
  self: C,
  timeout: number,
): Promise<void> {
  await ioloop.runSync(() => startBody(ioloop, body, self, timeout));
}

function startBody<C>(ioloop: IOLoop, body: GenTestBody<C>, self: C, timeout: number): Future {
  const loop = ioloop.asyncioLoop;
  const name = body.name === '' ? 'the test' : body.name;
  const outcome = new Future<void>(loop);
  const test = new Future<unknown>(loop);
  const controller = new AbortController();
  let runner: Runner | null = null;
  try {
    const produced = body.call(self, self, controller.signal);
    if (isCoroutine(produced)) {
      // What gen.coroutine's wrapper does, keeping the Runner to throw the timeout into.
      const first = produced.next();
      if (first.done === true) test.setResult(first.value);
      else runner = new Runner(produced, test, first.value, name);
    } else if (isThenable(produced)) {
      wrapPromise(produced, loop).addDoneCallback((done) => {
        const error = done.exception();
        if (error !== undefined) test.setException(error);
        else test.setResult(done.result());
      });
    } else {
      test.setResult(produced);
    }
  } catch (error) {
    test.setException(error);
  }

  let timedOut: TimeoutError | null = null;
  let grace: TimerHandle | null = null;
  const timer = Number.isFinite(timeout)
    ? ioloop.callLater(timeout, () => {
        const waiting = runner !== null && !runner.finished ? runner.future : null;
        timedOut = new TimeoutError(
          `genTest(): ${name} timed out after ${String(timeout)} ms` +
            (waiting === null ? '' : `, waiting on ${describeWaiting(waiting)}`),
        );
        controller.abort(timedOut);
        if (runner !== null && !runner.finished) runner.handleException(timedOut);
        if (!test.done()) grace = ioloop.callLater(Math.min(GRACE_MS, timeout), settle);
      })
    : null;

  /** The test is done (or its grace ran out): the outcome is its own, or the timeout. */
  function settle(): void {
    if (outcome.done()) return;
    timer?.cancel();
    grace?.cancel();
    // Taken even after a timeout, so that it is not reported as never retrieved.
    const error = test.done() ? test.exception() : undefined;
    if (timedOut !== null) outcome.setException(timedOut);
    else if (error !== undefined) outcome.setException(error);
    else outcome.setResult();
  }
  test.addDoneCallback(settle);
  return outcome;
}
