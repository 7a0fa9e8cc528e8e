/**
 * StreamReader on real loops: each kind of read, limits, EOF and partial data, the producer's
 * error, one waiting read at a time, cancellation leaving the buffer as it was, flow control, and
 * a socketpair feeding it through a loop reader.
 *
 * Nothing here races the clock: producers feed one chunk per loop iteration, and tasks are lined
 * up by giving up iterations until the reader shows them waiting (`until`).
 */
import { inspect } from 'node:util';
import { EventLoop } from '@aio/loop';
import { CancelledError, Future, InvalidStateError, TimeoutError } from '@aio/future';
import { WOULD_BLOCK, socketpair, type Socket } from '@aio/selector';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../sleep';
import { Task, createTask } from '../task';
import { timeout } from '../timeout';
import { waitFor } from '../wait-for';
import {
  ConcurrentReadError,
  IncompleteReadError,
  LimitOverrunError,
  StreamReader,
  type ReadTransport,
} from './reader';

const loops: EventLoop[] = [];
const closeables: { close(): void }[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) if (!loop.isClosed()) loop.close();
  for (const c of closeables.splice(0)) c.close();
});

/** Runs `body` as the main task of a fresh loop. */
function main<T>(body: (loop: EventLoop) => Generator<unknown, T, unknown>): Promise<T> {
  const loop = new EventLoop();
  loops.push(loop);
  return loop.runUntilComplete(new Task<T>(body(loop), { loop }));
}

/** Runs an async `body` as the main task of a fresh loop. */
function mainAsync<T>(body: (loop: EventLoop) => Promise<T>): Promise<T> {
  const loop = new EventLoop();
  loops.push(loop);
  return loop.runUntilComplete(createTask(() => body(loop), { loop }));
}

/** Gives up loop iterations until `condition` holds: waits on the code under test, not a clock. */
function* until(condition: () => boolean, limit = 1000): Generator<unknown, void, unknown> {
  for (let i = 0; !condition(); i++) {
    if (i === limit)
      throw new Error(`not reached in ${limit} loop iterations: ${String(condition)}`);
    yield* sleep(0);
  }
}

/** True while a read waits in the reader's slot. */
function waiting(reader: StreamReader): boolean {
  return reader.toString().includes('waiter=');
}

/** A producer task: one chunk per loop iteration, then EOF (unless `eof` is false). */
function produce(reader: StreamReader, chunks: (string | Uint8Array)[], eof = true): Task<void> {
  return createTask(function* () {
    for (const chunk of chunks) {
      yield* sleep(0);
      reader.feedData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    }
    if (eof) {
      yield* sleep(0);
      reader.feedEof();
    }
  });
}

function feed(reader: StreamReader, text: string): void {
  reader.feedData(Buffer.from(text));
}

/** What a generator throws. */
function* caught(read: Iterable<unknown, unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* read;
  } catch (error) {
    return error;
  }
  throw new Error('expected the read to fail');
}

/** A transport that only records the calls. */
class RecordingTransport implements ReadTransport {
  readonly calls: string[] = [];
  pauseReading(): void {
    this.calls.push('pause');
  }
  resumeReading(): void {
    this.calls.push('resume');
  }
}

/**
 * A producer that honours flow control: feeds one chunk per loop iteration while resumed,
 * `total` bytes of a repeating pattern, then EOF. With `inline`, it also feeds a chunk from
 * within `resumeReading()`, as an eager transport might.
 */
class Pump implements ReadTransport {
  paused = false;
  pauses = 0;
  sent = 0;
  #scheduled = false;
  readonly #data: Buffer;

  constructor(
    private readonly loop: EventLoop,
    private readonly reader: StreamReader,
    total: number,
    private readonly chunkSize: number,
    private readonly inline = false,
  ) {
    this.#data = Buffer.from(Array.from({ length: total }, (_, i) => i % 251));
    reader.setTransport(this);
    this.#schedule();
  }

  get data(): Buffer {
    return this.#data;
  }

  pauseReading(): void {
    this.paused = true;
    this.pauses++;
  }

  resumeReading(): void {
    this.paused = false;
    if (this.inline) this.#tick();
    else this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.loop.callSoon(() => {
      this.#scheduled = false;
      this.#tick();
    });
  }

