/**
 * The thread behind the blocking `HTTPClient` (blocking.ts): an IOLoop of its own running an
 * `AsyncHTTPClient`. Each request comes as a message on the port; its answer goes back on the
 * port, and then the shared flag is set and notified, which wakes the caller blocked in
 * `Atomics.wait`. The caller reads the answer with `receiveMessageOnPort`, synchronously.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { IOLoop } from '../ioloop';
import { serializeError, type SerializedError } from '../concurrent/errors';
import { AsyncHTTPClient, type AsyncHTTPClientOptions } from './client';
import { HTTPRequest, type HTTPRequestOptions } from './request';
import type { HTTPResponse } from './response';

/** What the caller sends. */
export type BlockingRequest =
  | { readonly type: 'fetch'; readonly url: string; readonly options: HTTPRequestOptions }
  | { readonly type: 'close' };

/** What comes back for a fetch: the response as plain data, or why there is none. */
export type BlockingAnswer =
  | { readonly type: 'ready' }
  | { readonly type: 'closed' }
  | { readonly type: 'failed'; readonly error: SerializedError }
  | {
      readonly type: 'response';
      readonly code: number;
      readonly reason: string;
      readonly headers: [string, string][];
      readonly body: Uint8Array | null;
      readonly effectiveUrl: string;
      readonly requestTime: number | null;
      readonly startTime: number | null;
      readonly timeInfo: Record<string, number>;
      /** Why it failed (its code, for an HTTPClientError of a response outside 2xx). */
      readonly error: SerializedError | null;
      readonly errorIsResponseCode: boolean;
    };

export interface BlockingWorkerData {
  readonly port: MessagePort;
  /** [0]: 1 once an answer is on the port. */
  readonly flag: Int32Array;
  readonly options: AsyncHTTPClientOptions;
}

function answer(data: BlockingWorkerData, message: BlockingAnswer): void {
  data.port.postMessage(message);
  Atomics.store(data.flag, 0, 1);
  Atomics.notify(data.flag, 0);
}

function toAnswer(response: HTTPResponse): BlockingAnswer {
  return {
    type: 'response',
    code: response.code,
    reason: response.reason,
    headers: [...response.headers.getAll()],
    body: response.buffer,
    effectiveUrl: response.effectiveUrl,
    requestTime: response.requestTime,
    startTime: response.startTime,
    timeInfo: { ...response.timeInfo },
    error: response.error === null ? null : serializeError(response.error),
    errorIsResponseCode: response.errorIsResponseCode,
  };
}

function serve(data: BlockingWorkerData): void {
  const ioloop = new IOLoop();
  let client: AsyncHTTPClient;
  let closing = false;
  ioloop.addCallback(() => {
    try {
      client = new AsyncHTTPClient({ ...data.options, forceInstance: true });
      answer(data, { type: 'ready' });
    } catch (error) {
      answer(data, { type: 'failed', error: serializeError(error) });
      ioloop.stop();
    }
  });
  data.port.on('message', (message: BlockingRequest) => {
    ioloop.addCallback(() => {
      if (message.type === 'close') {
        // Its sockets and the loop's own fds are the process's: closed here, before the thread
        // ends (the answer goes once the loop is closed too, below).
        client.close();
        closing = true;
        ioloop.stop();
        return;
      }
      let fetching;
      try {
        fetching = client.fetch(new HTTPRequest(message.url, message.options), {
          raiseError: false,
        });
      } catch (error) {
        answer(data, { type: 'failed', error: serializeError(error) });
        return;
      }
      fetching.addDoneCallback((done) => {
        const error = done.exception();
        answer(
          data,
          error === undefined
            ? toAnswer(done.result())
            : { type: 'failed', error: serializeError(error) },
        );
      });
    });
  });
  void ioloop.start().finally(() => {
    ioloop.close();
    if (closing) answer(data, { type: 'closed' });
  });
}

serve(workerData as BlockingWorkerData);
