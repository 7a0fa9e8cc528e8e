/**
 * `StreamWriter`: asyncio's writer half of a stream connection (Python 3.12
 * `asyncio.streams.StreamWriter`). Writes go straight to the transport, which sends what it can
 * and buffers the rest; `drain()` is the flow control: a writer that waits on it after each
 * write keeps the transport's buffer near its high-water mark however slow the peer reads.
 */
import { inspect } from 'node:util';
import type { EventLoop } from '@aio/loop';
import { Future } from '@aio/future';
import type { StreamReader } from './reader';
import type { SocketTransport, StreamEndpoint } from './transport';

/**
 * Writes to a connection. Made by `openConnection()` and `startServer()`.
 * @example
 * ```ts
 * const [reader, writer] = yield* openConnection('127.0.0.1', 8888);
 * writer.write('hello\n');
 * yield* writer.drain();
 * const reply = yield* reader.readline();
 * writer.close();
 * yield* writer.waitClosed();
 * ```
 */
export class StreamWriter {
  readonly #transport: SocketTransport<StreamEndpoint>;
  readonly #reader: StreamReader | null;
  readonly #loop: EventLoop;

  constructor(
    transport: SocketTransport<StreamEndpoint>,
    reader: StreamReader | null,
    loop: EventLoop,
  ) {
    this.#transport = transport;
    this.#reader = reader;
    this.#loop = loop;
  }

  /** The transport written to (over a Socket, or an SSLSocket for a TLS connection). */
  get transport(): SocketTransport<StreamEndpoint> {
    return this.#transport;
  }

  /**
   * Sends `data` (a string as UTF-8), buffering what cannot go now. Call `drain()` after it.
   * @throws TransportClosedError after close(), writeEof() or a lost connection, or the socket's
   *   error if this very send fails
   */
  write(data: Uint8Array | string): void {
    this.#transport.write(data);
  }

  /** Writes each in turn. */
  writelines(list: Iterable<Uint8Array | string>): void {
    this.#transport.writelines(list);
  }

  /** Closes the write side once everything written is sent (the peer reads EOF). */
  writeEof(): void {
    this.#transport.writeEof();
  }

  canWriteEof(): boolean {
    return this.#transport.canWriteEof();
  }

  /**
   * Done at once while the transport's buffer is under its high-water mark, else when it falls
   * to the low mark. Fails with the reader's error, or if the connection is lost.
   */
  drain(): Future<void> {
    const error = this.#reader?.exception() ?? null;
    if (error !== null) {
      const failed = new Future<void>(this.#loop);
      failed.setException(error);
      return failed;
    }
    return this.#transport.drain();
  }

  /** Flushes what is buffered, then closes the connection. */
  close(): void {
    this.#transport.close();
  }

  isClosing(): boolean {
    return this.#transport.isClosing();
  }

  /** Done once the socket is closed; fails with the error if the connection ended with one. */
  waitClosed(): Future<void> {
    return this.#transport.whenClosed();
  }

  /**
   * `'peername'`, `'sockname'`, `'socket'`, `'sslObject'` (a TLS connection's SSLSocket) … from
   * the transport, else `fallback`.
   */
  getExtraInfo(name: string, fallback?: unknown): unknown {
    return this.#transport.getExtraInfo(name, fallback);
  }

  /** `<StreamWriter transport=<SocketTransport …> reader=<StreamReader …>>` */
  toString(): string {
    const parts = ['StreamWriter', `transport=${this.#transport.toString()}`];
    if (this.#reader !== null) parts.push(`reader=${this.#reader.toString()}`);
    return `<${parts.join(' ')}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'StreamWriter';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
