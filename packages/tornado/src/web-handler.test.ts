/**
 * web — a RequestHandler's life, the themes of tornado's web_test.py that are about it:
 * initialize and prepare, the HTTP methods as plain, async and generator methods
 * (UnimplementedHTTPMethodsTest, UnimplementedNonStandardMethodsTest, AllHTTPMethodsTest,
 * PatchMethodTest, FinishInPrepareTest, FinalReturnTest), the path's groups
 * (PathArgsInPrepareTest, NamedURLSpecGroupsTest, RequestEncodingTest, the optional path and
 * decode_argument tests of WSGISafeWebTest), the client going away (ConnectionCloseTest,
 * ClientCloseTest), and streamed bodies (StreamingRequestBodyTest and the two flow-control
 * tests). A real HTTPServer + Application on 127.0.0.1, fetched with AsyncHTTPClient (raw
 * streams where the bytes or the timing matter), in both loop modes.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Future } from '@aio/future';
import { getEventLoop, type LoopMode } from '@aio/loop';
import { sleep, moment } from './gen';
import type { BodyWriter } from './httpclient';
import { Event } from './locks';
import { until } from './locks/test-support';
import { MODES, json, serveApp, text, useWebTestHooks } from './test-web';
import { Application, HTTPError, RequestHandler, streamRequestBody } from './web';
import type { HTTPServerRequest } from './httputil';

const logs = useWebTestHooks();

/** A future on the running loop, for a handler and a test to meet at. */
function future<T = void>(): Future<T> {
  return new Future<T>(getEventLoop());
}

