/**
 * File handlers: Python's `FileHandler`, `RotatingFileHandler` and `TimedRotatingFileHandler`,
 * which tornado's `--log_file_prefix` uses.
 *
 * **Every line reaches the kernel before the log call returns.** A handler holds one fd opened
 * for appending and writes each record with `writeSync`, as Python's handlers write and flush
 * each record. A crash right after a log call does not lose the line, rotation happens between
 * two whole lines, and `close()` has nothing left to flush: it closes the fd, and that is all a
 * file handler holds. The price is a blocking `write(2)` per record, which on a local disk is a
 * few microseconds (pino's own `sync: true` destination makes the same trade).
 *
 * Rotation renames files, it never copies or truncates them, so no line can be in two files or
 * in none. The only lines that ever go are those in backups beyond `backupCount`, on purpose.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkInteger, optionTypeError, optionValueError } from './errors';
import { LogFormatter, type LogRecord } from './formatter';
import type { Handler } from './handlers';
import { compileDateFormat } from './strftime';

/** Options of {@link FileHandler}. */
export interface FileHandlerOptions {
  /** The file to append to; created if missing (its directory must exist). */
  filename: string;
  /** Default a {@link LogFormatter} without colour. */
  formatter?: LogFormatter;
  /** pino level number below which records are skipped; default 0. */
  level?: number;
}

/**
 * Appends each record as a line to a file, synchronously. `close()` closes the file.
 *
 * @example
 * ```ts
 * const file = new FileHandler({ filename: '/var/log/app.log' });
 * addHandler(appLog, file);
 * // … at shutdown:
 * removeHandler(appLog, file);
 * file.close();
 * ```
 */
export class FileHandler implements Handler {
  /** The file written to; rotated files are named after it. */
  readonly filename: string;
  /** pino level number below which records are skipped. */
  readonly level: number;
  /** Makes each record's line. */
  readonly formatter: LogFormatter;
  #fd: number | undefined;
  #size = 0;

  constructor(options: FileHandlerOptions, where = 'FileHandler()') {
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError(where, 'options', 'an object with a filename', options);
    }
    if (typeof options.filename !== 'string' || options.filename === '') {
      throw optionTypeError(where, 'filename', 'a non-empty string', options.filename);
    }
    this.filename = options.filename;
    this.level = checkInteger(where, 'level', options.level ?? 0, 0);
    this.formatter = options.formatter ?? new LogFormatter({ color: false });
    this.open();
  }

  /** Bytes in the current file, counting what this handler wrote. */
  get size(): number {
    return this.#size;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#fd === undefined;
  }

  /** Appends the record's line (rolling over first if it is due); dropped once closed. */
  handle(record: LogRecord): void {
    if (this.#fd === undefined) return;
    const line = Buffer.from(`${this.formatter.format(record)}\n`, 'utf8');
    if (this.shouldRollover(record, line.length)) this.doRollover();
    const fd = this.#fd;
    for (let offset = 0; offset < line.length;) {
      offset += writeSync(fd, line, offset, line.length - offset);
    }
    this.#size += line.length;
  }

  /** Closes the file; a second call does nothing. */
  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    closeSync(fd);
  }

  /** Whether the line about to be written must go to a fresh file. */
  protected shouldRollover(_record: LogRecord, _bytes: number): boolean {
    return false;
  }

  /** Moves the current file aside; {@link reopen} then starts a new one. */
  protected doRollover(): void {}

  /** Closes the current file and opens `filename` again (a new, empty file after a rename). */
  protected reopen(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.open();
  }

  private open(): void {
    const fd = openSync(this.filename, 'a');
    try {
      this.#size = fstatSync(fd).size;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.#fd = fd;
  }
}

/** Options of {@link RotatingFileHandler}. */
export interface RotatingFileHandlerOptions extends FileHandlerOptions {
  /** Roll over before a file would pass this many bytes; 0 never rolls over. */
  maxBytes: number;
  /** How many old files to keep (`app.log.1` … `app.log.N`); 0 never rolls over. */
  backupCount: number;
}

/**
 * Python's `RotatingFileHandler`: when the next line would take `filename` past `maxBytes`,
 * `filename.1` becomes `filename.2` (and so on up to `backupCount`, the oldest dropped),
 * `filename` becomes `filename.1`, and the line starts a new `filename`.
 *
 * A file never passes `maxBytes` unless a single line is longer than that; such a line gets a
 * file of its own. As in Python, `maxBytes` or `backupCount` of 0 means the file never rolls over.
 *
 * @example
 * ```ts
 * const file = new RotatingFileHandler({ filename: 'app.log', maxBytes: 1e6, backupCount: 5 });
 * ```
 */
