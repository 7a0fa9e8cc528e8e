/**
 * web — a handler's input: `getArgument(s)`, `getQueryArgument(s)`, `getBodyArgument(s)`
 * (WSGISafeWebTest's test_get_argument, test_get_query_arguments, test_get_body_arguments),
 * `MissingArgumentError` (GetArgumentErrorTest), stripping and control characters, what type
 * each input comes as (TypeCheckHandler), and a malformed body. A real HTTPServer + Application
 * on 127.0.0.1, fetched with AsyncHTTPClient, in both loop modes.
 */
import { describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { MODES, handlerFor, json, serveApp, text, useWebTestHooks } from './test-web';
import { Application, MissingArgumentError, RequestHandler, createSignedValue } from './web';

const logs = useWebTestHooks();

/** tornado's GetArgumentHandler: `foo` from the source the `source` argument names. */
class GetArgument extends RequestHandler {
  override prepare() {
    const source = this.getArgument('source', null);
    const value =
      source === 'query'
        ? this.getQueryArgument('foo', 'default')
        : source === 'body'
          ? this.getBodyArgument('foo', 'default')
          : this.getArgument('foo', 'default');
    void this.finish(value);
  }
}

/** tornado's GetArgumentsHandler: `foo` from each source. */
class GetArguments extends RequestHandler {
  override prepare() {
    void this.finish({
      default: this.getArguments('foo'),
      query: this.getQueryArguments('foo'),
      body: this.getBodyArguments('foo'),
    });
  }
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  body: new URLSearchParams(fields).toString(),
});

