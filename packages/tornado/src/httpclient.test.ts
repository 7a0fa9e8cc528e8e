/**
 * AsyncHTTPClient — the themes of tornado's httpclient_test.py and simple_httpclient_test.py,
 * ported onto our HTTPServer on 127.0.0.1 (tornado's tests run against tornado.web handlers,
 * which are not ported yet: each handler here is a request callback doing the same), plus what
 * tornado's simple client never had: the keep-alive pool, counted at the server.
 *
 * The interop suites (nginx, tornado 6.2, a real proxy) are httpclient-interop.test.ts; the
 * llhttp response corpus and misbehaving servers are httpclient-reliability.test.ts.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sleep } from '@aio/coroutine';
import { Future } from '@aio/future';
import { getRunningLoop, type LoopMode } from '@aio/loop';
import { SSLCertVerificationError } from '@aio/selector/ssl';
import * as httpclient from './httpclient';
import {
  AsyncHTTPClient,
  HTTPClientError,
  HTTPError,
  HTTPRequest,
  HTTPResponse,
  HTTPStreamClosedError,
  HTTPTimeoutError,
  type AsyncHTTPClientOptions,
} from './httpclient';
import { FRESH_MS } from './httpclient/pool';
import type { HTTPServerRequest } from './httpserver';
import { HTTPHeaders, HTTPInputError, ResponseStartLine } from './httputil';
import { MODES, main } from './locks/test-support';
import {
  CLIENT_TLS,
  SERVER_TLS,
  http1,
  respond,
  withServer,
  type Harness,
  useHttpTestHooks,
} from './test-http';

useHttpTestHooks(); // what the client and servers log stays out of the test output

/** A request handler by path, as tornado's tests' Application routes. */
type Route = (request: HTTPServerRequest, harness: Harness) => void;

/** The server side's connections (their streams), to count requests per connection. */
let streams: Set<unknown>;

/** Writes a response with no Content-Length: chunked, piece by piece. */
function chunked(request: HTTPServerRequest, pieces: string[], extra: Record<string, string> = {}) {
  const connection = request.connection!;
  void connection.writeHeaders(
    new ResponseStartLine('HTTP/1.1', 200, 'OK'),
    new HTTPHeaders(extra),
  );
  for (const piece of pieces) void connection.write(piece);
  connection.finish();
}

const ROUTES: Record<string, Route> = {
  '/hello': (r) => respond(r, 'Hello world!'),
  '/post': (r) =>
    respond(
      r,
      `Post arg1: ${String(r.bodyArguments.arg1?.[0] ?? '')}, arg2: ${String(r.bodyArguments.arg2?.[0] ?? '')}`,
    ),
  '/method': (r) => respond(r, `${r.method}: ${r.body.toString('utf8')}`),
  '/headers': (r) =>
    respond(r, JSON.stringify(Object.fromEntries([...r.headers.getAll()].map(([k, v]) => [k, v])))),
  '/auth': (r) => respond(r, r.headers.get('Authorization') ?? 'none'),
  '/chunk': (r) => chunked(r, ['asdf', 'qwer']),
  '/countdown': (r) => {
    const n = Number(r.query || '0');
    if (n > 0) respond(r, '', 302, { Location: `/countdown?${String(n - 1)}` });
    else respond(r, 'Zero');
  },
  '/redirect': (r) => {
    const args = new URLSearchParams(r.query);
    respond(r, '', Number(args.get('status') ?? 302), { Location: args.get('url')! });
  },
  '/no-location': (r) => respond(r, 'no location', 302),
  '/gzip': (r) => {
    const body = gzipSync('asdfqwer'.repeat(100));
    respond(r, body, 200, { 'Content-Encoding': 'gzip' });
  },
  '/not-gzip': (r) => respond(r, 'this is not gzip', 200, { 'Content-Encoding': 'gzip' }),
  '/204': (r) => {
    void r.connection!.writeHeaders(
      new ResponseStartLine('HTTP/1.1', 204, 'No Content'),
      new HTTPHeaders(),
    );
    r.connection!.finish();
  },
  '/304': (r) => {
    const connection = r.connection!;
    void connection.writeHeaders(
      new ResponseStartLine('HTTP/1.1', 304, 'Not Modified'),
      new HTTPHeaders({ 'Content-Length': '42' }),
    );
    connection.finish();
  },
  '/head': (r) => respond(r, 'a body HEAD must not get'),
  '/close': (r) => respond(r, 'closing', 200, { Connection: 'close' }),
  '/slow': (r) => void getRunningLoop().callLater(300, () => respond(r, 'slow')),
  '/never': () => {
    /* never answers */
  },
  '/continue': (r) =>
    respond(r, `got ${String(r.body.length)} after ${r.headers.get('Expect') ?? 'no'} expect`),
  '/user-agent': (r) => respond(r, r.headers.get('User-Agent') ?? ''),
  '/host': (r) => respond(r, r.headers.get('Host') ?? ''),
  '/set-cookie-echo': (r) => respond(r, r.headers.get('Cookie') ?? 'no cookie'),
  '/big': (r) => respond(r, 'x'.repeat(1024 * 1024)),
};

