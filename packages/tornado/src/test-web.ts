/**
 * For the web tests: an `Application` served by a real `HTTPServer` on 127.0.0.1 inside a test's
 * loop, fetched with a fresh `AsyncHTTPClient` (its own pool, closed after), raw clients for what
 * the bytes or the close show, and the log records of `tornado.access`, `tornado.general` and
 * `tornado.application` captured instead of printed.
 */
import { afterEach, beforeEach } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { AsyncHTTPClient, type FetchOptions, type HTTPResponse } from './httpclient';
import type { HTTPServerOptions } from './httpserver';
import { MODES, closeLoops, main } from './locks/test-support';
import { accessLog, addHandler, appLog, genLog, removeHandler, setLevel } from './log';
import type { Handler, LogRecord } from './log';
import { closeLeftovers, withServer, type Harness } from './test-http';
import { HTTPHeaders, HTTPServerRequest, RequestStartLine } from './httputil';
import { Application as WebApplication, type Application, type RequestHandler } from './web';

export { MODES };

/** Fetches a path of the application under test (never throws for a status). */
export type Fetch = (
  path: string,
  options?: FetchOptions,
) => Generator<unknown, HTTPResponse, unknown>;

/**
 * Serves `app` on 127.0.0.1 in a fresh loop in `mode`, runs `body` with a `fetch` and the
 * server's harness, then closes the client and every connection.
 */
export function serveApp<T>(
  app: Application,
  mode: LoopMode,
  body: (fetch: Fetch, harness: Harness) => Generator<unknown, T, unknown>,
  serverOptions: HTTPServerOptions = {},
): Promise<T> {
  return main(
    () =>
      withServer(app, serverOptions, function* (h) {
        const client = new AsyncHTTPClient({ forceInstance: true });
        const fetch: Fetch = function* (path, options = {}) {
          const url = `http://127.0.0.1:${String(h.port)}${path}`;
          return yield* client.fetch(url, {
            raiseError: false,
            followRedirects: false,
            ...options,
          });
        };
        try {
          return yield* body(fetch, h);
        } finally {
          client.close();
        }
      }),
    mode,
    'real',
  );
}

/** What the three loggers said during a test. */
export interface WebLogs {
  readonly access: LogRecord[];
  readonly gen: LogRecord[];
  readonly app: LogRecord[];
  /** Every message of the three, in the order of the loggers above. */
  messages(): string[];
  stop(): void;
}

/**
 * The hooks of a web test file, registered where it is called (at the top of the file): the three
 * loggers captured for each test; after it the capture stops, what the test left open is closed
 * (`closeLeftovers`), its loops are closed, and `after` runs (a file's own cleanup). Returns the
 * logs, always those of the test running now.
 */
export function useWebTestHooks(after?: () => void): WebLogs {
  let current: WebLogs | null = null;
  const now = (): WebLogs => {
    if (current === null) throw new Error('useWebTestHooks(): the logs are read outside a test');
    return current;
  };
  beforeEach(() => {
    current = captureWebLogs();
  });
  afterEach(() => {
    current?.stop();
    current = null;
    closeLeftovers();
    closeLoops();
    after?.();
  });
  return {
    get access() {
      return now().access;
    },
    get gen() {
      return now().gen;
    },
    get app() {
      return now().app;
    },
    messages: () => now().messages(),
    stop: () => now().stop(),
  };
}

/** Records `tornado.access`, `tornado.general` (debug and up) and `tornado.application`. */
export function captureWebLogs(): WebLogs {
  const access: LogRecord[] = [];
  const gen: LogRecord[] = [];
  const app: LogRecord[] = [];
  const handlers: [typeof accessLog, Handler][] = [
    [accessLog, { level: 0, handle: (r) => void access.push(r), close: () => {} }],
    [genLog, { level: 0, handle: (r) => void gen.push(r), close: () => {} }],
    [appLog, { level: 0, handle: (r) => void app.push(r), close: () => {} }],
  ];
  for (const [logger, handler] of handlers) addHandler(logger, handler);
  setLevel(genLog, 'debug');
  setLevel(accessLog, 'debug');
  return {
    access,
    gen,
    app,
    messages: () => [...access, ...gen, ...app].map((record) => record.message),
    stop: () => {
      setLevel(genLog, null);
      setLevel(accessLog, null);
      for (const [logger, handler] of handlers) removeHandler(logger, handler);
    },
  };
}

/**
 * A handler of `handlerClass` for a request made by hand (no connection: it cannot answer), for
 * the tests of what needs no server.
 */
export function handlerFor<H extends RequestHandler>(
  handlerClass: new (application: Application, request: HTTPServerRequest) => H,
  uri = '/',
  application: Application = new WebApplication(),
  headers: Record<string, string> = {},
): H {
  const request = new HTTPServerRequest({
    startLine: new RequestStartLine('GET', uri, 'HTTP/1.1'),
    headers: new HTTPHeaders({ Host: '127.0.0.1', ...headers }),
  });
  return new handlerClass(application, request);
}

/** The response's body as UTF-8 text. */
export function text(response: HTTPResponse): string {
  return response.body.toString('utf8');
}

/** The response's body parsed as JSON. */
export function json(response: HTTPResponse): unknown {
  return JSON.parse(response.body.toString('utf8'));
}
