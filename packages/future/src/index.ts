/**
 * @aio/future: asyncio's Future for Node.js — awaitable, iterable, cancellable — with promise
 * bridges and socket operations as futures.
 *
 * @module @aio/future
 */
export {
  Future,
  isFuture,
  inlineSafe,
  WAKE_UP,
  type DoneCallback,
  type FutureState,
  type FutureWaiter,
} from './future';
export { CancelledError, InvalidStateError, TimeoutError, isCancelledError } from './errors';
export { wrapPromise, toPromise, chainFuture } from './bridge';
export {
  readable,
  writable,
  sockConnect,
  sockAccept,
  sockRecv,
  sockRecvInto,
  sockSendall,
  getaddrinfo,
} from './io';
