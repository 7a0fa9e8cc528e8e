/**
 * HTTPServer — the request themes of tornado's httpserver_test.py, ported onto request callbacks
 * (web.Application is not ported): HTTPConnectionTest (a multipart form, 100-continue),
 * HTTPServerTest (arguments, encodings, the double slash), HTTPServerRawTest (malformed start
 * lines and headers, chunked bodies, tornado 6.5's strict Content-Length, Transfer-Encoding and
 * chunk-size checks — each bad message answered 400 and its connection closed), XHeaderTest,
 * ManualProtocolTest, SSLTest, SSLXHeaderTest, BadSSLOptionsTest and UnixSocketTest. Every client
 * is a raw IOStream or socket, so each test sees the exact bytes and the close. Real TCP on
 * 127.0.0.1 in both loop modes; the connection themes are in httpserver-connection.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@aio/coroutine';
import type { LoopMode } from '@aio/loop';
import * as httpserver from './httpserver';
import { HTTPRequest, HTTPRequestContext, HTTPServer, HTTPServerRequest } from './httpserver';
import { HTTPHeaders, ResponseStartLine } from './httputil';
import { bindUnixSocket } from './netutil';
import { MODES, main, until } from './locks/test-support';
import {
  BAD_REQUEST,
  Harness,
  echo,
  errorResponse,
  hello,
  http1,
  readResponse,
  respond,
  withServer,
  SERVER_TLS,
  useHttpTestHooks,
} from './test-http';

const logs = useHttpTestHooks();

it('exports the names it promises; HTTPRequest is HTTPServerRequest', () => {
  expect(Object.keys(httpserver).sort()).toEqual([
    'HTTPRequest',
    'HTTPRequestContext',
    'HTTPServer',
    'HTTPServerRequest',
  ]);
  expect(HTTPRequest).toBe(HTTPServerRequest);
});

it('refuses a request callback that is neither a function nor a delegate, and bad options', () => {
  expect(() => new HTTPServer({} as never)).toThrow(TypeError);
  expect(() => new HTTPServer(null as never)).toThrow(TypeError);
  expect(() => new HTTPServer(hello, null as never)).toThrow(TypeError);
  expect(() => new HTTPServer(hello, { xheaders: 'yes' as never })).toThrow(TypeError);
  expect(() => new HTTPServer(hello, { chunkSize: 0 })).toThrow();
  expect(() => new HTTPServer(hello, { maxBufferSize: 0 })).toThrow();
});

it('BadSSLOptionsTest: a missing certificate or key fails at once', () => {
  expect(() => new HTTPServer(hello, { sslOptions: { certfile: '/__missing__.crt' } })).toThrow();
  expect(
    () =>
      new HTTPServer(hello, {
        sslOptions: { certfile: SERVER_TLS.certfile, keyfile: '/__missing__.key' },
      }),
  ).toThrow();
  // Both files there: fine (and nothing listens until told to).
  new HTTPServer(hello, { sslOptions: SERVER_TLS }).stop();
});

/** Answers with the request's arguments and files as JSON, tornado's MultipartTestHandler. */
function multipart(request: HTTPServerRequest): void {
  const file = request.files.files![0]!;
  respond(
    request,
    JSON.stringify({
      header: request.headers.get('X-Header-Encoding-Test'),
      argument: request.arguments.argument![0]!.toString('utf8'),
      filename: file.filename,
      filebody: file.body.toString('utf8'),
    }),
  );
}

/** What the request looked like to the application, as JSON. */
function describeRequest(request: HTTPServerRequest): void {
  respond(
    request,
    JSON.stringify({
      method: request.method,
      uri: request.uri,
      version: request.version,
      path: request.path,
      query: request.query,
      host: request.host,
      hostName: request.hostName,
      remoteIp: request.remoteIp,
      protocol: request.protocol,
      body: request.body.toString('latin1'),
      fullUrl: request.fullUrl(),
    }),
  );
}

function json(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8'));
}

