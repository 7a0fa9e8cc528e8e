/**
 * web — XSRF protection: the `xsrfCookies` setting, `xsrfToken` in both formats, and
 * `checkXsrfCookie` from the `_xsrf` argument or the `X-XSRFToken`/`X-CSRFToken` headers
 * (XSRFTest, XSRFCookieNameTest, XSRFCookieKwargsTest, ErrorHandlerXSRFTest), `xsrfFormHtml`.
 * A real HTTPServer + Application on 127.0.0.1, fetched with AsyncHTTPClient, in both loop modes.
 */
import { describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import type { HTTPResponse } from './httpclient';
import { MODES, serveApp, text, type Fetch, useWebTestHooks } from './test-web';
import { Application, ErrorHandler, RequestHandler, type ApplicationOptions } from './web';

const logs = useWebTestHooks();

/** tornado's XSRFTest handler: GET gives the token (in the format `version` asks), POST says ok. */
class Token extends RequestHandler {
  override get() {
    const version = Number(this.getArgument('version', '2'));
    // A bad idea in an application, fine in a test.
    this.settings.xsrfCookieVersion = version as 1 | 2;
    this.write(this.xsrfToken);
  }

  override post() {
    this.write('ok');
  }
}

/** The token a GET gives, sending `old` as the cookie when given. */
function* getToken(
  fetch: Fetch,
  old: string | null = null,
  version: number | null = null,
  cookie = '_xsrf',
): Generator<unknown, string, unknown> {
  const path = version === null ? '/' : `/?version=${String(version)}`;
  const headers: Record<string, string> = old === null ? {} : { Cookie: `${cookie}=${old}` };
  const response = yield* fetch(path, { headers });
  response.rethrow();
  return text(response);
}

/** A POST with `body` (form fields) and the `cookie` token. */
function post(
  fetch: Fetch,
  fields: Record<string, string>,
  cookie: string | null,
  extraHeaders: Record<string, string> = {},
  path = '/',
  cookieName = '_xsrf',
): Generator<unknown, HTTPResponse, unknown> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (cookie !== null) headers.Cookie = `${cookieName}=${cookie}`;
  return fetch(path, { method: 'POST', body: new URLSearchParams(fields).toString(), headers });
}

function serveXsrf<T>(
  mode: LoopMode,
  body: (fetch: Fetch) => Generator<unknown, T, unknown>,
  options: ApplicationOptions = {},
): Promise<T> {
  return serveApp(new Application([['/', Token]], { xsrfCookies: true, ...options }), mode, body);
}

/** The warnings `checkXsrfCookie`'s 403s were logged with. */
const warnings = () => logs.gen.map((r) => r.message).filter((m) => m.startsWith('403'));

