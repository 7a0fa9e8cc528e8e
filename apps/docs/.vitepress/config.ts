import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';
import { GUIDE } from './pages';

const root = fileURLToPath(new URL('..', import.meta.url));
const apiSidebarFile = `${root}api/typedoc-sidebar.json`;

/** TypeDoc writes the API sidebar next to the pages it writes (`pnpm api`). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  if (!existsSync(apiSidebarFile)) {
    // `pnpm docs` and `pnpm docs:build` run TypeDoc first; without it every link to /api/ is dead.
    console.warn(`no API reference in ${root}api: run \`pnpm --filter @aio/docs api\` (TypeDoc)`);
    return [];
  }
  return JSON.parse(readFileSync(apiSidebarFile, 'utf8')) as DefaultTheme.SidebarItem[];
}

export default defineConfig({
  title: 'aio',
  description:
    'Async I/O in TypeScript, from epoll to tornado, taught with real code and real runs',
  lang: 'en-US',
  cleanUrls: true,
  lastUpdated: false,
  // A dead link fails the build: this is VitePress's default, said here so nobody turns it off.
  ignoreDeadLinks: false,
  srcExclude: ['README.md', 'test-artifacts/**'],
  head: [['link', { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }]],
  markdown: {
    lineNumbers: false,
    config(md) {
      // Inline code is text, never a Vue template: without v-pre, `{{` in one code span and `}}`
      // in a later one (tornado's template syntax, in the API pages) read as an interpolation and
      // break the build. Fenced blocks get v-pre from VitePress already.
      const inline = md.renderer.rules.code_inline!;
      md.renderer.rules.code_inline = (tokens, idx, options, env, self) => {
        tokens[idx]!.attrSet('v-pre', '');
        return inline(tokens, idx, options, env, self);
      };
    },
  },
  themeConfig: {
    logo: '/favicon.svg',
    nav: [
      { text: 'Guide', link: '/guide/' },
      { text: 'The road', link: '/road/' },
      { text: 'Inside', link: '/inside/selector' },
      { text: 'tornado', link: '/tornado/' },
      { text: 'API', link: '/api/' },
      { text: 'Results', link: '/results/crawler' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/' }, ...apiSidebar()],
      '/': GUIDE.map((group) => ({ text: group.text, items: [...group.items] })),
    },
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    footer: {
      message: 'MIT licensed. Every code sample is imported from the tested source.',
    },
  },
});
