/** The fd guard can fail: a test file that leaves a socket open is reported, a clean one is not. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const vitestBin = createRequire(import.meta.url).resolve('vitest/vitest.mjs');
const config = fileURLToPath(new URL('./fixtures/vitest.config.js', import.meta.url));

function runFixture(name: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitestBin, 'run', '--config', config, name],
      {
        encoding: 'utf8',
        // vitest in a child process: seconds alone, over 30 s beside two CPU hogs.
        timeout: 150_000,
        env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

it('fails a test file that leaves a socket open, naming the fd', async () => {
  const { code, output } = await runFixture('leaks-a-socket');
  expect(code).not.toBe(0);
  expect(output).toMatch(
    /fd guard: this test file left 1 file descriptor\(s\) open:\s+fd \d+ -> socket:\[\d+\]/,
  );
}, 180_000);

it('passes a test file that closes what it opened', async () => {
  const { code, output } = await runFixture('closes-its-socket');
  expect(output).not.toMatch(/fd guard/);
  expect(code).toBe(0);
}, 180_000);
