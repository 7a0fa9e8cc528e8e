/**
 * A stranger's ES module using every package and every tornado subpath, as the READMEs show.
 * `pnpm test:packed` type-checks it against the packed, npm-installed packages (strict, nodenext,
 * no skipLibCheck); it is never run. `cjs.cts` is the CommonJS twin.
 *
 * Each `expectType<Equal<…>>()` pins a type a user relies on; each `@ts-expect-error` pins a
 * mistake the types must catch. The cases under "tornado" are the ones the published types once
 * got wrong.
 */
import {
  BlockingIOError,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  Socket,
  socketpair,
  Waker,
  type SelectorKey,
} from '@aio/selector';
import {
  EventLoop,
  getRunningLoop,
  LoopClosedError,
  NoRunningLoopError,
  type Handle,
  type TimerHandle,
} from '@aio/loop';
import {
  CancelledError,
  Future,
  sockConnect,
  sockRecv,
  sockSendall,
  toPromise,
  wrapPromise,
} from '@aio/future';
import {
  createTask,
  gather,
  Lock,
  openConnection,
  Queue,
  run,
  sleep,
  startServer,
  Task,
  waitFor,
  withLock,
  type StreamReader,
  type StreamWriter,
} from '@aio/coroutine';
import { concurrent, gen, ioloop, iostream, locks, log, netutil, queues } from '@aio/tornado';
import * as concurrentSubpath from '@aio/tornado/concurrent';
import * as genSubpath from '@aio/tornado/gen';
import { IOLoop, PeriodicCallback, timedelta, type Timeout } from '@aio/tornado/ioloop';
import * as locksSubpath from '@aio/tornado/locks';
import { appLog, enablePrettyLogging, getLogger, type Logger } from '@aio/tornado/log';
import * as queuesSubpath from '@aio/tornado/queues';
import {
  OverrideResolver,
  Resolver,
  addAcceptHandler,
  bindSockets,
  isValidIp,
  type ResolvedAddress,
} from '@aio/tornado/netutil';
import { IOStream, SSLIOStream, StreamClosedError } from '@aio/tornado/iostream';
import { CERT_REQUIRED, SSLContext, createDefaultContext } from '@aio/selector/ssl';
import { TCPServer } from '@aio/tornado/tcpserver';
import { TCPClient } from '@aio/tornado/tcpclient';
import { cpuCount, forkProcesses, taskId } from '@aio/tornado/process';

// ─── @aio/selector ─────────────────────────────────────────────────────────────────────────────

export function selectorApi(): void {
  const [a, b] = socketpair();
  const selector = new DefaultSelector<string>();
  const key: SelectorKey<string> = selector.register(b, EVENT_READ | EVENT_WRITE, 'b');
  expectType<Equal<typeof key.data, string>>();
  for (const [ready, events] of selector.select(0)) {
    expectType<Equal<typeof ready.data, string>>();
    expectType<Equal<typeof events, number>>();
  }
  const sent: number = a.send(Buffer.from('x'));
  const got = b.recv(1);
  expectType<Equal<typeof got, Buffer>>();
  try {
    new Socket().connect(['127.0.0.1', 8080]);
  } catch (error) {
    if (error instanceof BlockingIOError) console.log(error.code, sent);
  }
  const waker = new Waker();
  waker.wake();
  // @ts-expect-error a port is a number
  a.connect(['127.0.0.1', '8080']);
  selector.close();
}

// ─── @aio/loop ─────────────────────────────────────────────────────────────────────────────────

export async function loopApi(): Promise<void> {
  const loop = new EventLoop({ mode: 'blocking' });
  const handle: Handle = loop.callSoon(() => loop.stop());
  const timer: TimerHandle = loop.callLater(10, (n: number) => n + 1, 1);
  expectType<Equal<typeof timer.when, number>>();
  // @ts-expect-error the callback's arguments are checked
  loop.callLater(10, (n: number) => n + 1, 'one');
  handle.cancel();
  await loop.runForever();
  const running: EventLoop = getRunningLoop();
  console.log(running, new LoopClosedError('x').code, new NoRunningLoopError('x').code);
  // @ts-expect-error there is no 'threaded' mode
  new EventLoop({ mode: 'threaded' });
}

// ─── @aio/future ───────────────────────────────────────────────────────────────────────────────

export async function futureApi(loop: EventLoop, sock: Socket): Promise<void> {
  const future = new Future<number>(loop);
  future.setResult(42);
  const viaAwait = await future;
  expectType<Equal<typeof viaAwait, number>>();
  expectType<Equal<ReturnType<typeof future.result>, number>>();
  // @ts-expect-error a Future<number> takes a number
  future.setResult('42');
  function* viaYieldStar(): Generator<unknown, number> {
    const n = yield* future;
    expectType<Equal<typeof n, number>>();
    return n;
  }
  const wrapped = wrapPromise(Promise.resolve('x'), loop);
  expectType<Equal<typeof wrapped, Future<string>>>();
  const promised = toPromise(future);
  expectType<Equal<typeof promised, Promise<number>>>();
  await sockConnect(loop, sock, ['127.0.0.1', 8080]);
  await sockSendall(loop, sock, Buffer.from('GET / HTTP/1.0\r\n\r\n'));
  const reply = await sockRecv(loop, sock, 4096);
  expectType<Equal<typeof reply, Buffer>>();
  console.log(viaYieldStar, new CancelledError().code);
}

