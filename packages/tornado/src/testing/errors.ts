/**
 * The errors of `@aio/tornado/testing`, named classes with stable codes: a test that left
 * something behind, and a log message that was expected and never came. (A test that runs out
 * of time fails with @aio/future's `TimeoutError`, as tornado's `gen_test` raises its
 * `TimeoutError`.)
 */

/**
 * A test ended with work or file descriptors it started still there: tasks pending on its loop
 * (cancelled by the teardown) or fds open (left open: they are not the teardown's to close). The
 * message names each one; `pendingTasks` and `openFds` list them.
 */
export class TestLeakError extends Error {
  override name = 'TestLeakError';
  readonly code = 'ERR_AIO_TEST_LEAK';
  /** How each task left pending printed when the test ended (`<Task pending name=… coro=…>`). */
  readonly pendingTasks: readonly string[];
  /** Each fd left open: `fd 23 -> socket:[81723] (tcp 127.0.0.1:40211 LISTEN)`. */
  readonly openFds: readonly string[];

  constructor(pendingTasks: readonly string[], openFds: readonly string[], options?: ErrorOptions) {
    const parts: string[] = [];
    if (pendingTasks.length > 0) parts.push(count(pendingTasks.length, 'task') + ' pending');
    if (openFds.length > 0) parts.push(count(openFds.length, 'file descriptor') + ' open');
    const lines = [
      ...pendingTasks.map((task) => `  ${task} (cancelled)`),
      ...openFds.map((fd) => `  ${fd}`),
    ];
    super(`the test left ${parts.join(' and ')}:\n${lines.join('\n')}`, options);
    this.pendingTasks = pendingTasks;
    this.openFds = openFds;
  }
}

/** `ExpectLog.close()`: no record matched, and one was required (tornado's plain `Exception`). */
export class ExpectLogError extends Error {
  override name = 'ExpectLogError';
  readonly code = 'ERR_AIO_EXPECTED_LOG_MISSING';
}

function count(n: number, what: string): string {
  return `${String(n)} ${what}${n === 1 ? '' : 's'}`;
}
