/**
 * The load client of `pnpm bench websocket`, in a process of its own (pinned to the CPU the
 * servers do not use): WebSocket connections on raw `node:net` sockets, each doing its own
 * opening handshake, then sending frames built once before the run and counting the echoes by
 * their headers alone (`src/lib/ws-frames.ts`), so that a message costs the client one read and
 * one write and never a parse of its payload.
 *
 *   ws-load.mjs '{"mode": "echo", "port": N, …}'    (the fields: `LoadArgs` below)
 *
 * - `echo`: `connections` connections, each keeping `depth` messages in flight (send; on each
 *   echo, send the next; the answers to the echoes of one read go out in one write), for
 *   `warmupMs` unmeasured and then `durationMs` measured. Prints
 *   `{"event":"measuring"}` when the measured window opens (the harness reads the server's CPU
 *   time then) and, when it closes, the result (`EchoReport`): messages per second, latency
 *   percentiles, what the echoes were, and the client's own CPU time, which says whether the
 *   client was the bottleneck. The first echo of every connection and one in `sampleEvery` after
 *   are compared byte for byte with the message sent; with compression, every connection's first
 *   and the first 200 echoes of the first connection, inflated as the one stream they are (the
 *   server may keep its context from message to message).
 * - `idle`: opens `connections` connections (at most 256 handshakes at a time), each sending one
 *   message and reading its echo, prints `{"connected": n, …}` and holds them until a line on
 *   stdin; then each sends one more and reads its echo (the server kept them all open), prints
 *   `{"served": n, …}` and exits.
 * - `raw: true`: no handshake at all, for a plain TCP echo server, which sends the client's
 *   masked frames back as they are: the client's own ceiling, measured with the same loop.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import {
  acceptKey,
  clientFrame,
  compressMessage,
  FrameReader,
  inflateStream,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_TEXT,
  type FrameInfo,
} from '../lib/ws-frames';
import type { WsLoadArgs } from '../lib/ws-load';
import { binaryMessages, textMessages } from '../lib/ws-messages';

type LoadArgs = WsLoadArgs;

/** What the echo mode prints when its measured window closes. */
export interface EchoReport {
  readonly messagesPerSec: number;
  readonly messages: number;
  readonly seconds: number;
  readonly latencyUs: { p50: number; p90: number; p99: number; p999: number; max: number };
  /** Payload bytes of an echo, on average (less than the message's size when compressed). */
  readonly echoPayloadBytes: number;
  /** Echoes that came compressed (RSV1). */
  readonly compressedEchoes: number;
  /** The server's `Sec-WebSocket-Extensions` answer ('' for none). */
  readonly extensions: string;
  /** Whether the client sent compressed messages (the server accepted permessage-deflate). */
  readonly sentCompressed: boolean;
  readonly verified: number;
  readonly mismatches: number;
  readonly firstMismatch: string;
  readonly errors: number;
  readonly firstError: string;
  /** The client's CPU time (user + system) over the window ÷ the messages. */
  readonly clientCpuUsPerMessage: number;
  /** The client's CPU time over the window ÷ its wall time: 1.0 is its whole core. */
  readonly clientCores: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as LoadArgs;
if (!(args.mode === 'echo' || args.mode === 'idle') || !Number.isInteger(args.port)) {
  process.stderr.write(`ws-load.ts: bad arguments ${process.argv[2] ?? '(none)'}\n`);
  process.exit(2);
}

const messages =
  args.kind === 'binary'
    ? binaryMessages(args.variants, args.size)
    : textMessages(args.variants, args.size);
const opcode = args.kind === 'binary' ? OPCODE_BINARY : OPCODE_TEXT;
/** The frames of `messages`, plain and, by window bits, compressed: built once. */
const plainFrames = messages.map((m) => clientFrame(m, { opcode }));
const compressedFrames = new Map<number, Buffer[]>();
function framesFor(windowBits: number | null): Buffer[] {
  if (windowBits === null) return plainFrames;
  let frames = compressedFrames.get(windowBits);
  if (!frames) {
    frames = messages.map((m) =>
      clientFrame(compressMessage(m, windowBits), { opcode, rsv1: true }),
    );
    compressedFrames.set(windowBits, frames);
  }
  return frames;
}

// ─── errors and results ────────────────────────────────────────────────────────────────────

let errors = 0;
let firstError = '';
function fail(why: string): void {
  errors++;
  if (firstError === '') firstError = why;
}

let verified = 0;
let mismatches = 0;
let firstMismatch = '';
function check(what: string, got: Buffer, expected: Buffer): void {
  if (got.equals(expected)) {
    verified++;
    return;
  }
  mismatches++;
  if (firstMismatch === '') {
    let at = 0;
    while (at < got.length && at < expected.length && got[at] === expected[at]) at++;
    firstMismatch = `${what}: ${got.length} bytes where ${expected.length} were sent, first difference at byte ${at}`;
  }
}

/** Checks that compressed `payloads`, inflated as one stream, are `expected`. */
function checkInflated(what: string, payloads: readonly Buffer[], expected: Buffer): void {
  let inflated: Buffer;
  try {
    inflated = inflateStream(payloads);
  } catch (err) {
    mismatches++;
    firstMismatch ||= `${what}: does not inflate (${(err as Error).message})`;
    return;
  }
  check(what, inflated, expected);
}

/** Latencies in µs, in buckets 2% apart: percentiles without keeping every sample. */
class Histogram {
  static readonly #STEP = Math.log(1.02);
  readonly #counts = new Uint32Array(1200);
  #total = 0;
  #max = 0;

