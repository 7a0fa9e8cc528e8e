/** Builds the docs site as `pnpm docs:build` does: TypeDoc's API pages, then VitePress. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DOCS_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = `${DOCS_ROOT}.vitepress/dist`;

/**
 * Runs a command and resolves to its output; rejects with the output when it fails. Never
 * `spawnSync`: a test worker whose thread is blocked for a minute misses vitest's own messages.
 */
export function run(command: string, args: readonly string[], cwd = DOCS_ROOT): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output}`));
    });
  });
}

export async function buildSite(): Promise<void> {
  const bin = `${DOCS_ROOT}node_modules/.bin/`;
  await run(`${bin}typedoc`, []);
  await run(`${bin}vitepress`, ['build']);
}
