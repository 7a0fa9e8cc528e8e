/**
 * Where the bench's files are, whether this code runs from `src/` or bundled into `dist/` (as
 * `pnpm bench` runs it, see `build.mjs`).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundled = /\/dist\/[^/]*$/.test(new URL(import.meta.url).pathname);

/** `apps/bench/src/`, with a trailing slash. */
const SRC = new URL(bundled ? '../src/' : '../', import.meta.url);
/** `apps/bench/dist/`. */
const DIST = new URL(bundled ? './' : '../../dist/', import.meta.url);

/** The path of `relative` under `apps/bench/src/` (the Python and C peers live there). */
export function benchSource(relative: string): string {
  return fileURLToPath(new URL(relative, SRC));
}

/** The path of `relative` in the repository's TLS test fixtures, `tooling/fixtures/tls/`. */
export function tlsFixture(relative: string): string {
  return fileURLToPath(new URL(`../../../tooling/fixtures/tls/${relative}`, SRC));
}

/**
 * The built bundle of `src/<path>.ts` (a server or a child process): `dist/<path>.mjs`.
 * @throws Error if it is not built (`pnpm bench` builds it; or run `node build.mjs`)
 */
export function builtScript(path: string): string {
  const file = fileURLToPath(new URL(`${path}.mjs`, DIST));
  if (!existsSync(file)) {
    throw new Error(
      `${path} is not built (${file} is missing): run \`node build.mjs\` in apps/bench, or use \`pnpm bench\``,
    );
  }
  return file;
}

/** The built bundle of the bench server `src/servers/<name>.ts`. */
export function builtServer(name: string): string {
  return builtScript(`servers/${name}`);
}

/**
 * The module of `src/workers/<name>.ts` that a pool's worker thread imports, as a `file:` URL:
 * its build, `dist/workers/<name>.mjs`, when this code runs bundled (from any file under
 * `dist/`, a child script's too); else the source itself (which the worker loads through tsx, as
 * the process running this from source does).
 */
export function workerModule(name: string): string {
  const here = new URL(import.meta.url);
  const dist = here.pathname.lastIndexOf('/dist/');
  return dist >= 0
    ? new URL(`${here.pathname.slice(0, dist)}/dist/workers/${name}.mjs`, here).href
    : new URL(`../workers/${name}.ts`, here).href;
}
