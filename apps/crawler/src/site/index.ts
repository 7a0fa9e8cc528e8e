/**
 * Starts and stops the embedded site (see server.ts) from the crawler's process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { faultPlan, pageBody, pageIndex, pagePath, parseFaults, type FaultKind } from './pages';

export type { FaultKind } from './pages';

export interface SiteOptions {
  readonly pages: number;
  readonly latencyMs: number;
  readonly sizeBytes: number;
  /** Pages that fail on purpose, as pages.ts's `parseFaults` reads them: `reset,slow=2`, `all`. */
  readonly faults?: string;
  /** How long a `slow` page waits before it answers (default 60 s: any crawler timeout fires first). */
  readonly slowMs?: number;
}

export interface Site {
  readonly host: string;
  readonly port: number;
  /** Paths of every page: `/`, `/1`, … */
  readonly paths: readonly string[];
  /** The body the site serves at `path`, byte for byte; undefined for a path it does not have. */
  body(path: string): Buffer | undefined;
  /**
   * Where to connect for the page at `path`: the site's own host and port, except for a
   * `refused` page, whose port refuses every connection.
   *
   * @example
   * ```ts
   * const site = await startSite({ pages: 10, latencyMs: 100, sizeBytes: 2048, faults: 'refused' });
   * const [host, port] = site.address('/1'); // port === the refusing port: ECONNREFUSED
   * ```
   */
  address(path: string): [host: string, port: number];
  /** The faulty pages: path → what goes wrong there (empty without `faults`). */
  readonly faults: ReadonlyMap<string, FaultKind>;
  stop(): Promise<void>;
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url));
const running = new Set<ChildProcess>();

/** The server's first line on stdout. */
interface Listening {
  readonly port: number;
  /** A port where nothing listens and nothing can: `refused` pages live there. */
  readonly refusedPort: number;
}

// Whatever way this process ends, the site ends with it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startSite(options: SiteOptions): Promise<Site> {
  // The server works out the same plan; a bad spec fails here, with its message, not in a child.
  const plan =
    options.faults === undefined
      ? new Map<number, FaultKind>()
      : faultPlan(options.pages, parseFaults(options.faults));
  const faults = new Map([...plan].map(([index, kind]) => [pagePath(index), kind] as const));
  const child = spawn(
    process.execPath,
    [
      '--conditions=@aio/source',
      '--import',
      tsxLoader,
      serverScript,
      `--pages=${options.pages}`,
      `--latency=${options.latencyMs}`,
      `--size=${options.sizeBytes}`,
      ...(options.faults === undefined ? [] : [`--faults=${options.faults}`]),
      ...(options.slowMs === undefined ? [] : [`--slow-ms=${options.slowMs}`]),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  const { port, refusedPort } = await new Promise<Listening>((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve(JSON.parse(line) as Listening);
    });
    child.once('exit', (code) =>
      reject(new Error(`the embedded site exited before listening (code ${code})`)),
    );
    child.once('error', reject);
  });

  return {
    host: '127.0.0.1',
    port,
    paths: Array.from({ length: options.pages }, (_, i) => pagePath(i)),
    body(path: string) {
      const index = pageIndex(path, options.pages);
      return index < 0 ? undefined : Buffer.from(pageBody(index, options.pages, options.sizeBytes));
    },
    address(path: string) {
      return ['127.0.0.1', faults.get(path) === 'refused' ? refusedPort : port];
    },
    faults,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
