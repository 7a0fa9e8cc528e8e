/**
 * Futures that are done when they are made: the fast path of an operation that did not have to
 * wait (a send that went out at once, a free lock, a queue with an item), for every layer.
 */
import type { EventLoop } from '@aio/loop';
import { Future } from './future';

/** A future done with `value`. */
export function resolvedFuture<T>(loop: EventLoop, value: T): Future<T> {
  const future = new Future<T>(loop);
  future.setResult(value);
  return future;
}

/** A future failed with `error`. */
export function failedFuture<T>(loop: EventLoop, error: unknown): Future<T> {
  const future = new Future<T>(loop);
  future.setException(error);
  return future;
}

/**
 * Per loop, one future already done with nothing, handed out again and again: a done future
 * keeps no callbacks and nothing can change it, so a send that did not wait, or a drain with
 * nothing to drain, need not make a new one.
 */
const doneVoid = new WeakMap<EventLoop, Future<void>>();
/** The last one handed out: a server has one loop, so this skips the WeakMap nearly always. */
let lastDoneVoid: Future<void> | null = null;

/** `loop`'s one future done with nothing (see above). */
export function resolvedVoid(loop: EventLoop): Future<void> {
  if (lastDoneVoid !== null && lastDoneVoid.getLoop() === loop) return lastDoneVoid;
  let future = doneVoid.get(loop);
  if (future === undefined) {
    future = resolvedFuture<void>(loop, undefined);
    doneVoid.set(loop, future);
  }
  lastDoneVoid = future;
  return future;
}
