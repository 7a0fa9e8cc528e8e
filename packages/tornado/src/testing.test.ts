/**
 * tornado.testing — the themes of tornado 6.5's testing_test.py in vitest's terms (gen_test and
 * its timeouts, ASYNC_TEST_TIMEOUT, leaked coroutines, AsyncHTTPTestCase's fetch of a path and of
 * an absolute URL, set-up and tear-down), what our teardown adds (pending tasks and open fds
 * named), ExpectLog, and inject(): the same responses in memory as over a real socket.
 *
 * Every server is on 127.0.0.1 and every test closes what it opens (the cases' teardowns check).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, createTask, sleep as coSleep } from '@aio/coroutine';
import { TimeoutError } from '@aio/future';
import { getRunningLoop } from '@aio/loop';
import { AF_INET, SOCK_STREAM, Socket, socketpair } from '@aio/selector';
import * as gen from './gen';
import {
  HTTPClientError,
  HTTPRequest,
  HTTPStreamClosedError,
  HTTPTimeoutError,
  type HTTPResponse,
} from './httpclient';
import { HTTPServer, type HTTPServerRequest } from './httpserver';
import {
  HTTPHeaders,
  ResponseStartLine,
  type HTTPConnection,
  type HTTPMessageDelegate,
  type HTTPServerConnectionDelegate,
} from './httputil';
import { IOLoop } from './ioloop';
import { Event } from './locks';
import {
  addHandler,
  appLog,
  genLog,
  getHandlers,
  getLogger,
  removeHandler,
  setLevel,
  type Handler,
  type LogRecord,
} from './log';
import { bindSockets } from './netutil';
import { RuleRouter } from './routing';
import * as testing from './testing';
import {
  AsyncHTTPSTestCase,
  AsyncHTTPTestCase,
  AsyncTestCase,
  ExpectLogError,
  TestLeakError,
  bindUnusedPort,
  expectLog,
  genTest,
  getAsyncTestTimeout,
  inject,
} from './testing';
import { CERTIFICATE, PRIVATE_KEY } from './testing/certificate';
import { TimerAuditLoop } from './locks/test-support';
import { hello, http1, respond } from './test-http';

/** What `awaitable` fails with (a Future is awaitable, but has no `catch`). */
async function failureOf(awaitable: PromiseLike<unknown>): Promise<unknown> {
  try {
    await awaitable;
  } catch (error) {
    return error;
  }
  throw new Error('expected it to fail');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Runs a case's whole life inside this test: `body` between setUp and tearDown; what tearDown threw. */
async function lifeOf<C extends AsyncTestCase>(t: C, body: (t: C) => unknown): Promise<unknown> {
  await t.setUp();
  try {
    await body(t);
  } catch (error) {
    await t.tearDown().catch(() => undefined);
    throw error;
  }
  return t.tearDown().then(
    () => null,
    (error: unknown) => error,
  );
}

/** A handler that keeps what reaches it. */
function recorder(): Handler & { records: LogRecord[]; messages(): string[] } {
  const records: LogRecord[] = [];
  return {
    level: 0,
    records,
    handle: (record) => void records.push(record),
    close: () => {},
    messages: () => records.map((record) => record.message),
  };
}

it('exports the names it promises', () => {
  expect(Object.keys(testing).sort()).toEqual([
    'AsyncHTTPSTestCase',
    'AsyncHTTPTestCase',
    'AsyncTestCase',
    'ExpectLog',
    'ExpectLogError',
    'TestLeakError',
    'bindUnusedPort',
    'expectLog',
    'genTest',
    'getAsyncTestTimeout',
    'inject',
  ]);
  expect(new TestLeakError(['<Task pending>'], []).code).toBe('ERR_AIO_TEST_LEAK');
  expect(new ExpectLogError('x').code).toBe('ERR_AIO_EXPECTED_LOG_MISSING');
});

describe('getAsyncTestTimeout', () => {
  it('is 5 s, or ASYNC_TEST_TIMEOUT seconds, in milliseconds', () => {
    vi.stubEnv('ASYNC_TEST_TIMEOUT', undefined);
    expect(getAsyncTestTimeout()).toBe(5_000);
    vi.stubEnv('ASYNC_TEST_TIMEOUT', '0.25');
    expect(getAsyncTestTimeout()).toBe(250);
    vi.stubEnv('ASYNC_TEST_TIMEOUT', ' 10 ');
    expect(getAsyncTestTimeout()).toBe(10_000);
    vi.stubEnv('ASYNC_TEST_TIMEOUT', '1e1');
    expect(getAsyncTestTimeout()).toBe(10_000);
    vi.stubEnv('ASYNC_TEST_TIMEOUT', 'inf');
    expect(getAsyncTestTimeout()).toBe(Infinity);
  });

  it('ignores what Python’s float() would refuse, and negative values', () => {
    for (const value of ['soon', '', '0x10', '1,5', 'nan', '-1', '-inf']) {
      vi.stubEnv('ASYNC_TEST_TIMEOUT', value);
      expect(getAsyncTestTimeout(), value).toBe(5_000);
    }
  });
});

describe('bindUnusedPort', () => {
  it('gives a listening socket on a free port of 127.0.0.1, and the port', () => {
    const [sock, port] = bindUnusedPort();
    const client = new Socket(AF_INET, SOCK_STREAM);
    try {
      expect(sock.getsockname()).toEqual(['127.0.0.1', port]);
      expect(port).toBeGreaterThan(0);
      client.connect(['127.0.0.1', port]); // the backlog takes it
    } finally {
      client.close();
      sock.close();
    }
  });

  it('with reusePort, another socket can bind the same port', () => {
    const [sock, port] = bindUnusedPort(true);
    const [again] = bindSockets(port, '127.0.0.1', { reusePort: true });
    try {
      expect(again!.getsockname()).toEqual(['127.0.0.1', port]);
    } finally {
      again!.close();
      sock.close();
    }
  });
});

// ─── AsyncTestCase and genTest ────────────────────────────────────────────────────────────────

describe('AsyncTestCase', () => {
  const t = new AsyncTestCase();
  beforeEach(() => t.setUp());
  afterEach(() => t.tearDown());

  const seen: IOLoop[] = [];

  it('gives each test a fresh IOLoop, current outside the loop and running inside', async () => {
    seen.push(t.ioloop);
    expect(IOLoop.current()).toBe(t.ioloop);
    expect(await t.ioloop.runSync(() => IOLoop.current())).toBe(t.ioloop);
  });

  it('closes the last test’s loop (a new one each time)', () => {
    expect(seen).toHaveLength(1);
    expect(t.ioloop).not.toBe(seen[0]);
    expect(seen[0]!.asyncioLoop.isClosed()).toBe(true);
  });

  let finished = false;
  it(
    'genTest runs a plain function (GenTest.test_sync)',
    t.genTest(() => {
      finished = true;
    }),
  );

  it(
    'genTest runs a generator as a tornado coroutine: what it yields, it gets back (test_async)',
    t.genTest(function* (self) {
      expect(finished).toBe(true);
      expect(self).toBe(t);
      expect(this).toBe(t);
      yield gen.moment;
      yield null;
      const [a, b] = (yield [gen.sleep(1).then(() => 'a'), Promise.resolve('b')]) as string[];
      const { c } = (yield { c: Promise.resolve('c') }) as { c: string };
      expect(a! + b! + c).toBe('abc');
      expect(getRunningLoop()).toBe(t.ioloop.asyncioLoop);
    }),
  );

  it(
    'genTest runs an async function (test_native_coroutine)',
    t.genTest(async (self, signal) => {
      await gen.sleep(1);
      expect(self.ioloop.asyncioLoop.isRunning()).toBe(true);
      expect(signal.aborted).toBe(false);
    }),
  );

  it('a test within its timeout passes (test_no_timeout)', async () => {
    await t.genTest(
      function* () {
        yield gen.sleep(20);
      },
      { timeout: 1_000 },
    )();
  });

  it('refuses a timeout that is not a number of ms', () => {
    expect(() => t.genTest(() => {}, { timeout: -1 })).toThrow(RangeError);
    expect(() => t.genTest(() => {}, { timeout: '1' as never })).toThrow(TypeError);
    expect(() => t.genTest(null as never)).toThrow(TypeError);
  });
});

describe('genTest timeouts', () => {
  it('a generator that runs out of time fails with TimeoutError naming what it waited on; its finally runs on the loop (test_timeout)', async () => {
    let cleaned = false;
    const error: unknown = await genTest(
      function* slowTest() {
        try {
          yield gen.sleep(5_000);
        } finally {
          yield gen.sleep(1); // cleaning up may still wait: the loop runs
          cleaned = true;
        }
      },
      { timeout: 50 },
    )().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(String(error)).toMatch(
      /genTest\(\): slowTest timed out after 50 ms, waiting on <Future pending/,
    );
    expect(cleaned).toBe(true);
  });

  it('fails even when the test catches the TimeoutError and returns', async () => {
    const error: unknown = await genTest(
      function* () {
        try {
          yield gen.sleep(5_000);
        } catch {
          // swallowed: the test still fails
        }
      },
      { timeout: 20 },
    )().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('an async function times out too, and its signal aborts (test_native_coroutine_timeout)', async () => {
    let aborted: unknown = null;
    const error: unknown = await genTest(
      async (_t, signal) => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
        });
        await gen.sleep(5_000);
      },
      { timeout: 20 },
    )().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(aborted).toBe(error);
  });

  it('without its own timeout, a test takes ASYNC_TEST_TIMEOUT (in seconds)', async () => {
    vi.stubEnv('ASYNC_TEST_TIMEOUT', '0.05');
    const error: unknown = await genTest(function* () {
      yield gen.sleep(5_000);
    })().catch((e: unknown) => e);
    expect(String(error)).toMatch(/timed out after 50 ms/);
  });

  it('its own timeout wins over ASYNC_TEST_TIMEOUT (test_timeout_environment_variable)', async () => {
    vi.stubEnv('ASYNC_TEST_TIMEOUT', '0.01');
    await genTest(
      function* () {
        yield gen.sleep(50);
      },
      { timeout: 2_000 },
    )();
  });

  it('a standalone genTest reports a failing test and a failing teardown together', async () => {
    const error: unknown = await genTest(
      function* () {
        createTask(
          (function* () {
            yield coSleep(60_000);
          })(),
          { name: 'forgotten' },
        );
        yield gen.sleep(5_000);
      },
      { timeout: 20 },
    )().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    const [first, second] = (error as AggregateError).errors as [unknown, unknown];
    expect(first).toBeInstanceOf(TimeoutError);
    expect(second).toBeInstanceOf(TestLeakError);
    expect((error as Error).message).toMatch(
      /timed out[\s\S]*teardown failed: TestLeakError[\s\S]*forgotten/,
    );
  });

  it('runs on a blocking loop too', async () => {
    await genTest(
      function* (t) {
        expect(t.ioloop.asyncioLoop.mode).toBe('blocking');
        yield gen.sleep(1);
      },
      { mode: 'blocking' },
    )();
  });
});