function app(request: HTTPServerRequest, harness: Harness): void {
  streams.add(http1(request.connection).stream);
  const route = ROUTES[request.path];
  if (route === undefined) respond(request, 'not found', 404);
  else route(request, harness);
}

/** Runs `body` with a server of ROUTES and a client of its own, closed after. */
function withApp<T>(
  mode: LoopMode,
  body: (
    h: Harness,
    client: AsyncHTTPClient,
    url: (path: string) => string,
  ) => Generator<unknown, T, unknown>,
  options: { client?: AsyncHTTPClientOptions; tls?: boolean } = {},
): Promise<T> {
  streams = new Set();
  return main(
    () =>
      withServer(
        (request) => app(request, harnessRef!),
        options.tls === true ? { sslOptions: SERVER_TLS } : {},
        function* (h) {
          harnessRef = h;
          const client = new AsyncHTTPClient({ forceInstance: true, ...options.client });
          const scheme = options.tls === true ? 'https://localhost' : 'http://127.0.0.1';
          try {
            return yield* body(h, client, (path) => `${scheme}:${String(h.port)}${path}`);
          } finally {
            client.close();
          }
        },
      ),
    mode,
    'real',
  );
}
let harnessRef: Harness | null = null;

/** What a fetch failed with. */
function* failure(future: Future<HTTPResponse>): Generator<unknown, unknown, unknown> {
  try {
    yield* future;
  } catch (error) {
    return error;
  }
  throw new Error('the fetch did not fail');
}

it('exports the names it promises; HTTPError is HTTPClientError', () => {
  expect(Object.keys(httpclient).sort()).toEqual([
    'AsyncHTTPClient',
    'HTTPClient',
    'HTTPClientError',
    'HTTPError',
    'HTTPRequest',
    'HTTPResponse',
    'HTTPStreamClosedError',
    'HTTPTimeoutError',
    'ProxyTunnelError',
    'REQUEST_DEFAULTS',
  ]);
  expect(HTTPError).toBe(HTTPClientError);
});

describe('HTTPRequest and HTTPResponse', () => {
  it('HTTPRequestTestCase: headers, body as UTF-8, If-Modified-Since, bad options named', () => {
    const request = new HTTPRequest('http://example.com', {
      headers: { foo: 'bar' },
      body: 'café',
      ifModifiedSince: new Date(Date.UTC(2013, 0, 27, 18, 43, 20)),
    });
    expect(request.headers.get('Foo')).toBe('bar');
    expect(request.body).toEqual(Buffer.from('café', 'utf8'));
    expect(request.headers.get('If-Modified-Since')).toBe('Sun, 27 Jan 2013 18:43:20 GMT');
    expect(new HTTPRequest('http://example.com').headers.size).toBe(0);
    expect(() => new HTTPRequest('http://example.com', { request_timeout: 1 } as never)).toThrow(
      /tornado's request_timeout is requestTimeout here/,
    );
    expect(() => new HTTPRequest('http://example.com', { requestTimeout: -1 })).toThrow(RangeError);
    expect(() => new HTTPRequest('http://example.com', { authMode: 'digest' as never })).toThrow(
      /unsupported|only mode/,
    );
    expect(() => new HTTPRequest(42 as never)).toThrow(TypeError);
  });

  it('test_header_crlf: CR or LF in a header name or value is refused before anything is sent', () => {
    expect(
      () => new HTTPRequest('http://a/', { headers: { foo: 'bar\r\nX-Injected: 1' } }),
    ).toThrow(HTTPInputError);
    expect(() => new HTTPRequest('http://a/', { headers: { 'fo\no': 'bar' } })).toThrow(
      HTTPInputError,
    );
    const request = new HTTPRequest('http://a/');
    expect(() => request.headers.set('foo', 'bar\nbaz')).toThrow(HTTPInputError);
  });

  it('HTTPResponseTestCase and HTTPErrorTestCase: the body, rethrow, the error names the code', () => {
    const request = new HTTPRequest('http://example.com');
    const ok = new HTTPResponse(request, 200, { buffer: Buffer.from('body') });
    expect(ok.body.toString()).toBe('body');
    expect(ok.error).toBeNull();
    ok.rethrow();
    const notFound = new HTTPResponse(request, 404);
    expect(notFound.body.length).toBe(0);
    expect(() => notFound.rethrow()).toThrow(HTTPClientError);
    expect(String(notFound.error)).toBe('HTTPClientError: HTTP 404: Not Found');
    expect((notFound.error as HTTPClientError).response).toBe(notFound);
    expect(new HTTPClientError(403).message).toBe('HTTP 403: Forbidden');
    expect(new HTTPTimeoutError('Timeout').code).toBe(599);
  });
});

