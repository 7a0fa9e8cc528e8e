/**
 * Worker functions for the executor tests. Loaded by worker threads and child processes (through
 * tsx, from source), so: no top-level side effects, nothing but Node built-ins.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';

export function add(a: number, b: number): number {
  return a + b;
}

export default function double(n: number): number {
  return n * 2;
}

export async function slowDouble(n: number, ms: number): Promise<number> {
  await sleep(ms);
  return n * 2;
}

/** Blocks its thread for `ms`, as CPU-bound work does; returns how long it really took. */
export function busyWait(ms: number): number {
  const start = performance.now();
  while (performance.now() - start < ms) {
    // spin
  }
  return performance.now() - start;
}

/**
 * Blocks its thread as busyWait does, but for as long as the test needs rather than for a time it
 * guesses: creates the file `started`, then spins for at least `minMs` and until the file
 * `release` exists, or until `maxMs` passed (then `released` is false). A test releases it once
 * its loop has shown it kept going meanwhile, however slowly a loaded machine let it.
 */
export function busyWaitUntil(
  started: string,
  release: string,
  minMs: number,
  maxMs: number,
): { took: number; released: boolean } {
  writeFileSync(started, '');
  const start = performance.now();
  for (;;) {
    const took = performance.now() - start;
    if (took >= minMs && existsSync(release)) return { took, released: true };
    if (took >= maxMs) return { took, released: false };
  }
}

export function roundTrip<T>(value: T): T {
  return value;
}

export function where(): { pid: number; threadId: number } {
  return { pid: process.pid, threadId };
}

class JobError extends Error {
  override name = 'JobError';
  readonly code = 'E_JOB';
  readonly attempts = 3;
}

export function failWithJobError(message: string): never {
  throw new JobError(message, { cause: new RangeError('the cause') });
}

export function failWithTypeError(): never {
  throw new TypeError('not a number');
}

export function throwString(): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a job may throw anything
  throw 'plain string';
}

export function exit(code: number): never {
  process.exit(code);
}

export function killSelf(signal: NodeJS.Signals): void {
  process.kill(process.pid, signal);
}

export function makeFunction(): () => void {
  return () => undefined;
}

export function appendMarker(file: string, marker: string): void {
  appendFileSync(file, `${marker}\n`);
}

export const notAFunction = 42;

export async function slowMarker(file: string, marker: string, ms: number): Promise<void> {
  await sleep(ms);
  appendFileSync(file, `${marker}\n`);
}