describe.each(MODES)('arguments (%s mode)', (mode: LoopMode) => {
  const app = () =>
    new Application([
      ['/get_argument', GetArgument],
      ['/get_arguments', GetArguments],
    ]);

  it('test_get_argument: the last value, empty kept, the default when absent; the body wins over the query', async () => {
    const seen = await serveApp(app(), mode, function* (fetch) {
      return [
        text(yield* fetch('/get_argument?foo=bar')),
        text(yield* fetch('/get_argument?foo=')),
        text(yield* fetch('/get_argument')),
        text(yield* fetch('/get_argument?foo=bar', form({ foo: 'hello' }))),
        json(yield* fetch('/get_arguments?foo=bar', form({ foo: 'hello' }))),
      ];
    });
    expect(seen).toEqual([
      'bar',
      '',
      'default',
      'hello',
      { default: ['bar', 'hello'], query: ['bar'], body: ['hello'] },
    ]);
  });

  it('test_get_query_arguments and test_get_body_arguments: each source alone', async () => {
    const seen = await serveApp(app(), mode, function* (fetch) {
      return [
        text(yield* fetch('/get_argument?source=query&foo=bar', form({ foo: 'hello' }))),
        text(yield* fetch('/get_argument?source=query&foo=', form({ foo: 'hello' }))),
        text(yield* fetch('/get_argument?source=query', form({ foo: 'hello' }))),
        text(yield* fetch('/get_argument?source=body&foo=hello', form({ foo: 'bar' }))),
        text(yield* fetch('/get_argument?source=body&foo=hello', form({ foo: '' }))),
        text(yield* fetch('/get_argument?source=body&foo=hello', form({}))),
      ];
    });
    expect(seen).toEqual(['bar', '', 'default', 'bar', '', 'default']);
  });

  it('GetArgumentErrorTest: a missing argument is a MissingArgumentError naming it; uncaught, a 400', async () => {
    class Catching extends RequestHandler {
      override get() {
        try {
          this.getArgument('foo');
          this.write({});
        } catch (error) {
          if (!(error instanceof MissingArgumentError)) throw error;
          this.write({ arg_name: error.argName, log_message: error.logMessage });
        }
      }
    }
    class Uncaught extends RequestHandler {
      override get() {
        this.write(this.getArgument('foo'));
      }
    }
    const application = new Application([
      ['/catch', Catching],
      ['/uncaught', Uncaught],
    ]);
    const seen = await serveApp(application, mode, function* (fetch) {
      const uncaught = yield* fetch('/uncaught');
      return [json(yield* fetch('/catch')), uncaught.code, text(uncaught)];
    });
    expect(seen).toEqual([
      { arg_name: 'foo', log_message: 'Missing argument foo' },
      400,
      '<html><title>400: Bad Request</title><body>400: Bad Request</body></html>',
    ]);
    expect(logs.gen.map((r) => r.message)).toContain(
      '400 GET /uncaught (127.0.0.1): Missing argument foo',
    );
    expect(logs.app).toEqual([]);
  });

  it('values are stripped as Python strips (strip: false keeps them); control characters become spaces', async () => {
    class Strip extends RequestHandler {
      override get() {
        this.write({
          stripped: this.getArgument('a'),
          kept: this.getArgument('a', null, false),
          all: this.getArguments('a', false),
          controls: this.getArgument('b'),
        });
      }
    }
    const body = await serveApp(new Application([['/', Strip]]), mode, function* (fetch) {
      return json(yield* fetch('/?a=%20%C2%A0x%09%20&b=x%01y%0Dz'));
    });
    expect(body).toEqual({
      stripped: 'x',
      kept: ' \u00a0x\t ',
      all: [' \u00a0x\t '],
      // \x01 becomes a space; \r (0x0d) is kept by tornado's control-character class.
      controls: 'x yz'.replace('yz', 'y\rz'),
    });
  });

  it('multipart bodies give arguments and files; a malformed body is a 400 naming the problem', async () => {
    class Upload extends RequestHandler {
      override post() {
        const file = this.request.files.file![0]!;
        this.write({
          name: this.getBodyArgument('name'),
          file: file.filename,
          size: file.body.length,
        });
      }
    }
    const boundary = '1234567890';
    const multipart = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="name"',
      '',
      'ben',
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="a.txt"',
      '',
      'hello',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const seen = await serveApp(new Application([['/', Upload]]), mode, function* (fetch) {
      const headers = { 'Content-Type': `multipart/form-data; boundary=${boundary}` };
      const good = json(yield* fetch('/', { method: 'POST', headers, body: multipart }));
      const bad = yield* fetch('/', { method: 'POST', headers, body: 'not multipart at all' });
      return [good, bad.code];
    });
    expect(seen).toEqual([{ name: 'ben', file: 'a.txt', size: 5 }, 400]);
    expect(logs.gen.map((r) => r.message).find((m) => m.startsWith('400 POST /'))).toMatch(
      /^400 POST \/ \(127\.0\.0\.1\): Invalid body: /,
    );
  });

  it('TypeCheckHandler: arguments, path groups, cookies, the XSRF token and the summary have their types', async () => {
    const secret = 'WebTest.COOKIE_SECRET';
    class TypeCheck extends RequestHandler {
      override get(pathComponent: string) {
        this.write({
          status: typeof this.getStatus(),
          argument: typeof this.getArgument('foo'),
          cookieKey: Object.keys(this.cookies),
          cookieValue: typeof this.getCookie('asdf'),
          signed: Buffer.isBuffer(this.getSignedCookie('asdf')),
          xsrfToken: Buffer.isBuffer(this.xsrfToken),
          xsrfFormHtml: typeof this.xsrfFormHtml(),
          reverseUrl: this.reverseUrl('typecheck', 'foo'),
          summary: this.requestSummary(),
          pathComponent: typeof pathComponent,
        });
      }
    }
    const application = new Application([['/typecheck/(.*)', TypeCheck, null, 'typecheck']], {
      cookieSecret: secret,
    });
    const cookie = createSignedValue(secret, 'asdf', 'qwer').toString();
    const body = await serveApp(application, mode, function* (fetch) {
      return json(
        yield* fetch('/typecheck/asdf?foo=bar', { headers: { Cookie: `asdf=${cookie}` } }),
      );
    });
    expect(body).toEqual({
      status: 'number',
      argument: 'string',
      cookieKey: ['asdf'],
      cookieValue: 'string',
      signed: true,
      xsrfToken: true,
      xsrfFormHtml: 'string',
      reverseUrl: '/typecheck/foo',
      summary: 'GET /typecheck/asdf?foo=bar (127.0.0.1)',
      pathComponent: 'string',
    });
  });
});

it('getArguments refuses a strip that is not a boolean (a default given by mistake)', () => {
  const handler = handlerFor(RequestHandler, '/?a=1');
  expect(() => handler.getArguments('a', 'default' as never)).toThrow(
    "getArguments() expected strip to be a boolean, got 'default'",
  );
});
