/**
 * The floor of `pnpm bench web`'s "Hello, world" case, reported beside the servers and judged by
 * no goal: the least any server on the aio loop can do per request on this machine.
 *
 *   web-floor.ts [--mode hosted|blocking] [--backlog N]
 *
 * It answers each request with the bytes aio's `web.Application` answers "Hello, world" with
 * (the same status line and headers: Server, Content-Type, Date, Etag, Content-Length, and the
 * body), made once and remade once a second for its Date, and it does no HTTP: it counts the
 * request heads in what it reads (each ends at CRLF CRLF, one may be split across reads) and
 * sends one response per head. No parse, no routing, no handler, no futures: the loop's
 * `addReader`, one `recv` and one `send` per request, as `aio-echo.ts` does for `pnpm bench
 * loop`. Requests with bodies are not its business (wrk's GETs have none).
 *
 * What it shows: the kernel's share of a request (the syscalls, the loopback TCP) and the loop's
 * leave the rest to the framework. A ratio to tornado no server here could pass is the floor's.
 *
 * Speaks the bench servers' protocol: prints `{"port": N}` once listening on 127.0.0.1, stops
 * when stdin reaches EOF (watched by the loop, so blocking mode stops too).
 */
import { createHash } from 'node:crypto';
import { EventLoop } from '@aio/loop';
import { Socket, WOULD_BLOCK } from '@aio/selector';
import { runRawServer, serverArgs } from '../lib/serve';

const BODY = 'Hello, world';
/** tornado's ETag of a body: its SHA-1, quoted (as aio's `RequestHandler.computeEtag`). */
const ETAG = `"${createHash('sha1').update(BODY).digest('hex')}"`;
/** What ends a request head. */
const HEAD_END = Buffer.from('\r\n\r\n');

/** aio's "Hello, world" response, with `date` as its Date. */
function response(date: Date): Buffer {
  return Buffer.from(
    'HTTP/1.1 200 OK\r\n' +
      'Server: TornadoServer/6.5\r\n' +
      'Content-Type: text/html; charset=UTF-8\r\n' +
      `Date: ${date.toUTCString()}\r\n` +
      `Etag: ${ETAG}\r\n` +
      `Content-Length: ${Buffer.byteLength(BODY)}\r\n` +
      '\r\n' +
      BODY,
    'latin1',
  );
}

const { mode, backlog } = serverArgs('web-floor.ts');
const loop = new EventLoop({ mode });
const buffer = Buffer.allocUnsafe(64 * 1024);
let answer = response(new Date());
/** Remakes the answer for its Date once a second, on the loop (so in blocking mode too). */
function remake(): void {
  answer = response(new Date());
  dateTimer = loop.callLater(1000, remake);
}
let dateTimer = loop.callLater(1000, remake);

/**
 * How many request heads end in `data`, given that the last read ended `matched` bytes into
 * CRLF CRLF; and how far into it this one ends.
 */
function countHeads(data: Buffer, matched: number): [heads: number, matched: number] {
  let heads = 0;
  let at = 0;
  // A head end split across reads: finish it byte by byte.
  while (matched > 0 && at < data.length) {
    if (data[at] !== HEAD_END[matched]) {
      matched = 0;
      break;
    }
    at++;
    if (++matched === HEAD_END.length) {
      heads++;
      matched = 0;
    }
  }
  for (let end = data.indexOf(HEAD_END, at); end !== -1; end = data.indexOf(HEAD_END, at)) {
    heads++;
    at = end + HEAD_END.length;
  }
  // The start of a head end at the very end of the read.
  for (let tail = Math.min(HEAD_END.length - 1, data.length - at); tail > 0; tail--) {
    if (data.subarray(data.length - tail).equals(HEAD_END.subarray(0, tail))) return [heads, tail];
  }
  return [heads, 0];
}

function serve(conn: Socket, close: () => void): void {
  let pending: Buffer | null = null;
  let matched = 0;

  const flush = (): void => {
    const sent = conn.trySend(pending!);
    if (sent === WOULD_BLOCK) return;
    pending = sent < pending!.length ? pending!.subarray(sent) : null;
    if (pending === null) {
      loop.removeWriter(conn);
      loop.addReader(conn, onReadable);
    }
  };

  const onReadable = (): void => {
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
    let heads: number;
    [heads, matched] = countHeads(buffer.subarray(0, n), matched);
    if (heads === 0) return;
    const out = heads === 1 ? answer : Buffer.concat(Array<Buffer>(heads).fill(answer));
    let sent: number;
    try {
      sent = conn.trySend(out);
    } catch {
      close();
      return;
    }
    if (sent === out.length) return;
    pending = out.subarray(sent === WOULD_BLOCK ? 0 : sent);
    loop.removeReader(conn);
    loop.addWriter(conn, flush);
  };

  loop.addReader(conn, onReadable);
}

await runRawServer(loop, backlog, serve);
dateTimer.cancel();
