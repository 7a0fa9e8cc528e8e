/**
 * `pnpm test:packed`: the packages as a stranger gets them.
 *
 * Tests and typecheck read each package's `src`; this reads what npm would publish. It builds and
 * packs every package (`pnpm pack`, which rewrites `workspace:` ranges), installs the tarballs
 * with npm into a scratch project outside the repository (a temp dir, removed afterwards), and
 * there:
 *
 * 1. checks each tarball: LICENSE, README links that work on npm (absolute, or `#anchors`), no
 *    `workspace:` range, `@types/node` as a peer, every declaration file referencing Node's types;
 * 2. type-checks the consumer fixture (`tooling/consumer/`: ESM `.mts` and CommonJS `.cts`, every
 *    package and every subpath, type assertions) strict, `nodenext`, without `skipLibCheck`, once
 *    as is and once with `"types": []`;
 * 3. runs `tooling/consumer/reprs.mts`: reprs, error messages and exported names of the built ESM
 *    and CJS code (a bundler that renames `Future` to `_Future` fails it), and
 *    `tooling/consumer/dual.mts`: both builds loaded in one process agree on the running loop,
 *    the current task and the tasks (a CJS `timeout()` inside an ESM `run()`); and
 *    `tooling/consumer/no-loop.mts`: aio work at top level with no loop running, and an await
 *    of a loop nothing runs, each fail with NoRunningLoopError and exit code 1, never Node's
 *    silent exit 13;
 * 4. type-checks and runs every block of every package README and the root README (see
 *    readme-blocks.ts for the kinds of block and the `<!-- not runnable: … -->` marker), each
 *    with a timeout. Blocks that fetch from a web server read its port from `PORT`: this script
 *    serves `<html>page /path</html>` on 127.0.0.1 for them.
 *
 * Network: npm reaches its registry for the third-party packages (pinned to the versions in the
 * workspace's lockfile); nothing else.
 *
 *     pnpm test:packed            # the whole check
 *     pnpm test:packed --keep     # and keep the scratch project to look around in
 *     pnpm test:packed --no-build # use the dist/ folders as they are
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  extensionFor,
  extractBlocks,
  planFor,
  relativeLinks,
  type ReadmeBlock,
} from './readme-blocks';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = new Set(process.argv.slice(2));
const keep = args.has('--keep');
const build = !args.has('--no-build');

/**
 * Per README block: generous, for a loaded CI machine (the slowest block, a thread pool demo,
 * takes about 5 s); a block that hangs is a bug in the README.
 */
const BLOCK_TIMEOUT_MS = 60_000;
/** Messages aio and tornado print for an error nobody handled: a README block must not lose one. */
const LOST_ERROR = /exception was never retrieved|Exception in callback/i;

interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail?: string;
}
const results: StepResult[] = [];
const started = performance.now();

// ─── Running things ────────────────────────────────────────────────────────────────────────────

interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs `command` to its end (or kills its whole process group at `timeoutMs`), capturing its
 * output.
 */
function exec(
  command: string,
  commandArgs: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? null
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
          }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      killGroup(child.pid); // whatever the block left behind (a pool's children …)
      resolve({ code, signal, timedOut, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/** The environment for npm and the scratch project: none of pnpm's `npm_*` settings leak in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_)/i.test(key) && !/^npm_config_(registry|cache|userconfig)$/i.test(key))
      continue;
    if (key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function ranOk(ran: Ran): boolean {
  return ran.code === 0 && !ran.timedOut;
}

function whyFailed(ran: Ran, timeoutMs?: number): string {
  if (ran.timedOut) return `timed out after ${timeoutMs} ms`;
  if (ran.signal !== null) return `killed by ${ran.signal}`;
  if (ran.code === 13)
    return 'exit code 13: a top-level await never settled (aio work outside a running loop?)';
  return `exit code ${ran.code}`;
}

function tail(text: string, lines = 25): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}

async function step(
  name: string,
  body: () => Promise<string | undefined> | string | undefined,
): Promise<boolean> {
  const t0 = performance.now();
  process.stdout.write(`▸ ${name} …\n`);
  try {
    const note = await body();
    const ms = performance.now() - t0;
    results.push({ name, ok: true, ms, detail: note });
    console.log(`  ✓ ${name} (${seconds(ms)})${note === undefined ? '' : `: ${note}`}`);
    return true;
  } catch (error) {
    const ms = performance.now() - t0;
    const detail = error instanceof Error ? error.message : String(error);
    results.push({ name, ok: false, ms, detail });
    console.log(`  ✗ ${name} (${seconds(ms)})\n${indent(detail)}`);
    return false;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

// ─── The packages ──────────────────────────────────────────────────────────────────────────────

interface Pkg {
  readonly name: string;
  readonly dir: string;
  readonly json: {
    name: string;
    private?: boolean;
    exports: Record<string, unknown>;
  };
}

const packages: Pkg[] = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({
    dir,
    json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Pkg['json'],
  }))
  .filter(({ json }) => json.private !== true)
  .map(({ dir, json }) => ({ name: json.name, dir, json }));

/** A third-party package pinned to the version the workspace installed from its lockfile. */
function pinned(name: string): string {
  const json = JSON.parse(
    readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return `${name}@${json.version}`;
}

// ─── The steps ─────────────────────────────────────────────────────────────────────────────────

const scratch = mkdtempSync(join(tmpdir(), 'aio-packed-'));
const tarballs = join(scratch, 'tarballs');
const project = join(scratch, 'project');
mkdirSync(tarballs);
mkdirSync(project);
let site: Server | null = null;
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(code);
  });
}

