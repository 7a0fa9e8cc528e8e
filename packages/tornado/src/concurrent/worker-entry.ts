/**
 * Where `pool-worker` is, and the Node flags a worker needs to load it.
 *
 * - From the built package (`dist/`), the code calling this is `dist/concurrent.js`,
 *   `dist/concurrent.cjs` or a shared `dist/chunk-*.js` — always at the top of `dist/` — and the
 *   worker is its own build entry, `dist/concurrent/pool-worker.js` (ESM, so that it imports
 *   worker functions with a native `import()` whichever format loaded the pool).
 * - From source (tests, examples run with tsx), this file is `src/concurrent/worker-entry.ts` and
 *   the worker is `src/concurrent/pool-worker.ts`, which the worker can only load through tsx:
 *   then `--import tsx` and the `@aio/source` condition are added to its flags, as the
 *   repository's other tests do for their child processes.
 */
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * This module's own file, in every form it runs in. Not `import.meta.url`: the same source is
 * built to CommonJS too, where `import.meta` is a syntax error (the build does not shim it), and
 * not `__filename` alone, which an ES module lacks. V8's call sites name the file that is really
 * running (the built one, even where source maps rewrite printed stacks): a path for CommonJS,
 * a `file:` URL for an ES module.
 */
function thisFile(): string {
  const original = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const callSites = new Error().stack as unknown as NodeJS.CallSite[];
    const file = callSites[0]?.getFileName();
    if (file === undefined || file === null) throw new Error('no file name in the call site');
    return file.startsWith('file:') ? fileURLToPath(file) : file;
  } finally {
    if (original === undefined) Reflect.deleteProperty(Error, 'prepareStackTrace');
    else Object.defineProperty(Error, 'prepareStackTrace', original);
  }
}

const here = thisFile();
const fromSource = extname(here) === '.ts';

/** The pool worker's file. */
export const POOL_WORKER_FILE = fromSource
  ? join(dirname(here), 'pool-worker.ts')
  : join(dirname(here), 'concurrent', 'pool-worker.js');

/**
 * How to start the thread behind the blocking `HTTPClient` (httpclient/blocking.ts): the built
 * worker file; or from source, code that loads it through tsx's require hook. Not `--import tsx`
 * as for the pool: that loads the worker through module hooks that answer on the thread that
 * made the worker, and that thread is blocked in `Atomics.wait` until the worker is ready.
 */
export function httpClientWorker(): {
  readonly filename: string;
  readonly eval: boolean;
  readonly execArgv: string[];
} {
  if (!fromSource) {
    return {
      filename: join(dirname(here), 'httpclient', 'blocking-worker.js'),
      eval: false,
      execArgv: [...process.execArgv],
    };
  }
  const file = join(dirname(here), '..', 'httpclient', 'blocking-worker.ts');
  const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--import'));
  if (!execArgv.includes('--conditions=@aio/source')) execArgv.push('--conditions=@aio/source');
  return {
    filename: `require('tsx/cjs'); require(${JSON.stringify(file)});`,
    eval: true,
    execArgv,
  };
}

/** `execArgv` for a worker: the caller's (default: this process's), plus tsx when from source. */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const flags = [...execArgv];
  if (!fromSource) return flags;
  const hasTsx = flags.some(
    (flag, i) => (flag === '--import' && flags[i + 1] === 'tsx') || flag === '--import=tsx',
  );
  if (!hasTsx) flags.push('--import', 'tsx');
  if (!flags.includes('--conditions=@aio/source')) flags.push('--conditions=@aio/source');
  return flags;
}
