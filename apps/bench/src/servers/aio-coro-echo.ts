/**
 * The aio echo server for `pnpm bench coroutine`: one task per connection, written the way
 * asyncio's `loop.sock_recv`/`sock_sendall` servers are, on @aio/future's socket futures and
 * run by @aio/coroutine's `run`.
 *
 *   aio-coro-echo.ts --style generator|async --mode hosted|blocking
 *
 * `--style generator` (default) runs each connection as a generator coroutine
 * (`yield* sockRecv(…)`, `yield* sockSendall(…)`); `--style async` as an async function
 * (`await sockRecv(…)`, `await sockSendall(…)`). `--mode` is the loop's (default hosted).
 *
 * Speaks the bench servers' protocol: prints `{"port": N}` once listening, and stops when stdin
 * reaches EOF. Stdin is watched by the loop itself (a reader on fd 0), so the server stops in
 * blocking mode too, where Node's own stream events would not run while the loop waits. Then it
 * cancels the accept task and every connection task, waits for them, closes the listener, and
 * exits 0.
 */
import { createTask, gather, run, type Task } from '@aio/coroutine';
import { Future, sockAccept, sockRecv, sockSendall } from '@aio/future';
import { getRunningLoop, type EventLoop } from '@aio/loop';
import { IPPROTO_TCP, SO_REUSEADDR, SOL_SOCKET, Socket, TCP_NODELAY } from '@aio/selector';
import { announcePort, serverArgs, stdinClosed } from '../lib/serve';

const { mode, values } = serverArgs('aio-coro-echo.ts', {
  style: { type: 'string', default: 'generator' },
});
const style = values.style;
if (style !== 'generator' && style !== 'async') {
  process.stderr.write(
    `aio-coro-echo.ts: --style must be generator or async, got ${String(style)}\n`,
  );
  process.exit(2);
}

const READ_SIZE = 64 * 1024;

/** One connection as a generator coroutine. */
function* handleGenerator(loop: EventLoop, conn: Socket): Generator<unknown, void, unknown> {
  try {
    for (;;) {
      const data = yield* sockRecv(loop, conn, READ_SIZE);
      if (!data.length) break;
      yield* sockSendall(loop, conn, data);
    }
  } catch {
    // Reset by the peer (or cancelled at shutdown): either way the connection is over.
  } finally {
    conn.close();
  }
}

/**
 * The same connection as an async function. Cancelling its task aborts `signal`: that cancels
 * the socket future it awaits, so the function ends at once instead of waiting for more data.
 */
async function handleAsync(loop: EventLoop, conn: Socket, signal: AbortSignal): Promise<void> {
  let pending: Future | null = null;
  signal.addEventListener('abort', () => pending?.cancel(), { once: true });
  try {
    while (!signal.aborted) {
      const receiving = sockRecv(loop, conn, READ_SIZE);
      pending = receiving;
      const data = await receiving;
      if (!data.length || signal.aborted) break;
      const sending = sockSendall(loop, conn, data);
      pending = sending;
      await sending;
    }
  } catch {
    // Reset by the peer, or cancelled at shutdown: either way the connection is over.
  } finally {
    pending = null;
    conn.close();
  }
}

function* main(): Generator<unknown, void, unknown> {
  const loop = getRunningLoop();
  const connections = new Set<Task<void>>();

  const listener = new Socket();
  listener.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  listener.bind(['127.0.0.1', 0]);
  listener.listen(1024);
  listener.setBlocking(false);

  const acceptor = createTask(function* accept() {
    for (;;) {
      const [conn] = yield* sockAccept(loop, listener);
      conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      const task =
        style === 'generator'
          ? createTask(handleGenerator(loop, conn))
          : createTask((signal) => handleAsync(loop, conn, signal));
      connections.add(task);
      task.addDoneCallback(() => connections.delete(task));
    }
  });

  const stopped = stdinClosed(loop);

  const [, port] = listener.getsockname() as [string, number];
  announcePort(port);

  try {
    yield* stopped;
  } finally {
    const tasks = [acceptor, ...connections];
    for (const task of tasks) task.cancel();
    yield* gather(tasks, { returnExceptions: true });
    listener.close();
  }
}

await run.with({ mode })(main);
process.exitCode = 0;