  add(us: number): void {
    const bucket = us <= 1 ? 0 : Math.min(Math.floor(Math.log(us) / Histogram.#STEP), 1199);
    this.#counts[bucket]!++;
    this.#total++;
    if (us > this.#max) this.#max = us;
  }

  /** The upper edge of the bucket holding the `q` quantile. */
  quantile(q: number): number {
    const rank = Math.ceil(q * this.#total);
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank && seen > 0) return Math.min(Math.exp((i + 1) * Histogram.#STEP), this.#max);
    }
    return this.#max;
  }

  get max(): number {
    return this.#max;
  }
}

// ─── a connection ──────────────────────────────────────────────────────────────────────────

interface Handshake {
  /** The server's `Sec-WebSocket-Extensions` ('' for none). */
  readonly extensions: string;
  /** `client_max_window_bits` when permessage-deflate was accepted (15 if it set none); else null. */
  readonly windowBits: number | null;
  /** Bytes after the handshake's answer: frames already. */
  readonly rest: Buffer;
}

/** The `permessage-deflate` parameters of an extensions header, or null when it has none. */
function deflateParameters(header: string): Map<string, string> | null {
  for (const offer of header.split(',')) {
    const [name, ...params] = offer.split(';').map((s) => s.trim());
    if (name !== 'permessage-deflate') continue;
    return new Map(
      params.map((p) => {
        const [key, value = ''] = p.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
        return [key!, value];
      }),
    );
  }
  return null;
}

/**
 * Where a connection's reads go: its handshake first, then its frame reader. Reads land in one
 * buffer shared by every socket (`onread`: no allocation and no stream machinery per read), so a
 * handler copies whatever it keeps.
 */
type ReadHandler = (chunk: Buffer) => void;
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Connects, and does the opening handshake unless `args.raw`. */
function open(): Promise<{
  socket: Socket;
  handshake: Handshake;
  route: (h: ReadHandler) => void;
}> {
  let handler: ReadHandler = () => {};
  const route = (h: ReadHandler): void => {
    handler = h;
  };
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: args.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buffer: Uint8Array) => {
          handler(Buffer.from(buffer.buffer, buffer.byteOffset, n));
          return true;
        },
      },
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no handshake within ${args.timeoutMs} ms`));
    }, args.timeoutMs);
    const done = (error: Error | null, handshake?: Handshake): void => {
      clearTimeout(timer);
      handler = () => {};
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve({ socket, handshake: handshake!, route });
      }
    };
    socket.once('error', (err) => done(err));
    socket.once('close', () => done(new Error('closed during the handshake')));
    if (args.raw) {
      socket.once('connect', () =>
        done(null, { extensions: '', windowBits: null, rest: Buffer.alloc(0) }),
      );
      return;
    }
    const key = randomBytes(16).toString('base64');
    socket.once('connect', () => {
      socket.write(
        `GET ${args.path} HTTP/1.1\r\nHost: 127.0.0.1:${args.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          (args.deflate
            ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n'
            : '') +
          '\r\n',
      );
    });
    let received = Buffer.alloc(0);
    handler = (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [status = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      if (!/^HTTP\/1\.1 101\b/.test(status)) {
        done(new Error(`handshake answered ${JSON.stringify(status)}`));
        return;
      }
      if (headers.get('sec-websocket-accept') !== acceptKey(key)) {
        done(new Error(`wrong Sec-WebSocket-Accept: ${headers.get('sec-websocket-accept')}`));
        return;
      }
      const extensions = headers.get('sec-websocket-extensions') ?? '';
      const deflate = deflateParameters(extensions);
      const bits = deflate?.get('client_max_window_bits');
      done(null, {
        extensions,
        windowBits: deflate ? (bits ? Number(bits) : 15) : null,
        rest: received.subarray(end + 4),
      });
    };
  });
}

