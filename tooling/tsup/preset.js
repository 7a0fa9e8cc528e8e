// @ts-check
/**
 * The one tsup preset every package builds with: ESM + CJS + declarations for Node 20.
 * A later switch of bundler changes this file, not the packages.
 *
 * @param {Record<string, string>} entry entry name → source file, e.g. `{ index: 'src/index.ts' }`
 * @param {Partial<import('tsup').Options>} [overrides]
 * @returns {import('tsup').Options}
 */
export function aioBuild(entry, overrides = {}) {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: false,
    outDir: 'dist',
    // Workspace packages and native modules stay imports: each package ships only its own code.
    external: [/^@aio\//, 'koffi'],
    ...overrides,
  };
}
