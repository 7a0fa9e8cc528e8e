/**
 * The crawler app (`apps/crawler`), run from the bench the way `pnpm crawl` runs it: its
 * TypeScript sources through the crawler's own tsx, with the `@aio/source` condition, in a
 * process of its own. Two entry points are used: its CLI (`src/main.ts --json`), which starts
 * its own embedded site and measures its stages, and that site's server alone
 * (`src/site/server.ts`), for the Python peers to crawl.
 *
 * `AIO_BENCH_CRAWLER_MAIN=/path/to/main.ts` runs another CLI in the crawler's place (the bench's
 * tests use a stand-in that prints a fixture).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  CrawlerOutputError,
  parseCrawlerOutput,
  type CrawlerExit,
  type CrawlerOutput,
} from './crawler-output';
import { withFdLimit } from './fd-limit';
import { benchSource } from './paths';
import { startServer, track, type RunningServer } from './servers';

/** `apps/crawler/<relative>`. */
function crawlerFile(relative: string): string {
  return benchSource(`../../crawler/${relative}`);
}

/** The crawler's tsx loader, as a `file:` URL for `--import` (what apps/crawler/src/site does). */
function tsxLoader(): string {
  const packageJson = crawlerFile('package.json');
  try {
    return pathToFileURL(createRequire(packageJson).resolve('tsx')).href;
  } catch {
    throw new Error(
      `cannot resolve tsx from ${packageJson}: run \`pnpm install\` at the repository root`,
    );
  }
}

function existing(file: string, what: string): string {
  if (!existsSync(file)) throw new Error(`${what} is not where the bench expects it: ${file}`);
  return file;
}

/** `node --conditions=@aio/source --import <tsx> <script> args…`, with the fd limit raised. */
function tsCommand(script: string, args: readonly string[], fdLimit: number | null) {
  const argv = ['--conditions=@aio/source', '--import', tsxLoader(), script, ...args];
  return fdLimit === null
    ? ([process.execPath, argv] as const)
    : withFdLimit(fdLimit, process.execPath, argv);
}

/** What the crawler CLI is asked to do. */
export interface CrawlRequest {
  readonly strategies: readonly string[];
  readonly pages: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly sizeBytes: number;
  readonly repeat: number;
  /** Unmeasured crawls before each measured run, in the same process (`--warmup`). */
  readonly warmups: number;
  /** How long one page may take (`--timeout`). */
  readonly pageTimeoutMs: number;
  /** The soft fd limit to run it under, or null to leave the inherited one. */
  readonly fdLimit: number | null;
  /** Gives up (SIGTERM) after this long. */
  readonly timeoutMs: number;
}

/**
 * Runs `pnpm crawl --json` with `request`'s flags in a child process and reads its document.
 * @throws CrawlerOutputError if the crawler gives no document this benchmark can read, or one
 *   for another crawl than the one asked for
 */
export async function runCrawler(request: CrawlRequest): Promise<CrawlerOutput> {
  const flags = [
    '--json',
    `--strategy=${request.strategies.join(',')}`,
    `--pages=${request.pages}`,
    `--concurrency=${request.concurrency}`,
    `--latency=${request.latencyMs}`,
    `--size=${request.sizeBytes}`,
    `--repeat=${request.repeat}`,
    `--warmup=${request.warmups}`,
    `--timeout=${request.pageTimeoutMs}`,
  ];
  const output = parseCrawlerOutput(await runCrawlerCli(flags, request.fdLimit, request.timeoutMs));
  const asked: [string, number, number][] = [
    ['site.pages', request.pages, output.site.pages],
    ['concurrency', request.concurrency, output.concurrency],
    ['site.latencyMs', request.latencyMs, output.site.latencyMs],
    ['site.sizeBytes', request.sizeBytes, output.site.sizeBytes],
    ['repeat', request.repeat, output.repeat],
  ];
  for (const [field, wanted, got] of asked) {
    if (wanted !== got) {
      throw new CrawlerOutputError(
        `the crawler was asked for ${wanted} and reports ${field} ${got}: its flags did not take`,
      );
    }
  }
  return output;
}

/**
 * Runs the crawler CLI (`src/main.ts`) with `flags` in a child process, under `fdLimit`, and
 * resolves with how it ended and what it printed; SIGTERM after `timeoutMs`.
 */
export async function runCrawlerCli(
  flags: readonly string[],
  fdLimit: number | null,
  timeoutMs: number,
): Promise<CrawlerExit> {
  const main =
    process.env.AIO_BENCH_CRAWLER_MAIN ?? existing(crawlerFile('src/main.ts'), 'the crawler CLI');
  const [command, args] = tsCommand(main, flags, fdLimit);
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // Whatever way this process ends, the crawler ends too: on SIGTERM it stops its runs and its
  // embedded site, as on Ctrl-C.
  track(child, 'SIGTERM');
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  // Only the end of stderr is quoted in an error: keep the last 16 KiB.
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_384);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, timeoutMs);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', (err) =>
        reject(new Error(`cannot start the crawler (${command}): ${err.message}`)),
      );
      // 'close', not 'exit': it comes after stdout is drained, so no output is missed.
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  ).finally(() => clearTimeout(timer));
  if (timedOut) stderr += `\n(the bench gave up on the crawler after ${timeoutMs / 1000} s)`;
  return { ...exit, stdout, stderr };
}

/** What the crawler's embedded site serves. */
export interface SiteRequest {
  readonly pages: number;
  readonly latencyMs: number;
  readonly sizeBytes: number;
  readonly fdLimit: number | null;
}

/**
 * Starts the crawler's embedded site server on its own (127.0.0.1, a free port) and resolves once
 * it listens. It speaks the bench server protocol (`{"port": N, …}` first, exits when its stdin
 * closes), so `stop()` and this process's exit end it.
 */
export function startCrawlerSite(site: SiteRequest): Promise<RunningServer> {
  const server = existing(crawlerFile('src/site/server.ts'), "the crawler's site server");
  const [command, args] = tsCommand(
    server,
    [`--pages=${site.pages}`, `--latency=${site.latencyMs}`, `--size=${site.sizeBytes}`],
    site.fdLimit,
  );
  return startServer(command, args);
}
