/**
 * The fuzzing peer's end of one case's connection, after Autobahn's WebSocketProtocol with the
 * fuzzer's options (`failByDrop = False`): it runs the case's script, records what the peer
 * under test does, answers pings, and plays the closing handshake by the book, noting who
 * started it, whether it completed (`wasClean`), and the close code that came back.
 *
 * States: `open` → `closing` (a close frame went out, ours first or in reply) → `closed` (the TCP
 * connection is gone). Who closes the TCP connection (RFC 6455 §7.1.1): the server, right after
 * the closing handshake. So as a client this peer waits a moment for the server to drop it, and
 * drops it itself when it does not (`droppedByMe`, an unclean end); as a server it drops at once.
 *
 * A frame from the peer under test that breaks the protocol (a masked frame from a server, RSV
 * bits nobody negotiated, a fragmented control frame, invalid UTF-8…) fails the connection: a
 * close frame, then the drop, with the violation remembered for the report.
 *
 * Waits are shorter than Autobahn's seconds, because loopback answers in microseconds:
 * `closeAfter` sends a ping after the script and closes once it is ponged (everything before it
 * has been answered), with a time limit as Autobahn's timer; `killAfter` fails a connection the
 * peer under test left hanging.
 */
import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import {
  describeEvent,
  judge,
  sameEvents,
  verdictOf,
  type Behavior,
  type CaseDefinition,
  type CaseEvent,
  type CaseResult,
  type CaseRun,
  type ConnectionEnd,
  type ExpectedClose,
  type Role,
  type SendFrame,
} from './case';
import {
  FrameReader,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  closePayload,
  encodeFrame,
  payloadOf,
  type Frame,
} from './frames';
import type { Opened } from './handshake';
import { compress, decompress } from './ws-internals';

/** How long a close frame of ours waits for the answer before the drop (Autobahn: closeHandshakeTimeout). */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 1000;
/** How long a client waits for the server to drop TCP after the closing handshake. */
const SERVER_DROP_TIMEOUT_MS = 1000;
/** After the sentinel pong, how long to let an asynchronous answer still arrive. */
const SENTINEL_GRACE_MS = 5;
/** A case that is not over after this long is a hang. */
export const DEFAULT_CASE_TIMEOUT_MS = 6000;
const SENTINEL = Buffer.from('aio-fuzz-sentinel');
/** How many octets of each direction the report keeps. */
const WIRE_LOG_OCTETS = 160;

export class FuzzEndpoint implements CaseRun {
  readonly received: CaseEvent[] = [];
  behavior: Behavior = 'FAILED';
  result = 'Actual events differ from any expected.';
  suppressClose = false;
  state: 'open' | 'closing' | 'closed' = 'open';

