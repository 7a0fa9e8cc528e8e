/**
 * websocket — interop, both ways, with compression on and off, against implementations nobody
 * here wrote:
 *
 * - npm `ws` 8 (in this process): its client against our `WebSocketHandler`, our
 *   `websocketConnect` against its `WebSocketServer`;
 * - Debian's python3-websockets (10.x, its asyncio API) and python3-tornado 6 (the original), as
 *   child processes (test-fixtures/websocket/*.py): their clients against our server, our client
 *   against their servers.
 *
 * Each pairing: a short text (non-ASCII) and a short binary message, a 1 MiB text and a 1 MiB
 * binary message, each echoed and checked by its sender; the close code and reason seen on both
 * sides, once with the client closing (4000 "client bye") and once with the server closing
 * (4001 "server bye"); and with compression asked for by both, permessage-deflate in the
 * response's Sec-WebSocket-Extensions (absent when one side does not ask).
 *
 * A Python peer that is not installed is skipped, the reason in the describe's title and
 * printed. Children are killed after each test; every socket is closed (the fd guard checks).
 * Our server runs in a hosted loop (the peers in this process are Node's own sockets, and a
 * child's exit is a Node event); our client against the Python servers runs in both modes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { MODES, main } from './locks/test-support';
import { serveApp, useWebTestHooks } from './test-web';
import { Application } from './web';
import {
  WebSocketClosedError,
  WebSocketHandler,
  websocketConnect,
  type WebSocketClientConnection,
} from './websocket';

useWebTestHooks();

const FIXTURES = fileURLToPath(new URL('./test-fixtures/websocket/', import.meta.url));
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;
const MiB = 1024 * 1024;

// ─── Peers that may be missing ──────────────────────────────────────────────────────────────────

/** Why `module` cannot be used from /usr/bin/python3 (null: it can), checking its version. */
function pythonMissing(module: string, check: string, install: string): string | null {
  if (PYTHON === null) return `no /usr/bin/python3 (apt-get install ${install})`;
  const probe = spawnSync(PYTHON, ['-c', `import ${module}, sys; sys.exit(0 if ${check} else 1)`], {
    stdio: 'ignore',
    timeout: 10_000,
  });
  return probe.status === 0
    ? null
    : `/usr/bin/python3 has no usable ${module} (apt-get install ${install})`;
}

const websocketsMissing = pythonMissing(
  'websockets',
  "int(websockets.__version__.split('.')[0]) >= 10",
  'python3-websockets',
);
const tornadoMissing = pythonMissing('tornado', 'tornado.version_info >= (6,)', 'python3-tornado');

/** describe(), or describe.skip with why in its title (and printed) when something is missing. */
function describePeer(missing: string | null, title: string, body: () => void): void {
  if (missing === null) {
    describe(title, body);
  } else {
    console.log(`websocket interop: skipping "${title}": ${missing}`);
    describe.skip(`${title} [skipped: ${missing}]`, body);
  }
}

/** The interop matrix, printed at the end: pairing, variant, what each side negotiated and saw. */
const matrix: string[] = [];
afterAll(() => {
  if (matrix.length > 0) console.log(`websocket interop matrix:\n${matrix.join('\n')}`);
});

function record(
  pairing: string,
  variant: (typeof VARIANTS)[number],
  client: PeerReport,
  server: { closeCode: number | null; closeReason: string | null; extensions?: string | null },
): void {
  const ext = client.extensions ?? '-';
  matrix.push(
    `  ${pairing.padEnd(48)} ${title(variant).padEnd(40)} extensions: ${ext}; client saw ${client.closeCode ?? '-'} ${JSON.stringify(client.closeReason)}, server saw ${server.closeCode ?? '-'} ${JSON.stringify(server.closeReason)}`,
  );
}

// ─── Child processes ────────────────────────────────────────────────────────────────────────────

const children = new Set<ChildProcess>();

afterEach(async () => {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
});

interface Child {
  /** The lines it printed so far. */
  lines(): string[];
  /** Resolves with every line once it exited (killed after `ms`). */
  exited(ms?: number): Promise<string[]>;
}

