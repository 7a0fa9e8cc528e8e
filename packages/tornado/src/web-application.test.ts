/**
 * web — the Application: its public surface, routing to handlers (Default404Test, Custom404Test,
 * DefaultHandlerArgumentsTest, HostMatchingTest, DefaultHostMatchingTest, nested rules and the
 * other routing targets), `reverseUrl` and `url()` (WSGISafeWebTest.test_reverse_url,
 * URLSpecReverseTest), the stock handlers (RedirectHandlerTest and the web_redirect tests,
 * ErrorHandler, FallbackHandler), `listen` (ApplicationTest), `logRequest` and the settings. A
 * real HTTPServer + Application on 127.0.0.1, fetched with AsyncHTTPClient, in both loop modes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { AsyncHTTPClient } from './httpclient';
import { accessLog, setLevel } from './log';
import { main } from './locks/test-support';
import type { HTTPServerRequest } from './httputil';
import { HostMatches, RouteReverseError, RuleRouter, type TargetParams } from './routing';
import { respond, withServer } from './test-http';
import { MODES, json, serveApp, text, useWebTestHooks } from './test-web';
import * as web from './web';
import {
  Application,
  ApplicationRouter,
  ErrorHandler,
  FallbackHandler,
  GZipContentEncoding,
  OutputTransform,
  RedirectHandler,
  RequestHandler,
  StaticFileHandler,
  URLSpec,
  url,
} from './web';

const logs = useWebTestHooks();

it('exports the names it promises', () => {
  expect(Object.keys(web).sort()).toEqual([
    'Application',
    'ApplicationRouter',
    'CookieError',
    'DEFAULT_SIGNED_VALUE_MIN_VERSION',
    'DEFAULT_SIGNED_VALUE_VERSION',
    'ErrorHandler',
    'FallbackHandler',
    'Finish',
    'GZipContentEncoding',
    'HTTPError',
    'HandlerStateError',
    'MAX_SUPPORTED_SIGNED_VALUE_VERSION',
    'MissingArgumentError',
    'MissingSettingError',
    'Morsel',
    'OutputTransform',
    'RedirectHandler',
    'RequestHandler',
    'StaticFileHandler',
    'TemplateModule',
    'UIModule',
    'URLSpec',
    'addslash',
    'authenticated',
    'createSignedValue',
    'decodeSignedValue',
    'getSignatureKeyVersion',
    'removeslash',
    'streamRequestBody',
    'url',
  ]);
});

/** tornado's HostMatchingTest.Handler: answers its `reply`. */
class Reply extends RequestHandler {
  reply = '';

  override initialize({ reply }: { reply: string }) {
    this.reply = reply;
  }

  override get() {
    this.write(this.reply);
  }
}

