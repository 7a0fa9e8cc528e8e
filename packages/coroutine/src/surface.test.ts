/** Pins the public surface: a change to the list of exported names must be deliberate. */
import { expect, it } from 'vitest';
import * as api from './index';

it('exports exactly these names', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "ACCEPT_RETRY_DELAY_MS",
      "AF_INET",
      "AF_INET6",
      "AF_UNIX",
      "ALL_COMPLETED",
      "AsCompleted",
      "Barrier",
      "BoundedSemaphore",
      "BrokenBarrierError",
      "CancelledError",
      "ConcurrentReadError",
      "Condition",
      "Event",
      "EventLoop",
      "FIRST_COMPLETED",
      "FIRST_EXCEPTION",
      "Future",
      "GatheringFuture",
      "IncompleteReadError",
      "InvalidStateError",
      "LifoQueue",
      "LimitOverrunError",
      "Lock",
      "LockNotHeldError",
      "NoRunningLoopError",
      "PriorityQueue",
      "Queue",
      "QueueEmpty",
      "QueueFull",
      "QueueShutDown",
      "Relinquish",
      "SOCK_STREAM",
      "SSLCertVerificationError",
      "SSLContext",
      "SSLError",
      "SSLSocket",
      "Scoped",
      "Semaphore",
      "SemaphoreOverReleasedError",
      "Server",
      "ServerClosedError",
      "Socket",
      "SocketTransport",
      "StreamReader",
      "StreamWriter",
      "Task",
      "TaskGroup",
      "TaskGroupError",
      "Timeout",
      "TimeoutError",
      "TransportClosedError",
      "allTasks",
      "asCompleted",
      "createDefaultContext",
      "createTask",
      "currentTask",
      "ensureFuture",
      "gather",
      "getRunningLoop",
      "getaddrinfo",
      "isCancelledError",
      "isCoroutine",
      "isFuture",
      "openConnection",
      "openUnixConnection",
      "readable",
      "run",
      "shield",
      "sleep",
      "sockAccept",
      "sockConnect",
      "sockRecv",
      "sockRecvInto",
      "sockSendall",
      "socketpair",
      "startServer",
      "startUnixServer",
      "taskGroup",
      "timeout",
      "timeoutAt",
      "toPromise",
      "wait",
      "waitFor",
      "withLock",
      "wrapPromise",
      "writable",
    ]
  `);
});

it("keeps the loop's hooks off a Task: the loop steps it through RUN of @aio/loop/internal", async () => {
  const { RUN } = await import('@aio/loop/internal');
  await api.run(function* () {
    const task = api.createTask(function* () {
      yield api.sleep(0);
    });
    expect('run' in task).toBe(false);
    expect(typeof task[RUN as keyof typeof task]).toBe('function');
    yield task;
  });
});
