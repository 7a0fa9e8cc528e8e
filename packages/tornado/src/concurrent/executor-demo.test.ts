/** Runs examples/executor-demo.ts as a child process, in both loop modes, and reads its output. */
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';
import { runTs } from '../test-run-ts';

// This file starts the example in a child process (Node with tsx): seconds alone, and ten times
// that on a loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const demo = fileURLToPath(new URL('../../examples/executor-demo.ts', import.meta.url));

it.each(['hosted', 'blocking'])(
  'the executor demo ticks while the job blocks its worker thread (%s loop)',
  async (mode) => {
    const { code, stdout, stderr } = await runTs(demo, [mode]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`loop mode: ${mode}`);
    const ticks = lines.filter((line) => /^tick \d+ at \d+ ms$/.test(line));
    // The job alone spins for 1000 ms: at least 9 ticks of 100 ms fall inside it.
    expect(ticks.length).toBeGreaterThanOrEqual(9);
    expect(lines.at(-1)).toMatch(
      /^result: \d+ iterations in 1\d{3} ms on a worker thread; the loop ticked (\d+) times meanwhile$/,
    );
    expect(Number(/ticked (\d+) times/.exec(lines.at(-1)!)![1])).toBe(ticks.length);
  },
);
