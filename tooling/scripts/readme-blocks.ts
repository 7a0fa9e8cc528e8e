/**
 * The fenced code blocks of a README, and what `pnpm test:packed` does with each.
 *
 * Every fenced block is one of:
 * - **code** (`ts`, `typescript`, `mts`, `cts`, `js`, `javascript`, `mjs`, `cjs`): type-checked
 *   (TypeScript blocks, strict) and run as a whole program against the installed packages;
 * - **shell** (`sh`, `bash`, `shell`): run with bash in the scratch project;
 * - **output** (no language, or `text`): what a program prints; never run.
 *
 * A block that must not run carries a marker, an HTML comment on the line right before its
 * fence (invisible on npm and GitHub), with the reason:
 *
 *     <!-- not runnable: a signature, not a program -->
 *     <!-- typecheck only: serves forever -->
 *
 * `not runnable` skips the block; `typecheck only` type-checks a TypeScript block but does not
 * run it. Any other language, or a marker without a reason, is an error: a new kind of block is a
 * decision, not a silent skip.
 */

/** A marker before a fence, and why. */
export interface Marker {
  readonly kind: 'not runnable' | 'typecheck only';
  readonly reason: string;
}

/** What the check does with a block. */
export type BlockKind = 'code' | 'shell' | 'output';

/** One fenced block of a markdown file. */
export interface ReadmeBlock {
  /** The markdown file, as given. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word, lower-cased (`ts`, `sh`, '' …). */
  readonly lang: string;
  readonly kind: BlockKind;
  /** The block's text, without the fences. */
  readonly code: string;
  readonly marker: Marker | null;
}

const CODE_LANGS = new Set(['ts', 'typescript', 'mts', 'cts', 'js', 'javascript', 'mjs', 'cjs']);
const SHELL_LANGS = new Set(['sh', 'bash', 'shell']);
const OUTPUT_LANGS = new Set(['', 'text']);
const MARKER = /^<!--\s*(not runnable|typecheck only)\s*:\s*(.*?)\s*-->$/;
const ANY_MARKER = /^<!--\s*(not runnable|typecheck only)\b/;

/**
 * The fenced blocks of `markdown` (CommonMark fences of three or more backticks or tildes; a
 * fence indented inside a list item counts too).
 * @throws Error for an unknown language, a marker without a reason, or an unclosed fence
 */
export function extractBlocks(markdown: string, file: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (open === null) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: unclosed code fence`);
    const lang = info.toLowerCase();
    const kind: BlockKind | null = CODE_LANGS.has(lang)
      ? 'code'
      : SHELL_LANGS.has(lang)
        ? 'shell'
        : OUTPUT_LANGS.has(lang)
          ? 'output'
          : null;
    if (kind === null)
      throw new Error(
        `${file}:${start + 1}: a \`${lang}\` block: use a code language (ts, js …), sh, or none for output`,
      );
    blocks.push({
      file,
      line: start + 1,
      lang,
      kind,
      code: body.join('\n') + '\n',
      marker: markerBefore(lines, start, file),
    });
  }
  return blocks;
}

/** The marker on the last non-blank line before line `index`, if there is one. */
function markerBefore(lines: readonly string[], index: number, file: string): Marker | null {
  let j = index - 1;
  while (j >= 0 && lines[j]!.trim() === '') j--;
  const text = j >= 0 ? lines[j]!.trim() : '';
  if (!ANY_MARKER.test(text)) return null;
  const match = MARKER.exec(text);
  if (match === null || match[2] === '')
    throw new Error(
      `${file}:${j + 1}: a marker needs a reason: <!-- ${text.includes('typecheck') ? 'typecheck only' : 'not runnable'}: why -->`,
    );
  return { kind: match[1] as Marker['kind'], reason: match[2]! };
}

/** What the check does with `block`: run it, only type-check it, or leave it. */
export function planFor(block: ReadmeBlock): 'run' | 'typecheck' | 'skip' {
  if (block.kind === 'output') return 'skip';
  if (block.marker?.kind === 'not runnable') return 'skip';
  if (block.marker?.kind === 'typecheck only') {
    if (block.kind !== 'code' || !/^(ts|typescript|mts|cts)$/.test(block.lang))
      throw new Error(
        `${block.file}:${block.line}: "typecheck only" is for TypeScript blocks; use "not runnable"`,
      );
    return 'typecheck';
  }
  return 'run';
}

/** The file extension a code block is written to: TypeScript or JavaScript, ESM or CommonJS. */
export function extensionFor(block: ReadmeBlock): string {
  switch (block.lang) {
    case 'cts':
      return '.cts';
    case 'cjs':
      return '.cjs';
    case 'js':
    case 'javascript':
    case 'mjs':
      return '.mjs';
    case 'sh':
    case 'bash':
    case 'shell':
      return '.sh';
    default:
      return '.mts';
  }
}

/**
 * The link targets in `markdown` that a README on npm cannot follow: anything but an absolute
 * `http(s):` or `mailto:` URL and a `#anchor` of the page itself. Code is not searched.
 */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown
    .replace(/^(\s*)(`{3,}|~{3,})[\s\S]*?^\s*\2[`~]*\s*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!),
    ...[...prose.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]!),
  ];
  return targets.filter((target) => !/^(https?:|mailto:|#)/.test(target));
}
