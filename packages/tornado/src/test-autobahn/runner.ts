/**
 * Runs the catalogue: as a fuzzing client against a server under test (one TCP connection per
 * case, as Autobahn's fuzzingclient), or as a fuzzing server that a client under test connects to
 * once per case (Autobahn's fuzzingserver). Cases run one after the other; each ends with its
 * connection, and a case that does not end is a hang, failed when its time is up.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { CaseDefinition, CaseResult, Role } from './case';
import { DEFAULT_CASE_TIMEOUT_MS, FuzzEndpoint } from './endpoint';
import { clientHandshake, serverHandshake, type Opened } from './handshake';

/** A case whose connection never opened: failed, with why. */
function notOpened(definition: CaseDefinition, why: string, started: number): CaseResult {
  return {
    id: definition.id,
    description: definition.description,
    expectation: definition.expectation,
    verdict: 'FAILED',
    behavior: 'FAILED',
    behaviorClose: 'FAILED',
    result: `the opening handshake failed: ${why}`,
    resultClose: 'The WebSocket opening handshake was never completed!',
    expected: {},
    received: [],
    end: {
      connectionWasOpen: false,
      closedByMe: false,
      droppedByMe: false,
      wasClean: false,
      wasNotCleanReason: why,
      remoteCloseCode: null,
      remoteCloseReason: null,
      violation: null,
    },
    expectedClose: { closedByMe: true, codes: [], requireClean: false },
    extensions: '',
    sentHex: '',
    receivedHex: '',
    durationMs: Date.now() - started,
  };
}

/** The cases that make sense for `role`. */
export function casesFor(role: Role, catalogue: readonly CaseDefinition[]): CaseDefinition[] {
  return catalogue.filter((c) => (c.roles ?? ['client', 'server']).includes(role));
}

/** One case against the server at 127.0.0.1:`port`, `path`. */
export async function runCaseAgainstServer(
  definition: CaseDefinition,
  port: number,
  path: string,
): Promise<CaseResult> {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let opened: Opened;
  try {
    await once(socket, 'connect');
    opened = await clientHandshake(socket, {
      host: `127.0.0.1:${port}`,
      path,
      offers: definition.offers ?? [],
    });
  } catch (error) {
    socket.destroy();
    return notOpened(definition, String(error), started);
  }
  const endpoint = new FuzzEndpoint('client', socket, opened, definition);
  return endpoint.run(definition.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS);
}

/** The catalogue against one server, in order; `onResult` sees each result as it comes. */
export async function runAgainstServer(
  catalogue: readonly CaseDefinition[],
  port: number,
  path: string,
  onResult?: (result: CaseResult) => void,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const definition of casesFor('client', catalogue)) {
    const result = await runCaseAgainstServer(definition, port, path);
    onResult?.(result);
    results.push(result);
  }
  return results;
}

/**
 * A fuzzing server on 127.0.0.1: `expect(case)` arms it for the next connection and resolves
 * with that case's result; the test then makes its client under test connect to `url`.
 */
export class FuzzServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #next: { definition: CaseDefinition; resolve: (result: CaseResult) => void } | null = null;

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket) => this.#accept(socket));
  }

  static async start(): Promise<FuzzServer> {
    const server = createServer({ pauseOnConnect: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FuzzServer(server);
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  expect(definition: CaseDefinition): Promise<CaseResult> {
    if (this.#next !== null)
      throw new Error(`FuzzServer.expect(): case ${this.#next.definition.id} is still waiting`);
    return new Promise((resolve) => {
      this.#next = { definition, resolve };
    });
  }

  /** Gives up on the armed case (the client never came): failed. */
  abandon(why: string): void {
    const next = this.#next;
    if (next === null) return;
    this.#next = null;
    next.resolve(notOpened(next.definition, why, Date.now()));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.setNoDelay(true);
    const next = this.#next;
    if (next === null) {
      socket.destroy(); // nobody asked for it
      return;
    }
    this.#next = null;
    const { definition, resolve } = next;
    const started = Date.now();
    void (async () => {
      let opened: Opened;
      try {
        opened = await serverHandshake(socket, definition.accept ?? null);
      } catch (error) {
        socket.destroy();
        resolve(notOpened(definition, String(error), started));
        return;
      }
      const endpoint = new FuzzEndpoint('server', socket, opened, definition);
      resolve(await endpoint.run(definition.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS));
    })();
  }
}
