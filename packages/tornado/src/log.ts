/**
 * `@aio/tornado/log`: tornado's `tornado.log` — its log line format, its three loggers and its
 * command-line logging setup — on pino.
 *
 * tornado logs through three loggers: `tornado.access` (one line per request),
 * `tornado.application` (errors from application code) and `tornado.general` (tornado's own
 * warnings and errors). Here they are pino loggers (`accessLog`, `appLog`, `genLog`), and
 * `enablePrettyLogging` sends every logger's records, formatted the way tornado formats them,
 * to stderr and/or a rotating file:
 *
 * ```
 * [I 251126 12:00:00 tornado.access] 200 GET / (127.0.0.1) 0.52ms
 * [E 251126 12:00:01 tornado.application] Uncaught exception
 *     Error: boom
 *         at handler (server.ts:12:11)
 * ```
 *
 * Python's logging tree (names, levels inherited from ancestors, handlers added after the fact)
 * is kept: see `loggers.ts` for how it sits on pino.
 *
 * @module @aio/tornado/log
 */
export { LogFormatter } from './log/formatter';
export type { ColorStream, LogFormatterOptions, LogRecord } from './log/formatter';
export { StreamHandler } from './log/handlers';
export type { Handler, LineStream, StreamHandlerOptions } from './log/handlers';
export { FileHandler, RotatingFileHandler, TimedRotatingFileHandler } from './log/file-handlers';
export type {
  FileHandlerOptions,
  RotateWhen,
  RotatingFileHandlerOptions,
  TimedRotatingFileHandlerOptions,
} from './log/file-handlers';
export { levelName } from './log/levels';
export type { LevelName } from './log/levels';
export {
  accessLog,
  addHandler,
  appLog,
  genLog,
  getHandlers,
  getLogger,
  removeHandler,
  setCaptureCaller,
  setLevel,
  shutdownLogging,
} from './log/loggers';
export type { Logger } from './log/loggers';
export { defineLoggingOptions, enablePrettyLogging, loggingOptionsFromArgs } from './log/pretty';
export type {
  LoggingFlag,
  LoggingOptionDefinition,
  LoggingOptions,
  ParsedArgs,
  PrettyLogging,
} from './log/pretty';
