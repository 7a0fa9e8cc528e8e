/**
 * tornado's `Application` (tornado/web.py): a web application's rules and settings, and the
 * `HTTPServerConnectionDelegate` an `HTTPServer` hands its requests to.
 *
 * An `Application` is a `ReversibleRuleRouter` whose rules are tornado's `default_router`'s:
 *
 * ```
 * Application                  [HostMatches(h1) → router, …, AnyMatches → wildcardRouter]
 *   wildcardRouter             the handlers given to the constructor
 *                              (+ DefaultHostMatches rules, with a defaultHost)
 *   addHandlers(h, handlers)   inserts HostMatches(h) → router(handlers) before the last rule
 * ```
 *
 * A request goes to the first host rule whose pattern matches its host and whose router finds
 * a handler for its path, else to the wildcard router, else to `defaultHandlerClass` or a 404
 * `ErrorHandler`. Every router here is an `ApplicationRouter` (tornado's `_ApplicationRouter`):
 * a `ReversibleRuleRouter` that takes `RequestHandler` classes as targets, and makes nested lists
 * of rules routers of its own kind. Any other target (a router, a delegate, a function) works as
 * in `@aio/tornado/routing`.
 */
import { HTTPServer, type HTTPServerOptions } from '../httpserver/server';
import type { HTTPMessageDelegate } from '../httputil/delegate';
import type { HTTPServerRequest } from '../httputil/request';
import { accessLog } from '../log';
import type { BindSocketsOptions } from '../netutil/sockets';
import { RouteReverseError } from '../routing/errors';
import {
  AnyMatches,
  DefaultHostMatches,
  HostMatches,
  type TargetParams,
} from '../routing/matchers';
import type { Router } from '../routing/router';
import { ReversibleRuleRouter } from '../routing/rule-router';
import { Rule, URLSpec, type RuleSpec, type RuleTarget } from '../routing/rules';
import { GZipContentEncoding, type OutputTransformClass } from './gzip';
import { isRequestHandlerClass, type RequestHandler, type RequestHandlerClass } from './handler';
import { HandlerDelegate } from './handler-delegate';
import { StaticFileHandler } from './static';
import { ErrorHandler } from './handlers';
import { applyDebug, type ApplicationOptions, type ApplicationSettings } from './settings';
import { resetTemplateLoaders } from './templates';
import {
  DEFAULT_UI_MODULES,
  loadUIMethods,
  loadUIModules,
  type UIMethod,
  type UIModuleClass,
} from './ui';

/** What `Application.listen` takes: the server's options and the sockets'. */
export type ListenOptions = HTTPServerOptions & BindSocketsOptions;

/**
 * A web application: rules from paths to `RequestHandler` classes (or any other routing
 * target), and settings every handler reads.
 * @example
 * ```ts
 * class MainHandler extends RequestHandler {
 *   override get() {
 *     this.write('Hello, world');
 *   }
 * }
 * const app = new Application([['/', MainHandler]], { cookieSecret: process.env.SECRET });
 * app.listen(8888);
 * await IOLoop.current().start();
 * ```
 * A rule is `[pattern, HandlerClass, initializeKwargs?, name?]` (or a `URLSpec`, a `Rule`): the
 * pattern a Python regex as tornado's are, its groups the method's arguments, the kwargs what
 * the handler's `initialize` gets, the name what `reverseUrl` knows it by.
 */
export class Application extends ReversibleRuleRouter {
  readonly settings: ApplicationSettings;
  /** The host a request for an unknown host is served as (see `addHandlers`). */
  defaultHost: string | null;
  /** The output transforms each response goes through. */
  readonly transforms: OutputTransformClass[];
  /** The router of the handlers given to the constructor (tornado's `wildcard_router`). */
  readonly wildcardRouter: ApplicationRouter;
  /** The handler of static files: the `staticHandlerClass` setting, or `StaticFileHandler`. */
  readonly staticHandlerClass: typeof StaticFileHandler;
  /** The UI modules templates can use: the defaults and the `uiModules` setting's. */
  readonly uiModules: Record<string, UIModuleClass> = { ...DEFAULT_UI_MODULES };
  /** The UI methods templates can call: the `uiMethods` setting's. */
  readonly uiMethods: Record<string, UIMethod> = {};

