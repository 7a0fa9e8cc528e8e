/**
 * The exception-handler context and the default handler, as asyncio's
 * `call_exception_handler` / `default_exception_handler`: errors raised in callbacks never crash
 * the loop; they are reported here, and the loop goes on.
 */
import { formatValue } from '@aio/selector/internal';

/**
 * What went wrong, with whatever is known: asyncio's context dict. `message` is always there;
 * the rest depends on the source (`exception`, `handle`, `future`, `task`, `socket`, `fd`, …).
 */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  handle?: unknown;
  future?: unknown;
  task?: unknown;
  socket?: unknown;
  fd?: number;
  [key: string]: unknown;
}

/** Where the default handler writes; `console.error` unless a test or an app says otherwise. */
export type LogSink = (text: string) => void;

/** Objects that print themselves (handles, futures, sockets) use their toString; the rest inspect. */
function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null && value.toString !== Object.prototype.toString) {
    return (value as { toString(): string }).toString();
  }
  return formatValue(value, 300);
}

/**
 * The default handler's text: the message, then each other context entry as `key: value`
 * (sorted), then the exception with its stack.
 */
export function formatExceptionContext(context: ExceptionContext): string {
  const lines = [context.message || 'Unhandled exception in event loop'];
  for (const key of Object.keys(context).sort()) {
    if (key === 'message' || key === 'exception') continue;
    const value = context[key];
    lines.push(`${key}: ${describeValue(value)}`);
  }
  const { exception } = context;
  if (exception !== undefined) {
    lines.push(
      exception instanceof Error
        ? (exception.stack ?? String(exception))
        : `exception: ${formatValue(exception)}`,
    );
  }
  return lines.join('\n');
}
