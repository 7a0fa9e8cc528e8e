/**
 * tornado's HTTP server advisories since 2023, each replayed end to end against our HTTPServer
 * over a real socket: the attack's bytes, and what must happen instead — a quick parse while
 * another client is still served, or a 400 and a closed connection. (The unit-level tests of the
 * same advisories are in httputil-headers, httputil-helpers and httputil-body.test.ts.)
 *
 * | tornado | advisory                                  | what it was                                         |
 * | ------- | ----------------------------------------- | --------------------------------------------------- |
 * | 6.3.3   | (request smuggling)                       | `Content-Length`, chunk sizes parsed with `int()`   |
 * | 6.4.1   | (request smuggling)                       | other codings than `chunked`; `\xa0` trimmed        |
 * | 6.4.2   | GHSA-8w49-h785-mj3c, CVE-2024-52804       | quadratic cookie unquoting                          |
 * | 6.5.0   | GHSA-7cx3-6m66-7c5m, CVE-2025-47287       | a multipart part flood logged once per part         |
 * | 6.5.3   | GHSA-jhmp-mqwm-3gq8, CVE-2025-67726       | quadratic `Content-Disposition` parameters          |
 * | 6.5.3   | GHSA-c98p-7wgm-6p64, CVE-2025-67725       | quadratic repeated headers                          |
 * | 6.5.3   | GHSA-pr2v-jx2c-wg9f, CVE-2025-67724       | CR/LF in a reason phrase (header injection)         |
 * | 6.5.5   | GHSA-qjxf-f2mg-c6mc                       | unlimited multipart parts; CR in part headers       |
 */
import { describe, expect, it } from 'vitest';
import {
  HTTPHeaders,
  HTTPOutputError,
  ResponseStartLine,
  type HTTPServerRequest,
} from './httputil';
import { main } from './locks/test-support';
import {
  BAD_REQUEST,
  hello,
  respond,
  withServer,
  type Harness,
  useHttpTestHooks,
} from './test-http';
import type { IOStream } from './iostream';

const logs = useHttpTestHooks();

const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
  main(body, 'hosted', 'real');

/** A request's bytes: the request line, the header lines, an empty line, the body. */
function request(line: string, headers: string[], body = ''): Buffer {
  return Buffer.from(`${line}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`, 'latin1');
}

/** A multipart POST (boundary `B`) of `body`. */
function multipartPost(body: string): Buffer {
  return request(
    'POST / HTTP/1.1',
    ['Host: x', 'Content-Type: multipart/form-data; boundary=B', `Content-Length: ${body.length}`],
    body,
  );
}

/**
 * Sends `attack` on one connection and, at the same time, a plain GET on another: the plain one
 * must be answered while the attack's request is in the server. Returns what the attack's
 * connection got (until the server closed it, or its one response) and how long each took.
 */
function* alongside(
  h: Harness,
  attack: Buffer,
): Generator<unknown, { attack: string; plainMs: number; attackMs: number }, unknown> {
  const started = Date.now();
  const bad = yield* h.connect();
  void bad.write(attack);
  const good = yield* h.connect();
  void good.write('GET /plain HTTP/1.1\r\nHost: x\r\n\r\n');
  const plain = yield* readSome(good);
  const plainMs = Date.now() - started;
  expect(plain).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  const got = yield* readSome(bad);
  return { attack: got, plainMs, attackMs: Date.now() - started };
}

/** One response's bytes (its Content-Length), or all until the close. */
function* readSome(stream: IOStream): Generator<unknown, string, unknown> {
  const head = (yield* stream.readUntil('\r\n\r\n')).toString('latin1');
  const length = /\r\ncontent-length: (\d+)/i.exec(head);
  if (length === null) return head + (yield* stream.readUntilClose()).toString('latin1');
  return head + (yield* stream.readBytes(Number(length[1]))).toString('latin1');
}

