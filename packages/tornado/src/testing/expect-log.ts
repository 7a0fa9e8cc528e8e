/**
 * tornado's `ExpectLog`: while it is open, records of one logger whose message matches a pattern
 * are counted and kept from every handler (so a test of an error path prints nothing), and
 * `close()` fails if none came. Other records go where they always go.
 *
 * Python installs it as a filter on the logger, which the logging module consults before any
 * handler sees a record of that logger. Our loggers (log/loggers.ts) have handlers and no
 * filters, so the filter sits in front of the handlers instead: every handler on the logger's
 * path (the logger's own and its ancestors', up to the root) is wrapped, for as long as the
 * ExpectLog is open, in a `FilterHandler` that drops the matched records. As in Python, only the
 * logger's own records are matched (not those of loggers below it), and the pattern must match
 * at the start of the message (`re.match`).
 *
 * One more handler, the `Sink`, goes on the logger itself: it sees the matched records even when
 * no handler is configured, where the last resort (log/loggers.ts) would otherwise print them.
 * Its presence turns the last resort off for the logger's records, so it prints the unmatched
 * warnings and errors that no other handler will, as the last resort would have.
 */
import { LogFormatter, type LogRecord } from '../log/formatter';
import { StreamHandler, type Handler } from '../log/handlers';
import { LEVEL_VALUES, levelName, toPinoLevel, type LevelName } from '../log/levels';
import {
  addHandler,
  appLog,
  getHandlers,
  getLogger,
  removeHandler,
  setLevel,
  type Logger,
} from '../log/loggers';
import { optionTypeError, optionValueError } from '../log/errors';
import { ExpectLogError } from './errors';

/** Options of `expectLog`. */
export interface ExpectLogOptions {
  /** Fail at `close()` if no record matched. Default true. */
  required?: boolean;
  /**
   * Match only records at this level (a name, `'info'` or `'warning'`, or pino's number); a
   * matching message at another level is let through, with a warning on `tornado.application`.
   * The logger's level is lowered to it while the ExpectLog is open, if it is above.
   */
  level?: LevelName | number;
}

/** The ExpectLogs open now, oldest first: a test's teardown closes what a failed test left. */
const open: ExpectLog[] = [];

/**
 * An expectation on a logger's records, open from `expectLog()` until `close()`.
 * tornado's `ExpectLog`; `matched` counts (tornado 6.5's is a count too), `loggedStack` is true
 * once a record of the logger came with an error (Python's `exc_info`).
 */
export class ExpectLog {
  readonly logger: Logger;
  /** The logger's dotted name (`root` for the root logger). */
  readonly name: string;
  readonly regex: RegExp;
  readonly required: boolean;
  /** The pino level number to match, or null for any. */
  readonly level: number | null;
  /** Records matched so far. */
  matched = 0;
  /** True once a record of the logger came with an error to print (`log.error(err, …)`). */
  loggedStack = false;
  #entered = false;
  #closed = false;
  /** How to put the logger's level back, if it was changed. */
  #restoreLevel: (() => void) | null = null;
  readonly #sink = new Sink(this);
  /** The verdict on the last record seen: one record goes to several handlers. */
  #lastRecord: LogRecord | null = null;
  #lastVerdict = false;

  /**
   * Use `expectLog()`, which also opens it.
   * @throws TypeError or RangeError for a bad logger, pattern or option
   */
  constructor(logger: Logger | string, regex: RegExp | string, options: ExpectLogOptions = {}) {
    const where = 'expectLog()';
    if (typeof logger === 'string') logger = getLogger(logger);
    else if (typeof logger !== 'object' || logger === null || typeof logger.bindings !== 'function')
      throw optionTypeError(where, 'logger', 'a Logger or a logger name', logger);
    this.logger = logger;
    const bound = logger.bindings().name as unknown;
    this.name = typeof bound === 'string' && bound !== '' ? bound : 'root';
    if (typeof regex === 'string') regex = new RegExp(regex);
    else if (!(regex instanceof RegExp))
      throw optionTypeError(where, 'regex', 'a RegExp or a string', regex);
    // Sticky: matched at the start of the message only, as Python's `re.match`.
    this.regex = new RegExp(regex.source, `${regex.flags.replace(/[gy]/g, '')}y`);
    if (typeof options !== 'object' || options === null)
      throw optionTypeError(where, 'options', 'an object', options);
    this.required = options.required ?? true;
    if (typeof this.required !== 'boolean')
      throw optionTypeError(where, 'required', 'a boolean', options.required);
    this.level = options.level === undefined ? null : levelValue(where, options.level);
  }