  #tick(): void {
    if (this.paused || this.reader.atEof()) return;
    if (this.sent === this.#data.length) {
      this.reader.feedEof();
      return;
    }
    const chunk = this.#data.subarray(this.sent, this.sent + this.chunkSize);
    this.sent += chunk.length;
    this.reader.feedData(chunk);
    this.#schedule();
  }
}

describe('read(n)', () => {
  it('gives what is buffered, at most n, and waits only when nothing is', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      feed(reader, 'hello world');
      const got = [(yield* reader.read(5)).toString(), (yield* reader.read(100)).toString()];
      produce(reader, ['later'], false);
      got.push((yield* reader.read(100)).toString());
      return got;
    });
    expect(got).toEqual(['hello', ' world', 'later']);
  });

  it('read(0) gives an empty Buffer at once, and reads at EOF give empty Buffers', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      const zero = yield* reader.read(0);
      feed(reader, 'ab');
      reader.feedEof();
      return [zero, yield* reader.read(10), yield* reader.read(10), yield* reader.read()];
    });
    expect(got.map((b) => b.toString())).toEqual(['', 'ab', '', '']);
    expect(got.every((b) => Buffer.isBuffer(b))).toBe(true);
  });

  it('read() waits for EOF and gives everything, from many chunks', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      produce(reader, ['a', 'bc', 'def', '', 'ghij']);
      const all = yield* reader.read();
      return [all.toString(), reader.atEof()] as const;
    });
    expect(got).toEqual(['abcdefghij', true]);
  });

  it('works awaited from an async function', async () => {
    const got = await mainAsync(async () => {
      const reader = new StreamReader();
      produce(reader, ['one ', 'two']);
      const first = await reader.read(4);
      const rest = await reader.read();
      return [first.toString(), rest.toString()];
    });
    expect(got).toEqual(['one ', 'two']);
  });

  it('copies what is fed: the producer may reuse its buffer', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      const scratch = Buffer.from('first');
      reader.feedData(scratch);
      scratch.write('XXXXX');
      reader.feedData(scratch.subarray(0, 2));
      return (yield* reader.read(7)).toString();
    });
    expect(got).toBe('firstXX');
  });

  it('hands over whole chunks, apart from the producer buffer, and copies out a small rest of a large one rather than keep it alive', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      const scratch = Buffer.alloc(64 * 1024, 'a');
      reader.feedData(scratch.subarray(0, 1024));
      const small = yield* reader.read(64 * 1024); // the feed's copy itself
      reader.feedData(scratch);
      yield* reader.readexactly(64 * 1024 - 10);
      const rest = yield* reader.read(64 * 1024); // 10 bytes of a 64 KiB copy: copied out, not kept alive
      scratch.fill('b'); // the producer reuses its buffer
      return { small, rest };
    });
    expect(got.small.toString()).toBe('a'.repeat(1024));
    expect(got.small.buffer.byteLength).toBeLessThanOrEqual(Buffer.poolSize);
    expect(got.rest.toString()).toBe('a'.repeat(10));
    expect(got.rest.buffer.byteLength).toBeLessThan(64 * 1024);
  });

  it('rejects an n that is not a whole number', () => {
    const reader = new StreamReader();
    expect(() => reader.read(1.5)).toThrow(TypeError);
    expect(() => reader.readexactly(Number.NaN)).toThrow(/whole number/);
  });
});

describe('readexactly(n)', () => {
  it('waits for n bytes across chunks and leaves the rest', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      produce(reader, ['ab', 'cd', 'efg'], false);
      const five = yield* reader.readexactly(5);
      const two = yield* reader.readexactly(2);
      return [five.toString(), two.toString(), yield* reader.readexactly(0)];
    });
    expect(got.map(String)).toEqual(['abcde', 'fg', '']);
  });

  it('at EOF fails with IncompleteReadError holding the partial data; the buffer is emptied', async () => {
    const { error, eof } = await main(function* () {
      const reader = new StreamReader();
      produce(reader, ['abc', 'de']);
      const error = yield* caught(reader.readexactly(10));
      return { error, eof: reader.atEof() };
    });
    expect(error).toBeInstanceOf(IncompleteReadError);
    const incomplete = error as IncompleteReadError;
    expect(incomplete.partial.toString()).toBe('abcde');
    expect(incomplete.expected).toBe(10);
    expect(incomplete.code).toBe('ERR_AIO_INCOMPLETE_READ');
    expect(incomplete.message).toBe('expected 10 bytes before EOF, got 5');
    expect(eof).toBe(true);
  });

  it('fails at once when EOF came already, and awaited too', async () => {
    const error = await mainAsync(async () => {
      const reader = new StreamReader();
      feed(reader, 'xy');
      reader.feedEof();
      return reader.readexactly(3).then(
        () => null,
        (e: unknown) => e,
      );
    });
    expect(error).toBeInstanceOf(IncompleteReadError);
    expect((error as IncompleteReadError).partial.toString()).toBe('xy');
  });

  it('rejects a negative n', () => {
    expect(() => new StreamReader().readexactly(-1)).toThrow(RangeError);
  });
});