/** How many compressed echoes of the first connection are kept, and inflated at the end. */
const STREAM_CHECK = 200;

class Connection {
  readonly reader: FrameReader;
  /** Send times and message indices of the messages in flight, oldest first (a ring). */
  readonly #sentAt: Float64Array;
  readonly #sentIndex: Int32Array;
  #head = 0;
  #inFlight = 0;
  /** Frames sent while a read is being handled, written together once it is. */
  readonly #unsent: Buffer[] = [];
  #reading = false;
  #sent = 0;
  received = 0;
  /** The compressed echoes kept for the stream check, and the messages they answer. */
  readonly #stream: Buffer[] = [];
  readonly #streamExpected: Buffer[] = [];
  onEcho: ((latencyUs: number, frame: FrameInfo) => void) | null = null;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    readonly frames: Buffer[],
    readonly handshake: Handshake,
    route: (handler: ReadHandler) => void,
    depth: number,
  ) {
    this.#sentAt = new Float64Array(depth);
    this.#sentIndex = new Int32Array(depth);
    this.reader = new FrameReader((frame) => this.#onFrame(frame));
    this.reader.keepNext();
    route((chunk) => {
      // The echoes of one read are answered together: with several messages in flight, their
      // frames go out in one writev (cork … uncork), one system call.
      this.#reading = true;
      this.reader.push(chunk);
      this.#reading = false;
      this.#flush();
    });
    socket.on('error', (err) => fail(`connection ${id}: ${err.message}`));
    socket.on('close', () => {
      if (!stopping) fail(`connection ${id}: closed by the server`);
    });
    if (handshake.rest.length > 0) this.reader.push(handshake.rest);
  }

  /** Sends the next message: now, or with the other echoes of the read being handled. */
  send(): void {
    const index = (this.id + this.#sent++) % this.frames.length;
    const slot = (this.#head + this.#inFlight++) % this.#sentAt.length;
    this.#sentAt[slot] = performance.now();
    this.#sentIndex[slot] = index;
    this.#unsent.push(this.frames[index]!);
    if (!this.#reading) this.#flush();
  }

  #flush(): void {
    const frames = this.#unsent;
    if (frames.length === 1) {
      this.socket.write(frames[0]!);
    } else if (frames.length > 1) {
      this.socket.cork();
      for (const frame of frames) this.socket.write(frame);
      this.socket.uncork();
    }
    frames.length = 0;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  #onFrame(frame: FrameInfo): void {
    if (frame.opcode === OPCODE_CLOSE) {
      fail(`connection ${this.id}: the server sent a close frame`);
      return;
    }
    if (frame.opcode !== opcode && frame.opcode !== 0) return; // a ping, a pong: not an echo
    if (!frame.fin) return; // a fragment: the message's last frame counts it
    if (this.#inFlight === 0) {
      fail(`connection ${this.id}: an echo of nothing sent`);
      return;
    }
    const latencyUs = (performance.now() - this.#sentAt[this.#head]!) * 1000;
    const expected = messages[this.#sentIndex[this.#head]!]!;
    this.#head = (this.#head + 1) % this.#sentAt.length;
    this.#inFlight--;
    const k = this.received++;
    const compressed = this.handshake.windowBits !== null;
    if (frame.payload && !frame.rsv1) {
      check(`echo ${k} on connection ${this.id}`, frame.payload, expected);
    } else if (frame.payload && this.id === 0) {
      this.#stream.push(frame.payload);
      this.#streamExpected.push(expected);
    } else if (frame.payload) {
      // A connection's first compressed echo refers to nothing before it: it inflates alone.
      checkInflated(`the first echo on connection ${this.id}`, [frame.payload], expected);
    }
    // Which echo to keep next. Uncompressed: one in `sampleEvery` (and every connection's
    // first, kept from the start). Compressed, a server that keeps its context from message to
    // message makes each echo refer to the ones before: the first connection's first 200 are
    // kept, to be inflated as the one stream they are at the end; of the others, the first.
    if (compressed ? this.id === 0 && k + 1 < STREAM_CHECK : (k + 1) % args.sampleEvery === 0) {
      this.reader.keepNext();
    }
    this.onEcho?.(latencyUs, frame);
  }

  /** Checks the compressed echoes kept, inflated as one stream, against the messages sent. */
  checkStream(): void {
    if (this.#stream.length === 0) return;
    checkInflated(
      `the first ${this.#stream.length} compressed echoes of connection ${this.id}, inflated`,
      this.#stream,
      Buffer.concat(this.#streamExpected),
    );
  }
}

let stopping = false;

/**
 * Opens `count` connections numbered from `firstId`, at most `parallel` handshakes at a time;
 * failures are counted.
 */
async function openAll(
  count: number,
  parallel: number,
  depth: number,
  firstId = 0,
): Promise<Connection[]> {
  const connections: Connection[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const id = firstId + next++;
      try {
        const { socket, handshake, route } = await open();
        connections.push(
          new Connection(id, socket, framesFor(handshake.windowBits), handshake, route, depth),
        );
      } catch (err) {
        fail(`connection ${id}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return connections.sort((a, b) => a.id - b.id);
}

function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ─── echo mode ─────────────────────────────────────────────────────────────────────────────

async function echo(): Promise<void> {
  const connections = await openAll(args.connections, args.connections, args.depth);
  if (errors > 0) {
    print({ error: `${errors} of ${args.connections} connections failed to open: ${firstError}` });
    return;
  }
  const histogram = new Histogram();
  let measuring = false;
  let running = true;
  let count = 0;
  let echoBytes = 0;
  let compressed = 0;
  for (const c of connections) {
    c.onEcho = (latencyUs, frame) => {
      if (measuring) {
        count++;
        echoBytes += frame.length;
        if (frame.rsv1) compressed++;
        histogram.add(latencyUs);
      }
      if (running) c.send();
    };
  }
  for (const c of connections) for (let i = 0; i < args.depth; i++) c.send();

  await sleep(args.warmupMs);
  print({ event: 'measuring' });
  measuring = true;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await sleep(args.durationMs);
  measuring = false;
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  running = false;
  stopping = true;
  for (const c of connections) c.checkStream();
  const cpuUs = used.user + used.system;
  const report: EchoReport = {
    messagesPerSec: count / seconds,
    messages: count,
    seconds,
    latencyUs: {
      p50: histogram.quantile(0.5),
      p90: histogram.quantile(0.9),
      p99: histogram.quantile(0.99),
      p999: histogram.quantile(0.999),
      max: histogram.max,
    },
    echoPayloadBytes: count > 0 ? echoBytes / count : 0,
    compressedEchoes: compressed,
    extensions: connections[0]?.handshake.extensions ?? '',
    sentCompressed: connections[0]?.handshake.windowBits != null,
    verified,
    mismatches,
    firstMismatch,
    errors,
    firstError,
    clientCpuUsPerMessage: count > 0 ? cpuUs / count : 0,
    clientCores: cpuUs / 1e6 / seconds,
  };
  print(report);
  for (const c of connections) c.socket.destroy();
}

// ─── idle mode ─────────────────────────────────────────────────────────────────────────────

/** Every connection sends one message and reads its echo; how many did within the timeout. */
async function pingAll(connections: readonly Connection[]): Promise<number> {
  let served = 0;
  await Promise.all(
    connections.map(
      (c) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            fail(`connection ${c.id}: no echo within ${args.timeoutMs} ms`);
            resolve();
          }, args.timeoutMs);
          c.onEcho = () => {
            served++;
            clearTimeout(timer);
            c.onEcho = null;
            resolve();
          };
          c.send();
        }),
    ),
  );
  return served;
}

async function idle(): Promise<void> {
  // Handshake and first echo together, at most 256 connections at a time.
  const connections: Connection[] = [];
  let connected = 0;
  for (let at = 0; at < args.connections; at += 256) {
    const batch = await openAll(Math.min(256, args.connections - at), 256, 1, at);
    connected += await pingAll(batch);
    connections.push(...batch);
  }
  print({ connected, errors, firstError, extensions: connections[0]?.handshake.extensions ?? '' });
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const line = await lines.next();
  if (line.done !== true) {
    const before = errors;
    const served = await pingAll(connections);
    print({ served, errors: errors - before, firstError });
  }
  stopping = true;
  for (const c of connections) c.socket.destroy();
  process.stdin.destroy();
}

await (args.mode === 'echo' ? echo() : idle());
