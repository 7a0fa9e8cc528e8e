/**
 * Helpers for this package's tests (not part of the package: excluded from `files`).
 *
 * `virtualTime()`: a loop clock that moves only when the loop waits or a test says so, for tests
 * about the order of things rather than about speed (asyncio's `test_utils.TestLoop` works the
 * same way). The selector is real — real fds, real readiness — but a wait that finds nothing
 * ready returns at once and moves the clock as far as the kernel would have waited: the timeout,
 * rounded up to a whole millisecond as `epoll_wait` rounds it. Every selector call costs
 * POLL_COST_MS of loop time too, as a syscall costs real time, so a loop polling in a busy
 * stretch (a hosted loop's spin, a kept registration's grace period) still sees time pass. Such
 * tests cannot flake on a loaded machine: nothing in them depends on how fast it runs.
 */
import { DefaultSelector, type Ready } from '@aio/selector';

/** What one selector call costs in loop time (ms): 1 µs, about an `epoll_wait(0)` here. */
export const POLL_COST_MS = 0.001;

export interface VirtualTime {
  /** The loop time now (ms). Starts at 1000. */
  now: number;
  /** Pass as `new EventLoop({ clock })`. */
  readonly clock: () => number;
  /** Pass as `new EventLoop({ selector })`: real readiness, virtual waiting. */
  readonly selector: InstanceType<typeof DefaultSelector>;
  /** How many times the loop asked the selector (polls and waits). */
  selects: number;
  /** Every fd event the selector reported: `[fd, events, loop time]`. */
  readonly reports: [fd: number, events: number, at: number][];
  /** Moves the clock: a callback that "takes" `ms`. */
  advance(ms: number): void;
}

export function virtualTime(): VirtualTime {
  const selector = new DefaultSelector();
  const poll = selector.select.bind(selector);
  const waitAsync = selector.selectAsync.bind(selector);
  const time: VirtualTime = {
    now: 1000,
    clock: () => time.now,
    selector,
    selects: 0,
    reports: [],
    advance(ms) {
      time.now += ms;
    },
  };
  const record = (ready: Ready[]): Ready[] => {
    for (const [key, events] of ready) time.reports.push([key.fd, events, time.now]);
    return ready;
  };
  const select = (timeoutMs?: number | null): Ready[] => {
    time.selects++;
    time.now += POLL_COST_MS;
    const ready = record(poll(0));
    if (ready.length > 0 || (typeof timeoutMs === 'number' && timeoutMs <= 0)) return ready;
    if (timeoutMs === null || timeoutMs === undefined || timeoutMs === Infinity) {
      // On this thread, nothing could end that wait: fail the test instead of hanging it.
      throw new Error('virtual time: the loop would wait forever (no timer, and nothing ready)');
    }
    time.now += Math.ceil(timeoutMs);
    return ready;
  };
  selector.select = select;
  selector.selectAsync = async (timeoutMs?: number | null): Promise<Ready[]> => {
    // Node runs meanwhile, as it does while a real wait is parked; what it does (a callSoon, a
    // stop()) writes the waker, which the poll below then finds.
    await new Promise((resolve) => setImmediate(resolve));
    if (timeoutMs === null || timeoutMs === undefined || timeoutMs === Infinity) {
      // No timer to move the clock to: wait for real, until an fd or the waker is ready.
      time.selects++;
      return record(await waitAsync(null));
    }
    return select(timeoutMs);
  };
  return time;
}
