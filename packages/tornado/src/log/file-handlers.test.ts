/**
 * File handlers on real files in a temporary directory: size rotation, time rotation (on a fake
 * clock for exact boundaries, and on the real one for a few seconds), and no fd left open.
 */
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHandler, RotatingFileHandler, TimedRotatingFileHandler } from './file-handlers';
import { LogFormatter, type LogRecord } from './formatter';
import { addHandler, genLog, removeHandler, setLevel, getLogger } from './loggers';
import { openFilesUnder, tempDir, thrown } from './test-files';

const bare = (): LogFormatter => new LogFormatter({ color: false, format: '%(message)s' });

function record(message: string, time = Date.now()): LogRecord {
  return { name: 'test', level: 30, message, time };
}

function linesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** `line 00042`: fixed width, so every file holds a whole number of lines of the same size. */
const numbered = (i: number): string => `line ${String(i).padStart(5, '0')}`;

let dir: ReturnType<typeof tempDir>;
const handlers: FileHandler[] = [];
function track<T extends FileHandler>(handler: T): T {
  handlers.push(handler);
  return handler;
}

beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  for (const handler of handlers.splice(0)) handler.close();
  expect(openFilesUnder(dir.path)).toEqual([]);
  dir.remove();
});

describe('RotatingFileHandler', () => {
  it('rotates many times and keeps every line exactly once, in order, no file over maxBytes', () => {
    const filename = join(dir.path, 'app.log');
    const handler = track(
      new RotatingFileHandler({ filename, maxBytes: 1000, backupCount: 100, formatter: bare() }),
    );
    for (let i = 0; i < 1000; i++) handler.handle(record(numbered(i)));
    handler.close();

    const names = readdirSync(dir.path);
    // 11 bytes a line, 90 lines a file: 1000 lines need 12 files.
    expect(names.length).toBe(12);
    const backups = Array.from({ length: names.length - 1 }, (_, k) => `${filename}.${k + 1}`);
    const oldestFirst = [...backups.reverse(), filename];
    for (const file of oldestFirst) expect(statSync(file).size).toBeLessThanOrEqual(1000);
    const all = oldestFirst.flatMap(linesOf);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => numbered(i)));
  });

  it('keeps backupCount backups, dropping the oldest, and what is kept is the newest lines, once each', () => {
    const filename = join(dir.path, 'app.log');
    const handler = track(
      new RotatingFileHandler({ filename, maxBytes: 110, backupCount: 3, formatter: bare() }),
    );
    for (let i = 0; i < 200; i++) handler.handle(record(numbered(i)));
    handler.close();

    expect(readdirSync(dir.path).sort()).toEqual([
      'app.log',
      'app.log.1',
      'app.log.2',
      'app.log.3',
    ]);
    const kept = [`${filename}.3`, `${filename}.2`, `${filename}.1`, filename].flatMap(linesOf);
    // 10 lines a file: the last file holds 200 % 10 = 0 … so 10 lines, and the three before it 30.
    expect(kept).toEqual(Array.from({ length: 40 }, (_, i) => numbered(160 + i)));
  });

  it('gives a line longer than maxBytes a file of its own, without rotating in a loop', () => {
    const filename = join(dir.path, 'app.log');
    const handler = track(
      new RotatingFileHandler({ filename, maxBytes: 20, backupCount: 5, formatter: bare() }),
    );
    handler.handle(record('short'));
    handler.handle(record('x'.repeat(50)));
    handler.handle(record('after'));
    handler.close();
    expect(linesOf(`${filename}.2`)).toEqual(['short']);
    expect(linesOf(`${filename}.1`)).toEqual(['x'.repeat(50)]);
    expect(linesOf(filename)).toEqual(['after']);
  });

  it('never rotates when maxBytes or backupCount is 0, as in Python', () => {
    for (const [maxBytes, backupCount] of [
      [0, 5],
      [10, 0],
    ] as const) {
      const filename = join(dir.path, `app-${maxBytes}.log`);
      const handler = track(
        new RotatingFileHandler({ filename, maxBytes, backupCount, formatter: bare() }),
      );
      for (let i = 0; i < 20; i++) handler.handle(record(numbered(i)));
      handler.close();
      expect(linesOf(filename)).toHaveLength(20);
    }
    expect(readdirSync(dir.path).sort()).toEqual(['app-0.log', 'app-10.log']);
  });

  it('appends to a file that exists and counts its size toward the first rotation', () => {
    const filename = join(dir.path, 'app.log');
    writeFileSync(filename, `${'y'.repeat(95)}\n`);
    const handler = track(
      new RotatingFileHandler({ filename, maxBytes: 100, backupCount: 2, formatter: bare() }),
    );
    handler.handle(record('next'));
    handler.close();
    expect(linesOf(`${filename}.1`)).toEqual(['y'.repeat(95)]);
    expect(linesOf(filename)).toEqual(['next']);
  });

  it('receives records from a pino logger, and drops them once closed', () => {
    const filename = join(dir.path, 'app.log');
    const handler = track(new RotatingFileHandler({ filename, maxBytes: 400, backupCount: 10 }));
    addHandler(genLog, handler);
    setLevel(getLogger(), 'info');
    try {
      for (let i = 0; i < 30; i++) genLog.info('request %d', i);
      handler.close();
      genLog.info('after close');
    } finally {
      removeHandler(genLog, handler);
      setLevel(getLogger(), 'warn');
    }
    const files = readdirSync(dir.path).sort().reverse(); // app.log.N … app.log.1, app.log
    const lines = [
      ...files.slice(0, -1).sort((a, b) => b.localeCompare(a, 'en', { numeric: true })),
      'app.log',
    ].flatMap((name) => linesOf(join(dir.path, name)));
    expect(files.length).toBeGreaterThan(2);
    expect(lines).toHaveLength(30);
    lines.forEach((line, i) =>
      expect(line).toMatch(
        new RegExp(`^\\[I \\d{6} \\d\\d:\\d\\d:\\d\\d tornado\\.general\\] request ${i}$`),
      ),
    );
  });

  it('rejects bad sizes and counts with errors that name them', () => {
    const filename = join(dir.path, 'app.log');
    expect(
      thrown(() => new RotatingFileHandler({ filename, maxBytes: -1, backupCount: 1 })),
    ).toEqual({
      name: 'RangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'RotatingFileHandler(): maxBytes must be an integer >= 0, got -1',
    });
    expect(
      thrown(() => new RotatingFileHandler({ filename, maxBytes: 10, backupCount: 1.5 })),
    ).toEqual({
      name: 'RangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'RotatingFileHandler(): backupCount must be an integer >= 0, got 1.5',
    });
    expect(
      thrown(
        () =>
          new RotatingFileHandler({
            filename,
            maxBytes: '10' as unknown as number,
            backupCount: 1,
          }),
      ),
    ).toEqual({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'RotatingFileHandler(): maxBytes must be a number, got "10"',
    });
    expect(thrown(() => new FileHandler({ filename: '' }))).toMatchObject({
      name: 'TypeError',
      message: 'FileHandler(): filename must be a non-empty string, got ""',
    });
    expect(existsSync(filename)).toBe(false); // nothing was opened
  });
});

