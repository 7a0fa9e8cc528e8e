/** Pins the public surface: a change to the list of exported names must be deliberate. */
import { expect, it } from 'vitest';
import * as api from './index';

it('exports exactly these names', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "EventLoop",
      "FD_AUDIT_BATCH",
      "FD_AUDIT_INTERVAL_MS",
      "FOREIGN_SLICE_MS",
      "HOST_SLICE_MS",
      "Handle",
      "InvalidArgumentError",
      "LoopClosedError",
      "LoopError",
      "LoopRunningError",
      "LoopStoppedError",
      "NoRunningLoopError",
      "POLL_INTERVAL_MS",
      "SPIN_MS",
      "SPIN_WINDOW_MS",
      "TimerHandle",
      "formatExceptionContext",
      "getEventLoop",
      "getRunningLoop",
      "getRunningLoopOrNull",
      "newEventLoop",
      "setEventLoop",
    ]
  `);
});

it('keeps the hooks for the layers above on @aio/loop/internal, keyed by shared symbols', async () => {
  const internal = await import('./internal');
  expect(Object.keys(internal).sort()).toEqual(['KEEP_AWAKE_UNTIL', 'RUN', 'SCHEDULE']);
  // Symbol.for: every copy of the package (its ESM and CommonJS builds) has the same keys.
  expect(internal.RUN).toBe(Symbol.for('@aio/loop.run'));
  expect(internal.SCHEDULE).toBe(Symbol.for('@aio/loop.schedule'));
  expect(internal.KEEP_AWAKE_UNTIL).toBe(Symbol.for('@aio/loop.keepAwakeUntil'));
  const loop = new api.EventLoop();
  try {
    expect('schedule' in loop).toBe(false);
    expect('keepAwakeUntil' in loop).toBe(false);
    expect('run' in loop.callSoon(() => {})).toBe(false);
  } finally {
    loop.close();
  }
});
