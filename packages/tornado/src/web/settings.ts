/**
 * `web.Application`'s settings (tornado's keyword arguments to `Application`, camelCased), and
 * `debug`, which stands for several of them as it does in tornado.
 */
import type { BaseLoader } from '../template/loader';
import type { WhitespaceMode } from '../template/whitespace';
import type { CookieOptions } from './cookies';
import type { SignedValueSecret } from './signed-value';
import type { OutputTransformClass } from './gzip';
import type { StaticFileHandler } from './static';
import type { RequestHandler, RequestHandlerClass } from './handler';
import type { UIMethod, UIModuleClass } from './ui';

/**
 * What an `Application` is configured with. Any other key may be set too (an application's own
 * settings), and every handler reads them as `this.settings`.
 */
export interface ApplicationSettings {
  /**
   * The key that signs cookies (`setSignedCookie`) and nothing else: a long random string, or
   * several by key version (`{ 0: 'old', 1: 'new' }`, with `keyVersion` naming the one that
   * signs) so keys can be rotated.
   */
  cookieSecret?: SignedValueSecret;
  /** With a `cookieSecret` of several keys: the version that signs new cookies. */
  keyVersion?: number;
  /** Check the XSRF token of every POST, PUT, PATCH and DELETE (`checkXsrfCookie`). */
  xsrfCookies?: boolean;
  /** The XSRF cookie's format: 2 (masked, the default) or 1. */
  xsrfCookieVersion?: 1 | 2;
  /** The XSRF cookie's name. Default `_xsrf`. */
  xsrfCookieName?: string;
  /** `setCookie` options of the XSRF cookie (`{ httponly: true, secure: true }`). */
  xsrfCookieKwargs?: CookieOptions;
  /** Where `@authenticated` sends a user who is not logged in. */
  loginUrl?: string;
  /** The handler for a request no rule matches (default: a 404 `ErrorHandler`). */
  defaultHandlerClass?: RequestHandlerClass;
  /** `initialize` arguments of `defaultHandlerClass`. */
  defaultHandlerArgs?: Record<string, unknown>;
  /** gzip responses for clients that accept it (`GZipContentEncoding`). */
  compressResponse?: boolean;
  /** tornado's older name for `compressResponse`. */
  gzip?: boolean;
  /** Error pages show the exception's stack (as plain text). */
  serveTraceback?: boolean;
  /**
   * Development mode: sets `serveTraceback`, `compiledTemplateCache: false` and
   * `staticHashCache: false` unless they are given (tornado's `autoreload`, the fourth, has no
   * equivalent here).
   */
  debug?: boolean;
  /** Called with each finished handler instead of `Application.logRequest`'s access log line. */
  logFunction?: (handler: RequestHandler) => void;
  /** The directory `render` loads templates from. */
  templatePath?: string;
  /** The loader `render` uses (over `templatePath`). */
  templateLoader?: BaseLoader;
  /** The autoescape function of templates (`'xhtmlEscape'`, or null for none). */
  autoescape?: string | null;
  /** The whitespace mode of templates. */
  templateWhitespace?: WhitespaceMode;
  /** Keep compiled templates between requests (default true; `debug` turns it off). */
  compiledTemplateCache?: boolean;
  /**
   * Functions every template can call, given the handler first: `{ greet: (handler, name) => … }`
   * (or a list of such objects). Names starting with `_` or a capital are skipped.
   */
  uiMethods?: Record<string, UIMethod> | readonly Record<string, UIMethod>[];
  /** `UIModule` classes templates use as `{% module Name(…) %}` (or a list of such objects). */
  uiModules?: Record<string, UIModuleClass> | readonly Record<string, UIModuleClass>[];
  /**
   * A directory of static files: served under `staticUrlPrefix` (and `/favicon.ico`,
   * `/robots.txt`) by `staticHandlerClass`, and linked with `staticUrl()`.
   */
  staticPath?: string;
  /** Where static files are served from. Default `/static/`. */
  staticUrlPrefix?: string;
  /** The handler of static files (a `StaticFileHandler` subclass). Default `StaticFileHandler`. */
  staticHandlerClass?: typeof StaticFileHandler;
  /** `initialize` arguments of `staticHandlerClass`, besides `path`. */
  staticHandlerArgs?: Record<string, unknown>;
  /** Keep static files' hashes between requests (default true; `debug` turns it off). */
  staticHashCache?: boolean;
  [setting: string]: unknown;
}

/** What `new Application()` takes: the settings, and two options tornado takes beside them. */
export interface ApplicationOptions extends ApplicationSettings {
  /**
   * The host whose handlers (`addHandlers`) serve a request for a host no pattern matches.
   * Do not use it where DNS rebinding matters (an application on 127.0.0.1 without TLS).
   */
  defaultHost?: string | null;
  /** The output transforms, instead of the default (`GZipContentEncoding` with `compressResponse`). */
  transforms?: OutputTransformClass[];
}

/** `settings` with what `debug` stands for filled in (tornado's `setdefault`s). */
export function applyDebug(settings: ApplicationSettings): ApplicationSettings {
  if (settings.debug === true) {
    settings.compiledTemplateCache ??= false;
    settings.staticHashCache ??= false;
    settings.serveTraceback ??= true;
  }
  return settings;
}
