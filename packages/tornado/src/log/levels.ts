/**
 * Levels. Loggers are pino's, so the numbers and method names are pino's (`trace` 10, `debug` 20,
 * `info` 30, `warn` 40, `error` 50, `fatal` 60). What a line shows is Python's: `levelname` is
 * `WARNING` for `warn` and `CRITICAL` for `fatal`, so tornado's one-letter prefix reads
 * `[W …]` and `[C …]` as it does in Python. Options accept either spelling.
 */
import { optionTypeError, optionValueError } from './errors';

/**
 * A level as options spell it: pino's names, Python's names, or `none` / `silent` for nothing,
 * in lower or upper case (`'warning'`, `'WARNING'`).
 */
export type LevelName = LowerLevelName | Uppercase<LowerLevelName>;

type LowerLevelName =
  | 'trace'
  | 'debug'
  | 'info'
  | 'warn'
  | 'warning'
  | 'error'
  | 'fatal'
  | 'critical'
  | 'silent'
  | 'none';

/** pino's level names, which are what `logger.level` holds. */
export type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const PINO_LEVEL: Record<LowerLevelName, PinoLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  silent: 'silent',
  none: 'silent',
};

/** pino's numbers for its names, as `pino.levels.values` has them. */
export const LEVEL_VALUES: Readonly<Record<PinoLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

const PYTHON_NAMES: ReadonlyMap<number, string> = new Map([
  [10, 'TRACE'],
  [20, 'DEBUG'],
  [30, 'INFO'],
  [40, 'WARNING'],
  [50, 'ERROR'],
  [60, 'CRITICAL'],
]);

/** Python's name for a level number: `INFO`, `WARNING`, `CRITICAL`; `Level 35` for others. */
export function levelName(level: number): string {
  return PYTHON_NAMES.get(level) ?? `Level ${level}`;
}

/** The pino level for a name in either spelling, any case; a clear RangeError otherwise. */
export function toPinoLevel(where: string, option: string, value: unknown): PinoLevel {
  if (typeof value !== 'string') throw optionTypeError(where, option, 'a level name', value);
  const level = PINO_LEVEL[value.toLowerCase() as LowerLevelName] as PinoLevel | undefined;
  if (level === undefined) {
    throw optionValueError(where, option, `one of ${Object.keys(PINO_LEVEL).join(', ')}`, value);
  }
  return level;
}