  /**
   * @throws TypeError for a malformed rule or a class target that is not a `RequestHandler`;
   *   RoutePatternError for a pattern that cannot be compiled
   */
  constructor(handlers?: readonly RuleSpec[] | null, options: ApplicationOptions = {}) {
    // The rules are added once the fields their processing reads are set.
    super();
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`new Application() expected an options object, got ${String(options)}`);
    }
    const { defaultHost = null, transforms, ...settings } = options;
    this.settings = applyDebug(settings);
    this.staticHandlerClass = settings.staticHandlerClass ?? StaticFileHandler;
    if (settings.uiModules !== undefined) loadUIModules(settings.uiModules, this.uiModules);
    if (settings.uiMethods !== undefined) loadUIMethods(settings.uiMethods, this.uiMethods);
    this.defaultHost = defaultHost;
    if (transforms === undefined) {
      this.transforms = [];
      if (settings.compressResponse === true || settings.gzip === true) {
        this.transforms.push(GZipContentEncoding);
      }
    } else {
      this.transforms = [...transforms];
    }
    const rules = [...(handlers ?? [])];
    const staticPath = settings.staticPath;
    if (staticPath) {
      // The static files' rules go first, as tornado puts them.
      const prefix = settings.staticUrlPrefix ?? '/static/';
      const args = { ...settings.staticHandlerArgs, path: staticPath };
      for (const pattern of [
        `${escapePattern(prefix)}(.*)`,
        '/(favicon\\.ico)',
        '/(robots\\.txt)',
      ]) {
        rules.unshift([pattern, this.staticHandlerClass, args]);
      }
    }
    this.wildcardRouter = new ApplicationRouter(this, rules);
    this.addRules([new Rule(new AnyMatches(), this.wildcardRouter)]);
  }

  /**
   * Starts an `HTTPServer` for this application on `port` (and `address`: every interface if
   * omitted); the options are the server's and the sockets' (`reusePort`, `backlog`, …).
   * @returns the server (stop it with `stop()`, or `drain()` for a graceful end)
   */
  listen(port: number, address: string | null = null, options: ListenOptions = {}): HTTPServer {
    const { family, backlog, flags, reusePort, ...serverOptions } = options;
    const server = new HTTPServer(this, serverOptions);
    server.listen(port, address, {
      ...(family === undefined ? {} : { family }),
      ...(backlog === undefined ? {} : { backlog }),
      ...(flags === undefined ? {} : { flags }),
      ...(reusePort === undefined ? {} : { reusePort }),
    });
    return server;
  }

  /**
   * Adds handlers for the hosts `hostPattern` matches (a Python regex, matched against the
   * whole host name without its port). Host patterns are tried in the order they were added,
   * before the constructor's handlers; each that matches is tried in turn.
   * @example
   * ```ts
   * app.addHandlers('www\\.example\\.com', [['/article/([0-9]+)', ArticleHandler]]);
   * ```
   */
  addHandlers(hostPattern: string | RegExp, hostHandlers: readonly RuleSpec[]): void {
    const hostMatcher = new HostMatches(hostPattern);
    const rule = new Rule(hostMatcher, new ApplicationRouter(this, hostHandlers));
    this.rules.splice(this.rules.length - 1, 0, rule);
    if (this.defaultHost !== null) {
      this.wildcardRouter.addRules([
        [new DefaultHostMatches(this, hostMatcher.hostPattern), hostHandlers],
      ]);
    }
  }

  /** Adds an output transform for the responses of every request from now on. */
  addTransform(transformClass: OutputTransformClass): void {
    this.transforms.push(transformClass);
  }

  /**
   * The delegate for `request`: the handler its host and path lead to, else the
   * `defaultHandlerClass` setting's, else a 404.
   */
  // #region find-handler
  override findHandler(request: HTTPServerRequest, params?: TargetParams): HTTPMessageDelegate {
    const route = super.findHandler(request, params);
    if (route !== null) return route;
    const defaultHandler = this.settings.defaultHandlerClass;
    if (defaultHandler !== undefined) {
      return this.getHandlerDelegate(
        request,
        defaultHandler,
        this.settings.defaultHandlerArgs ?? {},
      );
    }
    return this.getHandlerDelegate(request, ErrorHandler, { statusCode: 404 });
  }
  // #endregion find-handler

  /**
   * The message delegate that serves `request` with `handlerClass`: it makes the handler with
   * `handlerKwargs` for its `initialize`, and calls its HTTP method with the path's groups
   * (octets, as a matcher gives them).
   */
  getHandlerDelegate(
    request: HTTPServerRequest,
    handlerClass: RequestHandlerClass,
    handlerKwargs: Readonly<Record<string, unknown>> | null = null,
    pathArgs: readonly (Buffer | null)[] | null = null,
    pathKwargs: Readonly<Record<string, Buffer | null>> | null = null,
  ): HTTPMessageDelegate {
    return new HandlerDelegate(this, request, handlerClass, handlerKwargs, pathArgs, pathKwargs);
  }

  override processRule(rule: Rule): Rule {
    return checkTarget(super.processRule(rule));
  }

  override nestedRouter(rules: readonly RuleSpec[]): Router {
    return new ApplicationRouter(this, rules);
  }

  override getTargetDelegate(
    target: RuleTarget,
    request: HTTPServerRequest,
    params: TargetParams,
  ): HTTPMessageDelegate | null {
    if (isRequestHandlerClass(target)) {
      return this.getHandlerDelegate(
        request,
        target,
        params.targetKwargs ?? null,
        params.pathArgs ?? null,
        params.pathKwargs ?? null,
      );
    }
    return super.getTargetDelegate(target, request, params);
  }

  /**
   * The URL of the handler named `name`, its pattern's groups filled with `args` (escaped as a
   * path: UTF-8, `%XX`).
   * @throws RouteReverseError when no handler has that name, or the arguments do not fit
   */
  override reverseUrl(name: string, ...args: unknown[]): string {
    const url = super.reverseUrl(name, ...args);
    if (url !== null) return url;
    throw new RouteReverseError(`${name} not found in named urls`);
  }

  /**
   * Logs a finished request on `tornado.access`: `200 GET / (127.0.0.1) 0.52ms`, at info below
   * 400, warning below 500, error from 500. The `logFunction` setting replaces it; so may a
   * subclass.
   */
  logRequest(handler: RequestHandler): void {
    const logFunction = this.settings.logFunction;
    if (logFunction !== undefined) {
      logFunction(handler);
      return;
    }
    const status = handler.getStatus();
    const level = status < 400 ? 'info' : status < 500 ? 'warn' : 'error';
    // The line is made only for a logger that keeps it: by default (the root at warning, as
    // Python's) the access log drops every 2xx and 3xx line, and making it was 4% of a response.
    if (!accessLog.isLevelEnabled(level)) return;
    const ms = 1000 * handler.request.requestTime();
    accessLog[level](`${String(status)} ${handler.requestSummary()} ${ms.toFixed(2)}ms`);
  }

  /** Makes every template loader read its templates again (`compiledTemplateCache: false`). */
  resetTemplateLoaders(): void {
    resetTemplateLoaders();
  }

  override toString(): string {
    return `<Application rules=${String(this.wildcardRouter.rules.length)} hosts=${String(this.rules.length - 1)}>`;
  }
}

