/**
 * How values look in error messages and `toString()`s, in every aio package: `"text"`, `42`,
 * `{ a: 1 }`, `[Function: f]` — on one line, shortened past `max` characters as asyncio's
 * `reprlib` does.
 */
import { inspect } from 'node:util';

/** A value on one line, at most `max` characters (default: 60). */
export function formatValue(value: unknown, max = 60): string {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : inspect(value, { depth: 0, breakLength: Infinity }).replace(/\s*\n\s*/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** True for anything `await` would wait on: an object or function with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