/** A clock the test moves by hand, starting 2025-11-26 12:00:05.000 local time. */
function fakeClock(): { now: () => number; set(ms: number): void; advance(ms: number): void } {
  let t = new Date(2025, 10, 26, 12, 0, 5).getTime();
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}

describe('TimedRotatingFileHandler on a fake clock', () => {
  it('rolls over at the first record at or after the boundary, naming the file for the period it covers', () => {
    const clock = fakeClock();
    const filename = join(dir.path, 'app.log');
    const handler = track(
      new TimedRotatingFileHandler({ filename, when: 's', formatter: bare(), now: clock.now }),
    );
    handler.handle(record('a'));
    clock.advance(999);
    handler.handle(record('b'));
    clock.advance(1); // 12:00:06.000: due
    handler.handle(record('c'));
    clock.advance(2500); // 12:00:08.500: due again (the next boundary was 12:00:07.000)
    handler.handle(record('d'));
    handler.close();
    expect(readdirSync(dir.path).sort()).toEqual([
      'app.log',
      'app.log.2025-11-26_12-00-05',
      'app.log.2025-11-26_12-00-06',
    ]);
    expect(linesOf(`${filename}.2025-11-26_12-00-05`)).toEqual(['a', 'b']);
    expect(linesOf(`${filename}.2025-11-26_12-00-06`)).toEqual(['c']);
    expect(linesOf(filename)).toEqual(['d']);
    expect(handler.rolloverAt).toBe(clock.now() + 1000);
  });

  it('keeps backupCount backups, deleting the oldest', () => {
    const clock = fakeClock();
    const filename = join(dir.path, 'app.log');
    const handler = track(
      new TimedRotatingFileHandler({
        filename,
        when: 'M',
        backupCount: 2,
        formatter: bare(),
        now: clock.now,
      }),
    );
    for (let i = 0; i < 6; i++) {
      handler.handle(record(`minute ${i}`));
      clock.advance(60_000);
    }
    handler.close();
    expect(readdirSync(dir.path).sort()).toEqual([
      'app.log',
      'app.log.2025-11-26_12-03',
      'app.log.2025-11-26_12-04',
    ]);
    expect(linesOf(`${filename}.2025-11-26_12-04`)).toEqual(['minute 4']);
    expect(linesOf(filename)).toEqual(['minute 5']);
  });

  it('never deletes a backup to reuse its name: it adds .1', () => {
    const clock = fakeClock();
    const filename = join(dir.path, 'app.log');
    writeFileSync(`${filename}.2025-11-26_12`, 'from an earlier run\n');
    const handler = track(
      new TimedRotatingFileHandler({ filename, when: 'h', formatter: bare(), now: clock.now }),
    );
    handler.handle(record('this run'));
    clock.advance(3600_000);
    handler.handle(record('next hour'));
    handler.close();
    expect(linesOf(`${filename}.2025-11-26_12`)).toEqual(['from an earlier run']);
    expect(linesOf(`${filename}.2025-11-26_12.1`)).toEqual(['this run']);
    expect(linesOf(filename)).toEqual(['next hour']);
  });

  it('continues the schedule of a file that exists, from its mtime, as Python does', () => {
    const clock = fakeClock();
    const filename = join(dir.path, 'app.log');
    writeFileSync(filename, 'yesterday\n');
    const mtime = new Date(2025, 10, 25, 9, 30);
    utimesSync(filename, mtime, mtime);
    const handler = track(
      new TimedRotatingFileHandler({
        filename,
        when: 'midnight',
        formatter: bare(),
        now: clock.now,
      }),
    );
    expect(handler.rolloverAt).toBe(new Date(2025, 10, 26).getTime());
    handler.handle(record('today'));
    handler.close();
    expect(linesOf(`${filename}.2025-11-25`)).toEqual(['yesterday']);
    expect(linesOf(filename)).toEqual(['today']);
  });

  it('computes midnight and weekday rollovers the way Python does (w0 is Monday)', () => {
    const clock = fakeClock(); // Wednesday 2025-11-26
    const at = (when: string, interval = 1): Date => {
      const handler = new TimedRotatingFileHandler({
        filename: join(dir.path, `${when}-${interval}.log`),
        when: when as 'midnight',
        interval,
        now: clock.now,
      });
      handler.close();
      return new Date(handler.rolloverAt);
    };
    expect(at('midnight')).toEqual(new Date(2025, 10, 27));
    expect(at('midnight', 2)).toEqual(new Date(2025, 10, 28));
    expect(at('W2')).toEqual(new Date(2025, 10, 27)); // today is Wednesday: at its end
    expect(at('w4')).toEqual(new Date(2025, 10, 29)); // end of Friday
    expect(at('w0')).toEqual(new Date(2025, 11, 2)); // end of next Monday
    expect(at('w0', 2)).toEqual(new Date(2025, 11, 9));
    expect(at('d', 3).getTime()).toBe(clock.now() + 3 * 86_400_000);
  });

  it('rejects a bad unit or interval with errors that name them', () => {
    const filename = join(dir.path, 'app.log');
    expect(
      thrown(() => new TimedRotatingFileHandler({ filename, when: 'fortnight' as 'd' })),
    ).toEqual({
      name: 'RangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: `TimedRotatingFileHandler(): when must be one of 's', 'm', 'h', 'd', 'midnight', 'w0'–'w6', got "fortnight"`,
    });
    expect(thrown(() => new TimedRotatingFileHandler({ filename, interval: 0 }))).toMatchObject({
      name: 'RangeError',
      message: 'TimedRotatingFileHandler(): interval must be an integer >= 1, got 0',
    });
    expect(thrown(() => new TimedRotatingFileHandler({ filename, backupCount: -2 }))).toMatchObject(
      {
        name: 'RangeError',
        message: 'TimedRotatingFileHandler(): backupCount must be an integer >= 0, got -2',
      },
    );
  });
});

