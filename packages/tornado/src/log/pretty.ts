/**
 * `enablePrettyLogging` and `defineLoggingOptions`: tornado's command-line logging setup.
 *
 * tornado defines its logging options on its global `OptionParser` and configures logging when
 * the command line is parsed. aio has no options module (yet), so the definitions are plain data,
 * keyed by tornado's flag names and shaped for Node's `util.parseArgs`; `loggingOptionsFromArgs`
 * turns what a parser returns into the options `enablePrettyLogging` takes.
 */
import { optionTypeError, optionValueError, checkInteger } from './errors';
import { checkWhen, RotatingFileHandler, TimedRotatingFileHandler } from './file-handlers';
import type { RotateWhen } from './file-handlers';
import { LogFormatter } from './formatter';
import { StreamHandler, type Handler } from './handlers';
import { toPinoLevel, type LevelName } from './levels';
import {
  addHandler,
  getHandlers,
  getLogger,
  removeHandler,
  setCaptureCaller,
  setLevel,
  type Logger,
} from './loggers';

/** tornado's logging options, camelCased. Every one is optional; the defaults are tornado's. */
export interface LoggingOptions {
  /** The level to set; `'none'` leaves logging as it is. Default `'info'`. */
  logging: LevelName;
  /**
   * Log to stderr (coloured on a terminal). Default `undefined`: to stderr only when no file
   * is set and the logger has no handler yet.
   */
  logToStderr: boolean | undefined;
  /** Path of the log file; rotated files add a suffix. Default `undefined`: no file. */
  logFilePrefix: string | undefined;
  /** `'size'` (the default) rotates by `logFileMaxSize`; `'time'` by `logRotateWhen`. */
  logRotateMode: 'size' | 'time';
  /** Bytes a file may reach before it rotates; default 100 000 000. */
  logFileMaxSize: number;
  /** Rotated files to keep; default 10. */
  logFileNumBackups: number;
  /** The unit of time rotation; default `'midnight'`. */
  logRotateWhen: RotateWhen;
  /** Units between time rotations; default 1. */
  logRotateInterval: number;
  /**
   * aio's own: capture each call's file and line for `%(where)s` (see `setCaptureCaller`);
   * left as it is when not given.
   */
  logCaller: boolean;
}

/** What `enablePrettyLogging` set up, to undo it. */
export interface PrettyLogging {
  /** The handlers it added to the logger (none when `logging` was `'none'`). */
  readonly handlers: readonly Handler[];
  /** Removes those handlers from the logger and closes them (the log file is closed). */
  close(): void;
}

const DEFAULTS: LoggingOptions = {
  logging: 'info',
  logToStderr: undefined,
  logFilePrefix: undefined,
  logRotateMode: 'size',
  logFileMaxSize: 100 * 1000 * 1000,
  logFileNumBackups: 10,
  logRotateWhen: 'midnight',
  logRotateInterval: 1,
  logCaller: false,
};

const WHERE = 'enablePrettyLogging()';

/** Checks every option given, naming the one that is wrong; returns them with the defaults. */
function checkOptions(options: Partial<LoggingOptions>): LoggingOptions {
  if (typeof options !== 'object' || options === null) {
    throw optionTypeError(WHERE, 'options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) {
      throw optionValueError(
        WHERE,
        'options',
        `keys among ${Object.keys(DEFAULTS).join(', ')}`,
        key,
      );
    }
  }
  const given = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<LoggingOptions>;
  const merged: LoggingOptions = { ...DEFAULTS, ...given };
  toPinoLevel(WHERE, 'logging', merged.logging);
  if (merged.logToStderr !== undefined && typeof merged.logToStderr !== 'boolean') {
    throw optionTypeError(WHERE, 'logToStderr', 'a boolean or undefined', merged.logToStderr);
  }
  if (
    merged.logFilePrefix !== undefined &&
    (typeof merged.logFilePrefix !== 'string' || merged.logFilePrefix === '')
  ) {
    throw optionTypeError(WHERE, 'logFilePrefix', 'a non-empty string', merged.logFilePrefix);
  }
  if (merged.logRotateMode !== 'size' && merged.logRotateMode !== 'time') {
    throw optionValueError(WHERE, 'logRotateMode', '"size" or "time"', merged.logRotateMode);
  }
  checkInteger(WHERE, 'logFileMaxSize', merged.logFileMaxSize, 0);
  checkInteger(WHERE, 'logFileNumBackups', merged.logFileNumBackups, 0);
  checkWhen(WHERE, 'logRotateWhen', merged.logRotateWhen);
  checkInteger(WHERE, 'logRotateInterval', merged.logRotateInterval, 1);
  if (typeof merged.logCaller !== 'boolean') {
    throw optionTypeError(WHERE, 'logCaller', 'a boolean', merged.logCaller);
  }
  return merged;
}

