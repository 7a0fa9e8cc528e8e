/**
 * Worker functions for `pnpm bench tornado-core`'s `runOnExecutor` round trips. A pool's worker
 * thread imports this module to find them, so it has no top-level side effects and imports
 * nothing. Built on its own (`build.mjs`: `src/workers/` → `dist/workers/`).
 */

/** The trivial job of a round trip: `x + 1`, as the Python peer's `inc`. */
export function inc(x: number): number {
  return x + 1;
}
