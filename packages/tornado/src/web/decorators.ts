/**
 * tornado/web.py's decorators: `authenticated` (log in first), `removeslash` and `addslash`
 * (one canonical URL), and `streamRequestBody` (a handler that takes its body in chunks).
 *
 * Each is a function that wraps a method (or marks a class), so it works both ways TypeScript
 * allows, with no compiler option:
 *
 * ```ts
 * class ProfileHandler extends RequestHandler {
 *   @authenticated                        // a TypeScript 5 decorator (not experimentalDecorators)
 *   override get() { … }
 *
 *   override post = authenticated(function (this: ProfileHandler) { … }); // a wrapped function
 * }
 * ```
 */
import { urlEscape } from '../escape/url';
import { HTTPError } from './errors';
import { isRequestHandlerClass, type RequestHandler, type RequestHandlerClass } from './handler';

/** A handler method, as the decorators wrap it. */
type HandlerMethod<This extends RequestHandler, A extends unknown[], R> = (
  this: This,
  ...args: A
) => R;

/** A URL with a scheme (`http://…`), as Python's `urlsplit(url).scheme` finds one. */
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Requires a logged-in user (`currentUser` truthy): a GET or HEAD without one is redirected to
 * `getLoginUrl()` (the `loginUrl` setting) with `next` set to the URL asked for (absolute when
 * the login URL is; not added when the login URL has a query of its own); any other method
 * gets a 403.
 * @example
 * ```ts
 * class AccountHandler extends RequestHandler {
 *   @authenticated
 *   override get() {
 *     this.write(`Hello, ${String(this.currentUser)}`);
 *   }
 * }
 * ```
 */
export function authenticated<This extends RequestHandler, A extends unknown[], R>(
  method: HandlerMethod<This, A, R>,
  context?: ClassMethodDecoratorContext,
): HandlerMethod<This, A, R> {
  checkMethod('authenticated', method, context);
  const wrapper = function (this: This, ...args: A): R {
    if (!this.currentUser) {
      const requestMethod = this.request.method;
      if (requestMethod === 'GET' || requestMethod === 'HEAD') {
        let url = this.getLoginUrl();
        if (!url.includes('?')) {
          // An absolute login URL is another site: it needs an absolute next.
          const next = ABSOLUTE.test(url) ? this.request.fullUrl() : this.request.uri;
          url += `?next=${urlEscape(next)}`;
        }
        this.redirect(url);
        return undefined as R;
      }
      throw new HTTPError(403);
    }
    return method.apply(this, args);
  };
  return named(wrapper, method);
}

/**
 * Redirects (301) a GET or HEAD for a path ending in `/` to the path without it, keeping the
 * query; answers 404 to other methods. Route it with a pattern such as `/foo/*`.
 */
export function removeslash<This extends RequestHandler, A extends unknown[], R>(
  method: HandlerMethod<This, A, R>,
  context?: ClassMethodDecoratorContext,
): HandlerMethod<This, A, R> {
  checkMethod('removeslash', method, context);
  const wrapper = function (this: This, ...args: A): R {
    const { path, query, method: requestMethod } = this.request;
    if (path.endsWith('/')) {
      if (requestMethod !== 'GET' && requestMethod !== 'HEAD') throw new HTTPError(404);
      let uri = path.replace(/\/+$/, '');
      if (uri !== '') {
        // '/' itself is left alone: there is no shorter path.
        if (query !== '') uri += `?${query}`;
        this.redirect(uri, { permanent: true });
        return undefined as R;
      }
    }
    return method.apply(this, args);
  };
  return named(wrapper, method);
}

/**
 * Redirects (301) a GET or HEAD for a path not ending in `/` to the path with it, keeping the
 * query; answers 404 to other methods. Route it with a pattern such as `/foo/?`.
 */
export function addslash<This extends RequestHandler, A extends unknown[], R>(
  method: HandlerMethod<This, A, R>,
  context?: ClassMethodDecoratorContext,
): HandlerMethod<This, A, R> {
  checkMethod('addslash', method, context);
  const wrapper = function (this: This, ...args: A): R {
    const { path, query, method: requestMethod } = this.request;
    if (!path.endsWith('/')) {
      if (requestMethod !== 'GET' && requestMethod !== 'HEAD') throw new HTTPError(404);
      let uri = `${path}/`;
      if (query !== '') uri += `?${query}`;
      this.redirect(uri, { permanent: true });
      return undefined as R;
    }
    return method.apply(this, args);
  };
  return named(wrapper, method);
}

/**
 * Makes a handler class take its request body in chunks (tornado's `@stream_request_body`): it
 * sets the class's static `streamRequestBody`, which `static override streamRequestBody = true`
 * sets as well. See `RequestHandler.streamRequestBody` for what changes.
 * @example
 * ```ts
 * @streamRequestBody
 * class UploadHandler extends RequestHandler {
 *   override async dataReceived(chunk: Buffer) { await file.write(chunk); }
 *   override put() { this.write({ ok: true }); }
 * }
 * ```
 * @throws TypeError for anything but a RequestHandler subclass
 */
export function streamRequestBody<C extends RequestHandlerClass>(
  handlerClass: C,
  context?: ClassDecoratorContext,
): C {
  if (context !== undefined && context.kind !== 'class') {
    throw new TypeError(`@streamRequestBody decorates classes, not a ${String(context.kind)}`);
  }
  if (!isRequestHandlerClass(handlerClass)) {
    throw new TypeError(
      `streamRequestBody() expected a RequestHandler subclass, got ${String(handlerClass)}`,
    );
  }
  handlerClass.streamRequestBody = true;
  return handlerClass;
}

function checkMethod(name: string, method: unknown, context?: ClassMethodDecoratorContext): void {
  if (typeof method !== 'function') {
    throw new TypeError(`${name}() expected a handler method, got ${String(method)}`);
  }
  if (context !== undefined && context.kind !== 'method') {
    throw new TypeError(`@${name} decorates methods, not a ${String(context.kind)}`);
  }
}

/** `wrapper` under `method`'s name, so stacks and `toString` name the method. */
function named<F extends (...args: never[]) => unknown>(wrapper: F, method: { name: string }): F {
  Object.defineProperty(wrapper, 'name', { value: method.name, configurable: true });
  return wrapper;
}