describe.each(MODES)('HTTPServer requests (%s mode)', (mode: LoopMode) => {
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');

  describe('HTTPConnectionTest', () => {
    it('a multipart form: latin1 header, UTF-8 argument, file name and body', async () => {
      const body = Buffer.concat([
        Buffer.from('--1234567890\r\n'),
        Buffer.from('Content-Disposition: form-data; name=argument\r\n\r\n'),
        Buffer.from('\u00e1\r\n', 'utf8'),
        Buffer.from('--1234567890\r\n'),
        Buffer.from(
          'Content-Disposition: form-data; name="files"; filename="\u00f3"\r\n\r\n',
          'utf8',
        ),
        Buffer.from('\u00fa\r\n', 'utf8'),
        Buffer.from('--1234567890--\r\n'),
      ]);
      const head = Buffer.from(
        'POST /multipart HTTP/1.0\r\n' +
          'Content-Type: multipart/form-data; boundary=1234567890\r\n' +
          'X-Header-encoding-test: \xe9\r\n' +
          `Content-Length: ${body.length}\r\n\r\n`,
        'latin1',
      );
      const got = await run(() =>
        withServer(multipart, {}, function* (h) {
          return json((yield* h.fetch(Buffer.concat([head, body]))).body);
        }),
      );
      expect(got).toEqual({
        header: '\u00e9',
        argument: '\u00e1',
        filename: '\u00f3',
        filebody: '\u00fa',
      });
    });

    it('CRLF line ends are served; bare LF ones are refused at once (our policy: tornado takes both)', async () => {
      const [crlf, lf] = await run(() =>
        withServer(hello, {}, function* (h) {
          const crlf = yield* h.fetch('GET /hello HTTP/1.0\r\n\r\n');
          const lf = yield* h.rawFetch('GET /hello HTTP/1.0\n\n');
          return [crlf.body.toString(), lf];
        }),
      );
      expect(crlf).toBe('Hello world');
      expect(lf).toBe(BAD_REQUEST);
      expect(logs.messages()).toEqual([
        'Malformed HTTP message from 127.0.0.1: Bare LF in the header section',
      ]);
    });

    it('100-continue: the interim response comes after the headers, the real one after the body', async () => {
      const got = await run(() =>
        withServer(hello, {}, function* (h) {
          const stream = yield* h.connect();
          yield* stream.write(
            'POST /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1024\r\n' +
              'Expect: 100-continue\r\nConnection: close\r\n\r\n',
          );
          const interim = String(yield* stream.readUntil('\r\n\r\n'));
          void stream.write('a'.repeat(1024));
          const response = yield* readResponse(stream);
          const rest = String(yield* stream.readUntilClose());
          return [interim, response.code, response.body.toString(), rest];
        }),
      );
      expect(got).toEqual(['HTTP/1.1 100 Continue\r\n\r\n', 200, 'Got 1024 bytes in POST', '']);
    });

    it('no 100 Continue for HTTP/1.0, for a request without a body, or once the response is written', async () => {
      const got = await run(() =>
        withServer(
          {
            startRequest: (_server, connection) => ({
              headersReceived(startLine) {
                if ((startLine as { path: string }).path === '/refuse') {
                  void connection.writeHeaders(
                    new ResponseStartLine('HTTP/1.1', 413, 'Payload Too Large'),
                    new HTTPHeaders({ 'Content-Length': '0' }),
                  );
                  connection.finish();
                }
              },
              dataReceived() {},
              finish() {
                void connection.writeHeaders(
                  new ResponseStartLine('HTTP/1.1', 200, 'OK'),
                  new HTTPHeaders({ 'Content-Length': '2' }),
                  'ok',
                );
                connection.finish();
              },
              onConnectionClose() {},
            }),
          },
          {},
          function* (h) {
            const http10 = yield* h.fetch(
              'POST / HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nab',
            );
            const empty = yield* h.fetch(
              'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n',
            );
            // Refused from headersReceived: no 100, no body read, the connection closed.
            const refused = yield* h.rawFetch(
              'POST /refuse HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n',
            );
            return [http10.head, empty.head, refused];
          },
        ),
      );
      expect(got).toEqual([
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n',
        'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n',
      ]);
    });
  });

  describe('HTTPServerTest', () => {
    const get = (target: string, extra = ''): string =>
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`;
    const post = (
      target: string,
      body: string | Buffer,
      type = 'application/x-www-form-urlencoded',
    ): Buffer =>
      Buffer.concat([
        Buffer.from(
          `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
        ),
        Buffer.from(body),
      ]);

    it('query string: percent-encoded UTF-8, empty values kept', async () => {
      const got = await run(() =>
        withServer(echo, {}, function* (h) {
          return [
            json((yield* h.fetch(get('/echo?foo=%C3%A9'))).body),
            json((yield* h.fetch(get('/echo?foo=&foo='))).body),
          ];
        }),
      );
      expect(got).toEqual([{ foo: ['\u00e9'] }, { foo: ['', ''] }]);
    });

    it('empty POST parameters are kept', async () => {
      const got = await run(() =>
        withServer(echo, {}, function* (h) {
          return json((yield* h.fetch(post('/echo', 'foo=&bar='))).body);
        }),
      );
      expect(got).toEqual({ foo: [''], bar: [''] });
    });

    it('query and body arguments merge, query first', async () => {
      const got = await run(() =>
        withServer(echo, {}, function* (h) {
          return json((yield* h.fetch(post('/echo?a=1&b=2', 'a=3&c=4'))).body);
        }),
      );
      expect(got).toEqual({ a: ['1', '3'], b: ['2'], c: ['4'] });
    });

    it('types: strings for the request line, headers and cookies, Buffers for argument values and the body', async () => {
      const got = await run(() =>
        withServer(
          (request) => {
            const types = {
              method: typeof request.method,
              uri: typeof request.uri,
              version: typeof request.version,
              remoteIp: typeof request.remoteIp,
              protocol: typeof request.protocol,
              host: typeof request.host,
              path: typeof request.path,
              query: typeof request.query,
              headerKey: typeof [...request.headers.keys()][0],
              headerValue: typeof [...request.headers.entries()][0]![1],
              cookieKey: typeof Object.keys(request.cookies)[0],
              cookieValue: typeof Object.values(request.cookies)[0],
              argKey: typeof Object.keys(request.arguments)[0],
              argValue: Buffer.isBuffer(Object.values(request.arguments)[0]![0]),
              body: Buffer.isBuffer(request.body),
            };
            respond(request, JSON.stringify(types));
          },
          {},
          function* (h) {
            return [
              json((yield* h.fetch(get('/typecheck?foo=bar', 'Cookie: foo=bar\r\n'))).body),
              json(
                (yield* h.fetch(
                  'POST /typecheck HTTP/1.1\r\nHost: a\r\nCookie: foo=bar\r\n' +
                    'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nfoo=bar',
                )).body,
              ),
            ];
          },
        ),
      );
      const expected = {
        method: 'string',
        uri: 'string',
        version: 'string',
        remoteIp: 'string',
        protocol: 'string',
        host: 'string',
        path: 'string',
        query: 'string',
        headerKey: 'string',
        headerValue: 'string',
        cookieKey: 'string',
        cookieValue: 'string',
        argKey: 'string',
        argValue: true,
        body: true,
      };
      expect(got).toEqual([expected, expected]);
    });

    it('a path starting with // is a path, not a protocol-relative URL', async () => {
      const got = await run(() =>
        withServer(describeRequest, {}, function* (h) {
          const response = yield* h.fetch(get('//doubleslash'));
          return [response.code, json(response.body)];
        }),
      );
      expect(got[0]).toBe(200);
      expect(got[1]).toMatchObject({ path: '//doubleslash', query: '', uri: '//doubleslash' });
    });

    it('POST encodings: UTF-8 and GBK bodies, percent-encoded or raw, reach the application as the octets sent', async () => {
      const text = 'chinese: \u5f20\u4e09';
      const encodings = {
        utf8: Buffer.from(text, 'utf8'),
        gbk: Buffer.concat([Buffer.from('chinese: '), Buffer.from([0xd5, 0xc5, 0xc8, 0xfd])]),
      };
      const got = await run(() =>
        withServer(
          (request) => {
            const data = request.arguments.data![0]!;
            const charset = request.path === '/post_gbk' ? 'gbk' : 'utf-8';
            respond(request, JSON.stringify({ echo: new TextDecoder(charset).decode(data) }));
          },
          {},
          function* (h) {
            const out: unknown[] = [];
            for (const [name, bytes] of Object.entries(encodings)) {
              for (const quote of [true, false]) {
                const value = quote
                  ? Buffer.from(
                      [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
                    )
                  : bytes;
                const body = Buffer.concat([Buffer.from('data='), value]);
                out.push(json((yield* h.fetch(post(`/post_${name}`, body))).body));
              }
            }
            return out;
          },
        ),
      );
      expect(got).toEqual(Array(4).fill({ echo: text }));
    });

    it('a malformed multipart body is answered 400 and the connection closed (tornado 6.5)', async () => {
      const got = await run(() =>
        withServer(echo, {}, function* (h) {
          // No boundary in the type, and a body that is no multipart.
          return [
            yield* h.rawFetch(post('/echo', 'whatever', 'multipart/form-data')),
            yield* h.rawFetch(
              post(
                '/echo',
                '--x\r\nno headers here\r\n--x--\r\n',
                'multipart/form-data; boundary=x',
              ),
            ),
          ];
        }),
      );
      expect(got).toEqual([BAD_REQUEST, BAD_REQUEST]);
      expect(logs.app).toEqual([]); // bad input, not a bug of the application
    });
  });

  describe('HTTPServerRawTest', () => {
    it('a client that connects and leaves costs nothing', async () => {
      const count = await run(() =>
        withServer(echo, {}, function* (h) {
          const stream = yield* h.connect();
          stream.close();
          yield* until(() => h.server.connectionCount === 0);
          return h.server.connectionCount;
        }),
      );
      expect(count).toBe(0);
      expect(logs.messages()).toEqual([]);
    });

    /** [name, request, the exact answer, a log message it must include] */
    const BAD_MESSAGES: [string, string, string, string][] = [
      ['a malformed first line', 'asdf\r\n\r\n', BAD_REQUEST, 'Malformed HTTP request line'],
      [
        'a header line without a colon',
        'GET / HTTP/1.0\r\nasdf\r\n\r\n',
        BAD_REQUEST,
        'No colon in header line',
      ],
      [
        'a Host with whitespace',
        'GET / HTTP/1.0\r\nHost: foo bar\r\n\r\n',
        BAD_REQUEST,
        'Invalid Host header',
      ],
      ['an HTTP/1.1 request without Host', 'GET / HTTP/1.1\r\n\r\n', BAD_REQUEST, 'without Host'],
      [
        'two Host headers',
        'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
        BAD_REQUEST,
        'More than one Host',
      ],
      [
        'an unknown method',
        'FOO /echo HTTP/1.1\r\nHost: a\r\n\r\n',
        errorResponse(405, 'Method Not Allowed'),
        'Method FOO not allowed',
      ],
      [
        'a method that is not a token',
        'FOO,BAR /echo HTTP/1.1\r\nHost: a\r\n\r\n',
        BAD_REQUEST,
        'Malformed HTTP request line',
      ],
      [
        'CONNECT (not a proxy)',
        'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
        errorResponse(405, 'Method Not Allowed'),
        'not allowed',
      ],
      [
        'HTTP/2.0 in a request line',
        'GET / HTTP/2.0\r\nHost: a\r\n\r\n',
        errorResponse(505, 'HTTP Version Not Supported'),
        'Unsupported HTTP version',
      ],
      [
        'a version without its minor',
        'GET / HTTP/1\r\nHost: a\r\n\r\n',
        BAD_REQUEST,
        'Malformed HTTP version',
      ],
      ['a fragment in the target', 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n', BAD_REQUEST, 'fragment'],
      [
        'two spaces in the request line',
        'GET  / HTTP/1.1\r\nHost: a\r\n\r\n',
        BAD_REQUEST,
        'Malformed HTTP request line',
      ],
      [
        'an asterisk target for GET',
        'GET * HTTP/1.1\r\nHost: a\r\n\r\n',
        BAD_REQUEST,
        'Asterisk-form',
      ],
      [
        'an absolute target of another scheme',
        'GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n',
        BAD_REQUEST,
        'unsupported form',
      ],
      [
        'userinfo in an absolute target',
        'GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n',
        BAD_REQUEST,
        'Invalid authority',
      ],
      [
        'a folded header (obs-fold)',
        'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n',
        BAD_REQUEST,
        'obs-fold',
      ],
      [
        'whitespace before a colon',
        'GET / HTTP/1.1\r\nHost : a\r\n\r\n',
        BAD_REQUEST,
        'Invalid header name',
      ],
      [
        'a NUL in a header value',
        'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n',
        BAD_REQUEST,
        'Invalid character',
      ],
      [
        'a DEL in a header value',
        'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x7fc\r\n\r\n',
        BAD_REQUEST,
        'Invalid character',
      ],
      [
        'a bare CR in the headers',
        'GET / HTTP/1.1\r\nHost: a\rX-A: b\r\n\r\n',
        BAD_REQUEST,
        'Bare CR',
      ],
    ];

    it.each(BAD_MESSAGES)(
      '%s is answered exactly, logged, and the connection closed',
      async (_name, request, answer, logged) => {
        const got = await run(() =>
          withServer(echo, {}, function* (h) {
            return yield* h.rawFetch(request);
          }),
        );
        expect(got).toBe(answer);
        expect(logs.gen.map((r) => r.message)).toEqual([
          expect.stringMatching(
            new RegExp(`^Malformed HTTP message from 127\\.0\\.0\\.1: .*${escape(logged)}`),
          ),
        ]);
        expect(logs.app).toEqual([]);
      },
    );

    it('served: an HTTP/1.0 request without Host, OPTIONS *, empty lines before the request line', async () => {
      const got = await run(() =>
        withServer(describeRequest, {}, function* (h) {
          const http10 = json((yield* h.fetch('GET /a?b=c HTTP/1.0\r\n\r\n')).body);
          const options = (yield* h.fetch(
            'OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
          )).code;
          const crlf = (yield* h.fetch(
            '\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
          )).code;
          return [http10, options, crlf];
        }),
      );
      expect(got[0]).toMatchObject({
        host: '127.0.0.1',
        path: '/a',
        query: 'b=c',
        version: 'HTTP/1.0',
        fullUrl: 'http://127.0.0.1/a?b=c',
      });
      expect(got.slice(1)).toEqual([200, 200]);
    });

    it('an absolute-form target: its authority is the host, over the Host header', async () => {
      const got = await run(() =>
        withServer(describeRequest, {}, function* (h) {
          return json(
            (yield* h.fetch(
              'GET http://Example.com:8080/x?y=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n',
            )).body,
          );
        }),
      );
      expect(got).toMatchObject({
        uri: 'http://Example.com:8080/x?y=1',
        host: 'Example.com:8080',
        hostName: 'example.com',
        path: '/x',
        query: 'y=1',
        fullUrl: 'http://Example.com:8080/x?y=1',
      });
    });

    const chunked = (te: string, chunks: string): string =>
      'POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      `Transfer-Encoding: ${te}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Connection: close\r\n\r\n${chunks}`;

    it.each([
      ['chunked', 'chunked', '4\r\nfoo=\r\n3\r\nbar\r\n0\r\n\r\n'],
      ['Chunked (the coding is case-insensitive)', 'Chunked', '4\r\nfoo=\r\n3\r\nbar\r\n0\r\n\r\n'],
      ['hex sizes in either case', 'chunked', '4\r\nfoo=\r\nA\r\nbarbarbar!\r\n0\r\n\r\n'],
      [
        'chunk extensions',
        'chunked',
        '4;a=b\r\nfoo=\r\n3 ; x = "q\\"t" ;y\r\nbar\r\n0;last\r\n\r\n',
      ],
      [
        'trailer fields (read and dropped)',
        'chunked',
        '4\r\nfoo=\r\n3\r\nbar\r\n0\r\nX-Checksum: abc\r\n\r\n',
      ],
      [
        'trailing whitespace in the header value',
        'chunked \t',
        '4\r\nfoo=\r\n3\r\nbar\r\n0\r\n\r\n',
      ],
    ])('a chunked body is read: %s', async (_name, te, chunks) => {
      const got = await run(() =>
        withServer(echo, {}, function* (h) {
          return json((yield* h.fetch(chunked(te, chunks))).body);
        }),
      );
      expect(got).toEqual(
        chunks.includes('barbarbar!') ? { foo: ['barbarbar!'] } : { foo: ['bar'] },
      );
    });

    /** [name, request, answer, log] — tornado 6.5's strict framing, and ours. */
    const BAD_FRAMING: [string, string, string, string][] = [
      ['Content-Length: foo', cl('foo'), BAD_REQUEST, 'Invalid Content-Length'],
      ['Content-Length: +10', cl('+10'), BAD_REQUEST, 'Invalid Content-Length'],
      ['Content-Length: 1_0', cl('1_0'), BAD_REQUEST, 'Invalid Content-Length'],
      ['Content-Length: 0x10', cl('0x10'), BAD_REQUEST, 'Invalid Content-Length'],
      ['Content-Length: -1', cl('-1'), BAD_REQUEST, 'Invalid Content-Length'],
      ['Content-Length: 1 0', cl('1 0'), BAD_REQUEST, 'Invalid Content-Length'],
      ['an empty Content-Length', cl(''), BAD_REQUEST, 'Invalid Content-Length'],
      [
        'Content-Length: \xb2 (a digit to Unicode, not to HTTP)',
        cl('\xb2'),
        BAD_REQUEST,
        'Invalid Content-Length',
      ],
      ['Content-Length: 10, 11', cl('10, 11'), BAD_REQUEST, 'unequal'],
      [
        'two unequal Content-Length headers',
        cl('10\r\nContent-Length: 11'),
        BAD_REQUEST,
        'unequal',
      ],
      [
        'a Content-Length of 20 digits',
        cl('99999999999999999999'),
        errorResponse(413, 'Payload Too Large'),
        'too long',
      ],
      [
        'chunked and a Content-Length',
        te('chunked\r\nContent-Length: 2'),
        BAD_REQUEST,
        'both Transfer-Encoding and Content-Length',
      ],
      [
        'Transfer-Encoding: gzip, chunked',
        te('gzip, chunked'),
        BAD_REQUEST,
        'Unsupported Transfer-Encoding',
      ],
      [
        'two Transfer-Encoding headers',
        te('chunked\r\nTransfer-encoding: chunked'),
        BAD_REQUEST,
        'Unsupported Transfer-Encoding',
      ],
      [
        'Transfer-Encoding: chunked, chunked',
        te('chunked, chunked'),
        BAD_REQUEST,
        'Unsupported Transfer-Encoding',
      ],
      [
        'Transfer-Encoding: \\xa0chunked (only SP and HTAB are trimmed)',
        te('\xa0chunked'),
        BAD_REQUEST,
        'Unsupported Transfer-Encoding',
      ],
      ['Transfer-Encoding: identity', te('identity'), BAD_REQUEST, 'Unsupported Transfer-Encoding'],
      [
        'a chunked HTTP/1.0 request (our policy)',
        'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
        BAD_REQUEST,
        'HTTP/1.0',
      ],
      [
        'chunk size 1_a',
        body('1_a\r\n1234567890abcdef1234567890\r\n0\r\n\r\n'),
        BAD_REQUEST,
        'Invalid chunk size',
      ],
      ['chunk size 0x2', body('0x2\r\nok\r\n0\r\n\r\n'), BAD_REQUEST, 'Invalid chunk size'],
      ['chunk size +2', body('+2\r\nok\r\n0\r\n\r\n'), BAD_REQUEST, 'Invalid chunk size'],
      ['chunk size -2', body('-2\r\nok\r\n0\r\n\r\n'), BAD_REQUEST, 'Invalid chunk size'],
      [
        'chunk size with a space before it',
        body(' 2\r\nok\r\n0\r\n\r\n'),
        BAD_REQUEST,
        'Invalid chunk size',
      ],
      ['an empty chunk size', body('\r\nok\r\n0\r\n\r\n'), BAD_REQUEST, 'Invalid chunk size'],
      [
        'a chunk size of 17 hex digits past its leading zeros',
        body('10000000000000002\r\nok\r\n0\r\n\r\n'),
        BAD_REQUEST,
        'Invalid chunk size',
      ],
      [
        'a chunk extension without a name',
        body('2;\r\nok\r\n0\r\n\r\n'),
        BAD_REQUEST,
        'Invalid chunk extension',
      ],
      [
        'a chunk size line ended by a bare LF',
        body('2\nok\r\n0\r\n\r\n'),
        BAD_REQUEST,
        'Invalid chunk size',
      ],
      [
        'data after a chunk without its CRLF',
        body('2\r\nokXX0\r\n\r\n'),
        BAD_REQUEST,
        'not followed by CRLF',
      ],
      ['a malformed trailer', body('2\r\nok\r\n0\r\nbad trailer\r\n\r\n'), BAD_REQUEST, 'No colon'],
      [
        'a chunk larger than maxBodySize',
        body('fffffffffffffff\r\nok\r\n0\r\n\r\n'),
        errorResponse(413, 'Payload Too Large'),
        'too large',
      ],
    ];

    it.each(BAD_FRAMING)(
      '%s: answered, logged, the connection closed',
      async (_name, request, answer, logged) => {
        const got = await run(() =>
          withServer(echo, {}, function* (h) {
            return yield* h.rawFetch(request);
          }),
        );
        expect(got).toBe(answer);
        expect(logs.gen.map((r) => r.message)).toEqual([
          expect.stringMatching(
            new RegExp(`^Malformed HTTP message from 127\\.0\\.0\\.1: .*${escape(logged)}`, 'i'),
          ),
        ]);
      },
    );

    it.each([
      ['Content-Length: 10, 10 (a proxy’s duplicate)', cl('10, 10')],
      ['two equal Content-Length headers', cl('10\r\nContent-Length: 10')],
      ['Content-Length with spaces around it', cl(' 10 \t')],
      ['Content-Length: 010', cl('010')],
    ])('%s frames a 10-byte body', async (_name, request) => {
      const got = await run(() =>
        withServer(describeRequest, {}, function* (h) {
          return json((yield* h.fetch(request)).body);
        }),
      );
      expect(got).toMatchObject({ body: '1234567890' });
    });

    it('a bad request after good ones on a keep-alive connection: the good ones answered, then 400 and the close', async () => {
      const got = await run(() =>
        withServer(hello, {}, function* (h) {
          return yield* h.rawFetch(
            'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n',
          );
        }),
      );
      const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nHello world';
      expect(got).toBe(ok + ok + BAD_REQUEST);
    });

    it('after a 400 the server lingers: the client may go on sending what it had started', async () => {
      const got = await run(() =>
        withServer(echo, {}, function* (h) {
          const client = h.rawSocket();
          client.send('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +10\r\n\r\n');
          const answer = yield* client.readUntilClose(1000);
          const sent: string[] = [];
          for (let i = 0; i < 3; i++) {
            try {
              client.send('x'.repeat(1000));
              sent.push('ok');
            } catch (error) {
              sent.push(String((error as { code?: string }).code));
            }
            yield* sleep(10);
          }
          return [answer, sent];
        }),
      );
      expect(got).toEqual([{ data: BAD_REQUEST, end: 'eof' }, ['ok', 'ok', 'ok']]);
    });
  });

  describe('XHeaderTest', () => {
    function remote(request: HTTPServerRequest): void {
      respond(
        request,
        JSON.stringify({ remoteIp: request.remoteIp, protocol: request.protocol }),
        200,
        {
          'Request-Version': request.version,
        },
      );
    }
    const ask = (headers: Record<string, string>): string =>
      `GET / HTTP/1.1\r\nHost: a\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;

    function* askAll(
      h: Harness,
      cases: Record<string, string>[],
    ): Generator<unknown, unknown[], unknown> {
      // One keep-alive connection: each request's xheaders are its own.
      const stream = yield* h.connect();
      const out: unknown[] = [];
      for (const headers of cases) {
        void stream.write(ask(headers));
        out.push(json((yield* readResponse(stream)).body));
      }
      return out;
    }

    it('X-Real-Ip and X-Forwarded-For: valid IPv4 and IPv6 taken, anything else ignored', async () => {
      const cases: [Record<string, string>, string][] = [
        [{}, '127.0.0.1'],
        [{ 'X-Real-IP': '4.4.4.4' }, '4.4.4.4'],
        [{ 'X-Forwarded-For': '127.0.0.1, 4.4.4.4' }, '4.4.4.4'],
        [{ 'X-Real-IP': '2620:0:1cfe:face:b00c::3' }, '2620:0:1cfe:face:b00c::3'],
        [{ 'X-Forwarded-For': '::1, 2620:0:1cfe:face:b00c::3' }, '2620:0:1cfe:face:b00c::3'],
        [{ 'X-Real-IP': '4.4.4.4<script>' }, '127.0.0.1'],
        [{ 'X-Forwarded-For': '4.4.4.4, 5.5.5.5<script>' }, '127.0.0.1'],
        [{ 'X-Real-IP': 'www.google.com' }, '127.0.0.1'],
        [{}, '127.0.0.1'], // the previous request's headers are forgotten
      ];
      const got = await run(() =>
        withServer(remote, { xheaders: true, trustedDownstream: ['5.5.5.5'] }, (h) =>
          askAll(
            h,
            cases.map(([headers]) => headers),
          ),
        ),
      );
      expect(got.map((r) => (r as { remoteIp: string }).remoteIp)).toEqual(
        cases.map(([, ip]) => ip),
      );
    });

    it('trustedDownstream: our own proxies are skipped from the right of X-Forwarded-For', async () => {
      const got = await run(() =>
        withServer(remote, { xheaders: true, trustedDownstream: ['5.5.5.5'] }, (h) =>
          askAll(h, [
            { 'X-Forwarded-For': '127.0.0.1, 4.4.4.4, 5.5.5.5' },
            { 'X-Forwarded-For': '127.0.0.1, 4.4.4.4,5.5.5.5, 5.5.5.5' },
          ]),
        ),
      );
      expect(got).toEqual([
        { remoteIp: '4.4.4.4', protocol: 'http' },
        { remoteIp: '4.4.4.4', protocol: 'http' },
      ]);
    });

    it('X-Scheme and X-Forwarded-Proto: http or https, the last proxy’s value', async () => {
      const cases: [Record<string, string>, string][] = [
        [{}, 'http'],
        [{ 'X-Scheme': 'https' }, 'https'],
        [{ 'X-Forwarded-Proto': 'https' }, 'https'],
        [{ 'X-Forwarded-Proto': 'https , http' }, 'http'],
        [{ 'X-Forwarded-Proto': 'http,https' }, 'https'],
        [{ 'X-Forwarded-Proto': 'unknown' }, 'http'],
        [{}, 'http'],
      ];
      const got = await run(() =>
        withServer(remote, { xheaders: true }, (h) =>
          askAll(
            h,
            cases.map(([headers]) => headers),
          ),
        ),
      );
      expect(got.map((r) => (r as { protocol: string }).protocol)).toEqual(cases.map(([, p]) => p));
    });

    it('without xheaders the proxy headers change nothing', async () => {
      const got = await run(() =>
        withServer(remote, {}, (h) =>
          askAll(h, [
            { 'X-Real-IP': '4.4.4.4', 'X-Forwarded-For': '4.4.4.4', 'X-Scheme': 'https' },
          ]),
        ),
      );
      expect(got).toEqual([{ remoteIp: '127.0.0.1', protocol: 'http' }]);
    });

    it('ManualProtocolTest: the protocol option names the request’s protocol', async () => {
      const got = await run(() =>
        withServer(remote, { protocol: 'https' }, (h) => askAll(h, [{}])),
      );
      expect(got).toEqual([{ remoteIp: '127.0.0.1', protocol: 'https' }]);
    });

    it('a streaming delegate sees the rewritten context while it reads, the original after it', async () => {
      const got = await run(() => {
        const seen: string[] = [];
        return withServer(
          {
            startRequest: (_server, connection) => {
              const context = http1(connection).context;
              if (!(context instanceof HTTPRequestContext)) throw new TypeError('no context');
              return {
                headersReceived: () => void seen.push(`headers ${context.remoteIp}`),
                dataReceived: () => void seen.push(`data ${context.remoteIp}`),
                finish: () => {
                  seen.push(`finish ${context.remoteIp}`);
                  void connection.writeHeaders(
                    new ResponseStartLine('HTTP/1.1', 204, 'No Content'),
                    new HTTPHeaders(),
                  );
                  connection.finish();
                  queueMicrotask(() => seen.push(`after ${context.remoteIp}`));
                },
                onConnectionClose: () => {},
              };
            },
          },
          { xheaders: true },
          function* (h) {
            const response = yield* h.fetch(
              'POST / HTTP/1.1\r\nHost: a\r\nX-Real-Ip: 4.4.4.4\r\nContent-Length: 2\r\n\r\nab',
            );
            yield* sleep(1);
            return [response.code, seen];
          },
        );
      });
      expect(got).toEqual([
        204,
        ['headers 4.4.4.4', 'data 4.4.4.4', 'finish 4.4.4.4', 'after 127.0.0.1'],
      ]);
    });
  });

  describe('SSLTest and SSLXHeaderTest', () => {
    it('serves over TLS: GET, a large POST, request.protocol is https', async () => {
      const got = await run(() =>
        withServer(
          (request) => {
            if (request.protocol !== 'https') throw new Error('unexpected protocol');
            hello(request);
          },
          { sslOptions: SERVER_TLS },
          function* (h) {
            const stream = yield* h.connectTls();
            void stream.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
            const first = (yield* readResponse(stream)).body.toString();
            void stream.write(
              `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\n\r\n${'A'.repeat(5000)}`,
            );
            const second = (yield* readResponse(stream)).body.toString();
            return [first, second];
          },
        ),
      );
      expect(got).toEqual(['Hello world', 'Got 5000 bytes in POST']);
    });

    it('a plain-HTTP request to the TLS server: the connection is closed, never answered in HTTP', async () => {
      const got = await run(() =>
        withServer(hello, { sslOptions: SERVER_TLS }, function* (h) {
          const answer = yield* h.rawFetch('GET / HTTP/1.0\r\n\r\n');
          yield* until(() => h.server.connectionCount === 0);
          return answer;
        }),
      );
      expect(got).not.toContain('HTTP/1.1');
      // tornado's test_error_logging: one "SSL Error" line, without a stack.
      expect(logs.gen.map((r) => [r.message.startsWith('SSL Error'), r.err])).toEqual([
        [true, undefined],
      ]);
      expect(logs.app).toEqual([]);
    });

    it('xheaders over TLS: https unless a valid X-Scheme says otherwise', async () => {
      const got = await run(() =>
        withServer(
          (request) => respond(request, request.protocol),
          { sslOptions: SERVER_TLS, xheaders: true },
          function* (h) {
            const stream = yield* h.connectTls();
            const out: string[] = [];
            for (const extra of ['', 'X-Scheme: http\r\n', 'X-Scheme: unknown\r\n', '']) {
              void stream.write(`GET / HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`);
              out.push((yield* readResponse(stream)).body.toString());
            }
            return out;
          },
        ),
      );
      expect(got).toEqual(['https', 'http', 'https', 'https']);
    });
  });

  describe('UnixSocketTest', () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'aio-httpserver-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function* onUnixSocket<T>(
      path: string,
      body: (h: Harness) => Generator<unknown, T, unknown>,
    ): Generator<unknown, T, unknown> {
      const server = new HTTPServer((request) => {
        if (request.remoteIp !== '0.0.0.0') throw new Error(`remoteIp ${String(request.remoteIp)}`);
        hello(request);
      });
      server.addSocket(bindUnixSocket(path));
      const h = new Harness(server, 0);
      try {
        return yield* body(h);
      } finally {
        yield* h.shutdown();
      }
    }

    for (const [kind, path] of [
      ['a file', () => join(dir, `${randomUUID()}.sock`)],
      ['the abstract namespace', () => `\0${randomUUID()}`],
    ] as const) {
      it(`serves on a Unix socket in ${kind}`, async () => {
        const address = path();
        const got = await run(() =>
          onUnixSocket(address, function* (h) {
            const stream = yield* h.connectUnix(address);
            void stream.write('GET /hello HTTP/1.0\r\n\r\n');
            const line = String(yield* stream.readUntil('\r\n'));
            const headers = HTTPHeaders.parse(String(yield* stream.readUntil('\r\n\r\n')));
            const body = String(yield* stream.readBytes(Number(headers.get('Content-Length'))));
            return [line, body, String(yield* stream.readUntilClose())];
          }),
        );
        expect(got).toEqual(['HTTP/1.1 200 OK\r\n', 'Hello world', '']);
      });

      it(`answers garbage on a Unix socket in ${kind} with 400`, async () => {
        const address = path();
        const got = await run(() =>
          onUnixSocket(address, function* (h) {
            const stream = yield* h.connectUnix(address);
            void stream.write('garbage\r\n\r\n');
            return String(yield* stream.readUntilClose());
          }),
        );
        expect(got).toBe(BAD_REQUEST);
        expect(logs.gen.map((r) => r.message)).toEqual([
          expect.stringMatching(/^Malformed HTTP message from .*Malformed HTTP request line/),
        ]);
      });
    }
  });
});

function cl(value: string): string {
  return (
    `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${value}\r\n` +
    'Connection: close\r\n\r\n1234567890'
  );
}

function te(value: string): string {
  return (
    `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: ${value}\r\n` +
    'Connection: close\r\n\r\n2\r\nok\r\n0\r\n\r\n'
  );
}

function body(chunks: string): string {
  return (
    'POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n' +
    `Connection: close\r\n\r\n${chunks}`
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