describe('TimedRotatingFileHandler on the real clock', () => {
  it('rotates every second while records keep coming, every line in exactly one file', async () => {
    const filename = join(dir.path, 'app.log');
    const handler = track(
      new TimedRotatingFileHandler({
        filename,
        when: 'S',
        formatter: new LogFormatter({ color: false, format: '%(created).3f %(message)s' }),
      }),
    );
    // A record every 50 ms until the handler has rotated three times: watched for, not assumed
    // to take 3.3 s (a loaded machine writes fewer records a second, and may write none in one).
    // The 60 s are only a guard.
    const backupsNow = (): number => readdirSync(dir.path).filter((n) => n !== 'app.log').length;
    const started = Date.now();
    let written = 0;
    while (backupsNow() < 3 && Date.now() - started < 60_000) {
      handler.handle(record(numbered(written++)));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    handler.close();

    const backups = readdirSync(dir.path)
      .filter((name) => name !== 'app.log')
      .sort();
    expect(backups.length).toBeGreaterThanOrEqual(3);
    const files = [...backups.map((name) => join(dir.path, name)), filename];
    const lines = files.flatMap(linesOf);
    expect(lines.map((line) => line.slice(line.indexOf(' ') + 1))).toEqual(
      Array.from({ length: written }, (_, i) => numbered(i)),
    );
    // Each backup holds the records of the one-second period its name starts.
    for (const name of backups) {
      const [, date, h, m, s] = /^app\.log\.(\d{4}-\d\d-\d\d)_(\d\d)-(\d\d)-(\d\d)$/.exec(name)!;
      const [y, mo, d] = date!.split('-').map(Number);
      const start = new Date(y!, mo! - 1, d, Number(h), Number(m), Number(s)).getTime();
      for (const line of linesOf(join(dir.path, name))) {
        const created = Number(line.split(' ')[0]) * 1000;
        expect(created).toBeGreaterThanOrEqual(start);
        expect(created).toBeLessThan(start + 2000);
      }
    }
  }, 120_000);
});
