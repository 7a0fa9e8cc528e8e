/**
 * AsyncHTTPClient against servers nobody here wrote, on 127.0.0.1:
 *
 * - nginx (Debian's), over TLS with the test certificate (CN localhost, signed by the test CA) and
 *   in plain HTTP with gzip, a chunked body (`sub_filter` makes the length unknown) and a
 *   `return 301`. Keep-alive is counted where it happens, at nginx: `$connection` and
 *   `$connection_requests` in the body of `/connection`.
 * - tornado 6's own HTTPServer (Debian's python3-tornado), plain and TLS: GET, POST, a chunked
 *   request body, redirects, `compress_response`, `flush()` between writes, keep-alive.
 * - a forward proxy, the npm package `proxy` (TooTallNate's v2 on Node's `http`): plain requests
 *   in absolute form, https through its `CONNECT` tunnel, and its `authenticate` hook (407).
 *
 * Each peer is a child process (so either loop mode runs beside it); a peer that is not installed
 * skips its tests, the describe saying what to install. The client runs on a fresh loop per test
 * (`main()` in `locks/test-support`, real time), which checks that no timer is left armed: the
 * client is closed, its idle connections and their timers with it, before the test returns.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { SSLCertVerificationError } from '@aio/selector/ssl';
import {
  AsyncHTTPClient,
  HTTPClientError,
  ProxyTunnelError,
  type AsyncHTTPClientOptions,
  type HTTPResponse,
} from './httpclient';
import type { HTTPServerRequest } from './httputil';
import { MODES, closeLoops, main } from './locks/test-support';
import { CLIENT_TLS, SERVER_TLS, closeLeftovers, respond, withServer } from './test-http';
import { NGINX, freePort, killNginx, startNginx, type Nginx } from './test-nginx';

const FIXTURES = fileURLToPath(new URL('./test-fixtures/', import.meta.url));
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;

/** describe(), or describe.skip with why in its title when `missing` says what is missing. */
function describePeer(missing: string | null, title: string, body: () => void): void {
  if (missing === null) describe(title, body);
  else describe.skip(`${title} [skipped: ${missing}]`, body);
}

const tornadoMissing = ((): string | null => {
  if (PYTHON === null) return 'no /usr/bin/python3 (apt-get install python3-tornado)';
  const probe = spawnSync(
    PYTHON,
    ['-c', 'import tornado, sys; sys.exit(0 if tornado.version_info >= (6,) else 1)'],
    { stdio: 'ignore', timeout: 10_000 },
  );
  return probe.status === 0
    ? null
    : '/usr/bin/python3 has no tornado 6 (apt-get install python3-tornado)';
})();

const proxyMissing = ((): string | null => {
  try {
    // Resolved as the fixture will resolve it: from this package.
    return existsSync(join(fileURLToPath(new URL('..', import.meta.url)), 'node_modules/proxy'))
      ? null
      : "no npm package 'proxy' (pnpm --filter @aio/tornado add -D proxy@^2)";
  } catch {
    return "no npm package 'proxy'";
  }
})();

// ─── Peers in child processes ───────────────────────────────────────────────────────────────────

/** A peer that printed its port(s) and is serving; stdin is a pipe: closing it ends the peer. */
interface Peer {
  readonly ports: number[];
  /** The lines it printed after its ports. */
  lines(): string[];
  stop(): Promise<void>;
}

const peers = new Set<ChildProcess>();