  /** Starts filtering (tornado's `__enter__`). `expectLog()` calls it. */
  enter(): this {
    if (this.#entered) throw new TypeError('ExpectLog.enter(): entered already');
    this.#entered = true;
    if (this.level !== null && this.level < LEVEL_VALUES[this.logger.level as 'info']) {
      this.#restoreLevel = levelRestorer(this.logger, this.name);
      setLevel(this.logger, levelName(this.level).toLowerCase() as LevelName);
    }
    for (const key of chainOf(this.name)) {
      const handlers = getHandlers(key);
      for (const handler of handlers) removeHandler(key, handler);
      for (const handler of handlers) addHandler(key, new FilterHandler(this, handler));
    }
    addHandler(keyOf(this.name), this.#sink);
    open.push(this);
    return this;
  }

  /**
   * Stops filtering (tornado's `__exit__`): the handlers and the level are as they were.
   * Closing twice is harmless.
   * @throws ExpectLogError if `required` and nothing matched
   */
  close(): void {
    if (!this.#entered || this.#closed) return;
    this.#restore();
    if (this.required && this.matched === 0) {
      const level = this.level === null ? '' : ` at ${levelName(this.level)}`;
      throw new ExpectLogError(
        `expectLog(): did not get expected log message: nothing matching ${String(this.regex)} was logged on ${this.name}${level}`,
      );
    }
  }

  /** `close()`, for `using expected = expectLog(…)`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal Undoes `enter()`, without the check. */
  #restore(): void {
    this.#closed = true;
    const at = open.indexOf(this);
    if (at >= 0) open.splice(at, 1);
    for (const key of chainOf(this.name)) {
      const handlers = getHandlers(key);
      for (const handler of handlers) removeHandler(key, handler);
      for (const handler of handlers) {
        const kept = withoutLayersOf(this, handler);
        if (kept !== null) addHandler(key, kept);
      }
    }
    this.#restoreLevel?.();
    this.#restoreLevel = null;
  }

  /** @internal Closes it without the check (a teardown after a failed test). */
  abandon(): void {
    if (this.#entered && !this.#closed) this.#restore();
  }

  /** @internal True when `record` is one to drop (counted once per record). */
  judge(record: LogRecord): boolean {
    if (record === this.#lastRecord) return this.#lastVerdict;
    let verdict = false;
    if (record.name === this.name) {
      if (record.err !== undefined) this.loggedStack = true;
      this.regex.lastIndex = 0;
      if (this.regex.test(record.message)) {
        if (this.level !== null && record.level !== this.level) {
          appLog.warn(
            `Got expected log message ${JSON.stringify(record.message)} at unexpected level (${levelName(this.level)} vs ${levelName(record.level)})`,
          );
        } else {
          this.matched++;
          verdict = true;
        }
      }
    }
    this.#lastRecord = record;
    this.#lastVerdict = verdict;
    return verdict;
  }

  toString(): string {
    const state = !this.#entered ? 'new' : this.#closed ? 'closed' : 'open';
    return `<ExpectLog ${this.name} ${String(this.regex)} ${state} matched=${String(this.matched)}>`;
  }
}

/**
 * Opens an expectation on `logger`'s records matching `regex` (at the start of the message):
 * they are counted and printed nowhere until `close()`, which fails if none came (unless
 * `required: false`). tornado's `with ExpectLog(logger, regex):`.
 * @example
 * ```ts
 * const expected = expectLog(appLog, /Uncaught exception/);
 * const response = await t.fetch('/fail');
 * expected.close(); // throws ExpectLogError if nothing was logged
 * expect(response.code).toBe(500);
 * ```
 */
export function expectLog(
  logger: Logger | string,
  regex: RegExp | string,
  options: ExpectLogOptions = {},
): ExpectLog {
  return new ExpectLog(logger, regex, options).enter();
}

/** @internal Closes, newest first and without their checks, the ExpectLogs a test left open. */
export function closeOpenExpectLogs(): void {
  while (open.length > 0) open.at(-1)!.abandon();
}

// ─── The handlers ────────────────────────────────────────────────────────────────────────────

/** A handler in front of another, dropping what its ExpectLog matched. */
class FilterHandler implements Handler {
  constructor(
    readonly owner: ExpectLog,
    public inner: Handler,
  ) {}

  get level(): number {
    return this.inner.level;
  }

  handle(record: LogRecord): void {
    if (!this.owner.judge(record)) this.inner.handle(record);
  }

  close(): void {
    this.inner.close();
  }
}

/** The ExpectLog's own handler on its logger (see the module comment). */
class Sink implements Handler {
  readonly level = 0;

  constructor(readonly owner: ExpectLog) {}

  handle(record: LogRecord): void {
    if (this.owner.judge(record) || record.level < LEVEL_VALUES.warn) return;
    // Printed if no real handler will see it, by the nearest Sink only.
    const handlers = chainOf(record.name).flatMap((key) => getHandlers(key).map(innermost));
    if (handlers.some((handler) => !(handler instanceof Sink)) || handlers[0] !== this) return;
    (lastResort ??= new StreamHandler({
      formatter: new LogFormatter({ format: '%(message)s', color: false }),
    })).handle(record);
  }

  close(): void {}
}

/** What log/loggers.ts's last resort does, for the records the Sink keeps from it. */
let lastResort: StreamHandler | null = null;

/** The handler a chain of FilterHandlers ends in. */
function innermost(handler: Handler): Handler {
  while (handler instanceof FilterHandler) handler = handler.inner;
  return handler;
}

/**
 * `handler` without `owner`'s layers: its FilterHandlers removed wherever they are in a chain of
 * them (ExpectLogs may be closed in any order), and null for its Sink, or anything in front of it.
 */
function withoutLayersOf(owner: ExpectLog, handler: Handler): Handler | null {
  if (handler instanceof Sink) return handler.owner === owner ? null : handler;
  if (!(handler instanceof FilterHandler)) return handler;
  const inner = withoutLayersOf(owner, handler.inner);
  if (handler.owner === owner || inner === null) return inner;
  handler.inner = inner;
  return handler;
}

// ─── Names and levels ────────────────────────────────────────────────────────────────────────

/** The handler keys a record of `name` goes through: itself, its ancestors, the root (''). */
function chainOf(name: string): string[] {
  const chain: string[] = [];
  for (
    let at = keyOf(name);
    at !== '';
    at = at.includes('.') ? at.slice(0, at.lastIndexOf('.')) : ''
  )
    chain.push(at);
  chain.push('');
  return chain;
}

function keyOf(name: string): string {
  return name === 'root' ? '' : name;
}

function levelValue(where: string, level: unknown): number {
  if (typeof level === 'number') {
    if (![10, 20, 30, 40, 50, 60].includes(level))
      throw optionValueError(where, 'level', 'a level name or 10, 20, 30, 40, 50 or 60', level);
    return level;
  }
  const value = LEVEL_VALUES[toPinoLevel(where, 'level', level)];
  if (!Number.isFinite(value)) throw optionValueError(where, 'level', 'a level to match', level);
  return value;
}

/**
 * How to put `logger`'s level back. setLevel has two kinds of level: a logger's own, and none
 * (it follows its nearest ancestor's), and nothing public tells them apart. A level equal to its
 * parent's is taken as followed (it is the same until the parent's changes): restored with
 * `setLevel(logger, null)`.
 */
function levelRestorer(logger: Logger, name: string): () => void {
  const level = logger.level as LevelName;
  if (name !== 'root') {
    const parent = name.includes('.')
      ? getLogger(name.slice(0, name.lastIndexOf('.')))
      : getLogger();
    if (parent.level === level) {
      return () => {
        try {
          setLevel(logger, null);
        } catch {
          setLevel(logger, level); // not one of getLogger's: it has only levels of its own
        }
      };
    }
  }
  return () => setLevel(logger, level);
}
