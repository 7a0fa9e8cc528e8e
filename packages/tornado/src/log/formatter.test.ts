/**
 * LogFormatter on records built by hand: the exact line for each level, dates, colours,
 * continuation lines, errors, and formats that are wrong.
 */
import { describe, expect, it } from 'vitest';
import { LogFormatter, type LogRecord } from './formatter';
import { thrown } from './test-files';

/** 2025-11-26 12:00:05.123 local time: `%y%m%d %H:%M:%S` is 251126 12:00:05 in any zone. */
const TIME = new Date(2025, 10, 26, 12, 0, 5, 123).getTime();

function record(overrides: Partial<LogRecord> = {}): LogRecord {
  return { name: 'tornado.general', level: 30, message: 'hello', time: TIME, ...overrides };
}

const plain = new LogFormatter({ color: false });

describe('the default format', () => {
  it.each([
    [10, 'T'],
    [20, 'D'],
    [30, 'I'],
    [40, 'W'],
    [50, 'E'],
    [60, 'C'],
  ])(
    'level %i is the letter %s, then the date, the logger name and the message',
    (level, letter) => {
      expect(plain.format(record({ level }))).toBe(
        `[${letter} 251126 12:00:05 tornado.general] hello`,
      );
    },
  );

  it('shows module:line, as tornado does, when the caller was captured', () => {
    const line = plain.format(record({ file: 'file:///srv/app/web.ts', line: 2250 }));
    expect(line).toBe('[I 251126 12:00:05 web:2250] hello');
  });

  it("tornado's own %(module)s:%(lineno)d works, showing the logger name and 0 without a caller", () => {
    const tornado = new LogFormatter({
      color: false,
      format: '[%(levelname)1.1s %(asctime)s %(module)s:%(lineno)d] %(message)s',
    });
    expect(tornado.format(record({ file: '/srv/app/web.js', line: 7 }))).toBe(
      '[I 251126 12:00:05 web:7] hello',
    );
    expect(tornado.format(record())).toBe('[I 251126 12:00:05 tornado.general:0] hello');
  });
});

describe('formats and date formats', () => {
  it('takes a date format in strftime directives', () => {
    const iso = new LogFormatter({ color: false, dateFormat: '%Y-%m-%dT%H:%M:%S.%f %a %b %j %%' });
    expect(iso.formatTime(TIME)).toBe('2025-11-26T12:00:05.123000 Wed Nov 330 %');
  });

  it('shows the date in UTC when asked', () => {
    const utc = new LogFormatter({ color: false, utc: true, dateFormat: '%H:%M %z' });
    expect(utc.formatTime(Date.UTC(2025, 0, 2, 3, 4))).toBe('03:04 +0000');
  });

  it('applies width, precision and flags as Python does', () => {
    const f = new LogFormatter({
      color: false,
      format: '%(levelname)-8s|%(levelname)8s|%(levelname).3s|%(levelno)04d|%(created).1f|%%',
    });
    expect(f.format(record({ level: 40 }))).toBe(
      `WARNING | WARNING|WAR|0040|${(TIME / 1000).toFixed(1)}|%`,
    );
  });

  it("shows fields of the logged object by name, and nothing for a field that isn't there", () => {
    const f = new LogFormatter({ color: false, format: '%(message)s user=%(user)s ip=%(ip)s' });
    expect(f.format(record({ fields: { user: 'ada' } }))).toBe('hello user=ada ip=');
  });

  it('rejects a placeholder it cannot read, naming the option and the format', () => {
    expect(thrown(() => new LogFormatter({ format: '%(message)q' }))).toEqual({
      name: 'RangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message:
        'LogFormatter(): format must be a %-style format of %(name)s placeholders (bad placeholder at 0), got "%(message)q"',
    });
    expect(() => new LogFormatter({ format: '100% %(message)s' })).toThrow(RangeError);
  });

  it('rejects an unknown strftime directive', () => {
    expect(() => new LogFormatter({ dateFormat: '%y %Q' })).toThrowError(
      /^LogFormatter\(\): dateFormat must be a strftime format .* \(bad directive at 3\), got "%y %Q"$/,
    );
  });

  it('rejects a colour setting that is not true, false or auto', () => {
    expect(thrown(() => new LogFormatter({ color: 'yes' as unknown as boolean }))).toEqual({
      name: 'RangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: `LogFormatter(): color must be true, false or 'auto', got "yes"`,
    });
    expect(thrown(() => new LogFormatter({ format: 42 as unknown as string }))).toEqual({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'LogFormatter(): format must be a string, got 42',
    });
  });
});