describe('AsyncTestCase teardown', () => {
  it('cancels a leaked coroutine, and fails the test naming it (LeakTest)', async () => {
    const event = new Event();
    let cancelled = false;
    const error = await lifeOf(new AsyncTestCase(), async (t) => {
      await t.ioloop.runSync(() => {
        createTask(
          (function* leaky() {
            try {
              yield event.wait();
            } catch (e) {
              cancelled = e instanceof CancelledError;
              throw e;
            }
          })(),
          { name: 'leaky' },
        );
        return gen.sleep(1);
      });
    });
    expect(cancelled).toBe(true);
    expect(error).toBeInstanceOf(TestLeakError);
    expect((error as TestLeakError).pendingTasks).toEqual([
      expect.stringMatching(/^<Task pending name=leaky coro=leaky\(\)/),
    ]);
    expect((error as Error).message).toMatch(
      /^the test left 1 task pending:\n {2}<Task pending name=leaky/,
    );
  });

  it('with pendingTasks: "cancel", shuts a leaked coroutine down quietly, as tornado does', async () => {
    const error = await lifeOf(new AsyncTestCase({ pendingTasks: 'cancel' }), async (t) => {
      await t.ioloop.runSync(() => {
        createTask(async (signal) => {
          await new Promise((_, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason as Error));
          });
        });
      });
    });
    expect(error).toBeNull();
  });

  it('names a task that ignores its cancellation, and closes the loop under it after the timeout', async () => {
    const error = await lifeOf(new AsyncTestCase({ timeout: 50 }), async (t) => {
      await t.ioloop.runSync(() => {
        createTask(async () => new Event().wait(), { name: 'stubborn' });
      });
    });
    expect((error as TestLeakError).pendingTasks).toEqual([
      expect.stringMatching(/^<Task pending name=stubborn/),
    ]);
  });

  it('raises what a task failed with as it was cancelled, as tornado does', async () => {
    const error = await lifeOf(new AsyncTestCase({ pendingTasks: 'cancel' }), async (t) => {
      await t.ioloop.runSync(() => {
        createTask(
          (function* () {
            try {
              yield new Event().wait();
            } catch {
              throw new RangeError('failed while cancelled');
            }
          })(),
        );
      });
    });
    expect(error).toEqual(new RangeError('failed while cancelled'));
  });

  it('fails a test that leaves a socket open, naming the fd and its address', async () => {
    let sock: Socket | null = null;
    let port = 0;
    try {
      const error = await lifeOf(new AsyncTestCase(), () => {
        [sock, port] = bindUnusedPort();
      });
      expect(error).toBeInstanceOf(TestLeakError);
      expect((error as TestLeakError).openFds).toEqual([
        expect.stringMatching(
          new RegExp(
            `^fd ${String(sock!.fileno())} -> socket:\\[\\d+\\] \\(tcp 127\\.0\\.0\\.1:${String(port)} LISTEN\\)$`,
          ),
        ),
      ]);
      expect((error as Error).message).toMatch(/^the test left 1 file descriptor open:/);
    } finally {
      (sock as Socket | null)?.close();
    }
  });

  it('closes the fds of the handlers left on the IOLoop (allFds), and does not count them', async () => {
    const [a, b] = socketpair();
    const error = await lifeOf(new AsyncTestCase(), (t) => {
      t.ioloop.addHandler(a, () => {}, IOLoop.READ);
      b.close();
    });
    expect(error).toBeNull();
    expect(a.fileno()).toBe(-1);
  });

  it('says what to do when used outside a test', async () => {
    const t = new AsyncTestCase();
    expect(() => t.ioloop).toThrow(/no test is set up \(call setUp\(\) in beforeEach/);
    await t.setUp();
    await expect(t.setUp()).rejects.toThrow(/the last test was not torn down/);
    await t.tearDown();
    await t.tearDown(); // twice: harmless
    expect(() => new AsyncTestCase({ pendingTasks: 'ignore' as never })).toThrow(RangeError);
    expect(() => new AsyncTestCase({ mode: 'fast' as never })).toThrow(RangeError);
    expect(() => new AsyncTestCase({ checkFds: 1 as never })).toThrow(TypeError);
  });

  it('a subclass’s setUp and tearDown run around the case’s own (SetUpTearDownTest)', async () => {
    const events: string[] = [];
    class Inherit extends AsyncTestCase {
      override async setUp(): Promise<void> {
        await super.setUp();
        events.push(`setUp ${String(this.ioloop.asyncioLoop.isClosed())}`);
      }
      override async tearDown(): Promise<void> {
        events.push('tearDown');
        await super.tearDown();
      }
    }
    const t = new Inherit();
    await lifeOf(
      t,
      t.genTest(() => void events.push('test')),
    );
    expect(events).toEqual(['setUp false', 'test', 'tearDown']);
  });
});