/** Starts `command`, waits for its `PORT n` / `PORTS n m` line (10 s at most). */
async function startPeer(command: string, args: readonly string[]): Promise<Peer> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  peers.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      peers.delete(child);
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    child.stdin.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const match = /^PORTS? ([\d ]+)\n/.exec(stdout);
    if (match !== null) {
      const after = match[0].length;
      return {
        ports: match[1]!.split(' ').map(Number),
        lines: () =>
          stdout
            .slice(after)
            .split('\n')
            .filter((line) => line !== ''),
        stop,
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${command} ${args.join(' ')} did not start: ${stdout}${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(() => {
  closeLeftovers();
  closeLoops();
});
afterAll(async () => {
  await Promise.all(
    [...peers].map(
      (child) =>
        new Promise((resolve) => {
          child.once('close', resolve);
          child.kill('SIGKILL');
        }),
    ),
  );
  await killNginx();
});

// ─── The client ─────────────────────────────────────────────────────────────────────────────────

/** `localhost` (the certificate's name) resolved to 127.0.0.1, where the peers listen. */
const LOCALHOST = { localhost: '127.0.0.1' };

/**
 * Runs `body` with a client of its own on a fresh loop in `mode` (real time); the client is
 * closed however `body` ends, before the loop is checked for timers left armed.
 */
function withClient<T>(
  mode: LoopMode,
  body: (client: AsyncHTTPClient) => Generator<unknown, T, unknown>,
  options: AsyncHTTPClientOptions = {},
): Promise<T> {
  return main(
    function* () {
      const client = new AsyncHTTPClient({
        forceInstance: true,
        hostnameMapping: LOCALHOST,
        ...options,
        defaults: { requestTimeout: 10_000, ...options.defaults },
      });
      try {
        return yield* body(client);
      } finally {
        client.close();
      }
    },
    mode,
    'real',
  );
}

/** What a fetch threw (it must throw). */
function* failure(
  client: AsyncHTTPClient,
  ...args: Parameters<AsyncHTTPClient['fetch']>
): Generator<unknown, Error, unknown> {
  try {
    yield* client.fetch(...args);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected the fetch of ${String(args[0])} to fail`);
}

const text = (response: HTTPResponse): string => response.body.toString('utf8');

// ─── nginx ──────────────────────────────────────────────────────────────────────────────────────

/** The text nginx serves at /static/ (compressible) and through `sub_filter` at /chunked/. */
const STATIC_TEXT = 'nginx serves this line of text, and gzip squeezes it.\n'.repeat(2000);

describePeer(
  NGINX === null ? 'no nginx binary (apt-get install nginx)' : null,
  'AsyncHTTPClient → nginx',
  () => {
    let nginx: Nginx;
    let http = 0;
    let https = 0;

    beforeAll(async () => {
      http = freePort();
      https = freePort();
      nginx = await startNginx(
        (dir) => `default_type text/plain; keepalive_requests 1000;
          server { listen 127.0.0.1:${https} ssl; server_name localhost;
            ssl_certificate ${SERVER_TLS.certfile}; ssl_certificate_key ${SERVER_TLS.keyfile};
            location = /connection { return 200 "$connection $connection_requests"; }
            location = /headers {
              return 200 "proxy-authorization=[$http_proxy_authorization] host=[$host]"; }
            location / { return 200 "hello over tls\\n"; } }
          server { listen 127.0.0.1:${http}; root ${join(dir, 'www')};
            gzip on; gzip_types text/plain; gzip_min_length 0;
            location = /connection { return 200 "$connection $connection_requests"; }
            location = /redirect { return 301 /other; }
            location = /other { return 200 "other\\n"; }
            location /static/ { }
            location /chunked/ { gzip off; sub_filter_types *; sub_filter 'squeezes' 'SQUEEZES';
                                 sub_filter_once off; } }`,
        [http, https],
        (dir) => {
          for (const sub of ['static', 'chunked']) {
            mkdirSync(join(dir, 'www', sub), { recursive: true });
            writeFileSync(join(dir, 'www', sub, 'text.txt'), STATIC_TEXT);
          }
        },
      );
    }, 30_000);
    afterAll(async () => {
      await nginx?.stop();
    });

    describe.each(MODES)('%s mode', (mode: LoopMode) => {
      it('https with caCerts (the test CA) and the name localhost: the page', async () => {
        const body = await withClient(mode, function* (client) {
          return text(
            yield* client.fetch(`https://localhost:${https}/`, { caCerts: CLIENT_TLS.caCerts }),
          );
        });
        expect(body).toBe('hello over tls\n');
      });

      it('https without caCerts: an SSLCertVerificationError that names the server', async () => {
        const error = await withClient(mode, function* (client) {
          return yield* failure(client, `https://localhost:${https}/`);
        });
        expect(error).toBeInstanceOf(SSLCertVerificationError);
        expect(error.message).toContain(`localhost:${https}`);
      });

      it('https with validateCert: false: the page, the certificate unchecked', async () => {
        const body = await withClient(mode, function* (client) {
          return text(yield* client.fetch(`https://localhost:${https}/`, { validateCert: false }));
        });
        expect(body).toBe('hello over tls\n');
      });

      it('keep-alive over TLS: five requests, one connection, nginx counts 1 to 5 on it', async () => {
        const { bodies, stats } = await withClient(mode, function* (client) {
          const out: string[] = [];
          for (let i = 0; i < 5; i++) {
            const response = yield* client.fetch(`https://localhost:${https}/connection`, {
              caCerts: CLIENT_TLS.caCerts,
            });
            out.push(text(response));
          }
          return { bodies: out, stats: client.stats };
        });
        const connection = bodies[0]!.split(' ')[0];
        expect(bodies).toEqual([1, 2, 3, 4, 5].map((n) => `${connection} ${n}`));
        expect([stats.connections, stats.reused]).toEqual([1, 4]);
      });

      it('keep-alive over plain HTTP (gzip on): five requests, one connection at nginx', async () => {
        const bodies = await withClient(mode, function* (client) {
          const out: string[] = [];
          for (let i = 0; i < 5; i++) {
            out.push(text(yield* client.fetch(`http://127.0.0.1:${http}/connection`)));
          }
          return out;
        });
        const connection = bodies[0]!.split(' ')[0];
        expect(bodies).toEqual([1, 2, 3, 4, 5].map((n) => `${connection} ${n}`));
      });

      it('gzip: the body decompressed, X-Consumed-Content-Encoding: gzip; raw with decompressResponse: false', async () => {
        const { inflated, raw, lines } = await withClient(mode, function* (client) {
          const heard: string[] = [];
          const one = yield* client.fetch(`http://127.0.0.1:${http}/static/text.txt`, {
            headerCallback: (line) => heard.push(line),
          });
          const two = yield* client.fetch(`http://127.0.0.1:${http}/static/text.txt`, {
            decompressResponse: false,
            headers: { 'Accept-Encoding': 'gzip' },
          });
          return { inflated: one, raw: two, lines: heard };
        });
        expect(text(inflated)).toBe(STATIC_TEXT);
        expect(inflated.headers.get('X-Consumed-Content-Encoding')).toBe('gzip');
        expect(inflated.headers.has('Content-Encoding')).toBe(false);
        // gzip made the length unknown: nginx sent it chunked.
        expect(lines.map((l) => l.toLowerCase())).toContain('transfer-encoding: chunked\r\n');
        expect(raw.headers.get('Content-Encoding')).toBe('gzip');
        expect(raw.body.length).toBeLessThan(STATIC_TEXT.length / 10);
        expect(gunzipSync(raw.body).toString('utf8')).toBe(STATIC_TEXT);
      });

      it('a chunked response (sub_filter, no gzip): the body whole', async () => {
        const { response, lines } = await withClient(mode, function* (client) {
          const heard: string[] = [];
          const got = yield* client.fetch(`http://127.0.0.1:${http}/chunked/text.txt`, {
            decompressResponse: false,
            headerCallback: (line) => heard.push(line.toLowerCase()),
          });
          return { response: got, lines: heard };
        });
        expect(lines).toContain('transfer-encoding: chunked\r\n');
        expect(response.headers.has('Content-Length')).toBe(false);
        expect(text(response)).toBe(STATIC_TEXT.replaceAll('squeezes', 'SQUEEZES'));
      });

      it('return 301 /other: followed (effectiveUrl /other); with followRedirects: false, the 301', async () => {
        const { followed, error } = await withClient(mode, function* (client) {
          const one = yield* client.fetch(`http://127.0.0.1:${http}/redirect`);
          const two = yield* failure(client, `http://127.0.0.1:${http}/redirect`, {
            followRedirects: false,
          });
          return { followed: one, error: two };
        });
        expect([followed.code, text(followed)]).toEqual([200, 'other\n']);
        expect(new URL(followed.effectiveUrl).pathname).toBe('/other');
        if (!(error instanceof HTTPClientError)) throw error;
        const response = error.response!;
        expect(response.code).toBe(301);
        expect(new URL(response.headers.get('Location')!, 'http://x').pathname).toBe('/other');
      });
    });
  },
);

