/**
 * The loggers: pino loggers that all write to one router, which turns each call into a
 * `LogRecord` and hands it to the handlers of the logger and of its ancestors.
 *
 * **Why a router and not a pino destination per logger.** In Python a logger is a name in a
 * tree, and handlers are added to it after the fact: tornado's `access_log` exists at import,
 * and `enable_pretty_logging()` later adds a handler to the root logger that every tornado
 * logger's records reach. A pino logger is bound to its destination when it is made. So every
 * logger here is a child of one root pino logger whose destination is the router, and the tree
 * lives in the router: handlers are kept by logger name, and a record from `tornado.access`
 * goes to the handlers of `tornado.access`, `tornado` and the root, in that order.
 *
 * The router asks pino for the call's metadata (`Symbol.for('pino.metadata')`, as pino's own
 * multistream does): pino hands it the level, the message, the object logged and the logger
 * before each write, so nothing is parsed back from pino's JSON line, which is dropped.
 *
 * **Levels.** pino filters by level before it does any work, and that is the fast path to
 * keep. A logger with no level of its own takes its nearest ancestor's, as in Python: `setLevel`
 * sets one and pushes the effective level down to every logger `getLogger` made. A level set
 * directly on a logger (`accessLog.level = 'debug'`) is noticed and kept as the logger's own.
 *
 * **Caller positions.** `%(module)s:%(lineno)d` needs the caller's file and line, which in
 * JavaScript means capturing a stack on every call, some microseconds each. It is off by default
 * and turned on with `setCaptureCaller(true)` (or `logCaller` in the options).
 */
import { pino, type Logger } from 'pino';
import { inspect } from 'node:util';
import { optionTypeError, optionValueError } from './errors';
import { LogFormatter, type LogRecord } from './formatter';
import type { Handler } from './handlers';
import { StreamHandler } from './handlers';
import { LEVEL_VALUES, toPinoLevel, type LevelName, type PinoLevel } from './levels';

export type { Logger } from 'pino';

const METADATA = Symbol.for('pino.metadata');
const ROOT_NAME = 'root';

/** Handlers by logger name; the root logger's are under ''. */
const handlersByName = new Map<string, Handler[]>();
/** For each logger name, itself and its ancestors up to the root (''), nearest first. */
const chains = new Map<string, string[]>();
/** Logger names, known for the loggers `getLogger` made and learned for their children. */
const names = new WeakMap<object, string>();

/**
 * Python's last resort: with no handler anywhere on a record's path, warnings and errors still
 * reach stderr (bare messages, and stacks), so an error is never lost for want of configuration.
 */
const lastResort: Handler = {
  level: LEVEL_VALUES.warn,
  handle(record) {
    lastResortHandler ??= new StreamHandler({
      formatter: new LogFormatter({ format: '%(message)s', color: false }),
    });
    lastResortHandler.handle(record);
  },
  close() {},
};
let lastResortHandler: StreamHandler | undefined;

let captureCaller = false;
let pendingCaller: { file: string; line: number } | undefined;

/** The caller of the log method: the first frame outside pino and this file. */
function findCaller(): { file: string; line: number } | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 16;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  let ownFile: string | undefined;
  for (const frame of stack.split('\n').slice(1)) {
    const match = /^\s*at (?:.*? \()?(.+?):(\d+):\d+\)?$/.exec(frame);
    if (match === null) continue;
    const file = match[1]!;
    ownFile ??= file; // the first frame is this module's own mixin
    if (file === ownFile || /[\\/]pino[\\/](lib[\\/]|pino\.js)/.test(file)) continue;
    return { file, line: Number(match[2]) };
  }
  return undefined;
}

/** pino's destination for every logger: dispatches each call to the handlers on its path. */
class Router {
  readonly [METADATA] = true;
  lastLevel = 0;
  lastMsg: unknown;
  lastObj: Record<string, unknown> = {};
  lastTime = '';
  lastLogger: object | undefined;