/**
 * tornado's `enable_pretty_logging`: sets the level of `logger` (by default the root logger,
 * whose handlers see every logger's records), then adds a rotating file handler when
 * `logFilePrefix` is set, and a stderr handler (coloured on a terminal) when `logToStderr` is
 * true, or is left undefined and the logger has no handler yet.
 *
 * Every option is checked before anything changes: a wrong type is a `TypeError`, a bad value
 * (an unknown level, a rotate mode other than size or time, a negative size) a `RangeError`,
 * each naming the option and the value.
 *
 * @returns what was added, with `close()` to remove it and close the log file.
 *
 * @example
 * ```ts
 * const logging = enablePrettyLogging({ logging: 'debug', logFilePrefix: '/tmp/app.log' });
 * appLog.info('started');
 * // …
 * logging.close();
 * ```
 */
// #region enable-pretty-logging
export function enablePrettyLogging(
  options: Partial<LoggingOptions> = {},
  logger: Logger = getLogger(),
): PrettyLogging {
  const opts = checkOptions(options);
  const handlers: Handler[] = [];
  const result: PrettyLogging = {
    handlers,
    close() {
      for (const handler of handlers) {
        removeHandler(logger, handler);
        handler.close();
      }
    },
  };
  if (opts.logging.toLowerCase() === 'none') return result;

  setLevel(logger, opts.logging);
  if (options.logCaller !== undefined) setCaptureCaller(opts.logCaller);
  if (opts.logFilePrefix !== undefined) {
    const formatter = new LogFormatter({ color: false });
    const file =
      opts.logRotateMode === 'size'
        ? new RotatingFileHandler({
            filename: opts.logFilePrefix,
            maxBytes: opts.logFileMaxSize,
            backupCount: opts.logFileNumBackups,
            formatter,
          })
        : new TimedRotatingFileHandler({
            filename: opts.logFilePrefix,
            when: opts.logRotateWhen,
            interval: opts.logRotateInterval,
            backupCount: opts.logFileNumBackups,
            formatter,
          });
    handlers.push(file);
    addHandler(logger, file);
  }
  if (
    opts.logToStderr === true ||
    (opts.logToStderr === undefined && getHandlers(logger).length === 0)
  ) {
    const stderr = new StreamHandler();
    handlers.push(stderr);
    addHandler(logger, stderr);
  }
  return result;
}
// #endregion enable-pretty-logging

/** One logging option, for a command-line parser. Shaped to pass to `util.parseArgs`. */
export interface LoggingOptionDefinition {
  /** `util.parseArgs`'s type: numbers are read as strings and converted by `loggingOptionsFromArgs`. */
  readonly type: 'string' | 'boolean';
  /** The key in {@link LoggingOptions}. */
  readonly key: keyof LoggingOptions;
  /** The value when the flag is absent. */
  readonly defaultValue: LoggingOptions[keyof LoggingOptions];
  /** One line for `--help`. */
  readonly help: string;
  /** What the value looks like in `--help`, when the type does not say it. */
  readonly metavar?: string;
}

/** The flags, named as tornado names them (`--log_file_prefix=PATH`). */
export type LoggingFlag =
  | 'logging'
  | 'log_to_stderr'
  | 'log_file_prefix'
  | 'log_file_max_size'
  | 'log_file_num_backups'
  | 'log_rotate_when'
  | 'log_rotate_interval'
  | 'log_rotate_mode'
  | 'log_caller';

const NUMBER_KEYS = new Set<keyof LoggingOptions>([
  'logFileMaxSize',
  'logFileNumBackups',
  'logRotateInterval',
]);

