/**
 * `Handle` and `TimerHandle`: a callback and its arguments, scheduled on a loop, cancellable.
 *
 * A handle never runs its callback outside `[RUN]()`, and `[RUN]()` never lets an exception escape:
 * it goes to the loop's exception handler and the loop carries on with the next callback, as in
 * asyncio's `Handle._run`.
 */
import { creationSite, formatCallback } from './format';
import type { ExceptionContext } from './exceptions';
import { RUN } from './hooks';

/** What a handle needs from its loop (the loop implements it; no import cycle). */
export interface HandleOwner {
  callExceptionHandler(context: ExceptionContext): void;
  getDebug(): boolean;
  /** Tells the loop a scheduled timer was cancelled, for lazy removal from its heap. */
  timerHandleCancelled(handle: TimerHandle): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Callback<A extends unknown[] = any[]> = (...args: A) => unknown;

/** Shared by every handle without arguments, so the rest-parameter array is not kept alive. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

export class Handle {
  protected readonly callback: Callback;
  /**
   * The arguments, or null when there is exactly one, kept in `#arg`: the most common handle,
   * a reader given its transport, then keeps no array alive (a C10k server holds ten thousand).
   */
  readonly #args: readonly unknown[] | null;
  readonly #arg: unknown;
  protected readonly owner: HandleOwner;
  #cancelled = false;
  /** Where the handle was created (`file.ts:12`), recorded in debug mode only. */
  readonly createdAt: string | undefined;

  constructor(callback: Callback, args: readonly unknown[], owner: HandleOwner) {
    this.callback = callback;
    this.#args = args.length === 0 ? NO_ARGS : args.length === 1 ? null : args;
    this.#arg = args.length === 1 ? args[0] : undefined;
    this.owner = owner;
    this.createdAt = owner.getDebug() ? creationSite(new Error().stack) : undefined;
  }

  /** The arguments the callback is called with. */
  protected get args(): readonly unknown[] {
    return this.#args ?? [this.#arg];
  }

  /** Stops the callback from running. Harmless if it ran already or was cancelled before. */
  cancel(): void {
    this.#cancelled = true;
  }

  cancelled(): boolean {
    return this.#cancelled;
  }

  /** The loop runs the callback; an exception goes to the loop's exception handler. */
  [RUN](): void {
    try {
      // Most callbacks take one argument (a reader given its transport) or none: skip the
      // spread for them (a hot path in busy loops).
      const args = this.#args;
      if (args === null) this.callback(this.#arg);
      else if (args.length === 0) this.callback();
      else this.callback(...args);
    } catch (exception) {
      this.owner.callExceptionHandler({
        message: `Exception in callback ${formatCallback(this.callback, this.args)}`,
        exception,
        handle: this,
      });
    }
  }

  protected describe(): string[] {
    const parts = [`cb=${formatCallback(this.callback, this.args)}`];
    if (this.createdAt) parts.push(`created at ${this.createdAt}`);
    if (this.#cancelled) parts.push('cancelled');
    return parts;
  }

  /** `<Handle cb=tick(1) created at app.ts:12 cancelled>` */
  toString(): string {
    return `<${this.constructor.name} ${this.describe().join(' ')}>`;
  }
}

// #region TimerHandle
let nextSequence = 0;

/** A handle that runs at a loop time: `when`, in milliseconds of `loop.time()`. */
export class TimerHandle extends Handle {
  /** Tie-breaker: timers due at the same `when` run in the order they were scheduled. */
  readonly sequence = nextSequence++;
  /** True while the timer sits in its loop's heap (cleared when it is popped or dropped). */
  scheduled = true;

  constructor(
    readonly when: number,
    callback: Callback,
    args: readonly unknown[],
    owner: HandleOwner,
  ) {
    super(callback, args, owner);
  }

  override cancel(): void {
    if (this.cancelled()) return;
    super.cancel();
    if (this.scheduled) this.owner.timerHandleCancelled(this);
  }

  protected override describe(): string[] {
    return [`when=${this.when.toFixed(1)}`, ...super.describe()];
  }
}
// #endregion TimerHandle
