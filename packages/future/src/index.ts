/**
 * @aio/future: asyncio's Future for Node.js — awaitable, iterable, cancellable — with promise
 * bridges and socket operations as futures.
 *
 * @module @aio/future
 */
export { Future, isFuture, type DoneCallback, type FutureState } from './future';
export { CancelledError, InvalidStateError, TimeoutError, isCancelledError } from './errors';
export { wrapPromise, toPromise, chainFuture } from './bridge';
export {
  readable,
  writable,
  sockConnect,
  sslDoHandshake,
  sockAccept,
  sockRecv,
  sockRecvInto,
  sockSendall,
  getaddrinfo,
} from './io';