describe.each(MODES)('routing to handlers (%s mode)', (mode: LoopMode) => {
  it('Default404Test: no rule matches, a 404 page', async () => {
    const response = await serveApp(
      new Application([['/foo', RequestHandler]]),
      mode,
      function* (fetch) {
        return yield* fetch('/');
      },
    );
    expect([response.code, text(response)]).toEqual([
      404,
      '<html><title>404: Not Found</title><body>404: Not Found</body></html>',
    ]);
  });

  it('Custom404Test and DefaultHandlerArgumentsTest: defaultHandlerClass and defaultHandlerArgs', async () => {
    class Custom404 extends RequestHandler {
      override get() {
        this.setStatus(404);
        this.write('custom 404 response');
      }
    }
    const custom = new Application([['/foo', RequestHandler]], { defaultHandlerClass: Custom404 });
    const forbidden = new Application([['/foo', RequestHandler]], {
      defaultHandlerClass: ErrorHandler,
      defaultHandlerArgs: { statusCode: 403 },
    });
    const a = await serveApp(custom, mode, function* (fetch) {
      return yield* fetch('/');
    });
    const b = await serveApp(forbidden, mode, function* (fetch) {
      return yield* fetch('/');
    });
    expect([a.code, text(a), b.code]).toEqual([404, 'custom 404 response', 403]);
  });

  it('HostMatchingTest: host rules in the order added, then the constructor’s handlers for any host', async () => {
    const app = new Application([['/foo', Reply, { reply: 'wildcard' }]]);
    app.addHandlers('www.example.com', [['/foo', Reply, { reply: '[0]' }]]);
    app.addHandlers('www\\.example\\.com', [['/bar', Reply, { reply: '[1]' }]]);
    app.addHandlers('www.example.com', [['/baz', Reply, { reply: '[2]' }]]);
    app.addHandlers('www.e.*e.com', [['/baz', Reply, { reply: '[3]' }]]);
    const seen = await serveApp(app, mode, function* (fetch) {
      const host = (name: string) => ({ headers: { Host: name } });
      return [
        text(yield* fetch('/foo')),
        (yield* fetch('/bar')).code,
        (yield* fetch('/baz')).code,
        text(yield* fetch('/foo', host('www.example.com'))),
        text(yield* fetch('/bar', host('www.example.com'))),
        text(yield* fetch('/baz', host('www.example.com'))),
        text(yield* fetch('/baz', host('www.exe.com'))),
      ];
    });
    expect(seen).toEqual(['wildcard', 404, 404, '[0]', '[1]', '[2]', '[3]']);
  });

  it('DefaultHostMatchingTest: an unknown host is served as defaultHost, unless X-Real-Ip says a proxy is there', async () => {
    const app = new Application([], { defaultHost: 'www.example.com' });
    app.addHandlers('www.example.com', [['/foo', Reply, { reply: '[0]' }]]);
    app.addHandlers('www\\.example\\.com', [['/bar', Reply, { reply: '[1]' }]]);
    app.addHandlers('www.test.com', [['/baz', Reply, { reply: '[2]' }]]);
    const seen = await serveApp(app, mode, function* (fetch) {
      const out: unknown[] = [
        text(yield* fetch('/foo')),
        text(yield* fetch('/bar')),
        (yield* fetch('/baz')).code,
        (yield* fetch('/foo', { headers: { 'X-Real-Ip': '127.0.0.1' } })).code,
      ];
      app.defaultHost = 'www.test.com';
      out.push(text(yield* fetch('/baz')));
      return out;
    });
    expect(seen).toEqual(['[0]', '[1]', 404, 404, '[2]']);
  });

  it('nested rule lists become ApplicationRouters; routers, delegates and functions work as targets too', async () => {
    const inner = new RuleRouter([
      ['/inner/router', (request: HTTPServerRequest) => respond(request, 'router')],
    ]);
    const app = new Application([
      [new HostMatches('.*'), [['/nested/(.*)', Reply, { reply: 'nested' }]]],
      [
        '/function/(.*)',
        (request: HTTPServerRequest, params: TargetParams) =>
          respond(request, `function ${params.pathArgs![0]!.toString()}`),
      ],
      ['/inner/.*', inner],
    ]);
    expect(app.wildcardRouter.rules[0]!.target).toBeInstanceOf(ApplicationRouter);
    const seen = await serveApp(app, mode, function* (fetch) {
      return [
        text(yield* fetch('/nested/x')),
        text(yield* fetch('/function/f')),
        text(yield* fetch('/inner/router')),
      ];
    });
    expect(seen).toEqual(['nested', 'function f', 'router']);
  });

  it('an Application nested in another router serves its own paths (with its 404 for the rest)', async () => {
    const app = new Application([['/app/hello', Reply, { reply: 'from the app' }]]);
    const router = new RuleRouter([['/app/.*', app]]);
    const bodies = await serveRouter(router, mode);
    expect(bodies).toEqual([
      [200, 'from the app'],
      [404, '<html><title>404: Not Found</title><body>404: Not Found</body></html>'],
    ]);
  });
});

/** Serves a plain router (not an Application) and fetches two paths of its nested app. */
function serveRouter(router: RuleRouter, mode: LoopMode): Promise<[number, string][]> {
  return main(
    () =>
      withServer(router, {}, function* (h) {
        const client = new AsyncHTTPClient({ forceInstance: true });
        try {
          const out: [number, string][] = [];
          for (const path of ['/app/hello', '/app/missing']) {
            const response = yield* client.fetch(`http://127.0.0.1:${String(h.port)}${path}`, {
              raiseError: false,
            });
            out.push([response.code, text(response)]);
          }
          return out;
        } finally {
          client.close();
        }
      }),
    mode,
    'real',
  );
}

