/**
 * enablePrettyLogging end to end: a real stderr in a child process (a pipe, and a terminal
 * under `script`), real rotating files in a temporary directory, and every bad option.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RotatingFileHandler, TimedRotatingFileHandler } from './file-handlers';
import { StreamHandler } from './handlers';
import {
  accessLog,
  appLog,
  genLog,
  getHandlers,
  getLogger,
  setLevel,
  shutdownLogging,
} from './loggers';
import {
  defineLoggingOptions,
  enablePrettyLogging,
  loggingOptionsFromArgs,
  type LoggingOptions,
} from './pretty';
import { openFilesUnder, tempDir, thrown } from './test-files';
import { PACKAGE_ROOT, TS_FLAGS, collect, type ChildOutput } from '../test-run-ts';

// This file starts child processes (Node with tsx): seconds alone, and ten times that on a loaded
// 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const fixture = fileURLToPath(new URL('./test-fixtures/pretty-child.ts', import.meta.url));
const DATE = String.raw`\d{6} \d\d:\d\d:\d\d`;

/** Runs the fixture with `options`; with `tty`, under `script`, so its stderr is a terminal. */
async function runChild(options: Partial<LoggingOptions>, tty = false): Promise<ChildOutput> {
  const args = [...TS_FLAGS, fixture, JSON.stringify(options)];
  // Only what colour detection needs: no NO_COLOR, FORCE_COLOR or CI from the test's env.
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TERM: 'xterm-256color',
  };
  const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;
  const child = tty
    ? spawn('script', ['-qec', [process.execPath, ...args].map(quote).join(' '), '/dev/null'], {
        cwd: PACKAGE_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, args, { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child);
}

describe('to stderr, in a child process', () => {
  it('writes the default format, uncoloured, when stderr is a pipe; info and up by default', async () => {
    const { code, stdout, stderr } = await runChild({});
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const lines = stderr.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      new RegExp(`^\\[I ${DATE} tornado\\.access\\] 200 GET / \\(127\\.0\\.0\\.1\\) 0\\.52ms$`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^\\[W ${DATE} tornado\\.general\\] warning from general$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^\\[E ${DATE} tornado\\.application\\] error from application$`),
    );
    expect(lines[3]).toBe('');
    expect(stderr).not.toContain('\x1b');
  });

  it('colours each prefix by level when stderr is a terminal', async () => {
    const { code, stdout } = await runChild({ logging: 'debug' }, true);
    expect(code).toBe(0);
    // Under `script` the terminal's output comes back on stdout, with CRLF line ends.
    const lines = stdout.split('\r\n').filter((line) => line !== '');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      new RegExp(`^\x1b\\[34m\\[D ${DATE} tornado\\.general\\]\x1b\\[0m debug from general$`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^\x1b\\[32m\\[I ${DATE} tornado\\.access\\]\x1b\\[0m 200 GET`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^\x1b\\[33m\\[W ${DATE} tornado\\.general\\]\x1b\\[0m warning`),
    );
    expect(lines[3]).toMatch(
      new RegExp(`^\x1b\\[31m\\[E ${DATE} tornado\\.application\\]\x1b\\[0m error`),
    );
  });

  it('shows module:line of each call with logCaller', async () => {
    const { stderr } = await runChild({ logCaller: true });
    const source = readFileSync(fixture, 'utf8').split('\n');
    const at = (call: string): string =>
      `pretty-child:${source.findIndex((line) => line.includes(call)) + 1}`;
    expect(stderr.split('\n').slice(0, 3)).toEqual([
      expect.stringMatching(new RegExp(`^\\[I ${DATE} ${at('accessLog.info(')}\\] 200 GET`)),
      expect.stringMatching(new RegExp(`^\\[W ${DATE} ${at('genLog.warn(')}\\] warning`)),
      expect.stringMatching(new RegExp(`^\\[E ${DATE} ${at('appLog.error(')}\\] error`)),
    ]);
  });
});

describe('to files', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    shutdownLogging();
    setLevel(getLogger(), 'warn');
    expect(openFilesUnder(dir.path)).toEqual([]);
    dir.remove();
  });

  it('logFilePrefix rotates by size, keeps every line once, and with a file there is no stderr', () => {
    const prefix = join(dir.path, 'server.log');
    const logging = enablePrettyLogging({
      logFilePrefix: prefix,
      logFileMaxSize: 300,
      logFileNumBackups: 100,
    });
    expect(logging.handlers).toHaveLength(1);
    expect(logging.handlers[0]).toBeInstanceOf(RotatingFileHandler);
    for (let i = 0; i < 100; i++) accessLog.info('request %d', i);
    genLog.debug('below info: dropped');
    logging.close();
    expect(getHandlers(getLogger())).toEqual([]);

    const backups = readdirSync(dir.path).filter((name) => name !== 'server.log').length;
    expect(backups).toBeGreaterThanOrEqual(10);
    const files = [
      ...Array.from({ length: backups }, (_, k) => `${prefix}.${backups - k}`),
      prefix,
    ];
    const lines = files.flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean));
    expect(lines).toHaveLength(100);
    lines.forEach((line, i) =>
      expect(line).toMatch(new RegExp(`^\\[I ${DATE} tornado\\.access\\] request ${i}$`)),
    );
  });

  it("logRotateMode 'time' rotates on logRotateWhen × logRotateInterval", async () => {
    const prefix = join(dir.path, 'server.log');
    const logging = enablePrettyLogging({
      logFilePrefix: prefix,
      logRotateMode: 'time',
      logRotateWhen: 'S',
      logRotateInterval: 1,
    });
    const [handler] = logging.handlers;
    expect(handler).toBeInstanceOf(TimedRotatingFileHandler);
    expect((handler as TimedRotatingFileHandler).when).toBe('s');
    appLog.warn('first');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    appLog.warn('second');
    logging.close();
    const names = readdirSync(dir.path).sort();
    expect(names).toHaveLength(2);
    expect(names[1]).toMatch(/^server\.log\.\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
    expect(readFileSync(join(dir.path, names[1]!), 'utf8')).toMatch(/\] first\n$/);
    expect(readFileSync(prefix, 'utf8')).toMatch(/\] second\n$/);
  });

  it('logToStderr adds stderr next to the file; none leaves everything as it was', () => {
    const both = enablePrettyLogging({ logFilePrefix: join(dir.path, 'a.log'), logToStderr: true });
    expect(both.handlers.map((h) => h.constructor)).toEqual([RotatingFileHandler, StreamHandler]);
    both.close();
    setLevel(getLogger(), 'error');
    const none = enablePrettyLogging({ logging: 'none', logFilePrefix: join(dir.path, 'b.log') });
    expect(none.handlers).toEqual([]);
    expect(getLogger().level).toBe('error');
    expect(existsSync(join(dir.path, 'b.log'))).toBe(false);
  });

  it('adds no stderr handler by default when the logger already has one, as tornado does', () => {
    const first = enablePrettyLogging({});
    const second = enablePrettyLogging({});
    expect(first.handlers).toHaveLength(1);
    expect(second.handlers).toEqual([]);
  });

  it('configures the logger it is given, leaving the root alone', () => {
    const logging = enablePrettyLogging(
      { logging: 'debug', logFilePrefix: join(dir.path, 'access.log') },
      accessLog,
    );
    expect(getHandlers(accessLog)).toEqual(logging.handlers);
    expect(getHandlers(getLogger())).toEqual([]);
    expect([accessLog.level, genLog.level]).toEqual(['debug', 'warn']);
    accessLog.debug('to the access file');
    genLog.error('not to it');
    logging.close();
    setLevel(accessLog, null);
    expect(readFileSync(join(dir.path, 'access.log'), 'utf8')).toMatch(
      /^\[D .*\] to the access file\n$/,
    );
  });

  it('rejects every bad option before changing anything, naming the option and the value', () => {
    const prefix = join(dir.path, 'never.log');
    const cases: [Partial<LoggingOptions>, string, string][] = [
      [
        { logging: 'loud' as 'info' },
        'RangeError',
        'enablePrettyLogging(): logging must be one of trace, debug, info, warn, warning, error, fatal, critical, silent, none, got "loud"',
      ],
      [
        { logRotateMode: 'daily' as 'time' },
        'RangeError',
        'enablePrettyLogging(): logRotateMode must be "size" or "time", got "daily"',
      ],
      [
        { logFileMaxSize: -1 },
        'RangeError',
        'enablePrettyLogging(): logFileMaxSize must be an integer >= 0, got -1',
      ],
      [
        { logFileNumBackups: 2.5 },
        'RangeError',
        'enablePrettyLogging(): logFileNumBackups must be an integer >= 0, got 2.5',
      ],
      [
        { logRotateInterval: 0 },
        'RangeError',
        'enablePrettyLogging(): logRotateInterval must be an integer >= 1, got 0',
      ],
      [
        { logRotateWhen: 'Q' as 'S' },
        'RangeError',
        `enablePrettyLogging(): logRotateWhen must be one of 's', 'm', 'h', 'd', 'midnight', 'w0'–'w6', got "Q"`,
      ],
      [
        { logToStderr: 'yes' as unknown as boolean },
        'TypeError',
        'enablePrettyLogging(): logToStderr must be a boolean or undefined, got "yes"',
      ],
      [
        { logFileMaxSize: '100' as unknown as number },
        'TypeError',
        'enablePrettyLogging(): logFileMaxSize must be a number, got "100"',
      ],
      [
        { log_file_prefix: 'x' } as unknown as LoggingOptions,
        'RangeError',
        'enablePrettyLogging(): options must be keys among logging, logToStderr, logFilePrefix, logRotateMode, logFileMaxSize, logFileNumBackups, logRotateWhen, logRotateInterval, logCaller, got "log_file_prefix"',
      ],
    ];
    for (const [options, name, message] of cases) {
      expect(thrown(() => enablePrettyLogging({ logFilePrefix: prefix, ...options }))).toEqual({
        name,
        message,
        code: name === 'TypeError' ? 'ERR_INVALID_ARG_TYPE' : 'ERR_INVALID_ARG_VALUE',
      });
    }
    expect(existsSync(prefix)).toBe(false);
    expect(getHandlers(getLogger())).toEqual([]);
    expect(getLogger().level).toBe('warn');
  });
});

describe('defineLoggingOptions', () => {
  it("defines tornado's flags, with tornado's defaults", () => {
    const definitions = defineLoggingOptions();
    expect(Object.keys(definitions)).toEqual([
      'logging',
      'log_to_stderr',
      'log_file_prefix',
      'log_file_max_size',
      'log_file_num_backups',
      'log_rotate_when',
      'log_rotate_interval',
      'log_rotate_mode',
      'log_caller',
    ]);
    expect(
      Object.fromEntries(Object.values(definitions).map((d) => [d.key, d.defaultValue])),
    ).toEqual({
      logging: 'info',
      logToStderr: undefined,
      logFilePrefix: undefined,
      logFileMaxSize: 100_000_000,
      logFileNumBackups: 10,
      logRotateWhen: 'midnight',
      logRotateInterval: 1,
      logRotateMode: 'size',
      logCaller: false,
    });
  });

  it('plugs into util.parseArgs, and loggingOptionsFromArgs makes options of what it returns', () => {
    const { values } = parseArgs({
      args: [
        '--logging=debug',
        '--log_file_prefix=/var/log/app.log',
        '--log_file_max_size=1000',
        '--log_rotate_mode',
        'time',
        '--log_to_stderr',
        '--port=8888',
      ],
      options: defineLoggingOptions(),
      strict: false,
    });
    expect(loggingOptionsFromArgs(values)).toEqual({
      logging: 'debug',
      logFilePrefix: '/var/log/app.log',
      logFileMaxSize: 1000,
      logRotateMode: 'time',
      logToStderr: true,
    });
  });

  it('reads booleans spelled as words, and rejects a number that is not one, naming the flag', () => {
    expect(loggingOptionsFromArgs({ log_to_stderr: 'false', log_caller: '1' })).toEqual({
      logToStderr: false,
      logCaller: true,
    });
    expect(thrown(() => loggingOptionsFromArgs({ log_file_num_backups: '-3' }))).toEqual({
      name: 'RangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'loggingOptionsFromArgs(): --log_file_num_backups must be a whole number, got "-3"',
    });
    expect(thrown(() => loggingOptionsFromArgs({ log_to_stderr: 'maybe' }))).toMatchObject({
      name: 'RangeError',
      message: 'loggingOptionsFromArgs(): --log_to_stderr must be true or false, got "maybe"',
    });
  });
});