export class RotatingFileHandler extends FileHandler {
  /** A file rolls over before it would pass this many bytes (0: never). */
  readonly maxBytes: number;
  /** How many rolled-over files are kept (0: never rolls over). */
  readonly backupCount: number;

  constructor(options: RotatingFileHandlerOptions) {
    const where = 'RotatingFileHandler()';
    const maxBytes = checkInteger(where, 'maxBytes', options?.maxBytes, 0);
    const backupCount = checkInteger(where, 'backupCount', options.backupCount, 0);
    super(options, where);
    this.maxBytes = maxBytes;
    this.backupCount = backupCount;
  }

  protected override shouldRollover(_record: LogRecord, bytes: number): boolean {
    return (
      this.maxBytes > 0 &&
      this.backupCount > 0 &&
      this.size > 0 &&
      this.size + bytes > this.maxBytes
    );
  }

  protected override doRollover(): void {
    for (let i = this.backupCount - 1; i >= 1; i--) {
      const from = `${this.filename}.${i}`;
      if (existsSync(from)) renameSync(from, `${this.filename}.${i + 1}`);
    }
    renameSync(this.filename, `${this.filename}.1`);
    this.reopen();
  }
}

/** When a {@link TimedRotatingFileHandler} rolls over, as Python spells it (any case). */
export type RotateWhen =
  | 's'
  | 'm'
  | 'h'
  | 'd'
  | 'midnight'
  | 'w0'
  | 'w1'
  | 'w2'
  | 'w3'
  | 'w4'
  | 'w5'
  | 'w6'
  | 'S'
  | 'M'
  | 'H'
  | 'D'
  | 'MIDNIGHT'
  | 'W0'
  | 'W1'
  | 'W2'
  | 'W3'
  | 'W4'
  | 'W5'
  | 'W6';

/** Options of {@link TimedRotatingFileHandler}. */
export interface TimedRotatingFileHandlerOptions extends FileHandlerOptions {
  /** The unit: seconds, minutes, hours, days, at midnight, or on a weekday (`w0` is Monday). */
  when?: RotateWhen;
  /** How many units between rollovers (for `midnight` and `wN`: days and weeks); default 1. */
  interval?: number;
  /** How many old files to keep; 0 (the default) keeps them all. */
  backupCount?: number;
  /** Name files and find midnight in UTC rather than local time. */
  utc?: boolean;
  /** The clock, in ms since the epoch; default `Date.now`. Tests pass a fake one. */
  now?: () => number;
}

const SECOND = 1000;
const DAY = 86_400 * SECOND;
const UNITS: Record<string, { ms: number; suffix: string; pattern: string }> = {
  s: {
    ms: SECOND,
    suffix: '%Y-%m-%d_%H-%M-%S',
    pattern: '\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d',
  },
  m: { ms: 60 * SECOND, suffix: '%Y-%m-%d_%H-%M', pattern: '\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d' },
  h: { ms: 3600 * SECOND, suffix: '%Y-%m-%d_%H', pattern: '\\d{4}-\\d\\d-\\d\\d_\\d\\d' },
  d: { ms: DAY, suffix: '%Y-%m-%d', pattern: '\\d{4}-\\d\\d-\\d\\d' },
  midnight: { ms: DAY, suffix: '%Y-%m-%d', pattern: '\\d{4}-\\d\\d-\\d\\d' },
  w: { ms: 7 * DAY, suffix: '%Y-%m-%d', pattern: '\\d{4}-\\d\\d-\\d\\d' },
};

/** The value of a valid `when`, lower-cased; a RangeError naming `option` otherwise. */
export function checkWhen(where: string, option: string, when: unknown): string {
  if (typeof when !== 'string') throw optionTypeError(where, option, 'a string', when);
  const lower = when.toLowerCase();
  if (!/^(s|m|h|d|midnight|w[0-6])$/.test(lower)) {
    throw optionValueError(where, option, "one of 's', 'm', 'h', 'd', 'midnight', 'w0'–'w6'", when);
  }
  return lower;
}

/**
 * Python's `TimedRotatingFileHandler`: the first line written at or after the rollover time
 * renames `filename` to `filename.<start of the period it covers>` (`app.log.2025-11-26` for
 * `midnight`, `app.log.2025-11-26_12-00-05` for `s`) and starts a new file; beyond
 * `backupCount` the oldest backups are deleted.
 *
 * Like Python's, it rolls over when a record arrives, not on a timer: a quiet period leaves the
 * current file as it is. Unlike Python's, it never deletes a backup to reuse its name (Python
 * does when a restarted process rolls over into a name that exists): it writes
 * `filename.<time>.1` instead, so no line is lost.
 *
 * @example
 * ```ts
 * const file = new TimedRotatingFileHandler({ filename: 'app.log', when: 'midnight', backupCount: 7 });
 * ```
 */