describe.each(MODES)('XSRFTest (%s mode)', (mode: LoopMode) => {
  it('a POST without a token, with a token but no cookie, or with tokens malformed, is a 403 saying which', async () => {
    const codes = await serveXsrf(mode, function* (fetch) {
      const token = yield* getToken(fetch);
      return [
        (yield* post(fetch, {}, null)).code,
        (yield* post(fetch, { _xsrf: token }, null)).code,
        (yield* post(fetch, { _xsrf: '3|' }, token)).code,
        (yield* post(fetch, { _xsrf: token }, '3|')).code,
        (yield* post(fetch, {}, token)).code,
      ];
    });
    expect(codes).toEqual([403, 403, 403, 403, 403]);
    expect(warnings()).toEqual([
      "403 POST / (127.0.0.1): '_xsrf' argument missing from POST",
      '403 POST / (127.0.0.1): XSRF cookie does not match POST argument',
      "403 POST / (127.0.0.1): '_xsrf' argument has invalid format",
      '403 POST / (127.0.0.1): XSRF cookie does not match POST argument',
      "403 POST / (127.0.0.1): '_xsrf' argument missing from POST",
    ]);
  });

  it('accepted: short and non-hex v1 tokens, the token in the body, the query, X-XSRFToken or X-CSRFToken', async () => {
    const codes = await serveXsrf(mode, function* (fetch) {
      const token = yield* getToken(fetch);
      return [
        (yield* post(fetch, { _xsrf: 'deadbeef' }, 'deadbeef')).code,
        (yield* post(fetch, { _xsrf: 'xoxo' }, 'xoxo')).code,
        (yield* post(fetch, { _xsrf: token }, token)).code,
        (yield* post(fetch, {}, token, {}, `/?${new URLSearchParams({ _xsrf: token }).toString()}`))
          .code,
        (yield* post(fetch, {}, token, { 'X-Xsrftoken': token })).code,
        (yield* post(fetch, {}, token, { 'X-CSRFToken': token })).code,
      ];
    });
    expect(codes).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('test_distinct_tokens and test_cross_user: each request a new token; a token is good only with its own cookie', async () => {
    const seen = await serveXsrf(mode, function* (fetch) {
      const tokens = new Set<string>();
      for (let i = 0; i < 10; i++) tokens.add(yield* getToken(fetch));
      const [a, b] = [yield* getToken(fetch), yield* getToken(fetch)];
      const own = [
        (yield* post(fetch, { _xsrf: a }, a)).code,
        (yield* post(fetch, { _xsrf: b }, b)).code,
      ];
      const crossed = [
        (yield* post(fetch, { _xsrf: b }, a)).code,
        (yield* post(fetch, { _xsrf: a }, b)).code,
      ];
      return { distinct: tokens.size, own, crossed };
    });
    expect(seen).toEqual({ distinct: 10, own: [200, 200], crossed: [403, 403] });
  });

  it('test_refresh_token: a token stays good while the cookie is refreshed, each refresh masked anew', async () => {
    const seen = await serveXsrf(mode, function* (fetch) {
      const first = yield* getToken(fetch);
      const tokensSeen = new Set([first]);
      const codes: number[] = [];
      let token = first;
      for (let i = 0; i < 5; i++) {
        token = yield* getToken(fetch, token);
        tokensSeen.add(token);
        codes.push((yield* post(fetch, { _xsrf: first }, token)).code);
      }
      return { codes, distinct: tokensSeen.size };
    });
    expect(seen).toEqual({ codes: [200, 200, 200, 200, 200], distinct: 6 });
  });

  it('test_versioning: v1 tokens repeat with their cookie, v2 mask them, and either checks against the other', async () => {
    const seen = await serveXsrf(mode, function* (fetch) {
      const distinctV1 = (yield* getToken(fetch, null, 1)) !== (yield* getToken(fetch, null, 1));
      const v1 = yield* getToken(fetch, null, 1);
      const refreshed: string[] = [];
      for (let i = 0; i < 5; i++) refreshed.push(yield* getToken(fetch, v1, 1));
      const v2 = yield* getToken(fetch, v1);
      const v2again = yield* getToken(fetch, v1);
      const crossed = [
        (yield* post(fetch, { _xsrf: v2 }, v1)).code,
        (yield* post(fetch, { _xsrf: v1 }, v2)).code,
      ];
      return { distinctV1, v1, refreshed, v2, v2again, crossed };
    });
    expect(seen.distinctV1).toBe(true);
    expect(seen.v1).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.refreshed).toEqual(Array(5).fill(seen.v1));
    expect(seen.v2).toMatch(/^2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+$/);
    expect(seen.v2).not.toBe(seen.v1);
    expect(seen.v2again).not.toBe(seen.v2);
    expect(seen.crossed).toEqual([200, 200]);
  });

  it('the token cookie is set once, when the request had none', async () => {
    const cookies = await serveXsrf(mode, function* (fetch) {
      const fresh = yield* fetch('/');
      const token = text(fresh);
      const again = yield* fetch('/', { headers: { Cookie: `_xsrf=${token}` } });
      return [fresh.headers.getList('Set-Cookie'), again.headers.getList('Set-Cookie')];
    });
    expect(cookies[0]).toHaveLength(1);
    expect(cookies[0]![0]).toMatch(/^_xsrf=2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+; Path=\/$/);
    expect(cookies[1]).toEqual([]);
  });
});

describe.each(MODES)('XSRF settings (%s mode)', (mode: LoopMode) => {
  it('XSRFCookieNameTest: xsrfCookieName renames the cookie, not the argument', async () => {
    const options = { xsrfCookieName: '__Host-xsrf', xsrfCookieKwargs: { secure: true } };
    const seen = await serveXsrf(
      mode,
      function* (fetch) {
        const response = yield* fetch('/');
        const token = text(response);
        return {
          cookie: response.headers.get('Set-Cookie'),
          noToken: (yield* post(fetch, {}, null)).code,
          noCookie: (yield* post(fetch, { _xsrf: token }, null)).code,
          ok: (yield* post(fetch, { _xsrf: token }, token, {}, '/', '__Host-xsrf')).code,
        };
      },
      options,
    );
    expect(seen.cookie).toMatch(/^__Host-xsrf=2\|[^;]+; Path=\/; Secure$/);
    expect([seen.noToken, seen.noCookie, seen.ok]).toEqual([403, 403, 200]);
  });

  it('XSRFCookieKwargsTest: xsrfCookieKwargs go to setCookie', async () => {
    const cookie = await serveXsrf(
      mode,
      function* (fetch) {
        return (yield* fetch('/')).headers.get('Set-Cookie')!;
      },
      { xsrfCookieKwargs: { httponly: true, expiresDays: 2 } },
    );
    expect(cookie.toLowerCase()).toContain('httponly;');
    const expires = /; expires=([^;]+);/.exec(cookie)![1]!;
    expect(Math.abs(Date.parse(expires) - (Date.now() + 2 * 86_400_000))).toBeLessThan(10_000);
  });

  it('a logged-in user’s token cookie lasts 30 days unless xsrfCookieKwargs say otherwise', async () => {
    class UserToken extends Token {
      override getCurrentUser() {
        return 'ben';
      }
    }
    const cookie = await serveApp(
      new Application([['/', UserToken]], { xsrfCookies: true }),
      mode,
      function* (fetch) {
        return (yield* fetch('/')).headers.get('Set-Cookie')!;
      },
    );
    const expires = /; expires=([^;]+);/.exec(cookie)![1]!;
    expect(Math.abs(Date.parse(expires) - (Date.now() + 30 * 86_400_000))).toBeLessThan(10_000);
  });

  it('ErrorHandlerXSRFTest: a POST to an ErrorHandler or to no handler gets its status, not a 403', async () => {
    const app = new Application([['/error', ErrorHandler, { statusCode: 417 }]], {
      xsrfCookies: true,
    });
    const codes = await serveApp(app, mode, function* (fetch) {
      return [
        (yield* fetch('/error', { method: 'POST', body: '' })).code,
        (yield* fetch('/404', { method: 'POST', body: '' })).code,
      ];
    });
    expect(codes).toEqual([417, 404]);
  });

  it('GET, HEAD and OPTIONS are not checked; PUT, PATCH and DELETE are', async () => {
    class Any extends RequestHandler {
      override get() {}
      override head() {}
      override options() {}
      override put() {}
      override patch() {}
      override delete() {}
    }
    const codes = await serveApp(
      new Application([['/', Any]], { xsrfCookies: true }),
      mode,
      function* (fetch) {
        const out: Record<string, number> = {};
        for (const method of ['GET', 'HEAD', 'OPTIONS', 'DELETE'])
          out[method] = (yield* fetch('/', { method })).code;
        for (const method of ['PUT', 'PATCH'])
          out[method] = (yield* fetch('/', { method, body: '' })).code;
        return out;
      },
    );
    expect(codes).toEqual({ GET: 200, HEAD: 200, OPTIONS: 200, DELETE: 403, PUT: 403, PATCH: 403 });
  });

  it('xsrfFormHtml is a hidden _xsrf field with the token, escaped', async () => {
    class Form extends RequestHandler {
      override get() {
        this.write(this.xsrfFormHtml());
      }
    }
    const html = await serveApp(new Application([['/', Form]]), mode, function* (fetch) {
      return text(yield* fetch('/'));
    });
    expect(html).toMatch(
      /^<input type="hidden" name="_xsrf" value="2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+"\/>$/,
    );
  });
});
