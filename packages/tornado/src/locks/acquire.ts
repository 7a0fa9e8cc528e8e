/** The `acquire(timeout)` that tornado's Lock, Semaphore and BoundedSemaphore share. */
import type { Future } from '@aio/future';
import { resolvedFuture } from '@aio/future/internal';
import type { Timeout } from '../internal/timeout';
import { deadlineOrNull } from './deadline';
import { Releaser, type Releasable } from './releaser';
import { TimedWait } from './timed-wait';

/**
 * Takes `inner` (the coroutine layer's primitive under `holder`) within `timeout`: a Future of a
 * Releaser for `holder`, done at once if `inner` is free; see TimedWait for the waiting.
 */
export function acquireWithin(
  inner: { acquire(): Future<true> },
  holder: Releasable,
  timeout: Timeout | null | undefined,
  what: string,
): Future<Releaser> {
  const deadline = deadlineOrNull(timeout, what); // checked before anything is queued
  const waiter = inner.acquire();
  const releaser = new Releaser(holder);
  if (waiter.done()) {
    // Free: taken at once, whatever the deadline (as tornado).
    return resolvedFuture(waiter.getLoop(), releaser);
  }
  return new TimedWait<true, Releaser>({
    inner: waiter,
    deadline,
    map: () => releaser,
    what: `${what}()`,
  });
}