describe.each(MODES)('RequestHandler life (%s mode)', (mode: LoopMode) => {
  it('initialize gets the rule’s kwargs after the field initializers ran, prepare before the method', async () => {
    class Profile extends RequestHandler {
      database = 'unset'; // a field initializer: initialize() must come after it
      steps: string[] = [];

      override initialize({ database }: { database: string }) {
        this.database = database;
        this.steps.push('initialize');
      }

      override prepare() {
        this.steps.push('prepare');
      }

      override get(user: string) {
        this.steps.push('get');
        this.write({ database: this.database, user, steps: this.steps });
      }
    }
    const app = new Application([['/user/(.*)', Profile, { database: 'db1' }]]);
    const body = await serveApp(app, mode, function* (fetch) {
      return json(yield* fetch('/user/ben'));
    });
    expect(body).toEqual({ database: 'db1', user: 'ben', steps: ['initialize', 'prepare', 'get'] });
  });

  it('a method may be plain, async or a generator yielding Futures; prepare too, each waited for', async () => {
    const order: string[] = [];
    class Plain extends RequestHandler {
      override get() {
        this.write('plain');
      }
    }
    class Async extends RequestHandler {
      override async prepare() {
        await new Promise((resolve) => setTimeout(resolve, 2));
        order.push('async prepare done');
      }

      override async get() {
        order.push('async get');
        await new Promise((resolve) => setTimeout(resolve, 2));
        this.write('async');
      }
    }
    class Generator extends RequestHandler {
      override *prepare() {
        yield sleep(2);
        order.push('generator prepare done');
      }

      override *get() {
        order.push('generator get');
        const [a, b] = (yield [later(1, 'a'), later(2, 'b')]) as string[]; // tornado's multi
        const { c } = (yield { c: later(1, 'c') }) as { c: string };
        yield moment;
        this.write(`generator ${a!}${b!}${c}`);
      }
    }
    const app = new Application([
      ['/plain', Plain],
      ['/async', Async],
      ['/generator', Generator],
    ]);
    const bodies = await serveApp(app, mode, function* (fetch) {
      return [
        text(yield* fetch('/plain')),
        text(yield* fetch('/async')),
        text(yield* fetch('/generator')),
      ];
    });
    expect(bodies).toEqual(['plain', 'async', 'generator abc']);
    expect(order).toEqual([
      'async prepare done',
      'async get',
      'generator prepare done',
      'generator get',
    ]);
  });

  it('a method returning something that cannot be waited for is a 500 naming it', async () => {
    class Odd extends RequestHandler {
      override get() {
        return 42;
      }
    }
    const response = await serveApp(new Application([['/', Odd]]), mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect(response.code).toBe(500);
    expect(String(logs.app[0]?.err)).toContain(
      'Odd.get() returned 42: expected nothing, a Future, a promise or a generator',
    );
  });

  it('UnimplementedHTTPMethodsTest: a method not overridden is a 405, HEAD included', async () => {
    class Nothing extends RequestHandler {}
    const codes = await serveApp(new Application([['/', Nothing]]), mode, function* (fetch) {
      const out: Record<string, number> = {};
      for (const method of ['HEAD', 'GET', 'DELETE', 'OPTIONS']) {
        out[method] = (yield* fetch('/', { method })).code;
      }
      for (const method of ['POST', 'PUT', 'PATCH']) {
        out[method] = (yield* fetch('/', { method, body: '' })).code;
      }
      return out;
    });
    expect(codes).toEqual({
      HEAD: 405,
      GET: 405,
      DELETE: 405,
      OPTIONS: 405,
      POST: 405,
      PUT: 405,
      PATCH: 405,
    });
  });

  // tornado's tests use a made-up OTHER method, which this server's parser answers 405 itself
  // (see the package README): PROPFIND is a registered method no handler supports by default.
  it('UnimplementedNonStandardMethodsTest and PatchMethodTest: SUPPORTED_METHODS decides', async () => {
    class Other extends RequestHandler {
      propfind() {
        this.write('other');
      }
    }
    class WithOther extends RequestHandler {
      static override SUPPORTED_METHODS = [...RequestHandler.SUPPORTED_METHODS, 'PROPFIND'];

      override patch() {
        this.write('patch');
      }

      propfind() {
        this.write('other');
      }
    }
    const app = new Application([
      ['/other', Other],
      ['/with-other', WithOther],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      const other = { method: 'PROPFIND', allowNonstandardMethods: true };
      return [
        (yield* fetch('/other', other)).code,
        text(yield* fetch('/with-other', other)),
        text(yield* fetch('/with-other', { method: 'PATCH', body: '' })),
      ];
    });
    expect(seen).toEqual([405, 'other', 'patch']);
  });

  it('AllHTTPMethodsTest: each standard method reaches its method; HEAD gets no body', async () => {
    class All extends RequestHandler {
      #method() {
        this.write(this.request.method);
      }
      override get() {
        this.#method();
      }
      override head() {
        this.#method();
      }
      override delete() {
        this.#method();
      }
      override options() {
        this.#method();
      }
      override post() {
        this.#method();
      }
      override put() {
        this.#method();
      }
    }
    const seen = await serveApp(new Application([['/', All]]), mode, function* (fetch) {
      const out: [string, number, string, string | undefined][] = [];
      for (const method of ['HEAD', 'GET', 'DELETE', 'OPTIONS', 'POST', 'PUT']) {
        const withBody = method === 'POST' || method === 'PUT';
        const response = yield* fetch('/', withBody ? { method, body: '' } : { method });
        out.push([method, response.code, text(response), response.headers.get('Content-Length')]);
      }
      return out;
    });
    expect(seen).toEqual([
      ['HEAD', 200, '', '4'], // the length of the body a GET would get
      ['GET', 200, 'GET', '3'],
      ['DELETE', 200, 'DELETE', '6'],
      ['OPTIONS', 200, 'OPTIONS', '7'],
      ['POST', 200, 'POST', '4'],
      ['PUT', 200, 'PUT', '3'],
    ]);
  });

  it('FinishInPrepareTest: finishing in prepare skips the method; onFinish runs once, after', async () => {
    const finished: string[] = [];
    class Early extends RequestHandler {
      override prepare() {
        void this.finish('done');
      }

      override get() {
        throw new Error('should not reach this method');
      }

      override onFinish() {
        finished.push(`${this.getStatus()} ${this.request.path}`);
      }
    }
    const body = await serveApp(new Application([['/', Early]]), mode, function* (fetch) {
      return text(yield* fetch('/'));
    });
    expect(body).toBe('done');
    expect(finished).toEqual(['200 /']);
    expect(logs.app).toEqual([]);
  });

  it('FinalReturnTest: finish() returns a Future done once the response is sent', async () => {
    const returned: Future<void>[] = [];
    class Final extends RequestHandler {
      override *get() {
        const done = this.finish();
        returned.push(done);
        yield done;
      }

      override *post() {
        this.write('hello,');
        yield this.flush();
        const done = this.finish('world');
        returned.push(done);
        yield done;
      }
    }
    const bodies = await serveApp(new Application([['/finish', Final]]), mode, function* (fetch) {
      return [
        text(yield* fetch('/finish')),
        text(yield* fetch('/finish', { method: 'POST', body: '' })),
      ];
    });
    expect(bodies).toEqual(['', 'hello,world']);
    expect(
      returned.map((f) => f instanceof Future && f.done() && f.exception() === undefined),
    ).toEqual([true, true]);
  });

  it('an HTTPError thrown from prepare answers with its status; the method is not called', async () => {
    class Guarded extends RequestHandler {
      override async prepare() {
        await Promise.resolve();
        throw new HTTPError(401);
      }

      override get() {
        throw new Error('not reached');
      }
    }
    const code = await serveApp(new Application([['/', Guarded]]), mode, function* (fetch) {
      return (yield* fetch('/')).code;
    });
    expect(code).toBe(401);
  });
});

