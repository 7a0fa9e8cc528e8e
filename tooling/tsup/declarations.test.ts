import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emitDeclarations } from './declarations.js';

// Each compile is the TypeScript compiler at work: a second or two alone, 30 s on a loaded 2-core
// machine (the suite beside two CPU hogs), so the limits are 180 s, not 20.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/**
 * A package shaped like @aio/tornado: namespaces of the root (`export * as ioloop from
 * './ioloop'`) re-exporting a type from a module two entries share. A declaration bundler once
 * turned that type into a `declare const`.
 */
const typeRoots = [fileURLToPath(new URL('../../node_modules/@types', import.meta.url))];
const FILES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      strict: true,
      module: 'ESNext',
      moduleResolution: 'Bundler',
      target: 'ES2022',
      types: ['node'],
      typeRoots, // the fixture lives in a temp dir, outside the workspace
      skipLibCheck: true,
      noEmit: true,
    },
    include: ['src'],
  }),
  'src/index.ts': "export * as ioloop from './ioloop';\nexport * as gen from './gen';\n",
  'src/internal/timeout.ts':
    'export type Timeout = number | { ms: number };\nexport class Timedelta { constructor(readonly ms: number) {} }\n',
  'src/ioloop.ts':
    "export { Timedelta, type Timeout } from './internal/timeout';\nexport function time(): Buffer { return Buffer.alloc(0); }\n",
  'src/gen.ts':
    "import type { Timeout } from './internal/timeout';\nexport { type Timeout } from './internal/timeout';\nexport * as convert from './gen/index';\nexport const sleep = (t: Timeout): Promise<void> => Promise.resolve(void t);\n",
  'src/gen/index.ts': 'export const moment = Symbol("moment");\n',
};

/**
 * Lets this worker's event loop turn before a compile. Each compile holds the thread for 30 s on
 * a loaded machine; two back to back held vitest's own messages to the worker (a reply to its
 * onTaskUpdate) past vitest's 60 s limit, an unhandled error that failed the run.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let dir: string;
beforeAll(async () => {
  await nextTurn();
  dir = mkdtempSync(join(tmpdir(), 'aio-dts-'));
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  emitDeclarations(
    { index: 'src/index.ts', ioloop: 'src/ioloop.ts', gen: 'src/gen.ts' },
    { cwd: dir },
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (file: string): string => readFileSync(join(dir, 'dist', file), 'utf8');

describe('emitDeclarations', () => {
  it('writes one .d.ts and one .d.cts per source file, with their maps', () => {
    for (const file of ['index', 'ioloop', 'gen', 'gen/index', 'internal/timeout']) {
      for (const ext of ['.d.ts', '.d.cts', '.d.ts.map', '.d.cts.map'])
        expect(existsSync(join(dir, 'dist', file + ext)), file + ext).toBe(true);
    }
  });

  it('keeps a namespace of the root as the compiler wrote it: a type stays a type', () => {
    expect(read('index.d.ts')).toContain("export * as ioloop from './ioloop.js';");
    expect(read('ioloop.d.ts')).toContain(
      "export { Timedelta, type Timeout } from './internal/timeout.js';",
    );
    expect(read('gen.d.ts')).not.toMatch(/declare const \w*Timeout/);
  });

  it('gives relative specifiers the extension Node resolves, .js for ESM and .cjs for CJS', () => {
    expect(read('gen.d.ts')).toContain("export * as convert from './gen/index.js';");
    expect(read('gen.d.cts')).toContain("export * as convert from './gen/index.cjs';");
    expect(read('index.d.cts')).toContain("export * as gen from './gen.cjs';");
  });

  it("references Node's types on top of every file", () => {
    for (const file of ['index.d.ts', 'ioloop.d.cts', 'gen/index.d.ts'])
      expect(read(file).startsWith('/// <reference types="node" />\n'), file).toBe(true);
  });

  it('points each file at its own map, one line down for the reference', () => {
    expect(read('ioloop.d.cts')).toMatch(/\/\/# sourceMappingURL=ioloop\.d\.cts\.map\s*$/);
    const map = JSON.parse(read('ioloop.d.cts.map')) as { file: string; mappings: string };
    expect(map.file).toBe('ioloop.d.cts');
    expect(map.mappings.startsWith(';')).toBe(true);
  });

  it('fails on a type error, with the compiler message', async () => {
    await nextTurn();
    writeFileSync(join(dir, 'src/broken.ts'), 'export const x: number = "no";\n');
    expect(() => emitDeclarations({ broken: 'src/broken.ts' }, { cwd: dir })).toThrow(
      /TS2322: Type 'string' is not assignable to type 'number'/,
    );
  });
});