// ─── AsyncHTTPTestCase ────────────────────────────────────────────────────────────────────────

/** A handler for RuleRouter that answers `body` with a Content-Length. */
function says(body: string) {
  return (request: HTTPServerRequest) => respond(request, body);
}

describe('AsyncHTTPTestCase', () => {
  const t = new AsyncHTTPTestCase(() => new RuleRouter([['/path', says('first')]]));
  let second: HTTPServer;
  let secondPort: number;

  beforeEach(async () => {
    await t.setUp();
    // Bind a second port (AsyncHTTPTestCaseTest.setUp).
    const [sock, port] = bindUnusedPort();
    second = new HTTPServer(new RuleRouter([['/path', says('second')]]));
    second.addSockets([sock]);
    secondPort = port;
  });

  afterEach(async () => {
    second.stop();
    await t.ioloop.runSync(() => second.closeAllConnections());
    await t.tearDown();
  });

  it('fetch(path) fetches from the test’s server (test_fetch_segment)', async () => {
    const response = await t.fetch('/path');
    expect(response.request.url).toBe(t.getUrl('/path'));
    expect(t.getUrl('/path')).toBe(`http://127.0.0.1:${String(t.getHttpPort())}/path`);
    expect(response.body.toString()).toBe('first');
  });

  it('fetch(url) takes an absolute URL as it is (test_fetch_full_http_url)', async () => {
    const url = `http://127.0.0.1:${String(secondPort)}/path`;
    const response = await t.fetch(url);
    expect(response.request.url).toBe(url);
    expect(response.body.toString()).toBe('second');
  });

  it('a status outside 2xx is a response, unless raiseError', async () => {
    const response = await t.fetch('/missing');
    expect(response.code).toBe(404);
    await expect(t.fetch('/missing', { raiseError: true })).rejects.toBeInstanceOf(HTTPClientError);
  });

  it(
    'a genTest body uses the client itself; fetch() says so',
    t.genTest(function* (t) {
      const response = yield* t.httpClient.fetch(t.getUrl('/path'));
      expect(response.body.toString()).toBe('first');
      expect(() => t.fetch('/path')).toThrow(
        /runs the loop, which is running already .*yield\* t\.httpClient\.fetch/,
      );
    }),
  );

  it('has a new port, server and client for each test', () => {
    expect(t.httpServer).toBeInstanceOf(HTTPServer);
    expect(t.httpClient.closed).toBe(false);
    expect(t.app).toBeInstanceOf(RuleRouter);
  });
});

