/**
 * Finds every snippet import (`<<< @/path#region`) in the docs' markdown and checks that its file
 * and region exist. VitePress itself does not: a region it cannot find is silently replaced by the
 * whole file, so a renamed `// #region` would put a whole source file on a page.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface SnippetImport {
  /** The markdown file, relative to the docs root, and its line (1-based). */
  readonly where: string;
  /** The imported file, absolute. */
  readonly file: string;
  readonly region?: string;
}

const SKIP = new Set(['node_modules', 'api', 'dist', 'cache', '.temp', 'test-artifacts']);

function* markdownFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (SKIP.has(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* markdownFiles(path);
    else if (entry.endsWith('.md')) yield path;
  }
}

/** Every `<<<` line of every page under `root`, resolved as VitePress resolves it. */
export function snippetImports(root: string): SnippetImport[] {
  const found: SnippetImport[] = [];
  for (const page of markdownFiles(root)) {
    readFileSync(page, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const match = /^\s{0,3}<<<\s*(\S[^#{[\s]*)(?:#([\w*-]+))?/.exec(line);
        if (!match) return;
        const raw = match[1]!;
        const file = raw.startsWith('@') ? join(root, raw.slice(1)) : resolve(dirname(page), raw);
        found.push({
          where: `${relative(root, page)}:${index + 1}`,
          file,
          ...(match[2] === undefined ? {} : { region: match[2] }),
        });
      });
  }
  return found;
}

/**
 * The lines between `// #region NAME` and `// #endregion NAME` (VitePress's own markers for
 * TypeScript; `# region NAME` and `# endregion NAME` in Python), or undefined if the file has no
 * such region.
 */
export function regionLines(source: string, name: string): string[] | undefined {
  const lines = source.split('\n').map((line) => line.trim());
  const start = lines.findIndex((line) => new RegExp(`^${MARK}region ${escape(name)}$`).test(line));
  if (start < 0) return undefined;
  const end = lines.findIndex(
    (line, i) => i > start && new RegExp(`^${MARK}endregion ${escape(name)}$`).test(line),
  );
  return end < 0 ? undefined : source.split('\n').slice(start + 1, end);
}

/** A region marker's start, as VitePress reads it: `// #region` (TypeScript), `# region` (Python). */
const MARK = '(?:// ?#?|# ?)';

function escape(name: string): string {
  return name.replace(/[*]/g, '\\*');
}

/** What is wrong with the snippet imports under `root`, one message each: empty when all good. */
export function checkSnippets(root: string): string[] {
  const problems: string[] = [];
  for (const snippet of snippetImports(root)) {
    const shown = relative(root, snippet.file);
    if (!existsSync(snippet.file) || !statSync(snippet.file).isFile()) {
      problems.push(`${snippet.where}: imports ${shown}, which does not exist`);
      continue;
    }
    if (snippet.region === undefined) continue;
    const source = readFileSync(snippet.file, 'utf8');
    const starts = source.split('\n').filter((line) => {
      return new RegExp(`^\\s*${MARK}region ${escape(snippet.region!)}\\s*$`).test(line);
    }).length;
    const lines = regionLines(source, snippet.region);
    if (lines === undefined) {
      problems.push(
        `${snippet.where}: ${shown} has no region "${snippet.region}" ` +
          `(a "// #region ${snippet.region}" line and a later "// #endregion ${snippet.region}")`,
      );
    } else if (starts > 1) {
      problems.push(`${snippet.where}: ${shown} has ${starts} regions "${snippet.region}"`);
    } else if (lines.every((line) => line.trim() === '')) {
      problems.push(`${snippet.where}: region "${snippet.region}" of ${shown} is empty`);
    }
  }
  return problems;
}
