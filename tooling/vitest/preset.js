// @ts-check
/**
 * The vitest preset every package tests with.
 *
 * - Imports of `@aio/*` resolve to each package's `src` through the `@aio/source` export
 *   condition, so tests never wait on a build.
 * - Each test file runs in its own child process (`forks`), so the fd guard sees only that
 *   file's descriptors and a crash in native code takes down one file, not the run.
 * - The fd guard fails a test file that leaves a socket, pipe, eventfd or epoll fd open.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';

export const SOURCE_CONDITION = '@aio/source';
const fdGuard = fileURLToPath(new URL('./fd-guard.ts', import.meta.url));

/**
 * @param {import('vitest/config').ViteUserConfig} [overrides]
 */
export function aioVitest(overrides = {}) {
  const conditions = [SOURCE_CONDITION, 'node', 'import', 'module', 'default'];
  return mergeConfig(
    defineConfig({
      resolve: { conditions },
      ssr: { resolve: { conditions, externalConditions: [SOURCE_CONDITION] } },
      test: {
        include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
        setupFiles: [fdGuard],
        pool: 'forks',
        testTimeout: 20_000,
        hookTimeout: 20_000,
        // Real sockets and timers on a 2-core machine: two files at a time keeps timings honest.
        poolOptions: { forks: { maxForks: 2, minForks: 1 } },
      },
    }),
    overrides,
  );
}
