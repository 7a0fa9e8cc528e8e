/**
 * `Handoff`: the future a primitive hands something to — a lock, a permit, a queue's item or its
 * room, a stream's bytes — and the one mechanism that keeps such a wake-up from being lost.
 *
 * ## The lost wake-up
 *
 * A primitive serves a waiter by completing its future: `queue.putNowait(x)` gives `x` to the
 * first waiting `get()`. But the task that waits resumes only on a later step, and if the task is
 * cancelled in between, its coroutine gets CancelledError instead of `x`: the item is neither
 * delivered nor in the queue any more. asyncio closes the gap inside its primitives' coroutines
 * (`Queue.get` takes the item only when it resumes, and wakes the next getter if it was
 * cancelled); here a primitive returns a plain future, waited on in any style (`yield`, `yield*`,
 * `await`, through `waitFor`, `gather`, `shield`, a `timeout` or a task group), so the gap is
 * closed where the result is delivered, by whoever consumes it:
 *
 * - the primitive **hands the value over** (`handOver(value, { taken, givenBack })`): the future
 *   is done, but the handover is provisional;
 * - the consumer that delivers the value to the code that waited **takes** it (`future[TAKE]()`):
 *   a task as it sends the value into its coroutine, a promise as it resolves with it. The
 *   primitive's `taken()` runs: a queue's put goes in now, say;
 * - a consumer that cannot deliver it **gives it back** (`future[GIVE_BACK]()`): a task cancelled
 *   at the moment it was woken throws CancelledError into its coroutine instead, and the
 *   primitive's `givenBack(value)` runs: the item goes back to the front of the queue and the next
 *   getter is served, the lock passes to the next waiter. The future then reads as cancelled.
 *
 * A relay — a future that passes other futures' results on (gather, waitFor, shield) — hands its
 * own result over the same way: when its consumer takes or gives back, it takes or gives back
 * what it relayed; and when it ends without passing a handed-over result on (it was cancelled,
 * or failed for another reason), it gives that result back itself. A relay that must wait for
 * more sources (a gather of several) holds what it was handed for one loop iteration only, as
 * asyncio's child task would before it resumed and took it (`Holding`): then it takes it, so
 * a put's item goes in and a get's room is freed while the others are still awaited.
 *
 * Only consumers that can give a result back keep a handover provisional: a task and a relay
 * (see `Future.consumersCanGiveBack`). If the future has no consumer yet, or one that cannot give
 * back (a done-callback: it just reads the result), the handover is taken at once. A future that
 * is done when it is waited on holds nothing provisional, and nothing waits on it: a task resumes
 * at once from a done future (as asyncio's `await` and tornado's Runner do), a relay settles at
 * once from done sources.
 *
 * ```
 *   pending ──handOver──▶ handed over ──TAKE──────▶ taken        (taken() ran)
 *                              │
 *                              └───────GIVE_BACK──▶ given back   (givenBack(value) ran; reads as cancelled)
 * ```
 */
import type { EventLoop, Handle } from '@aio/loop';
import { Future, FutureIterator, GIVE_BACK, TAKE } from './future';

/**
 * What a primitive does when its handover is taken or given back. Each hook gets the value and
 * the handoff (`H`: a subclass of the primitive's own), so one hooks object can serve every
 * waiter of a primitive.
 */
export interface HandoffHooks<T, H extends Handoff<T> = Handoff<T>> {
  /** The value reached its consumer (a put's item goes in now, say). */
  taken?(value: T, handoff: H): void;
  /** The consumer could not take it: undo the handover (the item back to the front, the lock on). */
  givenBack?(value: T, handoff: H): void;
}

export class Handoff<T> extends Future<T> {
  /** The handover's hooks while it is provisional; null before it and once taken or given back. */
  #hooks: HandoffHooks<T> | null = null;

  // #region handOver
  /**
   * Completes the future with `value`, provisionally: `hooks.taken` runs once its consumer takes
   * it, `hooks.givenBack` if the consumer gives it back. With no consumer able to give it back
   * (see the module comment), it is taken at once.
   */
  handOver<H extends Handoff<T>>(this: H, value: T, hooks: HandoffHooks<T, H>): void {
    const provisional = this.consumersCanGiveBack();
    this.#hooks = hooks;
    // Future's own setResult: a subclass may refuse setResult() from outside.
    super.setResult(value);
    if (!provisional) this[TAKE]();
  }

  /** True while a handover waits for its consumer to take it or give it back. */
  get provisional(): boolean {
    return this.#hooks !== null;
  }

  override [TAKE](): void {
    const hooks = this.#hooks;
    if (hooks === null) return;
    this.#hooks = null;
    hooks.taken?.(this.result(), this);
  }

  override [GIVE_BACK](): void {
    const hooks = this.#hooks;
    if (hooks === null) return;
    this.#hooks = null;
    const value = this.result();
    this.revokeResult();
    hooks.givenBack?.(value, this);
  }
  // #endregion handOver

  /** `yield*` walks a HandoffIterator: see there. */
  override [Symbol.iterator](): Iterator<Future<T>, T, unknown> {
    return new HandoffIterator(this);
  }

  protected override describe(): string[] {
    const parts = super.describe();
    if (this.#hooks !== null) parts.push('handed-over');
    return parts;
  }
}

/**
 * A Future's iterator, and one thing more: a coroutine closed (`return()`) while it waits on a
 * handoff wants it no more, so the wait leaves its line, or what it was handed goes back.
 */
class HandoffIterator<T> extends FutureIterator<T> {
  return(value?: T): IteratorResult<Future<T>, T> {
    const handoff = this.future;
    if (!handoff.cancel()) handoff[GIVE_BACK]();
    return { done: true, value: value as T };
  }
}

/** Takes every result `sources` handed over (a relay's consumer took the relay's result). */
export function takeAll(sources: readonly Future[]): void {
  for (const source of sources) source[TAKE]();
}

/** Gives back every result `sources` handed over (see the module comment). */
export function giveBackAll(sources: readonly Future[]): void {
  for (const source of sources) source[GIVE_BACK]();
}

/**
 * Completes the relay `outer` with `value`, made of what `sources` handed over: its consumer's
 * TAKE or GIVE_BACK goes on to them.
 */
export function relayResult<T>(outer: Handoff<T>, value: T, sources: readonly Future[]): void {
  outer.handOver(value, {
    taken: () => takeAll(sources),
    givenBack: () => giveBackAll(sources),
  });
}

/** True for a future whose handover waits to be taken or given back. */
export function isProvisional(future: Future): boolean {
  return (future as Partial<Handoff<unknown>>).provisional === true;
}

/**
 * What a relay that waits for more sources holds of those that were handed something (see the
 * module comment): for one loop iteration, or until the relay passes them on or gives them back.
 */
export class Holding {
  #held: Future[] = [];
  #deadline: Handle | null = null;

  /** Holds `source` if it waits to be taken; takes it on the loop's next iteration. */
  hold(source: Future, loop: EventLoop): void {
    if (!isProvisional(source)) return;
    this.#held.push(source);
    this.#deadline ??= loop.callSoon(() => this.#takeHeld());
  }

  /** The sources still held, now the relay's to pass on (they are no longer taken by time). */
  release(): Future[] {
    this.#deadline?.cancel();
    this.#deadline = null;
    return this.#held.splice(0);
  }

  /** Gives back every source still held: the relay ended without passing them on. */
  giveBack(): void {
    giveBackAll(this.release());
  }

  #takeHeld(): void {
    this.#deadline = null;
    takeAll(this.#held.splice(0));
  }
}