describe('AsyncHTTPTestCase set-up and tear-down', () => {
  it('the teardown lets go of the app and the server (test_tear_down_releases_app_and_http_server)', async () => {
    const t = new AsyncHTTPTestCase(() => hello);
    let client = null as unknown as { closed: boolean };
    await lifeOf(t, (t) => {
      expect(t.app).toBe(hello);
      client = t.httpClient;
    });
    expect(() => t.app).toThrow(/no test is set up/);
    expect(() => t.httpServer).toThrow(/no test is set up/);
    expect(client.closed).toBe(true);
  });

  it('closes the connections the test left open (keep-alive), and reports none', async () => {
    const t = new AsyncHTTPTestCase(() => hello);
    const error = await lifeOf(t, async (t) => {
      await t.fetch('/');
      expect(t.httpClient.stats.idle).toBe(1);
      expect(t.httpServer.connectionCount).toBe(1);
    });
    expect(error).toBeNull();
  });

  it('a subclass overrides getApp and getHttpServerOptions; without either getApp fails', async () => {
    class Subclassed extends AsyncHTTPTestCase {
      override getApp() {
        return (request: HTTPServerRequest) => respond(request, String(request.remoteIp));
      }
      override getHttpServerOptions() {
        return { xheaders: true };
      }
    }
    await lifeOf(new Subclassed(), async (t) => {
      const response = await t.fetch('/', { headers: { 'X-Real-Ip': '10.1.2.3' } });
      expect(response.body.toString()).toBe('10.1.2.3');
    });
    const bare = new AsyncHTTPTestCase();
    await expect(bare.setUp()).rejects.toThrow(/give new AsyncHTTPTestCase\(\) a getApp function/);
    await bare.tearDown();
  });
});