/**
 * tornado's `define_logging_options`: the logging flags, keyed by tornado's names, each with its
 * type, default and help. The object can be passed as is to Node's `util.parseArgs` (which
 * ignores the extra fields); hand the values it returns to {@link loggingOptionsFromArgs}.
 *
 * @example
 * ```ts
 * import { parseArgs } from 'node:util';
 * const { values } = parseArgs({ options: defineLoggingOptions(), strict: false });
 * enablePrettyLogging(loggingOptionsFromArgs(values)); // --logging=debug --log_file_prefix=app.log
 * ```
 */
export function defineLoggingOptions(): Record<LoggingFlag, LoggingOptionDefinition> {
  return {
    logging: {
      type: 'string',
      key: 'logging',
      defaultValue: DEFAULTS.logging,
      help: "Set the log level. If 'none', logging is left as it is.",
      metavar: 'debug|info|warning|error|none',
    },
    log_to_stderr: {
      type: 'boolean',
      key: 'logToStderr',
      defaultValue: DEFAULTS.logToStderr,
      help:
        'Send log output to stderr (colorized if possible). By default use stderr if ' +
        '--log_file_prefix is not set and no other logging is configured.',
    },
    log_file_prefix: {
      type: 'string',
      key: 'logFilePrefix',
      defaultValue: DEFAULTS.logFilePrefix,
      help:
        'Path prefix for log files. If you run several processes, give each its own ' +
        '(for example, include the port number).',
      metavar: 'PATH',
    },
    log_file_max_size: {
      type: 'string',
      key: 'logFileMaxSize',
      defaultValue: DEFAULTS.logFileMaxSize,
      help: 'max size of log files before rollover',
      metavar: 'BYTES',
    },
    log_file_num_backups: {
      type: 'string',
      key: 'logFileNumBackups',
      defaultValue: DEFAULTS.logFileNumBackups,
      help: 'number of log files to keep',
      metavar: 'N',
    },
    log_rotate_when: {
      type: 'string',
      key: 'logRotateWhen',
      defaultValue: DEFAULTS.logRotateWhen,
      help: "specify the type of TimedRotatingFileHandler interval: 'S', 'M', 'H', 'D', 'W0'-'W6' or 'midnight'",
      metavar: 'S|M|H|D|W0-W6|midnight',
    },
    log_rotate_interval: {
      type: 'string',
      key: 'logRotateInterval',
      defaultValue: DEFAULTS.logRotateInterval,
      help: 'The interval value of timed rotating',
      metavar: 'N',
    },
    log_rotate_mode: {
      type: 'string',
      key: 'logRotateMode',
      defaultValue: DEFAULTS.logRotateMode,
      help: 'The mode of rotating files (time or size)',
      metavar: 'size|time',
    },
    log_caller: {
      type: 'boolean',
      key: 'logCaller',
      defaultValue: DEFAULTS.logCaller,
      help: "Show each log call's file and line (costs a stack trace per call).",
    },
  };
}

/** What a command-line parser hands back: strings and booleans by flag name. */
export type ParsedArgs = Readonly<
  Record<string, string | boolean | (string | boolean)[] | undefined>
>;

/**
 * Turns parsed flags (tornado's names, as `util.parseArgs` returns them) into
 * {@link LoggingOptions}: numbers parsed, booleans accepted as `true`/`false`/`1`/`0` too.
 * Flags that are not logging flags are ignored; a malformed value is a `RangeError` naming
 * the flag.
 */
export function loggingOptionsFromArgs(values: ParsedArgs): Partial<LoggingOptions> {
  const options: Partial<Record<keyof LoggingOptions, unknown>> = {};
  for (const [flag, definition] of Object.entries(defineLoggingOptions())) {
    let value = values[flag];
    if (value === undefined) continue;
    if (Array.isArray(value)) value = value[value.length - 1];
    const name = `--${flag}`;
    if (NUMBER_KEYS.has(definition.key)) {
      if (typeof value !== 'string' || !/^\d+$/.test(value.trim())) {
        throw optionValueError('loggingOptionsFromArgs()', name, 'a whole number', value);
      }
      options[definition.key] = Number(value);
    } else if (definition.type === 'boolean') {
      options[definition.key] = toBoolean(name, value);
    } else {
      options[definition.key] = String(value);
    }
  }
  return options as Partial<LoggingOptions>;
}

function toBoolean(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).toLowerCase();
  if (['true', '1', 'yes', 'on', ''].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw optionValueError('loggingOptionsFromArgs()', name, 'true or false', value);
}
