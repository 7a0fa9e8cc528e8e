/**
 * tornado's `AsyncHTTPTestCase` and `AsyncHTTPSTestCase`: an `AsyncTestCase` that serves an
 * application on 127.0.0.1 for each test, with a client to ask it.
 *
 * Each test gets a new port (`bindUnusedPort`), an `HTTPServer` for `getApp()`'s delegate on it,
 * and the IOLoop's `AsyncHTTPClient`. The teardown stops the server, closes every connection it
 * has and the client, and then does what `AsyncTestCase`'s does (pending tasks, the loop, the
 * fd check): a connection the test left open is closed by it, a socket the test opened itself
 * and left open is reported.
 */
import { AsyncHTTPClient, type FetchOptions } from '../httpclient/client';
import type { HTTPRequest } from '../httpclient/request';
import type { HTTPResponse } from '../httpclient/response';
import { HTTPServer, type HTTPServerOptions } from '../httpserver/server';
import type { SSLOptions } from '../netutil/ssl';
import { optionTypeError } from '../log/errors';
import { AsyncTestCase, type AsyncTestCaseOptions } from './async-test-case';
import { bindUnusedPort } from './bind-unused-port';
import { sslFiles } from './certificate';
import {
  inject,
  type InjectApp,
  type InjectOptions,
  type InjectRequest,
  type InjectRequestOptions,
} from './inject';

/** What one test has: set up by `setUp()`, dropped by `tearDown()`. */
interface Served {
  readonly app: InjectApp;
  readonly port: number;
  readonly server: HTTPServer;
  readonly client: AsyncHTTPClient;
}

/** `inject`'s implementation signature, for passing its overloads' arguments on. */
type InjectArgs = (
  app: InjectApp,
  first: string | InjectRequest | HTTPRequest,
  second?: string | InjectRequestOptions,
  third?: InjectOptions,
) => ReturnType<typeof inject>;

/** `new AsyncHTTPTestCase(getApp, options)`. */
export interface AsyncHTTPTestCaseOptions extends AsyncTestCaseOptions {
  /** The server's options (tornado's `get_httpserver_options()`). */
  httpServerOptions?: HTTPServerOptions;
}

/**
 * A server for `getApp()` on a fresh port for each test, and a client: tornado's
 * `AsyncHTTPTestCase`. `getApp` may return any `HTTPServerConnectionDelegate` (a
 * `web.Application`, a `RuleRouter`) or a request callback. Subclasses may override `getApp`,
 * `getHttpServerOptions`, `getHttpClient`, `getHttpServer` and `getProtocol`.
 * @example
 * ```ts
 * const t = new AsyncHTTPTestCase(() => makeApp());
 * beforeEach(() => t.setUp());
 * afterEach(() => t.tearDown());
 *
 * it('serves the home page', async () => {
 *   const response = await t.fetch('/');
 *   expect(response.code).toBe(200);
 * });
 *
 * it('serves two at once', t.genTest(function* (t) {
 *   const [a, b] = yield* gen.multi([t.httpClient.fetch(t.getUrl('/a')), t.httpClient.fetch(t.getUrl('/b'))]);
 * }));
 * ```
 */
export class AsyncHTTPTestCase extends AsyncTestCase {
  readonly #getApp: (() => InjectApp) | null;
  readonly #serverOptions: HTTPServerOptions;
  #test: Served | null = null;

  /** @throws TypeError for a `getApp` that is not a function, or bad options */
  constructor(getApp?: () => InjectApp, options: AsyncHTTPTestCaseOptions = {}) {
    super(options);
    if (getApp !== undefined && typeof getApp !== 'function') {
      throw optionTypeError(`new ${new.target.name}()`, 'getApp', 'a function', getApp);
    }
    this.#getApp = getApp ?? null;
    this.#serverOptions = options.httpServerOptions ?? {};
  }

  /** The application for a test: the constructor's `getApp()`, unless a subclass overrides it. */
  getApp(): InjectApp {
    if (this.#getApp === null) {
      throw new TypeError(
        `${this.constructor.name}.getApp(): give new ${this.constructor.name}() a getApp function, or override getApp()`,
      );
    }
    return this.#getApp();
  }

