import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSnippets, regionLines, snippetImports } from './snippets';

const docs = fileURLToPath(new URL('..', import.meta.url));

describe('snippet imports', () => {
  it('every region the docs import exists in its source file', () => {
    expect(snippetImports(docs).length).toBeGreaterThan(20);
    expect(checkSnippets(docs)).toEqual([]);
  });

  describe('the check itself', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });

    function site(page: string, source: string): string {
      dir = mkdtempSync(join(tmpdir(), 'aio-docs-snippets-'));
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'code.ts'), source);
      writeFileSync(join(dir, 'page.md'), page);
      return dir;
    }

    it('fails when a region was renamed in the source', () => {
      const root = site(
        '# Page\n\n<<< @/src/code.ts#fetch{ts}\n',
        '// #region fetchPage\nconst a = 1;\n// #endregion fetchPage\n',
      );
      expect(checkSnippets(root)).toEqual([
        'page.md:3: src/code.ts has no region "fetch" (a "// #region fetch" line and a later "// #endregion fetch")',
      ]);
    });

    it('fails when a region has no end, or the file is gone', () => {
      const root = site(
        '<<< @/src/code.ts#open\n\n<<< @/src/gone.ts#x\n',
        '  // #region open\n  const a = 1;\n',
      );
      expect(checkSnippets(root)).toEqual([
        'page.md:1: src/code.ts has no region "open" (a "// #region open" line and a later "// #endregion open")',
        'page.md:3: imports src/gone.ts, which does not exist',
      ]);
    });

    it('passes an indented region and a whole-file import, and reads the lines between', () => {
      const root = site(
        '<<< @/src/code.ts#loop{ts}\n<<< @/src/code.ts\n',
        'class A {\n  // #region loop\n  run() {}\n  // #endregion loop\n}\n',
      );
      expect(checkSnippets(root)).toEqual([]);
      expect(regionLines('x\n// #region r\ny\n// #endregion r\n', 'r')).toEqual(['y']);
    });
  });
});
