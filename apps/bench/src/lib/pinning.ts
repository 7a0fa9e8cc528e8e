/**
 * Where a benchmark's server and its load run on a 2-core machine: the server on CPU 0 and the
 * client on CPU 1 (`taskset -c`), so that neither takes the other's core; unpinned, with a note
 * saying why, without taskset or on one CPU.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import type { EchoServer } from './servers';

/** The command prefixes that pin a server and a client to their CPUs, and what the report says. */
export interface Pinning {
  readonly server: readonly string[];
  readonly client: readonly string[];
  readonly note: string;
}

/** Servers to CPU 0 and `clients` (how the note names them) to CPU 1, or why not. */
export function pinning(clients: string): Pinning {
  const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasTaskset) {
    return { server: [], client: [], note: 'servers and clients not pinned: no taskset' };
  }
  if (cpus().length < 2) {
    return { server: [], client: [], note: 'servers and clients not pinned: one CPU' };
  }
  return {
    server: ['taskset', '-c', '0'],
    client: ['taskset', '-c', '1'],
    note: `servers pinned to CPU 0 (taskset -c 0), ${clients} to CPU 1`,
  };
}

/** `server`, started under `prefix` (taskset …), which execs it: the pid is the server's. */
export function prefixed(server: EchoServer, prefix: readonly string[]): EchoServer {
  if (prefix.length === 0) return server;
  return {
    ...server,
    command: prefix[0]!,
    args: [...prefix.slice(1), server.command, ...server.args],
  };
}
