/**
 * web — errors: `HTTPError`, `Finish`, `MissingArgumentError` and the rest of the catalogue
 * (HTTPErrorTest, RaiseWithReasonTest's str tests), the error page and `writeError`
 * (ErrorResponseTest, `serveTraceback`), `logException` and what is logged where
 * (ExceptionHandlerTest, BuggyLoggingTest), and `Finish` (FinishExceptionTest). A real
 * HTTPServer + Application on 127.0.0.1, fetched with AsyncHTTPClient, in both loop modes.
 */
import { describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { appLog } from './log';
import { MODES, serveApp, text, useWebTestHooks } from './test-web';
import {
  Application,
  CookieError,
  Finish,
  HandlerStateError,
  HTTPError,
  MissingArgumentError,
  MissingSettingError,
  RequestHandler,
  type ErrorDetails,
} from './web';

const logs = useWebTestHooks();

describe('the error classes', () => {
  it('each is a named class with a stable code', () => {
    const errors = [
      new HTTPError(404),
      new Finish(),
      new MissingArgumentError('a'),
      new CookieError('x'),
      new HandlerStateError('x'),
      new MissingSettingError('loginUrl'),
    ];
    expect(errors.map((e) => [e.name, e.code, e instanceof Error])).toEqual([
      ['HTTPError', 'ERR_AIO_WEB_HTTP', true],
      ['Finish', 'ERR_AIO_WEB_FINISH', true],
      ['MissingArgumentError', 'ERR_AIO_WEB_MISSING_ARGUMENT', true],
      ['CookieError', 'ERR_AIO_WEB_COOKIE', true],
      ['HandlerStateError', 'ERR_AIO_WEB_HANDLER_STATE', true],
      ['MissingSettingError', 'ERR_AIO_WEB_MISSING_SETTING', true],
    ]);
    expect(new MissingArgumentError('a')).toBeInstanceOf(HTTPError);
  });

  it('HTTPError prints as tornado’s str(): the status, its reason, and the log message', () => {
    expect(String(new HTTPError(682, null, { reason: 'Foo' }))).toBe('HTTP 682: Foo');
    expect(String(new HTTPError(682))).toBe('HTTP 682: Unknown');
    expect(String(new HTTPError())).toBe('HTTP 500: Internal Server Error');
    expect(String(new HTTPError(404, 'no %s here', 'cake'))).toBe(
      'HTTP 404: Not Found (no cake here)',
    );
    expect(new HTTPError(403, 'go away').message).toBe('HTTP 403: Forbidden (go away)');
    expect(String(new MissingArgumentError('foo'))).toBe(
      'HTTP 400: Bad Request (Missing argument foo)',
    );
  });

  it('the log message: placeholders filled from the arguments; without arguments, % doubled in logMessage', () => {
    const formatted = new HTTPError(400, '%s is %d%% done (%r)', 'upload', 42.9, 'x');
    expect(formatted.getMessage()).toBe("upload is 42% done ('x')");
    expect(formatted.args).toEqual(['upload', 42.9, 'x']);
    expect(formatted.logMessage).toBe('%s is %d%% done (%r)');
    const plain = new HTTPError(400, '100% sure');
    expect(plain.getMessage()).toBe('100% sure');
    expect(plain.logMessage).toBe('100%% sure');
    expect(new HTTPError(400).getMessage()).toBeNull();
  });

  it('the last argument is the options only when it is a plain object with nothing but reason', () => {
    const withOptions = new HTTPError(400, 'bad %s', 'thing', { reason: 'Nope' });
    expect([withOptions.reason, withOptions.args]).toEqual(['Nope', ['thing']]);
    const notOptions = new HTTPError(400, 'bad %s', { thing: 1 });
    expect([notOptions.reason, notOptions.getMessage()]).toEqual([null, 'bad [object Object]']);
    expect(() => new HTTPError('404' as never)).toThrow(
      "new HTTPError() expected an integer status code, got '404'",
    );
  });

  it('HTTPErrorTest.test_copy: a copy keeps the status and the reason', () => {
    const error = new HTTPError(403, null, { reason: 'Go away' });
    const copy = Object.assign(
      Object.create(Object.getPrototypeOf(error) as object) as HTTPError,
      error,
    );
    expect(copy).not.toBe(error);
    expect([copy.statusCode, copy.reason]).toEqual([403, 'Go away']);
    const clone = structuredClone({ statusCode: error.statusCode, reason: error.reason });
    expect(clone).toEqual({ statusCode: 403, reason: 'Go away' });
  });

  it('Finish keeps what finish() is to be called with', () => {
    expect(new Finish().chunk).toBeUndefined();
    expect(new Finish('done').chunk).toBe('done');
    expect(new Finish({ a: 1 }).message).toBe('finish the response with { a: 1 }');
  });
});

describe.each(MODES)('ErrorResponseTest (%s mode)', (mode: LoopMode) => {
  class Default extends RequestHandler {
    override get() {
      const status = this.getArgument('status', null);
      if (status !== null) throw new HTTPError(Number(status));
      throw new TypeError('division by zero');
    }
  }

  class WriteError extends RequestHandler {
    override get() {
      const status = this.getArgument('status', null);
      if (status !== null) this.sendError(Number(status));
      else throw new RangeError('division by zero');
    }

    override writeError(statusCode: number, details: ErrorDetails) {
      this.setHeader('Content-Type', 'text/plain');
      if (details.error !== undefined) this.write(`Exception: ${(details.error as Error).name}`);
      else this.write(`Status: ${String(statusCode)}`);
    }
  }

  class FailedWriteError extends RequestHandler {
    override get() {
      throw new TypeError('division by zero');
    }

    override writeError(): void {
      throw new Error('exception in writeError');
    }
  }

  const app = () =>
    new Application([
      ['/default', Default],
      ['/write_error', WriteError],
      ['/failed_write_error', FailedWriteError],
    ]);

  it('test_default: a 500 page for an exception, the status’s page for an HTTPError, Unknown for an odd status', async () => {
    const seen = await serveApp(app(), mode, function* (fetch) {
      const out: [number, string][] = [];
      for (const path of ['/default', '/default?status=503', '/default?status=435']) {
        const response = yield* fetch(path);
        out.push([response.code, text(response)]);
      }
      return out;
    });
    expect(seen).toEqual([
      [
        500,
        '<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>',
      ],
      [
        503,
        '<html><title>503: Service Unavailable</title><body>503: Service Unavailable</body></html>',
      ],
      [435, '<html><title>435: Unknown</title><body>435: Unknown</body></html>'],
    ]);
    expect(logs.app.map((r) => r.message.split('\n')[0])).toEqual([
      'Uncaught exception GET /default (127.0.0.1)',
    ]);
    expect(logs.app[0]!.err).toBeInstanceOf(TypeError);
    expect(logs.app[0]!.message.split('\n')[1]).toMatch(
      /^HTTPServerRequest\(protocol="http", .*uri="\/default"/,
    );
  });

  it('test_write_error: writeError gets the exception, or only the status from sendError', async () => {
    const seen = await serveApp(app(), mode, function* (fetch) {
      const a = yield* fetch('/write_error');
      const b = yield* fetch('/write_error?status=503');
      return [
        [a.code, text(a)],
        [b.code, text(b)],
      ];
    });
    expect(seen).toEqual([
      [500, 'Exception: RangeError'],
      [503, 'Status: 503'],
    ]);
  });

  it('test_failed_write_error: an exception in writeError is logged; the response ends empty', async () => {
    const response = await serveApp(app(), mode, function* (fetch) {
      return yield* fetch('/failed_write_error');
    });
    expect([response.code, text(response)]).toEqual([500, '']);
    expect(logs.app.map((r) => r.message.split('\n')[0])).toEqual([
      'Uncaught exception GET /failed_write_error (127.0.0.1)',
      'Uncaught exception in writeError',
    ]);
  });

  it('serveTraceback (or debug) shows the exception and its stack as text', async () => {
    const seen = await serveApp(
      new Application([['/default', Default]], { debug: true }),
      mode,
      function* (fetch) {
        return yield* fetch('/default');
      },
    );
    expect(seen.code).toBe(500);
    expect(seen.headers.get('Content-Type')).toBe('text/plain');
    expect(text(seen)).toMatch(/^TypeError: division by zero\n {4}at Default\.get /);
  });

  it('sendError drops what was written and the headers set, and keeps a reason given', async () => {
    class Partial extends RequestHandler {
      override get() {
        this.setHeader('X-Dropped', '1');
        this.write('dropped');
        this.sendError(418, { reason: 'Short and Stout' });
      }
    }
    const response = await serveApp(new Application([['/', Partial]]), mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect([response.code, response.reason, response.headers.has('X-Dropped')]).toEqual([
      418,
      'Short and Stout',
      false,
    ]);
    expect(text(response)).toBe(
      '<html><title>418: Short and Stout</title><body>418: Short and Stout</body></html>',
    );
  });
});

describe.each(MODES)('ExceptionHandlerTest and friends (%s mode)', (mode: LoopMode) => {
  class PermissionError extends Error {
    override name = 'PermissionError';
  }

  class Handler extends RequestHandler {
    override get() {
      const exc = this.getArgument('exc');
      if (exc === 'http') throw new HTTPError(410, 'no longer here');
      if (exc === 'zero') throw new RangeError('division by zero');
      if (exc === 'permission') throw new PermissionError('not allowed');
    }

    override writeError(statusCode: number, details: ErrorDetails) {
      if (details.error instanceof PermissionError) {
        this.setStatus(403);
        this.write('PermissionError');
        return;
      }
      super.writeError(statusCode, details);
    }

    override logException(error: unknown) {
      if (error instanceof PermissionError) {
        appLog.warn(`custom logging for PermissionError: ${error.message}`);
      } else {
        super.logException(error);
      }
    }
  }

  it('an HTTPError is a warning without a stack; anything else an error with one; logException and writeError can be overridden', async () => {
    const codes = await serveApp(new Application([['/', Handler]]), mode, function* (fetch) {
      return [
        (yield* fetch('/?exc=http')).code,
        (yield* fetch('/?exc=zero')).code,
        (yield* fetch('/?exc=permission')).code,
      ];
    });
    expect(codes).toEqual([410, 500, 403]);
    expect(logs.gen.map((r) => [r.message, r.err])).toContainEqual([
      '410 GET /?exc=http (127.0.0.1): no longer here',
      undefined,
    ]);
    expect(logs.app.map((r) => r.message.split('\n')[0])).toEqual([
      'Uncaught exception GET /?exc=zero (127.0.0.1)',
      'custom logging for PermissionError: not allowed',
    ]);
    expect(logs.app[0]!.err).toBeInstanceOf(RangeError);
  });

  it('BuggyLoggingTest: a logException that throws is logged too, and the client still gets its 500', async () => {
    class Buggy extends RequestHandler {
      override get() {
        throw new RangeError('division by zero');
      }

      override logException(): void {
        throw new RangeError('logging is broken');
      }
    }
    const code = await serveApp(new Application([['/', Buggy]]), mode, function* (fetch) {
      return (yield* fetch('/')).code;
    });
    expect(code).toBe(500);
    expect(logs.app.map((r) => [r.message, String(r.err)])).toEqual([
      ['Error in exception logger', 'RangeError: logging is broken'],
    ]);
  });

  it('an HTTPError without a log message is not logged but as an access line', async () => {
    class Quiet extends RequestHandler {
      override get() {
        throw new HTTPError(404);
      }
    }
    await serveApp(new Application([['/', Quiet]]), mode, function* (fetch) {
      yield* fetch('/');
    });
    expect(logs.gen.filter((r) => r.message.startsWith('404'))).toEqual([]);
    expect(logs.access.map((r) => r.message)).toEqual([
      expect.stringMatching(/^404 GET \/ \(127\.0\.0\.1\) [\d.]+ms$/),
    ]);
  });

  it('an exception after the response is finished is logged, and nothing more is sent', async () => {
    class After extends RequestHandler {
      override get() {
        void this.finish('done');
        throw new RangeError('too late');
      }
    }
    const response = await serveApp(new Application([['/', After]]), mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect([response.code, text(response)]).toEqual([200, 'done']);
    expect(logs.app.map((r) => String(r.err))).toEqual(['RangeError: too late']);
  });
});

describe.each(MODES)('FinishExceptionTest (%s mode)', (mode: LoopMode) => {
  it('Finish ends the response as it is (or with what it carries), without an error page or a log', async () => {
    class Auth extends RequestHandler {
      override get() {
        this.setStatus(401);
        this.setHeader('WWW-Authenticate', 'Basic realm="something"');
        if (this.getArgument('finish_value', '')) throw new Finish('authentication required');
        this.write('authentication required');
        throw new Finish();
      }
    }
    const seen = await serveApp(new Application([['/', Auth]]), mode, function* (fetch) {
      const out: [number, string | undefined, string][] = [];
      for (const path of ['/', '/?finish_value=1']) {
        const response = yield* fetch(path);
        out.push([response.code, response.headers.get('WWW-Authenticate'), text(response)]);
      }
      return out;
    });
    expect(seen).toEqual([
      [401, 'Basic realm="something"', 'authentication required'],
      [401, 'Basic realm="something"', 'authentication required'],
    ]);
    expect(logs.app).toEqual([]);
    expect(logs.gen.filter((r) => r.message.startsWith('401'))).toEqual([]);
  });
});