describe('rules', () => {
  it('a class target that is not a RequestHandler is refused when the rule is added', () => {
    class NotAHandler {}
    expect(() => new Application([['/', NotAHandler]])).toThrow(
      /a class target must extend RequestHandler, got NotAHandler/,
    );
    const app = new Application();
    expect(() => app.addHandlers('.*', [['/', NotAHandler]])).toThrow(TypeError);
  });

  it('WSGISafeWebTest.test_reverse_url: arguments are escaped as a path; an unknown name is a RouteReverseError', () => {
    const app = new Application([
      url('/decode_arg/(.*)', RequestHandler, null, 'decode_arg'),
      url('/decode_arg_kw/(?P<arg>.*)', RequestHandler),
    ]);
    expect(app.reverseUrl('decode_arg', 'foo')).toBe('/decode_arg/foo');
    expect(app.reverseUrl('decode_arg', 42)).toBe('/decode_arg/42');
    expect(app.reverseUrl('decode_arg', Buffer.from([0xe9]))).toBe('/decode_arg/%E9');
    expect(app.reverseUrl('decode_arg', '\u00e9')).toBe('/decode_arg/%C3%A9');
    expect(app.reverseUrl('decode_arg', '1 + 1')).toBe('/decode_arg/1%20%2B%201');
    expect(() => app.reverseUrl('nope')).toThrow(
      new RouteReverseError('nope not found in named urls'),
    );
  });

  it('reverseUrl finds names in host handlers too', () => {
    const app = new Application();
    app.addHandlers('example\\.com', [['/story/([0-9]+)', RequestHandler, null, 'story']]);
    expect(app.reverseUrl('story', 7)).toBe('/story/7');
  });

  it('URLSpecReverseTest: url() is a URLSpec; constant parts and groups reverse, \\d outside a group does not', () => {
    expect(url('/favicon\\.ico', RequestHandler)).toBeInstanceOf(URLSpec);
    expect(url('/favicon\\.ico', RequestHandler).reverse()).toBe('/favicon.ico');
    expect(url('^/favicon\\.ico$', RequestHandler).reverse()).toBe('/favicon.ico');
    expect(() => url('^/api/v\\d+/foo/(\\w+)$', RequestHandler).reverse()).toThrow(
      RouteReverseError,
    );
    expect(url('^/api/v1/foo/(\\w+)$', RequestHandler).reverse('bar')).toBe('/api/v1/foo/bar');
    expect(url('/api\\.v1/foo/([0-9]+)/icon\\.png', RequestHandler).reverse(5)).toBe(
      '/api.v1/foo/5/icon.png',
    );
  });

  it('the settings: debug stands for serveTraceback, compiledTemplateCache: false and staticHashCache: false', () => {
    expect(new Application([], { debug: true }).settings).toMatchObject({
      debug: true,
      serveTraceback: true,
      compiledTemplateCache: false,
      staticHashCache: false,
    });
    expect(
      new Application([], { debug: true, serveTraceback: false }).settings.serveTraceback,
    ).toBe(false);
    expect(new Application([], { custom: 1 }).settings.custom).toBe(1);
  });

  it('transforms: GZipContentEncoding with compressResponse, or the list given; addTransform appends', () => {
    expect(new Application().transforms).toEqual([]);
    expect(new Application([], { compressResponse: true }).transforms).toEqual([
      GZipContentEncoding,
    ]);
    const app = new Application([], { transforms: [OutputTransform] });
    app.addTransform(GZipContentEncoding);
    expect(app.transforms).toEqual([OutputTransform, GZipContentEncoding]);
  });

  it('an Application and its routers print what they hold', () => {
    const app = new Application([
      ['/a', RequestHandler],
      ['/b', RequestHandler],
    ]);
    app.addHandlers('example\\.com', []);
    expect(String(app)).toBe('<Application rules=2 hosts=1>');
    expect(String(app.wildcardRouter)).toBe('<ApplicationRouter rules=2>');
  });
});