// ─── @aio/coroutine ────────────────────────────────────────────────────────────────────────────

function* fetchPage(path: string): Generator<unknown, string> {
  yield* sleep(10);
  return `<html>${path}</html>`;
}

export async function coroutineApi(): Promise<void> {
  const pages = await run(function* main() {
    const first = yield* fetchPage('/');
    const rest = yield* gather(fetchPage('/1'), fetchPage('/2'));
    expectType<Equal<typeof rest, [string, string]>>();
    return [first, ...rest];
  });
  expectType<Equal<typeof pages, string[]>>();

  const n = await run(async () => {
    const task = createTask(fetchPage('/'), { name: 'fetch' });
    expectType<Equal<typeof task, Task<string>>>();
    const page = await waitFor(task, 1000);
    expectType<Equal<typeof page, string>>();
    return page.length;
  });
  expectType<Equal<typeof n, number>>();

  await run(function* () {
    const queue = new Queue<string>();
    yield* queue.put('/a');
    const path = yield* queue.get();
    expectType<Equal<typeof path, string>>();
    // @ts-expect-error a Queue<string> holds strings
    yield* queue.put(1);
    const lock = new Lock();
    const locked = yield* withLock(lock, function* () {
      yield* sleep(1);
      return 1;
    });
    expectType<Equal<typeof locked, number>>();
  });

  await run(function* () {
    const server = yield* startServer(
      function* echo(reader: StreamReader, writer: StreamWriter) {
        writer.write(yield* reader.readline());
        yield* writer.drain();
      },
      '127.0.0.1',
      0,
    );
    const [reader, writer] = yield* openConnection('127.0.0.1', 8888);
    expectType<Equal<typeof reader, StreamReader>>();
    writer.close();
    server.close();
  });
}

// ─── @aio/tornado ──────────────────────────────────────────────────────────────────────────────