describe.each(MODES)('the path’s groups (%s mode)', (mode: LoopMode) => {
  /** tornado's EchoHandler: the path, its groups and the arguments, as JSON. */
  class Echo extends RequestHandler {
    override get(...pathArgs: unknown[]) {
      for (const arg of pathArgs) if (typeof arg !== 'string') throw new TypeError(typeof arg);
      const args: Record<string, string[]> = {};
      for (const name of Object.keys(this.request.arguments)) args[name] = this.getArguments(name);
      this.write({ path: this.request.path, path_args: pathArgs, args });
    }
  }

  it('PathArgsInPrepareTest: positional groups are pathArgs, named ones pathKwargs, set before prepare', async () => {
    class Groups extends RequestHandler {
      override prepare() {
        this.write({ args: this.pathArgs, kwargs: this.pathKwargs });
      }

      override get(path: unknown) {
        // Named groups come as one object, tornado's keyword arguments.
        const value = typeof path === 'string' ? path : (path as { path: string }).path;
        if (value !== 'foo') throw new Error(value);
        void this.finish();
      }
    }
    const app = new Application([
      ['/pos/(.*)', Groups],
      ['/kw/(?P<path>.*)', Groups],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      return [json(yield* fetch('/pos/foo')), json(yield* fetch('/kw/foo'))];
    });
    expect(seen).toEqual([
      { args: ['foo'], kwargs: {} },
      { args: [], kwargs: { path: 'foo' } },
    ]);
  });

  it('NamedURLSpecGroupsTest: a named group reaches the method by name', async () => {
    class EchoPath extends RequestHandler {
      override get({ path }: { path: string }) {
        this.write(path);
      }
    }
    const app = new Application([
      ['/str/(?P<path>.*)', EchoPath],
      ['/unicode/(?P<path>.*)', EchoPath],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      return [text(yield* fetch('/str/foo')), text(yield* fetch('/unicode/bar'))];
    });
    expect(seen).toEqual(['foo', 'bar']);
  });

  it('RequestEncodingTest: groups and arguments are percent-decoded the same way; %2F stays in its group', async () => {
    const app = new Application([
      ['/group/(.*)', Echo],
      ['/slashes/([^/]*)/([^/]*)', Echo],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      return [
        json(yield* fetch('/group/%3F')),
        json(yield* fetch('/group/%3F?%3F=%3F')),
        json(yield* fetch('/group/%C3%A9?arg=%C3%A9')),
        json(yield* fetch('/slashes/foo/bar')),
        json(yield* fetch('/slashes/a%2Fb/c%2Fd')),
      ];
    });
    expect(seen).toEqual([
      { path: '/group/%3F', path_args: ['?'], args: {} },
      { path: '/group/%3F', path_args: ['?'], args: { '?': ['?'] } },
      { path: '/group/%C3%A9', path_args: ['\u00e9'], args: { arg: ['\u00e9'] } },
      { path: '/slashes/foo/bar', path_args: ['foo', 'bar'], args: {} },
      { path: '/slashes/a%2Fb/c%2Fd', path_args: ['a/b', 'c/d'], args: {} },
    ]);
  });

  it('RequestEncodingTest.test_error and invalid unicode: a 400 logged with the bytes, % and all', async () => {
    const app = new Application([['/group/(.*)', Echo]]);
    const codes = await serveApp(app, mode, function* (fetch) {
      return [(yield* fetch('/group/?arg=%25%e9')).code, (yield* fetch('/group/invalid%FF')).code];
    });
    expect(codes).toEqual([400, 400]);
    const warnings = logs.gen.map((r) => r.message).filter((m) => m.includes('Invalid unicode'));
    expect(warnings).toEqual([
      "400 GET /group/?arg=%25%e9 (127.0.0.1): Invalid unicode in arg: b'%\\xe9'",
      "400 GET /group/invalid%FF (127.0.0.1): Invalid unicode in url: b'invalid\\xff'",
    ]);
  });

  it('an optional group that did not take part is null', async () => {
    class Optional extends RequestHandler {
      override get(path: string | null) {
        this.write({ path });
      }
    }
    const app = new Application([['/optional_path/(.+)?', Optional]]);
    const seen = await serveApp(app, mode, function* (fetch) {
      return [json(yield* fetch('/optional_path/foo')), json(yield* fetch('/optional_path/'))];
    });
    expect(seen).toEqual([{ path: 'foo' }, { path: null }]);
  });

  it('decodeArgument can be overridden: groups and arguments both go through it', async () => {
    /** tornado's DecodeArgHandler: decodes with the request's `encoding` argument. */
    class DecodeArg extends RequestHandler {
      override decodeArgument(value: Buffer): string {
        const encoding = this.request.arguments.encoding?.[0]?.toString('latin1');
        return value.toString(encoding === 'latin1' ? 'latin1' : 'utf8');
      }

      override get(arg: string | { arg: string }) {
        const path = typeof arg === 'string' ? arg : arg.arg;
        this.write({ path, query: this.getArgument('foo') });
      }
    }
    const app = new Application([
      ['/decode_arg/(.*)', DecodeArg],
      ['/decode_arg_kw/(?P<arg>.*)', DecodeArg],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      return [
        json(yield* fetch('/decode_arg/%C3%A9?foo=%C3%A9&encoding=utf-8')),
        json(yield* fetch('/decode_arg/%E9?foo=%E9&encoding=latin1')),
        json(yield* fetch('/decode_arg_kw/%E9?foo=%E9&encoding=latin1')),
        json(yield* fetch('/decode_arg/1%20%2B%201?foo=1%20%2B%201&encoding=utf-8')),
        // A + in a path is a +; in a query, a space.
        json(yield* fetch('/decode_arg/1%20+%201?foo=1+%2B+1&encoding=utf-8')),
      ];
    });
    expect(seen).toEqual([
      { path: '\u00e9', query: '\u00e9' },
      { path: '\u00e9', query: '\u00e9' },
      { path: '\u00e9', query: '\u00e9' },
      { path: '1 + 1', query: '1 + 1' },
      { path: '1 + 1', query: '1 + 1' },
    ]);
  });
});

