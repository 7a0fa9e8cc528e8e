/** examples/gen-walkthrough.ts, run as a user would run it, in a child process. */
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';
import { runTs } from './test-run-ts';

// This file starts the example in a child process (Node with tsx): seconds alone, and ten times
// that on a loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const example = fileURLToPath(new URL('../examples/gen-walkthrough.ts', import.meta.url));

it('gen-walkthrough traces Future → Runner → IOLoop for each coroutine, and fetches every page', async () => {
  const { code, stdout, stderr } = await runTs(example);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split('\n');
  expect(lines.filter((line) => line.startsWith('main got:'))).toEqual([
    'main got: page /index.html',
    'main got: page /a.html, page /b.html',
  ]);
  const steps = (name: string): string[] =>
    lines
      .filter((line) => line.startsWith(`  ${name.padEnd(5)} `))
      .map((line) => line.slice(8).split(' ')[0]!);
  // main: startServer (pending) → fetch (pending) → [fetch, fetch] (pending) → waitClosed (done)
  expect(steps('main')).toEqual([
    'coroutine',
    ...['handleYield', 'addFuture', 'wakeup', 'send'],
    ...['handleYield', 'addFuture', 'wakeup', 'send'],
    ...['handleYield', 'addFuture', 'wakeup', 'send'],
    'handleYield',
    'send',
    'return',
  ]);
  // Each of the three fetches: the connection, then the answer, then its return.
  const fetch = steps('fetch');
  expect(fetch.filter((s) => s === 'coroutine')).toHaveLength(3);
  expect(fetch.filter((s) => s === 'addFuture')).toHaveLength(6);
  expect(fetch.filter((s) => s === 'return')).toHaveLength(3);
});
