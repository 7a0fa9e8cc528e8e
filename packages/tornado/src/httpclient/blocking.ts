/**
 * tornado's blocking `HTTPClient`: `fetch()` returns the response itself, not a future — for
 * scripts and synchronous code. Like tornado's, it runs an IOLoop of its own with an
 * `AsyncHTTPClient` on it; JavaScript cannot run a loop inside a synchronous call on the thread
 * that called (the loop's async code resumes from the microtask queue, which only runs once the
 * call returns), so that loop runs on a worker thread, and the calling thread blocks in
 * `Atomics.wait` until the answer is on its port (`receiveMessageOnPort` reads it synchronously).
 *
 * The cost: what crosses threads must be plain data. Callbacks (`streamingCallback`,
 * `headerCallback`, `bodyProducer`), an `SSLContext` object and a `resolver` cannot; they are
 * refused with a TypeError saying so (use `AsyncHTTPClient` for them).
 */
import {
  MessageChannel,
  Worker,
  receiveMessageOnPort,
  type MessagePort,
} from 'node:worker_threads';
import { rebuildError, type SerializedError } from '../concurrent/errors';
import { httpClientWorker } from '../concurrent/worker-entry';
import { HTTPInputError } from '../httputil/errors';
import { HTTPHeaders } from '../httputil/headers';
import { optionTypeError } from '../log/errors';
import type { AsyncHTTPClientOptions, FetchOptions } from './client';
import type { BlockingAnswer, BlockingRequest, BlockingWorkerData } from './blocking-worker';
import { checkOptionNames, HTTPRequest, type HTTPRequestOptions } from './request';
import { HTTPClientError, HTTPResponse, HTTPStreamClosedError, HTTPTimeoutError } from './response';
import { ProxyTunnelError } from './proxy';

/** The most the thread may take to start, in ms. */
const START_TIMEOUT_MS = 30_000;
/** Beyond a request's own timeouts, how long to wait for the thread before giving up on it. */
const MARGIN_MS = 5_000;
const CALLBACKS = ['streamingCallback', 'headerCallback', 'bodyProducer'] as const;

/**
 * tornado's HTTPClient.
 * @example
 * ```ts
 * const client = new HTTPClient();
 * try {
 *   const response = client.fetch('http://127.0.0.1:8888/');
 *   console.log(response.body.toString());
 * } catch (error) {
 *   console.error(`Error: ${String(error)}`); // HTTPClientError for a non-2xx response
 * } finally {
 *   client.close();
 * }
 * ```
 */
export class HTTPClient {
  #worker: Worker | null;
  readonly #port: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));

