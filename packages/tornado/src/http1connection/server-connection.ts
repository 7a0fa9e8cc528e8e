/**
 * tornado's `HTTP1ServerConnection`: an HTTP/1.x server's long-lived connection, reading one
 * request after another (keep-alive, pipelining: each is answered before the next is read) and
 * handing each to the server's delegate. Its one `Deadline` is shared by the requests' header and
 * body timeouts.
 */
import { Future } from '@aio/future';
import type { HTTPServerConnectionDelegate } from '../httputil/delegate';
import type { BaseIOStream } from '../iostream';
import { appLog } from '../log';
import { HTTP1Connection, type SharedConnectionState } from './connection';
import { Deadline } from './deadline';
import { connectionParams, type ConnectionParams, type HTTP1ConnectionParameters } from './params';

export class HTTP1ServerConnection {
  readonly stream: BaseIOStream;
  readonly params: ConnectionParams;
  readonly context: unknown;
  readonly #deadline: Deadline;
  #delegate: HTTPServerConnectionDelegate | null = null;
  #serving: Future<void> | null = null;
  /** The request being read or answered; null between requests. */
  #current: HTTP1Connection | null = null;
  #draining = false;
  /** What each request's connection shares with this one: made once, not per request. */
  readonly #shared: SharedConnectionState;

  constructor(
    stream: BaseIOStream,
    params?: HTTP1ConnectionParameters | ConnectionParams,
    context: unknown = null,
  ) {
    this.stream = stream;
    this.params = connectionParams(params, 'new HTTP1ServerConnection()');
    this.context = context;
    this.#deadline = new Deadline(stream.ioloop.asyncioLoop, () => {
      if (!stream.closed()) stream.close();
    });
    this.#shared = { deadline: this.#deadline, draining: () => this.#draining };
  }

  /**
   * Serves requests with `delegate` until the connection closes. Responses are written whole, so
   * Nagle's algorithm would only delay them: TCP_NODELAY stays on, as the socket transport sets
   * it (tornado turns it on and off around each response, two system calls per request).
   */
  startServing(delegate: HTTPServerConnectionDelegate): void {
    if (this.#serving !== null) throw new TypeError('HTTP1ServerConnection: serving already');
    this.#delegate = delegate;
    this.#serving = new Future<void>(this.stream.ioloop.asyncioLoop);
    this.#next();
  }

  // #region next-request
  #next(): void {
    if (this.stream.closed() || this.#draining) return this.#stop();
    const conn = new HTTP1Connection(this.stream, false, this.params, this.context, this.#shared);
    this.#current = conn;
    let delegate;
    try {
      delegate = this.#delegate!.startRequest(this, conn);
    } catch (error) {
      appLog.error(error, 'Uncaught exception in startRequest');
      conn.close();
      return this.#stop();
    }
    conn.readMessage(delegate, (keepGoing) => {
      this.#current = null;
      if (keepGoing) this.#next();
      else this.#stop(conn.stream !== null); // a detached stream is the application's now
    });
  }
  // #endregion next-request

  #stop(closeStream = true): void {
    this.#deadline.cancel();
    if (closeStream && !this.stream.closed()) this.stream.close();
    const serving = this.#serving;
    if (serving === null || serving.done()) return;
    serving.setResult(undefined);
    try {
      this.#delegate?.onClose?.(this);
    } catch (error) {
      appLog.error(error, 'Uncaught exception in onClose');
    }
  }

  /**
   * Finish the request in progress (its response says `Connection: close`), then close; close
   * now if the connection is waiting for a request. The future settles once it is closed.
   */
  drain(): Future<void> {
    this.#draining = true;
    if (this.#current?.readingHeaders === true) this.#current.close();
    return this.#servingFuture();
  }

  /** Closes the connection now. The future settles once the serving loop has ended. */
  close(): Future<void> {
    this.#current?.close();
    if (!this.stream.closed()) this.stream.close();
    return this.#servingFuture();
  }

  #servingFuture(): Future<void> {
    if (this.#serving === null) {
      const done = new Future<void>(this.stream.ioloop.asyncioLoop);
      done.setResult(undefined);
      return done;
    }
    return this.#serving;
  }

  toString(): string {
    return `<HTTP1ServerConnection ${String(this.stream)}>`;
  }
}
