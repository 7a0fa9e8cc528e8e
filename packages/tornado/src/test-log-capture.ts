/**
 * For tests: records what `tornado.application` logs, instead of printing it.
 */
import { addHandler, appLog, removeHandler, type Handler, type LogRecord } from './log';

/** Collects every record `appLog` gets until `stop()`. */
export function captureAppLog(): { records: LogRecord[]; messages(): string[]; stop(): void } {
  const records: LogRecord[] = [];
  const handler: Handler = {
    level: 0,
    handle: (record) => void records.push(record),
    close: () => {},
  };
  addHandler(appLog, handler);
  return {
    records,
    messages: () => records.map((r) => r.message),
    stop: () => void removeHandler(appLog, handler),
  };
}
