/**
 * tornado's `_HandlerDelegate` (tornado/web.py): the `HTTPMessageDelegate` that serves one
 * request with a `RequestHandler` class. It gathers the body and runs the handler once the body
 * is in; or, for a `streamRequestBody` handler, runs it as soon as the headers are in, holds the
 * body back until `prepare` is done (the Future `headersReceived` returns), and hands each chunk
 * to `dataReceived`, whose result holds back the next.
 */
import { Future } from '@aio/future';
import { getEventLoop } from '@aio/loop';
import { futureSetResultUnlessCancelled } from '../concurrent/futures';
import type { HTTPConnection, HTTPMessageDelegate, MaybeAwaitable } from '../httputil/delegate';
import type { HTTPServerRequest } from '../httputil/request';
import { appLog } from '../log';
import type { Application } from './application';
import {
  awaitableOf,
  executeHandler,
  NO_TRANSFORMS,
  type RequestHandler,
  type RequestHandlerClass,
  type StreamingFutures,
} from './handler';

export class HandlerDelegate implements HTTPMessageDelegate {
  readonly application: Application;
  readonly request: HTTPServerRequest;
  readonly connection: HTTPConnection | null;
  readonly handlerClass: RequestHandlerClass;
  readonly handlerKwargs: Readonly<Record<string, unknown>>;
  readonly pathArgs: readonly (Buffer | null)[];
  readonly pathKwargs: Readonly<Record<string, Buffer | null>>;
  /** The handler, once made (at the headers when streaming, else at the body's end). */
  handler: RequestHandler | null = null;
  readonly #streaming: boolean;
  #futures: StreamingFutures | null = null;
  #chunks: Buffer[] = [];

  constructor(
    application: Application,
    request: HTTPServerRequest,
    handlerClass: RequestHandlerClass,
    handlerKwargs: Readonly<Record<string, unknown>> | null = null,
    pathArgs: readonly (Buffer | null)[] | null = null,
    pathKwargs: Readonly<Record<string, Buffer | null>> | null = null,
  ) {
    this.application = application;
    this.request = request;
    this.connection = request.connection;
    this.handlerClass = handlerClass;
    this.handlerKwargs = handlerKwargs ?? NO_KWARGS;
    this.pathArgs = pathArgs ?? NO_ARGS;
    this.pathKwargs = pathKwargs ?? NO_KWARGS;
    this.#streaming = handlerClass.streamRequestBody;
  }

  headersReceived(): MaybeAwaitable {
    if (!this.#streaming) return undefined;
    const loop = getEventLoop();
    this.#futures = { prepared: new Future<void>(loop), body: new Future<void>(loop) };
    return this.execute();
  }

  dataReceived(chunk: Buffer): MaybeAwaitable {
    if (!this.#streaming) {
      this.#chunks.push(chunk);
      return undefined;
    }
    const handler = this.handler!;
    return awaitableOf(handler.dataReceived(chunk), handler, 'dataReceived');
  }

  finish(): void {
    if (this.#streaming) {
      futureSetResultUnlessCancelled(this.#futures!.body, undefined);
      return;
    }
    // The body is parsed in the handler's #execute, where a malformed one is its 400.
    const chunks = this.#chunks;
    this.#chunks = [];
    if (chunks.length > 0) {
      this.request.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    }
    void this.execute();
  }

  onConnectionClose(): void {
    if (this.#streaming) this.handler?.onConnectionClose();
    else this.#chunks = [];
  }

  /**
   * Makes the handler and runs it. Returns, when streaming, the Future of its `prepare`: the
   * body is not read before it is done.
   */
  execute(): Future<void> | null {
    const settings = this.application.settings;
    // Development settings: templates and static files' hashes read again on every request.
    if (settings.compiledTemplateCache === false) this.application.resetTemplateLoaders();
    if (settings.staticHashCache === false) this.application.staticHandlerClass.reset();
    const handler = new this.handlerClass(this.application, this.request);
    this.handler = handler;
    handler.initialize({ ...this.handlerKwargs });
    const makers = this.application.transforms;
    const transforms =
      makers.length === 0 ? NO_TRANSFORMS : makers.map((make) => new make(this.request));
    const done = executeHandler(handler, transforms, this.pathArgs, this.pathKwargs, this.#futures);
    // #execute catches what the handler throws: what escapes is a bug in the exception handling.
    // A handler that never waited is done already: looked at now, not from a loop callback.
    if (done.done()) reportEscaped(done, handler);
    else done.addDoneCallback((future) => reportEscaped(future, handler));
    return this.#futures?.prepared ?? null;
  }

  toString(): string {
    return `<HandlerDelegate ${this.handlerClass.name} ${this.request.method} ${this.request.uri}>`;
  }
}

/** What a delegate without them is given: shared, and never changed (frozen). */
const NO_KWARGS: Readonly<Record<string, never>> = Object.freeze({});
const NO_ARGS: readonly never[] = Object.freeze([]);

/** Logs what escaped a handler's `#execute`, if anything did. */
function reportEscaped(done: Future<void>, handler: RequestHandler): void {
  if (!done.cancelled() && done.exception() !== undefined) {
    appLog.error({ err: done.exception() }, `Exception in ${String(handler)}`);
  }
}
