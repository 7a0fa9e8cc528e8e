/**
 * The CommonJS twin of `esm.mts`: the same packages through their `require` condition (the
 * `.d.cts` declarations and the `.cjs` builds). Type-checked by `pnpm test:packed`, never run.
 */
import { DefaultSelector, EVENT_READ, socketpair, type SelectorKey } from '@aio/selector';
import { SSLContext, TLSVersion } from '@aio/selector/ssl';
import { EventLoop, LoopClosedError, type TimerHandle } from '@aio/loop';
import { Future, wrapPromise } from '@aio/future';
import { gather, run, sleep, Task, createTask, type StreamReader } from '@aio/coroutine';
import { concurrent, gen, ioloop, locks, log, netutil, queues } from '@aio/tornado';
import { ThreadPoolExecutor, workerFunction } from '@aio/tornado/concurrent';
import { multi, withTimeout } from '@aio/tornado/gen';
import { IOLoop, type Timeout } from '@aio/tornado/ioloop';
import { Lock } from '@aio/tornado/locks';
import { getLogger, type Logger } from '@aio/tornado/log';
import { Queue } from '@aio/tornado/queues';
import { bindSockets, isValidIp } from '@aio/tornado/netutil';

function* fetchPage(path: string): Generator<unknown, string> {
  yield* sleep(10);
  return path;
}

export function commonjs(f1: Future<number>, f2: Future<string>): void {
  const [a, b] = socketpair();
  const selector = new DefaultSelector<string>();
  const key: SelectorKey<string> = selector.register(b, EVENT_READ, 'b');
  expectType<Equal<typeof key.data, string>>();
  a.close();

  const loop = new EventLoop();
  const timer: TimerHandle = loop.callLater(1, () => undefined);
  timer.cancel();
  const wrapped = wrapPromise(Promise.resolve(1), loop);
  expectType<Equal<typeof wrapped, Future<number>>>();
  console.log(new LoopClosedError('closed').code);

  const pages = run(function* () {
    const both = yield* gather(fetchPage('/a'), fetchPage('/b'));
    expectType<Equal<typeof both, [string, string]>>();
    const task = createTask(fetchPage('/c'));
    expectType<Equal<typeof task, Task<string>>>();
    return both;
  });
  expectType<Equal<typeof pages, Promise<[string, string]>>>();

  const t: ioloop.Timeout = 1;
  const same: Timeout = t;
  const executor: concurrent.Executor = new ThreadPoolExecutor();
  const logger: log.Logger = getLogger('app');
  const lock: locks.Lock = new Lock();
  const queue: queues.Queue<number> = new Queue<number>();
  const reader: StreamReader | null = null;
  const child: Logger = logger;
  console.log(same, executor, lock, queue, reader, child);
  const sockets = bindSockets(0, '127.0.0.1');
  const resolver: netutil.Resolver = new netutil.NumericResolver();
  console.log(isValidIp('127.0.0.1'), resolver);
  for (const sock of sockets) sock.close();

  function* user(): Generator<unknown, void> {
    const pair = yield* multi([f1, f2]);
    expectType<Equal<typeof pair, [number, string]>>();
    const byKey = yield* gen.multi({ a: f1, b: f2 });
    expectType<Equal<typeof byKey, { a: number; b: string }>>();
    const one = yield* withTimeout(100, f1);
    expectType<Equal<typeof one, number>>();
  }
  const result = new IOLoop().runSync(function* () {
    yield* user();
    return 'done';
  });
  expectType<Equal<typeof result, Promise<string>>>();
  const job = workerFunction<(n: number) => number>(__filename, 'double');
  const doubled = executor.submit(job, 1);
  expectType<Equal<typeof doubled, Future<number>>>();

  const tls = new SSLContext('client');
  tls.minimumVersion = TLSVersion.TLSv1_3;
  expectType<Equal<typeof tls.verifyMode, 0 | 1 | 2>>();
}
