/**
 * A connection's one timeout, moved cheaply: `set` only writes a number. The loop's timer is
 * armed once and, when it fires before the current deadline (which moved since), re-armed for
 * the rest — so a keep-alive connection serving thousands of requests arms a timer once per
 * timeout period, not twice per request.
 */
import type { EventLoop, TimerHandle } from '@aio/loop';

export class Deadline {
  readonly #loop: EventLoop;
  readonly #onExpire: () => void;
  /** When it expires (a `loop.time()` ms number), or null when disarmed. */
  #at: number | null = null;
  #timer: TimerHandle | null = null;
  #timerAt = 0;

  constructor(loop: EventLoop, onExpire: () => void) {
    this.#loop = loop;
    this.#onExpire = onExpire;
  }

  /** Expires `ms` milliseconds from now; null disarms it. */
  set(ms: number | null): void {
    if (ms === null) {
      this.#at = null;
      return;
    }
    const at = this.#loop.time() + ms;
    this.#at = at;
    // A timer armed for later than the new deadline would fire too late: re-arm it.
    if (this.#timer === null || this.#timerAt > at) this.#arm(at);
  }

  /** Disarms it and lets go of the loop's timer. */
  cancel(): void {
    this.#at = null;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #arm(at: number): void {
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = this.#loop.callAt(at, this.#fire);
  }

  readonly #fire = (): void => {
    this.#timer = null;
    const at = this.#at;
    if (at === null) return;
    if (this.#loop.time() >= at) {
      this.#at = null;
      this.#onExpire();
    } else {
      this.#arm(at);
    }
  };
}