export class TimedRotatingFileHandler extends FileHandler {
  /** The unit, lower-cased: `s`, `m`, `h`, `d`, `midnight` or `w0`–`w6`. */
  readonly when: string;
  /** Units between rollovers. */
  readonly interval: number;
  /** How many rolled-over files are kept (0: all). */
  readonly backupCount: number;
  /** Whether names and midnight are in UTC. */
  readonly utc: boolean;
  readonly #now: () => number;
  readonly #unit: { ms: number; suffix: string; pattern: string };
  readonly #suffix: (time: number) => string;
  readonly #backupName: RegExp;
  #rolloverAt: number;

  constructor(options: TimedRotatingFileHandlerOptions) {
    const where = 'TimedRotatingFileHandler()';
    const when = checkWhen(where, 'when', options?.when ?? 'h');
    const interval = checkInteger(where, 'interval', options.interval ?? 1, 1);
    const backupCount = checkInteger(where, 'backupCount', options.backupCount ?? 0, 0);
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') throw optionTypeError(where, 'now', 'a function', now);
    super(options, where);
    this.when = when;
    this.interval = interval;
    this.backupCount = backupCount;
    this.utc = options.utc ?? false;
    this.#now = now;
    this.#unit = UNITS[when.startsWith('w') ? 'w' : when]!;
    this.#suffix = compileDateFormat(this.#unit.suffix, 'suffix', this.utc, where);
    const escaped = basename(this.filename).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.#backupName = new RegExp(`^${escaped}\\.${this.#unit.pattern}(\\.\\d+)?$`);
    // As Python does, a file that exists keeps the schedule it was started on.
    const start = this.size > 0 ? statSync(this.filename).mtimeMs : now();
    this.#rolloverAt = this.computeRollover(start);
  }

  /** When the next rollover is due, in ms since the epoch. */
  get rolloverAt(): number {
    return this.#rolloverAt;
  }

  /** The first rollover time after `time`. */
  computeRollover(time: number): number {
    if (this.when !== 'midnight' && !this.when.startsWith('w')) {
      return time + this.interval * this.#unit.ms;
    }
    const date = new Date(time);
    const [year, month, day, weekday] = this.utc
      ? [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCDay()]
      : [date.getFullYear(), date.getMonth(), date.getDate(), date.getDay()];
    let days = 1; // the midnight that ends today
    if (this.when === 'midnight') {
      days += this.interval - 1;
    } else {
      // Python numbers weekdays from Monday = 0; the rollover is at the end of that day.
      const target = Number(this.when.slice(1));
      const today = (weekday + 6) % 7;
      if (today !== target) days += today < target ? target - today : 6 - today + target + 1;
      days += 7 * (this.interval - 1);
    }
    return this.utc
      ? Date.UTC(year, month, day + days)
      : new Date(year, month, day + days).getTime();
  }

  protected override shouldRollover(): boolean {
    return this.#now() >= this.#rolloverAt;
  }

  protected override doRollover(): void {
    const now = this.#now();
    if (this.size > 0) {
      const period = this.#rolloverAt - this.interval * this.#unit.ms;
      const name = `${this.filename}.${this.#suffix(period)}`;
      let target = name;
      for (let n = 1; existsSync(target); n++) target = `${name}.${n}`;
      renameSync(this.filename, target);
      this.reopen();
      this.deleteOldBackups();
    }
    let next = this.computeRollover(now);
    while (next <= now) next += this.interval * this.#unit.ms;
    this.#rolloverAt = next;
  }

  private deleteOldBackups(): void {
    if (this.backupCount === 0) return;
    const dir = dirname(this.filename);
    const backups = readdirSync(dir)
      .filter((name) => this.#backupName.test(name))
      .sort(byBackupAge);
    for (const name of backups.slice(0, Math.max(0, backups.length - this.backupCount))) {
      unlinkSync(join(dir, name));
    }
  }
}

/** Oldest first: by time suffix, then `name.<t>` before `name.<t>.1` before `name.<t>.2`. */
function byBackupAge(a: string, b: string): number {
  const [, ta = '', na = '0'] = /^(.*?)(?:\.(\d+))?$/.exec(a) ?? [];
  const [, tb = '', nb = '0'] = /^(.*?)(?:\.(\d+))?$/.exec(b) ?? [];
  if (ta !== tb) return ta < tb ? -1 : 1;
  return Number(na) - Number(nb);
}
