/**
 * web — users and the decorators: `currentUser` and `getCurrentUser`, plain, async or a generator
 * (SetLazyPropertiesTest, the lazy-evaluation part of GetCurrentUserTest), `@authenticated`
 * (AuthRedirectTest), `@removeslash` and `@addslash` (DecoratorTest), each as a TypeScript 5
 * decorator and as a wrapped function, and `streamRequestBody`'s checks. A real HTTPServer +
 * Application on 127.0.0.1, fetched with AsyncHTTPClient, in both loop modes.
 */
import { describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { sleep } from './gen';
import { MODES, serveApp, text, useWebTestHooks } from './test-web';
import {
  addslash,
  Application,
  authenticated,
  removeslash,
  RequestHandler,
  streamRequestBody,
  type RequestHandlerClass,
} from './web';

const logs = useWebTestHooks();

describe.each(MODES)('currentUser (%s mode)', (mode: LoopMode) => {
  it('getCurrentUser is asked once, on first use, and not at all when nothing reads currentUser', async () => {
    const calls: string[] = [];
    class User extends RequestHandler {
      override getCurrentUser() {
        calls.push(this.request.path);
        return this.getCookie('user');
      }

      override get() {
        if (this.request.path === '/read') {
          this.write(`${String(this.currentUser)} ${String(this.currentUser)}`);
        }
      }
    }
    const bodies = await serveApp(new Application([['/.*', User]]), mode, function* (fetch) {
      return [
        text(yield* fetch('/read', { headers: { Cookie: 'user=ben' } })),
        text(yield* fetch('/skip', { headers: { Cookie: 'user=ben' } })),
      ];
    });
    expect(bodies).toEqual(['ben ben', '']);
    expect(calls).toEqual(['/read']);
  });

  it('SetLazyPropertiesTest: currentUser can be assigned (in prepare), and getCurrentUser is then never called', async () => {
    class Assigned extends RequestHandler {
      override prepare() {
        this.currentUser = 'Ben';
      }

      override getCurrentUser(): unknown {
        throw new Error('not to be called');
      }

      override get() {
        this.write(`Hello ${String(this.currentUser)}`);
      }
    }
    const body = await serveApp(new Application([['/', Assigned]]), mode, function* (fetch) {
      return text(yield* fetch('/'));
    });
    expect(body).toBe('Hello Ben');
  });

  it('an async or generator getCurrentUser is resolved before prepare, which reads it as a value', async () => {
    class AsyncUser extends RequestHandler {
      override async getCurrentUser() {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return { name: this.getCookie('user') };
      }

      override prepare() {
        this.write(`prepare sees ${(this.currentUser as { name: string }).name}; `);
      }

      override get() {
        this.write(`get sees ${(this.currentUser as { name: string }).name}`);
      }
    }
    class GeneratorUser extends RequestHandler {
      override *getCurrentUser() {
        yield sleep(1);
        return 'gen';
      }

      override get() {
        this.write(String(this.currentUser));
      }
    }
    const app = new Application([
      ['/async', AsyncUser],
      ['/generator', GeneratorUser],
    ]);
    const bodies = await serveApp(app, mode, function* (fetch) {
      return [
        text(yield* fetch('/async', { headers: { Cookie: 'user=ben' } })),
        text(yield* fetch('/generator')),
      ];
    });
    expect(bodies).toEqual(['prepare sees ben; get sees ben', 'gen']);
  });

  it('a plain getCurrentUser that returns a promise is an error saying to declare it async', async () => {
    class Confused extends RequestHandler {
      override getCurrentUser() {
        return Promise.resolve('ben');
      }

      override get() {
        this.write(String(this.currentUser));
      }
    }
    const code = await serveApp(new Application([['/', Confused]]), mode, function* (fetch) {
      return (yield* fetch('/')).code;
    });
    expect(code).toBe(500);
    expect(String(logs.app[0]!.err)).toMatch(
      /^TypeError: Confused\.getCurrentUser\(\) returned Promise .*: declare it async \(or a generator\) and it is resolved before prepare\(\)$/,
    );
  });
});

/** tornado's AuthRedirectRequestHandler: its own login URL, an @authenticated GET. */
class AuthRedirect extends RequestHandler {
  loginUrl = '';

  override initialize({ loginUrl }: { loginUrl: string }) {
    this.loginUrl = loginUrl;
  }

  override getLoginUrl() {
    return this.loginUrl;
  }

  @authenticated
  override get() {
    // Never reached: nobody is logged in.
    this.sendError(500);
  }

  @authenticated
  override post() {
    this.sendError(500);
  }
}

describe.each(MODES)('authenticated (%s mode)', (mode: LoopMode) => {
  it('AuthRedirectTest: a relative login URL gets a relative next, an absolute one an absolute next', async () => {
    const app = new Application([
      ['/relative', AuthRedirect, { loginUrl: '/login' }],
      ['/absolute', AuthRedirect, { loginUrl: 'http://example.com/login' }],
      ['/query', AuthRedirect, { loginUrl: '/login?source=here' }],
    ]);
    const seen = await serveApp(app, mode, function* (fetch) {
      const out: [number, string | undefined][] = [];
      for (const path of ['/relative', '/absolute', '/query']) {
        const response = yield* fetch(path);
        out.push([response.code, response.headers.get('Location')]);
      }
      out.push([(yield* fetch('/relative', { method: 'POST', body: '' })).code, undefined]);
      return out;
    });
    expect(seen[0]).toEqual([302, '/login?next=%2Frelative']);
    expect(seen[1]![0]).toBe(302);
    expect(seen[1]![1]).toMatch(
      /^http:\/\/example\.com\/login\?next=http%3A%2F%2F127\.0\.0\.1%3A[0-9]+%2Fabsolute$/,
    );
    // A login URL with a query of its own is used as it is.
    expect(seen[2]).toEqual([302, '/login?source=here']);
    // Not a GET: nothing to come back to, a 403.
    expect(seen[3]).toEqual([403, undefined]);
  });

  it('the loginUrl setting, a user let through, and the function form on a generator method', async () => {
    class Account extends RequestHandler {
      override getCurrentUser() {
        return this.getCookie('user');
      }

      override get: (this: Account) => unknown = authenticated(function* (this: Account) {
        yield sleep(1);
        this.write(`account of ${String(this.currentUser)}`);
      });
    }
    const app = new Application([['/account', Account]], { loginUrl: '/login' });
    const seen = await serveApp(app, mode, function* (fetch) {
      const anonymous = yield* fetch('/account?tab=2');
      const ben = yield* fetch('/account', { headers: { Cookie: 'user=ben' } });
      return [anonymous.code, anonymous.headers.get('Location'), text(ben)];
    });
    expect(seen).toEqual([302, '/login?next=%2Faccount%3Ftab%3D2', 'account of ben']);
  });

  it('without a loginUrl setting, a MissingSettingError (500) names it', async () => {
    class NoLogin extends RequestHandler {
      @authenticated
      override get() {}
    }
    const code = await serveApp(new Application([['/', NoLogin]]), mode, function* (fetch) {
      return (yield* fetch('/')).code;
    });
    expect(code).toBe(500);
    expect(String(logs.app[0]!.err)).toBe(
      "MissingSettingError: You must define the 'loginUrl' setting in your application to use @authenticated",
    );
  });
});

describe.each(MODES)('removeslash and addslash (%s mode)', (mode: LoopMode) => {
  class RemoveSlash extends RequestHandler {
    @removeslash
    override get() {
      this.write('removed');
    }

    @removeslash
    override post() {}
  }

  class AddSlash extends RequestHandler {
    @addslash
    override get() {
      this.write('added');
    }

    override post: (this: AddSlash) => unknown = addslash(function (this: AddSlash) {});
  }

  const app = () =>
    new Application([
      ['/removeslash/*', RemoveSlash],
      ['/addslash/?', AddSlash],
      ['/', RemoveSlash],
    ]);

  it('DecoratorTest: a redirect to the canonical path, query kept; other methods get a 404', async () => {
    const seen = await serveApp(app(), mode, function* (fetch) {
      const out: [number, string | undefined][] = [];
      for (const path of [
        '/removeslash/',
        '/removeslash//?foo=bar',
        '/addslash',
        '/addslash?foo=bar',
      ]) {
        const response = yield* fetch(path);
        out.push([response.code, response.headers.get('Location')]);
      }
      out.push([(yield* fetch('/removeslash/', { method: 'POST', body: '' })).code, undefined]);
      out.push([(yield* fetch('/addslash', { method: 'POST', body: '' })).code, undefined]);
      return out;
    });
    expect(seen).toEqual([
      [301, '/removeslash'],
      [301, '/removeslash?foo=bar'],
      [301, '/addslash/'],
      [301, '/addslash/?foo=bar'],
      [404, undefined],
      [404, undefined],
    ]);
  });

  it('the canonical path itself is served; / is never redirected to nothing', async () => {
    const bodies = await serveApp(app(), mode, function* (fetch) {
      return [
        text(yield* fetch('/removeslash')),
        text(yield* fetch('/addslash/')),
        text(yield* fetch('/')),
      ];
    });
    expect(bodies).toEqual(['removed', 'added', 'removed']);
  });
});

describe('the decorators’ checks', () => {
  it('the method decorators take a function; streamRequestBody a RequestHandler subclass', () => {
    expect(() => authenticated(42 as never)).toThrow(
      'authenticated() expected a handler method, got 42',
    );
    expect(() => streamRequestBody(class NotAHandler {} as unknown as RequestHandlerClass)).toThrow(
      /^streamRequestBody\(\) expected a RequestHandler subclass, got class NotAHandler/,
    );
    class Upload extends RequestHandler {}
    expect(streamRequestBody(Upload)).toBe(Upload);
    expect([Upload.streamRequestBody, RequestHandler.streamRequestBody]).toEqual([true, false]);
  });

  it('a wrapped method keeps its name', () => {
    class Named extends RequestHandler {
      @authenticated
      override get() {}
    }
    expect(Named.prototype.get.name).toBe('get');
  });
});