describe.each(MODES)('static files (%s mode)', (mode: LoopMode) => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aio-web-static-'));
    writeFileSync(join(dir, 'robots.txt'), `User-agent: *\n${'Disallow: /private\n'.repeat(100)}`);
    writeFileSync(join(dir, 'favicon.ico'), 'icon');
    writeFileSync(join(dir, 'app.js'), 'console.log(1);');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('staticPath serves its files under staticUrlPrefix, /favicon.ico and /robots.txt, before the other rules', async () => {
    class Links extends RequestHandler {
      override get() {
        this.write({
          relative: this.staticUrl('app.js'),
          unversioned: this.staticUrl('app.js', { includeVersion: false }),
          absolute: this.staticUrl('app.js', { includeHost: true, includeVersion: false }),
        });
      }
    }
    const app = new Application(
      [
        ['/links', Links],
        ['/.*', Reply, { reply: 'catch-all' }],
      ],
      { staticPath: dir, staticUrlPrefix: '/assets/' },
    );
    const seen = await serveApp(app, mode, function* (fetch, h) {
      return {
        links: json(yield* fetch('/links')) as Record<string, string>,
        js: text(yield* fetch('/assets/app.js')),
        favicon: text(yield* fetch('/favicon.ico')),
        robots: (yield* fetch('/robots.txt')).code,
        other: text(yield* fetch('/other')),
        port: h.port,
      };
    });
    expect(seen.links.relative).toMatch(/^\/assets\/app\.js\?v=[0-9a-f]+$/);
    expect(seen.links.unversioned).toBe('/assets/app.js');
    expect(seen.links.absolute).toBe(`http://127.0.0.1:${String(seen.port)}/assets/app.js`);
    expect([seen.js, seen.favicon, seen.robots, seen.other]).toEqual([
      'console.log(1);',
      'icon',
      200,
      'catch-all',
    ]);
  });

  it('GzipTestCase.test_gzip_static: a static file is compressed too, Vary and all', async () => {
    const app = new Application([], { staticPath: dir, compressResponse: true });
    const response = await serveApp(app, mode, function* (fetch) {
      return yield* fetch('/robots.txt');
    });
    expect(response.headers.get('X-Consumed-Content-Encoding')).toBe('gzip');
    expect(response.headers.get('Vary')).toBe('Accept-Encoding');
    expect(text(response)).toMatch(/^User-agent: \*\n/);
  });

  it('staticHandlerClass and staticHandlerArgs; staticHashCache: false resets its hashes per request', async () => {
    let resets = 0;
    class Counted extends StaticFileHandler {
      static override reset() {
        resets++;
        super.reset();
      }

      override setExtraHeaders() {
        this.setHeader('X-Served-By', 'Counted');
      }
    }
    const app = new Application([], {
      staticPath: dir,
      staticHandlerClass: Counted,
      staticHandlerArgs: { defaultFilename: 'app.js' },
      staticHashCache: false,
    });
    expect(app.staticHandlerClass).toBe(Counted);
    const seen = await serveApp(app, mode, function* (fetch) {
      const file = yield* fetch('/static/app.js');
      const index = yield* fetch('/static/');
      return [file.headers.get('X-Served-By'), text(index)];
    });
    expect(seen).toEqual(['Counted', 'console.log(1);']);
    expect(resets).toBe(2);
  });

  it('staticUrl without staticPath is a MissingSettingError naming it', async () => {
    class Links extends RequestHandler {
      override get() {
        this.write(this.staticUrl('app.js'));
      }
    }
    const code = await serveApp(new Application([['/', Links]]), mode, function* (fetch) {
      return (yield* fetch('/')).code;
    });
    expect(code).toBe(500);
    expect(String(logs.app[0]!.err)).toBe(
      "MissingSettingError: You must define the 'staticPath' setting in your application to use staticUrl",
    );
  });
});

describe.each(MODES)('the stock handlers (%s mode)', (mode: LoopMode) => {
  it('RedirectHandlerTest: 301 by default, the query kept (appended), groups substituted as str.format does', async () => {
    const app = new Application([
      ['/src', RedirectHandler, { url: '/dst' }],
      ['/src2', RedirectHandler, { url: '/dst2?foo=bar' }],
      ['/web_redirect', RedirectHandler, { url: '/web_redirect_newpath', permanent: false }],
      ['//web_redirect_double_slash', RedirectHandler, { url: '/web_redirect_newpath' }],
      ['/kw/(?P<name>[a-z]+)', RedirectHandler, { url: '/people/{name}/{{braces}}' }],
      ['/(.*?)/(.*?)/(.*)', RedirectHandler, { url: '/{1}/{0}/{2}' }],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      const out: [number, string | undefined][] = [];
      for (const path of [
        '/src',
        '/src?foo=bar',
        '/src2?foo2=bar2',
        '/web_redirect',
        '//web_redirect_double_slash',
        '/kw/ben',
        '/a/b/c',
      ]) {
        const response = yield* fetch(path);
        out.push([response.code, response.headers.get('Location')]);
      }
      return out;
    });
    expect(seen).toEqual([
      [301, '/dst'],
      [301, '/dst?foo=bar'],
      [301, '/dst2?foo=bar&foo2=bar2'],
      [302, '/web_redirect_newpath'],
      [301, '/web_redirect_newpath'],
      [301, '/people/ben/{braces}'],
      [301, '/b/a/c'],
    ]);
  });

  it('FallbackHandler: a request callback, or another application fed the request as a connection would', async () => {
    class Echo extends RequestHandler {
      override post(what: string) {
        this.write(`legacy ${what}: ${this.getBodyArgument('x')}`);
      }
    }
    const legacy = new Application([['/old/(.*)', Echo]]);
    const finished: string[] = [];
    class Tracked extends FallbackHandler {
      override onFinish() {
        finished.push(this.request.path);
      }
    }
    const app = new Application([
      ['/new', Reply, { reply: 'new' }],
      [
        '/callback/.*',
        Tracked,
        { fallback: (request: HTTPServerRequest) => respond(request, `callback ${request.path}`) },
      ],
      ['.*', Tracked, { fallback: legacy }],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      return [
        text(yield* fetch('/new')),
        text(yield* fetch('/callback/x')),
        text(yield* fetch('/old/thing', { method: 'POST', body: 'x=1' })),
        (yield* fetch('/neither')).code,
      ];
    });
    expect(seen).toEqual(['new', 'callback /callback/x', 'legacy thing: 1', 404]);
    expect(finished).toEqual(['/callback/x', '/old/thing', '/neither']);
    // Only the application that answered logs the request.
    expect(logs.access.map((r) => r.message.replace(/ [\d.]+ms$/, ''))).toEqual([
      '200 GET /new (127.0.0.1)',
      '200 POST /old/thing (127.0.0.1)',
      '404 GET /neither (127.0.0.1)',
    ]);
  });

  it('ErrorHandler: its status for every method, with no XSRF check', async () => {
    const app = new Application([['/gone', ErrorHandler, { statusCode: 410 }]], {
      xsrfCookies: true,
    });
    const codes = await serveApp(app, mode, function* (fetch) {
      return [
        (yield* fetch('/gone')).code,
        (yield* fetch('/gone', { method: 'POST', body: '' })).code,
      ];
    });
    expect(codes).toEqual([410, 410]);
  });
});

