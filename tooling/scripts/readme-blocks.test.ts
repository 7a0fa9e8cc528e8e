import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extensionFor, extractBlocks, planFor, relativeLinks } from './readme-blocks';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('extractBlocks', () => {
  it('finds each fenced block with its line, language and code', () => {
    const blocks = extractBlocks(
      ['# title', '', '```ts', 'const a = 1;', '```', '', '```', 'output', '```'].join('\n'),
      'README.md',
    );
    expect(blocks).toMatchObject([
      { line: 3, lang: 'ts', kind: 'code', code: 'const a = 1;\n', marker: null },
      { line: 7, lang: '', kind: 'output', code: 'output\n' },
    ]);
  });

  it('reads the marker on the line before a fence, blank lines between allowed', () => {
    const [block] = extractBlocks(
      '<!-- not runnable: a signature -->\n\n```ts\nf(x?)\n```\n',
      'README.md',
    );
    expect(block?.marker).toEqual({ kind: 'not runnable', reason: 'a signature' });
    expect(planFor(block!)).toBe('skip');
  });

  it('type-checks but does not run a "typecheck only" TypeScript block', () => {
    const [block] = extractBlocks(
      '<!-- typecheck only: serves forever -->\n```ts\nlet x = 1;\n```\n',
      'R.md',
    );
    expect(planFor(block!)).toBe('typecheck');
  });

  it('refuses a marker without a reason, naming the line', () => {
    expect(() => extractBlocks('<!-- not runnable: -->\n```ts\nx\n```\n', 'R.md')).toThrow(
      /R\.md:1: a marker needs a reason/,
    );
  });

  it('refuses "typecheck only" on a shell block', () => {
    const [block] = extractBlocks('<!-- typecheck only: no -->\n```sh\nls\n```\n', 'R.md');
    expect(() => planFor(block!)).toThrow(/for TypeScript blocks/);
  });

  it('refuses a block in a language it does not know what to do with', () => {
    expect(() => extractBlocks('```python\nprint(1)\n```\n', 'R.md')).toThrow(
      /R\.md:1: a `python` block/,
    );
  });

  it('refuses an unclosed fence', () => {
    expect(() => extractBlocks('```ts\nx\n', 'R.md')).toThrow(/R\.md:1: unclosed code fence/);
  });

  it('takes a fence indented in a list item, without its indent', () => {
    const [block] = extractBlocks('- item\n\n  ```js\n  f();\n  ```\n', 'R.md');
    expect(block).toMatchObject({ lang: 'js', code: 'f();\n' });
    expect(extensionFor(block!)).toBe('.mjs');
  });

  it('runs shell blocks and plain code, leaves output alone', () => {
    const blocks = extractBlocks('```sh\nls\n```\n```ts\nx\n```\n```text\nout\n```\n', 'R.md');
    expect(blocks.map(planFor)).toEqual(['run', 'run', 'skip']);
    expect(blocks.map(extensionFor)).toEqual(['.sh', '.mts', '.mts']);
  });

  it('parses every README of this repository (every block is classified, every marker has its reason)', () => {
    const readmes = [
      'README.md',
      ...readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'README.md')),
    ];
    for (const file of readmes) {
      const blocks = extractBlocks(readFileSync(join(root, file), 'utf8'), file);
      for (const block of blocks) planFor(block);
    }
  });
});

describe('relativeLinks', () => {
  it('keeps the links npm cannot follow, not absolute ones or anchors', () => {
    const markdown = [
      '[a](../loop) [b](https://github.com/aio-ts/aio) [c](#timeouts) [d](examples/x.ts "title")',
      '[e][ref] <a href="docs/x.md">f</a>',
      '',
      '[ref]: ./relative.md',
    ].join('\n');
    expect(relativeLinks(markdown)).toEqual([
      '../loop',
      'examples/x.ts',
      './relative.md',
      'docs/x.md',
    ]);
  });

  it('does not look inside code', () => {
    expect(relativeLinks('`[a](../x)`\n\n```ts\nconst s = "[b](../y)";\n```\n')).toEqual([]);
  });

  it('finds none in the package READMEs', () => {
    for (const pkg of readdirSync(join(root, 'packages'))) {
      const file = join(root, 'packages', pkg, 'README.md');
      expect(relativeLinks(readFileSync(file, 'utf8')), file).toEqual([]);
    }
  });
});
