/**
 * routing — the themes of tornado's routing_test.py, plus the routing parts of web_test.py
 * (URLSpecReverseTest, the reverse_url escapes of DecodeArgHandler's test, HostMatchingTest,
 * DefaultHostMatchingTest, RequestEncodingTest's path groups, PathArgsInPrepareTest,
 * NamedURLSpecGroupsTest). tornado's tests route to `RequestHandler`s of a `web.Application`,
 * which is not ported yet: each handler here is a plain message delegate or a function target
 * answering the same text, and the "applications" of CustomRouterTestCase and RuleRouterTest are
 * small objects that make such delegates. Served by a real `HTTPServer` on 127.0.0.1 and fetched
 * with `AsyncHTTPClient` (raw sockets where the bytes or the close matter); the fd guard checks
 * the file leaves no socket open.
 */
import { describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { AsyncHTTPClient, type FetchOptions, type HTTPResponse } from './httpclient';
import type { HTTPServerRequest } from './httpserver';
import {
  HTTPHeaders,
  HTTPServerRequest as Request,
  RequestStartLine,
  ResponseStartLine,
  type HTTPConnection,
  type HTTPMessageDelegate,
  type HTTPServerConnectionDelegate,
} from './httputil';
import { MODES, main, until } from './locks/test-support';
import { appLog, setLevel } from './log';
import * as routing from './routing';
import {
  AnyMatches,
  DefaultHostMatches,
  HostMatches,
  Matcher,
  PathMatches,
  ReversibleRouter,
  ReversibleRuleRouter,
  RoutePatternError,
  RouteReverseError,
  Router,
  Rule,
  RuleRouter,
  URLSpec,
  type RoutedCallback,
  type RuleTarget,
  type TargetParams,
} from './routing';
import { readResponse, respond, withServer, type Harness, useHttpTestHooks } from './test-http';

const logs = useHttpTestHooks();

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────

/** A message delegate that answers `body` once the request is in (the tests' MessageDelegate). */
function answer(connection: HTTPConnection, body: string, code = 200): HTTPMessageDelegate {
  return {
    headersReceived() {},
    dataReceived() {},
    finish() {
      void connection.writeHeaders(
        new ResponseStartLine('HTTP/1.1', code, code === 200 ? 'OK' : 'Not Found'),
        new HTTPHeaders({ 'Content-Length': String(Buffer.byteLength(body)) }),
        body,
      );
      connection.finish();
    },
    onConnectionClose() {},
  };
}

/** A function target answering `text`. */
const reply =
  (text: string): RoutedCallback =>
  (request) =>
    respond(request, text);

/** A request as a router sees it, for the tests that need no server. */
function fakeRequest(path: string, host = 'example.com', extra: Record<string, string> = {}) {
  return new Request({
    startLine: new RequestStartLine('GET', path, 'HTTP/1.1'),
    headers: new HTTPHeaders({ Host: host, ...extra }),
  });
}

/** What `PathMatches` gives for `path`, octets shown as UTF-8 text. */
function groups(pattern: string | RegExp, path: string): unknown {
  const params = new PathMatches(pattern).match(fakeRequest(path));
  if (params === null) return null;
  const text = (value: Buffer | null) => (value === null ? null : value.toString('utf8'));
  return {
    args: params.pathArgs?.map(text),
    kwargs:
      params.pathKwargs &&
      Object.fromEntries(Object.entries(params.pathKwargs).map(([k, v]) => [k, text(v)])),
  };
}

/** A rule's matcher, checked to be a PathMatches. */
function pathMatcher(rule: Rule): PathMatches {
  if (!(rule.matcher instanceof PathMatches))
    throw new TypeError(`not a path rule: ${String(rule)}`);
  return rule.matcher;
}

type Get = (path: string, options?: FetchOptions) => Generator<unknown, HTTPResponse, unknown>;

/** Serves `router` on 127.0.0.1 and runs `body` with a client's `get`; everything closed after. */
function serve<T>(
  router: HTTPServerConnectionDelegate,
  mode: LoopMode,
  body: (get: Get, harness: Harness) => Generator<unknown, T, unknown>,
): Promise<T> {
  return main(
    () =>
      withServer(router, {}, function* (h) {
        const client = new AsyncHTTPClient({ forceInstance: true });
        const get: Get = function* (path, options = {}) {
          const url = `http://127.0.0.1:${String(h.port)}${path}`;
          return yield* client.fetch(url, { raiseError: false, ...options });
        };
        try {
          return yield* body(get, h);
        } finally {
          client.close();
        }
      }),
    mode,
    'real',
  );
}

/** `[code, body]` of a response, for one `toEqual`. */
const seen = (response: HTTPResponse): [number, string] => [
  response.code,
  response.body.toString('utf8'),
];

// ─── The surface ────────────────────────────────────────────────────────────────────────────────

it('exports the names it promises', () => {
  expect(Object.keys(routing).sort()).toEqual([
    'AnyMatches',
    'DefaultHostMatches',
    'HostMatches',
    'Matcher',
    'PathMatches',
    'ReversibleRouter',
    'ReversibleRuleRouter',
    'RoutePatternError',
    'RouteReverseError',
    'Router',
    'Rule',
    'RuleRouter',
    'URLSpec',
  ]);
});

// ─── Matchers, without a server ────────────────────────────────────────────────────────────────

describe('PathMatches', () => {
  it("matches from the start of the path up to tornado's appended $", () => {
    const m = new PathMatches('/foo');
    expect(m.pattern).toBe('/foo$');
    expect(m.match(fakeRequest('/foo'))).toEqual({});
    expect(m.match(fakeRequest('/foo?a=1'))).toEqual({}); // the query is not the path
    expect(m.match(fakeRequest('/foobar'))).toBeNull();
    expect(m.match(fakeRequest('/x/foo'))).toBeNull();
    expect(new PathMatches('/foo$').pattern).toBe('/foo$');
    // As in tornado, the $ binds to the last alternative only.
    expect(new PathMatches('/a|/b').match(fakeRequest('/a/anything'))).toEqual({});
    expect(new PathMatches('/a|/b').match(fakeRequest('/b/anything'))).toBeNull();
  });

  it('PathArgsInPrepareTest: positional groups are pathArgs, named ones pathKwargs, never both', () => {
    expect(groups('/pos/(.*)', '/pos/foo')).toEqual({ args: ['foo'], kwargs: {} });
    expect(groups('/kw/(?P<path>.*)', '/kw/foo')).toEqual({ args: [], kwargs: { path: 'foo' } });
    expect(() => new PathMatches('/(?P<a>x)/(y)')).toThrow(RoutePatternError);
    expect(() => new PathMatches('/(?P<a>x)/(y)')).toThrow(/all named or all positional/);
  });

  it('RequestEncodingTest: groups are percent-decoded to octets; + stays +; %2F becomes a slash', () => {
    expect(groups('/group/(.*)', '/group/%3F')).toEqual({ args: ['?'], kwargs: {} });
    expect(groups('/group/(.*)', '/group/%C3%A9')).toEqual({ args: ['é'], kwargs: {} });
    expect(groups('/slashes/([^/]*)/([^/]*)', '/slashes/a%2Fb/c%2Fd')).toEqual({
      args: ['a/b', 'c/d'],
      kwargs: {},
    });
    expect(groups('/decode_arg/(.*)', '/decode_arg/1%20+%201')).toEqual({
      args: ['1 + 1'],
      kwargs: {},
    });
    // Octets, not text: invalid UTF-8 is the handler's to judge; a stray % is kept.
    const params = new PathMatches('/bytes/(.*)').match(fakeRequest('/bytes/%FF%zz'))!;
    expect(params.pathArgs![0]).toEqual(Buffer.from([0xff, 0x25, 0x7a, 0x7a]));
  });

  it('a group that did not take part is null', () => {
    expect(groups('/opt/(a)?(b)', '/opt/b')).toEqual({ args: [null, 'b'], kwargs: {} });
    expect(groups('/opt/(?P<x>a)?(?P<y>b)', '/opt/b')).toEqual({
      args: [],
      kwargs: { x: null, y: 'b' },
    });
  });

  it('takes a RegExp as it is (no $ added), matched from the start', () => {
    const m = new PathMatches(/\/Files\/(\w+)/i);
    expect(m.pattern).toBe('\\/Files\\/(\\w+)');
    expect(m.match(fakeRequest('/files/abc/more'))!.pathArgs).toEqual([Buffer.from('abc')]);
    expect(m.match(fakeRequest('/x/files/abc'))).toBeNull();
    expect(m.regex.sticky).toBe(true);
    expect(new PathMatches(/\/a/g).regex.global).toBe(false);
  });

  it('refuses a pattern that is neither a string nor a RegExp', () => {
    expect(() => new PathMatches(42 as never)).toThrow(TypeError);
    expect(() => new PathMatches(42 as never)).toThrow(/pattern must be a string or a RegExp/);
  });
});

describe('PathMatches.reverse (URLSpecReverseTest)', () => {
  it('a pattern without groups is its own URL; ^ and $ are dropped, escapes undone', () => {
    expect(new URLSpec('/favicon\\.ico', reply('')).reverse()).toBe('/favicon.ico');
    expect(new URLSpec('^/favicon\\.ico$', reply('')).reverse()).toBe('/favicon.ico');
  });

  it('fills each group with an argument', () => {
    expect(new URLSpec('^/api/v1/foo/(\\w+)$', reply('')).reverse('bar')).toBe('/api/v1/foo/bar');
    expect(new URLSpec('/api\\.v1/foo/([0-9]+)/icon\\.png', reply('')).reverse(5)).toBe(
      '/api.v1/foo/5/icon.png',
    );
    expect(new PathMatches('/u/(?P<user>[^/]+)/(?P<tab>\\w+)').reverse('ann', 'feed')).toBe(
      '/u/ann/feed',
    );
  });

  it("escapes arguments as tornado's url_escape(plus=False): UTF-8, %XX, slashes kept", () => {
    const m = new PathMatches('/decode_arg/(.*)');
    expect(m.reverse('foo')).toBe('/decode_arg/foo');
    expect(m.reverse(42)).toBe('/decode_arg/42');
    expect(m.reverse(Buffer.from([0xe9]))).toBe('/decode_arg/%E9');
    expect(m.reverse('\u00e9')).toBe('/decode_arg/%C3%A9');
    expect(m.reverse('1 + 1')).toBe('/decode_arg/1%20%2B%201');
    expect(m.reverse('a/b?c#d')).toBe('/decode_arg/a/b%3Fc%23d');
  });

  it('refuses to reverse what it cannot read: \\d outside a group, (?:…), \\(, nested groups', () => {
    for (const pattern of [
      '^/api/v\\d+/foo/(\\w+)$',
      '/(?:a|b)/(\\w+)',
      '/\\((\\w+)\\)',
      '/((a)b)',
    ]) {
      const spec = new URLSpec(pattern, reply('')); // can still be made, and match
      expect(() => spec.reverse('x'), pattern).toThrow(RouteReverseError);
      expect(() => spec.reverse('x'), pattern).toThrow(/Cannot reverse url regex/);
    }
  });

  it('refuses the wrong number of arguments', () => {
    const m = new PathMatches('/(\\d+)/(\\d+)');
    expect(() => m.reverse(1)).toThrow(RouteReverseError);
    expect(() => m.reverse(1, 2, 3)).toThrow(/expected 2 argument\(s\), one per group, got 3/);
    try {
      m.reverse();
    } catch (error) {
      expect((error as RouteReverseError).code).toBe('ERR_AIO_ROUTE_REVERSE');
    }
  });
});

describe('Python regex syntax', () => {
  it('translates (?P<name>…), (?P=name), (?#…), \\A, \\Z, {,n}, []…] and leading flags', () => {
    expect(groups('/(?P<a>\\w+)/(?P=a)', '/x/x')).toEqual({ args: [], kwargs: { a: 'x' } });
    expect(groups('/(?P<a>\\w+)/(?P=a)', '/x/y')).toBeNull();
    expect(groups('/c(?#a comment)/(\\d+)', '/c/7')).toEqual({ args: ['7'], kwargs: {} });
    expect(groups('\\A/z/(\\d+)\\Z', '/z/7')).toEqual({ args: ['7'], kwargs: {} });
    expect(groups('/n/(x{,2})', '/n/xx')).toEqual({ args: ['xx'], kwargs: {} });
    expect(groups('/n/(x{,2})', '/n/xxx')).toBeNull();
    expect(groups('/b/([]a]+)', '/b/]a]')).toEqual({ args: [']a]'], kwargs: {} });
    expect(groups('/b/([^]a]+)', '/b/xyz')).toEqual({ args: ['xyz'], kwargs: {} });
    expect(groups('/b/([^]a]+)', '/b/x]')).toBeNull();
    expect(groups('(?i)/CASE/(\\w+)', '/case/X')).toEqual({ args: ['X'], kwargs: {} });
    expect(groups('/bell\\a', '/bell\x07')).toEqual({ args: undefined, kwargs: undefined });
  });

  it.each([
    ['(?x)/verbose', /inline flag \(\?x\)/],
    ['/a(?i)b', /inline flags \(\?i\)/],
    ['/(?i:scoped)', /inline flags \(\?i:/],
    ['/(a)?(?(1)b|c)', /conditional group/],
    ['/(?>atomic)', /atomic group/],
    ['/a*+', /possessive quantifier/],
    ['/a{2}+', /possessive quantifier/],
    ['/\\N{DIGIT ONE}', /escape \\N/],
    ['/end\\z', /escape \\z/],
    ['/[\\A]', /escape \\A in a character class/],
    ['/(unclosed', /invalid pattern/],
  ])('refuses %s with a RoutePatternError naming the construct', (pattern, message) => {
    let caught: unknown;
    try {
      new PathMatches(pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RoutePatternError);
    expect(caught).toBeInstanceOf(SyntaxError);
    expect((caught as RoutePatternError).code).toBe('ERR_AIO_ROUTE_PATTERN');
    expect((caught as RoutePatternError).pattern).toBe(`${pattern}$`);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('HostMatches and DefaultHostMatches', () => {
  it("matches the request's host name (lowercased, port dropped), from its start to its end", () => {
    const m = new HostMatches('www\\.example\\.com');
    expect(m.match(fakeRequest('/', 'WWW.Example.com:8080'))).toEqual({});
    expect(m.match(fakeRequest('/', 'www.example.com.evil'))).toBeNull();
    expect(m.match(fakeRequest('/', 'evil.www.example.com'))).toBeNull();
    expect(new HostMatches('.*').match(fakeRequest('/', 'anything'))).toEqual({});
    expect(new HostMatches(/api\./).match(fakeRequest('/', 'api.example.com'))).toEqual({});
  });

  it("DefaultHostMatches: the application's defaultHost decides, unless X-Real-Ip is there", () => {
    const app: { defaultHost: string | null } = { defaultHost: 'www.example.com' };
    const m = new DefaultHostMatches(app, 'www\\.example\\.com');
    expect(m.match(fakeRequest('/', '127.0.0.1'))).toEqual({});
    expect(m.match(fakeRequest('/', '127.0.0.1', { 'X-Real-Ip': '10.0.0.1' }))).toBeNull();
    app.defaultHost = 'www.test.com';
    expect(m.match(fakeRequest('/', '127.0.0.1'))).toBeNull();
    app.defaultHost = null;
    expect(m.match(fakeRequest('/', '127.0.0.1'))).toBeNull();
    // web.Application hands it HostMatches's compiled pattern.
    const host = new HostMatches('www.test.com');
    expect(
      new DefaultHostMatches({ defaultHost: 'www.test.com' }, host.hostPattern).match(
        fakeRequest('/', '127.0.0.1'),
      ),
    ).toEqual({});
  });

  it('AnyMatches matches everything; a Matcher reverses to null unless it says otherwise', () => {
    expect(new AnyMatches().match()).toEqual({});
    expect(new AnyMatches().reverse('x')).toBeNull();
    expect(String(new AnyMatches())).toBe('AnyMatches()');
    expect(String(new HostMatches('a.com'))).toBe('HostMatches("a.com$")');
    expect(String(new PathMatches('/x/(\\d+)'))).toBe('PathMatches("/x/(\\\\d+)$")');
  });
});

// ─── Rules and rule routers, without a server ──────────────────────────────────────────────────

describe('Rule, URLSpec and RuleRouter.addRules', () => {
  it('a tuple is a Rule; a string or RegExp first means PathMatches', () => {
    const target = reply('x');
    const router = new RuleRouter([
      ['/a', target],
      [/\/b/, target, { k: 1 }],
      [new HostMatches('h'), target, null, 'named'],
      new Rule(new AnyMatches(), target),
    ]);
    expect(router.rules.map((rule) => rule.matcher.constructor.name)).toEqual([
      'PathMatches',
      'PathMatches',
      'HostMatches',
      'AnyMatches',
    ]);
    expect(router.rules.map((rule) => [rule.targetKwargs, rule.name])).toEqual([
      [{}, null],
      [{ k: 1 }, null],
      [{}, 'named'],
      [{}, null],
    ]);
    expect(String(router)).toBe('<RuleRouter rules=4>');
    expect(String(router.rules[1])).toBe(
      'Rule(PathMatches("\\\\/b"), [Function (anonymous)], kwargs={ k: 1 }, name=null)',
    );
  });

  it('refuses what is not a rule, naming it', () => {
    const router = new RuleRouter();
    expect(() => router.addRules([['/a'] as never])).toThrow(RangeError);
    expect(() => router.addRules([['/a', reply(''), {}, 'n', 'extra'] as never])).toThrow(
      /rule must be \[matcher, target, targetKwargs\?, name\?\]/,
    );
    expect(() => router.addRules(['/a' as never])).toThrow(TypeError);
    expect(() => router.addRules('/a' as never)).toThrow(TypeError);
    expect(() => new Rule('/a' as never, reply(''))).toThrow(/matcher must be a Matcher/);
    // tornado imports a dotted name; nothing here does.
    expect(() => new Rule(new AnyMatches(), 'module.Handler' as never)).toThrow(TypeError);
    expect(router.rules).toEqual([]);
  });

  it('URLSpec: a PathMatches rule with regex, handlerClass and kwargs', () => {
    const handler = reply('');
    const spec = new URLSpec('/story/([0-9]+)', handler, null, 'story');
    expect(spec.matcher).toBeInstanceOf(PathMatches);
    expect(spec.regex).toBe(pathMatcher(spec).regex);
    expect(spec.handlerClass).toBe(handler);
    expect([spec.kwargs, spec.targetKwargs, spec.name]).toEqual([null, {}, 'story']);
    expect(spec.reverse(7)).toBe('/story/7');
    expect(String(spec)).toBe(
      'URLSpec("/story/([0-9]+)$", [Function (anonymous)], kwargs=null, name="story")',
    );
  });

  it('a list of rules as a target becomes a nested router of the same kind', () => {
    const plain = new RuleRouter([[new AnyMatches(), [['/a', reply('')]]]]);
    expect(plain.rules[0]!.target).toBeInstanceOf(RuleRouter);
    expect(plain.rules[0]!.target).not.toBeInstanceOf(ReversibleRuleRouter);
    const reversible = new ReversibleRuleRouter([[new AnyMatches(), [['/a', reply('')]]]]);
    expect(reversible.rules[0]!.target).toBeInstanceOf(ReversibleRuleRouter);
  });

  it('processRule sees each rule as it is added, and may replace it', () => {
    class Prefixed extends RuleRouter {
      override processRule(rule: Rule): Rule {
        const path = pathMatcher(rule).pattern;
        return super.processRule(new Rule(new PathMatches(`/v1${path}`), rule.target));
      }
    }
    const router = new Prefixed([['/users', reply('')]]);
    expect(pathMatcher(router.rules[0]!).pattern).toBe('/v1/users$');
  });
});

describe('RuleRouter.findHandler and getTargetDelegate', () => {
  it('a nested router gets the outer rule’s params; the first delegate found wins', () => {
    const seenParams: TargetParams[] = [];
    class Recorder extends Router {
      findHandler(_request: HTTPServerRequest, params?: TargetParams) {
        seenParams.push(params!);
        return null; // go on to the next rule
      }
    }
    const end = answer({} as HTTPConnection, '');
    class Found extends Router {
      findHandler() {
        return end;
      }
    }
    const router = new RuleRouter([
      [new PathMatches('/items/(\\d+)'), new Recorder(), { db: 'main' }],
      [new PathMatches('/items/(?P<id>\\d+)'), new Found()],
    ]);
    expect(router.findHandler(fakeRequest('/items/42'))).toBe(end);
    expect(seenParams).toEqual([
      { pathArgs: [Buffer.from('42')], pathKwargs: {}, targetKwargs: { db: 'main' } },
    ]);
    expect(router.findHandler(fakeRequest('/other'))).toBeNull();
  });

  it('getTargetDelegate can be extended with target kinds of its own (as web.Application will)', () => {
    const made: string[] = [];
    class Handler {
      constructor(readonly name: string) {}
    }
    class AppRouter extends ReversibleRuleRouter {
      override getTargetDelegate(
        target: RuleTarget,
        request: HTTPServerRequest,
        params: TargetParams,
      ): HTTPMessageDelegate | null {
        if (target === Handler) {
          made.push(`${request.path} ${String(params.pathArgs?.length)}`);
          return answer({} as HTTPConnection, '');
        }
        return super.getTargetDelegate(target, request, params);
      }
    }
    const router = new AppRouter([['/h/(.*)', Handler, null, 'h']]);
    expect(router.findHandler(fakeRequest('/h/x'))).not.toBeNull();
    expect(made).toEqual(['/h/x 1']);
    expect(router.reverseUrl('h', 'y')).toBe('/h/y');
  });

  it('a delegate or function target needs the request’s connection', () => {
    const router = new RuleRouter([['/f', reply('')]]);
    expect(() => router.findHandler(fakeRequest('/f'))).toThrow(/has no connection/);
  });

  it('a delegate whose headers were refused is closed without a routed delegate (tornado 6.5.2)', () => {
    const router = new RuleRouter([]);
    const delegate = router.startRequest({}, {} as HTTPConnection);
    expect(() => delegate.onConnectionClose()).not.toThrow();
  });
});

describe('ReversibleRuleRouter.reverseUrl', () => {
  it('reverses named rules, looks into nested reversible routers, and says null for a stranger', () => {
    class Table extends ReversibleRouter {
      findHandler() {
        return null;
      }
      reverseUrl(name: string) {
        return name === 'custom' ? '/custom' : null;
      }
    }
    const router = new ReversibleRuleRouter([
      ['/story/([0-9]+)', reply(''), null, 'story'],
      [new HostMatches('h'), [['/inner/(\\w+)', reply(''), null, 'inner']]],
      [new AnyMatches(), new Table()],
    ]);
    expect(router.reverseUrl('story', 12)).toBe('/story/12');
    expect(router.reverseUrl('inner', 'x')).toBe('/inner/x');
    expect(router.reverseUrl('custom')).toBe('/custom');
    expect(router.reverseUrl('nobody')).toBeNull();
    expect([...router.namedRules.keys()]).toEqual(['story']);
  });

  it('is both a RuleRouter and a ReversibleRouter, as tornado’s inherits from both', () => {
    const router = new ReversibleRuleRouter();
    expect(router).toBeInstanceOf(RuleRouter);
    expect(router).toBeInstanceOf(ReversibleRouter);
    expect(router).toBeInstanceOf(Router);
    expect(new RuleRouter()).not.toBeInstanceOf(ReversibleRouter);
    expect({ reverseUrl() {} }).not.toBeInstanceOf(ReversibleRouter);
  });

  it('a second rule of the same name replaces the first, with a warning', () => {
    const router = new ReversibleRuleRouter([
      ['/old', reply(''), null, 'page'],
      ['/new', reply(''), null, 'page'],
    ]);
    expect(router.reverseUrl('page')).toBe('/new');
    expect(logs.messages()).toEqual(['Multiple handlers named page; replacing previous value']);
  });
});

// ─── Served: the themes of routing_test.py ─────────────────────────────────────────────────────

/** tornado's CustomRouter: a table of path → (application, handler name). */
class CustomRouter extends ReversibleRouter {
  readonly routes = new Map<string, [FakeApplication, string]>();

  addRoutes(routes: Record<string, [FakeApplication, string]>): void {
    for (const [path, route] of Object.entries(routes)) this.routes.set(path, route);
  }

  findHandler(request: HTTPServerRequest): HTTPMessageDelegate | null {
    const route = this.routes.get(request.path);
    return route === undefined ? null : route[0].getHandlerDelegate(request, route[1]);
  }

  reverseUrl(name: string): string | null {
    return this.routes.has(`/${name}`) ? `/${name}` : null;
  }
}

/**
 * What the tests need of a `web.Application`: a name (its `app_name` setting), a `reverseUrl`,
 * and `getHandlerDelegate` for tornado's named handler, which answers
 * `[app: ]handler: reverse_url(handler)`.
 */
class FakeApplication {
  constructor(
    readonly reverseUrl: (name: string) => string | null,
    readonly appName: string | null = null,
  ) {}

  getHandlerDelegate(request: HTTPServerRequest, handler: string): HTTPMessageDelegate {
    const prefix = this.appName === null ? '' : `${this.appName}: `;
    return answer(request.connection!, `${prefix}${handler}: ${String(this.reverseUrl(handler))}`);
  }
}

/** tornado's ConnectionDelegate: writes the headers, then the body, then finishes. */
class ConnectionDelegate implements HTTPServerConnectionDelegate {
  startRequest(_server: object, connection: HTTPConnection): HTTPMessageDelegate {
    return {
      headersReceived() {},
      dataReceived() {},
      finish() {
        void connection.writeHeaders(
          new ResponseStartLine('HTTP/1.1', 200, 'OK'),
          new HTTPHeaders({ 'Content-Length': '2' }),
        );
        void connection.write('OK');
        connection.finish();
      },
      onConnectionClose() {},
    };
  }
}

/** tornado's request_callable: an old-style request callback as a target. */
function requestCallable(request: HTTPServerRequest): void {
  const connection = request.connection!;
  void connection.writeHeaders(
    new ResponseStartLine('HTTP/1.1', 200, 'OK'),
    new HTTPHeaders({ 'Content-Length': '2' }),
  );
  void connection.write('OK');
  connection.finish();
}

describe.each(MODES)('routing over HTTP (%s mode)', (mode: LoopMode) => {
  it('BasicRouterTestCase: a Router subclass serves any request', async () => {
    class BasicRouter extends Router {
      findHandler(request: HTTPServerRequest) {
        return answer(request.connection!, 'OK');
      }
    }
    const got = await serve(new BasicRouter(), mode, function* (get) {
      return seen(yield* get('/any_request'));
    });
    expect(got).toEqual([200, 'OK']);
  });

  it('HTTPMethodRouterTestCase (plain delegates for its handlers): routes by method', async () => {
    const resources = new Map<string, Buffer>();
    class HTTPMethodRouter extends Router {
      findHandler(request: HTTPServerRequest): HTTPMessageDelegate {
        const connection = request.connection!;
        if (request.method === 'GET') {
          const stored = resources.get(request.path);
          return stored === undefined
            ? answer(connection, '', 404)
            : answer(connection, stored.toString());
        }
        const chunks: Buffer[] = [];
        return {
          ...answer(connection, ''),
          dataReceived(chunk) {
            chunks.push(chunk);
          },
          finish() {
            resources.set(request.path, Buffer.concat(chunks));
            answer(connection, '').finish();
          },
        };
      }
    }
    const got = await serve(new HTTPMethodRouter(), mode, function* (get) {
      return [
        seen(yield* get('/post_resource', { method: 'POST', body: 'data' })),
        seen(yield* get('/get_resource')),
        seen(yield* get('/post_resource')),
      ];
    });
    expect(got).toEqual([
      [200, ''],
      [404, ''],
      [200, 'data'],
    ]);
  });

  it('CustomRouterTestCase (applications as delegate makers): a ReversibleRouter of its own', async () => {
    const router = new CustomRouter();
    const app1 = new FakeApplication((name) => router.reverseUrl(name), 'app1');
    const app2 = new FakeApplication((name) => router.reverseUrl(name), 'app2');
    router.addRoutes({
      '/first_handler': [app1, 'first_handler'],
      '/second_handler': [app2, 'second_handler'],
      '/first_handler_second_app': [app2, 'first_handler'],
    });
    const got = await serve(router, mode, function* (get) {
      return [
        (yield* get('/first_handler')).body.toString(),
        (yield* get('/second_handler')).body.toString(),
        (yield* get('/first_handler_second_app')).body.toString(),
      ];
    });
    expect(got).toEqual([
      'app1: first_handler: /first_handler',
      'app2: second_handler: /second_handler',
      'app2: first_handler: /first_handler',
    ]);
  });

  it('RuleRouterTest (function targets for its handlers): hosts, nesting, fall-through, every target kind', async () => {
    let top: ReversibleRuleRouter | null = null;
    const named =
      (name: string): RoutedCallback =>
      (request) =>
        respond(request, `${name}: ${String(top!.reverseUrl(name))}`);
    const custom = new CustomRouter();
    custom.addRoutes({
      '/nested_handler': [new FakeApplication((name) => top!.reverseUrl(name)), 'nested_handler'],
    });
    top = new ReversibleRuleRouter([
      [
        new HostMatches('www.example.com'),
        [[new PathMatches('/first_handler'), named('second_handler'), {}, 'second_handler']],
      ],
      new Rule(new PathMatches('/.*handler'), custom),
      new Rule(new PathMatches('/first_handler'), named('first_handler'), null, 'first_handler'),
      new Rule(new PathMatches('/request_callable'), requestCallable),
      ['/connection_delegate', new ConnectionDelegate()],
    ]);
    const got = await serve(top, mode, function* (get) {
      return [
        seen(yield* get('/first_handler')),
        seen(yield* get('/first_handler', { headers: { Host: 'www.example.com' } })),
        seen(yield* get('/nested_handler')),
        seen(yield* get('/nested_not_found_handler')),
        seen(yield* get('/connection_delegate')),
        seen(yield* get('/request_callable')),
        seen(yield* get('/404')),
      ];
    });
    expect(got).toEqual([
      [200, 'first_handler: /first_handler'],
      [200, 'second_handler: /first_handler'],
      [200, 'nested_handler: /nested_handler'],
      [404, ''],
      [200, 'OK'],
      [200, 'OK'],
      [404, ''],
    ]);
  });

  it('WSGIContainerTestCase (a delegate for the WSGI app): a nested application beside a delegate', async () => {
    const application = new ReversibleRuleRouter();
    application.addRules([
      [
        '/tornado/test',
        (request) => respond(request, String(application.reverseUrl('tornado'))),
        {},
        'tornado',
      ],
    ]);
    const router = new RuleRouter([
      [new PathMatches('/tornado.*'), application],
      [new PathMatches('/wsgi'), { startRequest: (_s, c) => answer(c, 'WSGI') }],
    ]);
    const got = await serve(router, mode, function* (get) {
      return [
        seen(yield* get('/tornado/test')),
        seen(yield* get('/wsgi')),
        seen(yield* get('/404')),
      ];
    });
    expect(got).toEqual([
      [200, '/tornado/test'],
      [200, 'WSGI'],
      [404, ''],
    ]);
  });
});

describe('routing over HTTP: web_test.py themes and the edges', () => {
  const mode: LoopMode = 'hosted';

  it('HostMatchingTest (host rules, then a wildcard): the first host whose rules serve the path wins', async () => {
    const router = new RuleRouter([
      [new HostMatches('www.example.com'), [['/foo', reply('[0]')]]],
      [new HostMatches('www\\.example\\.com'), [['/bar', reply('[1]')]]],
      [new HostMatches('www.example.com'), [['/baz', reply('[2]')]]],
      [new HostMatches('www.e.*e.com'), [['/baz', reply('[3]')]]],
      [new AnyMatches(), [['/foo', reply('wildcard')]]],
    ]);
    const got = await serve(router, mode, function* (get) {
      const host = (name: string) => ({ headers: { Host: name } });
      return [
        seen(yield* get('/foo')),
        (yield* get('/bar')).code,
        (yield* get('/baz')).code,
        seen(yield* get('/foo', host('www.example.com'))),
        seen(yield* get('/bar', host('www.example.com'))),
        seen(yield* get('/baz', host('www.example.com'))),
        seen(yield* get('/baz', host('www.exe.com'))),
      ];
    });
    expect(got).toEqual([
      [200, 'wildcard'],
      404,
      404,
      [200, '[0]'],
      [200, '[1]'],
      [200, '[2]'],
      [200, '[3]'],
    ]);
  });

  it("DefaultHostMatchingTest: an unknown host is served as the application's defaultHost", async () => {
    const app: { defaultHost: string | null } = { defaultHost: 'www.example.com' };
    const hosts: [string, string, string][] = [
      ['www.example.com', '/foo', '[0]'],
      ['www\\.example\\.com', '/bar', '[1]'],
      ['www.test.com', '/baz', '[2]'],
    ];
    const router = new RuleRouter([
      ...hosts.map(([host, path, text]) => [new HostMatches(host), [[path, reply(text)]]] as const),
      ...hosts.map(
        ([host, path, text]) => [new DefaultHostMatches(app, host), [[path, reply(text)]]] as const,
      ),
    ]);
    const got = await serve(router, mode, function* (get) {
      const before = [
        seen(yield* get('/foo')),
        seen(yield* get('/bar')),
        (yield* get('/baz')).code,
        (yield* get('/foo', { headers: { 'X-Real-Ip': '127.0.0.1' } })).code,
      ];
      app.defaultHost = 'www.test.com';
      return [...before, seen(yield* get('/baz'))];
    });
    expect(got).toEqual([[200, '[0]'], [200, '[1]'], 404, 404, [200, '[2]']]);
  });

  it('a function target gets the parsed body, pathArgs or pathKwargs, and targetKwargs', async () => {
    const echo: RoutedCallback = (request, params) => {
      const text = (value: Buffer | null) => (value === null ? null : value.toString('utf8'));
      respond(
        request,
        JSON.stringify({
          args: params.pathArgs?.map(text) ?? null,
          kwargs: Object.fromEntries(
            Object.entries(params.pathKwargs ?? {}).map(([k, v]) => [k, text(v)]),
          ),
          targetKwargs: params.targetKwargs ?? null,
          form: Object.fromEntries(
            Object.entries(request.arguments).map(([k, v]) => [k, v.map(String)]),
          ),
        }),
      );
    };
    const router = new RuleRouter([
      ['/group/(.*)', echo],
      ['/str/(?P<path>.*)', echo, { reply: 'named' }],
      ['/form', echo],
    ]);
    const got = await serve(router, mode, function* (get) {
      const json = function* (path: string, options?: FetchOptions) {
        return JSON.parse((yield* get(path, options)).body.toString()) as unknown;
      };
      return [
        yield* json('/group/%C3%A9?arg=1'),
        yield* json('/str/foo'),
        yield* json('/form', {
          method: 'POST',
          body: 'a=1&b=2',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
      ];
    });
    expect(got).toEqual([
      { args: ['é'], kwargs: {}, targetKwargs: null, form: { arg: ['1'] } },
      { args: [], kwargs: { path: 'foo' }, targetKwargs: { reply: 'named' }, form: {} },
      { args: null, kwargs: {}, targetKwargs: null, form: { a: ['1'], b: ['2'] } },
    ]);
  });

  it('no rule: 404 with an empty body, and a debug line naming the request', async () => {
    setLevel(appLog, 'debug');
    try {
      const got = await serve(new RuleRouter([['/here', reply('here')]]), mode, function* (get) {
        const response = yield* get('/nope?x=1');
        return [response.code, response.reason, response.body.length];
      });
      expect(got).toEqual([404, 'Not Found', 0]);
      expect(logs.app.map((record) => record.message)).toContain(
        'Delegate for GET /nope?x=1 request not found',
      );
    } finally {
      setLevel(appLog, null);
    }
  });

  it('a delegate target gets the body in chunks, and the close of a connection cut mid-body', async () => {
    const events: string[] = [];
    let received = 0;
    const streaming: HTTPServerConnectionDelegate = {
      startRequest: (_server, connection) => ({
        headersReceived: (startLine) => void events.push(`headers ${String(startLine)}`),
        dataReceived(chunk) {
          received += chunk.length;
        },
        finish() {
          events.push(`finish ${String(received)}`);
          answer(connection, String(received)).finish();
        },
        onConnectionClose: () => void events.push('closed'),
      }),
    };
    const router = new RuleRouter([['/upload', streaming]]);
    const body = Buffer.alloc(300_000, 0x61);
    const got = await serve(router, mode, function* (get, h) {
      const whole = seen(yield* get('/upload', { method: 'PUT', body }));
      received = 0;
      const stream = yield* h.connect();
      yield* stream.write('PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort');
      yield* until(() => received === 5);
      stream.close();
      yield* until(() => events.length === 4);
      return whole;
    });
    expect(got).toEqual([200, '300000']);
    expect(events).toEqual([
      'headers PUT /upload HTTP/1.1',
      'finish 300000',
      'headers PUT /upload HTTP/1.1',
      'closed',
    ]);
  });

  it('an async function target that fails is logged and its connection closed', async () => {
    const router = new RuleRouter([
      [
        '/boom',
        async () => {
          await Promise.resolve();
          throw new Error('boom');
        },
      ],
    ]);
    const got = await serve(router, mode, function* (_get, h) {
      return yield* h.rawFetch('GET /boom HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(got).toBe('');
    expect(logs.app.map((record) => record.message)).toEqual([
      'Uncaught exception in the routed callback for /boom',
    ]);
  });

  it('a router that throws: logged once, the connection closed, no delegate left to close', async () => {
    class Broken extends Router {
      findHandler(): HTTPMessageDelegate | null {
        throw new Error('no routes today');
      }
    }
    const got = await serve(new Broken(), mode, function* (_get, h) {
      return yield* h.rawFetch('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(got).toBe('');
    expect(logs.app.map((record) => record.message)).toEqual([
      'Uncaught exception in HTTP1Connection',
    ]);
  });

  it('a kept-alive connection is routed request by request, a 404 included', async () => {
    const router = new RuleRouter([
      ['/a', reply('A')],
      ['/b', reply('B')],
    ]);
    const got = await serve(router, mode, function* (_get, h) {
      const stream = yield* h.connect();
      const bodies: string[] = [];
      for (const path of ['/a', '/b', '/c']) {
        void stream.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        const response = yield* readResponse(stream);
        bodies.push(`${String(response.code)} ${response.body.toString()}`);
      }
      return bodies;
    });
    expect(got).toEqual(['200 A', '200 B', '404 ']);
  });
});

it('Matcher is abstract: a subclass implements match', () => {
  class MethodMatches extends Matcher {
    constructor(readonly method: string) {
      super();
    }
    match(request: HTTPServerRequest) {
      return request.method === this.method ? {} : null;
    }
  }
  const router = new RuleRouter([[new MethodMatches('POST'), reply('')]]);
  expect(router.findHandler(fakeRequest('/'))).toBeNull();
  expect(String(new MethodMatches('POST'))).toBe('MethodMatches()');
});