describe.each(MODES)('the client going away (%s mode)', (mode: LoopMode) => {
  it('ConnectionCloseTest: onConnectionClose is called when the client leaves a handler waiting', async () => {
    const events: string[] = [];
    const cleanup = new Event();
    let waiting = false;
    class Waiting extends RequestHandler {
      override *get() {
        waiting = true;
        yield cleanup.wait();
      }

      override onConnectionClose() {
        events.push('closed');
      }
    }
    await serveApp(new Application([['/', Waiting]]), mode, function* (_fetch, h) {
      const stream = yield* h.connect();
      void stream.write('GET / HTTP/1.0\r\n\r\n');
      yield* until(() => waiting);
      stream.close();
      yield* until(() => events.length > 0);
      // Let the waiting coroutine end; its finish() goes nowhere, quietly.
      cleanup.set();
      yield* sleep(5);
    });
    expect(events).toEqual(['closed']);
    expect(logs.app).toEqual([]);
  });

  it('ClientCloseTest: writing after the stream closed under the handler is quiet; the client sees an error', async () => {
    class Closing extends RequestHandler {
      override get() {
        (this.request.connection as unknown as { stream: { close(): void } }).stream.close();
        this.write('hello');
      }
    }
    const error = await serveApp(new Application([['/', Closing]]), mode, function* (fetch) {
      try {
        return yield* fetch('/');
      } catch (caught) {
        return caught;
      }
    });
    expect(error).toMatchObject({ name: 'HTTPStreamClosedError', code: 599 });
    expect(logs.app).toEqual([]);
  });

  it('a client gone before the response ends: finish()’s Future fails, nothing is logged as an error', async () => {
    let outcome!: Future<string>;
    let started = false;
    const release = new Event();
    class Slow extends RequestHandler {
      override *get() {
        started = true;
        yield release.wait();
        this.finish('late').addDoneCallback((f) => {
          if (!outcome.done()) outcome.setResult(f.exception()?.constructor.name ?? 'sent');
        });
      }
    }
    const seen = await serveApp(new Application([['/', Slow]]), mode, function* (_fetch, h) {
      outcome = future();
      const stream = yield* h.connect();
      void stream.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      yield* until(() => started);
      stream.close();
      yield* sleep(5);
      release.set();
      return yield* outcome;
    });
    expect(seen).toBe('StreamClosedError');
    expect(logs.app).toEqual([]);
  });
});