  write(_json: string): void {
    const caller = pendingCaller;
    pendingCaller = undefined;
    const name = this.lastLogger === undefined ? ROOT_NAME : nameOf(this.lastLogger);
    const { err, ...fields } = this.lastObj;
    const time = Number(this.lastTime);
    const record: LogRecord = {
      name,
      level: this.lastLevel,
      message: messageOf(this.lastMsg),
      time: Number.isFinite(time) ? time : Date.now(),
      err,
      file: caller?.file,
      line: caller?.line,
      fields,
    };
    let handled = false;
    for (const key of chainOf(name === ROOT_NAME ? '' : name)) {
      for (const handler of handlersByName.get(key) ?? []) {
        handled = true;
        if (record.level >= handler.level) emit(handler, record);
      }
    }
    if (!handled && record.level >= lastResort.level) emit(lastResort, record);
  }
}

/** pino hands over a string, or undefined when a call logged only an object. */
function messageOf(msg: unknown): string {
  if (typeof msg === 'string') return msg;
  return msg === undefined || msg === null ? '' : inspect(msg);
}

/** Python's `Handler.handleError`: a handler that fails is reported, the log call does not throw. */
function emit(handler: Handler, record: LogRecord): void {
  try {
    handler.handle(record);
  } catch (error) {
    try {
      process.stderr.write(
        `--- Logging error ---\n${inspect(error)}\nwhile logging ${inspect(record)}\n`,
      );
    } catch {
      // stderr itself is gone: nowhere left to report to
    }
  }
}

function chainOf(name: string): string[] {
  let chain = chains.get(name);
  if (chain === undefined) {
    chain = [];
    for (let at = name; at !== ''; at = at.includes('.') ? at.slice(0, at.lastIndexOf('.')) : '') {
      chain.push(at);
    }
    chain.push('');
    chains.set(name, chain);
  }
  return chain;
}

/** A logger's name: known, or read once from a child's bindings (`logger.child({ name })`). */
function nameOf(logger: object): string {
  let name = names.get(logger);
  if (name === undefined) {
    const bound = (logger as Logger).bindings().name as unknown;
    name = typeof bound === 'string' && bound !== '' ? bound : ROOT_NAME;
    names.set(logger, name);
  }
  return name;
}

const root: Logger = pino(
  {
    level: 'warn', // Python's root logger starts at WARNING
    base: null,
    mixin: () => {
      if (captureCaller) pendingCaller = findCaller();
      return NO_FIELDS;
    },
    // The user's object wins and the mixin adds nothing, so nothing needs copying.
    mixinMergeStrategy: (mergeObject) => mergeObject,
  },
  new Router(),
);
const NO_FIELDS = Object.freeze({});
names.set(root, ROOT_NAME);

interface Entry {
  readonly logger: Logger;
  /** The level this module last gave the logger; another one means the user set it. */
  assigned: string;
}

/** The loggers `getLogger` made, by name. */
const registry = new Map<string, Entry>();

/**
 * The logger with this dotted name, made on first use: Python's `logging.getLogger`. With no
 * name (or `''`), the root logger, whose handlers see every logger's records.
 *
 * @example
 * ```ts
 * const log = getLogger('myapp.db');
 * log.info('connected to %s', url);
 * log.error(err, 'query failed'); // the message, then err's stack, indented
 * ```
 */
export function getLogger(name = ''): Logger {
  if (typeof name !== 'string') throw optionTypeError('getLogger()', 'name', 'a string', name);
  if (name === '' || name === ROOT_NAME) return root;
  let entry = registry.get(name);
  if (entry === undefined) {
    const logger = root.child({ name });
    names.set(logger, name);
    const level = effectiveLevel(name);
    logger.level = level;
    entry = { logger, assigned: level };
    registry.set(name, entry);
  }
  return entry.logger;
}

/** The level of the nearest ancestor that has one of its own, or the root's. */
function effectiveLevel(name: string): string {
  for (const ancestor of chainOf(name).slice(1)) {
    if (ancestor === '') break;
    const entry = registry.get(ancestor);
    if (entry !== undefined && entry.logger.level !== entry.assigned) return entry.logger.level;
  }
  return root.level;
}

/** Gives every logger without a level of its own its nearest ancestor's. */
function propagateLevels(): void {
  const byDepth = [...registry.entries()].sort(
    ([a], [b]) => a.split('.').length - b.split('.').length,
  );
  for (const [name, entry] of byDepth) {
    if (entry.logger.level !== entry.assigned) continue; // set by the user: its own
    const level = effectiveLevel(name);
    entry.logger.level = level;
    entry.assigned = level;
  }
}

