/** Pins the public surface of @aio/tornado/concurrent: a change to it must be deliberate. */
import * as aioFuture from '@aio/future';
import { expect, it } from 'vitest';
import * as concurrent from './concurrent';

it('exports exactly these names', () => {
  expect(Object.keys(concurrent).sort()).toMatchInlineSnapshot(`
    [
      "DummyExecutor",
      "ExecutorError",
      "ExecutorShutdownError",
      "Future",
      "InvalidWorkerFunctionError",
      "ProcessPoolExecutor",
      "ThreadPoolExecutor",
      "WorkerCrashedError",
      "chainFuture",
      "dummyExecutor",
      "futureAddDoneCallback",
      "futureSetExceptionUnlessCancelled",
      "futureSetResultUnlessCancelled",
      "isFuture",
      "isWorkerFunction",
      "runOnExecutor",
      "workerFunction",
    ]
  `);
});

it('exports the aio Future itself', () => {
  expect(concurrent.Future).toBe(aioFuture.Future);
});

it('names its errors with stable codes', () => {
  const errors = [
    new concurrent.ExecutorShutdownError('x'),
    new concurrent.InvalidWorkerFunctionError('x'),
    new concurrent.WorkerCrashedError('x', { exitCode: 1 }),
  ];
  expect(errors.map((e) => [e.name, e.code, e instanceof concurrent.ExecutorError])).toEqual([
    ['ExecutorShutdownError', 'ERR_AIO_EXECUTOR_SHUTDOWN', true],
    ['InvalidWorkerFunctionError', 'ERR_AIO_INVALID_WORKER_FUNCTION', true],
    ['WorkerCrashedError', 'ERR_AIO_WORKER_CRASHED', true],
  ]);
});