function start(script: string, args: readonly string[]): Child {
  const child = spawn(PYTHON!, [`${FIXTURES}${script}`, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const lines = (): string[] => stdout.split('\n').filter((line) => line !== '');
  return {
    lines,
    async exited(ms = 30_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      await closed;
      clearTimeout(timer);
      if (child.exitCode !== 0)
        throw new Error(`${script} ${args.join(' ')} exited ${child.exitCode}: ${stdout}${stderr}`);
      return lines();
    },
  };
}

/** A Python server peer: started, its port read from its first line. */
async function startServer(
  script: string,
  deflate: boolean,
): Promise<{ port: number; child: Child }> {
  const child = start(script, ['server', ...(deflate ? ['--deflate'] : [])]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const port = /^PORT (\d+)$/.exec(child.lines()[0] ?? '')?.[1];
    if (port !== undefined) return { port: Number(port), child };
    if (Date.now() > deadline) throw new Error(`${script} server did not print its port`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The JSON lines a peer printed after its port, once there are `count` of them (5 s at most). */
async function reports(child: Child, count: number): Promise<PeerReport[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = child.lines().filter((line) => line.startsWith('{'));
    if (found.length >= count || Date.now() > deadline)
      return found.map((line) => JSON.parse(line) as PeerReport);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What a peer reports of a connection. */
interface PeerReport {
  echoes?: Record<string, boolean>;
  extensions: string | null;
  closeCode: number | null;
  closeReason: string | null;
}

// ─── Our side ───────────────────────────────────────────────────────────────────────────────────

/** What our server saw of each connection: its close code and reason (the peer's). */
const serverSaw: { closeCode: number | null; closeReason: string | null }[] = [];

class EchoWebSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    try {
      if (message === 'please close') this.close(4001, 'server bye');
      else
        void this.writeMessage(message, { binary: Buffer.isBuffer(message) }).then(
          undefined,
          () => {},
        );
    } catch (error) {
      if (!(error instanceof WebSocketClosedError)) throw error;
    }
  }

  override onClose() {
    serverSaw.push({ closeCode: this.closeCode, closeReason: this.closeReason });
  }
}

class CompressedEchoWebSocket extends EchoWebSocket {
  override getCompressionOptions() {
    return {};
  }
}

function app(): Application {
  return new Application(
    [
      ['/plain', EchoWebSocket],
      ['/deflate', CompressedEchoWebSocket],
    ],
    { websocketMaxMessageSize: 16 * MiB },
  );
}

/** Serves the echo app (hosted loop) while `peer(url)` runs; resolves with what it resolves to. */
function withOurServer<T>(deflate: boolean, peer: (url: string) => Promise<T>): Promise<T> {
  serverSaw.length = 0;
  return serveApp(app(), 'hosted', function* (_fetch, harness) {
    const result = (yield peer(
      `ws://127.0.0.1:${harness.port}/${deflate ? 'deflate' : 'plain'}`,
    )) as T;
    // The server's side of the last close may still be on its way.
    for (let i = 0; i < 200 && serverSaw.length === 0; i++)
      yield new Promise((resolve) => setTimeout(resolve, 10));
    return result;
  });
}

const MESSAGES: readonly [string, string | Buffer][] = [
  ['text', 'hello ünïcode ✓'],
  ['binary', Buffer.from(Array.from({ length: 1024 }, (_, i) => i & 0xff))],
  ['1 MiB text', 'abcdefghijklmnopqrstuvwxyz0123456789\n'.repeat(30_000).slice(0, MiB)],
  ['1 MiB binary', randomBytes(MiB)],
];

function same(a: string | Buffer | null, b: string | Buffer): boolean {
  if (typeof b === 'string') return a === b;
  return Buffer.isBuffer(a) && a.equals(b);
}

/** Our client: the four echoes, then the close by `closer`; what it saw. */
function ourClient(url: string, deflate: boolean, closer: 'client' | 'server') {
  return function* (): Generator<unknown, PeerReport, unknown> {
    const conn = (yield websocketConnect(url, {
      compressionOptions: deflate ? {} : null,
      maxMessageSize: 16 * MiB,
    })) as WebSocketClientConnection;
    const echoes: Record<string, boolean> = {};
    for (const [label, message] of MESSAGES) {
      yield conn.writeMessage(message, { binary: Buffer.isBuffer(message) });
      echoes[label] = same((yield conn.readMessage()) as string | Buffer | null, message);
    }
    if (closer === 'client') conn.close(4000, 'client bye');
    else yield conn.writeMessage('please close');
    while ((yield conn.readMessage()) !== null);
    return {
      echoes,
      extensions: conn.headers?.get('Sec-WebSocket-Extensions') ?? null,
      closeCode: conn.closeCode,
      closeReason: conn.closeReason,
    };
  };
}

const ALL_ECHOED = { text: true, binary: true, '1 MiB text': true, '1 MiB binary': true };

/** The handshake's extension header: permessage-deflate exactly when both asked. */
function expectDeflate(extensions: string | null | undefined, deflate: boolean): void {
  if (deflate) expect(extensions ?? '').toMatch(/^permessage-deflate\b/);
  else expect(extensions ?? null).toBeNull();
}

const VARIANTS = [
  { deflate: false, closer: 'client' },
  { deflate: false, closer: 'server' },
  { deflate: true, closer: 'client' },
  { deflate: true, closer: 'server' },
] as const;

function title({ deflate, closer }: (typeof VARIANTS)[number]): string {
  return `${deflate ? 'permessage-deflate' : 'no compression'}, the ${closer} closes`;
}

/**
 * The close as each side saw it. The closer sent `code`/`reason`; the other side saw exactly
 * that, and the closer saw the code echoed (RFC 6455 §5.5.1; a reason in reply is optional).
 */
function expectClose(
  closer: 'client' | 'server',
  client: { closeCode: number | null; closeReason: string | null },
  server: { closeCode: number | null; closeReason: string | null },
): void {
  const [closing, other] = closer === 'client' ? [client, server] : [server, client];
  const [code, reason] = closer === 'client' ? [4000, 'client bye'] : [4001, 'server bye'];
  expect({ closeCode: other.closeCode, closeReason: other.closeReason }).toEqual({
    closeCode: code,
    closeReason: reason,
  });
  expect(closing.closeCode).toBe(code);
}

// ─── npm ws ─────────────────────────────────────────────────────────────────────────────────────

/** The ws client's side of a pairing, in Node: echoes, then the close by `closer`. */
async function wsClient(
  url: string,
  deflate: boolean,
  closer: 'client' | 'server',
): Promise<PeerReport> {
  const ws = new WebSocket(url, { perMessageDeflate: deflate, maxPayload: 16 * MiB });
  const inbox: (RawData | null)[] = [];
  let wake: (() => void) | null = null;
  let close: { code: number; reason: string } | null = null;
  ws.on('message', (data: RawData) => {
    inbox.push(data);
    wake?.();
  });
  const closed = new Promise<void>((resolve) =>
    ws.once('close', (code: number, reason: Buffer) => {
      close = { code, reason: reason.toString('utf8') };
      resolve();
    }),
  );
  ws.on('error', () => {});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = async (): Promise<RawData> => {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return inbox.shift()!;
  };
  const echoes: Record<string, boolean> = {};
  for (const [label, message] of MESSAGES) {
    ws.send(message, { binary: Buffer.isBuffer(message) });
    const data = (await next()) as Buffer;
    echoes[label] =
      typeof message === 'string' ? data.toString('utf8') === message : data.equals(message);
  }
  if (closer === 'client') ws.close(4000, 'client bye');
  else ws.send('please close');
  await closed;
  const seen = close as { code: number; reason: string } | null;
  return {
    echoes,
    extensions: ws.extensions || null,
    closeCode: seen?.code ?? null,
    closeReason: seen?.reason ?? null,
  };
}

describe('npm ws client → our WebSocketHandler', () => {
  for (const variant of VARIANTS) {
    it(title(variant), async () => {
      const client = await withOurServer(variant.deflate, (url) =>
        wsClient(url, variant.deflate, variant.closer),
      );
      expect(client.echoes).toEqual(ALL_ECHOED);
      expectDeflate(client.extensions, variant.deflate);
      expectClose(variant.closer, client, serverSaw[0]!);
      record('npm ws client → our server', variant, client, serverSaw[0]!);
    });
  }
});

describe('our websocketConnect → npm ws WebSocketServer', () => {
  let server: WebSocketServer | null = null;
  afterEach(async () => {
    if (server === null) return;
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server!.close(resolve));
    server = null;
  });

  for (const variant of VARIANTS) {
    it(title(variant), async () => {
      const seen: PeerReport[] = [];
      server = new WebSocketServer({
        port: 0,
        host: '127.0.0.1',
        perMessageDeflate: variant.deflate,
        maxPayload: 16 * MiB,
      });
      server.on('connection', (ws: WebSocket) => {
        ws.on('error', () => {});
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (!isBinary && data.toString() === 'please close') ws.close(4001, 'server bye');
          else ws.send(data, { binary: isBinary });
        });
        ws.once('close', (code: number, reason: Buffer) =>
          seen.push({
            extensions: ws.extensions || null,
            closeCode: code,
            closeReason: reason.toString('utf8'),
          }),
        );
      });
      await new Promise((resolve) => server!.once('listening', resolve));
      const port = (server.address() as { port: number }).port;
      const client = await main(
        ourClient(`ws://127.0.0.1:${port}/`, variant.deflate, variant.closer),
        'hosted',
        'real',
      );
      for (let i = 0; i < 200 && seen.length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(client.echoes).toEqual(ALL_ECHOED);
      expectDeflate(client.extensions, variant.deflate);
      expectDeflate(seen[0]?.extensions, variant.deflate);
      expectClose(variant.closer, client, seen[0]!);
      record('our client → npm ws server', variant, client, seen[0]!);
    });
  }
});

describe('compression asked for by one side only: no extension, messages still echoed', () => {
  it('npm ws client asks, our handler without compression options declines', async () => {
    // Our plain route, a client that offers permessage-deflate.
    const client = await withOurServer(false, (url) => wsClient(url, true, 'client'));
    expect(client.echoes).toEqual(ALL_ECHOED);
    expectDeflate(client.extensions, false);
  });

  it('our client asks, an npm ws server without perMessageDeflate declines', async () => {
    const server = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      perMessageDeflate: false,
      maxPayload: 16 * MiB,
    });
    server.on('connection', (ws: WebSocket) => {
      ws.on('error', () => {});
      ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
    });
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const port = (server.address() as { port: number }).port;
      const client = await main(
        ourClient(`ws://127.0.0.1:${port}/`, true, 'client'),
        'hosted',
        'real',
      );
      expect(client.echoes).toEqual(ALL_ECHOED);
      expectDeflate(client.extensions, false);
    } finally {
      for (const ws of server.clients) ws.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// ─── Python peers ───────────────────────────────────────────────────────────────────────────────

for (const [peer, script, missing] of [
  ['python3-websockets', 'websockets_peer.py', websocketsMissing],
  ['tornado 6 (Python)', 'tornado_peer.py', tornadoMissing],
] as const) {
  describePeer(missing, `${peer} client → our WebSocketHandler`, () => {
    for (const variant of VARIANTS) {
      it(title(variant), { timeout: 30_000 }, async () => {
        const lines = await withOurServer(variant.deflate, (url) =>
          start(script, [
            'client',
            url,
            '--close',
            variant.closer,
            ...(variant.deflate ? ['--deflate'] : []),
          ]).exited(),
        );
        const client = JSON.parse(lines.at(-1)!) as PeerReport;
        expect(client.echoes).toEqual(ALL_ECHOED);
        expectDeflate(client.extensions, variant.deflate);
        expectClose(variant.closer, client, serverSaw[0]!);
        record(`${peer} client → our server`, variant, client, serverSaw[0]!);
      });
    }
  });

  describePeer(missing, `our websocketConnect → ${peer} server`, () => {
    for (const mode of MODES) {
      for (const variant of VARIANTS) {
        it(`${title(variant)} (${mode} mode)`, { timeout: 30_000 }, async () => {
          const { port, child } = await startServer(script, variant.deflate);
          const client = await main(
            ourClient(`ws://127.0.0.1:${port}/`, variant.deflate, variant.closer),
            mode,
            'real',
          );
          const [server] = await reports(child, 1);
          expect(client.echoes).toEqual(ALL_ECHOED);
          expectDeflate(client.extensions, variant.deflate);
          expectDeflate(server?.extensions, variant.deflate);
          expectClose(variant.closer, client, server!);
          record(`our client → ${peer} server (${mode})`, variant, client, server!);
        });
      }
    }
  });
}
