/** The coroutine layer's errors; the future layer's are re-exported so one import has them all. */
export { CancelledError, InvalidStateError, TimeoutError, isCancelledError } from '@aio/future';

/**
 * What a task group raises when children (or its body) failed: every error, together, as
 * asyncio's `ExceptionGroup` does. `errors` holds them in the order they happened.
 */
export class TaskGroupError extends AggregateError {
  override name = 'TaskGroupError';
  readonly code = 'ERR_AIO_TASK_GROUP';
  constructor(errors: unknown[]) {
    super(
      errors,
      `unhandled errors in a TaskGroup (${errors.length} sub-exception${errors.length === 1 ? '' : 's'})`,
    );
  }
}
