/**
 * `LogFormatter`: tornado's log line, `[I 251126 12:00:00 web:2250] 200 GET / (::1) 1.20ms`.
 *
 * A format is a Python `%`-style template over a record's attributes (`%(levelname)1.1s`,
 * `%(asctime)s`), compiled once. The attribute names are Python's, so a format copied from a
 * tornado program works unchanged. One attribute is aio's own: `%(where)s`, which is
 * `module:line` when the caller's position was captured and the logger's name otherwise (see
 * `setCaptureCaller`). tornado's default format shows `%(module)s:%(lineno)d`; ours shows
 * `%(where)s`, which prints the same thing when positions are captured and, when they are not,
 * the logger's name instead of a meaningless `:0`.
 *
 * As in tornado, every line after the first (the rest of a multi-line message, then the error's
 * stack) is indented by four spaces, so a reader or `grep` can tell where one record ends.
 */
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { optionTypeError, optionValueError } from './errors';
import { levelName } from './levels';
import { compileDateFormat, type DateFormatter } from './strftime';

/** One log call, as handlers and formatters see it. */
export interface LogRecord {
  /** The logger's name: `tornado.access`; the root logger's is `root`. */
  readonly name: string;
  /** pino's level number: 30 for `info`, 40 for `warn`. */
  readonly level: number;
  /** The message, with pino's `%s`/`%d`/`%o` arguments already substituted. */
  readonly message: string;
  /** When the call was made, in ms since the epoch. */
  readonly time: number;
  /** The error to print with its stack (pino's `err`: `log.error(err, 'msg')`), if any. */
  readonly err?: unknown;
  /** The caller's file (a path or `file:` URL) and line, when positions are captured. */
  readonly file?: string;
  readonly line?: number;
  /** The other keys of the object passed to the log call, usable in a format as `%(key)s`. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What colour auto-detection looks at: a `tty.WriteStream` has both. */
export interface ColorStream {
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}

/** Options of {@link LogFormatter}. */
export interface LogFormatterOptions {
  /** A Python `%`-style template; default {@link LogFormatter.DEFAULT_FORMAT}. */
  format?: string;
  /** A strftime template for `%(asctime)s`; default {@link LogFormatter.DEFAULT_DATE_FORMAT}. */
  dateFormat?: string;
  /**
   * Colour the text between `%(color)s` and `%(end_color)s` by level: `true` always, `false`
   * never, `'auto'` (the default) only when `stream` is a terminal with colours.
   */
  color?: boolean | 'auto';
  /** The stream the lines go to, for `color: 'auto'`; default `process.stderr`, as in tornado. */
  stream?: ColorStream;
  /** Level number → ANSI colour number (0–7); default {@link LogFormatter.DEFAULT_COLORS}. */
  colors?: Readonly<Record<number, number>>;
  /** Show `%(asctime)s` in UTC instead of local time. */
  utc?: boolean;
}

/** One compiled piece of a format: literal text, or a record attribute to convert. */
type Part = string | ((record: LogRecord, self: LogFormatter) => string);

/** `%(key)flags width .precision conversion`, or `%%`. */
const PLACEHOLDER = /%(?:\((\w+)\)([-0 +#]*)(\d+)?(?:\.(\d+))?([sdirf])|%)/y;

/**
 * tornado's log formatter: the level letter, a timestamp and where the call came from, coloured
 * on a terminal, then the message; continuation lines and error stacks indented by four spaces.
 *
 * @example
 * ```ts
 * const formatter = new LogFormatter({ color: false });
 * formatter.format({ name: 'tornado.general', level: 30, message: 'ready', time: Date.now() });
 * // '[I 251126 12:00:00 tornado.general] ready'
 * ```
 */
export class LogFormatter {
  // #region default-format
  /** tornado's layout, with aio's `%(where)s` standing for `%(module)s:%(lineno)d`. */
  static readonly DEFAULT_FORMAT =
    '%(color)s[%(levelname)1.1s %(asctime)s %(where)s]%(end_color)s %(message)s';
  /** `251126 12:00:00`: two-digit year, month, day, then the time. */
  static readonly DEFAULT_DATE_FORMAT = '%y%m%d %H:%M:%S';
  /** tornado's colours: debug blue, info green, warning yellow, error red, critical magenta. */
  static readonly DEFAULT_COLORS: Readonly<Record<number, number>> = Object.freeze({
    20: 4,
    30: 2,
    40: 3,
    50: 1,
    60: 5,
  });
  // #endregion default-format

  /** Whether this formatter colours its lines (decided once, when it is made). */
  readonly colored: boolean;
  readonly #parts: Part[];
  readonly #formatDate: DateFormatter;
  readonly #colors = new Map<number, string>();
  readonly #normal: string;

  constructor(options: LogFormatterOptions = {}) {
    const {
      format = LogFormatter.DEFAULT_FORMAT,
      dateFormat = LogFormatter.DEFAULT_DATE_FORMAT,
      color = 'auto',
      stream = process.stderr,
      colors = LogFormatter.DEFAULT_COLORS,
      utc = false,
    } = options;
    if (typeof format !== 'string') {
      throw optionTypeError('LogFormatter()', 'format', 'a string', format);
    }
    if (typeof dateFormat !== 'string') {
      throw optionTypeError('LogFormatter()', 'dateFormat', 'a string', dateFormat);
    }
    if (color !== true && color !== false && color !== 'auto') {
      throw optionValueError('LogFormatter()', 'color', "true, false or 'auto'", color);
    }
    this.#parts = compileFormat(format);
    this.#formatDate = compileDateFormat(dateFormat, 'dateFormat', utc);
    this.colored = color === 'auto' ? supportsColor(stream) : color;
    if (this.colored) {
      for (const [level, code] of Object.entries(colors)) {
        this.#colors.set(Number(level), `\x1b[3${code}m`);
      }
      this.#normal = '\x1b[0m';
    } else {
      this.#normal = '';
    }
  }

  /** The record as one string, without a trailing newline. */
  format(record: LogRecord): string {
    let formatted: string;
    try {
      formatted = '';
      for (const part of this.#parts) {
        formatted += typeof part === 'string' ? part : part(record, this);
      }
    } catch (error) {
      // tornado's fallback: a record that cannot be formatted is still logged, with the reason.
      formatted = `Bad message (${inspect(error)}): ${inspect(record)}`;
    }
    if (record.err !== undefined) {
      formatted = `${formatted.trimEnd()}\n${errorText(record.err)}`;
    }
    return formatted.replaceAll('\n', '\n    ');
  }

  /** `%(asctime)s` of a time in ms since the epoch. */
  formatTime(time: number): string {
    return this.#formatDate(time);
  }

  /** @internal `%(color)s` of a level. */
  colorOf(level: number): string {
    return this.#colors.get(level) ?? '';
  }

  /** @internal `%(end_color)s` of a level. */
  endColorOf(level: number): string {
    return this.#colors.has(level) ? this.#normal : '';
  }

  get [Symbol.toStringTag](): string {
    return 'LogFormatter';
  }
}

// #region supports-color
/** tornado's test: the stream is a terminal that has colours (NO_COLOR and TERM=dumb say no). */
function supportsColor(stream: ColorStream): boolean {
  if (stream.isTTY !== true) return false;
  return typeof stream.hasColors === 'function' ? stream.hasColors() : true;
}
// #endregion supports-color

/** The text an error adds under its record: its stack, then each `cause`'s, as Python chains. */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return inspect(err);
  let text = err.stack ?? `${err.name}: ${err.message}`;
  const seen = new Set<unknown>([err]);
  let cause: unknown = err.cause;
  while (cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    text += `\nCaused by: ${cause instanceof Error ? (cause.stack ?? String(cause)) : inspect(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/** The caller's file as a path (stacks under ESM give `file:` URLs). */
function pathOf(file: string): string {
  return file.startsWith('file:') ? fileURLToPath(file) : file;
}

/** A record attribute by its Python name, or a field of the logged object. */
function attribute(record: LogRecord, key: string, self: LogFormatter): unknown {
  switch (key) {
    case 'name':
      return record.name;
    case 'levelno':
      return record.level;
    case 'levelname':
      return levelName(record.level);
    case 'message':
      return record.message;
    case 'asctime':
      return self.formatTime(record.time);
    case 'created':
      return record.time / 1000;
    case 'msecs':
      return record.time % 1000;
    case 'pathname':
      return record.file === undefined ? record.name : pathOf(record.file);
    case 'filename':
      return record.file === undefined ? record.name : basename(pathOf(record.file));
    case 'module': {
      if (record.file === undefined) return record.name;
      const file = basename(pathOf(record.file));
      return file.slice(0, file.length - extname(file).length);
    }
    case 'lineno':
      return record.line ?? 0;
    case 'where':
      return record.file === undefined
        ? record.name
        : `${String(attribute(record, 'module', self))}:${record.line ?? 0}`;
    case 'color':
      return self.colorOf(record.level);
    case 'end_color':
      return self.endColorOf(record.level);
    case 'process':
      return process.pid;
    default:
      return record.fields?.[key] ?? '';
  }
}

/** Compiles a `%`-style format into literal text and attribute converters. */
function compileFormat(format: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < format.length;) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, percent);
    PLACEHOLDER.lastIndex = percent;
    const match = PLACEHOLDER.exec(format);
    if (match === null) {
      throw optionValueError(
        'LogFormatter()',
        'format',
        `a %-style format of %(name)s placeholders (bad placeholder at ${percent})`,
        format,
      );
    }
    i = PLACEHOLDER.lastIndex;
    const [, key, flags = '', width, precision, conversion] = match;
    if (key === undefined) {
      literal += '%';
      continue;
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(converter(key, flags, width, precision, conversion!));
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

function converter(
  key: string,
  flags: string,
  width: string | undefined,
  precision: string | undefined,
  conversion: string,
): Part {
  const minWidth = width === undefined ? 0 : Number(width);
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left;
  const digits = precision === undefined ? undefined : Number(precision);
  return (record, self) => {
    const value = attribute(record, key, self);
    let text: string;
    switch (conversion) {
      case 'd':
      case 'i':
        text = String(Math.trunc(Number(value)));
        break;
      case 'f':
        text = Number(value).toFixed(digits ?? 6);
        break;
      case 'r':
        text = inspect(value);
        break;
      default:
        text = typeof value === 'string' ? value : stringOf(value);
        if (digits !== undefined) text = text.slice(0, digits);
    }
    if (text.length >= minWidth) return text;
    if (left) return text.padEnd(minWidth);
    return zero && conversion !== 's' ? text.padStart(minWidth, '0') : text.padStart(minWidth);
  };
}

function stringOf(value: unknown): string {
  return typeof value === 'object' && value !== null ? inspect(value) : String(value);
}
