// @ts-check
/**
 * The one tsup preset every package builds with: ESM + CJS + declarations for Node 20.
 * A later switch of bundler changes this file, not the packages.
 */
import { emitDeclarations } from './declarations.js';
import { keepNamesCheaply } from './keep-names.js';

/**
 * @param {Record<string, string>} entry entry name → source file, e.g. `{ index: 'src/index.ts' }`
 * @param {Partial<import('tsup').Options>} [overrides]
 * @returns {import('tsup').Options}
 */
export function aioBuild(entry, overrides = {}) {
  return {
    entry,
    format: ['esm', 'cjs'],
    // Declarations come from the compiler itself, one file per source file, after the bundles
    // (see declarations.js for why not tsup's bundled `dts`).
    dts: false,
    onSuccess: async () => {
      const { files } = emitDeclarations(entry);
      console.log(`DTS ${files} declaration files (.d.ts + .d.cts) from the compiler`);
    },
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: false,
    // Classes and functions keep their names in the bundle: the bundler would otherwise rename
    // a class that refers to itself or clashes with another module's (`Future` → `_Future`),
    // and every repr (`<Future pending>`, `<Task … coro=fetch()>`) and error message that prints
    // a name would differ from what the sources, the tests and the READMEs show. The plugin
    // takes back the per-closure cost of `keepNames` (see keep-names.js).
    keepNames: true,
    plugins: [keepNamesCheaply()],
    outDir: 'dist',
    // Workspace packages and native modules stay imports: each package ships only its own code.
    external: [/^@aio\//, 'koffi'],
    ...overrides,
  };
}
