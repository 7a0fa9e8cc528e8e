/** A value on one line, short: `42`, `"text"`, `[Array(3)]`, as asyncio's reprlib does. */
import { inspect } from 'node:util';

export function formatValue(value: unknown, max = 60): string {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : inspect(value, { depth: 0, breakLength: Infinity }).replace(/\s*\n\s*/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