/**
 * The router of an application's rules (tornado's `_ApplicationRouter`): `RequestHandler`
 * classes as targets, nested rule lists as routers of its own kind.
 */
export class ApplicationRouter extends ReversibleRuleRouter {
  readonly application: Application;

  constructor(application: Application, rules?: readonly RuleSpec[] | null) {
    super();
    this.application = application;
    if (rules) this.addRules(rules);
  }

  override processRule(rule: Rule): Rule {
    return checkTarget(super.processRule(rule));
  }

  override nestedRouter(rules: readonly RuleSpec[]): Router {
    return new ApplicationRouter(this.application, rules);
  }

  override getTargetDelegate(
    target: RuleTarget,
    request: HTTPServerRequest,
    params: TargetParams,
  ): HTTPMessageDelegate | null {
    // One place decides what a target becomes: the application's.
    return this.application.getTargetDelegate(target, request, params);
  }

  override toString(): string {
    return `<ApplicationRouter rules=${String(this.rules.length)}>`;
  }
}

/**
 * tornado's `url()`: a `URLSpec`, the rule of an application's handler list.
 * @example
 * ```ts
 * new Application([url('/story/([0-9]+)', StoryHandler, { db }, 'story')]);
 * ```
 */
export function url(
  pattern: string | RegExp,
  handler: RuleTarget,
  kwargs?: Record<string, unknown> | null,
  name?: string | null,
): URLSpec {
  return new URLSpec(pattern, handler, kwargs, name);
}

/** `text` as a Python regex matching it literally (`re.escape`). */
function escapePattern(text: string): string {
  return text.replace(/[.^$*+?{}[\]\\|()]/g, '\\$&');
}

/**
 * A class target must be a `RequestHandler`: any other class would be called as a function,
 * and fail on the first request rather than here.
 */
function checkTarget(rule: Rule): Rule {
  const target = rule.target;
  if (
    typeof target === 'function' &&
    !isRequestHandlerClass(target) &&
    /^class\b/.test(Function.prototype.toString.call(target))
  ) {
    throw new TypeError(
      `${String(rule)}: a class target must extend RequestHandler, got ${target.name || 'an anonymous class'}`,
    );
  }
  return rule;
}
