/**
 * Running peer servers in child processes and loading them with the C echo client. Every
 * server speaks one protocol: it prints `{"port": N}` on stdout once listening and exits when
 * its stdin closes. So a server dies with this process however it ends (stdin closes when we
 * die), `stop()` is just closing stdin, and a process-exit hook SIGKILLs whatever is still
 * running. Exit code 3 before the port line means "peer not installed": a benchmark reports it
 * as skipped and measures the rest.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { compileC } from './native';
import { benchSource, builtServer } from './paths';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 3_000;
/** The exit code a peer uses to say its runtime or library is missing. */
const EXIT_NOT_INSTALLED = 3;

export interface ServerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface RunningServer {
  readonly port: number;
  readonly pid: number;
  /** Closes the server's stdin, waits up to 3 s for it to exit, then SIGKILLs it. */
  stop(): Promise<void>;
}

/** Thrown by {@link startServer} when the peer exits with code 3: it is not installed here. */
export class PeerNotInstalledError extends Error {
  override readonly name = 'PeerNotInstalledError';
}

export interface EchoLoad {
  readonly connections: number;
  readonly messageSize: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Each message ends with a newline (its only one), for line-echo servers. */
  readonly lines?: boolean;
}

/**
 * The echo load every benchmark uses (10 connections, 1 KiB messages, 3 s after 0.5 s of warm-up,
 * median of 3 rounds), or its short form for `--quick`.
 */
export function standardEchoLoad(quick: boolean): { load: EchoLoad; rounds: number } {
  return {
    load: {
      connections: 10,
      messageSize: 1024,
      durationMs: quick ? 1_000 : 3_000,
      warmupMs: quick ? 200 : 500,
    },
    rounds: quick ? 1 : 3,
  };
}

export interface EchoLoadResult {
  readonly requestsPerSec: number;
  readonly requests: number;
  readonly errors: number;
}

/** Children still running, and the signal each gets if this process ends first. */
const running = new Map<ChildProcess, NodeJS.Signals>();
let exitHookInstalled = false;

/** Whatever way this process ends, `child` ends too: it is sent `signal` (SIGKILL by default). */
export function track(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const [c, sig] of running) c.kill(sig);
    });
  }
  running.set(child, signal);
  child.once('exit', () => running.delete(child));
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Spawns a server (`command args…`) and resolves once it has printed `{"port": N}` on stdout.
 * Rejects, after killing it, if no port line comes within 20 s; rejects with a
 * {@link PeerNotInstalledError} if it exits with code 3 first, and with a plain Error if it
 * exits any other way. The server's stderr goes to ours.
 */