describe.each(MODES)('listen and logRequest (%s mode)', (mode: LoopMode) => {
  it('ApplicationTest.test_listen: listen() starts an HTTPServer and returns it', async () => {
    const body = await main(
      function* () {
        const app = new Application([['/', Reply, { reply: 'listening' }]]);
        const server = app.listen(0, '127.0.0.1', { noKeepAlive: true, backlog: 16 });
        const port = /127\.0\.0\.1:(\d+)/.exec(String(server))![1]!;
        const client = new AsyncHTTPClient({ forceInstance: true });
        try {
          return text(yield* client.fetch(`http://127.0.0.1:${port}/`));
        } finally {
          client.close();
          server.stop();
          yield* server.closeAllConnections();
        }
      },
      mode,
      'real',
    );
    expect(body).toBe('listening');
  });

  it('logRequest: one access line per request, at info, warning or error by status', async () => {
    class Status extends RequestHandler {
      override get(code: string) {
        this.setStatus(Number(code));
      }
    }
    await serveApp(new Application([['/(\\d+)', Status]]), mode, function* (fetch) {
      for (const code of ['200', '302', '404', '503']) yield* fetch(`/${code}`);
    });
    expect(logs.access.map((r) => [r.level, r.message.replace(/ [\d.]+ms$/, '')])).toEqual([
      [30, '200 GET /200 (127.0.0.1)'],
      [30, '302 GET /302 (127.0.0.1)'],
      [40, '404 GET /404 (127.0.0.1)'],
      [50, '503 GET /503 (127.0.0.1)'],
    ]);
    expect(logs.access[0]!.message).toMatch(/ \d+\.\d{2}ms$/);
  });

  it('logRequest makes a line only for a level the access log keeps (warning, by default)', async () => {
    const summaries: string[] = [];
    class Counted extends RequestHandler {
      override get(code: string) {
        this.setStatus(Number(code));
      }
      override requestSummary(): string {
        summaries.push(this.request.uri);
        return super.requestSummary();
      }
    }
    setLevel(accessLog, 'warning');
    try {
      await serveApp(new Application([['/(\\d+)', Counted]]), mode, function* (fetch) {
        for (const code of ['200', '404']) yield* fetch(`/${code}`);
      });
    } finally {
      setLevel(accessLog, 'debug');
    }
    expect(summaries).toEqual(['/404']);
    expect(logs.access.map((r) => [r.level, r.message.replace(/ [\d.]+ms$/, '')])).toEqual([
      [40, '404 GET /404 (127.0.0.1)'],
    ]);
  });

  it('the logFunction setting replaces the access line', async () => {
    const logged: string[] = [];
    const app = new Application([['/', Reply, { reply: 'x' }]], {
      logFunction: (handler) =>
        logged.push(`${String(handler.getStatus())} ${handler.request.uri}`),
    });
    const body = await serveApp(app, mode, function* (fetch) {
      return text(yield* fetch('/?json=1'));
    });
    expect(body).toBe('x');
    expect(logged).toEqual(['200 /?json=1']);
    expect(logs.access).toEqual([]);
  });
});