describe('readline() and readuntil()', () => {
  it('readline gives lines split anywhere across chunks, then the last bytes, then empty', async () => {
    const lines = await main(function* () {
      const reader = new StreamReader();
      produce(reader, ['fir', 'st\nsec', 'ond\n', '\nthi', 'rd']);
      const lines: string[] = [];
      for (let i = 0; i < 5; i++) lines.push((yield* reader.readline()).toString());
      return lines;
    });
    expect(lines).toEqual(['first\n', 'second\n', '\n', 'third', '']);
  });

  it('readuntil finds a separator split across chunks, as a string or bytes', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      // "\r\n\r\n" lands in three chunks; a near miss ("\r\n\r" then "x") comes first.
      produce(reader, [
        'GET / HTTP/1.1\r',
        '\nHost: a\r\n\r',
        'x\r\n',
        '\r',
        '\nbody||',
        'end|',
        '|',
      ]);
      const head = yield* reader.readuntil('\r\n\r\n');
      const body = yield* reader.readuntil(Buffer.from('||'));
      const tail = yield* reader.readuntil(new Uint8Array([0x7c, 0x7c]));
      return [head.toString(), body.toString(), tail.toString()];
    });
    expect(got).toEqual(['GET / HTTP/1.1\r\nHost: a\r\n\rx\r\n\r\n', 'body||', 'end||']);
  });

  it('readuntil finds a separator in a buffer of one-byte chunks, also a multibyte character', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      for (const byte of Buffer.from('abc--def---x\u00e9y')) reader.feedData(Buffer.of(byte));
      reader.feedEof();
      return [
        (yield* reader.readuntil('---')).toString(),
        (yield* reader.readuntil('\u00e9')).toString(),
        (yield* reader.read()).toString(),
      ];
    });
    expect(got).toEqual(['abc--def---', 'x\u00e9', 'y']);
  });

  it('readuntil at EOF fails with IncompleteReadError (expected null) and empties the buffer', async () => {
    const { error, after } = await main(function* () {
      const reader = new StreamReader();
      produce(reader, ['no sep', 'arator']);
      const error = yield* caught(reader.readuntil('!'));
      return { error, after: yield* reader.read() };
    });
    expect(error).toBeInstanceOf(IncompleteReadError);
    expect((error as IncompleteReadError).partial.toString()).toBe('no separator');
    expect((error as IncompleteReadError).expected).toBeNull();
    expect(after.length).toBe(0);
  });

  it('rejects an empty separator, and one that is neither a string nor bytes', () => {
    const reader = new StreamReader();
    expect(() => reader.readuntil('')).toThrow(RangeError);
    expect(() => reader.readuntil(new Uint8Array(0))).toThrow(RangeError);
    expect(() => reader.readuntil(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('limits', () => {
  it('readuntil fails with LimitOverrunError when the separator is not within limit; the data stays', async () => {
    const { error, rest } = await main(function* () {
      const reader = new StreamReader({ limit: 8 });
      const producer = produce(reader, ['0123', '4567', '89ab', 'c;tail']);
      const error = yield* caught(reader.readuntil(';'));
      yield* producer;
      return { error, rest: (yield* reader.read()).toString() };
    });
    expect(error).toBeInstanceOf(LimitOverrunError);
    expect((error as LimitOverrunError).code).toBe('ERR_AIO_LIMIT_OVERRUN');
    // asyncio's count: the bytes searched, less seplen-1, first past the limit.
    expect((error as LimitOverrunError).consumed).toBe(12);
    expect(rest).toBe('0123456789abc;tail');
  });

  it('readuntil fails with LimitOverrunError when the separator is found beyond limit; the data stays', async () => {
    const { error, next } = await main(function* () {
      const reader = new StreamReader({ limit: 4 });
      feed(reader, '0123456\nok\n');
      const error = yield* caught(reader.readuntil());
      return { error, next: (yield* reader.readexactly(8)).toString() };
    });
    expect((error as LimitOverrunError).consumed).toBe(7);
    expect((error as LimitOverrunError).message).toMatch(/within 4 bytes/);
    expect(next).toBe('0123456\n');
  });

  it('a separator ending exactly at the limit is fine', async () => {
    const line = await main(function* () {
      const reader = new StreamReader({ limit: 4 });
      feed(reader, '0123\n');
      return (yield* reader.readline()).toString();
    });
    expect(line).toBe('0123\n');
  });

  it('readline drops a line longer than limit, up to its newline, and fails with LimitOverrunError', async () => {
    const got = await main(function* () {
      const reader = new StreamReader({ limit: 4 });
      feed(reader, 'much too long\nok\n');
      const error = yield* caught(reader.readline());
      return [error, (yield* reader.readline()).toString()];
    });
    expect(got[0]).toBeInstanceOf(LimitOverrunError);
    expect(got[1]).toBe('ok\n');
  });

  it('readline drops the whole buffer when the long line has no newline yet', async () => {
    const got = await main(function* () {
      const reader = new StreamReader({ limit: 4 });
      produce(reader, ['abcdef', 'gh\nnext\n']);
      const error = yield* caught(reader.readline());
      // The end of the long line arrives later and reads as a line of its own (asyncio does so).
      return [error, (yield* reader.readline()).toString(), (yield* reader.readline()).toString()];
    });
    expect(got[0]).toBeInstanceOf(LimitOverrunError);
    expect(got.slice(1)).toEqual(['gh\n', 'next\n']);
  });
});

describe('EOF', () => {
  it('atEof is true only once EOF is fed and the buffer is empty', async () => {
    await main(function* () {
      const reader = new StreamReader();
      feed(reader, 'x');
      reader.feedEof();
      expect(reader.atEof()).toBe(false);
      yield* reader.read(1);
      expect(reader.atEof()).toBe(true);
    });
  });

  it('EOF ends a waiting read with what there is', async () => {
    const got = await main(function* (loop) {
      const reader = new StreamReader();
      const read = reader.read(10);
      loop.callSoon(() => reader.feedEof());
      return (yield* read).length;
    });
    expect(got).toBe(0);
  });

  it('feedData after feedEof throws; feedData of nothing is ignored; feedData of a non-buffer throws', () => {
    const reader = new StreamReader();
    reader.feedData(new Uint8Array(0));
    expect(reader.toString()).toBe('<StreamReader>');
    expect(() => reader.feedData('text' as unknown as Uint8Array)).toThrow(TypeError);
    reader.feedEof();
    expect(() => reader.feedData(Buffer.from('late'))).toThrow(InvalidStateError);
  });
});

describe('the producer’s error', () => {
  it('fails the waiting read, awaited or walked with yield*', async () => {
    const boom = new Error('connection reset');
    const got = await main(function* (loop) {
      const a = new StreamReader();
      const b = new StreamReader();
      const viaYield = createTask(function* () {
        return yield* caught(a.readline());
      });
      const viaAwait = createTask(async () => b.readexactly(3).then(null, (e: unknown) => e));
      yield* until(() => waiting(a) && waiting(b));
      loop.callSoon(() => {
        a.setException(boom);
        b.setException(boom);
      });
      return [yield* viaYield, yield* viaAwait];
    });
    expect(got).toEqual([boom, boom]);
  });

  it('fails every later read, even with data buffered; exception() gives it', async () => {
    const boom = new Error('boom');
    const errors = await main(function* () {
      const reader = new StreamReader();
      feed(reader, 'buffered\n');
      expect(reader.exception()).toBeNull();
      reader.setException(boom);
      expect(reader.exception()).toBe(boom);
      return [
        yield* caught(reader.read(1)),
        yield* caught(reader.read(0)),
        yield* caught(reader.read()),
        yield* caught(reader.readline()),
        yield* caught(reader.readexactly(1)),
        yield* caught(reader.readuntil('x')),
      ];
    });
    expect(errors).toEqual(Array(6).fill(boom));
  });

  it('ends a for await loop with the error', async () => {
    const boom = new Error('boom');
    const got = await mainAsync(async () => {
      const reader = new StreamReader();
      feed(reader, 'one\ntwo\n');
      createTask(function* () {
        yield* until(() => waiting(reader)); // both lines read, the loop waits for a third
        reader.setException(boom);
      });
      const lines: string[] = [];
      try {
        for await (const line of reader) lines.push(line.toString());
      } catch (error) {
        return [lines, error];
      }
      return [lines, null];
    });
    expect(got).toEqual([['one\n', 'two\n'], boom]);
  });

  it('setException needs an error', () => {
    expect(() => new StreamReader().setException(undefined)).toThrow(TypeError);
  });
});

describe('one waiting read at a time', () => {
  it('a second read that must wait fails with ConcurrentReadError; the first goes on', async () => {
    const { error, first } = await main(function* (loop) {
      const reader = new StreamReader();
      const first = reader.readline();
      const error = yield* caught(reader.readexactly(4));
      loop.callSoon(() => feed(reader, 'line\n'));
      return { error, first: (yield* first).toString() };
    });
    expect(error).toBeInstanceOf(ConcurrentReadError);
    expect((error as ConcurrentReadError).code).toBe('ERR_AIO_CONCURRENT_READ');
    expect((error as Error).message).toMatch(
      /^readexactly\(\) called while readline\(\) is already waiting for data/,
    );
    expect(first).toBe('line\n');
  });

  it('a read the buffer can answer at once goes through while another waits', async () => {
    const got = await main(function* (loop) {
      const reader = new StreamReader();
      feed(reader, 'abc');
      const waiter = reader.readexactly(6);
      const now = (yield* reader.read(2)).toString();
      loop.callSoon(() => feed(reader, 'defgh'));
      return [now, (yield* waiter).toString()];
    });
    expect(got).toEqual(['ab', 'cdefgh']);
  });
});

describe('cancellation', () => {
  it('cancelling a task waiting in yield* readline leaves the partial line for the next read', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      feed(reader, 'par');
      const child = createTask(function* () {
        return yield* reader.readline();
      });
      yield* until(() => waiting(reader));
      child.cancel();
      const error = yield* caught(child);
      expect(waiting(reader)).toBe(false);
      feed(reader, 'tial\n');
      return [error, (yield* reader.readline()).toString()];
    });
    expect(got[0]).toBeInstanceOf(CancelledError);
    expect(got[1]).toBe('partial\n');
  });

  it('a task cancelled in the step its data arrives takes nothing: the line stays', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      const child = createTask(function* () {
        return yield* reader.readline();
      });
      yield* until(() => waiting(reader));
      feed(reader, 'whole line\nnext\n'); // wakes the child…
      child.cancel(); // …which is cancelled before it resumes
      const error = yield* caught(child);
      return [error, (yield* reader.readline()).toString(), (yield* reader.readline()).toString()];
    });
    expect(got[0]).toBeInstanceOf(CancelledError);
    expect(got.slice(1)).toEqual(['whole line\n', 'next\n']);
  });

  it('a read walked by two yield*s, and a generator closed while its read waits or after it was served', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      // The same waiting read walked by two yield*s: each returns its bytes.
      const read = reader.readexactly(3);
      const first = createTask(function* () {
        return (yield* read).toString();
      });
      const second = createTask(function* () {
        return (yield* read).toString();
      });
      yield* until(() => waiting(reader));
      feed(reader, 'abc');
      const both = [yield* first, yield* second];
      // Closed (return()) while it waits: the read is given up, the buffer left as it is.
      const waiter = (function* () {
        return yield* reader.readexactly(4);
      })();
      waiter.next();
      expect(waiting(reader)).toBe(true);
      waiter.return(Buffer.alloc(0));
      expect(waiting(reader)).toBe(false);
      // Served with no task waiting on it (nothing could give the bytes back): they were taken,
      // and a close after that leaves them with the read.
      const served = (function* () {
        return yield* reader.readexactly(2);
      })();
      const yielded = served.next().value as Future<Buffer>;
      feed(reader, 'de');
      served.return(Buffer.alloc(0));
      feed(reader, 'f');
      return [...both, yielded.result().toString(), (yield* reader.read(10)).toString()];
    });
    expect(got).toEqual(['abc', 'abc', 'de', 'f']);
  });

  it('cancelling the read future itself frees the slot and leaves the buffer', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      feed(reader, 'ab');
      const read = reader.readexactly(4);
      expect(read.cancel()).toBe(true);
      expect(waiting(reader)).toBe(false);
      feed(reader, 'cd');
      expect(read.cancelled()).toBe(true);
      return (yield* reader.readexactly(4)).toString();
    });
    expect(got).toBe('abcd');
  });

  it('a timeout around yield* readexactly leaves the bytes that came for the next read', async () => {
    const got = await main(function* (loop) {
      const reader = new StreamReader();
      feed(reader, '1234');
      const error = yield* caught(
        timeout(20, function* () {
          return yield* reader.readexactly(10);
        }),
      );
      loop.callSoon(() => feed(reader, '567890'));
      return [error, (yield* reader.readexactly(10)).toString()];
    });
    expect(got[0]).toBeInstanceOf(TimeoutError);
    expect(got[1]).toBe('1234567890');
  });

  it('a waitFor that times out cancels the read, which leaves the buffer', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      feed(reader, 'no newline yet');
      const error = yield* caught(waitFor(reader.readline(), 20));
      expect(waiting(reader)).toBe(false);
      feed(reader, '\n');
      return [error, (yield* reader.readline()).toString()];
    });
    expect(got[0]).toBeInstanceOf(TimeoutError);
    expect(got[1]).toBe('no newline yet\n');
  });

  it('an awaited read is served by the feed itself: its function gets the line even if its task is cancelled then', async () => {
    const got = await main(function* () {
      const reader = new StreamReader();
      let got: string | null = null;
      const child = createTask(async () => {
        got = (await reader.readline()).toString();
      });
      yield* until(() => waiting(reader));
      feed(reader, 'mine\n');
      child.cancel(); // aborts the function's signal, which it does not watch
      try {
        yield* child;
      } catch {
        // however the task ends, the line is what the test looks at
      }
      return [got, waiting(reader), reader.toString()];
    });
    expect(got).toEqual(['mine\n', false, '<StreamReader>']);
  });
});

