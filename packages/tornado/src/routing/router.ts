/**
 * tornado's `Router` and `ReversibleRouter` (tornado/routing.py): a router is an
 * `HTTPServerConnectionDelegate` — an `HTTPServer` takes one as it takes `web.Application` — that
 * picks the `HTTPMessageDelegate` for each request with `findHandler`.
 *
 * The choice needs the request's start line and headers, which the connection has not read when
 * it asks for a delegate. So `startRequest` returns a stand-in (tornado's `_RoutingDelegate`):
 * it builds the `HTTPServerRequest` once the headers arrive, asks `findHandler`, and from then on
 * forwards every call to the delegate found — or to one answering 404 when none is.
 */
import { inspect } from 'node:util';
import type {
  HTTPConnection,
  HTTPMessageDelegate,
  HTTPServerConnectionDelegate,
  MaybeAwaitable,
} from '../httputil/delegate';
import { HTTPHeaders } from '../httputil/headers';
import { HTTPServerRequest } from '../httputil/request';
import { ResponseStartLine, type RequestStartLine } from '../httputil/start-line';
import { appLog } from '../log';
import type { TargetParams } from './matchers';

/**
 * A request router: implement `findHandler`, and give the router to an `HTTPServer`.
 * @example
 * ```ts
 * class HelloRouter extends Router {
 *   findHandler(request: HTTPServerRequest): HTTPMessageDelegate {
 *     const connection = request.connection!;
 *     return {
 *       headersReceived() {},
 *       dataReceived() {},
 *       finish() {
 *         void connection.writeHeaders(
 *           new ResponseStartLine('HTTP/1.1', 200, 'OK'),
 *           new HTTPHeaders({ 'Content-Length': '2' }),
 *           'OK',
 *         );
 *         connection.finish();
 *       },
 *       onConnectionClose() {},
 *     };
 *   }
 * }
 * new HTTPServer(new HelloRouter()).listen(8888);
 * ```
 */
export abstract class Router implements HTTPServerConnectionDelegate {
  /**
   * The delegate that will serve `request` (its headers are in; its body is not), or null for
   * none: the request is answered 404. A router that is another rule's target gets that rule's
   * `params` (the path's groups, the rule's `targetKwargs`).
   */
  abstract findHandler(
    request: HTTPServerRequest,
    params?: TargetParams,
  ): HTTPMessageDelegate | null;

  /** `HTTPServerConnectionDelegate`: routes the request once its headers arrive. */
  startRequest(serverConnection: object, requestConnection: HTTPConnection): HTTPMessageDelegate {
    return new RoutingDelegate(this, serverConnection, requestConnection);
  }

  toString(): string {
    return `<${this.constructor.name}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A router whose routes have names, from which it can rebuild their URLs. */
export abstract class ReversibleRouter extends Router {
  /**
   * `instanceof ReversibleRouter` holds for its subclasses and for any `Router` with a
   * `reverseUrl` method: `ReversibleRuleRouter` extends `RuleRouter` (a class has one parent),
   * where tornado's inherits from both. A subclass's own `instanceof` is the ordinary one.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== ReversibleRouter) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      value instanceof Router &&
      typeof (value as { reverseUrl?: unknown }).reverseUrl === 'function'
    );
  }

  /**
   * The URL of the route called `name`, its groups filled with `args`; null when no route has
   * that name.
   */
  abstract reverseUrl(name: string, ...args: unknown[]): string | null;
}

/** Stands in for the delegate until the headers say which one it is (tornado's `_RoutingDelegate`). */
class RoutingDelegate implements HTTPMessageDelegate {
  readonly #router: Router;
  readonly #serverConnection: object;
  readonly #requestConnection: HTTPConnection;
  #delegate: HTTPMessageDelegate | null = null;

  constructor(router: Router, serverConnection: object, requestConnection: HTTPConnection) {
    this.#router = router;
    this.#serverConnection = serverConnection;
    this.#requestConnection = requestConnection;
  }

  headersReceived(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
  ): MaybeAwaitable {
    const request = new HTTPServerRequest({
      startLine: startLine as RequestStartLine,
      headers,
      connection: this.#requestConnection,
      serverConnection: this.#serverConnection,
    });
    let delegate = this.#router.findHandler(request) ?? null;
    if (delegate === null) {
      appLog.debug(`Delegate for ${request.method} ${request.uri} request not found`);
      delegate = new NotFoundDelegate(this.#requestConnection);
    }
    this.#delegate = delegate;
    return delegate.headersReceived(startLine, headers);
  }

  dataReceived(chunk: Buffer): MaybeAwaitable {
    return this.#delegate!.dataReceived(chunk);
  }

  finish(): void {
    this.#delegate!.finish();
  }

  onConnectionClose(): void {
    // No delegate yet: the headers were refused (a bad Host) before one was found (tornado 6.5.2).
    this.#delegate?.onConnectionClose();
  }
}

/** Answers 404 with no body (tornado's `_DefaultMessageDelegate`). */
class NotFoundDelegate implements HTTPMessageDelegate {
  constructor(readonly connection: HTTPConnection) {}

  headersReceived(): MaybeAwaitable {
    return undefined;
  }

  dataReceived(): MaybeAwaitable {
    return undefined;
  }

  finish(): void {
    void this.connection.writeHeaders(
      new ResponseStartLine('HTTP/1.1', 404, 'Not Found'),
      new HTTPHeaders(),
    );
    this.connection.finish();
  }

  onConnectionClose(): void {}
}
