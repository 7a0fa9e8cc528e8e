/**
 * How callbacks and values look in `toString()` and in log messages: `tick(1, "a")`, with long
 * arguments shortened, as asyncio's `format_helpers` does with reprlib.
 */
import { formatValue } from '@aio/selector/internal';

/** A callback's arguments are shortened past this many characters each. */
const MAX_ARG = 40;

/** `name(arg, …)` for a callback and its arguments. */
export function formatCallback(callback: unknown, args: readonly unknown[]): string {
  const name =
    typeof callback === 'function' && callback.name
      ? callback.name.replace(/^bound /, '')
      : '<anonymous>';
  return `${name}(${args.map((arg) => formatValue(arg, MAX_ARG)).join(', ')})`;
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
