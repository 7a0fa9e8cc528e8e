/** Runs examples/executor-demo.ts as a child process, in both loop modes, and reads its output. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const demo = fileURLToPath(new URL('../../examples/executor-demo.ts', import.meta.url));

it.each(['hosted', 'blocking'])(
  'the executor demo ticks while the job blocks its worker thread (%s loop)',
  async (mode) => {
    const { code, stdout, stderr } = await new Promise<{
      code: number;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--conditions=@aio/source', demo, mode],
        { cwd: root, timeout: 30_000, encoding: 'utf8' },
        (error, out, err) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }),
      );
    });
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
