/** examples/log-demo.ts, run as a user would run it, in a child process. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it, vi } from 'vitest';
import { runTs } from '../test-run-ts';
import { tempDir } from './test-files';

// This file starts the example in a child process (Node with tsx): seconds alone, and ten times
// that on a loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const demo = fileURLToPath(new URL('../../examples/log-demo.ts', import.meta.url));
const DATE = String.raw`\d{6} \d\d:\d\d:\d\d`;

async function runDemo(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const { code, stderr } = await runTs(demo, args);
  return { code, stderr };
}

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => dir?.remove());

it('log-demo prints every logger in the default format, the error with its stack', async () => {
  const { code, stderr } = await runDemo([]);
  expect(code).toBe(0);
  const lines = stderr.split('\n');
  expect(lines[0]).toMatch(
    new RegExp(`^\\[D ${DATE} tornado\\.general\\] listening on http://127\\.0\\.0\\.1:8888$`),
  );
  expect(lines[1]).toMatch(new RegExp(`^\\[I ${DATE} tornado\\.access\\] 200 GET /index\\.html`));
  expect(lines[2]).toMatch(new RegExp(`^\\[W ${DATE} tornado\\.access\\] 404 GET /missing`));
  expect(lines[3]).toMatch(
    new RegExp(`^\\[E ${DATE} tornado\\.application\\] Uncaught exception POST /api`),
  );
  expect(lines[4]).toMatch(/^ {4}SyntaxError: /);
  expect(lines[5]).toMatch(/^ {8}at JSON\.parse/);
  const multi = lines.findIndex((line) => line.endsWith('] a message that spans'));
  expect(lines[multi]).toMatch(new RegExp(`^\\[I ${DATE} tornado\\.general\\]`));
  expect(lines[multi + 1]).toBe('    two lines');
  expect(lines.slice(multi + 2)).toEqual(['']);
});

it('log-demo takes tornado’s flags: a level, a log file, and module:line', async () => {
  dir = tempDir();
  const file = join(dir.path, 'demo.log');
  const { code, stderr } = await runDemo([
    '--logging=warning',
    `--log_file_prefix=${file}`,
    '--log_caller',
  ]);
  expect(code).toBe(0);
  expect(stderr).toBe(''); // a log file and no --log_to_stderr: nothing on stderr
  const lines = readFileSync(file, 'utf8').split('\n');
  const source = readFileSync(demo, 'utf8').split('\n');
  const lineOf = (call: string): number => source.findIndex((line) => line.includes(call)) + 1;
  const warn = lineOf('accessLog.warn(');
  const error = lineOf('appLog.error(');
  expect(lines[0]).toMatch(new RegExp(`^\\[W ${DATE} log-demo:${warn}\\] 404 GET /missing`));
  expect(lines[1]).toMatch(new RegExp(`^\\[E ${DATE} log-demo:${error}\\] Uncaught exception`));
  expect(lines.some((line) => line.includes('200 GET'))).toBe(false);
});
