/**
 * web — `StaticFileHandler` (tornado's StaticFileTest, StaticDefaultFilenameTest,
 * StaticDefaultFilenameRootTest, StaticFileWithPathTest, CustomStaticFileTest): files, their
 * content types, `staticUrl` and its versions, 304s by ETag and by date, byte ranges and 416s,
 * HEAD, directories and their default file, and the path checks — traversal however it is
 * spelled, the open redirect of `//host/..` paths — over raw requests where a client would
 * normalize the path. A real HTTPServer + Application on 127.0.0.1, in both loop modes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { MODES, serveApp, text, useWebTestHooks } from './test-web';
import { contentRange, guessContentType, parseRequestRange } from './web/static';
import { DictLoader } from './template';
import { Application, OutputTransform, RequestHandler, StaticFileHandler, type Chunk } from './web';
import type { HTTPHeaders } from './httputil';
import type { HTTPResponse } from './httpclient';
import type { IOStream } from './iostream';
import { SO_SNDBUF, SOL_SOCKET } from '@aio/selector';
import { http1 } from './test-http';

const logs = useWebTestHooks(() => {
  StaticFileHandler.reset();
});

/** tornado's test/static/robots.txt: 26 bytes. */
const ROBOTS = 'User-agent: *\nDisallow: /\n';
const SAMPLE_XML =
  '<?xml version="1.0" standalone="yes"?>\n<data>\n<product>aio</product>\n</data>\n';
/** When the fixture files were last modified (whole seconds, as HTTP dates). */
const MODIFIED = new Date('2026-01-02T03:04:05Z');

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'aio-static-'));
  root = join(base, 'static');
  mkdirSync(join(root, 'dir'), { recursive: true });
  writeFileSync(join(root, 'robots.txt'), ROBOTS);
  writeFileSync(join(root, 'sample.xml'), SAMPLE_XML);
  writeFileSync(join(root, 'sample.xml.gz'), gzipSync(SAMPLE_XML));
  writeFileSync(join(root, 'sample.xml.bz2'), Buffer.from('BZh9 (only the name matters)'));
  writeFileSync(join(root, 'dir', 'index.html'), 'this is the index\n');
  // A sibling whose name starts with the root's: outside it all the same.
  writeFileSync(join(base, 'static_foo.txt'), 'not to be served\n');
  for (const file of ['robots.txt', 'sample.xml', 'dir/index.html']) {
    utimesSync(join(root, file), MODIFIED, MODIFIED);
  }
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

const sha512 = (data: string | Buffer): string => createHash('sha512').update(data).digest('hex');

/** Answers with `staticUrl(path)` and friends, as tornado's StaticFileTest's handlers do. */
class StaticUrl extends RequestHandler {
  override get(path: string) {
    const withHost = this.getArgument('include_host', null);
    if (withHost !== null) {
      this.write(this.staticUrl(path, { includeHost: withHost === '1' }));
    } else if (this.getArgument('include_version', null) === '0') {
      this.write(this.staticUrl(path, { includeVersion: false }));
    } else {
      this.write(this.staticUrl(path));
    }
  }
}

function staticApp(settings: Record<string, unknown> = {}): Application {
  return new Application(
    [
      ['/static_url/(.*)', StaticUrl],
      ['/root_static/(.*)', StaticFileHandler, { path: '/' }],
    ],
    { staticPath: root, ...settings },
  );
}