describe.each(MODES)('AsyncHTTPClient (%s mode)', (mode: LoopMode) => {
  describe('HTTPClientCommonTestCase', () => {
    it('test_hello_world: code, body, headers, effectiveUrl, times', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const response = yield* client.fetch(url('/hello'));
        return [
          response.code,
          response.reason,
          response.body.toString(),
          response.headers.get('Content-Length'),
          response.effectiveUrl === url('/hello'),
          response.requestTime! >= 0 && response.requestTime! < 10_000,
          Math.abs(response.startTime! - Date.now()) < 10_000,
          Object.keys(response.timeInfo).sort(),
        ];
      });
      expect(got).toEqual([
        200,
        'OK',
        'Hello world!',
        '12',
        true,
        true,
        true,
        ['connect', 'firstByte', 'queue', 'total'],
      ]);
    });

    it('test_post and test_patch_receives_payload and test_all_methods', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const post = yield* client.fetch(url('/post'), {
          method: 'POST',
          body: 'arg1=foo&arg2=bar',
        });
        const out: string[] = [post.body.toString()];
        for (const method of ['GET', 'DELETE', 'OPTIONS', 'HEAD']) {
          out.push((yield* client.fetch(url('/method'), { method })).body.toString());
        }
        for (const method of ['POST', 'PUT', 'PATCH']) {
          out.push((yield* client.fetch(url('/method'), { method, body: 'xyz' })).body.toString());
        }
        out.push(
          (yield* client.fetch(url('/method'), {
            method: 'PROPFIND',
            allowNonstandardMethods: true,
          })).body.toString(),
        );
        return out;
      });
      expect(got).toEqual([
        'Post arg1: foo, arg2: bar',
        'GET: ',
        'DELETE: ',
        'OPTIONS: ',
        '',
        'POST: xyz',
        'PUT: xyz',
        'PATCH: xyz',
        'PROPFIND: ',
      ]);
    });

    it('test_body_sanity_checks: a body where none belongs, and none where one does, are refused', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const out: unknown[] = [];
        out.push(yield* failure(client.fetch(url('/method'), { method: 'POST' })));
        out.push(yield* failure(client.fetch(url('/method'), { method: 'GET', body: 'x' })));
        out.push(yield* failure(client.fetch(url('/method'), { method: 'FOO' })));
        return [out.map((e) => (e as Error).message), streams.size];
      });
      expect(got[0]).toEqual([
        expect.stringMatching(/^Body must not be null for method POST/),
        expect.stringMatching(/^Body must be null for method GET/),
        expect.stringMatching(/^unknown method FOO/),
      ]);
      // Nothing was sent: not even a connection made.
      expect(got[1]).toBe(0);
    });

    it('test_chunked: a chunked response is put together; test_streaming_callback gets its pieces', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const whole = yield* client.fetch(url('/chunk'));
        const pieces: string[] = [];
        const streamed = yield* client.fetch(url('/chunk'), {
          streamingCallback: (chunk) => void pieces.push(chunk.toString()),
        });
        return [whole.body.toString(), pieces.join(''), streamed.body.length];
      });
      expect(got).toEqual(['asdfqwer', 'asdfqwer', 0]);
    });

    it('test_basic_auth, test_basic_auth_unicode, test_credentials_in_url', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const out: string[] = [];
        out.push(
          (yield* client.fetch(url('/auth'), {
            authUsername: 'Aladdin',
            authPassword: 'open sesame',
          })).body.toString(),
        );
        out.push(
          (yield* client.fetch(url('/auth'), {
            authUsername: 'Aladdin',
            authPassword: 'open sesame',
            authMode: 'basic',
          })).body.toString(),
        );
        out.push(
          (yield* client.fetch(url('/auth'), {
            authUsername: 'test',
            authPassword: '123£',
          })).body.toString(),
        );
        const withCredentials = url('/auth').replace('http://', 'http://me:secret@');
        out.push((yield* client.fetch(withCredentials)).body.toString());
        return out;
      });
      expect(got).toEqual([
        'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
        'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
        'Basic dGVzdDoxMjPCow==',
        `Basic ${Buffer.from('me:secret').toString('base64')}`,
      ]);
    });

    it('test_follow_redirect, test_max_redirects and test_redirect_without_location', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const unfollowed = yield* client.fetch(url('/countdown?2'), {
          followRedirects: false,
          raiseError: false,
        });
        const followed = yield* client.fetch(url('/countdown?2'));
        const tooMany = yield* failure(client.fetch(url('/countdown?3'), { maxRedirects: 2 }));
        const noLocation = yield* failure(client.fetch(url('/no-location')));
        return [
          [unfollowed.code, unfollowed.headers.get('Location')],
          [followed.code, followed.body.toString(), followed.effectiveUrl.endsWith('/countdown?0')],
          [
            (tooMany as HTTPClientError).code,
            (tooMany as HTTPClientError).response?.headers.get('Location'),
          ],
          [
            (noLocation as HTTPClientError).code,
            (noLocation as HTTPClientError).response?.body.toString(),
          ],
        ];
      });
      expect(got).toEqual([
        [302, '/countdown?1'],
        [200, 'Zero', true],
        [302, '/countdown?0'],
        [302, 'no location'],
      ]);
    });

    it('test_method_after_redirect and test_put_307: 301/302/303 turn POST into GET, 307/308 keep method and body', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const out: string[] = [];
        for (const status of [301, 302, 303]) {
          const response = yield* client.fetch(
            url(`/redirect?status=${String(status)}&url=/method`),
            { method: 'POST', body: 'abc' },
          );
          out.push(`${String(status)} ${response.body.toString()}`);
        }
        for (const status of [307, 308]) {
          const response = yield* client.fetch(
            url(`/redirect?status=${String(status)}&url=/method`),
            { method: 'PUT', body: 'abc' },
          );
          out.push(`${String(status)} ${response.body.toString()}`);
        }
        const head = yield* client.fetch(url('/redirect?status=303&url=/method'), {
          method: 'HEAD',
        });
        out.push(`303 HEAD ${String(head.code)}`);
        const del = yield* client.fetch(url('/redirect?status=302&url=/method'), {
          method: 'DELETE',
        });
        out.push(`302 ${del.body.toString()}`);
        return out;
      });
      expect(got).toEqual([
        '301 GET: ',
        '302 GET: ',
        '303 GET: ',
        '307 PUT: abc',
        '308 PUT: abc',
        '303 HEAD 200',
        '302 DELETE: ',
      ]);
    });

    it('test_gzip: decompressed with the header saying so; test_invalid_gzip fails; decompressResponse: false leaves it', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const unzipped = yield* client.fetch(url('/gzip'));
        const raw = yield* client.fetch(url('/gzip'), { decompressResponse: false });
        const invalid = yield* failure(client.fetch(url('/not-gzip')));
        return [
          unzipped.body.toString(),
          unzipped.headers.get('Content-Encoding'),
          unzipped.headers.get('X-Consumed-Content-Encoding'),
          raw.headers.get('Content-Encoding'),
          raw.body.subarray(0, 2).toString('hex'),
          invalid instanceof HTTPInputError,
        ];
      });
      expect(got).toEqual(['asdfqwer'.repeat(100), undefined, 'gzip', 'gzip', '1f8b', true]);
    });

    it('test_header_callback: the status line, each header, then a blank line', async () => {
      const lines = await withApp(mode, function* (_h, client, url) {
        const lines: string[] = [];
        yield* client.fetch(url('/hello'), { headerCallback: (line) => void lines.push(line) });
        return lines;
      });
      expect(lines[0]).toBe('HTTP/1.1 200 OK\r\n');
      expect(lines).toContain('Content-Length: 12\r\n');
      expect(lines.at(-1)).toBe('\r\n');
    });

    it('test_304_with_content_length, test_head_request, test_no_content: no bodies read', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const notModified = yield* client.fetch(url('/304'), { raiseError: false });
        const head = yield* client.fetch(url('/head'), { method: 'HEAD' });
        const noContent = yield* client.fetch(url('/204'));
        // Each left its connection fit for the next request.
        const after = yield* client.fetch(url('/hello'));
        return [
          [notModified.code, notModified.headers.get('Content-Length'), notModified.body.length],
          [head.code, head.headers.get('Content-Length'), head.body.length],
          [noContent.code, noContent.body.length],
          after.body.toString(),
          streams.size,
        ];
      });
      expect(got).toEqual([[304, '42', 0], [200, '24', 0], [204, 0], 'Hello world!', 1]);
    });

    it('test_future_http_error and _no_raise: HTTPClientError with the response, or the response', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const error = (yield* failure(client.fetch(url('/nothing-here')))) as HTTPClientError;
        const response = yield* client.fetch(url('/nothing-here'), { raiseError: false });
        return [error.code, error.response?.body.toString(), response.code, response.error?.name];
      });
      expect(got).toEqual([404, 'not found', 404, 'HTTPClientError']);
    });

    it('test_reuse_request_from_response and test_request_set: an HTTPRequest object, options refused beside it', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const request = new HTTPRequest(url('/hello'), { requestTimeout: 5_000 });
        const first = yield* client.fetch(request);
        const second = yield* client.fetch(first.request);
        let refused = '';
        try {
          client.fetch(request, { method: 'POST' });
        } catch (error) {
          refused = (error as Error).message;
        }
        // The client's own changes (Host, User-Agent, …) were made on a copy.
        return [first.request === request, second.body.toString(), refused, request.headers.size];
      });
      expect(got).toEqual([true, 'Hello world!', expect.stringMatching(/only raiseError/), 0]);
    });

    it('test_configure_defaults and test_default_user_agent: defaults apply, request options win', async () => {
      const got = await withApp(
        mode,
        function* (_h, client, url) {
          const byDefault = yield* client.fetch(url('/user-agent'));
          const own = yield* client.fetch(url('/user-agent'), { userAgent: 'Mine/2' });
          const plain = new AsyncHTTPClient({ forceInstance: true });
          try {
            const builtIn = yield* plain.fetch(url('/user-agent'));
            return [byDefault.body.toString(), own.body.toString(), builtIn.body.toString()];
          } finally {
            plain.close();
          }
        },
        { client: { defaults: { userAgent: 'TestDefaultUserAgent' } } },
      );
      expect(got).toEqual(['TestDefaultUserAgent', 'Mine/2', 'aio-tornado']);
    });

    it('test_host_header: the URL host and port', async () => {
      const got = await withApp(mode, function* (h, client, url) {
        return [(yield* client.fetch(url('/host'))).body.toString(), String(h.port)];
      });
      expect(got[0]).toBe(`127.0.0.1:${got[1]!}`);
    });

    it('refuses URLs it cannot send, naming them: another scheme, spaces and control characters', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const out: unknown[] = [];
        for (const bad of [
          'ftp://127.0.0.1/',
          `${url('/hello')} x`,
          url('/hel\nlo'),
          'not a url',
        ]) {
          const error = (yield* failure(client.fetch(bad))) as Error & { code: string };
          out.push(error.code);
        }
        return out;
      });
      expect(got).toEqual([
        'ERR_INVALID_URL_SCHEME',
        'ERR_INVALID_URL',
        'ERR_INVALID_URL',
        'ERR_INVALID_URL',
      ]);
    });
  });

  describe('redirects and credentials (tornado 6.5 test_strip_headers_on_redirect, and more)', () => {
    /** A second server: another origin. Its /headers shows what arrived. */
    function* twoOrigins<T>(
      body: (
        client: AsyncHTTPClient,
        a: (p: string) => string,
        b: (p: string) => string,
      ) => Generator<unknown, T, unknown>,
    ): Generator<unknown, T, unknown> {
      return yield* withServer(app as never, {}, function* (other) {
        const client = new AsyncHTTPClient({ forceInstance: true });
        try {
          return yield* body(
            client,
            (p) => `http://127.0.0.1:${String(harnessRef!.port)}${p}`,
            (p) => `http://127.0.0.1:${String(other.port)}${p}`,
          );
        } finally {
          client.close();
        }
      });
    }

    const SECRETS = {
      headers: {
        Authorization: 'Bearer hunter2',
        Cookie: 'session=1',
        'Proxy-Authorization': 'Basic eA==',
      },
    };

    it('a redirect to another origin drops Authorization, Cookie, Proxy-Authorization and the auth options', async () => {
      const got = await withApp(mode, function* (h) {
        harnessRef = h;
        return yield* twoOrigins(function* (client, a, b) {
          const there = encodeURIComponent(b('/headers'));
          const response = yield* client.fetch(a(`/redirect?url=${there}`), SECRETS);
          const withAuth = yield* client.fetch(
            a(`/redirect?url=${encodeURIComponent(b('/auth'))}`),
            {
              authUsername: 'me',
              authPassword: 'pw',
            },
          );
          return [
            JSON.parse(response.body.toString()) as Record<string, string>,
            withAuth.body.toString(),
          ];
        });
      });
      const [headers, auth] = got as [Record<string, string>, string];
      expect(headers.Authorization).toBeUndefined();
      expect(headers.Cookie).toBeUndefined();
      expect(headers['Proxy-Authorization']).toBeUndefined();
      expect(auth).toBe('none');
    });

    it('credentials in the redirect URL itself, to another origin, are dropped too', async () => {
      const got = await withApp(mode, function* (h) {
        harnessRef = h;
        return yield* twoOrigins(function* (client, a, b) {
          const there = encodeURIComponent(b('/auth').replace('http://', 'http://u:p@'));
          return (yield* client.fetch(a(`/redirect?url=${there}`))).body.toString();
        });
      });
      expect(got).toBe('none');
    });

    it('within the origin they are kept; 127.0.0.1 and localhost are two origins', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const same = yield* client.fetch(url('/redirect?url=/headers'), SECRETS);
        const sameAuth = yield* client.fetch(url('/redirect?url=/auth'), {
          authUsername: 'me',
          authPassword: 'pw',
        });
        const otherHost = encodeURIComponent(url('/auth').replace('127.0.0.1', 'localhost'));
        const toLocalhost = yield* client.fetch(url(`/redirect?url=${otherHost}`), {
          authUsername: 'me',
          authPassword: 'pw',
        });
        const kept = JSON.parse(same.body.toString()) as Record<string, string>;
        return [
          kept.Authorization,
          kept.Cookie,
          sameAuth.body.toString(),
          toLocalhost.body.toString(),
        ];
      });
      expect(got).toEqual([
        'Bearer hunter2',
        'session=1',
        `Basic ${Buffer.from('me:pw').toString('base64')}`,
        'none',
      ]);
    });
  });

  describe('the keep-alive pool (beyond tornado)', () => {
    it('reuses one connection for requests one after another: counted at the server', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        for (let i = 0; i < 20; i++) yield* client.fetch(url('/hello'));
        return [streams.size, client.stats.connections, client.stats.reused, client.stats.requests];
      });
      expect(got).toEqual([1, 1, 19, 20]);
    });

    it('maxClients requests at once use maxClients connections, kept for the next ones', async () => {
      const got = await withApp(
        mode,
        function* (_h, client, url) {
          for (let round = 0; round < 3; round++) {
            yield Array.from({ length: 4 }, () => client.fetch(url('/hello')));
          }
          return [streams.size, client.stats.connections, client.stats.idle];
        },
        { client: { maxClients: 4 } },
      );
      expect(got).toEqual([4, 4, 4]);
    });

    it('is not reused after Connection: close, a failed request, or with keepAlive: false', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        yield* client.fetch(url('/close'));
        yield* client.fetch(url('/hello'));
        const afterClose = streams.size;
        yield* failure(client.fetch(url('/not-gzip'))); // a bad body: its connection is closed
        yield* client.fetch(url('/hello'));
        const afterError = streams.size;
        const noKeep = new AsyncHTTPClient({ forceInstance: true, keepAlive: false });
        try {
          yield* noKeep.fetch(url('/hello'));
          yield* noKeep.fetch(url('/hello'));
        } finally {
          noKeep.close();
        }
        return [afterClose, afterError, streams.size];
      });
      expect(got).toEqual([2, 3, 5]);
    });

    it('a streamingCallback that fails leaves its connection closed, not pooled', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const error = yield* failure(
          client.fetch(url('/big'), {
            streamingCallback: () => {
              throw new Error('no more, thanks');
            },
          }),
        );
        yield* client.fetch(url('/hello'));
        return [(error as Error).message, streams.size, client.stats.reused];
      });
      expect(got).toEqual(['no more, thanks', 2, 0]);
    });

    it('an idle connection is closed after idleConnectionTimeout', async () => {
      const got = await withApp(
        mode,
        function* (_h, client, url) {
          yield* client.fetch(url('/hello'));
          const idleBefore = client.stats.idle;
          yield* sleep(200);
          yield* client.fetch(url('/hello'));
          return [idleBefore, streams.size];
        },
        { client: { idleConnectionTimeout: 50 } },
      );
      expect(got).toEqual([1, 2]);
    });

    it('a connection the server closed while idle is noticed: the next request goes on a new one', async () => {
      const got = await withApp(mode, function* (h, client, url) {
        yield* client.fetch(url('/hello'));
        yield* h.server.closeAllConnections();
        yield* sleep(FRESH_MS + 20); // past the window in which a GET takes it unchecked
        const response = yield* client.fetch(url('/hello'));
        return [response.body.toString(), streams.size, client.stats.reused];
      });
      expect(got).toEqual(['Hello world!', 2, 0]);
    });

    it('different TLS settings never share a connection', async () => {
      const got = await withApp(
        mode,
        function* (_h, client, url) {
          yield* client.fetch(url('/hello'), { caCerts: CLIENT_TLS.caCerts });
          yield* client.fetch(url('/hello'), { caCerts: CLIENT_TLS.caCerts });
          yield* client.fetch(url('/hello'), { validateCert: false });
          yield* client.fetch(url('/hello'), { caCerts: CLIENT_TLS.caCerts });
          return [streams.size, client.stats.reused];
        },
        { tls: true },
      );
      expect(got).toEqual([2, 2]);
    });
  });

  describe('SimpleHTTPClientTestMixin', () => {
    it('test_singleton: one client per IOLoop unless forceInstance; a closed one is made anew', async () => {
      const got = await main(
        function* () {
          const a = new AsyncHTTPClient();
          const b = new AsyncHTTPClient();
          const own = new AsyncHTTPClient({ forceInstance: true });
          a.close();
          const c = new AsyncHTTPClient();
          c.close();
          own.close();
          return [a === b, a === own, a === c];
        },
        mode,
        'real',
      );
      expect(got).toEqual([true, false, false]);
    });

    it('test_connection_limit and test_max_clients: maxClients requests at once, the rest queued', async () => {
      const got = await withApp(
        mode,
        function* (_h, client, url) {
          const fetches = Array.from({ length: 6 }, () => client.fetch(url('/slow')));
          yield* sleep(50);
          const during = [client.stats.active, client.stats.queued];
          yield fetches;
          return [during, streams.size];
        },
        { client: { maxClients: 2 } },
      );
      expect(got).toEqual([[2, 4], 2]);
    });

    it('test_queue_timeout: a request that waits too long in the queue fails with HTTPTimeoutError', async () => {
      const got = await withApp(
        mode,
        function* (_h, client, url) {
          const slow = client.fetch(url('/slow'), { requestTimeout: 5_000 });
          const queued = yield* failure(client.fetch(url('/hello'), { connectTimeout: 50 }));
          yield* slow;
          return [
            (queued as Error).name,
            (queued as Error).message,
            (queued as HTTPClientError).code,
          ];
        },
        { client: { maxClients: 1 } },
      );
      expect(got).toEqual(['HTTPTimeoutError', 'Timeout in request queue', 599]);
    });

    it('test_request_timeout: HTTPTimeoutError "Timeout during request", the connection closed', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const started = Date.now();
        const error = yield* failure(client.fetch(url('/never'), { requestTimeout: 100 }));
        const took = Date.now() - started;
        const after = yield* client.fetch(url('/hello'));
        return [(error as Error).message, took >= 95, after.body.toString(), client.stats.idle];
      });
      expect(got).toEqual(['Timeout during request', true, 'Hello world!', 1]);
    });

    it('test_connection_refused: the error says why (ECONNREFUSED), and nothing is left open', async () => {
      const got = await withApp(mode, function* (h, client) {
        h.server.stop(); // the port is still ours, but nothing listens on it any more
        const error = (yield* failure(
          client.fetch(`http://127.0.0.1:${String(h.port)}/`),
        )) as Error & {
          code?: string;
        };
        return [error.name, error.code];
      });
      expect(got).toEqual(['ConnectionRefusedError', 'ECONNREFUSED']);
    });

    it('test_100_continue: the body goes after the server says 100 Continue', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const response = yield* client.fetch(url('/continue'), {
          method: 'POST',
          body: 'hello',
          expect100Continue: true,
        });
        return response.body.toString();
      });
      expect(got).toBe('got 5 after 100-continue expect');
    });

    it('test_sync_body_producer_chunked and test_async_body_producer_content_length', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const chunkedBody = yield* client.fetch(url('/method'), {
          method: 'POST',
          bodyProducer: (write) => {
            void write('asdf');
            void write('qwer');
          },
        });
        const withLength = yield* client.fetch(url('/method'), {
          method: 'POST',
          headers: { 'Content-Length': '8' },
          bodyProducer: async (write) => {
            await write('asdf');
            await sleep(5); // an aio sleep: a Node timer would wait for the blocking loop
            await write('qwer');
          },
        });
        return [chunkedBody.body.toString(), withLength.body.toString()];
      });
      expect(got).toEqual(['POST: asdfqwer', 'POST: asdfqwer']);
    });

    it('test_ssl_options and test_ssl_options_handshake_fail: a trusted CA works; an untrusted one fails, naming why', async () => {
      const got = await withApp(
        mode,
        function* (_h, client, url) {
          const trusted = yield* client.fetch(url('/hello'), { caCerts: CLIENT_TLS.caCerts });
          const untrusted = yield* failure(client.fetch(url('/hello')));
          const unchecked = yield* client.fetch(url('/hello'), { validateCert: false });
          return [trusted.body.toString(), untrusted, unchecked.code];
        },
        { tls: true },
      );
      expect(got[0]).toBe('Hello world!');
      expect(got[1]).toBeInstanceOf(SSLCertVerificationError);
      expect((got[1] as Error).message).toMatch(/certificate verify failed/);
      expect(got[2]).toBe(200);
    });

    it('test_max_body_size and a gzip response over maxBodySize once decompressed (a bomb) fails', async () => {
      const got = await withApp(
        mode,
        function* (_h, client, url) {
          const big = (yield* failure(client.fetch(url('/big')))) as HTTPInputError;
          const bomb = (yield* failure(client.fetch(url('/gzip')))) as HTTPInputError;
          const small = yield* client.fetch(url('/hello'));
          return [big.status, bomb.message, small.body.toString()];
        },
        // /gzip inflates to 800 bytes from ~30: over a 100-byte limit only once inflated.
        { client: { maxBodySize: 100 } },
      );
      expect(got).toEqual([413, 'Decompressed body too large', 'Hello world!']);
    });

    it('close(): requests in progress fail with HTTPStreamClosedError; fetch after close throws', async () => {
      const got = await withApp(mode, function* (_h, client, url) {
        const pending = client.fetch(url('/never'));
        yield* sleep(20);
        client.close();
        const error = yield* failure(pending);
        let thrown = '';
        try {
          client.fetch(url('/hello'));
        } catch (caught) {
          thrown = (caught as Error).message;
        }
        return [(error as Error).constructor, thrown, client.stats.idle];
      });
      expect(got).toEqual([HTTPStreamClosedError, 'fetch() called on closed AsyncHTTPClient', 0]);
    });
  });
});
