/**
 * `@aio/tornado/web`: tornado's web framework (tornado/web.py) — `RequestHandler`, the class
 * each page or API endpoint extends; `Application`, the rules from URLs to handlers and the
 * settings they share, served by an `HTTPServer`; errors, cookies (plain and signed), XSRF
 * protection, ETags, gzip, redirects, templates with UI modules (`@aio/tornado/template`),
 * static files (`StaticFileHandler`, the `staticPath` setting) and the decorators.
 *
 * A handler's methods are named after the HTTP methods and may be plain, `async`, or generator
 * methods that yield Futures as a tornado coroutine does. Names are tornado's camelCased, times
 * in milliseconds (a cookie's `maxAge` stays in seconds, as the attribute counts them).
 *
 * @example
 * ```ts
 * import { Application, HTTPError, RequestHandler, authenticated } from '@aio/tornado/web';
 * import { IOLoop } from '@aio/tornado/ioloop';
 *
 * class MainHandler extends RequestHandler {
 *   override getCurrentUser() {
 *     return this.getSignedCookie('user')?.toString() ?? null;
 *   }
 *
 *   @authenticated
 *   override get() {
 *     this.write(`Hello, ${String(this.currentUser)}`);
 *   }
 * }
 *
 * class StoryHandler extends RequestHandler {
 *   override *get(id: string) {
 *     const story = (yield db.story(id)) as Story | null; // a Future: the handler waits for it
 *     if (story === null) throw new HTTPError(404);
 *     this.write({ id, title: story.title }); // sent as JSON
 *   }
 * }
 *
 * const app = new Application(
 *   [
 *     ['/', MainHandler],
 *     ['/story/([0-9]+)', StoryHandler, null, 'story'],
 *   ],
 *   { cookieSecret: process.env.COOKIE_SECRET, loginUrl: '/login', xsrfCookies: true },
 * );
 * app.listen(8888);
 * await IOLoop.current().start();
 * ```
 *
 * @module @aio/tornado/web
 */
export {
  RequestHandler,
  type Chunk,
  type ErrorDetails,
  type GetSignedCookieOptions,
  type HeaderValue,
  type RequestHandlerClass,
  type SignedCookieOptions,
} from './web/handler';
export { Application, ApplicationRouter, url, type ListenOptions } from './web/application';
export { ErrorHandler, FallbackHandler, RedirectHandler, type Fallback } from './web/handlers';
export { StaticFileHandler } from './web/static';
export {
  CookieError,
  Finish,
  HandlerStateError,
  HTTPError,
  MissingArgumentError,
  MissingSettingError,
  type HTTPErrorOptions,
} from './web/errors';
export { Morsel, type CookieOptions } from './web/cookies';
export { authenticated, addslash, removeslash, streamRequestBody } from './web/decorators';
export { GZipContentEncoding, OutputTransform, type OutputTransformClass } from './web/gzip';
export {
  TemplateModule,
  UIModule,
  type TemplateResources,
  type UIMethod,
  type UIModuleClass,
} from './web/ui';
export type { ApplicationOptions, ApplicationSettings } from './web/settings';
export {
  createSignedValue,
  decodeSignedValue,
  getSignatureKeyVersion,
  DEFAULT_SIGNED_VALUE_MIN_VERSION,
  DEFAULT_SIGNED_VALUE_VERSION,
  MAX_SUPPORTED_SIGNED_VALUE_VERSION,
  type CreateSignedValueOptions,
  type DecodeSignedValueOptions,
  type SignedValueSecret,
} from './web/signed-value';
export { URLSpec } from './routing/rules';