// ─── tornado 6's HTTPServer ─────────────────────────────────────────────────────────────────────

interface Echoed {
  method: string;
  uri: string;
  body: string;
  headers: [string, string][];
}

const echoed = (response: HTTPResponse): Echoed => JSON.parse(text(response)) as Echoed;
const header = (echo: Echoed, name: string): string[] =>
  echo.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

describePeer(tornadoMissing, "AsyncHTTPClient → tornado 6's HTTPServer (python3)", () => {
  let peer: Peer;
  let http = 0;
  let https = 0;

  beforeAll(async () => {
    peer = await startPeer(PYTHON!, [
      join(FIXTURES, 'tornado_http_server.py'),
      SERVER_TLS.certfile,
      SERVER_TLS.keyfile,
    ]);
    [http, https] = peer.ports as [number, number];
  }, 30_000);
  afterAll(async () => {
    await peer?.stop();
  });

  describe.each(MODES)('%s mode', (mode: LoopMode) => {
    it('GET over HTTP and over TLS (the test CA): Hello world', async () => {
      const bodies = await withClient(mode, function* (client) {
        const plain = yield* client.fetch(`http://127.0.0.1:${http}/hello`);
        const secure = yield* client.fetch(`https://localhost:${https}/hello`, {
          caCerts: CLIENT_TLS.caCerts,
        });
        return [text(plain), text(secure)];
      });
      expect(bodies).toEqual(['Hello world', 'Hello world']);
    });

    it('POST bytes (not UTF-8), PUT text, a chunked bodyProducer: each body byte for byte, the headers as sent', async () => {
      const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x0d, 0x0a, 0x41]);
      const [post, put, produced] = await withClient(mode, function* (client) {
        const url = `https://localhost:${https}/echo?q=1`;
        const tls = { caCerts: CLIENT_TLS.caCerts };
        const one = yield* client.fetch(url, {
          ...tls,
          method: 'POST',
          body: bytes,
          headers: { 'Content-Type': 'application/octet-stream', 'X-Test': 'yes' },
        });
        const two = yield* client.fetch(url, { ...tls, method: 'PUT', body: 'héllo' });
        const three = yield* client.fetch(url, {
          ...tls,
          method: 'POST',
          // A generator function: run as a coroutine (it once was taken for a plain value, and
          // an empty chunked body went out).
          *bodyProducer(write) {
            for (const piece of ['one,', 'two,', 'three']) yield* write(piece);
          },
        });
        return [echoed(one), echoed(two), echoed(three)];
      });
      expect([post.method, post.uri, post.body]).toEqual([
        'POST',
        '/echo?q=1',
        bytes.toString('latin1'),
      ]);
      expect(header(post, 'Content-Length')).toEqual(['8']);
      expect(header(post, 'Content-Type')).toEqual(['application/octet-stream']);
      expect(header(post, 'X-Test')).toEqual(['yes']);
      expect(header(post, 'Host')).toEqual([`localhost:${https}`]);
      expect([put.method, Buffer.from(put.body, 'latin1').toString('utf8')]).toEqual([
        'PUT',
        'héllo',
      ]);
      expect([produced.method, produced.body]).toEqual(['POST', 'one,two,three']);
      expect(header(produced, 'Transfer-Encoding')).toEqual(['chunked']);
    });

    it('redirects: 302 to /hello followed; 303 turns a POST into a GET; 307 keeps the POST and its body', async () => {
      const [found, seeOther, temporary] = await withClient(mode, function* (client) {
        const base = `http://127.0.0.1:${http}`;
        const one = yield* client.fetch(`${base}/redirect?to=/hello`);
        const two = yield* client.fetch(`${base}/redirect?to=/echo&status=303`, {
          method: 'POST',
          body: 'a=1',
        });
        const three = yield* client.fetch(`${base}/redirect?to=/echo&status=307`, {
          method: 'POST',
          body: 'a=1',
        });
        return [one, two, three];
      });
      expect([text(found), new URL(found.effectiveUrl).pathname]).toEqual([
        'Hello world',
        '/hello',
      ]);
      expect([echoed(seeOther).method, echoed(seeOther).body]).toEqual(['GET', '']);
      expect([echoed(temporary).method, echoed(temporary).body]).toEqual(['POST', 'a=1']);
    });

    it('compress_response: gzip decompressed (X-Consumed-Content-Encoding), over TLS too', async () => {
      const responses = await withClient(mode, function* (client) {
        const plain = yield* client.fetch(`http://127.0.0.1:${http}/text?n=30000`);
        const secure = yield* client.fetch(`https://localhost:${https}/text?n=30000`, {
          caCerts: CLIENT_TLS.caCerts,
        });
        return [plain, secure];
      });
      for (const response of responses) {
        expect(response.body.length).toBe(30000);
        expect(text(response).startsWith('tornado compresses this text; ')).toBe(true);
        expect(response.headers.get('X-Consumed-Content-Encoding')).toBe('gzip');
      }
    });

    it('flush() between writes: a chunked response, the body whole (and streamed in pieces)', async () => {
      const { response, pieces, lines } = await withClient(mode, function* (client) {
        const streamed: string[] = [];
        const heard: string[] = [];
        const got = yield* client.fetch(`http://127.0.0.1:${http}/chunked`, {
          decompressResponse: false,
          headerCallback: (line) => heard.push(line.toLowerCase()),
        });
        yield* client.fetch(`http://127.0.0.1:${http}/chunked`, {
          decompressResponse: false,
          streamingCallback: (chunk) => void streamed.push(chunk.toString('utf8')),
        });
        return { response: got, pieces: streamed, lines: heard };
      });
      expect(text(response)).toBe('one,two,three');
      expect(lines).toContain('transfer-encoding: chunked\r\n');
      expect(pieces.join('')).toBe('one,two,three');
    });

    it('keep-alive: four requests on one connection (tornado names the same stream each time)', async () => {
      const { ids, stats } = await withClient(mode, function* (client) {
        const out: string[] = [];
        for (let i = 0; i < 4; i++) {
          out.push(text(yield* client.fetch(`http://127.0.0.1:${http}/connection`)));
        }
        return { ids: out, stats: client.stats };
      });
      expect(new Set(ids).size).toBe(1);
      expect([stats.connections, stats.reused]).toEqual([1, 3]);
    });
  });
});

