/**
 * How callbacks and values look in `toString()` and in log messages: `tick(1, "a")`, with long
 * arguments shortened, as asyncio's `format_helpers` does with reprlib.
 */
import { inspect } from 'node:util';

const MAX_ARG = 40;

/** A value on one line, at most `max` characters: `"text"`, `42`, `{ a: 1 }`, `[Function: f]`. */
export function formatValue(value: unknown, max = MAX_ARG): string {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : inspect(value, { depth: 0, breakLength: Infinity }).replace(/\s*\n\s*/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `name(arg, …)` for a callback and its arguments. */
export function formatCallback(callback: unknown, args: readonly unknown[]): string {
  const name =
    typeof callback === 'function' && callback.name
      ? callback.name.replace(/^bound /, '')
      : '<anonymous>';
  return `${name}(${args.map((arg) => formatValue(arg)).join(', ')})`;
}

/**
 * `file.ts:12` for the first stack frame outside this package, from a stack captured where a
 * handle was created (debug mode only: capturing stacks costs).
 */
export function creationSite(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    // Skip this package's own frames (its sources, not its tests; or its built files) and Node's.
    if (
      /[/\\]loop[/\\](dist[/\\]|src[/\\][^/\\]+(?<!\.test)\.ts:)/.test(line) ||
      line.includes('node:internal')
    )
      continue;
    const match = /\(?([^\s()]+):(\d+):\d+\)?$/.exec(line.trim());
    if (match)
      return `${match[1]!
        .replace(/^file:\/\//, '')
        .split(/[/\\]/)
        .slice(-2)
        .join('/')}:${match[2]}`;
  }
  return undefined;
}