  readonly #expected = new Map<'OK' | 'NON-STRICT', CaseEvent[]>();
  #expectedClose: ExpectedClose = { closedByMe: true, codes: [1000], requireClean: true };
  readonly #end: ConnectionEnd = {
    connectionWasOpen: true,
    closedByMe: false,
    droppedByMe: false,
    wasClean: false,
    wasNotCleanReason: null,
    remoteCloseCode: null,
    remoteCloseReason: null,
    violation: null,
  };
  readonly #timers = new Set<NodeJS.Timeout>();
  #sending: Promise<void> = Promise.resolve();
  #delivering: Promise<void> = Promise.resolve();
  #message: { opcode: number; parts: Buffer[]; compressed: boolean } | null = null;
  #closeAfterPending = false;
  #messageHandler: ((data: Buffer, binary: boolean) => void) | null = null;
  readonly #reader: FrameReader;
  readonly #tx: Buffer[] = [];
  readonly #rx: Buffer[] = [];
  #txLength = 0;
  #rxLength = 0;
  readonly #closed: Promise<void>;
  readonly #started = Date.now();

  constructor(
    readonly role: Role,
    private readonly socket: Socket,
    private readonly opened: Opened,
    private readonly definition: CaseDefinition,
  ) {
    this.#reader = new FrameReader(
      (frame, length) => this.#onHeader(frame, length),
      (frame) => this.#onFrame(frame),
    );
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#onConnectionLost();
        resolve();
      });
    });
    socket.on('error', () => {}); // a reset ends in 'close' as well
    socket.on('data', (chunk: Buffer) => {
      this.#log(this.#rx, chunk, 'rx');
      this.#reader.push(chunk);
    });
  }

  get deflate(): boolean {
    return this.opened.deflate !== null;
  }

  /** Runs the case to the end of the connection and judges it. */
  async run(timeoutMs: number): Promise<CaseResult> {
    this.#after(timeoutMs, () => {
      if (this.state === 'closed') return;
      this.#end.wasNotCleanReason ??= `the case did not end within ${timeoutMs} ms`;
      this.result = `hang: the case did not end within ${timeoutMs} ms`;
      this.#drop();
    });
    try {
      this.definition.run(this);
    } catch (error) {
      this.result = `the case's script threw: ${String(error)}`;
      this.#drop();
    }
    if (this.opened.rest.length > 0) {
      this.#log(this.#rx, this.opened.rest, 'rx');
      this.#reader.push(this.opened.rest);
    }
    this.socket.resume();
    await this.#closed;
    await this.#delivering.catch(() => {});
    this.opened.deflate?.cleanup();
    const outcome = judge(
      this.role,
      this.received,
      this.#expected,
      this.#expectedClose,
      this.#end,
      this.behavior,
      this.result,
    );
    this.definition.judge?.(outcome);
    const expected: Record<string, string[]> = {};
    for (const [name, events] of this.#expected) expected[name] = events.map(describeEvent);
    return {
      id: this.definition.id,
      description: this.definition.description,
      expectation: this.definition.expectation,
      verdict: verdictOf(outcome),
      behavior: outcome.behavior,
      behaviorClose: outcome.behaviorClose,
      result: outcome.result,
      resultClose: outcome.resultClose,
      expected,
      received: this.received.map(describeEvent),
      end: this.#end,
      expectedClose: this.#expectedClose,
      extensions: this.opened.extensions,
      sentHex: Buffer.concat(this.#tx).toString('hex'),
      receivedHex: Buffer.concat(this.#rx).toString('hex'),
      durationMs: Date.now() - this.#started,
    };
  }

  // ─── What a case does ──────────────────────────────────────────────────────────────────────

  expect(behavior: 'OK' | 'NON-STRICT', events: CaseEvent[]): void {
    this.#expected.set(behavior, events);
  }

  expectClose(close: ExpectedClose): void {
    this.#expectedClose = close;
  }

  sendFrame(frame: SendFrame): void {
    const bytes = encodeFrame(frame, this.role === 'client');
    this.#enqueue(() => this.#write(bytes, frame.chopSize, frame.sync ?? false));
  }

  handleMessages(handler: (data: Buffer, binary: boolean) => void): void {
    this.#messageHandler = handler;
  }

  encode(frame: SendFrame): Buffer {
    return encodeFrame(frame, this.role === 'client');
  }

  sendRaw(bytes: Buffer): void {
    this.#enqueue(() => this.#write(bytes));
  }

  sendMessage(
    payload: Buffer | string,
    { binary = false, fragmentSize }: { binary?: boolean; fragmentSize?: number } = {},
  ): void {
    const data = payloadOf({ opcode: 0, payload });
    const deflate = this.opened.deflate;
    this.#enqueue(async () => {
      const body = deflate === null ? data : await compress(deflate, data);
      const size = fragmentSize ?? Math.max(body.length, 1);
      const frames: Buffer[] = [];
      for (let at = 0; at === 0 || at < body.length; at += size) {
        frames.push(
          encodeFrame(
            {
              opcode: at === 0 ? (binary ? OP_BINARY : OP_TEXT) : OP_CONTINUATION,
              fin: at + size >= body.length,
              rsv: at === 0 && deflate !== null ? 4 : 0,
              payload: body.subarray(at, at + size),
            },
            this.role === 'client',
          ),
        );
      }
      await this.#write(Buffer.concat(frames), undefined, false);
    });
  }

  sendClose(code?: number, reason?: Buffer | string): void {
    this.sendCloseFrame(code, reason);
  }

  sendCloseFrame(code?: number, reason?: Buffer | string, isReply = false): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    if (!isReply) {
      this.#end.closedByMe = true;
      this.#after(CLOSE_HANDSHAKE_TIMEOUT_MS, () => {
        if (this.state === 'closed' || this.#end.wasClean) return;
        this.#end.wasNotCleanReason = 'the peer did not answer our close frame in time';
        this.#drop();
      });
    }
    const bytes = encodeFrame(
      { opcode: OP_CLOSE, payload: closePayload(code, reason) },
      this.role === 'client',
    );
    this.#enqueue(() => this.#write(bytes, undefined, false));
  }

  flushed(): Promise<void> {
    return this.#sending;
  }

  continueLater(ms: number, fn: () => void, tag?: string): void {
    this.#after(ms, () => {
      if (this.state === 'closed') return;
      try {
        fn();
      } catch (error) {
        this.result = `the case's script threw at ${tag ?? 'a later step'}: ${String(error)}`;
        this.#drop();
      }
    });
  }

  killAfter(ms: number): void {
    this.#after(ms, () => {
      if (this.state === 'closed') return;
      if (this.state === 'open') this.#fail(1001);
      else this.#drop();
    });
  }

  closeAfter(ms: number): void {
    if (this.state !== 'open') return; // a closing handshake is already under way
    this.#closeAfterPending = true;
    this.#enqueue(() =>
      this.#write(encodeFrame({ opcode: OP_PING, payload: SENTINEL }, this.role === 'client')),
    );
    this.#after(ms, () => this.#closeNow());
  }

  // ─── Reading ───────────────────────────────────────────────────────────────────────────────

  /** Checks a frame's header as soon as it is complete: fail fast. */
  #onHeader(frame: Omit<Frame, 'payload'>, length: number): boolean {
    if (this.state === 'closed') return false;
    const control = frame.opcode >= 8;
    const violation = ((): string | null => {
      if (frame.rsv !== 0) {
        const compressedStart =
          frame.rsv === 4 &&
          this.deflate &&
          (frame.opcode === OP_TEXT || frame.opcode === OP_BINARY) &&
          this.#message === null;
        if (!compressedStart) return `RSV bits ${frame.rsv} on opcode ${frame.opcode}`;
      }
      if (this.role === 'client' && frame.masked) return 'a masked frame from the server';
      if (this.role === 'server' && !frame.masked) return 'an unmasked frame from the client';
      if (control) {
        if (!frame.fin) return `a fragmented control frame (opcode ${frame.opcode})`;
        if (length > 125) return `a control frame of ${length} octets`;
        if (frame.opcode > OP_PONG) return `reserved control opcode ${frame.opcode}`;
        if (frame.opcode === OP_CLOSE && length === 1)
          return 'a close frame with a 1-octet payload';
        return null;
      }
      if (frame.opcode > OP_BINARY) return `reserved data opcode ${frame.opcode}`;
      if (frame.opcode === OP_CONTINUATION && this.#message === null)
        return 'a continuation frame with no message to continue';
      if (frame.opcode !== OP_CONTINUATION && this.#message !== null)
        return `a new data frame (opcode ${frame.opcode}) inside a fragmented message`;
      return null;
    })();
    if (violation === null) return true;
    this.#protocolViolation(violation, 1002);
    return false;
  }

  #onFrame(frame: Frame): boolean {
    if (this.state === 'closed') return false;
    switch (frame.opcode) {
      case OP_PING:
        this.#deliver(() => this.#record({ kind: 'ping', data: frame.payload }));
        this.#enqueue(() =>
          this.#write(
            encodeFrame({ opcode: OP_PONG, payload: frame.payload }, this.role === 'client'),
          ),
        );
        return true;
      case OP_PONG:
        if (frame.payload.equals(SENTINEL)) {
          this.#deliver(() => this.#after(SENTINEL_GRACE_MS, () => this.#closeNow()));
          return true;
        }
        this.#deliver(() => this.#record({ kind: 'pong', data: frame.payload }));
        return true;
      case OP_CLOSE:
        this.#deliver(() => this.#onCloseFrame(frame.payload));
        return false; // nothing after a close frame is read
      default: {
        if (frame.opcode !== OP_CONTINUATION)
          this.#message = { opcode: frame.opcode, parts: [], compressed: frame.rsv === 4 };
        const message = this.#message!;
        message.parts.push(frame.payload);
        if (!frame.fin) return true;
        this.#message = null;
        const deflate = this.opened.deflate;
        const whole = Buffer.concat(message.parts);
        const binary = message.opcode === OP_BINARY;
        this.#deliver(async () => {
          let data: Buffer = whole;
          if (message.compressed) {
            try {
              data = await decompress(deflate!, whole);
            } catch (error) {
              this.#protocolViolation(
                `a compressed message that does not inflate: ${String(error)}`,
                1007,
              );
              return;
            }
          }
          if (!binary && !isUtf8(data)) {
            this.#protocolViolation('a text message that is not valid UTF-8', 1007);
            return;
          }
          if (this.#messageHandler !== null) this.#messageHandler(data, binary);
          else this.#record({ kind: 'message', data, binary });
        });
        return true;
      }
    }
  }

  #onCloseFrame(payload: Buffer): void {
    if (this.state === 'closed') return;
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
    const reason = payload.length > 2 ? payload.subarray(2) : null;
    this.#end.remoteCloseCode = code;
    this.#end.remoteCloseReason = reason;
    const badReason = reason !== null && !isUtf8(reason);
    if (this.state === 'open' && ((code !== null && !validCloseCode(code)) || badReason)) {
      // The peer under test starts the closing handshake with a close frame that is itself a
      // violation: Autobahn's protocol fails the connection (so it was not the peer's doing).
      this.#protocolViolation(
        badReason ? 'a close reason that is not valid UTF-8' : `invalid close code ${code}`,
        badReason ? 1007 : 1002,
      );
      return;
    }
    // In answer to ours, whatever code came is kept as it came: the case judges it (WRONG CODE).
    if (badReason) this.#end.violation ??= 'a close reason that is not valid UTF-8';
    this.#end.wasClean = true;
    if (this.state === 'open') {
      // The peer under test starts the closing handshake (or fails the connection): answer it.
      this.sendCloseFrame(1000, undefined, true);
    }
    if (this.role === 'server') {
      this.#enqueue(() => {
        this.#drop();
        return Promise.resolve();
      });
    } else {
      this.#after(SERVER_DROP_TIMEOUT_MS, () => {
        if (this.state === 'closed') return;
        this.#end.wasClean = false;
        this.#end.wasNotCleanReason =
          'the server did not drop the TCP connection after the closing handshake';
        this.#drop();
      });
    }
  }

  #record(event: CaseEvent): void {
    this.received.push(event);
    this.#finishWhenDone();
  }

  /** Autobahn's finishWhenDone: the events match every expected list, so close. */
  #finishWhenDone(): void {
    for (const events of this.#expected.values()) if (!sameEvents(events, this.received)) return;
    if (this.#expectedClose.closedByMe && !this.suppressClose)
      this.sendClose(this.#expectedClose.codes[0]);
  }

  #closeNow(): void {
    if (!this.#closeAfterPending) return;
    this.#closeAfterPending = false;
    if (this.state === 'open') this.sendClose();
  }

  #protocolViolation(what: string, code: number): void {
    this.#end.violation ??= what;
    this.#fail(code);
  }

  /** Fails the connection: a close frame (if none went out yet), then the drop. */
  #fail(code: number): void {
    this.#reader.stop();
    if (this.state === 'open') this.sendCloseFrame(code);
    this.#enqueue(() => {
      this.#drop();
      return Promise.resolve();
    });
  }

  #drop(): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    this.#end.droppedByMe = true;
    this.socket.destroy();
  }

  #onConnectionLost(): void {
    this.state = 'closed';
    this.#reader.stop();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (!this.#end.wasClean && !this.#end.droppedByMe)
      this.#end.wasNotCleanReason ??=
        'peer dropped the TCP connection without previous WebSocket closing handshake';
  }

  // ─── Writing ───────────────────────────────────────────────────────────────────────────────

  /** Writes in order: a compressed message waits for zlib, chopped writes for their turns. */
  #enqueue(step: () => Promise<void>): void {
    this.#sending = this.#sending.then(step).catch((error: unknown) => {
      this.result = `sending failed: ${String(error)}`;
    });
  }

  /** Delivers events in order (an inflated message may take a moment). */
  #deliver(step: () => void | Promise<void>): void {
    this.#delivering = this.#delivering.then(step).catch((error: unknown) => {
      this.result = `receiving failed: ${String(error)}`;
    });
  }

  async #write(bytes: Buffer, chopSize?: number, sync = false): Promise<void> {
    if (this.socket.destroyed) return;
    this.#log(this.#tx, bytes, 'tx');
    if (chopSize === undefined || chopSize <= 0) {
      this.socket.write(bytes);
      if (sync) await turn();
      return;
    }
    // Small chops each get a turn of the loops, so the peer reads them one by one; large
    // chopped payloads (9.5.x: 1 MiB in 64-octet writes) are separate writes back to back.
    const yieldEach = Math.ceil(bytes.length / chopSize) <= 256;
    for (let at = 0; at < bytes.length; at += chopSize) {
      if (this.socket.destroyed) return;
      this.socket.write(bytes.subarray(at, at + chopSize));
      if (yieldEach) await turn();
    }
  }

  #log(into: Buffer[], chunk: Buffer, which: 'tx' | 'rx'): void {
    const have = which === 'tx' ? this.#txLength : this.#rxLength;
    if (have >= WIRE_LOG_OCTETS) return;
    const part = chunk.subarray(0, WIRE_LOG_OCTETS - have);
    into.push(Buffer.from(part));
    if (which === 'tx') this.#txLength += part.length;
    else this.#rxLength += part.length;
  }

  #after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }
}

/** A close code a peer may send (RFC 6455 §7.4 and the IANA registry: 1012–1014 since). */
function validCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** One turn of Node's loop (and so of a hosted aio loop): the write reaches the peer alone. */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}
