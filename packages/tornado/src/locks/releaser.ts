/**
 * `Releaser`: what `acquire()` of a tornado Lock or Semaphore resolves to — tornado's
 * `_ReleasingContextManager`, which makes `with (yield lock.acquire()):` release at the end of the
 * block. Here the block is a `using` declaration (TypeScript 5.2, Node 20's `Symbol.dispose`):
 *
 * ```ts
 * {
 *   using _held = yield* lock.acquire(timedelta({ seconds: 1 }));
 *   // … holding the lock
 * } // released here, however the block ends
 * ```
 */
import { inspect } from 'node:util';

/** Anything `Releaser` can release: a Lock, Semaphore or BoundedSemaphore. */
export interface Releasable {
  release(): void;
}

export class Releaser implements Disposable {
  #released = false;

  constructor(private readonly primitive: Releasable) {}

  /**
   * Releases the primitive, the first time only: a `using` block that ends after an explicit
   * `release()` does not release a second time (which could free someone else's hold).
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.primitive.release();
  }

  /** The end of a `using` block: `release()`. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** True once `release()` (or the end of its `using` block) released it. */
  get released(): boolean {
    return this.#released;
  }

  /** `<Releaser holding <Lock locked>>`, `<Releaser released …>` */
  toString(): string {
    return `<Releaser ${this.#released ? 'released' : 'holding'} ${inspect(this.primitive)}>`;
  }
}
