/**
 * tornado's `_GzipMessageDelegate`: a request body sent with `Content-Encoding: gzip` reaches the
 * application decompressed, its size limit applied to the **decompressed** bytes — a small
 * gzip bomb is refused (413), never inflated past the limit.
 *
 * The compressed body is gathered (it is within the limit: its length was checked as it came) and
 * inflated once it is complete, by zlib with `maxOutputLength` set to the limit plus one byte:
 * zlib stops there. So a streaming delegate gets a gzip body in one piece, at its end.
 */
import { gunzipSync } from 'node:zlib';
import { HTTPInputError } from '../httputil/errors';
import type { HTTPMessageDelegate, MaybeAwaitable } from '../httputil/delegate';
import type { HTTPHeaders } from '../httputil/headers';
import type { RequestStartLine, ResponseStartLine } from '../httputil/start-line';

export class GzipMessageDelegate implements HTTPMessageDelegate {
  readonly #delegate: HTTPMessageDelegate;
  readonly #maxBodySize: number;
  /** The compressed chunks, while the body is gzip. */
  #chunks: Buffer[] | null = null;

  constructor(delegate: HTTPMessageDelegate, maxBodySize: number) {
    this.#delegate = delegate;
    this.#maxBodySize = maxBodySize;
  }

  headersReceived(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
  ): MaybeAwaitable {
    const encoding = headers.get('Content-Encoding');
    if (encoding !== undefined && encoding.toLowerCase() === 'gzip') {
      this.#chunks = [];
      // What the application sees is not gzip any more.
      headers.add('X-Consumed-Content-Encoding', encoding);
      headers.delete('Content-Encoding');
    }
    return this.#delegate.headersReceived(startLine, headers);
  }

  dataReceived(chunk: Buffer): MaybeAwaitable {
    if (this.#chunks === null) return this.#delegate.dataReceived(chunk);
    this.#chunks.push(chunk);
    return undefined;
  }

  /**
   * @internal The body is all here: inflates it into the delegate's `dataReceived` (what that
   * returns is returned).
   * @throws HTTPInputError for a body that inflates past the limit (413) or is not gzip (400)
   */
  complete(): MaybeAwaitable {
    const chunks = this.#chunks;
    if (chunks === null) return undefined;
    this.#chunks = null;
    let body: Buffer;
    try {
      body = gunzipSync(Buffer.concat(chunks), { maxOutputLength: this.#maxBodySize + 1 });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new HTTPInputError('Decompressed body too large', 413);
      }
      throw new HTTPInputError(`Invalid gzip body: ${(error as Error).message}`);
    }
    if (body.length > this.#maxBodySize) {
      throw new HTTPInputError('Decompressed body too large', 413);
    }
    return body.length === 0 ? undefined : this.#delegate.dataReceived(body);
  }

  finish(): void {
    this.#delegate.finish();
  }

  onConnectionClose(): void {
    this.#delegate.onConnectionClose();
  }
}