describe('colours', () => {
  it('colours the bracketed prefix by level when colour is on', () => {
    const colored = new LogFormatter({ color: true });
    expect(colored.colored).toBe(true);
    expect(colored.format(record({ level: 20 }))).toBe(
      '\x1b[34m[D 251126 12:00:05 tornado.general]\x1b[0m hello',
    );
    expect(colored.format(record({ level: 30 })).slice(0, 5)).toBe('\x1b[32m');
    expect(colored.format(record({ level: 40 })).slice(0, 5)).toBe('\x1b[33m');
    expect(colored.format(record({ level: 50 })).slice(0, 5)).toBe('\x1b[31m');
    expect(colored.format(record({ level: 60 })).slice(0, 5)).toBe('\x1b[35m');
  });

  it('leaves a level without a colour uncoloured', () => {
    expect(new LogFormatter({ color: true }).format(record({ level: 10 }))).toBe(
      '[T 251126 12:00:05 tornado.general] hello',
    );
  });

  it('takes other colours', () => {
    const f = new LogFormatter({ color: true, colors: { 30: 6 } });
    expect(f.format(record())).toBe('\x1b[36m[I 251126 12:00:05 tornado.general]\x1b[0m hello');
    expect(f.format(record({ level: 40 }))).toBe('[W 251126 12:00:05 tornado.general] hello');
  });

  it("'auto' colours only for a terminal that has colours", () => {
    const notTty = new LogFormatter({ stream: { isTTY: false } });
    const dumbTty = new LogFormatter({ stream: { isTTY: true, hasColors: () => false } });
    const tty = new LogFormatter({ stream: { isTTY: true, hasColors: () => true } });
    expect([notTty.colored, dumbTty.colored, tty.colored]).toEqual([false, false, true]);
    expect(notTty.format(record())).toBe('[I 251126 12:00:05 tornado.general] hello');
  });

  it('colour off writes no escape codes at all', () => {
    expect(plain.format(record({ level: 50, err: new Error('x') }))).not.toContain('\x1b');
  });
});

describe('continuation lines', () => {
  it('indents every line of a multi-line message after the first by four spaces', () => {
    expect(plain.format(record({ message: 'one\ntwo\n  three' }))).toBe(
      '[I 251126 12:00:05 tornado.general] one\n    two\n      three',
    );
  });

  it('puts the error stack under the message, every line indented by four more spaces', () => {
    const err = new Error('boom');
    err.stack = 'Error: boom\n    at handler (server.ts:12:11)\n    at run (loop.ts:3:1)';
    expect(plain.format(record({ level: 50, message: 'Uncaught exception  ', err }))).toBe(
      [
        '[E 251126 12:00:05 tornado.general] Uncaught exception',
        '    Error: boom',
        '        at handler (server.ts:12:11)',
        '        at run (loop.ts:3:1)',
      ].join('\n'),
    );
  });

  it('prints a real stack, and the stacks of its causes', () => {
    const inner = new Error('connection refused');
    const outer = new Error('fetch failed', { cause: inner });
    const lines = plain.format(record({ level: 50, message: 'request', err: outer })).split('\n');
    expect(lines[0]).toBe('[E 251126 12:00:05 tornado.general] request');
    expect(lines[1]).toBe('    Error: fetch failed');
    expect(lines[2]).toMatch(/^ {8}at .*formatter\.test\.ts:\d+:\d+\)?$/);
    const cause = lines.indexOf('    Caused by: Error: connection refused');
    expect(cause).toBeGreaterThan(2);
    expect(lines[cause + 1]).toMatch(/^ {8}at /);
    expect(lines.slice(1).every((line) => line.startsWith('    '))).toBe(true);
  });

  it('prints a thrown value that is not an Error as inspect shows it', () => {
    expect(plain.format(record({ level: 50, err: { code: 42 } }))).toBe(
      '[I 251126 12:00:05 tornado.general] hello\n    { code: 42 }'.replace('[I', '[E'),
    );
  });

  it('logs a record it cannot format, with the reason, instead of throwing', () => {
    const f = new LogFormatter({ color: false, format: '%(message)s %(bad)d' });
    const bad = {
      [Symbol.toPrimitive]() {
        throw new Error('no string for you');
      },
    };
    const line = f.format(record({ fields: { bad } }));
    expect(line).toMatch(/^Bad message \(Error: no string for you/);
  });
});