  /**
   * Starts the client's thread and its AsyncHTTPClient with `options` (no `resolver`).
   * @throws TypeError for a bad option, or one that cannot cross to the thread
   */
  constructor(options: Omit<AsyncHTTPClientOptions, 'resolver' | 'forceInstance'> = {}) {
    const where = 'new HTTPClient()';
    if (options === null || typeof options !== 'object') {
      throw optionTypeError(where, 'options', 'an object', options);
    }
    if ('resolver' in options) {
      throw optionTypeError(
        where,
        'resolver',
        'left out (it cannot cross to the client thread; use hostnameMapping)',
        '<Resolver>',
      );
    }
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const data: BlockingWorkerData = { port: port2, flag: this.#flag, options: { ...options } };
    const start = httpClientWorker();
    this.#worker = new Worker(start.filename, {
      eval: start.eval,
      workerData: data,
      transferList: [port2],
      execArgv: start.execArgv,
    });
    // Neither keeps the process alive: a client left open does not hold up the exit.
    this.#worker.unref();
    port1.unref();
    const ready = this.#wait(START_TIMEOUT_MS, 'start');
    if (ready.type !== 'ready') {
      this.#terminate();
      throw ready.type === 'failed'
        ? rebuild(ready.error, null)
        : new Error('HTTPClient: no ready');
    }
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#worker === null;
  }

  /**
   * Fetches `request` and returns the response, blocking this thread until it is there.
   * @throws HTTPClientError for a response outside 2xx (unless `raiseError: false`), and what
   *   `AsyncHTTPClient.fetch` fails with otherwise
   * @throws TypeError for an option that cannot cross to the client thread (a callback)
   */
  fetch(request: string | HTTPRequest, options: FetchOptions = {}): HTTPResponse {
    if (this.#worker === null) {
      throw Object.assign(new Error('fetch() called on closed HTTPClient'), {
        code: 'ERR_AIO_CLIENT_CLOSED',
      });
    }
    const where = 'HTTPClient.fetch()';
    if (options === null || typeof options !== 'object') {
      throw optionTypeError(where, 'options', 'an object', options);
    }
    const { raiseError = true, ...rest } = options;
    checkOptionNames(where, rest);
    const original = request instanceof HTTPRequest ? request : new HTTPRequest(request, rest);
    if (request instanceof HTTPRequest && Object.keys(rest).length > 0) {
      throw Object.assign(
        new TypeError(
          `${where}: options can't be used with an HTTPRequest object (only raiseError)`,
        ),
        { code: 'ERR_INVALID_ARG_VALUE' },
      );
    }
    const plain = toPlainOptions(where, original);
    this.#port.postMessage({
      type: 'fetch',
      url: original.url,
      options: plain,
    } satisfies BlockingRequest);
    const connect = original.connectTimeout ?? 20_000;
    const whole = original.requestTimeout ?? 20_000;
    const bound = connect === 0 || whole === 0 ? Infinity : connect + whole + MARGIN_MS;
    const answer = this.#wait(bound, 'fetch');
    if (answer.type === 'failed') throw rebuild(answer.error, null);
    if (answer.type !== 'response') throw new Error(`HTTPClient: unexpected ${answer.type}`);
    const response = new HTTPResponse(original, answer.code, {
      reason: answer.reason,
      headers: new HTTPHeaders(answer.headers),
      buffer:
        answer.body === null
          ? null
          : Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength),
      effectiveUrl: answer.effectiveUrl,
      ...(answer.requestTime === null ? {} : { requestTime: answer.requestTime }),
      ...(answer.startTime === null ? {} : { startTime: answer.startTime }),
      timeInfo: answer.timeInfo,
      // A code outside 2xx makes its own HTTPClientError (with this response in it).
      ...(answer.error === null || answer.errorIsResponseCode
        ? {}
        : { error: rebuild(answer.error, null) }),
    });
    if (response.error !== null && (raiseError || !response.errorIsResponseCode)) {
      throw response.error;
    }
    return response;
  }

  /** Closes the client: its connections, then its thread. */
  close(): void {
    if (this.#worker === null) return;
    try {
      this.#port.postMessage({ type: 'close' } satisfies BlockingRequest);
      this.#wait(MARGIN_MS, 'close');
    } finally {
      this.#terminate();
    }
  }

  #terminate(): void {
    const worker = this.#worker;
    this.#worker = null;
    this.#port.close();
    if (worker !== null) void worker.terminate();
  }

  /** Blocks until the thread has answered, or `timeoutMs` passes. */
  #wait(timeoutMs: number, what: string): BlockingAnswer {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#terminate();
        throw new HTTPTimeoutError(`the HTTPClient's thread did not answer (${what}) in time`);
      }
      Atomics.wait(this.#flag, 0, 0, Number.isFinite(left) ? left : undefined);
      const received = receiveMessageOnPort(this.#port);
      if (received !== undefined) {
        Atomics.store(this.#flag, 0, 0);
        return received.message as BlockingAnswer;
      }
    }
  }
}

/** A request's options as plain data for the thread; callbacks and contexts refused. */
function toPlainOptions(where: string, request: HTTPRequest): HTTPRequestOptions {
  for (const name of CALLBACKS) {
    if (request[name] !== null) {
      throw optionTypeError(
        where,
        name,
        'left out: a function cannot cross to the client thread (use AsyncHTTPClient)',
        request[name],
      );
    }
  }
  const ssl = request.sslOptions;
  if (ssl !== null && Object.getPrototypeOf(ssl) !== Object.prototype) {
    throw optionTypeError(
      where,
      'sslOptions',
      'an options object (an SSLContext cannot cross threads)',
      ssl,
    );
  }
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (key === 'url' || key === 'startTime' || value === null || value === undefined) continue;
    plain[key] = key === 'headers' ? [...(value as HTTPHeaders).getAll()] : value;
  }
  return plain;
}

/** The error the thread's fetch failed with, as its own class where it is one of ours. */
function rebuild(serialized: SerializedError, response: HTTPResponse | null): Error {
  const { name, message, props } = serialized;
  const code = typeof props.code === 'number' ? props.code : 599;
  const reason = message.replace(/^HTTP \d+: /, '');
  let error: Error;
  switch (name) {
    case 'HTTPTimeoutError':
      error = new HTTPTimeoutError(message);
      break;
    case 'HTTPStreamClosedError':
      error = new HTTPStreamClosedError(message);
      break;
    case 'ProxyTunnelError':
      error = new ProxyTunnelError(code, { message: reason, response });
      break;
    case 'HTTPClientError':
      error = new HTTPClientError(code, { message: reason, response });
      break;
    case 'HTTPInputError':
      error = new HTTPInputError(message, typeof props.status === 'number' ? props.status : 400);
      break;
    default:
      return rebuildError(serialized);
  }
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}
