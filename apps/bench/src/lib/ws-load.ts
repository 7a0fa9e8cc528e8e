/**
 * Starting `pnpm bench websocket`'s load client (`src/children/ws-load.ts`) in a process of its
 * own, pinned where the benchmark's pinning puts clients, and reading the JSON lines it prints.
 * Its arguments, and the report its echo mode prints, are described in that file.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { EchoReport } from '../children/ws-load';
import { withFdLimit } from './fd-limit';
import { builtScript } from './paths';
import type { Pinning } from './pinning';

export type { EchoReport };

/** The load client's arguments (see `src/children/ws-load.ts`). */
export interface WsLoadArgs {
  readonly mode: 'echo' | 'idle';
  readonly port: number;
  readonly path: string;
  readonly raw: boolean;
  readonly connections: number;
  /** Messages each connection keeps in flight (echo mode). */
  readonly depth: number;
  readonly kind: 'text' | 'binary';
  readonly size: number;
  /** Distinct messages, sent in turn. */
  readonly variants: number;
  /** Offer permessage-deflate and send compressed messages when the server accepts it. */
  readonly deflate: boolean;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly sampleEvery: number;
  /** How long a handshake, or an echo in idle mode, may take. */
  readonly timeoutMs: number;
}

export interface WsClient {
  /** The next JSON line the client prints; rejects, with its stderr, if it ends first. */
  nextLine<T = Record<string, unknown>>(): Promise<T>;
  /** Writes a line to the client's stdin (the idle mode's "now check them again"). */
  tell(line: string): void;
  /** Resolves once the client has exited. */
  readonly exited: Promise<void>;
  /** SIGKILLs the client if it is still running. */
  kill(): void;
}

/**
 * Starts the load client with `args`, pinned by `pin.client`, its soft fd limit raised to
 * `fdLimit` when given; killed if it is still running `limitMs` later.
 */
export function startWsClient(
  args: WsLoadArgs,
  pin: Pinning,
  limitMs: number,
  fdLimit?: number,
): WsClient {
  const [first, ...rest] = [
    ...pin.client,
    process.execPath,
    builtScript('children/ws-load'),
    JSON.stringify(args),
  ];
  const [command, argv] = fdLimit === undefined ? [first, rest] : withFdLimit(fdLimit, first, rest);
  const client = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  client.stderr.setEncoding('utf8');
  client.stderr.on('data', (chunk: string) => (stderr += chunk));
  client.stdin.on('error', () => {});
  const killer = setTimeout(() => client.kill('SIGKILL'), limitMs);
  const exited = new Promise<void>((resolve) =>
    client.once('close', () => {
      clearTimeout(killer);
      resolve();
    }),
  );
  const lines = createInterface({ input: client.stdout })[Symbol.asyncIterator]();
  return {
    async nextLine<T>() {
      const next = await lines.next();
      if (next.done === true) {
        await exited;
        const why =
          stderr.trim().split('\n').at(-1) ||
          `exit ${String(client.exitCode ?? client.signalCode)}`;
        throw new Error(`the WebSocket load client ended early: ${why}`);
      }
      const line = JSON.parse(next.value) as T & { error?: string };
      if (typeof line.error === 'string') throw new Error(line.error);
      return line;
    },
    tell(line) {
      client.stdin.write(`${line}\n`);
    },
    exited,
    kill() {
      if (client.exitCode === null && client.signalCode === null) client.kill('SIGKILL');
    },
  };
}