describe('AsyncHTTPSTestCase', () => {
  const t = new AsyncHTTPSTestCase(
    () => (request: HTTPServerRequest) => respond(request, request.protocol),
  );
  beforeEach(() => t.setUp());
  afterEach(() => t.tearDown());

  it('serves over TLS with the test certificate, and the client accepts it', async () => {
    const response = await t.fetch('/');
    expect(response.code).toBe(200);
    expect(response.effectiveUrl).toBe(`https://127.0.0.1:${String(t.getHttpPort())}/`);
    expect(response.body.toString()).toBe('https');
  });

  it('its certificate is the repository’s test server certificate', () => {
    const tls = fileURLToPath(new URL('../../../tooling/fixtures/tls/', import.meta.url));
    expect(CERTIFICATE).toBe(readFileSync(`${tls}server.pem`, 'utf8'));
    expect(PRIVATE_KEY).toBe(readFileSync(`${tls}server.key`, 'utf8'));
    const files = AsyncHTTPSTestCase.defaultSslOptions() as { certfile: string; keyfile: string };
    expect(readFileSync(files.certfile, 'utf8')).toBe(CERTIFICATE);
    expect(readFileSync(files.keyfile, 'utf8')).toBe(PRIVATE_KEY);
  });
});

// ─── expectLog ────────────────────────────────────────────────────────────────────────────────

describe('expectLog', () => {
  let root: ReturnType<typeof recorder>;
  let app: ReturnType<typeof recorder>;
  beforeEach(() => {
    root = recorder();
    app = recorder();
    addHandler(getLogger(), root);
    addHandler(appLog, app);
  });
  afterEach(() => {
    removeHandler(getLogger(), root);
    removeHandler(appLog, app);
  });

  it('keeps the matching records of its logger from every handler, and counts them', () => {
    const expected = expectLog(appLog, /Uncaught exception/);
    appLog.error('Uncaught exception in GET /');
    appLog.error('something else');
    appLog.error(new Error('boom'), 'Uncaught exception again');
    expect(expected.matched).toBe(2);
    expect(expected.loggedStack).toBe(true);
    expected.close();
    expect(app.messages()).toEqual(['something else']);
    expect(root.messages()).toEqual(['something else']);
    // Closed: the handlers are as they were.
    expect(getHandlers(appLog)).toEqual([app]);
    expect(getHandlers(getLogger())).toEqual([root]);
    appLog.error('Uncaught exception, after');
    expect(app.messages()).toEqual(['something else', 'Uncaught exception, after']);
  });

  it('fails at close() when nothing matched, unless required: false', () => {
    const expected = expectLog('tornado.application', 'never logged');
    expect(() => expected.close()).toThrow(ExpectLogError);
    expect(() => expected.close()).not.toThrow(); // closed already
    expectLog(appLog, 'never logged', { required: false }).close();
    expect(getHandlers(appLog)).toEqual([app]);
  });

  it('matches at the start of the message, as re.match', () => {
    const expected = expectLog(appLog, /exception/, { required: false });
    appLog.error('Uncaught exception');
    expected.close();
    expect(expected.matched).toBe(0);
    expect(app.messages()).toEqual(['Uncaught exception']);
  });

  it('matches only its logger’s own records, not a child logger’s', () => {
    const child = getLogger('tornado.application.child');
    const expected = expectLog(appLog, /x/);
    child.error('x from the child');
    appLog.error('x from the parent');
    expected.close();
    expect(app.messages()).toEqual(['x from the child']);
  });

  it('with a level: lowers the logger’s level while open, matches only that level, then puts the level back', () => {
    const gen = recorder();
    addHandler(genLog, gen);
    try {
      expect(genLog.level).toBe('warn'); // the root's
      const expected = expectLog(genLog, /Malformed HTTP message/, { level: 'info' });
      expect(genLog.level).toBe('info');
      genLog.info('Malformed HTTP message from 127.0.0.1');
      genLog.warn('Malformed HTTP message at the wrong level');
      expected.close();
      expect(expected.matched).toBe(1);
      expect(gen.messages()).toEqual(['Malformed HTTP message at the wrong level']);
      expect(app.messages()).toEqual([
        'Got expected log message "Malformed HTTP message at the wrong level" at unexpected level (INFO vs WARNING)',
      ]);
      // It follows the root again, as before.
      expect(genLog.level).toBe('warn');
      setLevel(getLogger(), 'error');
      expect(genLog.level).toBe('error');
    } finally {
      setLevel(getLogger(), 'warning');
      removeHandler(genLog, gen);
    }
  });

  it('keeps matched records from the last resort too, and lets it print the others', () => {
    removeHandler(getLogger(), root);
    removeHandler(appLog, app);
    const logger = getLogger('aio.testing.lonely');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const expected = expectLog(logger, /expected/);
    logger.error('expected failure');
    logger.error('unexpected failure');
    expected.close();
    expect(stderr.mock.calls.map(([line]) => String(line))).toEqual(['unexpected failure\n']);
  });

  it('closed out of order, each ExpectLog takes only its own layers away', () => {
    const outer = expectLog(appLog, /a/);
    const inner = expectLog(appLog, /b/);
    appLog.error('a');
    appLog.error('b');
    outer.close();
    appLog.error('a again');
    inner.close();
    appLog.error('b again');
    expect(app.messages()).toEqual(['a again', 'b again']);
    expect(getHandlers(appLog)).toEqual([app]);
    expect(getHandlers(getLogger())).toEqual([root]);
  });

  it('a test case’s teardown closes what a failed test left open', async () => {
    await lifeOf(new AsyncTestCase(), () => {
      expectLog(appLog, /never/);
    });
    expect(getHandlers(appLog)).toEqual([app]);
  });

  it('refuses a bad logger, pattern or level', () => {
    expect(() => expectLog(42 as never, /x/)).toThrow(TypeError);
    expect(() => expectLog(appLog, 42 as never)).toThrow(TypeError);
    expect(() => expectLog(appLog, /x/, { level: 35 })).toThrow(RangeError);
    expect(() => expectLog(appLog, /x/, { level: 'loud' as never })).toThrow(RangeError);
  });
});

