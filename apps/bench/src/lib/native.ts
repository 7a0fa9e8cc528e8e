/**
 * Compiling the C peers in `src/peers/`. They ship as source, so a benchmark compiles them on
 * first use with the system `cc`; the binary is cached under the tmp directory by a hash of the
 * source text and the libraries it links, so reruns skip the compile and an edited source never
 * runs a stale binary.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { benchSource } from './paths';

const CFLAGS = ['-O2', '-Wall', '-Wextra'] as const;

/** Whether a C compiler (`cc`) is on PATH, so a benchmark can skip its C peers without one. */
export function hasCompiler(): boolean {
  return spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Compiles `source` (a file name in `src/peers/`, e.g. `echo_client.c`) with `cc -O2 -Wall
 * -Wextra`, linked with `libs` (`['-lssl', '-lcrypto']`), into
 * `<tmpdir>/aio-bench-native/<hash>/<name>`, unless that binary already exists, and returns the
 * binary's path. Throws an Error carrying the compiler's output if it fails.
 */
export function compileC(source: string, libs: readonly string[] = []): string {
  const file = isAbsolute(source) ? source : benchSource(`peers/${source}`);
  const text = readFileSync(file, 'utf8');
  const hash = createHash('sha256')
    .update([text, ...libs].join('\0'))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), 'aio-bench-native', hash);
  const binary = join(dir, basename(file, '.c'));
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  // Compiled under a private name, then renamed: a concurrent run never sees half a binary.
  const partial = `${binary}.${process.pid}.tmp`;
  const result = spawnSync('cc', [...CFLAGS, '-o', partial, file, ...libs], { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`cannot run cc to compile ${source}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    rmSync(partial, { force: true });
    const output = `${result.stderr}${result.stdout}`.trim();
    throw new Error(
      `cc ${CFLAGS.join(' ')} failed on ${source} (${result.signal ?? `exit ${result.status}`}):\n${output}`,
    );
  }
  renameSync(partial, binary);
  return binary;
}
