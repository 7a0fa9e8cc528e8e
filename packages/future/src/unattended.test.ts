/**
 * An await of a future whose loop nothing runs: a named error when Node would exit, never a
 * silent exit 13. Real child processes (the report is made at Node's `beforeExit`).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./test-fixtures/unattended-await.ts', import.meta.url));

/**
 * Node with tsx takes about a second to start alone, and over 10 s beside two CPU hogs: the kill
 * after 60 s is only for a child that hangs, and the tests' own limit is above it.
 */
const CHILD_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 90_000;

function runFixture(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@aio/source', fixture, ...args],
    { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS },
  );
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

it(
  'a top-level await on a loop nobody runs ends with a NoRunningLoopError report and exit code 1',
  () => {
    const { status, stdout, stderr } = runFixture();
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'NoRunningLoopError: the process is exiting, but an await still waits on a future of a loop that nothing runs:',
    );
    expect(stderr).toContain(
      '<Future pending cb=[Future.then()]> of <EventLoop stopped mode=hosted>',
    );
    expect(stderr).toContain('await run(main) from @aio/coroutine, loop.runUntilComplete(…)');
    expect(status).not.toBe(0);
    expect(status).not.toBe(13);
  },
  TEST_TIMEOUT_MS,
);

it(
  'the same await is fine once the loop runs: nothing is reported',
  () => {
    const { status, stdout, stderr } = runFixture('settled');
    expect(stdout).toBe('settled with 42\n');
    expect(stderr).toBe('');
    expect(status).toBe(0);
  },
  TEST_TIMEOUT_MS,
);