// ─── inject ───────────────────────────────────────────────────────────────────────────────────

/** Writes the response head by hand: status, reason and headers as given. */
function answer(
  request: HTTPServerRequest,
  code: number,
  reason: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): void {
  void request.connection!.writeHeaders(
    new ResponseStartLine('HTTP/1.1', code, reason),
    new HTTPHeaders(headers),
    body,
  );
  request.connection!.finish();
}

/** The application the two ways of asking are compared on. */
function app(): RuleRouter {
  return new RuleRouter([
    ['/', (request) => respond(request, 'Hello world', 200, { 'Content-Type': 'text/plain' })],
    [
      '/form',
      (request) => {
        const args: Record<string, string[]> = {};
        for (const [name, values] of Object.entries(request.arguments)) {
          args[name] = values.map((value) => value.toString());
        }
        respond(request, JSON.stringify(args), 200, { 'Content-Type': 'application/json' });
      },
    ],
    [
      '/stream',
      function* (request) {
        const connection = request.connection!;
        void connection.writeHeaders(
          new ResponseStartLine('HTTP/1.1', 200, 'OK'),
          new HTTPHeaders({ 'Content-Type': 'text/plain' }),
        );
        for (const piece of ['one ', 'two ', 'three']) {
          yield connection.write(piece);
          yield gen.sleep(2);
        }
        connection.finish();
      },
    ],
    [
      '/headers',
      (request) => {
        const pairs = [...request.headers.getAll()].filter(([name]) => name !== 'Host');
        respond(request, JSON.stringify(pairs));
      },
    ],
    [
      '/gzip',
      (request) => {
        const text = 'compressible '.repeat(100);
        if (request.headers.get('Accept-Encoding')?.includes('gzip') === true) {
          answer(
            request,
            200,
            'OK',
            { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' },
            gzipSync(text),
          );
        } else respond(request, text);
      },
    ],
    ['/big', (request) => respond(request, Buffer.alloc(300_000, 'x'))],
    ['/empty', (request) => answer(request, 204, 'No Content', {})],
    [
      '/moved',
      (request) => answer(request, 302, 'Found', { Location: '/', 'Content-Length': '0' }),
    ],
    ['/teapot', (request) => answer(request, 418, 'I Am A Teapot', { 'X-Many': 'a' }, '')],
  ]);
}

/** What the comparison looks at. */
function view(response: HTTPResponse) {
  return {
    code: response.code,
    reason: response.reason,
    headers: [...response.headers.getAll()].filter(
      ([name]) => name !== 'Date' && name !== 'Server',
    ),
    body: response.body.toString('latin1'),
  };
}

describe('inject', () => {
  const t = new AsyncHTTPTestCase(app);
  beforeEach(() => t.setUp());
  afterEach(() => t.tearDown());

  /** [what, method, path, fetch options (inject takes the same)] */
  const requests: [string, string, string, Record<string, unknown>][] = [
    ['plain GET', 'GET', '/', {}],
    ['POST form body', 'POST', '/form?q=1', { body: 'a=1&b=two&b=3' }],
    ['404 (no rule)', 'GET', '/missing', {}],
    ['a streaming handler writing chunks', 'GET', '/stream', {}],
    ['HEAD', 'HEAD', '/', {}],
    [
      'the request headers the handler sees',
      'POST',
      '/headers',
      { body: 'x', headers: { 'X-Test': 'yes' } },
    ],
    ['a gzip body, inflated', 'GET', '/gzip', {}],
    ['a gzip body, not asked for', 'GET', '/gzip', { decompressResponse: false }],
    ['a large body', 'GET', '/big', {}],
    ['204', 'GET', '/empty', {}],
    ['a redirect, not followed', 'GET', '/moved', { followRedirects: false }],
    ['a status of its own', 'PUT', '/teapot', { body: '' }],
    ['a method the server refuses (405)', 'FOO', '/', { allowNonstandardMethods: true }],
    ['100-continue', 'POST', '/form', { body: 'c=4', expect100Continue: true }],
  ];

  it.each(requests)(
    'gives the response a socket gives: %s',
    async (_what, method, path, options) => {
      const wire = await t.fetch(path, { method, ...options });
      const { followRedirects: _, allowNonstandardMethods: __, ...injectOptions } = options;
      const injected = await t.inject(method, path, injectOptions);
      expect(view(injected)).toEqual(view(wire));
    },
  );

  it('… and those responses are what they should be', async () => {
    const stream = await t.inject('GET', '/stream');
    expect(stream.headers.get('Transfer-Encoding')).toBe('chunked');
    expect(stream.body.toString()).toBe('one two three');
    const head = await t.inject('HEAD', '/');
    expect(head.headers.get('Content-Length')).toBe('11');
    expect(head.body.length).toBe(0);
    const form = await t.inject('POST', '/form?q=1', { body: 'a=1&b=two&b=3' });
    expect(JSON.parse(form.body.toString())).toEqual({ q: ['1'], a: ['1'], b: ['two', '3'] });
    const seen = await t.inject('POST', '/headers', { body: 'x' });
    expect(JSON.parse(seen.body.toString())).toEqual([
      ['User-Agent', 'aio-tornado'],
      ['Content-Length', '1'],
      ['Content-Type', 'application/x-www-form-urlencoded'],
      ['Accept-Encoding', 'gzip'],
    ]);
    const gzipped = await t.inject('GET', '/gzip');
    expect(gzipped.body.toString()).toBe('compressible '.repeat(100));
    expect(gzipped.headers.get('X-Consumed-Content-Encoding')).toBe('gzip');
    expect((await t.inject('FOO', '/')).code).toBe(405);
    expect((await t.inject('GET', '/missing')).code).toBe(404);
  });

  it('takes (method, url, options), { method, url, … } and an HTTPRequest alike', async () => {
    const byArgs = await t.inject('POST', '/form', { body: 'a=1' });
    const byObject = await t.inject({ method: 'POST', url: '/form', body: 'a=1' });
    const request = new HTTPRequest('http://127.0.0.1/form', { method: 'POST', body: 'a=1' });
    const byRequest = await t.inject(request);
    expect(view(byObject)).toEqual(view(byArgs));
    expect(view(byRequest)).toEqual(view(byArgs));
    expect(byRequest.request).toBe(request); // the caller's, left as it was
    expect(request.headers.has('User-Agent')).toBe(false);
    expect(byArgs.request.headers.get('User-Agent')).toBe('aio-tornado'); // as sent
    expect(byArgs.effectiveUrl).toBe('http://127.0.0.1/form');
  });

  it(
    'runs on the running loop: yield* in a genTest body',
    t.genTest(function* (t) {
      const response = yield* inject(t.app, 'GET', '/');
      expect(response.body.toString()).toBe('Hello world');
      expect(() => t.inject('GET', '/')).toThrow(/yield\* inject\(t\.app, …\)/);
    }),
  );

  it('raiseError: true fails for a status outside 2xx', async () => {
    const error = await failureOf(t.inject('GET', '/missing', { raiseError: true }));
    expect(error).toBeInstanceOf(HTTPClientError);
    expect((error as HTTPClientError).code).toBe(404);
  });

  it('an absolute URL gives the Host, and https the protocol', async () => {
    const seen: string[] = [];
    const probe = (request: HTTPServerRequest) => {
      seen.push(`${request.protocol} ${request.host} ${request.uri} ${String(request.remoteIp)}`);
      respond(request, '');
    };
    await inject(probe, 'GET', 'https://example.com:8443/x?y=1');
    await inject(probe, 'GET', '/a/../b', { remoteIp: '10.9.8.7' });
    expect(seen).toEqual([
      'https example.com:8443 /x?y=1 127.0.0.1',
      'http 127.0.0.1 /a/../b 10.9.8.7', // sent as given
    ]);
  });
});

describe('inject without a test case', () => {
  it('where no loop runs, runs on a loop of its own and closes it', async () => {
    const response = await inject(hello, 'POST', '/', { body: 'abc' });
    expect(response.code).toBe(200);
    expect(response.body.toString()).toBe('Got 3 bytes in POST');
  });

  it('concurrent injections share that loop; one made from a continuation joins it', async () => {
    const slow = new RuleRouter([
      [
        '/sleep/([0-9]+)',
        function* (request, { pathArgs }) {
          yield gen.sleep(Number(pathArgs![0]!.toString()));
          respond(request, request.path);
        },
      ],
    ]);
    const bodies = await Promise.all(
      [30, 10, 20].map(async (ms) => {
        const first = await inject(slow, 'GET', `/sleep/${String(ms)}`);
        const second = await inject(slow, 'GET', `/sleep/${String(ms)}`);
        return `${first.body.toString()} ${second.body.toString()}`;
      }),
    );
    expect(bodies).toEqual(['/sleep/30 /sleep/30', '/sleep/10 /sleep/10', '/sleep/20 /sleep/20']);
  });

  it('goes through an HTTPServer as its connections do: xheaders, protocol, limits', async () => {
    const echoIp = (request: HTTPServerRequest) =>
      respond(request, `${request.protocol} ${String(request.remoteIp)}`);
    const server = new HTTPServer(echoIp, { xheaders: true, maxBodySize: 10 });
    try {
      const proxied = await inject(server, 'GET', '/', {
        headers: { 'X-Real-Ip': '10.0.0.1', 'X-Scheme': 'https' },
      });
      expect(proxied.body.toString()).toBe('https 10.0.0.1');
      const tooBig = await inject(server, 'POST', '/', { body: 'x'.repeat(11) });
      expect(tooBig.code).toBe(413);
      expect(tooBig.headers.get('Connection')).toBe('close');
    } finally {
      server.stop();
    }
  });

  it('tells the delegate the connection closed before giving the response', async () => {
    const events: string[] = [];
    const delegate: HTTPServerConnectionDelegate = {
      startRequest(_server: object, connection: HTTPConnection): HTTPMessageDelegate {
        events.push('startRequest');
        return {
          headersReceived: () => void events.push('headersReceived'),
          dataReceived: (chunk) => void events.push(`dataReceived ${chunk.toString()}`),
          finish() {
            events.push('finish');
            void connection.writeHeaders(
              new ResponseStartLine('HTTP/1.1', 200, 'OK'),
              new HTTPHeaders({ 'Content-Length': '0' }),
            );
            connection.finish();
          },
          onConnectionClose: () => void events.push('onConnectionClose'),
        };
      },
      onClose: () => void events.push('onClose'),
    };
    await inject(delegate, 'PUT', '/', { body: 'data' });
    // The server starts reading a second request on the kept-alive connection, which closes.
    expect(events).toEqual([
      'startRequest',
      'headersReceived',
      'dataReceived data',
      'finish',
      'startRequest',
      'onClose',
    ]);
  });

  it('an application that never answers: HTTPTimeoutError after requestTimeout, and it hears the close', async () => {
    let closed = false;
    const silent: HTTPServerConnectionDelegate = {
      startRequest: (_server, connection) => ({
        headersReceived: () => {},
        dataReceived: () => {},
        finish: () => http1(connection).setCloseCallback(() => (closed = true)),
        onConnectionClose: () => {},
      }),
    };
    const error = await failureOf(inject(silent, 'GET', '/', { requestTimeout: 20 }));
    expect(error).toBeInstanceOf(HTTPTimeoutError);
    expect(String(error)).toMatch(/Timeout during request/);
    expect(closed).toBe(true);
  });

  it('an application that fails: the connection closes, the failure is logged', async () => {
    const expected = expectLog(appLog, /Uncaught exception in the request callback for \/boom/);
    const error = await failureOf(
      inject(
        async () => {
          await Promise.resolve();
          throw new Error('boom');
        },
        'GET',
        '/boom',
      ),
    );
    expected.close();
    expect(error).toBeInstanceOf(HTTPStreamClosedError);
  });

  it('streamingCallback, headerCallback and bodyProducer of an HTTPRequest work as with fetch', async () => {
    const chunks: string[] = [];
    const lines: string[] = [];
    const request = new HTTPRequest('http://127.0.0.1/', {
      method: 'POST',
      bodyProducer: function* (write) {
        yield write('a=');
        yield gen.sleep(1);
        yield write('produced');
      },
      streamingCallback: (chunk) => void chunks.push(chunk.toString()),
      headerCallback: (line) => void lines.push(line),
    });
    const response = await inject(
      (r: HTTPServerRequest) =>
        respond(r, `${r.headers.get('Transfer-Encoding') ?? '-'} ${r.body.toString()}`),
      request,
    );
    expect(chunks.join('')).toBe('chunked a=produced');
    expect(response.body.length).toBe(0);
    expect(lines).toEqual(['HTTP/1.1 200 OK\r\n', 'Content-Length: 18\r\n', '\r\n']);
  });

  it('refuses what is not an application, a URL or a request', () => {
    expect(() => inject({} as never, 'GET', '/')).toThrow(TypeError);
    expect(() => inject(hello, 'GET', 'example.com/')).toThrow(TypeError);
    expect(() => inject(hello, { url: '/', method: 'GET', nonsense: 1 } as never)).toThrow(
      /unknown option nonsense/,
    );
    const proxied = new HTTPRequest('http://127.0.0.1/', { proxyHost: 'p', proxyPort: 1 });
    expect(() => inject(hello, proxied)).toThrow(/makes no connection/);
  });

  it('leaves no timer armed on the loop (an HTTPServer’s idle timeout included)', async () => {
    const loop = new TimerAuditLoop();
    class Audited extends AsyncTestCase {
      override getNewIOLoop(): IOLoop {
        return new IOLoop({ loop });
      }
    }
    const server = new HTTPServer(hello);
    await lifeOf(new Audited(), async (t) => {
      await t.ioloop.runSync(() => inject(server, 'GET', '/'));
      await t.ioloop.runSync(() => inject(hello, 'GET', '/', { requestTimeout: 60_000 }));
      expect(loop.armedTimers()).toEqual([]);
    });
  });
});
