/**
 * @aio/loop/internal: the hooks the layers above @aio/loop build on — a ready-queue entry that
 * is not a Handle (`SCHEDULE`, `RUN`, `Runnable`: a Task stepping itself) and a foreign promise
 * the loop must stay awake for (`KEEP_AWAKE_UNTIL`: `wrapPromise`).
 *
 * Not for application code: nothing here is needed to use the loop, and it may change with the
 * layers that use it. Each is documented where it is defined (`hooks.ts`).
 *
 * @module @aio/loop/internal
 */
export { RUN, SCHEDULE, KEEP_AWAKE_UNTIL, type Runnable } from './hooks';
