/**
 * asyncio's exceptions for futures, as named classes with stable codes.
 *
 * `CancelledError` is its own class (not an `OSError`, not a `TimeoutError`) so that a generic
 * `catch` in user code can tell cancellation apart and let it through, as asyncio's
 * `CancelledError(BaseException)` is meant to be.
 */
export class CancelledError extends Error {
  override name = 'CancelledError';
  readonly code = 'ERR_AIO_CANCELLED';
  constructor(message = '') {
    super(message);
  }
}

/** An operation not allowed in the future's state: a result before it is done, a second result. */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
  readonly code = 'ERR_AIO_INVALID_STATE';
}

/**
 * An operation did not finish in time (`waitFor`, `timeout`): @aio/selector's `TimeoutError`,
 * the one class for every timeout in aio (a socket's too), as Python 3.11 has one.
 */
export { TimeoutError } from '@aio/selector';

/** True for a `CancelledError`, including one from another copy of this package. */
export function isCancelledError(error: unknown): error is CancelledError {
  return (
    error instanceof CancelledError ||
    (error as { code?: unknown } | null)?.code === 'ERR_AIO_CANCELLED'
  );
}
