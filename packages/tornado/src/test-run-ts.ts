/**
 * For tests: runs a TypeScript file of this package as a user would run an example (Node with tsx
 * and the `@aio/source` condition, from the package's directory), and collects what it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The package's directory: where the examples are run from. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Node's flags for running this package's TypeScript. */
export const TS_FLAGS: readonly string[] = ['--import', 'tsx', '--conditions=@aio/source'];

export interface ChildOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Waits for `child` (spawned with piped stdout and stderr) to close; its exit code and output. */
export async function collect(child: ChildProcess): Promise<ChildOutput> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/**
 * Runs `file` (a path) with `args`; killed after `timeoutMs`, by default 100 s: Node with tsx
 * starts in a second alone, and takes over ten beside two CPU hogs on two cores.
 */
export function runTs(
  file: string,
  args: readonly string[] = [],
  timeoutMs = 100_000,
): Promise<ChildOutput> {
  const child = spawn(process.execPath, [...TS_FLAGS, file, ...args], {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
  });
  return collect(child);
}