describe('flow control', () => {
  it('pauses above 2 × limit, resumes once reads bring it to limit or less', async () => {
    const calls = await main(function* () {
      const reader = new StreamReader({ limit: 4 });
      const transport = new RecordingTransport();
      reader.setTransport(transport);
      feed(reader, '12345678'); // 8: not above 2 × 4
      expect(transport.calls).toEqual([]);
      feed(reader, '9'); // 9
      feed(reader, 'abc'); // still paused: no second call
      expect(transport.calls).toEqual(['pause']);
      expect(reader.toString()).toBe('<StreamReader 12 bytes limit=4 transport paused>');
      yield* reader.read(7); // 5 left: still above the limit
      expect(transport.calls).toEqual(['pause']);
      yield* reader.read(1); // 4
      return transport.calls;
    });
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('a read that must wait resumes a paused transport (it would wait forever otherwise)', async () => {
    const calls = await main(function* (loop) {
      const reader = new StreamReader({ limit: 2 });
      const transport = new RecordingTransport();
      reader.setTransport(transport);
      feed(reader, 'abcdefg');
      const read = reader.readexactly(10);
      expect(transport.calls).toEqual(['pause', 'resume']);
      loop.callSoon(() => feed(reader, 'hij'));
      expect((yield* read).toString()).toBe('abcdefghij');
      return transport.calls;
    });
    // The feed that completes the read serves it at once: its bytes leave the buffer before the
    // flow check, so the transport is not paused again. (asyncio's coroutine takes its bytes only
    // when it resumes, so it pauses and resumes once more.)
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('read() to EOF never stalls a producer that honours pause, walked with yield*', async () => {
    const got = await main(function* (loop) {
      const reader = new StreamReader({ limit: 16 });
      const pump = new Pump(loop, reader, 5_000, 50);
      const all = yield* reader.read();
      return { same: all.equals(pump.data), pauses: pump.pauses };
    });
    expect(got.same).toBe(true);
    // A read waiting for EOF keeps the transport reading (it would wait forever otherwise).
    expect(got.pauses).toBe(0);
  });

  it('read() to EOF never stalls a producer that honours pause, awaited', async () => {
    const same = await mainAsync(async (loop) => {
      const reader = new StreamReader({ limit: 16 });
      const pump = new Pump(loop, reader, 5_000, 50);
      return (await reader.read()).equals(pump.data);
    });
    expect(same).toBe(true);
  });

  it('a transport that feeds from within resumeReading() serves the read that resumed it', async () => {
    const got = await main(function* (loop) {
      const reader = new StreamReader({ limit: 16 });
      const pump = new Pump(loop, reader, 3_000, 50, true);
      yield* until(() => pump.paused);
      const viaYield = yield* reader.readexactly(1_000);
      const viaAwait = yield* createTask(async () => reader.readexactly(1_000));
      const rest = yield* reader.read();
      return Buffer.concat([viaYield, viaAwait, rest]).equals(pump.data);
    });
    expect(got).toBe(true);
  });

  it('a slow line reader keeps the buffer bounded', async () => {
    const { lines, most } = await main(function* (loop) {
      const reader = new StreamReader({ limit: 64 });
      const text = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('');
      let most = 0;
      const transport: ReadTransport = {
        pauseReading: () => {
          most = Math.max(most, Number(/(\d+) bytes/.exec(reader.toString())?.[1]));
          pump.paused = true;
        },
        resumeReading: () => {
          pump.paused = false;
        },
      };
      reader.setTransport(transport);
      const pump = { paused: false, sent: 0 };
      const tick = (): void => {
        if (!pump.paused) {
          if (pump.sent === text.length) {
            reader.feedEof();
            return;
          }
          feed(reader, text.slice(pump.sent, pump.sent + 30));
          pump.sent = Math.min(text.length, pump.sent + 30);
        }
        loop.callSoon(tick);
      };
      loop.callSoon(tick);
      const lines: string[] = [];
      for (;;) {
        yield* sleep(0);
        yield* sleep(0); // read slower than the producer feeds
        const line = yield* reader.readline();
        if (line.length === 0) break;
        lines.push(line.toString());
      }
      return { lines, most };
    });
    expect(lines).toHaveLength(200);
    expect(lines[199]).toBe('line 199\n');
    expect(most).toBeGreaterThan(128);
    expect(most).toBeLessThanOrEqual(128 + 30);
  });

  it('setTransport takes one transport, with both methods', () => {
    const reader = new StreamReader();
    expect(() => reader.setTransport({} as ReadTransport)).toThrow(TypeError);
    reader.setTransport(new RecordingTransport());
    expect(() => reader.setTransport(new RecordingTransport())).toThrow(InvalidStateError);
  });
});

describe('async iteration', () => {
  it('for await gives the lines, the last one without a newline, and ends at EOF', async () => {
    const lines = await mainAsync(async () => {
      const reader = new StreamReader();
      produce(reader, ['a\nb', '\n', 'c']);
      const lines: string[] = [];
      for await (const line of reader) lines.push(line.toString());
      return lines;
    });
    expect(lines).toEqual(['a\n', 'b\n', 'c']);
  });
});

describe('construction and printing', () => {
  it('takes a positive whole limit', () => {
    expect(new StreamReader().limit).toBe(65536);
    expect(new StreamReader({ limit: 10 }).limit).toBe(10);
    for (const limit of [0, -1, 1.5, Number.NaN, '10'])
      expect(() => new StreamReader({ limit: limit as number })).toThrow(RangeError);
  });

  it('prints its state, and a waiting read names its method', async () => {
    await main(function* () {
      const reader = new StreamReader();
      feed(reader, 'abc');
      const read = reader.readexactly(5);
      expect(String(reader)).toBe('<StreamReader 3 bytes waiter=readexactly()>');
      expect(inspect(reader)).toBe(String(reader));
      expect(Object.prototype.toString.call(reader)).toBe('[object StreamReader]');
      expect(String(read)).toMatch(/^<PendingRead pending read=readexactly\(\)/);
      reader.feedEof();
      reader.setException(new Error('x'));
      expect(String(reader)).toBe('<StreamReader eof exception=Error("x")>');
      yield* caught(read);
    });
  });

  it('uses the loop it is given for its futures', async () => {
    await main(function* (loop) {
      const reader = new StreamReader({ loop });
      const read = reader.read(1);
      expect(read.getLoop()).toBe(loop);
      expect(read).toBeInstanceOf(Future);
      feed(reader, 'x');
      yield* read;
    });
  });
});

// ─── Real I/O ──────────────────────────────────────────────────────────────────────────────────

/**
 * Feeds `reader` from `sock` through a loop reader, as a transport would: pausing removes the
 * loop reader, resuming adds it back. The loop reader is gone once EOF is fed.
 */
function attach(
  loop: EventLoop,
  reader: StreamReader,
  sock: Socket,
  scratchSize = 4096,
): { pauses: number; resumes: number; detach(): void } {
  const scratch = Buffer.alloc(scratchSize);
  let eof = false;
  const onReadable = (): void => {
    const n = sock.tryRecvInto(scratch);
    if (n === WOULD_BLOCK) return;
    if (n === 0) {
      eof = true;
      loop.removeReader(sock);
      reader.feedEof();
    } else {
      reader.feedData(scratch.subarray(0, n));
    }
  };
  const transport = {
    pauses: 0,
    resumes: 0,
    pauseReading(): void {
      transport.pauses++;
      loop.removeReader(sock);
    },
    resumeReading(): void {
      transport.resumes++;
      if (!eof) loop.addReader(sock, onReadable);
    },
    detach(): void {
      loop.removeReader(sock);
    },
  };
  reader.setTransport(transport);
  loop.addReader(sock, onReadable);
  return transport;
}

/** Writes all of `data` to a non-blocking socket as it becomes writable. */
function writeAll(loop: EventLoop, sock: Socket, data: Buffer): Future<void> {
  const done = new Future<void>(loop);
  let offset = 0;
  loop.addWriter(sock, () => {
    while (offset < data.length) {
      const n = sock.trySend(data.subarray(offset));
      if (n === WOULD_BLOCK) return;
      offset += n;
    }
    loop.removeWriter(sock);
    done.setResult(undefined);
  });
  return done;
}

describe('real I/O: a socketpair feeding the reader', () => {
  it('reads the lines a peer writes, then EOF when it closes', async () => {
    const [a, b] = socketpair();
    closeables.push(a, b);
    a.setBlocking(false);
    b.setBlocking(false);
    const got = await main(function* (loop) {
      const reader = new StreamReader();
      const transport = attach(loop, reader, a);
      try {
        const writer = createTask(function* () {
          b.sendall(Buffer.from('alpha\nbe'));
          yield* sleep(5);
          b.sendall(Buffer.from('ta\r\n\r\ngam'));
          yield* sleep(5);
          b.sendall(Buffer.from('ma'));
          b.close();
        });
        const got = [
          (yield* reader.readline()).toString(),
          (yield* reader.readuntil('\r\n\r\n')).toString(),
          (yield* reader.readline()).toString(),
          (yield* reader.readline()).length,
          reader.atEof(),
        ];
        yield* writer;
        return got;
      } finally {
        transport.detach();
      }
    });
    expect(got).toEqual(['alpha\n', 'beta\r\n\r\n', 'gamma', 0, true]);
  });

  it('for await over the lines of a socket, from an async function', async () => {
    const [a, b] = socketpair();
    closeables.push(a, b);
    a.setBlocking(false);
    b.setBlocking(false);
    const lines = await mainAsync(async (loop) => {
      const reader = new StreamReader();
      const transport = attach(loop, reader, a, 7); // small receives: lines span chunks
      try {
        const written = writeAll(
          loop,
          b,
          Buffer.from(Array.from({ length: 50 }, (_, i) => `request ${i}\n`).join('')),
        );
        void written.then(() => b.close());
        const lines: string[] = [];
        for await (const line of reader) lines.push(line.toString());
        return lines;
      } finally {
        transport.detach();
      }
    });
    expect(lines).toHaveLength(50);
    expect(lines[0]).toBe('request 0\n');
    expect(lines[49]).toBe('request 49\n');
  });

  it('backpressure reaches the socket: the reader pauses, the peer waits, and every byte arrives', async () => {
    const [a, b] = socketpair();
    closeables.push(a, b);
    a.setBlocking(false);
    b.setBlocking(false);
    const got = await main(function* (loop) {
      const reader = new StreamReader({ limit: 1024 });
      const transport = attach(loop, reader, a);
      try {
        const data = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 7) % 256));
        const written = writeAll(loop, b, data);
        // No read waits yet, so the first 4 KiB receive takes the buffer over 2 KiB.
        yield* until(() => transport.pauses > 0);
        const parts: Buffer[] = [];
        let total = 0;
        while (total < data.length) {
          const part = yield* reader.readexactly(Math.min(1000, data.length - total));
          parts.push(part);
          total += part.length;
        }
        yield* written;
        b.close();
        const end = yield* reader.read();
        return {
          same: Buffer.concat(parts).equals(data),
          end: end.length,
          pauses: transport.pauses,
          resumes: transport.resumes,
        };
      } finally {
        transport.detach();
      }
    });
    expect(got.same).toBe(true);
    expect(got.end).toBe(0);
    expect(got.pauses).toBeGreaterThan(0);
    expect(got.resumes).toBeGreaterThan(0);
  });
});