describe.each(MODES)('StaticFileHandler (%s mode)', (mode: LoopMode) => {
  it('test_static_files: serves a file with its type, length, date, content hash and ranges', async () => {
    const got = await serveApp(staticApp(), mode, function* (fetch) {
      const robots = yield* fetch('/robots.txt'); // one of the two paths tornado routes at /
      const xml = yield* fetch('/static/sample.xml');
      return { robots, xml };
    });
    expect(got.robots.code).toBe(200);
    expect(text(got.robots)).toBe(ROBOTS);
    expect(got.robots.headers.get('Content-Type')).toBe('text/plain');
    expect(got.robots.headers.get('Content-Length')).toBe('26');
    expect(got.robots.headers.get('Accept-Ranges')).toBe('bytes');
    expect(got.robots.headers.get('Last-Modified')).toBe(MODIFIED.toUTCString());
    expect(got.robots.headers.get('Etag')).toBe(`"${sha512(ROBOTS)}"`);
    expect(got.robots.headers.has('Cache-Control')).toBe(false); // no ?v=: the browser decides
    expect(got.xml.headers.get('Content-Type')).toBe('text/xml'); // Python's table says so
    expect(text(got.xml)).toBe(SAMPLE_XML);
  });

  it('test_static_compressed_files: a .gz is application/gzip, another compression octet-stream, never Content-Encoding', async () => {
    const got = await serveApp(staticApp(), mode, function* (fetch) {
      const gz = yield* fetch('/static/sample.xml.gz', { decompressResponse: false });
      const bz2 = yield* fetch('/static/sample.xml.bz2');
      return { gz, bz2 };
    });
    expect(got.gz.headers.get('Content-Type')).toBe('application/gzip');
    expect(got.gz.headers.has('Content-Encoding')).toBe(false);
    expect(got.gz.body).toEqual(gzipSync(SAMPLE_XML));
    expect(got.bz2.headers.get('Content-Type')).toBe('application/octet-stream');
  });

  it('test_static_url and its options: the content hash as ?v=, or none, with or without the host', async () => {
    const got = await serveApp(staticApp(), mode, function* (fetch, h) {
      const versioned = text(yield* fetch('/static_url/robots.txt'));
      const bare = text(yield* fetch('/static_url/robots.txt?include_version=0'));
      const hosted = text(yield* fetch('/static_url/robots.txt?include_host=1'));
      const missing = text(yield* fetch('/static_url/nothing-here.txt'));
      return { versioned, bare, hosted, missing, port: h.port };
    });
    expect(got.versioned).toBe(`/static/robots.txt?v=${sha512(ROBOTS)}`);
    expect(got.bare).toBe('/static/robots.txt');
    expect(got.hosted).toBe(
      `http://127.0.0.1:${String(got.port)}/static/robots.txt?v=${sha512(ROBOTS)}`,
    );
    // A file that cannot be read has no version, and is logged once.
    expect(got.missing).toBe('/static/nothing-here.txt');
    expect(logs.messages().filter((m) => m.startsWith('Could not open static file'))).toHaveLength(
      1,
    );
  });

  it('a versioned URL is cached for ten years', async () => {
    const response = await serveApp(staticApp(), mode, function* (fetch) {
      return yield* fetch(`/static/robots.txt?v=${sha512(ROBOTS)}`);
    });
    expect(response.headers.get('Cache-Control')).toBe('max-age=315360000');
    const expires = Date.parse(response.headers.get('Expires')!);
    expect(expires - Date.now()).toBeGreaterThan(315_360_000_000 - 60_000);
  });

  it('test_static_304_if_modified_since / _if_none_match / _etag_modified_bug: 304s by date and by ETag, the ETag deciding when both are sent', async () => {
    const got = await serveApp(staticApp(), mode, function* (fetch) {
      const first = yield* fetch('/static/robots.txt');
      const lastModified = first.headers.get('Last-Modified')!;
      const etag = first.headers.get('Etag')!;
      const byDate = yield* fetch('/static/robots.txt', {
        headers: { 'If-Modified-Since': lastModified },
      });
      const older = yield* fetch('/static/robots.txt', {
        headers: { 'If-Modified-Since': new Date(MODIFIED.getTime() - 1000).toUTCString() },
      });
      const byTag = yield* fetch('/static/robots.txt', { headers: { 'If-None-Match': etag } });
      const weak = yield* fetch('/static/robots.txt', {
        headers: { 'If-None-Match': `W/${etag}` },
      });
      // An ETag that no longer matches, with a date that would: the file changed; send it.
      const stale = yield* fetch('/static/robots.txt', {
        headers: { 'If-None-Match': '"abcd"', 'If-Modified-Since': lastModified },
      });
      return [byDate, older, byTag, weak, stale].map((r) => r.code);
    });
    expect(got).toEqual([304, 200, 304, 304, 200]);
  });

  it('test_static_if_modified_since_pre_epoch and _time_zone: old dates and other zones are read as instants', async () => {
    const got = await serveApp(staticApp(), mode, function* (fetch) {
      const preEpoch = yield* fetch('/static/robots.txt', {
        headers: { 'If-Modified-Since': 'Fri, 01 Jan 1960 00:00:00 GMT' },
      });
      // The file's own instant, written in another zone: not older than the file.
      const zoned = yield* fetch('/static/robots.txt', {
        headers: { 'If-Modified-Since': 'Fri, 02 Jan 2026 05:04:05 +0200' },
      });
      const garbage = yield* fetch('/static/robots.txt', {
        headers: { 'If-Modified-Since': 'not a date' },
      });
      return [preEpoch.code, zoned.code, garbage.code];
    });
    expect(got).toEqual([200, 304, 200]);
  });

  it('byte ranges: 206 for part of the file, 200 for all of it, 416 for none of it (tornado’s range tests)', async () => {
    const cases: [string, number, string | null, string][] = [
      // Range header, status, Content-Range, body
      ['bytes=2-2', 206, 'bytes 2-2/26', 'e'],
      ['bytes=0-', 200, null, ROBOTS], // test_static_with_range_full_file
      ['bytes=0-10000', 200, null, ROBOTS], // _full_past_end
      ['bytes=1-10000', 206, 'bytes 1-25/26', ROBOTS.slice(1)], // _partial_past_end
      ['bytes=22-25', 206, 'bytes 22-25/26', ROBOTS.slice(22)], // _end_edge
      ['bytes=-4', 206, 'bytes 22-25/26', ROBOTS.slice(22)], // _neg_end
      ['bytes=-1000', 200, null, ROBOTS], // _neg_past_start
      ['bytes=1-2,6-10', 200, null, ROBOTS], // several ranges: ignored
      ['pages=1-2', 200, null, ROBOTS], // test_static_invalid_range
      ['bytes=-0', 416, 'bytes */26', ''], // _unsatisfiable_range_zero_suffix
      ['bytes=26-', 416, 'bytes */26', ''], // _unsatisfiable_range_invalid_start
      ['bytes=10-3', 416, 'bytes */26', ''], // _unsatisfiable_range_end_less_than_start
    ];
    const got = await serveApp(staticApp(), mode, function* (fetch) {
      const out: [string, number, string | null, string][] = [];
      for (const [range] of cases) {
        const r = yield* fetch('/static/robots.txt', { headers: { Range: range } });
        const body = r.code === 416 ? '' : text(r);
        out.push([range, r.code, r.headers.get('Content-Range') ?? null, body]);
      }
      return out;
    });
    expect(got).toEqual(cases);
  });

  it('test_static_head and _head_range: the headers of GET, no body; a range’s length', async () => {
    const got = await serveApp(staticApp(), mode, function* (fetch, h) {
      const head = yield* h.fetch('HEAD /static/robots.txt HTTP/1.1\r\nHost: x\r\n\r\n', {
        head: true,
      });
      const range = yield* h.fetch(
        'HEAD /static/robots.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-4\r\n\r\n',
        { head: true },
      );
      const get = yield* fetch('/static/robots.txt');
      return { head, range, get };
    });
    expect(got.head.code).toBe(200);
    expect(got.head.body.length).toBe(0);
    expect(got.head.headers.get('Content-Length')).toBe('26');
    expect(got.head.headers.get('Etag')).toBe(got.get.headers.get('Etag'));
    expect(got.range.code).toBe(206);
    expect(got.range.headers.get('Content-Length')).toBe('4');
    expect(got.range.headers.get('Content-Range')).toBe('bytes 1-4/26');
  });

  it('test_static_range_if_none_match: a range of a file the client has is a 304', async () => {
    const code = await serveApp(staticApp(), mode, function* (fetch) {
      const r = yield* fetch('/static/robots.txt', {
        headers: { Range: 'bytes=1-4', 'If-None-Match': `"${sha512(ROBOTS)}"` },
      });
      return r.code;
    });
    expect(code).toBe(304);
  });

  it('test_static_404 and a directory without a default file: 404 and 403', async () => {
    const got = await serveApp(staticApp(), mode, function* (fetch) {
      return [(yield* fetch('/static/blarg')).code, (yield* fetch('/static/dir')).code];
    });
    expect(got).toEqual([404, 403]);
  });

  it('test_path_traversal_protection: no spelling of a path outside the root is served', async () => {
    const paths = [
      '/static/../static_foo.txt', // the sibling whose name starts with the root's
      '/static/%2e%2e/static_foo.txt',
      '/static/%2E%2E%2Fstatic_foo.txt',
      '/static/..%2fstatic_foo.txt',
      `/static/${encodeURIComponent(join(base, 'static_foo.txt'))}`, // an absolute path
      `/static/${join(base, 'static_foo.txt')}`, // //… in the request path
      '/static/..\\static_foo.txt', // a backslash is a file name's character here
      '/static/robots.txt%00.html', // no file name holds a NUL
    ];
    const got = await serveApp(staticApp(), mode, function* (_fetch, h) {
      const out: [string, number, boolean][] = [];
      for (const path of paths) {
        // Raw requests: a client would resolve the dots itself.
        const r = yield* h.fetch(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        out.push([path, r.code, r.body.toString('latin1').includes('not to be served')]);
      }
      return out;
    });
    expect(got).toEqual([
      [paths[0], 403, false],
      [paths[1], 403, false],
      [paths[2], 403, false],
      [paths[3], 403, false],
      [paths[4], 403, false],
      [paths[5], 403, false],
      [paths[6], 404, false],
      [paths[7], 404, false],
    ]);
    expect(logs.messages().join('\n')).toMatch(/is not in root static directory/);
  });

  it('test_root_static_path: a handler rooted at / serves an absolute path', async () => {
    const code = await serveApp(staticApp(), mode, function* (fetch) {
      return (yield* fetch(`/root_static${encodeURI(join(root, 'robots.txt'))}`)).code;
    });
    expect(code).toBe(200);
  });
});

describe.each(MODES)('StaticFileHandler with a default file (%s mode)', (mode: LoopMode) => {
  it('StaticDefaultFilenameTest: a directory serves its index; without the slash, a redirect adds it', async () => {
    const app = new Application([
      ['/static/(.*)', StaticFileHandler, { path: root, defaultFilename: 'index.html' }],
    ]);
    const got = await serveApp(app, mode, function* (fetch) {
      const index = yield* fetch('/static/dir/');
      const redirect = yield* fetch('/static/dir');
      return {
        index: [index.code, text(index)],
        redirect: [redirect.code, redirect.headers.get('Location')],
      };
    });
    expect(got.index).toEqual([200, 'this is the index\n']);
    expect(got.redirect).toEqual([301, '/static/dir/']);
  });

  it('StaticDefaultFilenameRootTest.test_no_open_redirect: a //host/… path is a 403, never a redirect to another site', async () => {
    const app = new Application([
      ['/(.*)', StaticFileHandler, { path: '/', defaultFilename: 'index.html' }],
    ]);
    const got = await serveApp(app, mode, function* (_fetch, h) {
      const r = yield* h.fetch(`GET //evil.com/..${root}/dir HTTP/1.1\r\nHost: x\r\n\r\n`);
      return [r.code, r.headers.get('Location') ?? null];
    });
    expect(got).toEqual([403, null]);
    expect(logs.messages().join('\n')).toMatch(/cannot redirect path with two initial slashes/);
  });
});

describe.each(MODES)('StaticFileHandler subclasses and settings (%s mode)', (mode: LoopMode) => {
  it('StaticFileWithPathTest: staticHandlerArgs reach the static route, a rule of its own has its own path; staticUrlPrefix moves it', async () => {
    const app = new Application(
      [
        ['/url/(.*)', StaticUrl],
        ['/foo/(.*)', StaticFileHandler, { path: base }],
      ],
      {
        staticPath: root,
        staticHandlerArgs: { defaultFilename: 'index.html' },
        staticUrlPrefix: '/assets/',
      },
    );
    const got = await serveApp(app, mode, function* (fetch) {
      const index = yield* fetch('/assets/dir/');
      const own = yield* fetch('/foo/static_foo.txt');
      const url = yield* fetch('/url/robots.txt?include_version=0');
      return [text(index), text(own), text(url)];
    });
    expect(got).toEqual(['this is the index\n', 'not to be served\n', '/assets/robots.txt']);
  });

  it('CustomStaticFileTest: a subclass serving from memory, with its own URLs', async () => {
    class MyStaticFileHandler extends StaticFileHandler {
      static override *getContent(path: string): Generator<Buffer, void, undefined> {
        yield Buffer.from(`bar for ${path.slice(path.lastIndexOf('/') + 1)}`);
      }
      override validateAbsolutePath(_root: string, absolutePath: string): string {
        return absolutePath;
      }
      override getContentSize(): number {
        return Buffer.byteLength(`bar for ${this.path}`);
      }
      override getModifiedTime(): Date | null {
        return null;
      }
      static override makeStaticUrl(_settings: object, path: string): string {
        return `/static/${path}/v1`;
      }
    }
    const app = new Application([['/url/(.*)', StaticUrl]], {
      staticPath: 'dummy',
      staticHandlerClass: MyStaticFileHandler,
    });
    const got = await serveApp(app, mode, function* (fetch) {
      const served = yield* fetch('/static/foo.42.txt');
      return [served.code, text(served), text(yield* fetch('/url/foo.txt'))];
    });
    expect(got).toEqual([200, 'bar for foo.42.txt', '/static/foo.txt/v1']);
  });

  it('staticHashCache: false (debug) hashes the file again on each request; by default once', async () => {
    const file = join(root, 'changing.txt');
    const run = (settings: Record<string, unknown>) =>
      serveApp(staticApp(settings), mode, function* (fetch) {
        writeFileSync(file, 'one');
        const first = (yield* fetch('/static/changing.txt')).headers.get('Etag');
        writeFileSync(file, 'two');
        const second = (yield* fetch('/static/changing.txt')).headers.get('Etag');
        StaticFileHandler.reset();
        return [first === `"${sha512('one')}"`, second === `"${sha512('two')}"`];
      });
    try {
      expect(await run({ staticHashCache: false })).toEqual([true, true]);
      expect(await run({})).toEqual([true, false]);
    } finally {
      rmSync(file, { force: true });
    }
  });

  describe('large files, read through one buffer every response shares', () => {
    /** Files of several 64 KiB chunks, each of its own bytes (and one with a short last chunk). */
    const files = {
      'a.bin': 700 * 1024,
      'b.bin': 700 * 1024 + 5,
      'c.bin': 300 * 1024 + 1,
      'd.txt': 200 * 1024 + 3, // text: gzipped with compressResponse
    };
    const content = (name: string, size: number): Buffer => {
      const seed = name.charCodeAt(0);
      const bytes = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * seed + (i >> 10)) & 0xff;
      return bytes;
    };
    /** Serves `dir` with a small send buffer: the kernel takes a little of each chunk at a time. */
    class SmallSendBuffer extends StaticFileHandler {
      override prepare() {
        const stream = http1(this.request.connection).stream as IOStream;
        stream.socket.setsockopt(SOL_SOCKET, SO_SNDBUF, 16 * 1024);
      }
    }
    /** …and keeps every chunk `write` is given, as a subclass may. */
    class KeepsChunks extends SmallSendBuffer {
      static kept: Buffer[] = [];
      override write(chunk: Chunk) {
        if (chunk instanceof Uint8Array) KeepsChunks.kept.push(chunk as Buffer);
        super.write(chunk);
      }
    }
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'aio-static-big-'));
      for (const [name, size] of Object.entries(files)) {
        writeFileSync(join(dir, name), content(name, size));
      }
    });
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('served at once to several clients, each file arrives whole, with gzip on or off', async () => {
      for (const settings of [{}, { compressResponse: true }]) {
        const app = new Application([['/big/(.*)', SmallSendBuffer, { path: dir }]], settings);
        const names = Object.keys(files);
        const got = await serveApp(app, mode, function* (fetch) {
          return (yield names.map((name) => fetch(`/big/${name}`))) as HTTPResponse[];
        });
        got.forEach((response, i) => {
          const name = names[i]!;
          expect(response.code).toBe(200);
          expect(response.body.equals(content(name, files[name as keyof typeof files]))).toBe(true);
        });
      }
    });

    it('a transform that keeps each chunk until the next call gets chunks that stay whole', async () => {
      /** Sends each chunk one flush late: it keeps the chunk it is given past the call. */
      class OneBehind extends OutputTransform {
        #held: Buffer = Buffer.alloc(0);
        override transformFirstChunk(
          statusCode: number,
          headers: HTTPHeaders,
          chunk: Buffer,
          finishing: boolean,
        ): [number, HTTPHeaders, Buffer] {
          return [statusCode, headers, this.transformChunk(chunk, finishing)];
        }
        override transformChunk(chunk: Buffer, finishing: boolean): Buffer {
          const out = this.#held;
          this.#held = chunk;
          return finishing ? Buffer.concat([out, chunk]) : out;
        }
      }
      const app = new Application([['/big/(.*)', SmallSendBuffer, { path: dir }]], {
        transforms: [OneBehind],
      });
      const body = await serveApp(app, mode, function* (fetch) {
        return (yield* fetch('/big/b.bin')).body;
      });
      expect(body.equals(content('b.bin', files['b.bin']))).toBe(true);
    });

    it('a subclass whose write keeps the chunks it is given keeps each one whole', async () => {
      KeepsChunks.kept = [];
      const app = new Application([['/big/(.*)', KeepsChunks, { path: dir }]]);
      const body = await serveApp(app, mode, function* (fetch) {
        return (yield* fetch('/big/a.bin')).body;
      });
      const expected = content('a.bin', files['a.bin']);
      expect(body.equals(expected)).toBe(true);
      expect(KeepsChunks.kept.length).toBe(Math.ceil(files['a.bin'] / (64 * 1024)));
      expect(Buffer.concat(KeepsChunks.kept).equals(expected)).toBe(true);
    });
  });

  it('staticUrl in a template, through the application settings', async () => {
    class Page extends RequestHandler {
      override get() {
        this.render('page.html');
      }
    }
    const templateLoader = new DictLoader({
      'page.html': `<link href="{{ staticUrl('robots.txt') }}">`,
    });
    const app = new Application([['/', Page]], { staticPath: root, templateLoader });
    const body = await serveApp(app, mode, function* (fetch) {
      return text(yield* fetch('/'));
    });
    expect(body).toBe(`<link href="/static/robots.txt?v=${sha512(ROBOTS)}">`);
  });
});

