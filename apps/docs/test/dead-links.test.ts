/**
 * The build fails on a dead link: VitePress checks every markdown link at build time unless
 * `ignoreDeadLinks` says otherwise. This builds two one-page sites with the docs' own config, one
 * with a dead link and one without, so the test fails if either the setting or the check changes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DOCS_ROOT, run } from './build-site';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function buildOnePageSite(markdown: string): Promise<string> {
  // Inside the docs app, so that the site resolves vue and vitepress from its node_modules.
  mkdirSync(join(DOCS_ROOT, 'test-artifacts'), { recursive: true });
  dir = mkdtempSync(join(DOCS_ROOT, 'test-artifacts', 'links-'));
  mkdirSync(join(dir, '.vitepress'));
  // The docs' own config, with a sidebar of nothing (the pages it lists are not in this site).
  writeFileSync(
    join(dir, '.vitepress', 'config.mts'),
    `import config from ${JSON.stringify(`${DOCS_ROOT}.vitepress/config.ts`)};\n` +
      'export default { ...config, themeConfig: { ...config.themeConfig, sidebar: {} } };\n',
  );
  writeFileSync(join(dir, 'index.md'), markdown);
  writeFileSync(join(dir, 'other.md'), '# Other\n');
  return run(`${DOCS_ROOT}node_modules/.bin/vitepress`, ['build', dir], DOCS_ROOT);
}

it('a site with only live links builds', async () => {
  await expect(buildOnePageSite('# Home\n\n[the other page](/other)\n')).resolves.toMatch(
    /build complete/,
  );
});

it('a dead link fails the build, naming the link', async () => {
  await expect(buildOnePageSite('# Home\n\n[gone](/road/nowhere)\n')).rejects.toThrow(
    /dead link[\s\S]*\/road\/nowhere/i,
  );
});