function cleanup(): void {
  site?.close();
  if (!keep) rmSync(scratch, { recursive: true, force: true });
}

try {
  console.log(`packed-package check: ${packages.map((p) => p.name).join(', ')}`);
  console.log(`scratch project: ${project}${keep ? ' (kept)' : ' (removed at the end)'}`);
  await main();
} finally {
  cleanup();
}

const failed = results.filter((r) => !r.ok);
console.log(`\n── summary ${'─'.repeat(70)}`);
for (const r of results)
  console.log(`${r.ok ? '✓' : '✗'} ${r.name.padEnd(58)} ${seconds(r.ms).padStart(7)}`);
console.log(
  `\n${results.length - failed.length} passed, ${failed.length} failed, in ${seconds(performance.now() - started)}`,
);
if (failed.length > 0) {
  console.log(`\nfailed:\n${failed.map((r) => `  ✗ ${r.name}`).join('\n')}`);
  process.exitCode = 1;
}

async function main(): Promise<void> {
  if (build) {
    const ok = await step('build every package (turbo, cached)', async () => {
      const ran = await exec('pnpm', ['turbo', 'run', 'build', '--filter=./packages/*'], {
        cwd: root,
      });
      if (!ranOk(ran)) throw new Error(`${whyFailed(ran)}\n${tail(ran.stdout + ran.stderr)}`);
      return undefined;
    });
    if (!ok) return;
  }

  const packed = await step('pack every package (pnpm pack)', async () => {
    await Promise.all(
      packages.map(async (pkg) => {
        const ran = await exec('pnpm', ['pack', '--pack-destination', tarballs], {
          cwd: pkg.dir,
        });
        if (!ranOk(ran)) throw new Error(`${pkg.name}: ${whyFailed(ran)}\n${tail(ran.stderr)}`);
      }),
    );
    return readdirSync(tarballs).join(', ');
  });
  if (!packed) return;

  const installed = await step('npm install the tarballs into a scratch project', async () => {
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'aio-consumer', private: true, type: 'module' }, null, 2),
    );
    cpSync(join(root, 'tooling', 'consumer'), project, { recursive: true });
    const deps = [
      ...readdirSync(tarballs).map((file) => join(tarballs, file)),
      pinned('typescript'),
      pinned('@types/node'),
      pinned('tsx'),
    ];
    const ran = await exec(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...deps],
      { cwd: project, env: cleanEnv(), timeoutMs: 300_000 },
    );
    if (!ranOk(ran))
      throw new Error(`${whyFailed(ran, 300_000)}\n${tail(ran.stdout + ran.stderr)}`);
    return deps.slice(-3).join(', ');
  });
  if (!installed) return;

  for (const pkg of packages) await step(`tarball of ${pkg.name}`, () => checkTarball(pkg));
  writeSubpathImports();
  const blocks = await readmeBlocks();

  // The compilations are independent, and the slowest part: run them side by side. The README's
  // TypeScript blocks are compiled with the fixture (one program), so that a compiler error
  // points at its README line.
  const typescript = blocks.filter((p) => p.plan !== 'skip' && /\.(mts|cts)$/.test(p.path));
  writeFileSync(
    join(project, 'tsconfig.readme.json'),
    JSON.stringify({ extends: './tsconfig.json', include: typescript.map((p) => p.path) }, null, 2),
  );
  await Promise.all([
    step(
      `consumer fixture and ${typescript.length} README blocks type-check (ESM + CJS, strict, nodenext, no skipLibCheck)`,
      () => tsc(['tsconfig.json', 'tsconfig.readme.json'], typescript),
    ),
    step('consumer fixture type-checks with "types": [] (no @types loaded by the config)', () =>
      tsc(['tsconfig.no-node-types.json'], []),
    ),
  ]);
  await step('reprs, messages and names of the built ESM and CJS code', async () => {
    const ran = await exec(process.execPath, ['--import', 'tsx', 'reprs.mts'], {
      cwd: project,
      env: cleanEnv(),
      timeoutMs: 60_000,
    });
    if (!ranOk(ran))
      throw new Error(`${whyFailed(ran, 60_000)}\n${tail(ran.stdout + ran.stderr, 40)}`);
    return ran.stdout.trim().split('\n').at(-1);
  });

  await step('the ESM and CJS builds in one process share the running loop and task', async () => {
    const ran = await exec(process.execPath, ['--import', 'tsx', 'dual.mts'], {
      cwd: project,
      env: cleanEnv(),
      timeoutMs: 60_000,
    });
    if (!ranOk(ran))
      throw new Error(`${whyFailed(ran, 60_000)}\n${tail(ran.stdout + ran.stderr, 40)}`);
    return ran.stdout.trim().split('\n').at(-1);
  });

  await step(
    'aio work with no loop running fails with a named error, never a silent exit 13',
    async () => {
      const expected = {
        sleep:
          /NoRunningLoopError: no running event loop: sleep\(\) needs one\. aio work runs only while its loop runs/,
        future:
          /NoRunningLoopError: the process is exiting, but an await still waits on a future of a loop that nothing runs/,
      };
      for (const [mode, message] of Object.entries(expected)) {
        const ran = await exec(process.execPath, ['--import', 'tsx', 'no-loop.mts', mode], {
          cwd: project,
          env: cleanEnv(),
          timeoutMs: 60_000,
        });
        if (ran.code !== 1 || !message.test(ran.stderr) || ran.stdout !== '')
          throw new Error(
            `no-loop.mts ${mode}: expected exit code 1 and ${message} on stderr, got exit ${String(ran.code)}:\n${tail(ran.stdout + ran.stderr, 20)}`,
          );
      }
      return 'sleep() at top level: NoRunningLoopError, exit 1; an unattended await: reported, exit 1';
    },
  );

  await runReadmeBlocks(blocks.filter((p) => p.plan === 'run'));
}

