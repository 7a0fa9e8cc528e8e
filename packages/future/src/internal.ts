/**
 * @aio/future/internal: the hooks the layers above @aio/future build on — a task's wake-up
 * (`WAKE_UP`, `FutureWaiter`), callbacks a future may run at once (`inlineSafe`, `relay`), and
 * the handoff protocol that keeps a wake-up from being lost (`Handoff`, `TAKE`, `GIVE_BACK`).
 *
 * Not for application code: nothing here is needed to use futures, and it may change with the
 * layers that use it. Each is documented where it is defined.
 *
 * @module @aio/future/internal
 */
export { inlineSafe, relay, WAKE_UP, TAKE, GIVE_BACK, type FutureWaiter } from './future';
export { resolvedFuture, failedFuture, resolvedVoid } from './resolved';
export {
  Handoff,
  Holding,
  relayResult,
  takeAll,
  giveBackAll,
  isProvisional,
  type HandoffHooks,
} from './handoff';
