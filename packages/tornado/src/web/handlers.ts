/**
 * The handlers tornado/web.py ships ready to route to: `ErrorHandler` (one status for every
 * request), `RedirectHandler` (a redirect, with the path's groups substituted into its target),
 * and `FallbackHandler` (another server's callback or delegate, for the paths this application
 * does not serve itself).
 */
import { formatValue } from '@aio/selector/internal';
import { HTTPHeaders } from '../httputil/headers';
import type { HTTPServerConnectionDelegate } from '../httputil/delegate';
import type { HTTPServerRequest } from '../httputil/request';
import { RequestStartLine } from '../httputil/start-line';
import { urlConcat } from '../httputil/url';
import { HTTPError } from './errors';
import { awaitableOf, RequestHandler } from './handler';

/**
 * Answers every request with `statusCode` (the application's 404 for a path no rule matches).
 * @example
 * ```ts
 * new Application([['/gone/.*', ErrorHandler, { statusCode: 410 }]]);
 * ```
 */
export class ErrorHandler extends RequestHandler {
  override initialize({ statusCode }: { statusCode: number }): void {
    this.setStatus(statusCode);
  }

  override prepare(): void {
    throw new HTTPError(this.getStatus());
  }

  /** A POST to an error has no effect to protect: it gets its status, not a 403. */
  override checkXsrfCookie(): void {}
}

/**
 * Redirects GET requests to `url`: 301 (or 302 with `permanent: false`). The path's groups are
 * substituted into `url` as Python's `str.format` does (`{0}`, `{1}`, `{}` in turn, `{name}`
 * for a named group, `{{` and `}}` for braces; a group that did not take part is empty), and the
 * request's query arguments are appended.
 * @example
 * ```ts
 * new Application([
 *   ['/oldpath', RedirectHandler, { url: '/newpath' }],
 *   ['/(.*?)/(.*?)/(.*)', RedirectHandler, { url: '/{1}/{0}/{2}' }], // /a/b/c → /b/a/c
 * ]);
 * ```
 */
export class RedirectHandler extends RequestHandler {
  #url = '';
  #permanent = true;

  override initialize({ url, permanent = true }: { url: string; permanent?: boolean }): void {
    if (typeof url !== 'string') {
      throw new TypeError(`RedirectHandler expected a url string, got ${formatValue(url)}`);
    }
    this.#url = url;
    this.#permanent = permanent;
  }

  override get(): void {
    let toUrl = formatUrl(this.#url, this.pathArgs, this.pathKwargs);
    const query = this.request.queryArguments;
    if (Object.keys(query).length > 0) {
      const pairs: [string, string][] = [];
      for (const [name, values] of Object.entries(query)) {
        for (const value of values) pairs.push([name, value.toString('utf8')]);
      }
      toUrl = urlConcat(toUrl, pairs);
    }
    this.redirect(toUrl, { permanent: this.#permanent });
  }
}

/** What `FallbackHandler` hands a request to. */
export type Fallback = ((request: HTTPServerRequest) => unknown) | HTTPServerConnectionDelegate;

/**
 * Hands each request to `fallback`, another server's way of answering: a request callback (as
 * `HTTPServer` takes), or a delegate such as another `Application`, which is fed the request
 * as if it had read it itself.
 * @example
 * ```ts
 * new Application([
 *   ['/api/.*', ApiHandler],
 *   ['.*', FallbackHandler, { fallback: legacyApplication }],
 * ]);
 * ```
 */
export class FallbackHandler extends RequestHandler {
  #fallback: Fallback | null = null;

  override initialize({ fallback }: { fallback: Fallback }): void {
    if (
      typeof fallback !== 'function' &&
      (typeof fallback !== 'object' ||
        fallback === null ||
        typeof fallback.startRequest !== 'function')
    ) {
      throw new TypeError(
        `FallbackHandler expected a request callback or an HTTPServerConnectionDelegate, got ${formatValue(fallback)}`,
      );
    }
    this.#fallback = fallback;
  }

  override prepare(): unknown {
    const fallback = this.#fallback!;
    if (typeof fallback === 'function') {
      fallback(this.request);
      // The fallback answered: this handler neither finishes nor logs the request.
      this.markFinished();
      this.onFinish();
      return undefined;
    }
    return this.#replay(fallback);
  }

  /** Feeds the request to `delegate` as a connection would, waiting where it says to. */
  *#replay(delegate: HTTPServerConnectionDelegate): Generator<unknown, void, unknown> {
    const request = this.request;
    const message = delegate.startRequest(request.serverConnection ?? {}, request.connection!);
    this.markFinished(); // the delegate answers from here on
    const startLine = new RequestStartLine(request.method, request.uri, request.version);
    const started = awaitableOf(
      message.headersReceived(startLine, new HTTPHeaders(request.headers)),
      null,
      'headersReceived',
    );
    if (started !== null) yield started;
    if (request.body.length > 0) {
      const received = awaitableOf(message.dataReceived(request.body), null, 'dataReceived');
      if (received !== null) yield received;
    }
    message.finish();
    this.onFinish();
  }
}

/**
 * Python's `str.format(url, *args, **kwargs)` for the fields a URL uses: `{}`, `{0}`, `{name}`,
 * `{{`, `}}`.
 * @throws RangeError for a field with a format spec or conversion, or without an argument
 */
function formatUrl(
  url: string,
  args: readonly (string | null)[],
  kwargs: Readonly<Record<string, string | null>>,
): string {
  let next = 0;
  return url.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, field: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    let value: string | null | undefined;
    if (field === '') value = args[next++];
    else if (/^\d+$/.test(field!)) value = args[Number(field)];
    else if (/^[A-Za-z_]\w*$/.test(field!) && Object.hasOwn(kwargs, field!)) value = kwargs[field!];
    else throw new RangeError(`RedirectHandler cannot fill ${whole} in ${JSON.stringify(url)}`);
    if (value === undefined) {
      throw new RangeError(
        `RedirectHandler has no path group for ${whole} in ${JSON.stringify(url)}`,
      );
    }
    return value ?? '';
  });
}