/**
 * `subpaths.mts` and `subpaths.cts` in the scratch project: an import of every entry point of
 * every package (each `exports` key), so a subpath added later is type-checked from ESM and CJS
 * without anyone remembering to add it to the fixture.
 */
function writeSubpathImports(): void {
  const specifiers = packages.flatMap((pkg) =>
    Object.keys(pkg.json.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`)),
  );
  const header = '// Written by pnpm test:packed: every entry point of every package.\n';
  writeFileSync(
    join(project, 'subpaths.mts'),
    header +
      specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n') +
      `\nexport { ${specifiers.map((_, i) => `m${i}`).join(', ')} };\n`,
  );
  writeFileSync(
    join(project, 'subpaths.cts'),
    header +
      specifiers.map((s, i) => `import m${i} = require('${s}');`).join('\n') +
      `\nexport { ${specifiers.map((_, i) => `m${i}`).join(', ')} };\n`,
  );
}

/** What a stranger gets in the tarball, read from the installed copy. */
function checkTarball(pkg: Pkg): string {
  const dir = join(project, 'node_modules', ...pkg.name.split('/'));
  const problems: string[] = [];
  const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  if (!existsSync(join(dir, 'LICENSE'))) problems.push('no LICENSE file');
  if (json['license'] !== 'MIT') problems.push(`license is ${String(json['license'])}, not MIT`);
  if (JSON.stringify(json).includes('workspace:'))
    problems.push('a workspace: range survived packing');
  const peers = (json['peerDependencies'] ?? {}) as Record<string, string>;
  if (peers['@types/node'] === undefined)
    problems.push('no @types/node peer dependency (its declarations use Node types)');
  const repo = json['repository'] as { url?: string; directory?: string } | undefined;
  if (repo?.directory !== relative(root, pkg.dir))
    problems.push('repository.directory is not its folder');

  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  for (const link of relativeLinks(readme))
    problems.push(`README: a relative link does not work on npm: ${link}`);

  let declarations = 0;
  for (const file of walk(join(dir, 'dist'))) {
    if (!/\.d\.c?ts$/.test(file)) continue;
    declarations++;
    if (!readFileSync(file, 'utf8').startsWith('/// <reference types="node" />'))
      problems.push(`${relative(dir, file)} does not reference Node's types`);
  }
  if (declarations === 0) problems.push('no declaration files in dist/');
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return `LICENSE, README links, package.json, ${declarations} declaration files`;
}

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/**
 * Runs the compiler on each config in turn (`tsc -p`), and fails with its errors; an error in an
 * extracted README block is reported at its line in the README.
 */
async function tsc(configs: readonly string[], blocks: readonly Planned[]): Promise<string> {
  for (const config of configs) {
    const ran = await exec(
      process.execPath,
      [
        join(project, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        config,
        '--pretty',
        'false',
      ],
      { cwd: project, env: cleanEnv(), timeoutMs: 180_000 },
    );
    if (ranOk(ran)) continue;
    let message = `${config}: ${whyFailed(ran, 180_000)}\n${tail(ran.stdout + ran.stderr, 60)}`;
    for (const p of blocks) {
      const escaped = p.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      message = message.replaceAll(
        new RegExp(`${escaped}\\((\\d+),(\\d+)\\)`, 'g'),
        (_m, line: string, col: string) => `${p.block.file}:${p.block.line + Number(line)}:${col}`,
      );
    }
    throw new Error(message);
  }
  return configs.join(', ');
}

// ─── README blocks ─────────────────────────────────────────────────────────────────────────────

interface Planned {
  readonly block: ReadmeBlock;
  readonly plan: 'run' | 'typecheck' | 'skip';
  /** The file the block was written to, relative to the scratch project. */
  readonly path: string;
}

/** Every block of every README, written to `readme/` in the scratch project. */
async function readmeBlocks(): Promise<Planned[]> {
  const readmeFiles = [
    'README.md',
    ...packages.map((p) => join(relative(root, p.dir), 'README.md')),
  ];
  const planned: Planned[] = [];
  await step('extract the README code blocks', () => {
    mkdirSync(join(project, 'readme'), { recursive: true });
    for (const file of readmeFiles) {
      const blocks = extractBlocks(readFileSync(join(root, file), 'utf8'), file);
      for (const block of blocks) {
        const plan = planFor(block);
        const name = `${file.replace(/^packages\//, '').replace(/\/?README\.md$/, '') || 'root'}-L${block.line}`;
        const path = join('readme', `${name}${extensionFor(block)}`);
        if (plan !== 'skip') writeFileSync(join(project, path), block.code);
        planned.push({ block, plan, path });
      }
    }
    const count = (plan: Planned['plan']): number => planned.filter((p) => p.plan === plan).length;
    const marked = planned.filter((p) => p.block.marker?.kind === 'not runnable').length;
    return `${count('run')} to run, ${count('typecheck')} to type-check only, ${marked} marked not runnable, ${count('skip') - marked} output`;
  });
  return planned;
}

/** Runs the blocks, two at a time (the machines have two cores), each with its timeout. */
async function runReadmeBlocks(blocks: readonly Planned[]): Promise<void> {
  site = await startSite();
  const port = String((site.address() as { port: number }).port);
  const queue = [...blocks];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const { block, path } = p;
      await step(`README ${block.file}:${block.line} (${block.lang})`, async () => {
        const [command, commandArgs] =
          block.kind === 'shell'
            ? ['bash', ['-euo', 'pipefail', path]]
            : [process.execPath, ['--import', 'tsx', path]];
        const ran = await exec(command, commandArgs, {
          cwd: project,
          // A shell block's `npm install -g` lands in the scratch project, not on this machine.
          env: cleanEnv({ PORT: port, npm_config_prefix: join(scratch, 'npm-global') }),
          timeoutMs: BLOCK_TIMEOUT_MS,
        });
        const output = ran.stdout + ran.stderr;
        if (!ranOk(ran)) throw new Error(`${whyFailed(ran, BLOCK_TIMEOUT_MS)}\n${tail(output)}`);
        if (LOST_ERROR.test(output))
          throw new Error(`an error nobody handled was reported\n${tail(output)}`);
        return undefined;
      });
    }
  };
  await Promise.all([worker(), worker()]);
}

/** The web server README blocks fetch from (`PORT`): every path is a small page. */
function startSite(): Promise<Server> {
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(`<html>page ${request.url ?? '/'}</html>\n`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
