import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as errors from './errors';
import './libc'; // supplies strerror for messages

const E = constants.errno;

describe('the error catalogue', () => {
  it('every usage error has its own name and a stable ERR_AIO_ code', () => {
    const usage = [
      [errors.InvalidFileObjectError, 'ERR_AIO_INVALID_FILEOBJ'],
      [errors.AlreadyRegisteredError, 'ERR_AIO_ALREADY_REGISTERED'],
      [errors.NotRegisteredError, 'ERR_AIO_NOT_REGISTERED'],
      [errors.InvalidEventsError, 'ERR_AIO_INVALID_EVENTS'],
      [errors.SelectorClosedError, 'ERR_AIO_SELECTOR_CLOSED'],
      [errors.SelectorBusyError, 'ERR_AIO_SELECTOR_BUSY'],
      [errors.FdTooLargeError, 'ERR_AIO_FD_TOO_LARGE'],
      [errors.InvalidAddressError, 'ERR_AIO_INVALID_ADDRESS'],
      [errors.InvalidArgumentError, 'ERR_AIO_INVALID_ARGUMENT'],
      [errors.UnsupportedPlatformError, 'ERR_AIO_UNSUPPORTED_PLATFORM'],
    ] as const;
    for (const [Class, code] of usage) {
      const err = new Class('message');
      expect(err).toBeInstanceOf(errors.SelectorError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(Class.name);
      expect(err.code).toBe(code);
    }
    expect(new Set(usage.map(([, code]) => code)).size).toBe(usage.length);
  });

  it.each([
    [E.EAGAIN, errors.BlockingIOError, 'EAGAIN'],
    [E.EINPROGRESS, errors.BlockingIOError, 'EINPROGRESS'],
    [E.EPIPE, errors.BrokenPipeError, 'EPIPE'],
    [E.ECONNRESET, errors.ConnectionResetError, 'ECONNRESET'],
    [E.ECONNREFUSED, errors.ConnectionRefusedError, 'ECONNREFUSED'],
    [E.ECONNABORTED, errors.ConnectionAbortedError, 'ECONNABORTED'],
    [E.EINTR, errors.InterruptedError, 'EINTR'],
    [E.ETIMEDOUT, errors.TimeoutError, 'ETIMEDOUT'],
    [E.EBADF, errors.OSError, 'EBADF'],
  ])(
    'osError(%i) is a %o with code %s, as Python picks the OSError subclass',
    (errno, Class, code) => {
      const err = errors.osError(errno, 'send', '127.0.0.1:80');
      expect(err).toBeInstanceOf(Class);
      expect(err).toBeInstanceOf(errors.OSError);
      expect(err).toMatchObject({
        code,
        errno,
        syscall: 'send',
        address: '127.0.0.1:80',
        name: Class.name,
      });
      expect(err.message).toMatch(new RegExp(`^send ${code} 127\\.0\\.0\\.1:80 \\(.+\\)$`));
    },
  );

  it('connection errors share ConnectionError, as in Python', () => {
    expect(errors.osError(E.ECONNRESET, 'recv')).toBeInstanceOf(errors.ConnectionError);
    expect(errors.osError(E.EPIPE, 'send')).toBeInstanceOf(errors.ConnectionError);
  });

  it('errnoName knows this OS and falls back to E<number>', () => {
    expect(errors.errnoName(E.ECONNREFUSED)).toBe('ECONNREFUSED');
    expect(errors.errnoName(99999)).toBe('E99999');
  });
});