export async function tornadoApi(f1: Future<number>, f2: Future<string>): Promise<void> {
  // Types from the namespaces of the root are types (they once came out as `declare const`).
  const t: ioloop.Timeout | undefined = undefined;
  const parts: ioloop.TimedeltaParts = { seconds: 1 };
  const delta: gen.Timedelta = ioloop.timedelta(parts);
  const executor: concurrent.Executor | null = null;
  const shutdown: concurrent.ShutdownOptions = { wait: false };
  const logger: log.Logger = log.appLog;
  const lockTimeout: locks.Timeout = delta;
  const queueTimeout: queues.Timeout = 100;
  const fn: concurrent.AnyFunction = () => 1;
  const worker: concurrent.WorkerFunction<(n: number) => number> | null = null;
  const future: concurrent.Future<number> = f1;
  const loopOfIo: ioloop.IOLoop = IOLoop.current();
  console.log(t, executor, shutdown, logger, lockTimeout, queueTimeout, fn, worker, future);

  // The same names from the subpaths are the same types.
  expectType<Equal<typeof concurrentSubpath.Future, typeof concurrent.Future>>();
  expectType<Equal<genSubpath.Timeout, Timeout>>();
  expectType<Equal<locksSubpath.Lock, locks.Lock>>();
  expectType<Equal<queuesSubpath.Queue<number>, queues.Queue<number>>>();
  const child: Logger = getLogger('tornado.application.child');
  appLog.info('%s', child);

  const fetch = gen.coroutine(function* fetch(path: string) {
    const page = (yield f2) as string;
    return `${path}: ${page}`;
  });
  const fetched = fetch('/');
  expectType<Equal<typeof fetched, Future<string>>>();

  // gen.multi: each child's result in its place, for arrays (tuples) and objects.
  function* multiUser(): Generator<unknown, void> {
    const pair = yield* gen.multi([f1, f2]);
    expectType<Equal<typeof pair, [number, string]>>();
    const numbers = yield* gen.multi([f1, f1, f1] as Future<number>[]);
    expectType<Equal<typeof numbers, number[]>>();
    const byKey = yield* gen.multi({ a: f1, b: f2 });
    expectType<Equal<typeof byKey, { a: number; b: string }>>();
    // @ts-expect-error the results are numbers, not futures
    const wrong: Future<number>[] = yield* gen.multi([f1, f1]);
    console.log(wrong);

    // gen.withTimeout: the result of what it waits for.
    const page = yield* gen.withTimeout(timedelta({ seconds: 1 }), fetch('/'));
    expectType<Equal<typeof page, string>>();
    const fromPromise = yield* gen.withTimeout(100, Promise.resolve(1));
    expectType<Equal<typeof fromPromise, number>>();
    const both = yield* gen.withTimeout(100, [f1, f2]);
    expectType<Equal<typeof both, [number, string]>>();
    yield gen.sleep(10);
    yield gen.moment;
  }

  // IOLoop.runSync: the result of the Future, promise or coroutine fn returns.
  const io = new IOLoop();
  const fromGenerator = await io.runSync(function* () {
    yield gen.sleep(1);
    return 42;
  });
  expectType<Equal<typeof fromGenerator, number>>();
  const fromCoroutine = await io.runSync(() => fetch('/'), { timeout: 5_000 });
  expectType<Equal<typeof fromCoroutine, string>>();
  const fromAsync = await io.runSync(async () => 'done');
  expectType<Equal<typeof fromAsync, string>>();
  const fromValue = await io.runSync(() => 7);
  expectType<Equal<typeof fromValue, number>>();
  const fromFutures = await io.runSync(() => [f1, f2] as const);
  expectType<Equal<typeof fromFutures, [number, string]>>();
  // @ts-expect-error runSync's timeout is a number of milliseconds
  await io.runSync(() => 1, { timeout: '5s' });
  io.close();

  const ticker = new PeriodicCallback(() => console.log('tick'), 100);
  ticker.start();
  ticker.stop();
  const pool = new concurrentSubpath.ThreadPoolExecutor({ maxWorkers: 2 });
  const job = concurrentSubpath.workerFunction<(n: number) => number>(import.meta.url, 'double');
  const doubled = pool.submit(job, 21);
  expectType<Equal<typeof doubled, Future<number>>>();
  // @ts-expect-error the job takes a number
  pool.submit(job, 'x');
  await pool.shutdown();
  const lock = new locksSubpath.Lock();
  const releaser = await lock.acquire(timedelta({ seconds: 1 }));
  releaser.release();
  const q = new queuesSubpath.Queue<number>(2);
  await q.put(1, timedelta({ milliseconds: 100 }));
  const item = await q.get();
  expectType<Equal<typeof item, number>>();
  const logging = enablePrettyLogging({ logging: 'info' });
  logging.close();
  console.log(multiUser, loopOfIo);

  const [listener] = bindSockets(0, '127.0.0.1', { backlog: 16 });
  const stopAccepting = addAcceptHandler(listener, (conn, address) => {
    console.log(address);
    conn.close();
  });
  stopAccepting();
  listener.close();
  const valid: boolean = isValidIp('::1');
  const resolver = new OverrideResolver(new Resolver(), { 'example.com': '127.0.0.1' });
  const found = await resolver.resolve('example.com', 80);
  expectType<Equal<typeof found, ResolvedAddress[]>>();
  const viaRoot: netutil.Resolver = resolver;
  console.log(valid, viaRoot);

  const [a, b] = socketpair();
  const stream = new IOStream(a, { maxBufferSize: 1024 * 1024 });
  const line = await stream.readUntil('\n', 100);
  expectType<Equal<typeof line, Buffer>>();
  const count = await stream.readInto(new Uint8Array(4), { partial: true });
  expectType<Equal<typeof count, number>>();
  const wrote: Future<void> = stream.write('x');
  const closedError: iostream.StreamClosedError = new StreamClosedError(null);
  console.log(wrote, closedError.realError, stream.error);
  stream.close();
  b.close();

  class Echo extends TCPServer {
    override *handleStream(s: IOStream): Generator<unknown, void, unknown> {
      for (;;) yield* s.write(yield* s.readUntil('\n'));
    }
  }
  const echo = new Echo({ maxBufferSize: 1024 });
  echo.listen(0, '127.0.0.1');
  const connected = await new TCPClient().connect('127.0.0.1', 1, { timeout: 1_000 });
  expectType<Equal<typeof connected, IOStream>>();
  echo.stop();

  // TLS: a context from @aio/selector/ssl, or tornado's dictionary camelCased.
  const context: SSLContext = createDefaultContext('serverAuth');
  context.setAlpnProtocols(['http/1.1']);
  const tlsServer = new Echo({ sslOptions: { certfile: 'cert.pem', keyfile: 'key.pem' } });
  tlsServer.stop();
  const viaNetutil: netutil.SSLContext = context;
  const secure = await new TCPClient().connect('localhost', 443, { sslOptions: context });
  if (secure instanceof SSLIOStream) {
    const agreed: string | null = secure.selectedAlpnProtocol();
    const version: string | null = secure.version();
    console.log(agreed, version, secure.getPeerCertificate()?.subject, viaNetutil);
  }
  const upgraded = await stream.startTls(
    false,
    { caCerts: 'ca.pem', certReqs: CERT_REQUIRED },
    'example.com',
  );
  expectType<Equal<typeof upgraded, SSLIOStream>>();
  // @ts-expect-error tornado's snake_case keys are camelCased here
  void new TCPClient().connect('localhost', 443, { sslOptions: { ca_certs: 'ca.pem' } });
  const workers: number = cpuCount();
  const id: number | null = taskId();
  if (id === null && workers > 64)
    expectType<Equal<Awaited<ReturnType<typeof forkProcesses>>, number>>();
}
