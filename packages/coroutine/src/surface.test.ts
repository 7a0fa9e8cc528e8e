/** Pins the public surface: a change to the list of exported names must be deliberate. */
import { expect, it } from 'vitest';
import * as api from './index';

it('exports exactly these names', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "ALL_COMPLETED",
      "AsCompleted",
      "CancelledError",
      "FIRST_COMPLETED",
      "FIRST_EXCEPTION",
      "Future",
      "GatheringFuture",
      "InvalidStateError",
      "Relinquish",
      "Scoped",
      "Task",
      "TaskGroup",
      "TaskGroupError",
      "Timeout",
      "TimeoutError",
      "allTasks",
      "asCompleted",
      "createTask",
      "currentTask",
      "ensureFuture",
      "gather",
      "isCancelledError",
      "isCoroutine",
      "run",
      "shield",
      "sleep",
      "taskGroup",
      "timeout",
      "timeoutAt",
      "wait",
      "waitFor",
      "wrapPromise",
    ]
  `);
});