describe.each(MODES)('streamed request bodies (%s mode)', (mode: LoopMode) => {
  /** What the streaming handlers and a test share. */
  interface Probe {
    prepared: Future<void>;
    data: Future<Buffer>;
    finished: Future<void>;
    closed: Future<void>;
  }

  /** The shared futures, made inside the test's loop (`fill()`), given to the handler before. */
  function probe(): Probe & { fill(): void } {
    const test = {
      fill() {
        Object.assign(test, {
          prepared: future(),
          data: future(),
          finished: future(),
          closed: future(),
        });
      },
    } as Probe & { fill(): void };
    return test;
  }

  @streamRequestBody
  class StreamingBody extends RequestHandler {
    test!: Probe;

    override initialize({ test }: { test: Probe }) {
      this.test = test;
    }

    override prepare() {
      this.test.prepared.setResult(undefined);
    }

    override dataReceived(data: Buffer) {
      this.test.data.setResult(data);
    }

    override get() {
      this.test.finished.setResult(undefined);
      this.write({});
    }
  }

  @streamRequestBody
  class EarlyReturn extends RequestHandler {
    override prepare() {
      // Finished in prepare: dataReceived (there is none) is never called.
      throw new HTTPError(401);
    }
  }

  class CloseDetection extends RequestHandler {
    static override streamRequestBody = true; // the other way to say it
    test!: Probe;

    override initialize({ test }: { test: Probe }) {
      this.test = test;
    }

    override onConnectionClose() {
      super.onConnectionClose();
      this.test.closed.setResult(undefined);
    }
  }

  const head = (path: string, close: boolean) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${close ? 'Connection: close\r\n' : ''}Transfer-Encoding: chunked\r\n\r\n`;

  it('StreamingRequestBodyTest: prepare at the headers, each chunk to dataReceived as it comes, the method at the end', async () => {
    const test = probe();
    const app = new Application([['/stream_body', StreamingBody, { test }]]);
    const seen = await serveApp(app, mode, function* (_fetch, h) {
      test.fill();
      const stream = yield* h.connect();
      void stream.write(head('/stream_body', true));
      yield* test.prepared;
      void stream.write('4\r\nasdf\r\n');
      const first = (yield* test.data).toString();
      test.data = future();
      void stream.write('4\r\nqwer\r\n');
      const second = (yield* test.data).toString();
      void stream.write('0\r\n\r\n');
      yield* test.finished;
      const response = (yield* stream.readUntilClose()).toString();
      return [first, second, response.endsWith('{}')];
    });
    expect(seen).toEqual(['asdf', 'qwer', true]);
  });

  it('StreamingRequestBodyTest: an error in prepare is answered at once, body or not', async () => {
    const app = new Application([['/early_return', EarlyReturn]]);
    const seen = await serveApp(app, mode, function* (_fetch, h) {
      const a = yield* h.connect();
      void a.write(head('/early_return', false));
      const first = (yield* a.readUntilClose()).toString();
      const b = yield* h.connect();
      void b.write(head('/early_return', false) + '4\r\nasdf\r\n');
      const second = (yield* b.readUntilClose()).toString();
      return [first.split('\r\n')[0], second.split('\r\n')[0]];
    });
    expect(seen).toEqual(['HTTP/1.1 401 Unauthorized', 'HTTP/1.1 401 Unauthorized']);
  });

  it('StreamingRequestBodyTest: a close during the upload reaches onConnectionClose', async () => {
    const test = probe();
    const app = new Application([['/close_detection', CloseDetection, { test }]]);
    await serveApp(app, mode, function* (_fetch, h) {
      test.fill();
      const stream = yield* h.connect();
      void stream.write(head('/close_detection', false));
      yield* sleep(5);
      stream.close();
      yield* test.closed;
    });
    expect(test.closed.done()).toBe(true);
  });

  /**
   * tornado's BaseFlowControlHandler: each method waits a loop turn; none may start before the
   * one before it ended.
   */
  function flowControlHandler(kind: 'generator' | 'async') {
    @streamRequestBody
    class FlowControl extends RequestHandler {
      methods: string[] = [];
      current: string | null = null;

      enter(method: string) {
        if (this.current !== null) throw new Error(`entered ${method} while in ${this.current}`);
        this.current = method;
        this.methods.push(method);
      }

      override *prepare() {
        // prepare() being async does not hold dataReceived back: no enter() here.
        this.methods.push('prepare');
        yield moment;
      }

      override dataReceived(): unknown {
        if (kind === 'generator') {
          return function* (this: FlowControl) {
            this.enter('data_received');
            yield moment;
            this.current = null;
          }.call(this);
        }
        return (async () => {
          this.enter('data_received');
          await new Promise((resolve) => setImmediate(resolve));
          this.current = null;
        })();
      }

      override *post() {
        this.enter('post');
        yield moment;
        this.current = null;
        this.write({ methods: this.methods });
      }
    }
    return FlowControl;
  }

  for (const kind of ['generator', 'async'] as const) {
    it(`flow control (${kind} dataReceived): a fixed body, a chunked body, one data_received per chunkSize`, async () => {
      const app = new Application([['/', flowControlHandler(kind)]]);
      const seen = await serveApp(
        app,
        mode,
        function* (fetch) {
          const fixed = json(
            yield* fetch('/', { method: 'POST', body: 'abcdefghijklmnopqrstuvwxyz' }),
          );
          const chunked = json(
            yield* fetch('/', {
              method: 'POST',
              *bodyProducer(write: BodyWriter) {
                for (const chunk of ['abcd', 'efgh', 'ijkl']) yield write(chunk);
              },
            }),
          );
          const compressed = json(
            yield* fetch('/', {
              method: 'POST',
              body: gzipSync('abcdefghijklmnopqrstuvwxyz'),
              headers: { 'Content-Encoding': 'gzip' },
            }),
          );
          return { fixed, chunked, compressed };
        },
        { chunkSize: 10, decompressRequest: true },
      );
      const three = ['prepare', 'data_received', 'data_received', 'data_received', 'post'];
      expect(seen.fixed).toEqual({ methods: three });
      expect(seen.chunked).toEqual({ methods: three });
      // A gzip body is inflated once it is whole (see the package README): one chunk, where
      // tornado inflates as it reads and hands out three.
      expect(seen.compressed).toEqual({ methods: ['prepare', 'data_received', 'post'] });
    });
  }

  it('a streaming handler’s body stays empty, and its arguments come from the query only', async () => {
    let got!: Future<{ body: number; args: string[] }>;
    @streamRequestBody
    class Upload extends RequestHandler {
      total = 0;

      override dataReceived(chunk: Buffer) {
        this.total += chunk.length;
      }

      override put() {
        got.setResult({ body: this.request.body.length, args: this.getArguments('a') });
        this.write({ total: this.total });
      }
    }
    const seen = await serveApp(new Application([['/', Upload]]), mode, function* (fetch) {
      got = future();
      const response = json(
        yield* fetch('/?a=query', {
          method: 'PUT',
          body: 'a=body',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
      );
      return [response, yield* got];
    });
    expect(seen).toEqual([{ total: 6 }, { body: 0, args: ['query'] }]);
  });
});

describe('HandlerDelegate and toString', () => {
  it('a handler and its delegate print what they serve', () => {
    class Shown extends RequestHandler {}
    const app = new Application([['/', Shown]]);
    const request = {
      method: 'GET',
      uri: '/x?y',
      connection: null,
      headers: new Map(),
    } as unknown as HTTPServerRequest;
    // An HTTPMessageDelegate to its callers; it prints what it serves all the same.
    const delegate = app.getHandlerDelegate(request, Shown) as unknown as { toString(): string };
    expect(delegate.toString()).toBe('<HandlerDelegate Shown GET /x?y>');
    const handler = new Shown(app, request);
    expect(String(handler)).toBe('<Shown GET /x?y 200>');
  });
});

/** A Future done with `value` after `ms` milliseconds. */
function later<T>(ms: number, value: T): Future<T> {
  const result = future<T>();
  getEventLoop().callLater(ms, () => result.setResult(value));
  return result;
}
