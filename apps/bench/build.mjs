// @ts-check
/**
 * Builds what `pnpm bench` runs: `src/cli.ts`, every bench server in `src/servers/` and every
 * child script in `src/children/`, bundled
 * with esbuild into `dist/`, together with the aio packages they use (from their TypeScript
 * sources, through the `@aio/source` condition).
 *
 * The benchmarks measure built code, as users run it, and not code run through a development
 * loader: tsx compiles with `keepNames`, which wraps every closure it creates in a `__name(…)`
 * call (an `Object.defineProperty` each time), and that alone cost the coroutine echo server a
 * sixth of its throughput. esbuild here is the compiler tsup uses for the published packages,
 * with the same target and no `keepNames`.
 *
 * koffi (a native module) stays an import, resolved to the copy @aio/selector depends on; so do
 * piscina and pino (CommonJS packages that `require` Node built-ins, which an ES module bundle
 * cannot, and piscina starts its own worker script from its own directory), resolved to the
 * copies @aio/tornado depends on; and undici (CommonJS too), the peer of `pnpm bench httpclient`,
 * resolved to the copy this package depends on.
 *
 * fastify and @fastify/static (CommonJS, the peers of `pnpm bench web`) stay imports too, resolved
 * to the copies this package depends on.
 *
 * Pool worker threads (@aio/tornado's ThreadPoolExecutor) load two more files, which are built
 * here too, each on its own:
 * - the worker functions in `src/workers/*.ts`, to `dist/workers/*.mjs` (`workerModule()` in
 *   `src/lib/paths.ts` names them);
 * - @aio/tornado's pool worker script. The bundled pool looks for it where @aio/tornado's own build
 *   puts it, `concurrent/pool-worker.js` next to the file that holds the pool code: for a child
 *   script `dist/children/x.mjs`, that is `dist/children/concurrent/pool-worker.js` (see
 *   `packages/tornado/src/concurrent/worker-entry.ts`).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const tornadoDir = join(root, '../../packages/tornado');

/** The scripts the CLI starts in processes of their own: `src/servers/*.ts`, `src/children/*.ts`. */
const scripts = ['servers', 'children'].flatMap((dir) =>
  readdirSync(join(root, 'src', dir))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => join(root, 'src', dir, file)),
);

/** The worker functions pool threads import: `src/workers/*.ts`. */
const workers = readdirSync(join(root, 'src', 'workers'))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
  .map((file) => join(root, 'src', 'workers', file));

/** Packages left as imports, and the package whose copy of each the bundles import. */
const externals = new Map([
  ['koffi', join(root, '../../packages/selector')],
  ['piscina', tornadoDir],
  ['pino', tornadoDir],
  ['undici', root],
  ['fastify', root],
  ['@fastify/static', root],
]);

/**
 * Resolves each of `externals` as an `import` from its aio package does (esbuild's own
 * resolution: for piscina, its ES module wrapper) and leaves it an import of that file.
 * @type {import('esbuild').Plugin}
 */
const externalsFromPackages = {
  name: 'externals-from-packages',
  setup(b) {
    b.onResolve(
      { filter: /^(koffi|piscina|pino|undici|fastify|@fastify\/static)$/ },
      async (args) => {
        if (args.pluginData === 'external') return undefined;
        const resolved = await b.resolve(args.path, {
          kind: 'import-statement',
          resolveDir: /** @type {string} */ (externals.get(args.path)),
          pluginData: 'external',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, external: true };
      },
    );
  },
};

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@aio/source'],
  sourcemap: true,
  logLevel: 'warning',
  plugins: [externalsFromPackages],
};

const started = performance.now();
await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, 'src/cli.ts'), ...scripts, ...workers],
    outdir: join(root, 'dist'),
    outbase: join(root, 'src'),
    outExtension: { '.js': '.mjs' },
  }),
  build({
    ...common,
    entryPoints: [join(tornadoDir, 'src/concurrent/pool-worker.ts')],
    outfile: join(root, 'dist/children/concurrent/pool-worker.js'),
  }),
]);
process.stderr.write(
  `bench: built dist/ (the CLI, the ${scripts.length} scripts it starts, ${workers.length} worker modules and the pool worker) in ${Math.round(performance.now() - started)} ms\n`,
);
