/**
 * web — what a handler sends: the status and reason (StatusReasonTest, RaiseWithReasonTest), the
 * headers (MultiHeaderHandler, HeaderInjectionHandler, SetHeaderHandler, ClearHeaderTest,
 * Header204Test, Header304Test, DateHeaderTest), the body (`write` of text, bytes and JSON,
 * arrays refused), `flush` (EmptyFlushCallbackHandler), `finish` and its Content-Length
 * (IncorrectContentLengthTest), HEAD, ETags (CacheTest), redirects (WSGISafeWebTest's
 * test_redirect) and gzip (GzipTestCase). A real HTTPServer + Application on 127.0.0.1, fetched
 * with AsyncHTTPClient, in both loop modes.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { readResponse } from './test-http';
import { MODES, handlerFor, serveApp, text, useWebTestHooks } from './test-web';
import {
  Application,
  GZipContentEncoding,
  HandlerStateError,
  HTTPError,
  RequestHandler,
} from './web';

const logs = useWebTestHooks();

/** What a handler threw, as `name: message`, or 'ok'. */
function attempt(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe.each(MODES)('status and reason (%s mode)', (mode: LoopMode) => {
  /** tornado's StatusReasonTest handler: raises HTTPError(code, reason=…). */
  class Status extends RequestHandler {
    override get() {
      const reason = this.request.arguments.reason?.[0]?.toString('utf8') ?? null;
      throw new HTTPError(Number(this.getArgument('code')), null, { reason });
    }
  }

  it('StatusReasonTest: the reason given, else the standard one, else Unknown', async () => {
    const seen = await serveApp(new Application([['/', Status]]), mode, function* (fetch) {
      const out: [number, string][] = [];
      for (const query of ['code=304', 'code=304&reason=Foo', 'code=682&reason=Bar', 'code=682']) {
        const response = yield* fetch(`/?${query}`);
        out.push([response.code, response.reason]);
      }
      return out;
    });
    expect(seen).toEqual([
      [304, 'Not Modified'],
      [304, 'Foo'],
      [682, 'Bar'],
      [682, 'Unknown'],
    ]);
  });

  it('StatusReasonTest: a reason that could inject a header, or script, is replaced by Unknown', async () => {
    const seen = await serveApp(new Application([['/', Status]]), mode, function* (fetch) {
      const injected = yield* fetch('/?code=200&reason=OK%0D%0AX-Injection:injected');
      const xss = yield* fetch('/?code=400&reason=<script>alert(1)</script>');
      return { injected, xss };
    });
    expect([seen.injected.code, seen.injected.reason]).toEqual([200, 'Unknown']);
    expect(seen.injected.headers.has('X-Injection')).toBe(false);
    expect([seen.xss.code, seen.xss.reason]).toEqual([400, 'Unknown']);
    expect(text(seen.xss)).not.toContain('script');
    expect(text(seen.xss)).toContain('Unknown');
  });

  it('RaiseWithReasonTest: a status of its own, with its reason in the page', async () => {
    class Raise extends RequestHandler {
      override get() {
        throw new HTTPError(682, null, { reason: 'Foo' });
      }
    }
    const response = await serveApp(new Application([['/', Raise]]), mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect([response.code, response.reason]).toEqual([682, 'Foo']);
    expect(text(response)).toContain('682: Foo');
  });

  it('setStatus and getStatus; setStatus refuses a status that is not an integer', () => {
    const handler = handlerFor(RequestHandler);
    handler.setStatus(418);
    expect(handler.getStatus()).toBe(418);
    expect(attempt(() => handler.setStatus(200.5))).toBe(
      'TypeError: setStatus() expected an integer status code, got 200.5',
    );
  });
});

describe.each(MODES)('headers (%s mode)', (mode: LoopMode) => {
  it('MultiHeaderHandler: setHeader replaces, addHeader adds; numbers are written as text', async () => {
    class MultiHeader extends RequestHandler {
      override get() {
        this.setHeader('x-overwrite', '1');
        this.setHeader('X-Overwrite', 2);
        this.addHeader('x-multi', 3);
        this.addHeader('X-Multi', '4');
        this.setHeader('X-Date', new Date(Date.UTC(2013, 0, 27, 18, 43, 20)));
        this.setHeader('X-Bytes', Buffer.from('caf\xe9', 'latin1'));
      }
    }
    const headers = await serveApp(new Application([['/', MultiHeader]]), mode, function* (fetch) {
      return (yield* fetch('/')).headers;
    });
    expect(headers.get('x-overwrite')).toBe('2');
    expect(headers.getList('x-multi')).toEqual(['3', '4']);
    expect(headers.get('X-Date')).toBe('Sun, 27 Jan 2013 18:43:20 GMT');
    expect(headers.get('X-Bytes')).toBe('caf\xe9');
  });

  it('HeaderInjectionHandler and SetHeaderHandler: CR, LF and other controls are refused; empty and tab are fine', async () => {
    const results: string[] = [];
    class SetHeader extends RequestHandler {
      override get() {
        results.push(attempt(() => this.setHeader('X-Foo', 'foo\r\nX-Bar: baz')));
        for (let code = 0; code < 0x20; code++) {
          if (code === 0x09) continue;
          const char = String.fromCharCode(code);
          const outcome = attempt(() => this.setHeader('X-Foo', `foo${char}bar`));
          if (!outcome.startsWith('HTTPOutputError: Unsafe header value')) results.push(outcome);
        }
        results.push(attempt(() => this.setHeader('X-Foo', 'foo\x7fbar')));
        results.push(attempt(() => this.setHeader('X-Foo', 'snowman \u2603')));
        results.push(attempt(() => this.setHeader('X Foo', 'bar')));
        results.push(attempt(() => this.setHeader('X-Foo', 1.5)));
        results.push(attempt(() => this.setHeader('X-Tab', 'a\tb')));
        this.setHeader('X-Empty', '');
        void this.finish('ok');
      }
    }
    const response = await serveApp(new Application([['/', SetHeader]]), mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect(text(response)).toBe('ok');
    expect(results).toEqual([
      "HTTPOutputError: Unsafe header value 'foo\\r\\nX-Bar: baz'",
      "HTTPOutputError: Unsafe header value 'foo\\x7Fbar'",
      "HTTPOutputError: Unsafe header value 'snowman ☃'",
      "HTTPOutputError: Invalid header name 'X Foo'",
      'TypeError: Unsupported header value 1.5',
      'ok',
    ]);
    expect(response.headers.get('X-Empty')).toBe('');
    expect(response.headers.get('X-Tab')).toBe('a\tb');
  });

  it('ClearHeaderTest: clearHeader removes a header; a missing one is fine', async () => {
    class Clear extends RequestHandler {
      override get() {
        this.setHeader('h1', 'foo');
        this.setHeader('h2', 'bar');
        this.clearHeader('h1');
        this.clearHeader('nonexistent');
      }
    }
    const headers = await serveApp(new Application([['/', Clear]]), mode, function* (fetch) {
      return (yield* fetch('/')).headers;
    });
    expect(headers.has('h1')).toBe(false);
    expect(headers.get('h2')).toBe('bar');
  });

  it('the default headers: Server, Content-Type, Date (DateHeaderTest), and setDefaultHeaders', async () => {
    class Defaults extends RequestHandler {
      override setDefaultHeaders() {
        this.setHeader('Server', 'MyServer/1.0');
      }

      override get() {
        this.write('hello');
      }
    }
    const headers = await serveApp(new Application([['/', Defaults]]), mode, function* (fetch) {
      return (yield* fetch('/')).headers;
    });
    expect(headers.get('Server')).toBe('MyServer/1.0');
    expect(headers.get('Content-Type')).toBe('text/html; charset=UTF-8');
    const date = Date.parse(headers.get('Date')!);
    expect(Math.abs(date - Date.now())).toBeLessThan(2000);
  });

  it('each response starts from its own copy of the default headers', async () => {
    class Adds extends RequestHandler {
      override get() {
        this.addHeader('Server', 'Extra/1');
        this.addHeader('Content-Type', 'also/this');
        this.clearHeader('Date');
      }
    }
    class Plain extends RequestHandler {
      override get() {
        this.write('plain');
      }
    }
    const app = new Application([
      ['/adds', Adds],
      ['/plain', Plain],
    ]);
    const [adds, plain] = await serveApp(app, mode, function* (fetch) {
      return [(yield* fetch('/adds')).headers, (yield* fetch('/plain')).headers];
    });
    expect(adds.getList('Server')).toEqual([`TornadoServer/6.5`, 'Extra/1']);
    expect(adds.has('Date')).toBe(false);
    expect(plain.getList('Server')).toEqual(['TornadoServer/6.5']);
    expect(plain.getList('Content-Type')).toEqual(['text/html; charset=UTF-8']);
    expect(plain.has('Date')).toBe(true);
  });

  it('Header204Test: a 204 has neither Content-Length nor Transfer-Encoding', async () => {
    class NoContent extends RequestHandler {
      override get() {
        this.setStatus(204);
        void this.finish();
      }
    }
    const response = await serveApp(new Application([['/', NoContent]]), mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect(response.code).toBe(204);
    expect(response.headers.has('Content-Length')).toBe(false);
    expect(response.headers.has('Transfer-Encoding')).toBe(false);
    expect(response.headers.has('Content-Type')).toBe(false);
  });

  it('Header304Test: a 304 from an ETag drops the body and the representation headers', async () => {
    class Hello extends RequestHandler {
      override get() {
        this.setHeader('Content-Language', 'en_US');
        this.write('hello');
      }
    }
    const [first, second] = await serveApp(
      new Application([['/', Hello]]),
      mode,
      function* (fetch) {
        const response = yield* fetch('/');
        const again = yield* fetch('/', {
          headers: { 'If-None-Match': response.headers.get('Etag')! },
        });
        return [response, again];
      },
    );
    expect(first.headers.get('Content-Length')).toBe('5');
    expect(first.headers.get('Content-Language')).toBe('en_US');
    expect(second.code).toBe(304);
    for (const name of [
      'Content-Length',
      'Content-Language',
      'Content-Type',
      'Transfer-Encoding',
    ]) {
      expect(second.headers.has(name)).toBe(false);
    }
  });
});

describe.each(MODES)('the body (%s mode)', (mode: LoopMode) => {
  it('write: text as UTF-8, bytes as they are, a plain object as JSON with its type; arrays refused', async () => {
    const refused: string[] = [];
    class Text extends RequestHandler {
      override get() {
        this.write('caf\u00e9 ');
        const bytes = Buffer.from([0x21]);
        this.write(bytes);
        bytes[0] = 0x3f; // write() copied it
      }
    }
    class Json extends RequestHandler {
      override get() {
        refused.push(attempt(() => this.write([1, 2] as never)));
        refused.push(attempt(() => this.write(42 as never)));
        refused.push(attempt(() => this.write(new Map() as never)));
        this.write({ a: [1, '\u00e9'], b: null, html: '</script>' });
      }
    }
    const app = new Application([
      ['/text', Text],
      ['/json', Json],
    ]);
    const [plain, jsonResponse] = await serveApp(app, mode, function* (fetch) {
      return [yield* fetch('/text'), yield* fetch('/json')];
    });
    expect(text(plain)).toBe('caf\u00e9 !');
    expect(plain.headers.get('Content-Length')).toBe('7');
    // JSON.stringify's layout in UTF-8, </ escaped (tornado's promise; not json.dumps' bytes).
    expect(text(jsonResponse)).toBe('{"a":[1,"\u00e9"],"b":null,"html":"<\\/script>"}');
    expect(jsonResponse.headers.get('Content-Length')).toBe('43');
    expect(jsonResponse.headers.get('Content-Type')).toBe('application/json; charset=UTF-8');
    expect(refused[0]).toMatch(
      /^TypeError: write\(\) expected .*Arrays are not accepted for security reasons/,
    );
    expect(refused.slice(1)).toEqual([
      'TypeError: write() expected a string, bytes or a plain object (JSON), got 42',
      'TypeError: write() expected a string, bytes or a plain object (JSON), got Map(0) {}',
    ]);
  });

  it('write after finish, finish twice and a body with a 204 are HandlerStateErrors', async () => {
    const seen: string[] = [];
    class Late extends RequestHandler {
      override get() {
        void this.finish('done');
        seen.push(attempt(() => this.write('more')));
        seen.push(attempt(() => void this.finish()));
      }
    }
    class BodyWith204 extends RequestHandler {
      override get() {
        this.setStatus(204);
        this.write('body');
      }
    }
    const app = new Application([
      ['/late', Late],
      ['/204', BodyWith204],
    ]);
    const codes = await serveApp(app, mode, function* (fetch) {
      return [(yield* fetch('/late')).code, (yield* fetch('/204')).code];
    });
    expect(codes).toEqual([200, 500]);
    expect(seen).toEqual([
      'HandlerStateError: Cannot write() after finish()',
      'HandlerStateError: finish() called twice',
    ]);
    expect(String(logs.app[0]?.err)).toContain('Cannot send body with 204');
    expect(logs.app[0]?.err).toBeInstanceOf(HandlerStateError);
  });

  it('EmptyFlushCallbackHandler: flush() with nothing written still sends the headers, and resolves', async () => {
    class EmptyFlush extends RequestHandler {
      override *get() {
        yield this.flush(); // the headers
        yield this.flush(); // nothing
        this.write('o');
        yield this.flush();
        yield this.flush();
        void this.finish('k');
      }
    }
    const response = await serveApp(new Application([['/', EmptyFlush]]), mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect(text(response)).toBe('ok');
    // Flushed before finish: no Content-Length, so chunked.
    expect(response.headers.has('Content-Length')).toBe(false);
  });

  it('the chunks of a flushed response go out as they are flushed', async () => {
    const chunks = await serveApp(
      new Application([
        [
          '/',
          class Chunked extends RequestHandler {
            override *get() {
              this.write('first');
              yield this.flush();
              this.write('second');
              yield this.flush();
            }
          },
        ],
      ]),
      mode,
      function* (_fetch, h) {
        const stream = yield* h.connect();
        void stream.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        return (yield* readResponse(stream)).chunks;
      },
    );
    expect(chunks).toEqual([5, 6]);
  });

  it('HEAD: the headers of the GET, Content-Length included, and no body on the wire', async () => {
    class Page extends RequestHandler {
      override get() {
        this.write('a page');
      }

      override head() {
        this.get();
      }
    }
    const raw = await serveApp(new Application([['/', Page]]), mode, function* (_fetch, h) {
      return yield* h.rawFetch('HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).toContain('\r\nContent-Length: 6\r\n');
    expect(raw.endsWith('\r\n\r\n')).toBe(true);
  });

  it('IncorrectContentLengthTest: too high or too low closes the connection, and the error is logged', async () => {
    const serverErrors: string[] = [];
    class TooHigh extends RequestHandler {
      override get() {
        this.setHeader('Content-Length', '42');
        try {
          void this.finish('ok');
        } catch (error) {
          serverErrors.push(String(error));
          throw error;
        }
      }
    }
    class TooLow extends RequestHandler {
      override get() {
        this.setHeader('Content-Length', '2');
        try {
          void this.finish('hello');
        } catch (error) {
          serverErrors.push(String(error));
          throw error;
        }
      }
    }
    const app = new Application([
      ['/high', TooHigh],
      ['/low', TooLow],
    ]);
    const outcomes = await serveApp(app, mode, function* (fetch) {
      const out: string[] = [];
      for (const path of ['/high', '/low']) {
        try {
          const response = yield* fetch(path);
          out.push(String(response.code));
        } catch (error) {
          out.push((error as Error).name);
        }
      }
      return out;
    });
    expect(outcomes).toEqual(['HTTPStreamClosedError', 'HTTPStreamClosedError']);
    expect(serverErrors).toEqual([
      'HTTPOutputError: Tried to write 40 bytes less than Content-Length',
      'HTTPOutputError: Tried to write more data than Content-Length',
    ]);
    expect(logs.gen.map((r) => r.message)).toContain(
      'Cannot send error response after headers written',
    );
    expect(logs.app.map((r) => r.message.split('\n')[0])).toEqual([
      'Uncaught exception GET /high (127.0.0.1)',
      'Uncaught exception GET /low (127.0.0.1)',
    ]);
  });
});

describe.each(MODES)('ETags (%s mode)', (mode: LoopMode) => {
  /** tornado's CacheTest handler: the ETag is the body itself. */
  class Etag extends RequestHandler {
    override get(computedEtag: string) {
      this.write(computedEtag);
    }

    override computeEtag(): string {
      return this.writeBuffer[0]!.toString('latin1');
    }
  }

  it.each([
    ['wildcard', '"xyzzy"', '*', 304],
    ['strong match', '"xyzzy"', '"xyzzy"', 304],
    ['one of several strong', '"xyzzy1"', '"xyzzy1", "xyzzy2"', 304],
    ['strong mismatch', '"xyzzy"', '"xyzzy1"', 200],
    ['none of several strong', '"xyzzy"', '"xyzzy1", "xyzzy2"', 200],
    ['weak match', '"xyzzy1"', 'W/"xyzzy1"', 304],
    ['one of several weak', '"xyzzy2"', 'W/"xyzzy1", W/"xyzzy2"', 304],
    ['weak mismatch', '"xyzzy2"', 'W/"xyzzy1"', 200],
    ['none of several weak', '"xyzzy3"', 'W/"xyzzy1", W/"xyzzy2"', 200],
  ])(
    'CacheTest (%s): If-None-Match %s against %s → %s',
    async (_name, etag, ifNoneMatch, status) => {
      const code = await serveApp(new Application([['/etag/(.*)', Etag]]), mode, function* (fetch) {
        return (yield* fetch(`/etag/${encodeURIComponent(etag)}`, {
          headers: { 'If-None-Match': ifNoneMatch },
        })).code;
      });
      expect(code).toBe(status);
    },
  );

  it('the default ETag is the body’s SHA-1; no ETag for a POST, a non-200, or computeEtag() null', async () => {
    class Page extends RequestHandler {
      override get() {
        this.write('hello');
      }

      override post() {
        this.write('hello');
      }
    }
    class Created extends RequestHandler {
      override get() {
        this.setStatus(201);
        this.write('hello');
      }
    }
    class NoTag extends RequestHandler {
      override get() {
        this.write('hello');
      }

      override computeEtag() {
        return null;
      }
    }
    const app = new Application([
      ['/', Page],
      ['/created', Created],
      ['/notag', NoTag],
    ]);
    const tags = await serveApp(app, mode, function* (fetch) {
      return [
        (yield* fetch('/')).headers.get('Etag'),
        (yield* fetch('/', { method: 'POST', body: '' })).headers.get('Etag'),
        (yield* fetch('/created')).headers.get('Etag'),
        (yield* fetch('/notag')).headers.get('Etag'),
      ];
    });
    expect(tags).toEqual([
      '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe.each(MODES)('redirects (%s mode)', (mode: LoopMode) => {
  it('WSGISafeWebTest.test_redirect: permanent 301, temporary 302, or a status given; a non-3xx refused', async () => {
    let refused = '';
    class Redirect extends RequestHandler {
      override get() {
        const permanent = this.getArgument('permanent', null);
        if (permanent !== null) {
          this.redirect('/', { permanent: Boolean(Number(permanent)) });
        } else {
          refused = attempt(() => this.redirect('/', { status: 200 }));
          this.redirect('/', { status: Number(this.getArgument('status')) });
        }
      }
    }
    const codes = await serveApp(
      new Application([['/redirect', Redirect]]),
      mode,
      function* (fetch) {
        return [
          (yield* fetch('/redirect?permanent=1')).code,
          (yield* fetch('/redirect?permanent=0')).code,
          (yield* fetch('/redirect?status=307')).code,
        ];
      },
    );
    expect(codes).toEqual([301, 302, 307]);
    expect(refused).toBe('RangeError: redirect() expected a 3xx status, got 200');
  });

  it('a redirect after the headers are out is refused; Location may hold any text (sent as UTF-8)', async () => {
    let refused = '';
    class Late extends RequestHandler {
      override *get() {
        yield this.flush();
        refused = attempt(() => this.redirect('/'));
      }
    }
    class Unicode extends RequestHandler {
      override get() {
        this.redirect('/caf\u00e9');
      }
    }
    const app = new Application([
      ['/late', Late],
      ['/unicode', Unicode],
    ]);
    const location = await serveApp(app, mode, function* (fetch, h) {
      yield* fetch('/late');
      const raw = yield* h.rawFetch(
        'GET /unicode HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      return /\r\nLocation: ([^\r]*)\r\n/.exec(raw)![1];
    });
    expect(refused).toBe('HandlerStateError: Cannot redirect after headers have been written');
    expect(Buffer.from(location!, 'latin1').toString('utf8')).toBe('/caf\u00e9');
  });
});

describe.each(MODES)('gzip (%s mode)', (mode: LoopMode) => {
  /** tornado's GzipTestCase handler: long enough to compress, Vary values from the query. */
  class Long extends RequestHandler {
    override get() {
      for (const vary of this.getArguments('vary')) this.addHeader('Vary', vary);
      this.write('hello world' + '!'.repeat(GZipContentEncoding.MIN_LENGTH));
    }
  }
  const body = 'hello world' + '!'.repeat(GZipContentEncoding.MIN_LENGTH);
  const encoding = (headers: { get(name: string): string | undefined }) =>
    headers.get('Content-Encoding') ?? headers.get('X-Consumed-Content-Encoding');
  const vary = (headers: { get(name: string): string | undefined }) =>
    headers
      .get('Vary')!
      .split(',')
      .map((s) => s.trim());

  it('GzipTestCase: compressed when asked for, Vary: Accept-Encoding either way; a Vary already there is kept', async () => {
    const app = new Application([['/', Long]], { compressResponse: true });
    const seen = await serveApp(app, mode, function* (fetch) {
      const gzipped = yield* fetch('/');
      const plain = yield* fetch('/', { decompressResponse: false });
      const one = yield* fetch('/?vary=Accept-Language');
      const two = yield* fetch('/?vary=Accept-Language&vary=Cookie');
      return { gzipped, plain, one, two };
    });
    expect(encoding(seen.gzipped.headers)).toBe('gzip');
    expect(text(seen.gzipped)).toBe(body);
    expect(seen.gzipped.headers.get('Vary')).toBe('Accept-Encoding');
    expect(encoding(seen.plain.headers)).toBeUndefined();
    expect(seen.plain.headers.get('Vary')).toBe('Accept-Encoding');
    expect(vary(seen.one.headers)).toEqual(['Accept-Language', 'Accept-Encoding']);
    expect(vary(seen.two.headers)).toEqual(['Accept-Language', 'Cookie', 'Accept-Encoding']);
  });

  it('the gzip setting (tornado’s older name) too; no transform without either', async () => {
    const seen = await serveApp(
      new Application([['/', Long]], { gzip: true }),
      mode,
      function* (fetch) {
        return yield* fetch('/');
      },
    );
    expect(encoding(seen.headers)).toBe('gzip');
    const without = await serveApp(new Application([['/', Long]]), mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect(without.headers.has('Vary')).toBe(false);
    expect(encoding(without.headers)).toBeUndefined();
  });

  it('the wire: a Content-Length of the compressed body; short or binary bodies are left alone', async () => {
    class Short extends RequestHandler {
      override get() {
        this.write('short');
      }
    }
    class Binary extends RequestHandler {
      override get() {
        this.setHeader('Content-Type', 'image/png');
        this.write(Buffer.alloc(4096));
      }
    }
    const app = new Application(
      [
        ['/', Long],
        ['/short', Short],
        ['/binary', Binary],
      ],
      { compressResponse: true },
    );
    const seen = await serveApp(app, mode, function* (fetch) {
      const options = { decompressResponse: false, headers: { 'Accept-Encoding': 'gzip' } };
      return [
        yield* fetch('/', options),
        yield* fetch('/short', options),
        yield* fetch('/binary', options),
      ];
    });
    const [long, short, binary] = seen as [(typeof seen)[0], (typeof seen)[0], (typeof seen)[0]];
    expect(long.headers.get('Content-Encoding')).toBe('gzip');
    expect(Number(long.headers.get('Content-Length'))).toBe(long.body.length);
    expect(long.body.length).toBeLessThan(body.length);
    expect(gunzipSync(long.body).toString()).toBe(body);
    expect(short.headers.has('Content-Encoding')).toBe(false);
    expect(text(short)).toBe('short');
    expect(binary.headers.has('Content-Encoding')).toBe(false);
  });

  it('a response flushed in pieces is one gzip stream, whatever the size of each piece', async () => {
    class Pieces extends RequestHandler {
      override *get() {
        this.setHeader('Content-Type', 'text/plain');
        for (const piece of ['one ', 'two ', 'three '.repeat(500)]) {
          this.write(piece);
          yield this.flush();
        }
        void this.finish('end');
      }
    }
    const response = await serveApp(
      new Application([['/', Pieces]], { compressResponse: true }),
      mode,
      function* (fetch) {
        return yield* fetch('/', {
          decompressResponse: false,
          headers: { 'Accept-Encoding': 'gzip' },
        });
      },
    );
    expect(response.headers.get('Content-Encoding')).toBe('gzip');
    expect(gunzipSync(response.body).toString()).toBe(`one two ${'three '.repeat(500)}end`);
  });
});
