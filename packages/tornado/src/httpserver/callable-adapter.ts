/**
 * A plain function as a message delegate (tornado/httpserver.py `_CallableAdapter`): gathers the
 * body, parses it (form fields, files), then calls the function with the whole request. Used by
 * `HTTPServer` for a request callback and by `RuleRouter` for a function target, which also gets
 * the rule's parameters.
 *
 * What an async function throws is logged (naming `what` and the URI), and its connection closed:
 * there is no one else to tell.
 */
import { Future } from '@aio/future';
import { convertYielded } from '../gen/convert';
import type { HTTPConnection, HTTPMessageDelegate, MaybeAwaitable } from '../httputil/delegate';
import type { HTTPHeaders } from '../httputil/headers';
import { HTTPServerRequest } from '../httputil/request';
import type { RequestStartLine, ResponseStartLine } from '../httputil/start-line';
import { appLog } from '../log';

export class CallableAdapter<P = undefined> implements HTTPMessageDelegate {
  readonly #callback: (request: HTTPServerRequest, params: P) => unknown;
  readonly #params: P;
  readonly #connection: HTTPConnection;
  readonly #serverConnection: object | null;
  /** The callback, as the log names it: 'request callback', 'routed callback'. */
  readonly #what: string;
  #request: HTTPServerRequest | null = null;
  #chunks: Buffer[] = [];

  constructor(
    callback: (request: HTTPServerRequest, params: P) => unknown,
    params: P,
    connection: HTTPConnection,
    serverConnection: object | null,
    what = 'request callback',
  ) {
    this.#callback = callback;
    this.#params = params;
    this.#connection = connection;
    this.#serverConnection = serverConnection;
    this.#what = what;
  }

  headersReceived(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
  ): MaybeAwaitable {
    this.#request = new HTTPServerRequest({
      startLine: startLine as RequestStartLine,
      headers,
      connection: this.#connection,
      serverConnection: this.#serverConnection,
    });
    return undefined;
  }

  dataReceived(chunk: Buffer): MaybeAwaitable {
    this.#chunks.push(chunk);
    return undefined;
  }

  finish(): void {
    const request = this.#request!;
    const chunks = this.#chunks;
    if (chunks.length > 0) request.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.#chunks = [];
    if (request.body.length > 0) request.parseBody(); // nothing to parse in an empty body
    const result = this.#callback(request, this.#params);
    if (result === undefined || result === null) return;
    // An async callback: what it throws is logged, and its connection closed.
    let future;
    try {
      future = convertYielded(result);
    } catch {
      return; // not something to wait for
    }
    if (!(future instanceof Future)) return;
    future.addDoneCallback((done) => {
      if (done.cancelled() || done.exception() === undefined) return;
      appLog.error(done.exception(), `Uncaught exception in the ${this.#what} for ${request.uri}`);
      (this.#connection as { close?: () => void }).close?.();
    });
  }

  onConnectionClose(): void {
    this.#chunks = [];
  }
}