  /** The server's options (tornado's `get_httpserver_options`). */
  getHttpServerOptions(): HTTPServerOptions {
    return { ...this.#serverOptions };
  }

  /** The client: the IOLoop's shared `AsyncHTTPClient` (a new one, as the IOLoop is new). */
  getHttpClient(): AsyncHTTPClient {
    return new AsyncHTTPClient();
  }

  /** The server for the test's app. */
  getHttpServer(app: InjectApp): HTTPServer {
    return new HTTPServer(app, this.getHttpServerOptions());
  }

  /** `http`; `https` for `AsyncHTTPSTestCase`. */
  getProtocol(): string {
    return 'http';
  }

  /** Starts the test's loop, then its server on a new port, and its client. */
  override async setUp(): Promise<void> {
    await super.setUp();
    const [socket, port] = bindUnusedPort();
    let client: AsyncHTTPClient | null = null;
    try {
      client = this.getHttpClient();
      const app = this.getApp();
      const server = this.getHttpServer(app);
      server.addSockets([socket]);
      this.#test = { app, port, server, client };
    } catch (error) {
      client?.close();
      socket.close();
      throw error;
    }
  }

  /**
   * Stops the server, closes its connections and the client, then tears the loop down
   * (`AsyncTestCase.tearDown`: pending tasks, open fds).
   */
  override async tearDown(): Promise<void> {
    const test = this.#test;
    this.#test = null;
    try {
      if (test !== null) {
        test.server.stop();
        try {
          await this.ioloop.runSync(() => test.server.closeAllConnections(), {
            timeout: this.timeout,
          });
        } finally {
          test.client.close();
        }
      }
    } finally {
      await super.tearDown();
    }
  }

  /** The test's application (tornado's `_app`). */
  get app(): InjectApp {
    return this.#current('app').app;
  }

  /** The test's server (tornado's `http_server`). */
  get httpServer(): HTTPServer {
    return this.#current('httpServer').server;
  }

  /** The test's client (tornado's `http_client`). */
  get httpClient(): AsyncHTTPClient {
    return this.#current('httpClient').client;
  }

  /** The port the server listens on (a new one for each test). */
  getHttpPort(): number {
    return this.#current('getHttpPort()').port;
  }

  /** `http://127.0.0.1:<port><path>`: an absolute URL for `path` on the test's server. */
  getUrl(path: string): string {
    return `${this.getProtocol()}://127.0.0.1:${String(this.getHttpPort())}${path}`;
  }

  /**
   * Fetches `path` (or an absolute `http://` or `https://` URL, as it is) from the test's server
   * with the test's client, running the loop until the response (or the case's timeout). A
   * status outside 2xx is a response, not an error (`raiseError: false`), as in tornado.
   * For a test running on the loop already (a `genTest` body), `yield* t.httpClient.fetch(…)`.
   * @throws Error when called on the running loop; TimeoutError after the timeout
   */
  fetch(path: string, options: FetchOptions = {}): Promise<HTTPResponse> {
    const url = /^https?:\/\//i.test(path) ? path : this.getUrl(path);
    const client = this.httpClient;
    this.#checkNotRunning('fetch()', 'yield* t.httpClient.fetch(t.getUrl(path))');
    return this.ioloop.runSync(() => client.fetch(url, { raiseError: false, ...options }), {
      timeout: this.timeout,
    });
  }

  /**
   * `inject()` into the test's application: the same request, in memory, without the server.
   * For a test running on the loop already, `yield* inject(t.app, …)`.
   * @throws Error when called on the running loop
   */
  inject(method: string, url: string, options?: InjectOptions): Promise<HTTPResponse>;
  inject(request: InjectRequest): Promise<HTTPResponse>;
  inject(request: HTTPRequest, options?: InjectRequestOptions): Promise<HTTPResponse>;
  inject(
    first: string | InjectRequest | HTTPRequest,
    second?: string | InjectRequestOptions,
    third?: InjectOptions,
  ): Promise<HTTPResponse> {
    const app = this.app;
    this.#checkNotRunning('inject()', 'yield* inject(t.app, …)');
    return this.ioloop.runSync(() => (inject as InjectArgs)(app, first, second, third), {
      timeout: this.timeout,
    });
  }

  #current(what: string): Served {
    if (this.#test === null) {
      throw new Error(
        `${this.constructor.name}.${what}: no test is set up (call setUp() in beforeEach and tearDown() in afterEach)`,
      );
    }
    return this.#test;
  }

  #checkNotRunning(what: string, instead: string): void {
    if (this.ioloop.asyncioLoop.isRunning()) {
      throw new Error(
        `${this.constructor.name}.${what} runs the loop, which is running already (a genTest body?): use ${instead}`,
      );
    }
  }
}

/**
 * `AsyncHTTPTestCase` over TLS: the server has a test certificate (for `localhost` and
 * 127.0.0.1), and the client does not check it (`validateCert: false`), as in tornado.
 * @example
 * ```ts
 * const t = new AsyncHTTPSTestCase(() => router);
 * beforeEach(() => t.setUp());
 * afterEach(() => t.tearDown());
 * it('speaks TLS', async () => expect((await t.fetch('/')).effectiveUrl).toMatch(/^https:/));
 * ```
 */
export class AsyncHTTPSTestCase extends AsyncHTTPTestCase {
  /** The test certificate and its key, as files: `{ certfile, keyfile }`. */
  static defaultSslOptions(): SSLOptions {
    return sslFiles();
  }

  /** A client of its own that accepts the test certificate. */
  override getHttpClient(): AsyncHTTPClient {
    return new AsyncHTTPClient({ forceInstance: true, defaults: { validateCert: false } });
  }

  /** The server's options, with `sslOptions: getSslOptions()`. */
  override getHttpServerOptions(): HTTPServerOptions {
    return { ...super.getHttpServerOptions(), sslOptions: this.getSslOptions() };
  }

  /** The server's TLS options: by default the test certificate. */
  getSslOptions(): SSLOptions {
    return AsyncHTTPSTestCase.defaultSslOptions();
  }

  override getProtocol(): string {
    return 'https';
  }
}
