/**
 * web — cookies: `getCookie`, `setCookie` with tornado 6.5's checks and Python's `Set-Cookie`
 * format (CookieTest), `clearCookie` and `clearAllCookies` (ClearAllCookiesTest), and signed
 * cookies on the `cookieSecret` setting (SecureCookieV1Test, SecureCookieV2Test with key
 * versions, over HTTP and on a handler whose cookie jar is stubbed as tornado's
 * CookieTestRequestHandler is). A real HTTPServer + Application on 127.0.0.1, fetched with
 * AsyncHTTPClient, in both loop modes.
 */
import { describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { MODES, handlerFor, serveApp, text, useWebTestHooks } from './test-web';
import {
  Application,
  CookieError,
  MissingSettingError,
  Morsel,
  RequestHandler,
  type SignedValueSecret,
} from './web';

useWebTestHooks(); // what the server logs stays out of the test output

/** Serves one handler class at `/` and fetches `/` once with `headers`. */
function fetchOne(
  handler: typeof RequestHandler,
  mode: LoopMode,
  headers: Record<string, string> = {},
  settings = {},
) {
  return serveApp(new Application([['/', handler]], settings), mode, function* (fetch) {
    return yield* fetch('/', { headers });
  });
}

/** Seconds between an HTTP date and now + `days`. */
function offBy(httpDate: string, days: number): number {
  return Math.abs(Date.parse(httpDate) - (Date.now() + days * 86_400_000)) / 1000;
}

describe.each(MODES)('CookieTest (%s mode)', (mode: LoopMode) => {
  it('test_set_cookie: string and bytes values, each with Path=/', async () => {
    class SetCookie extends RequestHandler {
      override get() {
        this.setCookie('str', 'asdf');
        this.setCookie('unicode', 'qwer');
        this.setCookie('bytes', Buffer.from('zxcv'));
      }
    }
    const response = await fetchOne(SetCookie, mode);
    expect(response.headers.getList('Set-Cookie').sort()).toEqual([
      'bytes=zxcv; Path=/',
      'str=asdf; Path=/',
      'unicode=qwer; Path=/',
    ]);
  });

  it('test_get_cookie: plain, quoted, and a default when the header has no such cookie', async () => {
    class GetCookie extends RequestHandler {
      override get() {
        this.write(this.getCookie('foo', 'default'));
      }
    }
    const app = new Application([['/get', GetCookie]]);
    const bodies = await serveApp(app, mode, function* (fetch) {
      const out: string[] = [];
      for (const cookie of ['foo=bar', 'foo="bar"', '/=exception;']) {
        out.push(text(yield* fetch('/get', { headers: { Cookie: cookie } })));
      }
      return out;
    });
    expect(bodies).toEqual(['bar', 'bar', 'default']);
  });

  it('test_set_cookie_domain: domain and path attributes', async () => {
    class Domain extends RequestHandler {
      override get() {
        this.setCookie('unicode_args', 'blah', { domain: 'foo.com', path: '/foo' });
      }
    }
    const response = await fetchOne(Domain, mode);
    expect(response.headers.getList('Set-Cookie')).toEqual([
      'unicode_args=blah; Domain=foo.com; Path=/foo',
    ]);
  });

  it('test_cookie_special_char: special characters are quoted as Python quotes them, and read back', async () => {
    class Special extends RequestHandler {
      override get() {
        this.setCookie('equals', 'a=b');
        this.setCookie('semicolon', 'a;b');
        this.setCookie('quote', 'a"b');
      }
    }
    class GetCookie extends RequestHandler {
      override get() {
        this.write(this.getCookie('foo', 'default'));
      }
    }
    const app = new Application([
      ['/special_char', Special],
      ['/get', GetCookie],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      const set = (yield* fetch('/special_char')).headers.getList('Set-Cookie').sort();
      const read: string[] = [];
      for (const header of [
        'foo=a=b',
        'foo="a=b"',
        'foo="a;b"', // even quoted, ";" ends a cookie
        'foo=a\\073b', // escapes are decoded only in quotes
        'foo="a\\073b"',
        'foo="a\\"b"',
      ]) {
        read.push(text(yield* fetch('/get', { headers: { Cookie: header } })));
      }
      return { set, read };
    });
    expect(seen.set).toEqual([
      'equals="a=b"; Path=/',
      'quote="a\\"b"; Path=/',
      'semicolon="a\\073b"; Path=/',
    ]);
    expect(seen.read).toEqual(['a=b', 'a=b', '"a', 'a\\073b', 'a;b', 'a"b']);
  });

  it('test_set_cookie_forbidden_char: control characters and ; in a name, domain, path or samesite are CookieErrors', async () => {
    const unexpected: string[] = [];
    class Forbidden extends RequestHandler {
      override get() {
        const chars = [
          ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
          '\x7f',
          ';',
        ];
        const cases: [string, (char: string) => void][] = [
          ['name', (c) => this.setCookie(`foo${c}`, 'bar')],
          ['domain', (c) => this.setCookie('foo', 'bar', { domain: `example${c}.com` })],
          ['path', (c) => this.setCookie('foo', 'bar', { path: `/${c}` })],
          ['samesite', (c) => this.setCookie('foo', 'bar', { samesite: `a${c}` })],
        ];
        for (const char of chars) {
          for (const [attribute, set] of cases) {
            try {
              set(char);
              unexpected.push(`no error for ${JSON.stringify(char)} in ${attribute}`);
            } catch (error) {
              const message = (error as Error).message;
              if (
                !(error instanceof CookieError) ||
                !message.includes(`Invalid cookie attribute ${attribute}`)
              ) {
                unexpected.push(`${JSON.stringify(char)} in ${attribute}: ${message}`);
              }
            }
          }
        }
      }
    }
    const response = await fetchOne(Forbidden, mode);
    expect(response.code).toBe(200);
    expect(unexpected).toEqual([]);
  });

  it('values with a control character or a space, names that are not tokens or are attribute names, are refused', () => {
    const handler = handlerFor(RequestHandler);
    const refused = (fn: () => void) => {
      try {
        fn();
        return 'accepted';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    };
    expect(refused(() => handler.setCookie('a', 'b c'))).toBe(
      "CookieError: Invalid cookie 'a': 'b c'",
    );
    expect(refused(() => handler.setCookie('a', 'b\nc'))).toBe(
      "CookieError: Invalid cookie 'a': 'b\\nc'",
    );
    expect(refused(() => handler.setCookie('a(b', 'c'))).toBe("CookieError: Illegal key 'a(b'");
    expect(refused(() => handler.setCookie('Path', 'c'))).toBe(
      "CookieError: Attempt to set a reserved key 'Path'",
    );
    // Anything else goes, quoted: a non-ASCII value, an empty one.
    handler.setCookie('u', 'caf\u00e9 \u2603'.replace(' ', '_'));
    handler.setCookie('e', '');
    expect(refused(() => handler.setCookie('ok', 'value'))).toBe('accepted');
  });

  it('test_set_cookie_overwrite: a second cookie of a name replaces the first, attributes and all', async () => {
    class Overwrite extends RequestHandler {
      override get() {
        this.setCookie('a', 'b', { domain: 'example.com' });
        this.setCookie('c', 'd', { domain: 'example.com' });
        this.setCookie('a', 'e');
      }
    }
    const response = await fetchOne(Overwrite, mode);
    expect(response.headers.getList('Set-Cookie')).toEqual([
      'c=d; Domain=example.com; Path=/',
      'a=e; Path=/',
    ]);
  });

  it('test_set_cookie_max_age, test_set_cookie_expires_days, expires, samesite and the flags', async () => {
    class Attributes extends RequestHandler {
      override get() {
        this.setCookie('foo', 'bar', { maxAge: 10 });
        this.setCookie('days', 'bar', { expiresDays: 10 });
        this.setCookie('date', 'bar', { expires: new Date(Date.UTC(2013, 0, 27, 18, 43, 20)) });
        this.setCookie('ms', 'bar', { expires: Date.UTC(2013, 0, 27, 18, 43, 20) });
        this.setCookie('zero', 'bar', { maxAge: 0 }); // tornado writes no Max-Age for 0
        this.setCookie('a', '1', { secure: true });
        this.setCookie('b', '1', { secure: false });
        this.setCookie('c', '1', { httponly: true });
        this.setCookie('d', '1', { httponly: false });
        this.setCookie('all', 'x', {
          domain: 'example.com',
          path: '/p',
          maxAge: 60,
          httponly: true,
          secure: true,
          samesite: 'Lax',
          expiresDays: 1,
        });
        this.setCookie('nopath', 'x', { path: null });
      }
    }
    const cookies = (await fetchOne(Attributes, mode)).headers.getList('Set-Cookie');
    const days = /^days=bar; expires=(.+); Path=\/$/.exec(cookies[1]!);
    expect(offBy(days![1]!, 10)).toBeLessThan(10);
    const all =
      /^all=x; Domain=example\.com; expires=(.+); HttpOnly; Max-Age=60; Path=\/p; SameSite=Lax; Secure$/.exec(
        cookies[9]!,
      );
    expect(offBy(all![1]!, 1)).toBeLessThan(10);
    expect([cookies[0], ...cookies.slice(2, 9), cookies[10]]).toEqual([
      'foo=bar; Max-Age=10; Path=/',
      'date=bar; expires=Sun, 27 Jan 2013 18:43:20 GMT; Path=/',
      'ms=bar; expires=Sun, 27 Jan 2013 18:43:20 GMT; Path=/',
      'zero=bar; Path=/',
      'a=1; Path=/; Secure',
      'b=1; Path=/',
      'c=1; HttpOnly; Path=/',
      'd=1; Path=/',
      'nopath=x',
    ]);
  });

  it('ClearAllCookiesTest: every cookie the request sent is set empty and expired', async () => {
    class ClearAll extends RequestHandler {
      override get() {
        this.clearAllCookies();
        this.write('ok');
      }
    }
    const response = await fetchOne(ClearAll, mode, { Cookie: 'foo=bar; baz=xyzzy' });
    const cookies = response.headers.getList('Set-Cookie').sort();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toMatch(/^baz=""; expires=.+; Path=\/$/);
    expect(cookies[1]).toMatch(/^foo=""; expires=.+; Path=\/$/);
    const expires = /expires=([^;]+)/.exec(cookies[0]!)![1]!;
    expect(offBy(expires, -365)).toBeLessThan(10);
  });

  it('clearCookie takes the domain and path it was set with, and refuses the expiry options', () => {
    const handler = handlerFor(RequestHandler);
    handler.clearCookie('a', { domain: 'example.com', path: '/x', samesite: 'None', secure: true });
    for (const option of ['expires', 'expiresDays', 'maxAge'] as const) {
      expect(() => handler.clearCookie('a', { [option]: 1 })).toThrow(
        `clearCookie() takes no ${option} option: the cookie expires now`,
      );
    }
  });
});

/**
 * tornado's CookieTestRequestHandler: a handler whose cookies go to and come from a map, with
 * only the settings signed cookies need.
 */
function cookieTestHandler(secret: SignedValueSecret = '0123456789', keyVersion?: number) {
  class CookieTest extends RequestHandler {
    readonly jar = new Map<string, string>();

    override getCookie(name: string): string | null;
    override getCookie<D>(name: string, defaultValue: D): string | D;
    override getCookie(name: string, defaultValue: unknown = null): unknown {
      return this.jar.get(name) ?? defaultValue;
    }

    override setCookie(name: string, value: string | Uint8Array): void {
      this.jar.set(name, typeof value === 'string' ? value : Buffer.from(value).toString('latin1'));
    }
  }
  const settings =
    keyVersion === undefined ? { cookieSecret: secret } : { cookieSecret: secret, keyVersion };
  return handlerFor(CookieTest, '/', new Application([], settings));
}

describe('signed cookies on a stubbed cookie jar (SecureCookieV1Test, SecureCookieV2Test)', () => {
  const KEY_VERSIONS = { 0: 'ajklasdf0ojaisdf', 1: 'aslkjasaolwkjsdf' };

  it('round trips in both formats, arbitrary bytes included; minVersion 2 refuses v1', () => {
    const handler = cookieTestHandler();
    handler.setSignedCookie('foo', Buffer.from('bar'), { version: 1 });
    expect(handler.getSignedCookie('foo', null, { minVersion: 1 })?.toString()).toBe('bar');
    expect(handler.getSignedCookie('foo', null, { minVersion: 2 })).toBeNull();
    handler.setSignedCookie('foo', Buffer.from([0xe9]), { version: 1 });
    expect(handler.getSignedCookie('foo', null, { minVersion: 1 })).toEqual(Buffer.from([0xe9]));
    handler.setSignedCookie('foo', Buffer.from('bar'), { version: 2 });
    expect(handler.getSignedCookie('foo', null, { minVersion: 2 })?.toString()).toBe('bar');
    expect(handler.jar.get('foo')).toMatch(/^2\|1:0\|10:\d{10}\|3:foo\|4:YmFy\|[0-9a-f]{64}$/);
  });

  it('key versions: signed with the keyVersion setting, read by any key still there', () => {
    const first = cookieTestHandler(KEY_VERSIONS, 0);
    first.setSignedCookie('foo', 'bar');
    expect(first.getSignedCookie('foo')?.toString()).toBe('bar');
    expect(first.getSignedCookieKeyVersion('foo')).toBe(0);

    const differing = cookieTestHandler(KEY_VERSIONS, 1);
    differing.setSignedCookie('foo', 'bar');
    expect(differing.getSignedCookie('foo')?.toString()).toBe('bar');
    expect(differing.getSignedCookieKeyVersion('foo')).toBe(1);

    // Rotated to key 1: a cookie signed with key 0 is still read.
    const incremented = cookieTestHandler(KEY_VERSIONS, 1);
    incremented.jar.set('foo', first.jar.get('foo')!);
    expect(incremented.getSignedCookie('foo')?.toString()).toBe('bar');

    // Key 0 withdrawn: its cookies are no longer good.
    const invalidated = cookieTestHandler({ 1: KEY_VERSIONS[1] }, 1);
    invalidated.jar.set('foo', first.jar.get('foo')!);
    expect(invalidated.getSignedCookie('foo')).toBeNull();
    expect(invalidated.getSignedCookieKeyVersion('missing')).toBeNull();
  });

  it('a tampered or expired value is null; getSignedCookie reads a value given instead of the cookie', () => {
    const handler = cookieTestHandler();
    const signed = handler.createSignedValue('foo', 'bar').toString();
    expect(handler.getSignedCookie('foo', signed)?.toString()).toBe('bar');
    expect(handler.getSignedCookie('other', signed)).toBeNull();
    expect(handler.getSignedCookie('foo', signed.replace('YmFy', 'YmF6'))).toBeNull();
    expect(handler.getSignedCookie('foo', signed, { maxAgeDays: -1 })).toBeNull();
  });

  it('without cookieSecret, or with several keys and no keyVersion, a MissingSettingError says what to set', () => {
    const bare = handlerFor(RequestHandler);
    expect(() => bare.setSignedCookie('a', 'b')).toThrow(MissingSettingError);
    expect(() => bare.getSignedCookie('a')).toThrow(
      "You must define the 'cookieSecret' setting in your application to use secure cookies",
    );
    const noVersion = cookieTestHandler(KEY_VERSIONS);
    expect(() => noVersion.setSignedCookie('a', 'b')).toThrow(
      "You must define the 'keyVersion' setting in your application to use a cookieSecret of several keys",
    );
  });
});

describe.each(MODES)('signed cookies over HTTP (%s mode)', (mode: LoopMode) => {
  it('a signed cookie set by one response (30 days unless told) is read by the next request', async () => {
    class Login extends RequestHandler {
      override get() {
        this.setSignedCookie('user', 'ben');
        this.setSignedCookie('session', 'x', { expiresDays: null, httponly: true });
      }
    }
    class Whoami extends RequestHandler {
      override get() {
        this.write({
          user: this.getSignedCookie('user')?.toString() ?? null,
          forged: this.getSignedCookie('forged')?.toString() ?? null,
          version: this.getSignedCookieKeyVersion('user'),
        });
      }
    }
    const app = new Application(
      [
        ['/login', Login],
        ['/whoami', Whoami],
      ],
      { cookieSecret: 'a long random secret' },
    );
    const seen = await serveApp(app, mode, function* (fetch) {
      const cookies = (yield* fetch('/login')).headers.getList('Set-Cookie');
      const user = /^user=([^;]+)/.exec(cookies[0]!)![1]!;
      const whoami = yield* fetch('/whoami', {
        headers: { Cookie: `user=${user}; forged=2|1:0|10:1300000000|6:forged|4:YmVu|00` },
      });
      return { cookies, whoami: JSON.parse(text(whoami)) as unknown };
    });
    expect(seen.cookies[0]).toMatch(
      /^user=2\|1:0\|10:\d+\|4:user\|4:YmVu\|[0-9a-f]{64}; expires=.+; Path=\/$/,
    );
    expect(offBy(/expires=([^;]+)/.exec(seen.cookies[0]!)![1]!, 30)).toBeLessThan(10);
    expect(seen.cookies[1]).toMatch(/^session=[^;]+; HttpOnly; Path=\/$/);
    expect(seen.whoami).toEqual({ user: 'ben', forged: null, version: 0 });
  });
});

it('a Morsel prints as Python’s Morsel.OutputString', () => {
  const morsel = new Morsel('name', 'a value', { path: '/', secure: true });
  expect(String(morsel)).toBe('name="a value"; Path=/; Secure');
  // Latin-1 characters as octal escapes, others as they are: CPython 3.11's output, byte for byte.
  expect(String(new Morsel('u', 'caf\u00e9_\u2603'))).toBe('u="caf\\351_\u2603"');
});