describe('the pieces', () => {
  it('parseRequestRange reads one byte range as slice indexes, as tornado’s _parse_request_range', () => {
    expect(parseRequestRange('bytes=1-2')).toEqual([1, 3]);
    expect(parseRequestRange('bytes=6-')).toEqual([6, null]);
    expect(parseRequestRange('bytes=-6')).toEqual([-6, null]);
    expect(parseRequestRange('bytes=-0')).toEqual([null, 0]);
    expect(parseRequestRange('bytes=')).toEqual([null, null]);
    expect(parseRequestRange(' bytes = 1 - 2 ')).toEqual([1, 3]);
    expect(parseRequestRange('foo=42')).toBeNull();
    expect(parseRequestRange('bytes=1-2,6-10')).toBeNull();
    expect(parseRequestRange('bytes=a-b')).toBeNull();
    expect(parseRequestRange('bytes=99999999999999999999-')).toBeNull();
  });

  it('contentRange writes inclusive positions, as tornado’s _get_content_range', () => {
    expect(contentRange(null, 1, 4)).toBe('bytes 0-0/4');
    expect(contentRange(1, 3, 4)).toBe('bytes 1-2/4');
    expect(contentRange(null, null, 4)).toBe('bytes 0-3/4');
  });

  it('guessContentType follows Python’s mimetypes and tornado’s encodings', () => {
    expect(
      [
        'a.html',
        'a.CSS',
        'a.js',
        'a.json',
        'a.svg',
        'a.png',
        'a.tar.gz',
        'a.tgz',
        'a.svgz',
        'a.xz',
        'a.unknownext',
        'noext',
      ].map(guessContentType),
    ).toEqual([
      'text/html',
      'text/css',
      'text/javascript',
      'application/json',
      'image/svg+xml',
      'image/png',
      'application/gzip',
      'application/gzip',
      'application/gzip',
      'application/octet-stream',
      'application/octet-stream',
      'application/octet-stream',
    ]);
  });

  it('StaticFileHandler refuses a rule without a directory', () => {
    const handler = Object.create(StaticFileHandler.prototype) as StaticFileHandler;
    expect(() => handler.initialize({ path: '' })).toThrow(
      'StaticFileHandler expected a directory path, got ""',
    );
  });
});
