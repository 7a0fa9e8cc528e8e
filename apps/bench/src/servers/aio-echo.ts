/**
 * The aio echo server for `pnpm bench loop`: a TCP echo written directly on the loop's
 * `addReader`/`addWriter` and `Socket` (no streams, no futures), as asyncio's lowest level would.
 *
 *   aio-echo.ts --mode hosted|blocking
 *
 * Reads into one shared 64 KiB buffer and writes straight back; only what the kernel does not
 * take at once is copied and sent when the socket is writable again (reading pauses meanwhile).
 * Speaks the bench servers' protocol: prints `{"port": N}` once listening, and stops when stdin
 * reaches EOF. Stdin is watched by the loop itself (a reader on fd 0), so the server stops in
 * blocking mode too, where Node's own stream events would not run while the loop waits.
 */
import { EventLoop } from '@aio/loop';
import { Socket, WOULD_BLOCK } from '@aio/selector';
import { runRawServer, serverArgs } from '../lib/serve';

const { mode, backlog } = serverArgs('aio-echo.ts');
const loop = new EventLoop({ mode });
const buffer = Buffer.allocUnsafe(64 * 1024);
function serve(conn: Socket, close: () => void): void {
  let pending: Buffer | null = null;

  const flush = (): void => {
    const sent = conn.trySend(pending!);
    if (sent === WOULD_BLOCK) return;
    pending = sent < pending!.length ? pending!.subarray(sent) : null;
    if (pending === null) {
      loop.removeWriter(conn);
      loop.addReader(conn, echo);
    }
  };

  const echo = (): void => {
    let n: number;
    try {
      n = conn.tryRecvInto(buffer);
    } catch {
      close(); // reset by the peer
      return;
    }
    if (n === WOULD_BLOCK) return;
    if (n === 0) {
      close();
      return;
    }
    const data = n === buffer.length ? buffer : buffer.subarray(0, n);
    let sent: number;
    try {
      sent = conn.trySend(data);
    } catch {
      close();
      return;
    }
    if (sent === n) return;
    pending = Buffer.from(data.subarray(sent === WOULD_BLOCK ? 0 : sent));
    loop.removeReader(conn);
    loop.addWriter(conn, flush);
  };

  loop.addReader(conn, echo);
}

await runRawServer(loop, backlog, serve);
