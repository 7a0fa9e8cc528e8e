/**
 * What the built code prints, checked the way a user would see it: run by `pnpm test:packed`
 * against the installed packages, once with their ESM build (`import`) and once with their CJS
 * build (`require`). The tests run on `src`; this catches what only the bundler changes (a class
 * renamed `_Future`, an error class renamed `_class12`).
 *
 * It checks:
 * - the reprs the READMEs show: Future, Task, EventLoop, TimerHandle, Socket, selector, Server,
 *   StreamReader/StreamWriter, IOLoop, tornado's Lock and Queue;
 * - messages that name a class or a call (`IOLoop is closed: runSync() …`);
 * - that every exported class and function, of every entry point, is called by its exported name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

type Selector = typeof import('@aio/selector');
type Loop = typeof import('@aio/loop');
type FutureModule = typeof import('@aio/future');
type Coroutine = typeof import('@aio/coroutine');
type Tornado = typeof import('@aio/tornado');

interface Build {
  readonly selector: Selector;
  readonly loop: Loop;
  readonly future: FutureModule;
  readonly coroutine: Coroutine;
  readonly tornado: Tornado;
}

/** Every entry point a user can import: each `exports` key of each installed @aio package. */
const SPECIFIERS = readdirSync(join('node_modules', '@aio')).flatMap((dir) => {
  const json = JSON.parse(
    readFileSync(join('node_modules', '@aio', dir, 'package.json'), 'utf8'),
  ) as {
    name: string;
    exports: Record<string, unknown>;
  };
  return Object.keys(json.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? json.name : `${json.name}/${key.slice(2)}`));
});

/**
 * Exports whose `name` is not their exported name on purpose, in the sources too:
 * `DefaultSelector` is the best backend class itself, `run` is an arrow given `run.with`,
 * `HTTPRequest` is tornado's old name for `HTTPServerRequest` (tornado.httpserver keeps it; in
 * tornado.httpclient it is a class of its own); `HTTPError` is the old name of `HTTPClientError` in
 * tornado.httpclient and a class of its own in tornado.web.
 */
const NAMED_OTHERWISE: Record<string, RegExp> = {
  DefaultSelector: /^(Epoll|Kqueue|Poll|Select)Selector$/,
  run: /^$/,
  HTTPRequest: /^HTTP(Server)?Request$/,
  HTTPError: /^HTTP(Client)?Error$/,
};

const require = createRequire(import.meta.url);
const failures: string[] = [];
let checks = 0;

function expectRepr(build: string, what: string, actual: unknown, expected: RegExp): void {
  checks++;
  const text = String(actual);
  if (!expected.test(text)) failures.push(`${build}: ${what}: expected ${expected}, got ${text}`);
}

async function check(
  label: string,
  build: Build,
  load: (specifier: string) => Promise<object>,
): Promise<void> {
  const { selector, loop: aioLoop, future: aioFuture, coroutine, tornado } = build;

  const loop = new aioLoop.EventLoop();
  const future = new aioFuture.Future<number>(loop);
  expectRepr(label, 'a pending Future', future, /^<Future pending>$/);
  future.setResult(42);
  expectRepr(label, 'a finished Future', future, /^<Future finished result=42>$/);
  expectRepr(label, 'an EventLoop', loop, /^<EventLoop stopped mode=hosted>$/);
  expectRepr(
    label,
    'a TimerHandle',
    loop.callLater(10, function tick() {}),
    /^<TimerHandle when=[\d.]+ cb=tick\(\)>$/,
  );
  try {
    new aioFuture.Future(loop).result();
    failures.push(`${label}: result() of a pending Future did not throw`);
  } catch (error) {
    expectRepr(label, 'result() of a pending Future', (error as Error).name, /^InvalidStateError$/);
  }
  const io = new tornado.ioloop.IOLoop({ loop });
  expectRepr(label, 'an IOLoop', io, /^<IOLoop <EventLoop stopped mode=hosted>>$/);
  io.close();
  try {
    await io.runSync(() => 1);
    failures.push(`${label}: runSync() after close() did not throw`);
  } catch (error) {
    expectRepr(
      label,
      'runSync() after close()',
      `${(error as Error).name}: ${(error as Error).message}`,
      /^LoopClosedError: IOLoop is closed: runSync\(\) on <IOLoop/,
    );
  }

  const sock = new selector.Socket();
  expectRepr(label, 'a Socket', sock, /^<Socket fd=\d+ AF_INET SOCK_STREAM/);
  sock.close();
  const sel = new selector.DefaultSelector();
  expectRepr(label, 'a selector', sel, /^<(Epoll|Kqueue|Poll|Select)Selector registered=0>$/);
  sel.close();

  await coroutine.run(function* main() {
    function* fetchPage(): Generator<unknown, string> {
      yield* coroutine.sleep(1);
      return 'page';
    }
    const task = coroutine.createTask(fetchPage(), { name: 'fetch-3' });
    expectRepr(label, 'a Task', task, /^<Task pending name=fetch-3 coro=fetchPage\(\)/);
    yield* task;
    const server = yield* coroutine.startServer(
      function* echo(_reader, writer) {
        writer.close();
      },
      '127.0.0.1',
      0,
    );
    expectRepr(label, 'a Server', server, /^<Server sockets=\[127\.0\.0\.1:\d+\] serving/);
    const [, port] = server.addresses()[0] as [string, number];
    const [reader, writer] = yield* coroutine.openConnection('127.0.0.1', port);
    expectRepr(label, 'a StreamReader', reader, /^<StreamReader/);
    expectRepr(label, 'a StreamWriter', writer, /^<StreamWriter transport=<SocketTransport fd=\d+/);
    writer.close();
    yield* writer.waitClosed();
    server.close();
    yield* server.waitClosed();
    expectRepr(label, "tornado's Lock", new tornado.locks.Lock(), /^<Lock unlocked>$/);
    expectRepr(label, "tornado's Queue", new tornado.queues.Queue(), /^<Queue maxsize=0 qsize=0>$/);
  });

  for (const specifier of SPECIFIERS) {
    const exports = (await load(specifier)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== 'function') continue;
      checks++;
      const allowed = NAMED_OTHERWISE[name];
      if (allowed !== undefined ? !allowed.test(value.name) : value.name !== name)
        failures.push(
          `${label}: ${specifier} exports ${name}, whose name is ${JSON.stringify(value.name)}`,
        );
    }
  }
}

await check(
  'ESM',
  {
    selector: await import('@aio/selector'),
    loop: await import('@aio/loop'),
    future: await import('@aio/future'),
    coroutine: await import('@aio/coroutine'),
    tornado: await import('@aio/tornado'),
  },
  (specifier) => import(specifier) as Promise<object>,
);
await check(
  'CJS',
  {
    selector: require('@aio/selector') as Selector,
    loop: require('@aio/loop') as Loop,
    future: require('@aio/future') as FutureModule,
    coroutine: require('@aio/coroutine') as Coroutine,
    tornado: require('@aio/tornado') as Tornado,
  },
  (specifier) => Promise.resolve(require(specifier) as object),
);

if (failures.length > 0) {
  console.error(failures.join('\n'));
  console.error(`${failures.length} of ${checks} checks failed`);
  process.exitCode = 1;
} else {
  console.log(`${checks} checks passed (ESM and CJS)`);
}