/**
 * Sets a logger's level (Python's `logger.setLevel`): pino's or Python's names, or `none`.
 * Loggers below it that have no level of their own follow. `null` takes a named logger's own
 * level away, so that it follows its ancestors again (Python's `NOTSET`).
 *
 * @example
 * ```ts
 * setLevel(getLogger(), 'debug'); // everything, from every logger
 * setLevel(accessLog, 'warning'); // but only warnings from the access log
 * setLevel(accessLog, null); // the access log follows the root again
 * ```
 */
export function setLevel(logger: Logger | string, level: LevelName | null): void {
  const target = typeof logger === 'string' ? getLogger(logger) : logger;
  const entry = registry.get(nameOf(target));
  const registered = entry !== undefined && entry.logger === target;
  if (level === null) {
    if (!registered) {
      throw optionValueError('setLevel()', 'level', 'a level name for this logger', level);
    }
    entry.assigned = target.level; // looks assigned, so propagation takes it over
  } else {
    const pinoLevel: PinoLevel = toPinoLevel('setLevel()', 'level', level);
    target.level = pinoLevel;
    // A level of its own: distinct from anything propagation would assign.
    if (registered) entry.assigned = `(own) ${pinoLevel}`;
  }
  propagateLevels();
}

/** The handlers on a logger, in the order they were added. */
export function getHandlers(logger: Logger | string): readonly Handler[] {
  return [...(handlersByName.get(keyOf(logger)) ?? [])];
}

/**
 * Attaches a handler to a logger (by default the root logger): it receives the records of that
 * logger and of every logger below it.
 *
 * @example
 * ```ts
 * const file = new FileHandler({ filename: 'access.log' });
 * addHandler(accessLog, file);
 * ```
 */
export function addHandler(logger: Logger | string, handler: Handler): void {
  if (typeof handler?.handle !== 'function' || typeof handler.close !== 'function') {
    throw optionTypeError('addHandler()', 'handler', 'a Handler', handler);
  }
  const key = keyOf(logger);
  const list = handlersByName.get(key) ?? [];
  if (!list.includes(handler)) list.push(handler);
  handlersByName.set(key, list);
}

/** Detaches a handler from a logger; returns whether it was attached. Does not close it. */
export function removeHandler(logger: Logger | string, handler: Handler): boolean {
  const key = keyOf(logger);
  const list = handlersByName.get(key);
  const index = list?.indexOf(handler) ?? -1;
  if (list === undefined || index < 0) return false;
  list.splice(index, 1);
  if (list.length === 0) handlersByName.delete(key);
  return true;
}

/**
 * Python's `logging.shutdown`: detaches every handler from every logger and closes each once.
 * Call it last thing, or in a test's teardown, so that no log file is left open.
 */
export function shutdownLogging(): void {
  const all = new Set([...handlersByName.values()].flat());
  handlersByName.clear();
  for (const handler of all) handler.close();
}

/**
 * Turns capture of the caller's file and line on or off for every logger (off by default:
 * it costs a stack trace per call). When on, `%(where)s` and `%(module)s:%(lineno)d` show
 * the file and line of the log call, as tornado's lines do.
 */
export function setCaptureCaller(enabled: boolean): void {
  if (typeof enabled !== 'boolean') {
    throw optionTypeError('setCaptureCaller()', 'enabled', 'a boolean', enabled);
  }
  captureCaller = enabled;
}

function keyOf(logger: Logger | string): string {
  if (typeof logger === 'string') return logger === ROOT_NAME ? '' : logger;
  const name = nameOf(logger);
  return name === ROOT_NAME ? '' : name;
}

// #region tornado-loggers
/** `tornado.access`: one line per HTTP request served. */
export const accessLog: Logger = getLogger('tornado.access');
/** `tornado.application`: errors from application code, such as uncaught exceptions in callbacks. */
export const appLog: Logger = getLogger('tornado.application');
/** `tornado.general`: everything else tornado itself has to say, errors and warnings included. */
export const genLog: Logger = getLogger('tornado.general');
// #endregion tornado-loggers
