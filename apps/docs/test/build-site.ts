/** Builds the docs site as `pnpm docs:build` does: TypeDoc's API pages, then VitePress. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DOCS_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = `${DOCS_ROOT}.vitepress/dist`;

/** Runs a docs script's command; throws with its output when it fails. */
export function run(command: string, args: readonly string[], cwd = DOCS_ROOT): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: process.env });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${output}`);
  }
  return output;
}

export function buildSite(): void {
  const bin = `${DOCS_ROOT}node_modules/.bin/`;
  run(`${bin}typedoc`, []);
  run(`${bin}vitepress`, ['build']);
}