// ─── A forward proxy: the npm package `proxy` ───────────────────────────────────────────────────

interface Proxied {
  method: string;
  url: string;
  auth: boolean;
}

const CREDENTIALS = { proxyUsername: 'aio', proxyPassword: 's3cret:with colon' };

describePeer(
  proxyMissing ?? (NGINX === null ? 'no nginx binary (apt-get install nginx)' : null),
  "AsyncHTTPClient through a forward proxy (npm 'proxy', on Node's http)",
  () => {
    let open: Peer; // no authentication
    let guarded: Peer; // wants CREDENTIALS
    let nginx: Nginx;
    let https = 0;

    beforeAll(async () => {
      const script = join(FIXTURES, 'node-proxy.mjs');
      [open, guarded] = await Promise.all([
        startPeer(process.execPath, [script]),
        startPeer(process.execPath, [
          script,
          `${CREDENTIALS.proxyUsername}:${CREDENTIALS.proxyPassword}`,
        ]),
      ]);
      https = freePort();
      nginx = await startNginx(
        () => `server { listen 127.0.0.1:${https} ssl; server_name localhost;
            ssl_certificate ${SERVER_TLS.certfile}; ssl_certificate_key ${SERVER_TLS.keyfile};
            location / { return 200
              "proxy-authorization=[$http_proxy_authorization] uri=[$request_uri] $connection_requests"; } }`,
        [https],
      );
    }, 30_000);
    afterAll(async () => {
      await Promise.all([open?.stop(), guarded?.stop(), nginx?.stop()]);
    });

    /** The requests a proxy logged from `from` on (they come on Node's loop: waited for). */
    async function logged(proxy: Peer, from: number, count: number): Promise<Proxied[]> {
      const deadline = Date.now() + 5000;
      while (proxy.lines().length < from + count && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return proxy
        .lines()
        .slice(from)
        .map((line) => JSON.parse(line) as Proxied);
    }

    /** Our HTTPServer as the plain origin: what it was sent, per request. */
    function origin(seen: { uri: string; proxyAuthorization: string | null }[]) {
      return (request: HTTPServerRequest): void => {
        seen.push({
          uri: request.uri,
          proxyAuthorization: request.headers.get('Proxy-Authorization') ?? null,
        });
        respond(request, `origin saw ${request.uri}`);
      };
    }

    describe.each(MODES)('%s mode', (mode: LoopMode) => {
      it('plain HTTP through the proxy: the request line in absolute form, the origin answers', async () => {
        const before = open.lines().length;
        const seen: { uri: string; proxyAuthorization: string | null }[] = [];
        const bodies = await main(
          function* () {
            return yield* withServer(origin(seen), {}, function* (server) {
              const client = new AsyncHTTPClient({ forceInstance: true });
              try {
                const out: string[] = [];
                for (const path of ['/a?x=1', '/b']) {
                  const response = yield* client.fetch(`http://127.0.0.1:${server.port}${path}`, {
                    proxyHost: '127.0.0.1',
                    proxyPort: open.ports[0]!,
                  });
                  out.push(text(response));
                }
                return out;
              } finally {
                client.close();
              }
            });
          },
          mode,
          'real',
        );
        expect(bodies).toEqual(['origin saw /a?x=1', 'origin saw /b']);
        expect(seen.map((s) => s.uri)).toEqual(['/a?x=1', '/b']);
        const proxied = await logged(open, before, 2);
        expect(proxied.map((p) => [p.method, new URL(p.url).pathname])).toEqual([
          ['GET', '/a'],
          ['GET', '/b'],
        ]);
      });

      it('https through the CONNECT tunnel to nginx: TLS to the origin (the test CA), the proxy sees only CONNECT', async () => {
        const before = open.lines().length;
        const bodies = await withClient(mode, function* (client) {
          const out: string[] = [];
          for (const path of ['/one', '/two']) {
            const response = yield* client.fetch(`https://localhost:${https}${path}`, {
              proxyHost: '127.0.0.1',
              proxyPort: open.ports[0]!,
              caCerts: CLIENT_TLS.caCerts,
            });
            out.push(text(response));
          }
          return out;
        });
        // One tunnel, kept alive: the second request is the tunnel connection's second.
        expect(bodies).toEqual([
          'proxy-authorization=[] uri=[/one] 1',
          'proxy-authorization=[] uri=[/two] 2',
        ]);
        expect(await logged(open, before, 1)).toEqual([
          { method: 'CONNECT', url: `localhost:${https}`, auth: false },
        ]);
      });

      it('a proxy that wants credentials: 407 without them (an error, code 407)', async () => {
        const before = guarded.lines().length;
        const errors = await withClient(mode, function* (client) {
          const port = guarded.ports[0]!;
          const plain = yield* failure(client, 'http://127.0.0.1:9/never', {
            proxyHost: '127.0.0.1',
            proxyPort: port,
          });
          const tunnel = yield* failure(client, `https://localhost:${https}/`, {
            proxyHost: '127.0.0.1',
            proxyPort: port,
            caCerts: CLIENT_TLS.caCerts,
          });
          return [plain, tunnel];
        });
        expect(errors[0]).toBeInstanceOf(HTTPClientError);
        expect((errors[0] as HTTPClientError).code).toBe(407);
        expect(errors[1]).toBeInstanceOf(ProxyTunnelError);
        expect((errors[1] as ProxyTunnelError).code).toBe(407);
        expect((await logged(guarded, before, 2)).map((p) => [p.method, p.auth])).toEqual([
          ['GET', false],
          ['CONNECT', false],
        ]);
      });

      it('with proxyUsername/proxyPassword: through, and the origin never sees Proxy-Authorization', async () => {
        const before = guarded.lines().length;
        const seen: { uri: string; proxyAuthorization: string | null }[] = [];
        const bodies = await main(
          function* () {
            return yield* withServer(origin(seen), {}, function* (server) {
              const client = new AsyncHTTPClient({
                forceInstance: true,
                hostnameMapping: LOCALHOST,
                defaults: {
                  proxyHost: '127.0.0.1',
                  proxyPort: guarded.ports[0]!,
                  ...CREDENTIALS,
                  caCerts: CLIENT_TLS.caCerts,
                },
              });
              try {
                const plain = yield* client.fetch(`http://127.0.0.1:${server.port}/plain`);
                const secure = yield* client.fetch(`https://localhost:${https}/secure`);
                return [text(plain), text(secure)];
              } finally {
                client.close();
              }
            });
          },
          mode,
          'real',
        );
        expect(bodies).toEqual(['origin saw /plain', 'proxy-authorization=[] uri=[/secure] 1']);
        // The proxy got the credentials on the plain request and on CONNECT; it dropped the
        // header before the plain origin, and the tunnelled request never carried it.
        expect(seen).toEqual([{ uri: '/plain', proxyAuthorization: null }]);
        const proxied = await logged(guarded, before, 2);
        expect(proxied.map((p) => [p.method, p.auth])).toEqual([
          ['GET', true],
          ['CONNECT', true],
        ]);
      });
    });
  },
);
