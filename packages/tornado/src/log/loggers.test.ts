/**
 * The loggers: tornado's three names, Python's tree (levels inherited, records reaching the
 * handlers of every ancestor), errors and fields from pino calls, caller positions, and the
 * last resort when nothing is configured (in a child process, whose stderr is its own).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogFormatter } from './formatter';
import type { Handler } from './handlers';
import {
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
} from './loggers';
import { collector, thrown } from './test-files';
import { runTs } from '../test-run-ts';

// This file starts a child process (Node with tsx): seconds alone, and ten times that on a loaded
// 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const DATE = String.raw`\d{6} \d\d:\d\d:\d\d`;

afterEach(() => {
  shutdownLogging();
  setCaptureCaller(false);
  for (const logger of [accessLog, appLog, genLog]) setLevel(logger, null);
  setLevel(getLogger(), 'warn');
});

/** A collector on the root logger, at `level`. */
function capture(level: Parameters<typeof setLevel>[1] = 'debug'): string[] {
  const { handler, lines } = collector();
  addHandler(getLogger(), handler);
  setLevel(getLogger(), level);
  return lines;
}

describe("tornado's three loggers", () => {
  it('are named tornado.access, tornado.application and tornado.general, and are getLogger’s', () => {
    const lines = capture('info');
    accessLog.info('200 GET / (127.0.0.1) 0.52ms');
    appLog.error('Uncaught exception');
    genLog.warn('Connect error');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(`^\\[I ${DATE} tornado\\.access\\] 200 GET / \\(127\\.0\\.0\\.1\\) 0\\.52ms$`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^\\[E ${DATE} tornado\\.application\\] Uncaught exception$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^\\[W ${DATE} tornado\\.general\\] Connect error$`));
    expect(getLogger('tornado.access')).toBe(accessLog);
    expect(getLogger('tornado.application')).toBe(appLog);
    expect(getLogger('tornado.general')).toBe(genLog);
  });

  it("a child of one keeps its name (pino's logger.child)", () => {
    const lines = capture();
    accessLog.child({ requestId: 7 }).info('done');
    expect(lines[0]).toMatch(/ tornado\.access\] done$/);
  });
});

describe('levels', () => {
  it('drops records below the level, and the root level reaches every logger', () => {
    const lines = capture('warning');
    genLog.debug('d');
    genLog.info('i');
    genLog.warn('w');
    accessLog.info('i');
    setLevel(getLogger(), 'debug');
    genLog.debug('d2');
    accessLog.info('i2');
    expect(lines.map((line) => line.slice(-2).trim())).toEqual(['w', 'd2', 'i2']);
    expect([genLog.level, accessLog.level]).toEqual(['debug', 'debug']);
  });

  it('a logger with a level of its own keeps it when the root changes, until it is taken away', () => {
    const lines = capture('debug');
    setLevel(accessLog, 'error');
    setLevel(getLogger(), 'info');
    accessLog.warn('access warning');
    genLog.info('general info');
    setLevel(accessLog, null);
    accessLog.info('access info');
    expect(lines.map((line) => line.replace(/^.*\] /, ''))).toEqual([
      'general info',
      'access info',
    ]);
  });

  it('a level set on a pino logger directly counts as its own', () => {
    capture('info');
    genLog.level = 'error';
    setLevel(getLogger(), 'debug');
    expect(genLog.level).toBe('error');
    expect(appLog.level).toBe('debug');
  });

  it('a logger made later takes the level of its nearest ancestor that has one', () => {
    setLevel(getLogger(), 'error');
    setLevel('myapp', 'debug');
    expect(getLogger('myapp.db.pool').level).toBe('debug');
    expect(getLogger('other').level).toBe('error');
  });

  it('takes Python names and pino names; none silences; anything else is a RangeError', () => {
    setLevel(genLog, 'WARNING');
    expect(genLog.level).toBe('warn');
    setLevel(genLog, 'critical');
    expect(genLog.level).toBe('fatal');
    setLevel(genLog, 'none');
    expect(genLog.level).toBe('silent');
    expect(thrown(() => setLevel(genLog, 'verbose' as 'info'))).toEqual({
      name: 'RangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message:
        'setLevel(): level must be one of trace, debug, info, warn, warning, error, fatal, critical, silent, none, got "verbose"',
    });
  });
});

describe('handlers on the tree', () => {
  it('a record reaches the handlers of its logger and of every ancestor, not of siblings', () => {
    setLevel(getLogger(), 'info');
    const onTornado = collector();
    const onAccess = collector();
    const onRoot = collector();
    addHandler('tornado', onTornado.handler);
    addHandler(accessLog, onAccess.handler);
    addHandler(getLogger(), onRoot.handler);
    accessLog.info('a');
    genLog.info('g');
    getLogger('elsewhere').info('e');
    const messages = (lines: string[]): string[] => lines.map((line) => line.slice(-1));
    expect(messages(onAccess.lines)).toEqual(['a']);
    expect(messages(onTornado.lines)).toEqual(['a', 'g']);
    expect(messages(onRoot.lines)).toEqual(['a', 'g', 'e']);
    expect(getHandlers('tornado')).toEqual([onTornado.handler]);
    expect(removeHandler('tornado', onTornado.handler)).toBe(true);
    expect(removeHandler('tornado', onTornado.handler)).toBe(false);
  });

  it("a handler's own level filters what it gets", () => {
    setLevel(getLogger(), 'debug');
    const errorsOnly = collector({ color: false }, 50);
    addHandler(getLogger(), errorsOnly.handler);
    genLog.warn('w');
    genLog.error('e');
    expect(errorsOnly.lines).toHaveLength(1);
    expect(errorsOnly.lines[0]).toMatch(/\] e$/);
  });

  it('a handler that throws does not make the log call throw, and the others still get the record', () => {
    const lines = capture('info');
    const broken: Handler = {
      level: 0,
      handle() {
        throw new Error('disk full');
      },
      close() {},
    };
    addHandler('tornado', broken);
    expect(() => genLog.error('still logged')).not.toThrow();
    expect(lines[0]).toMatch(/still logged$/);
  });

  it('shutdownLogging closes every handler once and detaches them all', () => {
    let closes = 0;
    const counted: Handler = { level: 0, handle() {}, close: () => void closes++ };
    addHandler(getLogger(), counted);
    addHandler(genLog, counted);
    shutdownLogging();
    expect(closes).toBe(1);
    expect([getHandlers(getLogger()), getHandlers(genLog)]).toEqual([[], []]);
  });
});

describe('what a log call carries', () => {
  it("substitutes pino's printf arguments", () => {
    const lines = capture();
    genLog.info('%s served %d requests in %dms', 'worker-1', 3, 12);
    expect(lines[0]).toMatch(/\] worker-1 served 3 requests in 12ms$/);
  });

  it('an error, given first or as err, adds its stack under the message; alone, its message is the message', () => {
    const lines = capture();
    const err = new Error('boom');
    appLog.error(err, 'Uncaught exception');
    appLog.error({ err }, 'again');
    appLog.error(err);
    const [first, second, third] = lines.map((line) => line.split('\n'));
    expect(first![0]).toMatch(/\] Uncaught exception$/);
    expect(first![1]).toBe('    Error: boom');
    expect(first![2]).toMatch(/^ {8}at .*loggers\.test\.ts:\d+/);
    expect(second![0]).toMatch(/\] again$/);
    expect(second![1]).toBe('    Error: boom');
    expect(third![0]).toMatch(/\] boom$/);
  });

  it("the logged object's fields are there for a format that names them", () => {
    const { handler, lines } = collector({
      color: false,
      format: '%(method)s %(status)d %(message)s',
    });
    addHandler(getLogger(), handler);
    setLevel(getLogger(), 'info');
    accessLog.info({ method: 'GET', status: 404 }, 'not found');
    expect(lines).toEqual(['GET 404 not found']);
  });

  it('records the caller’s file and line only once capture is on', () => {
    const lines = capture();
    genLog.info('without');
    setCaptureCaller(true);
    const line = Number(/:(\d+):\d+\)?$/.exec(new Error().stack!.split('\n')[1]!)![1]) + 1;
    genLog.info('with');
    expect(lines[0]).toMatch(/ tornado\.general\] without$/);
    expect(lines[1]).toMatch(new RegExp(` loggers\\.test:${line}\\] with$`));
    expect(thrown(() => setCaptureCaller('yes' as unknown as boolean))).toMatchObject({
      name: 'TypeError',
    });
  });

  it('the time of a record is the time of the call', () => {
    const { handler, lines } = collector({ color: false, format: '%(created)f' });
    addHandler(getLogger(), handler);
    const before = Date.now();
    genLog.warn('now');
    const after = Date.now();
    const created = Number(lines[0]) * 1000;
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(after);
  });
});

describe('with nothing configured', () => {
  it("Python's last resort: warnings and errors go to stderr as bare messages, nothing below", async () => {
    const fixture = fileURLToPath(new URL('./test-fixtures/last-resort-child.ts', import.meta.url));
    const { code, stdout, stderr } = await runTs(fixture);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        'a warning',
        '    over two lines',
        'Uncaught exception',
        '    Error: boom',
        '        at handler (server.ts:12:11)',
        '',
      ].join('\n'),
    );
  });
});

it('LogFormatter is what handlers format with by default (no colour off a terminal)', () => {
  const { handler } = collector();
  expect(handler.formatter).toBeInstanceOf(LogFormatter);
});
