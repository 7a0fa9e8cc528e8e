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
