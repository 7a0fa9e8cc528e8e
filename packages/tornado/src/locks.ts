/**
 * `@aio/tornado/locks`: tornado's `tornado.locks` — `Condition`, `Event`, `Semaphore`,
 * `BoundedSemaphore` and `Lock` for coroutines on one loop, with tornado's `timeout` arguments.
 *
 * Each is built on the coroutine layer's primitive of the same name (a Condition on a
 * `Semaphore(0)`, since tornado's has no lock): its first-come-first-served queue of waiters, its
 * hand-over at wake-up and its lost-wake-up rule. This module adds the timeouts — a deadline in
 * `loop.time()` milliseconds, or a `Timedelta` from now — and tornado's results: `acquire()`
 * resolves to a `Releaser` (tornado's `with (yield lock.acquire()):` is a `using` block) and a
 * Condition's `wait()` to false when it times out.
 *
 * Every waiting call returns a Future: `yield*` it in a generator task, or `await` it. A waiter
 * that times out has left its queue: it never gets the lock, permit or notification later. A
 * task cancelled as it is woken, inside a `yield*`, passes what it was woken with to the next
 * waiter; an awaited one always gets it (cancelling an async task only aborts its signal). A bare
 * `yield lock.acquire()` cannot pass it on: see README-locks.md.
 *
 * @module @aio/tornado/locks
 */
export { Condition } from './locks/condition';
export { Event } from './locks/event';
export { Semaphore, BoundedSemaphore } from './locks/semaphore';
export { Lock } from './locks/lock';
export { Releaser, type Releasable } from './locks/releaser';
export { withLock, type TimedAcquirable } from './locks/with-lock';
export { LockNotHeldError, SemaphoreOverReleasedError } from '@aio/coroutine';
export { TimeoutError } from '@aio/future';
export { Timedelta, timedelta, type Timeout, type TimedeltaParts } from './internal/timeout';
