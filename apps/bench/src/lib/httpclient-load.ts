/**
 * What the client processes of `pnpm bench httpclient` share (`src/children/httpclient-aio.ts`,
 * `src/children/httpclient-undici.ts`; `src/peers/httpclient_tornado.py` speaks the same): their
 * arguments, the response they check for, and how they time and report the measured requests.
 *
 *   <client> '{"url": "http://127.0.0.1:N/", "warmupUrl": "http://127.0.0.1:N/warm",
 *              "requests": 20000, "warmupRequests": 2000, "concurrency": 50}'
 *
 * A client makes `concurrency` workers, each fetching in a loop until the requests are used up:
 * first `warmupRequests` to `warmupUrl` (unmeasured: the JIT compiles the hot code, the pool
 * fills), then `requests` to `url`, timed from before the first to after the last, wall time
 * (`performance.now()`) and the process's CPU time (`process.cpuUsage()`: user + system, every
 * thread). A response counts only if it is a 200 with the body `hello`. The client prints one
 * line of JSON, {@link ClientLoadResult}.
 */

/** The body the server answers with (nginx's `return 200 "hello"`). */
export const HELLO = 'hello';

export interface ClientLoadArgs {
  readonly url: string;
  readonly warmupUrl: string;
  readonly requests: number;
  readonly warmupRequests: number;
  readonly concurrency: number;
  /** aio only: the loop mode. */
  readonly mode?: 'hosted' | 'blocking';
  /** aio only: workers as generator coroutines (`gen.coroutine`) or async functions. */
  readonly style?: 'generator' | 'async';
}

/** What a client prints. */
export interface ClientLoadResult {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Measured requests answered 200 `hello`. */
  readonly ok: number;
  /** Measured requests that failed or got another answer. */
  readonly failed: number;
  /** The first failure's message ('' without one). */
  readonly firstError: string;
  /** The client's own count of the connections it made, when it keeps one. */
  readonly clientConnections?: number;
  /** The client's runtime and library versions. */
  readonly versions?: Record<string, string>;
}

/**
 * The arguments (`process.argv[2]`, JSON), checked.
 * @throws exits the process with status 2 if they are not valid
 */
export function clientLoadArgs(script: string): ClientLoadArgs {
  const args = JSON.parse(process.argv[2] ?? '{}') as Partial<ClientLoadArgs>;
  const count = (n: unknown, min: number): boolean =>
    typeof n === 'number' && Number.isInteger(n) && n >= min;
  if (
    typeof args.url !== 'string' ||
    typeof args.warmupUrl !== 'string' ||
    !count(args.requests, 1) ||
    !count(args.warmupRequests, 0) ||
    !count(args.concurrency, 1) ||
    (args.mode !== undefined && args.mode !== 'hosted' && args.mode !== 'blocking') ||
    (args.style !== undefined && args.style !== 'generator' && args.style !== 'async')
  ) {
    process.stderr.write(`${script}: bad arguments ${process.argv[2] ?? '(none)'}\n`);
    process.exit(2);
  }
  return args as ClientLoadArgs;
}

/** The measured requests' outcomes, counted by the workers. */
export class Tally {
  ok = 0;
  failed = 0;
  firstError = '';

  /** Counts a response: ok if it is a 200 with the body `hello`. */
  response(status: number, body: string): void {
    if (status === 200 && body === HELLO) {
      this.ok++;
    } else {
      this.fail(`got ${status} ${JSON.stringify(body.slice(0, 100))}, expected 200 "${HELLO}"`);
    }
  }

  fail(why: unknown): void {
    this.failed++;
    if (this.firstError === '') this.firstError = why instanceof Error ? why.message : String(why);
  }
}

/** The clock of the measured requests: wall and CPU time from `start()` to `stop()`. */
export class Clock {
  #wall = 0;
  #cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  wallMs = 0;
  cpuMs = 0;

  start(): void {
    this.#cpu = process.cpuUsage();
    this.#wall = performance.now();
  }

  stop(): void {
    this.wallMs = performance.now() - this.#wall;
    const cpu = process.cpuUsage(this.#cpu);
    this.cpuMs = (cpu.user + cpu.system) / 1000;
  }
}

/** Prints the client's one line of JSON. */
export function report(clock: Clock, tally: Tally, extra: Partial<ClientLoadResult> = {}): void {
  const result: ClientLoadResult = {
    wallMs: clock.wallMs,
    cpuMs: clock.cpuMs,
    ok: tally.ok,
    failed: tally.failed,
    firstError: tally.firstError,
    ...extra,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
