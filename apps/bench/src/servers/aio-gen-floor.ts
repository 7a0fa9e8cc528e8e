/**
 * A reference point for `pnpm bench coroutine`: the floor of any coroutine echo server with
 * asyncio's `sock_recv` contract (each read returns bytes of its own).
 *
 *   aio-gen-floor.ts --mode hosted|blocking
 *
 * One generator per connection, as in the coroutine server, but with none of the machinery
 * around it: no Future per operation, no Task, no step scheduled on the loop. The connection's
 * reader (registered once) reads, copies the bytes into a Buffer of their own (as `sockRecv`
 * does: slices of a 16 KiB slab), and resumes the generator inline with them; the generator
 * sends the reply. So it differs from the callback server of `pnpm bench loop` only by the
 * generator and the copy, and from the coroutine server only by the Future/Task layer: the two
 * gaps, measured in one run.
 *
 * Speaks the bench servers' protocol: prints `{"port": N}` once listening, stops at stdin EOF.
 */
import { EventLoop } from '@aio/loop';
import { Socket, WOULD_BLOCK } from '@aio/selector';
import { runRawServer, serverArgs } from '../lib/serve';

const { mode, backlog } = serverArgs('aio-gen-floor.ts');
const loop = new EventLoop({ mode });

const SCRATCH = Buffer.allocUnsafe(64 * 1024);
const SLAB_SIZE = 16 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabUsed = 0;

/** The first `n` bytes of SCRATCH in a Buffer of their own (sockRecv's copy-out). */
function copyOut(n: number): Buffer {
  if (n > SLAB_SIZE >>> 2) return Buffer.from(SCRATCH.subarray(0, n));
  if (slabUsed + n > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed = (slabUsed + n + 7) & ~7;
  out.set(SCRATCH.subarray(0, n));
  return out;
}

/** What the connection's generator gets resumed with: data, or EOF (an empty Buffer). */
type Received = Buffer;

/** The connection, as the coroutine server writes it, minus futures: `data = yield`. */
function* handle(conn: Socket): Generator<void, void, Received> {
  for (;;) {
    const data = yield;
    if (data.length === 0) return;
    sendAll(conn, data);
  }
}

/** Sends all of `data`: at once in practice; the rest, if any, the blocking way (never here). */
function sendAll(conn: Socket, data: Buffer): void {
  let rest = data;
  while (rest.length > 0) {
    const sent = conn.trySend(rest);
    rest = sent === WOULD_BLOCK ? rest : rest.subarray(sent);
    if (sent === WOULD_BLOCK) {
      conn.setBlocking(true);
      conn.sendall(rest);
      conn.setBlocking(false);
      return;
    }
  }
}

function serve(conn: Socket, close: () => void): void {
  const gen = handle(conn);
  gen.next();
  loop.addReader(conn, () => {
    let n: number;
    try {
      n = conn.tryRecvInto(SCRATCH);
    } catch {
      n = 0; // reset by the peer: as good as EOF
    }
    if (n === WOULD_BLOCK) return;
    let done: boolean | undefined;
    try {
      done = gen.next(n === 0 ? Buffer.alloc(0) : copyOut(n)).done;
    } catch {
      done = true; // the peer went away mid-send
    }
    if (done === true) close();
  });
}

await runRawServer(loop, backlog, serve);
