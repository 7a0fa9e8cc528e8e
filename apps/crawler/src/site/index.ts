/**
 * Starts and stops the embedded site (see server.ts) from the crawler's process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pageBody, pageIndex, pagePath } from './pages';

export interface SiteOptions {
  readonly pages: number;
  readonly latencyMs: number;
  readonly sizeBytes: number;
}

export interface Site {
  readonly host: string;
  readonly port: number;
  /** Paths of every page: `/`, `/1`, … */
  readonly paths: readonly string[];
  /** The body the site serves at `path`, byte for byte; undefined for a path it does not have. */
  body(path: string): Buffer | undefined;
  stop(): Promise<void>;
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url));
const running = new Set<ChildProcess>();

// Whatever way this process ends, the site ends with it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startSite(options: SiteOptions): Promise<Site> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      tsxLoader,
      serverScript,
      `--pages=${options.pages}`,
      `--latency=${options.latencyMs}`,
      `--size=${options.sizeBytes}`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
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
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