describe("tornado's HTTP advisories, end to end", () => {
  it('6.3.3: Content-Length and chunk sizes are digits only (no +, _, 0x, spaces inside)', async () => {
    const lengths = ['+5', '5_0', '0x5', '-5', '5 5', ''];
    const sizes = ['+5', '0x5', '5_0', '-5'];
    const got = await run(() =>
      withServer(hello, {}, function* (h) {
        const out: string[] = [];
        for (const cl of lengths) {
          out.push(
            yield* h.rawFetch(
              request('POST / HTTP/1.1', ['Host: x', `Content-Length: ${cl}`], 'hello'),
            ),
          );
        }
        for (const size of sizes) {
          out.push(
            yield* h.rawFetch(
              request(
                'POST / HTTP/1.1',
                ['Host: x', 'Transfer-Encoding: chunked'],
                `${size}\r\nhello\r\n0\r\n\r\n`,
              ),
            ),
          );
        }
        return out;
      }),
    );
    expect(got).toEqual(Array(lengths.length + sizes.length).fill(BAD_REQUEST));
  });

  it('6.4.1: Transfer-Encoding is exactly chunked (no other codings, no \\xa0 around it), never with Content-Length', async () => {
    const encodings = [
      'gzip, chunked',
      'chunked, chunked',
      '\xa0chunked',
      'chunked\xa0',
      'identity',
      'xchunked',
    ];
    const got = await run(() =>
      withServer(hello, {}, function* (h) {
        const out: string[] = [];
        for (const te of encodings) {
          out.push(
            yield* h.rawFetch(
              request(
                'POST / HTTP/1.1',
                ['Host: x', `Transfer-Encoding: ${te}`],
                '5\r\nhello\r\n0\r\n\r\n',
              ),
            ),
          );
        }
        // CL.TE: a front end that reads Content-Length and a back end that reads chunked.
        out.push(
          yield* h.rawFetch(
            request(
              'POST / HTTP/1.1',
              ['Host: x', 'Content-Length: 6', 'Transfer-Encoding: chunked'],
              '0\r\n\r\nG',
            ),
          ),
        );
        return out;
      }),
    );
    expect(got).toEqual(Array(encodings.length + 1).fill(BAD_REQUEST));
  });

  it('6.4.2 (GHSA-8w49-h785-mj3c): a cookie of 100,000 backslashes parses quickly while another client is served', async () => {
    let parsed = -1;
    const cookies = (req: HTTPServerRequest): void => {
      if (req.path === '/plain') return hello(req);
      parsed = Object.keys(req.cookies).length;
      respond(req, 'ok');
    };
    const got = await run(() =>
      withServer(cookies, { maxHeaderSize: 1024 * 1024 }, function* (h) {
        const value = `"${'\\'.repeat(100_000)}"`;
        return yield* alongside(
          h,
          request('GET / HTTP/1.1', ['Host: x', `Cookie: a=${value}; b=1`]),
        );
      }),
    );
    expect(got.attack).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    expect(parsed).toBe(2);
    expect(got.attackMs).toBeLessThan(1000); // quadratic: minutes
  });

  it('6.5.0 (GHSA-7cx3-6m66-7c5m): 1,000 malformed multipart parts give one 400 and at most one log line', async () => {
    const parts = Array.from({ length: 1000 }, () => '--B\r\nno-disposition: x\r\n\r\nv\r\n').join(
      '',
    );
    const body = `${parts}--B--\r\n`;
    const got = await run(() =>
      withServer(hello, {}, function* (h) {
        return yield* h.rawFetch(multipartPost(body));
      }),
    );
    expect(got).toBe(BAD_REQUEST);
    expect(logs.messages().length).toBeLessThanOrEqual(1);
  });

  it('6.5.3 (GHSA-jhmp-mqwm-3gq8): a Content-Disposition of 50,000 quoted semicolons parses quickly while another client is served', async () => {
    const disposition = `form-data; name="a"; filename="${';'.repeat(50_000)}"`;
    const body = `--B\r\nContent-Disposition: ${disposition}\r\n\r\nv\r\n--B--\r\n`;
    const got = await run(() =>
      withServer(
        (req: HTTPServerRequest) =>
          req.path === '/plain' ? hello(req) : respond(req, String(Object.keys(req.files))),
        {},
        function* (h) {
          return yield* alongside(h, multipartPost(body));
        },
      ),
    );
    // One part of 50 KB headers is over tornado's maxPartHeaderSize (10 KiB): refused, quickly.
    expect(got.attack).toBe(BAD_REQUEST);
    expect(got.attackMs).toBeLessThan(1000);
  });

  it('6.5.3 (GHSA-c98p-7wgm-6p64): 20,000 repeated headers parse quickly while another client is served', async () => {
    let values = -1;
    const repeated = (req: HTTPServerRequest): void => {
      if (req.path === '/plain') return hello(req);
      values = req.headers.getList('X-Many').length;
      respond(req, String(req.headers.get('X-Many')!.length));
    };
    const got = await run(() =>
      withServer(repeated, { maxHeaderSize: 1024 * 1024 }, function* (h) {
        const lines = Array.from({ length: 20_000 }, () => 'X-Many: abcdefghij');
        return yield* alongside(h, request('GET / HTTP/1.1', ['Host: x', ...lines]));
      }),
    );
    expect(values).toBe(20_000);
    expect(got.attack).toMatch(/\r\n\r\n219999$/); // 20,000 × 10 characters and 19,999 commas
    expect(got.attackMs).toBeLessThan(1000);
  });

  it('6.5.3 (GHSA-pr2v-jx2c-wg9f): a reason phrase or header with CR/LF is refused, nothing injected on the wire', async () => {
    const errors: unknown[] = [];
    const inject = (req: HTTPServerRequest): void => {
      const attempts: [ResponseStartLine, () => HTTPHeaders][] = [
        [
          new ResponseStartLine('HTTP/1.1', 200, 'OK\r\nSet-Cookie: evil=1'),
          () => new HTTPHeaders(),
        ],
        [new ResponseStartLine('HTTP/1.1', 200, 'OK\nX: y'), () => new HTTPHeaders()],
        [
          new ResponseStartLine('HTTP/1.1', 200, 'OK'),
          () => new HTTPHeaders({ 'X-Reason': 'a\r\nSet-Cookie: evil=1' }),
        ],
      ];
      for (const [line, headers] of attempts) {
        try {
          req.connection!.writeHeaders(line, headers());
        } catch (error) {
          errors.push(error);
        }
      }
      respond(req, 'safe');
    };
    const got = await run(() =>
      withServer(inject, {}, function* (h) {
        return (yield* h.fetch('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).head;
      }),
    );
    expect(errors.map((e) => (e as Error).name)).toEqual([
      'HTTPOutputError',
      'HTTPOutputError',
      'HTTPInputError',
    ]);
    expect(errors[0]).toBeInstanceOf(HTTPOutputError);
    expect(got).not.toMatch(/evil/);
    expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it('6.5.5 (GHSA-qjxf-f2mg-c6mc): 10,000 multipart parts are refused (over maxParts) quickly while another client is served', async () => {
    const parts = Array.from(
      { length: 10_000 },
      (_, i) => `--B\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`,
    ).join('');
    const body = `${parts}--B--\r\n`;
    const got = await run(() =>
      withServer(hello, {}, function* (h) {
        return yield* alongside(h, multipartPost(body));
      }),
    );
    expect(got.attack).toBe(BAD_REQUEST);
    expect(got.attackMs).toBeLessThan(1000);
  });

  it('6.5.5: a CR in a multipart part header is refused, not read as a line end', async () => {
    const body =
      '--B\r\nContent-Disposition: form-data; name="a"\rContent-Type: text/evil\r\n\r\nv\r\n--B--\r\n';
    let files: unknown = null;
    const got = await run(() =>
      withServer(
        (req: HTTPServerRequest) => {
          files = req.bodyArguments;
          respond(req, 'parsed');
        },
        {},
        function* (h) {
          return yield* h.rawFetch(multipartPost(body));
        },
      ),
    );
    expect(got).toBe(BAD_REQUEST);
    expect(files).toBe(null); // the callback never ran
  });
});