export function startServer(
  command: string,
  args: readonly string[],
  options: ServerOptions = {},
): Promise<RunningServer> {
  const label = [command, ...args].join(' ');
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.env,
    cwd: options.cwd,
  });
  track(child);
  const { stdin, stdout } = child;
  // A server that died before stop() makes our stdin writes fail: that is not an error here.
  stdin.on('error', () => {});

  return new Promise<RunningServer>((resolve, reject) => {
    let settled = false;
    let output = '';

    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stdout.off('data', onData);
      child.kill('SIGKILL');
      reject(error);
    };

    const onData = (chunk: string): void => {
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline < 0) {
        if (output.length > 4096) fail(new Error(`${label}: no port line, printed: ${output}`));
        return;
      }
      const line = output.slice(0, newline).trim();
      let port: unknown;
      try {
        port = (JSON.parse(line) as { port?: unknown }).port;
      } catch {
        port = undefined;
      }
      if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) {
        fail(new Error(`${label}: expected {"port": N} as its first line, got: ${line}`));
        return;
      }
      settled = true;
      clearTimeout(timer);
      stdout.off('data', onData);
      // Keep draining stdout so the server never blocks on a full pipe, and let a server that
      // is never stopped not hold this process open: the exit hook kills it.
      stdout.resume();
      for (const pipe of [stdin, stdout]) if (pipe instanceof Socket) pipe.unref();
      child.unref();
      let stopping: Promise<void> | undefined;
      resolve({
        port,
        pid: child.pid!,
        stop: () => (stopping ??= stopChild(child)),
      });
    };

    const timer = setTimeout(
      () => fail(new Error(`${label}: no {"port": N} line within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    stdout.setEncoding('utf8');
    stdout.on('data', onData);
    child.once('error', (err) => fail(new Error(`cannot start ${label}: ${err.message}`)));
    // 'close', not 'exit': it comes after stdout is drained, so a port line is never missed.
    child.once('close', (code, signal) => {
      if (code === EXIT_NOT_INSTALLED) {
        fail(new PeerNotInstalledError(`peer not installed: ${label} exited with code 3`));
      } else {
        const how = signal === null ? `with code ${code}` : `on ${signal}`;
        fail(new Error(`${label} exited ${how} before printing its port`));
      }
    });
  });
}

/**
 * Drives the echo server on 127.0.0.1:`port` with the compiled C load client (`echo_client.c`):
 * `connections` connections, each sending a `messageSize`-byte message and awaiting its echo
 * before the next, counting round trips for `durationMs` after `warmupMs` of warm-up.
 *
 * Before them the client sends one message on a connection of its own and closes it, so the
 * server is measured in the state of a server in service, one that has seen a client leave. A
 * freshly started asyncio server is 5–7× slower until then (glibc serves its 256 KiB read
 * buffers with mmap until a buffer is freed whole, at its first EOF or EAGAIN); the client's
 * header has the mechanism and the figures.
 */
export function runEchoLoad(port: number, opts: EchoLoad): Promise<EchoLoadResult> {
  const args = [
    '127.0.0.1',
    String(port),
    String(opts.connections),
    String(opts.messageSize),
    String(Math.round(opts.durationMs)),
    String(Math.round(opts.warmupMs)),
    ...(opts.lines === true ? ['lines'] : []),
  ];
  return runLoadClient('echo_client', compileC('echo_client.c'), args, opts);
}

/**
 * Runs a C load client (`binary args…`, named `name` in errors) for `load`'s warm-up and
 * duration, and returns the JSON line it prints, checked for the fields every client prints.
 * @throws Error naming the client, with its stderr, if it fails or prints something else
 */
export function runLoadClient(
  name: string,
  binary: string,
  args: readonly string[],
  load: Pick<EchoLoad, 'durationMs' | 'warmupMs'>,
): Promise<EchoLoadResult & Record<string, unknown>> {
  const timeout = load.durationMs + load.warmupMs + 30_000;
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        // The client's own message names it, the server and what failed; else the command line.
        const why = stderr.trim();
        reject(new Error(why || `${name} ${args.join(' ')} failed: ${err.message}`));
        return;
      }
      let result: Record<string, unknown>;
      try {
        result = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        result = {};
      }
      const { requestsPerSec, requests, errors } = result;
      if (
        typeof requestsPerSec !== 'number' ||
        typeof requests !== 'number' ||
        typeof errors !== 'number'
      ) {
        reject(
          new Error(`${name} printed something that is not its JSON: ${stdout.slice(0, 200)}`),
        );
        return;
      }
      resolve({ ...result, requestsPerSec, requests, errors });
    });
  });
}

/** A server to load: how to start it, and the name its results are reported under. */
export interface EchoServer {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * A bench server written in TypeScript (`src/servers/<script>.ts`), run by this Node from its
 * built bundle (see `build.mjs`), as users run built code.
 */
export function nodeServer(name: string, script: string, ...args: string[]): EchoServer {
  return { name, command: process.execPath, args: [builtServer(script), ...args] };
}

/** A Python peer server (`src/peers/…`). */
export function pythonServer(
  name: string,
  python: string,
  script: string,
  ...args: string[]
): EchoServer {
  return { name, command: python, args: [benchSource(script), ...args] };
}

export interface EchoResults<R extends EchoLoadResult = EchoLoadResult> {
  /** Requests per second of every round, by server name. */
  readonly samples: Record<string, number[]>;
  /** The load client's whole result of every round, by server name. */
  readonly results: Record<string, R[]>;
  /** Why a server has no figures (not installed, failed to start …), by server name. */
  readonly skipped: Record<string, string>;
}

/**
 * Loads each server in turn with the C echo client, `rounds` times, alternating servers within
 * a round so machine noise hits them alike. A server that cannot start is skipped with a reason.
 */
export function runEchoServers(
  servers: readonly EchoServer[],
  load: EchoLoad,
  rounds: number,
  onProgress: (message: string) => void,
): Promise<EchoResults> {
  return runLoadRounds(servers, rounds, onProgress, {
    label: 'TCP echo',
    run: (server) => runEchoLoad(server.port, load),
  });
}

/** How a benchmark loads a running server: `run` resolves with the round's result. */
export interface LoadClient<R extends EchoLoadResult> {
  /** What the progress line calls a round of it ('TCP echo', 'TLS handshakes'). */
  readonly label: string;
  run(server: RunningServer): Promise<R>;
}

/**
 * Loads each server in turn with `client`, `rounds` times, each round in a fresh server process,
 * alternating servers within a round so machine noise hits them alike. A server that cannot
 * start, or whose round fails, is skipped from then on, with the first line of the error.
 */
export async function runLoadRounds<R extends EchoLoadResult>(
  servers: readonly EchoServer[],
  rounds: number,
  onProgress: (message: string) => void,
  client: LoadClient<R>,
): Promise<EchoResults<R>> {
  const samples: Record<string, number[]> = {};
  const results: Record<string, R[]> = {};
  const skipped: Record<string, string> = {};
  for (let round = 1; round <= rounds; round++) {
    for (const server of servers) {
      if (skipped[server.name]) continue;
      onProgress(`${client.label}, ${server.name}, round ${round}/${rounds}`);
      try {
        const running = await startServer(server.command, [...server.args]);
        try {
          const result = await client.run(running);
          (samples[server.name] ??= []).push(result.requestsPerSec);
          (results[server.name] ??= []).push(result);
        } finally {
          await running.stop();
        }
      } catch (err) {
        skipped[server.name] =
          err instanceof PeerNotInstalledError
            ? 'not installed'
            : (err as Error).message.split('\n')[0]!;
      }
    }
  }
  return { samples, results, skipped };
}
