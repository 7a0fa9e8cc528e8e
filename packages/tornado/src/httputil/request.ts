/**
 * tornado's `HTTPServerRequest` (tornado/httputil.py): one request as a server sees it — its
 * start line, headers and body, where it came from, and its arguments, files and cookies (each
 * parsed the first time it is asked for, so a request that never looks at them never pays).
 */
import { inspect } from 'node:util';
import { parseBodyArguments, type HTTPFile } from './body';
import { parseCookie } from './cookies';
import type { HTTPConnection } from './delegate';
import { HTTPInputError } from './errors';
import { HTTPHeaders } from './headers';
import { RequestStartLine } from './start-line';
import { parseQsBytes, splitHostAndPort } from './url';

/** Argument values by name, as bytes (tornado's `dict[str, list[bytes]]`). */
export type HTTPArguments = Record<string, Buffer[]>;

/** What a server's connection context tells a request (`HTTPServer`'s gives both). */
export interface RequestContext {
  readonly remoteIp?: string | null;
  readonly protocol?: string;
}

/** What `new HTTPServerRequest()` takes. */
export interface HTTPServerRequestInit {
  startLine: RequestStartLine;
  headers?: HTTPHeaders;
  body?: Buffer;
  files?: Record<string, HTTPFile[]>;
  /** This request's connection: how the application answers it. */
  connection?: (HTTPConnection & { readonly context?: unknown }) | null;
  /** The long-lived connection the request came on. */
  serverConnection?: object | null;
}

const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]*)(.*)$/i;

/**
 * A request received by a server.
 * @example
 * ```ts
 * new HTTPServer((request) => {
 *   request.method; request.path; request.queryArguments; request.headers.get('user-agent');
 * });
 * ```
 */
export class HTTPServerRequest {
  method: string;
  /** The request target as sent: `/path?query`. */
  uri: string;
  version: string;
  headers: HTTPHeaders;
  body: Buffer;
  /** The client's address (with `xheaders`, what a trusted proxy said it was). */
  remoteIp: string | null;
  /** `http` or `https` (with `xheaders`, what a trusted proxy said). */
  protocol: string;
  /** `Host` (or an absolute-form target's authority): `example.com:8080`. */
  host: string;
  path: string;
  query: string;
  files: Record<string, HTTPFile[]>;
  connection: (HTTPConnection & { readonly context?: unknown }) | null;
  serverConnection: object | null;
  /** Set by `parseBody()`. */
  bodyArguments: HTTPArguments = {};
  /** `performance.now()` ms: a request takes microseconds, and `Date.now()` counts whole ms. */
  readonly #startTime = performance.now();
  #finishTime: number | null = null;
  #queryArguments: HTTPArguments | null = null;
  #arguments: HTTPArguments | null = null;
  #cookies: Record<string, string> | null = null;
  #hostName: string | null = null;

  /** @throws HTTPInputError for a missing (HTTP/1.1) or invalid `Host` */
  constructor(init: HTTPServerRequestInit) {
    const { startLine } = init;
    if (!(startLine instanceof RequestStartLine)) {
      throw new TypeError('new HTTPServerRequest(): startLine must be a RequestStartLine');
    }
    this.method = startLine.method;
    this.uri = startLine.path;
    this.version = startLine.version;
    this.headers = init.headers ?? new HTTPHeaders();
    this.body = init.body ?? EMPTY;
    this.files = init.files ?? {};
    this.connection = init.connection ?? null;
    this.serverConnection = init.serverConnection ?? null;
    const context = this.connection?.context as RequestContext | null | undefined;
    this.remoteIp = context?.remoteIp ?? null;
    this.protocol = context?.protocol ?? 'http';

    let target = this.uri;
    let host = this.headers.get('Host');
    const absolute = target.charCodeAt(0) === 0x2f /* / */ ? null : ABSOLUTE_FORM.exec(target);
    if (absolute !== null) {
      // RFC 9112 §3.2.2: an absolute-form target's authority is the host, whatever Host says.
      host = absolute[2]!;
      target = absolute[3] === '' ? '/' : absolute[3]!;
    }
    if (host === undefined) {
      if (this.version !== 'HTTP/1.0') throw new HTTPInputError('Missing Host header');
      host = '127.0.0.1';
    }
    if (host.includes(',')) throw new HTTPInputError(`Multiple host headers not allowed: ${host}`);
    this.host = host;
    const question = target.indexOf('?');
    this.path = question === -1 ? target : target.slice(0, question);
    this.query = question === -1 ? '' : target.slice(question + 1);
  }

  /** `host` without its port, lowercased. */
  get hostName(): string {
    return (this.#hostName ??= splitHostAndPort(this.host.toLowerCase())[0]);
  }

  set hostName(value: string) {
    this.#hostName = value;
  }

  /** The query string's arguments. */
  get queryArguments(): HTTPArguments {
    return (this.#queryArguments ??= parseQsBytes(this.query, true));
  }

  set queryArguments(value: HTTPArguments) {
    this.#queryArguments = value;
  }

  /** Query and body arguments together (body values after query ones). */
  get arguments(): HTTPArguments {
    if (this.#arguments === null) {
      const merged: HTTPArguments = {};
      for (const source of [this.queryArguments, this.bodyArguments]) {
        for (const [name, values] of Object.entries(source)) {
          (merged[name] ??= []).push(...values);
        }
      }
      this.#arguments = merged;
    }
    return this.#arguments;
  }

  set arguments(value: HTTPArguments) {
    this.#arguments = value;
  }

  /** The `Cookie` header's cookies, name → value (a malformed header gives none). */
  get cookies(): Record<string, string> {
    if (this.#cookies === null) {
      const header = this.headers.get('Cookie');
      let parsed: Record<string, string> = {};
      if (header !== undefined) {
        try {
          parsed = parseCookie(header);
        } catch {
          parsed = {};
        }
      }
      this.#cookies = parsed;
    }
    return this.#cookies;
  }

  /** `protocol://host/uri`, the URL the client asked for. */
  fullUrl(): string {
    const query = this.query === '' ? '' : `?${this.query}`;
    return `${this.protocol}://${this.host}${this.path}${query}`;
  }

  /** Seconds this request has taken (until `finish`, once finished). */
  requestTime(): number {
    return ((this.#finishTime ?? performance.now()) - this.#startTime) / 1000;
  }

  /** @internal The server marks the response finished. */
  markFinished(): void {
    this.#finishTime ??= performance.now();
  }

  /**
   * Parses the body's form arguments and files (urlencoded or multipart) into `bodyArguments`
   * and `files`. `HTTPServer` calls it for a request callback before calling it.
   */
  parseBody(): void {
    const files = this.files;
    const bodyArguments: HTTPArguments = {};
    parseBodyArguments(
      this.headers.get('Content-Type', ''),
      this.body,
      bodyArguments,
      files,
      this.headers,
    );
    this.bodyArguments = bodyArguments;
    this.#arguments = null;
  }

  toString(): string {
    return `HTTPServerRequest(protocol=${JSON.stringify(this.protocol)}, host=${JSON.stringify(this.host)}, method=${JSON.stringify(this.method)}, uri=${JSON.stringify(this.uri)}, version=${JSON.stringify(this.version)}, remoteIp=${JSON.stringify(this.remoteIp)})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

const EMPTY = Buffer.alloc(0);
