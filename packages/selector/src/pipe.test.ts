/**
 * PipeEnd and pipe(): real pipes — reads and writes, EOF, a full pipe that would block, a reader
 * gone (EPIPE as BrokenPipeError, never a SIGPIPE), the access mode read from the fd, and
 * close-on-exec.
 */
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  BrokenPipeError,
  InvalidArgumentError,
  OSError,
  PipeEnd,
  WOULD_BLOCK,
  pipe,
} from './index';
import { libc } from './libc';
import { platform } from './platform/index';

describe('pipe', () => {
  it('carries bytes from the write end to the read end, then EOF', () => {
    const [r, w] = pipe();
    try {
      expect([r.readable, r.writable, w.readable, w.writable]).toEqual([true, false, false, true]);
      expect(w.trySend(Buffer.from('hello'))).toBe(5);
      const buffer = Buffer.alloc(16);
      expect(r.tryRecvInto(buffer)).toBe(5);
      expect(buffer.subarray(0, 5).toString()).toBe('hello');
      w.close();
      expect(r.tryRecvInto(buffer)).toBe(0); // EOF
      expect(String(r)).toMatch(/^<PipeEnd fd=\d+ read-only>$/);
      expect(String(w)).toBe('<PipeEnd closed>');
    } finally {
      r.close();
      w.close();
    }
  });

  it('is blocking and close-on-exec when made; a non-blocking end says WOULD_BLOCK', () => {
    const [r, w] = pipe();
    try {
      expect(r.getBlocking()).toBe(true);
      expect(libc.fcntl(r.fileno(), platform.F_GETFD) & platform.FD_CLOEXEC).not.toBe(0);
      r.setBlocking(false);
      w.setBlocking(false);
      expect(r.getBlocking()).toBe(false);
      expect(r.tryRecvInto(Buffer.alloc(4))).toBe(WOULD_BLOCK); // empty
      const block = Buffer.alloc(64 * 1024);
      let written = 0;
      for (let n = w.trySend(block); n !== WOULD_BLOCK; n = w.trySend(block)) written += n;
      expect(written).toBeGreaterThan(0); // then full
    } finally {
      r.close();
      w.close();
    }
  });

  it('writing to a pipe whose reader is gone is a BrokenPipeError', () => {
    const [r, w] = pipe();
    r.close();
    try {
      expect(() => w.trySend(Buffer.from('x'))).toThrow(BrokenPipeError);
    } finally {
      w.close();
    }
  });

  it('names what is wrong: a bad fd, a closed end', () => {
    expect(() => new PipeEnd(-1)).toThrow(InvalidArgumentError);
    const [r, w] = pipe();
    w.close();
    w.close(); // twice is fine
    const error = (() => {
      try {
        w.trySend(Buffer.from('x'));
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(OSError);
    expect((error as OSError).errno).toBe(constants.errno.EBADF);
    expect(() => r.getpeername()).toThrow(/ENOTSOCK/);
    r.close();
  });
});
