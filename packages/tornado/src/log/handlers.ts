/**
 * Handlers: where formatted records go, as in Python's `logging`. A handler has a level of its
 * own and a formatter, and writes one line per record. Handlers are attached to a logger by name
 * (`addHandler`), and a record goes to the handlers of its logger and of every ancestor
 * (`tornado.access` → `tornado` → root), which is how tornado's `enable_pretty_logging` on the
 * root logger sees the records of all three tornado loggers.
 */
import { checkInteger, optionTypeError } from './errors';
import { LogFormatter, type ColorStream, type LogRecord } from './formatter';

/** Receives the records of the loggers it is attached to. */
export interface Handler {
  /** Records below this pino level number are skipped (0: none are). */
  readonly level: number;
  /** Writes the record. Called synchronously from the log call. */
  handle(record: LogRecord): void;
  /** Releases what the handler holds (files); records that arrive afterwards are dropped. */
  close(): void;
}

/** A stream a {@link StreamHandler} can write to: `process.stderr`, a socket, a file stream. */
export interface LineStream extends ColorStream {
  write(chunk: string): unknown;
}

/** Options of {@link StreamHandler}. */
export interface StreamHandlerOptions {
  /** Default `process.stderr`. */
  stream?: LineStream;
  /** Default a {@link LogFormatter} that colours when `stream` is a terminal. */
  formatter?: LogFormatter;
  /** pino level number below which records are skipped; default 0. */
  level?: number;
}

/**
 * Writes each record as a line to a stream (by default `process.stderr`), tornado's console
 * output. The stream is not the handler's: `close()` stops writing and leaves the stream open.
 *
 * @example
 * ```ts
 * addHandler(appLog, new StreamHandler({ stream: process.stdout }));
 * ```
 */
export class StreamHandler implements Handler {
  /** pino level number below which records are skipped. */
  readonly level: number;
  /** Makes each record's line. */
  readonly formatter: LogFormatter;
  /** Where the lines go; not closed by `close()`. */
  readonly stream: LineStream;
  #closed = false;

  constructor(options: StreamHandlerOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    if (typeof this.stream.write !== 'function') {
      throw optionTypeError('StreamHandler()', 'stream', 'a writable stream', this.stream);
    }
    this.formatter = options.formatter ?? new LogFormatter({ stream: this.stream });
    this.level = checkInteger('StreamHandler()', 'level', options.level ?? 0, 0);
  }

  /** Writes the record's line to the stream, unless the handler is closed. */
  handle(record: LogRecord): void {
    if (this.#closed) return;
    this.stream.write(`${this.formatter.format(record)}\n`);
  }

  /** Stops writing; the stream stays open. */
  close(): void {
    this.#closed = true;
  }

  get [Symbol.toStringTag](): string {
    return 'StreamHandler';
  }
}
