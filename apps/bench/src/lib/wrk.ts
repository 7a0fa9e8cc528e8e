/**
 * Running wrk (Debian's `/usr/bin/wrk`, 4.x) and reading what it prints, for `pnpm bench http`.
 *
 * wrk prints a human report, not JSON. With `--latency` it looks like this:
 *
 *   Running 5s test @ http://127.0.0.1:40123/
 *     1 threads and 50 connections
 *     Thread Stats   Avg      Stdev     Max   +/- Stdev
 *       Latency   505.23us  123.45us   5.00ms   90.00%
 *       Req/Sec    98.77k     5.12k  105.00k    80.00%
 *     Latency Distribution
 *        50%  480.00us
 *        75%  520.00us
 *        90%  600.00us
 *        99%    1.20ms
 *     491234 requests in 5.00s, 60.43MB read
 *     Socket errors: connect 0, read 3, write 0, timeout 0
 *     Non-2xx or 3xx responses: 12
 *   Requests/sec:  98246.80
 *   Transfer/sec:     12.09MB
 *
 * The `Socket errors` and `Non-2xx or 3xx` lines appear only when there were some. A run in which
 * any request errored is a failed measurement: {@link wrkErrors} says what went wrong.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What one wrk run measured. Times in microseconds. */
export interface WrkResult {
  /** Responses received (wrk counts a request when its whole response is read). */
  readonly requests: number;
  readonly durationSec: number;
  readonly requestsPerSec: number;
  readonly latencyUs: {
    readonly avg: number;
    readonly stdev: number;
    readonly max: number;
    /** Percentiles, with `--latency` (null without it). */
    readonly p50: number | null;
    readonly p90: number | null;
    readonly p99: number | null;
  };
  readonly socketErrors: {
    readonly connect: number;
    readonly read: number;
    readonly write: number;
    readonly timeout: number;
  };
  /** Responses whose status was neither 2xx nor 3xx. */
  readonly non2xx3xx: number;
}

/** Thrown when wrk's output lacks a figure this module reads; the message quotes the output. */
export class WrkOutputError extends Error {
  override readonly name = 'WrkOutputError';
}

const TIME_UNITS: Record<string, number> = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 };

/** `505.23us`, `1.20ms`, `2.00s`, `1.00m` in microseconds. */
export function parseWrkTime(text: string): number {
  const match = /^([0-9.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new WrkOutputError(`not a wrk time: ${JSON.stringify(text)}`);
  return Number(match[1]) * TIME_UNITS[match[2]!]!;
}

/** Reads wrk's report. @throws WrkOutputError naming the missing figure */
export function parseWrkOutput(output: string): WrkResult {
  const need = (pattern: RegExp, what: string): RegExpExecArray => {
    const match = pattern.exec(output);
    if (!match) {
      throw new WrkOutputError(
        `wrk's output has no ${what}: ${JSON.stringify(output.trim().slice(0, 400))}`,
      );
    }
    return match;
  };
  const total = need(/^\s*(\d+) requests in ([0-9.]+)(us|ms|s|m|h)\b/m, 'request count');
  const rate = need(/^Requests\/sec:\s+([0-9.]+)\s*$/m, 'Requests/sec line');
  const TIME = '([0-9.]+(?:us|ms|s|m|h))';
  const latency = need(
    new RegExp(`^\\s*Latency\\s+${TIME}\\s+${TIME}\\s+${TIME}`, 'm'),
    'Latency line',
  );
  const percentile = (p: number): number | null => {
    const match = new RegExp(`^\\s*${p}(?:\\.0+)?%\\s+${TIME}\\s*$`, 'm').exec(output);
    return match ? parseWrkTime(match[1]!) : null;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    durationSec: parseWrkTime(`${total[2]!}${total[3]!}`) / 1e6,
    requestsPerSec: Number(rate[1]),
    latencyUs: {
      avg: parseWrkTime(latency[1]!),
      stdev: parseWrkTime(latency[2]!),
      max: parseWrkTime(latency[3]!),
      p50: percentile(50),
      p90: percentile(90),
      p99: percentile(99),
    },
    socketErrors: {
      connect: Number(socket?.[1] ?? 0),
      read: Number(socket?.[2] ?? 0),
      write: Number(socket?.[3] ?? 0),
      timeout: Number(socket?.[4] ?? 0),
    },
    non2xx3xx: Number(non2xx?.[1] ?? 0),
  };
}

/**
 * What went wrong in a run, or null when every request got a 2xx/3xx response and no socket
 * failed: `12 non-2xx/3xx responses, 3 read errors (of 491,234 responses)`.
 */
export function wrkErrors(result: WrkResult): string | null {
  const parts: string[] = [];
  const count = (n: number, what: string): void => {
    if (n > 0) parts.push(`${n.toLocaleString('en-US')} ${what}`);
  };
  count(result.non2xx3xx, 'non-2xx/3xx responses');
  const { connect, read, write, timeout } = result.socketErrors;
  count(connect, 'connect errors');
  count(read, 'read errors');
  count(write, 'write errors');
  count(timeout, 'timeouts');
  if (parts.length === 0) return null;
  return `${parts.join(', ')} (of ${result.requests.toLocaleString('en-US')} responses)`;
}

/** The wrk this benchmark runs: `$AIO_BENCH_WRK`, else Debian's `/usr/bin/wrk`, else `wrk`. */
export function wrkCommand(): string {
  const chosen = process.env.AIO_BENCH_WRK;
  if (chosen) return chosen;
  return existsSync('/usr/bin/wrk') ? '/usr/bin/wrk' : 'wrk';
}

/**
 * Runs `command args…` (wrk, perhaps under taskset) and reads its report.
 * @throws Error with wrk's stderr if it fails (wrk exits 1 when it cannot connect at all), or
 *   WrkOutputError if its output is not a report
 */
export function runWrk(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const why = err.killed
          ? `killed after ${timeoutMs / 1000} s`
          : stderr.trim() || err.message;
        reject(new Error(`wrk failed: ${why} (${[command, ...args].join(' ')})`));
        return;
      }
      try {
        resolve(parseWrkOutput(stdout));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
