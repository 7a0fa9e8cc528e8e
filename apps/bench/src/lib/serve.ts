/**
 * What the aio bench servers (`src/servers/aio-*.ts`) share: their command line and the bench
 * servers' protocol — print `{"port": N}` once listening on 127.0.0.1, stop when stdin reaches
 * EOF (the bench closes it to stop the server).
 *
 * The EOF is watched by the aio loop itself, a reader on fd 0, not by Node's `process.stdin`:
 * in blocking mode Node's own stream events do not run while the loop waits, and a server must
 * stop in both modes.
 */
import { readSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Future } from '@aio/future';
import type { EventLoop, LoopMode } from '@aio/loop';
import { IPPROTO_TCP, SO_REUSEADDR, SOL_SOCKET, Socket, TCP_NODELAY } from '@aio/selector';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ServerArgs<V> {
  /** `--mode hosted|blocking` (default hosted): the loop's run mode. */
  readonly mode: LoopMode;
  /** `--backlog N` (default 1024): listen()'s backlog. */
  readonly backlog: number;
  /** Every option parsed, the script's own (`extra`) included. */
  readonly values: V;
}

/**
 * `--mode` and `--backlog`, checked, and the script's own options (`extra`).
 * @throws exits the process with status 2, saying why, when an option is not valid
 */
export function serverArgs<E extends Options>(
  script: string,
  extra: E = {} as E,
): ServerArgs<Record<string, string | boolean | undefined>> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'hosted' },
      backlog: { type: 'string', default: '1024' },
      ...extra,
    },
  }) as { values: Record<string, string | boolean | undefined> };
  const fail = (message: string): never => {
    process.stderr.write(`${script}: ${message}\n`);
    process.exit(2);
  };
  const { mode } = values;
  if (mode !== 'hosted' && mode !== 'blocking') {
    return fail(`--mode must be hosted or blocking, got ${String(mode)}`);
  }
  const backlog = Number(values.backlog);
  if (!Number.isInteger(backlog) || backlog < 1) {
    return fail(`--backlog must be an integer >= 1, got ${String(values.backlog)}`);
  }
  return { mode, backlog, values };
}

/** Says where the server listens: the one line the bench waits for. */
export function announcePort(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

/**
 * A future settled when stdin reaches EOF (or fails: as good as closed), watched by `loop` with a
 * reader on fd 0, which is removed then.
 */
export function stdinClosed(loop: EventLoop): Future<void> {
  const closed = new Future<void>(loop);
  const scratch = Buffer.alloc(256);
  loop.addReader(0, () => {
    let n: number;
    try {
      n = readSync(0, scratch);
    } catch {
      n = 0;
    }
    if (n > 0 || closed.done()) return;
    loop.removeReader(0);
    closed.setResult();
  });
  return closed;
}

/**
 * What a bench server written straight on the loop and `Socket` does besides serving
 * (`aio-echo.ts`, `aio-gen-floor.ts`, `web-floor.ts`): listens on 127.0.0.1 (non-blocking,
 * `backlog`), hands each accepted connection (TCP_NODELAY) to `serve` with the function that
 * closes it, prints the port, runs `loop` until stdin's EOF, then closes every connection and the
 * loop.
 */
export async function runRawServer(
  loop: EventLoop,
  backlog: number,
  serve: (conn: Socket, close: () => void) => void,
): Promise<void> {
  const connections = new Set<Socket>();
  const close = (conn: Socket): void => {
    loop.removeReader(conn);
    loop.removeWriter(conn);
    connections.delete(conn);
    conn.close();
  };
  const listener = new Socket();
  listener.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  listener.bind(['127.0.0.1', 0]);
  listener.listen(backlog);
  listener.setBlocking(false);
  loop.addReader(listener, () => {
    for (let accepted = listener.tryAccept(); accepted !== null; accepted = listener.tryAccept()) {
      const [conn] = accepted;
      conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      connections.add(conn);
      serve(conn, () => close(conn));
    }
  });
  stdinClosed(loop).addDoneCallback(() => loop.stop());
  const [, port] = listener.getsockname() as [string, number];
  announcePort(port);
  await loop.runForever();
  for (const conn of connections) close(conn);
  loop.removeReader(listener);
  listener.close();
  loop.close();
}
