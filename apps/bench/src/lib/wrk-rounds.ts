/**
 * Rounds of wrk against servers in processes of their own, for `pnpm bench web`: each round
 * starts every server afresh (pinned to its CPU), lets `prepare` check that it answers as the
 * load expects, warms it up with the same load unmeasured, then measures one wrk run while
 * reading the server's CPU time. Servers alternate within a round, so machine noise hits them
 * alike; {@link wrkMedians} gives the medians a report shows.
 *
 * A round with any error (a non-2xx/3xx response, a socket error, a response slower than the
 * timeout, a failed `prepare`) fails the server's measurement of the load, loudly: it is listed
 * in `failed` and not run again. A server that exits with code 3 is not installed: `skipped`.
 */
import type { Pinning } from './pinning';
import { prefixed } from './pinning';
import { processCpuSeconds } from './proc';
import { median } from './report';
import { PeerNotInstalledError, startServer, type EchoServer, type RunningServer } from './servers';
import { runWrk, wrkErrors, type WrkResult } from './wrk';

/** One load: what wrk requests of every server. */
export interface WrkLoad {
  /** How progress lines name it. */
  readonly name: string;
  /** The path wrk requests. */
  readonly path: string;
  /**
   * Called once on each fresh server before its warm-up: checks that it answers as the load
   * expects, and gives wrk's extra arguments for it (`-H 'If-None-Match: <its ETag>'`).
   * @throws Error saying what the server answered instead
   */
  prepare?(port: number): Promise<readonly string[]>;
}

/** How wrk runs: the same for every server and round. */
export interface WrkPlan {
  readonly wrk: string;
  readonly threads: number;
  readonly connections: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  /** wrk's `--timeout`: a slower response counts as an error. */
  readonly timeout: string;
  readonly rounds: number;
  readonly pin: Pinning;
}

/** One measured wrk run against one server, with the server's CPU meanwhile. */
export interface WrkRound {
  readonly requestsPerSec: number;
  readonly requests: number;
  readonly latencyAvgMs: number;
  readonly latencyP99Ms: number | null;
  /** The server's CPU time over the measured run ÷ the responses wrk read; null without /proc. */
  readonly serverCpuUsPerRequest: number | null;
  /** The server's CPU time over the measured run ÷ its wall time: cores busy. */
  readonly serverCores: number | null;
}

export interface WrkRounds {
  readonly rounds: Record<string, WrkRound[]>;
  /** Why a server has no figures: not installed, not built, or FAILED and why. */
  readonly skipped: Record<string, string>;
  /** The servers that failed the measurement (errors, a crash): not merely missing. */
  readonly failed: Record<string, string>;
}

/** wrk's command line against `port`, for `seconds`, with `extra` arguments before the URL. */
export function wrkArgs(
  plan: WrkPlan,
  port: number,
  path: string,
  seconds: number,
  extra: readonly string[] = [],
): string[] {
  return [
    `-t${plan.threads}`,
    `-c${plan.connections}`,
    `-d${seconds}s`,
    '--latency',
    '--timeout',
    plan.timeout,
    ...extra,
    `http://127.0.0.1:${port}${path}`,
  ];
}

/**
 * Measures `load` on each of `servers`, `plan.rounds` alternating rounds. `unavailable` names
 * the servers not to start, and why (the reason is reported as their `skipped`).
 */
export async function runWrkRounds(
  load: WrkLoad,
  servers: readonly EchoServer[],
  plan: WrkPlan,
  unavailable: Readonly<Record<string, string>>,
  onProgress: (message: string) => void,
): Promise<WrkRounds> {
  const rounds: Record<string, WrkRound[]> = {};
  const skipped: Record<string, string> = { ...unavailable };
  const failed: Record<string, string> = {};
  const [wrk, ...wrkPrefix] = [...plan.pin.client, plan.wrk];
  const runFor = (port: number, seconds: number, extra: readonly string[]): Promise<WrkResult> =>
    runWrk(
      wrk,
      [...wrkPrefix, ...wrkArgs(plan, port, load.path, seconds, extra)],
      seconds * 1000 + 30_000,
    );
  for (let round = 1; round <= plan.rounds; round++) {
    for (const server of servers) {
      if (skipped[server.name]) continue;
      onProgress(`${load.name}, ${server.name}, round ${round}/${plan.rounds}`);
      let running: RunningServer | null = null;
      try {
        const started = prefixed(server, plan.pin.server);
        running = await startServer(started.command, [...started.args]);
        const extra = (await load.prepare?.(running.port)) ?? [];
        const warm = await runFor(running.port, plan.warmupSec, extra);
        const warmErrors = wrkErrors(warm);
        if (warmErrors) throw new Error(`round ${round}, warm-up: ${warmErrors}`);
        const cpuBefore = processCpuSeconds(running.pid);
        const measured = await runFor(running.port, plan.durationSec, extra);
        const cpuAfter = processCpuSeconds(running.pid);
        const errors = wrkErrors(measured);
        if (errors) throw new Error(`round ${round}: ${errors}`);
        // Nothing answered in the whole run (a server stuck, or starved of its CPU): no figure.
        if (measured.requests === 0) {
          throw new Error(`round ${round}: no response in ${String(plan.durationSec)} s`);
        }
        const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
        (rounds[server.name] ??= []).push({
          requestsPerSec: measured.requestsPerSec,
          requests: measured.requests,
          latencyAvgMs: measured.latencyUs.avg / 1000,
          latencyP99Ms: measured.latencyUs.p99 === null ? null : measured.latencyUs.p99 / 1000,
          serverCpuUsPerRequest:
            cpu === null || measured.requests === 0 ? null : (cpu / measured.requests) * 1e6,
          serverCores: cpu === null ? null : cpu / measured.durationSec,
        });
      } catch (err) {
        if (err instanceof PeerNotInstalledError) {
          skipped[server.name] = 'not installed';
        } else {
          const why = (err as Error).message.split('\n')[0]!;
          failed[server.name] = why;
          skipped[server.name] = `FAILED: ${why}`;
        }
      } finally {
        await running?.stop();
      }
    }
  }
  return { rounds, skipped, failed };
}

/** The medians of a server's rounds, or null when it has none or failed. */
export function wrkMedians(results: WrkRounds, name: string) {
  const rounds = results.rounds[name];
  if (!rounds?.length || results.failed[name]) return null;
  const of = (pick: (r: WrkRound) => number | null): number | null => {
    const values = rounds.flatMap((r) => pick(r) ?? []);
    return values.length ? median(values) : null;
  };
  return {
    requestsPerSec: of((r) => r.requestsPerSec)!,
    latencyAvgMs: of((r) => r.latencyAvgMs),
    latencyP99Ms: of((r) => r.latencyP99Ms),
    serverCpuUsPerRequest: of((r) => r.serverCpuUsPerRequest),
    serverCores: of((r) => r.serverCores),
  };
}
