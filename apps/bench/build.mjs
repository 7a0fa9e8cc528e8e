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
 * koffi (a native module) stays an import, resolved to the copy @aio/selector depends on.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
/** The scripts the CLI starts in processes of their own: `src/servers/*.ts`, `src/children/*.ts`. */
const scripts = ['servers', 'children'].flatMap((dir) =>
  readdirSync(join(root, 'src', dir))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => join(root, 'src', dir, file)),
);

const koffi = createRequire(join(root, '../../packages/selector/package.json')).resolve('koffi');

/** @type {import('esbuild').Plugin} */
const koffiFromSelector = {
  name: 'koffi-from-selector',
  setup(b) {
    b.onResolve({ filter: /^koffi$/ }, () => ({ path: koffi, external: true }));
  },
};

const started = performance.now();
await build({
  entryPoints: [join(root, 'src/cli.ts'), ...scripts],
  outdir: join(root, 'dist'),
  outbase: join(root, 'src'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@aio/source'],
  sourcemap: true,
  logLevel: 'warning',
  plugins: [koffiFromSelector],
});
process.stderr.write(
  `bench: built dist/ (the CLI and ${scripts.length} scripts it starts) in ${Math.round(performance.now() - started)} ms\n`,
);
