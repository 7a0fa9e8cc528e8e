/**
 * The optional `timeout` argument of the waiting calls, read once when the call is made: none
 * (undefined or null), a deadline in `loop.time()` milliseconds, or a Timedelta from now.
 *
 * Unlike tornado, whose `if timeout:` reads a deadline of 0 (and a zero timedelta) as "no
 * timeout", every number and every Timedelta here is a deadline: one already past times out on
 * the loop's next iteration, unless the call can be served at once.
 */
import { getEventLoop } from '@aio/loop';
import { deadlineOf, type Timeout } from '../internal/timeout';

/**
 * The deadline `timeout` means now, on the current loop, or null for none.
 * @throws TypeError unless `timeout` is undefined, null, a number (not NaN) or a Timedelta
 */
export function deadlineOrNull(timeout: Timeout | null | undefined, method: string): number | null {
  if (timeout === undefined || timeout === null) return null;
  return deadlineOf(getEventLoop(), timeout, method);
}
