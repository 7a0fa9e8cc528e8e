import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers } from './layers';

const dirs: string[] = [];

/** Writes a throwaway workspace: `files` maps paths to contents; package.json values may be objects. */
function workspace(files: Record<string, string | object>): string {
  const root = mkdtempSync(join(tmpdir(), 'aio-layers-'));
  dirs.push(root);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const selector = { 'packages/selector/package.json': { name: '@aio/selector' } };
const loop = {
  'packages/loop/package.json': {
    name: '@aio/loop',
    dependencies: { '@aio/selector': 'workspace:*' },
  },
  'packages/loop/src/index.ts': "import { DefaultSelector } from '@aio/selector';\n",
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('checkLayers', () => {
  it('accepts imports from lower layers', () => {
    expect(checkLayers(workspace({ ...selector, ...loop }))).toEqual([]);
  });

  it('rejects an upward import in source, naming the file and line', () => {
    const root = workspace({
      ...selector,
      ...loop,
      'packages/selector/src/index.ts':
        "export const x = 1;\nimport { EventLoop } from '@aio/loop/events';\n",
    });
    const violations = checkLayers(root);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({
      from: '@aio/selector',
      to: '@aio/loop',
      where: 'packages/selector/src/index.ts:2',
    });
    expect(violations[0]?.message).toMatch(/may not depend on @aio\/loop/);
  });

  it('rejects dynamic import() and require() upward too', () => {
    const root = workspace({
      ...selector,
      ...loop,
      'packages/selector/src/a.ts': "export const load = () => import('@aio/loop');\n",
      'packages/selector/src/b.cjs': "const l = require('@aio/loop');\n",
    });
    expect(
      checkLayers(root)
        .map((v) => v.where)
        .sort(),
    ).toEqual(['packages/selector/src/a.ts:1', 'packages/selector/src/b.cjs:1']);
  });

  it('rejects an upward dependency declared in package.json', () => {
    const root = workspace({
      ...loop,
      'packages/selector/package.json': {
        name: '@aio/selector',
        devDependencies: { '@aio/loop': 'workspace:*' },
      },
    });
    expect(checkLayers(root)).toMatchObject([
      { from: '@aio/selector', to: '@aio/loop', where: 'packages/selector/package.json' },
    ]);
  });

  it('rejects imports within the same layer and from apps', () => {
    const root = workspace({
      ...selector,
      ...loop,
      'apps/crawler/package.json': {
        name: '@aio/crawler',
        dependencies: { '@aio/loop': 'workspace:*' },
      },
      'packages/loop/src/x.ts': "import '@aio/crawler';\n",
    });
    expect(checkLayers(root).map((v) => v.to)).toContain('@aio/crawler');
  });

  it('rejects an import of a package that is not declared', () => {
    const root = workspace({
      ...selector,
      'packages/loop/package.json': { name: '@aio/loop' },
      'packages/loop/src/index.ts': "import '@aio/selector';\n",
    });
    expect(checkLayers(root)[0]?.message).toMatch(/without declaring it/);
  });

  it('passes on this repository', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    expect(checkLayers(root)).toEqual([]);
  });

  it('rejects a runtime import cycle inside a library package, naming the files round it', () => {
    const root = workspace({
      ...selector,
      'packages/selector/src/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'packages/selector/src/b.ts': "import { c } from './c';\nexport const b = 1;\n",
      'packages/selector/src/c.ts': "export { a } from './a';\nexport const c = 2;\n",
    });
    const violations = checkLayers(root);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toBe(
      '@aio/selector has a runtime import cycle: src/a.ts → src/b.ts → src/c.ts → src/a.ts (break it, or make the imports that close it `import type`)',
    );
  });

  it('lets `import type` close a circle (erased at run time), but not `import { type X }`', () => {
    const typeOnly = workspace({
      ...selector,
      'packages/selector/src/a.ts': "import { b } from './b';\nexport class A {}\n",
      'packages/selector/src/b.ts':
        "import type { A } from './a';\nexport const b = (x: A) => x;\n",
    });
    expect(checkLayers(typeOnly)).toEqual([]);
    const inlineType = workspace({
      ...selector,
      'packages/selector/src/a.ts': "import { b } from './b';\nexport class A {}\n",
      'packages/selector/src/b.ts':
        "import { type A } from './a';\nexport const b = (x: A) => x;\n",
    });
    expect(checkLayers(inlineType)).toHaveLength(1);
  });

  it('does not count tests and test support, which are not shipped', () => {
    const root = workspace({
      ...selector,
      'packages/selector/src/a.ts':
        "import { helper } from './test-support';\nexport const a = 1;\n",
      'packages/selector/src/test-support.ts':
        "import { a } from './a';\nexport const helper = a;\n",
      'packages/selector/src/a.test.ts': "import { a } from './a';\n",
    });
    expect(checkLayers(root)).toEqual([]);
  });
});
