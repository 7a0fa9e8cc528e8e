/**
 * Where the generated function is written (tornado/template.py `_CodeWriter`). Each line ends
 * with the template file and line it came from, `// sub.html:1 (via base.html:1)`, as tornado
 * ends each line of its Python; the same text is kept per line in `locations`, so that an error
 * thrown at line N of the function can be reported at its template line (see `./program`).
 *
 * The writer also remembers what the program needs later: the identifiers the template's own
 * code mentions (the names to take from the namespace), and each piece of that code with its tag
 * and place (to say which tag a SyntaxError came from).
 *
 * A template is written twice, once for each way to render it (`OutputMode`); the nodes say what
 * to output (`writeText`, `writeValue`) and the writer writes the code for its mode.
 */
import type { BaseLoader } from './loader';
import { collectIdentifiers } from './javascript';
import type { NamedBlock } from './nodes';

/** What the writer needs of a template: its name, and its autoescape function once parsed. */
export interface TemplateRef {
  readonly name: string;
  readonly autoescape: string | null;
}

/**
 * What the function being written makes of the template's text: a string in `_tt_buffer`, which
 * it returns (for `generateString()`), or UTF-8 bytes written into `_tt_bytes` from `_tt_at`, of
 * the `ByteOutput` it is given as `_tt_out` (for `generate()`: see `./output`). A nested
 * function (`{% apply %}`) always makes a string, the argument of its function.
 */
export type OutputMode = 'text' | 'bytes';

/**
 * Text between tags up to this many bytes is written to `_tt_bytes` one byte a statement, which
 * V8 runs faster than any call that copies: with `set` for every piece, tornado's template
 * benchmark rendered in twice the time (0.94 ms of CPU against 0.44 ms, Node 20).
 */
const UNROLLED_TEXT = 32;

/** A piece of the template's own code, and a standalone program that parses only if it does. */
export interface Fragment {
  readonly check: string;
  readonly tag: string;
  readonly name: string;
  readonly line: number;
}

export class CodeWriter {
  readonly lines: string[] = [];
  readonly locations: string[] = [];
  readonly identifiers = new Set<string>();
  readonly fragments: Fragment[] = [];
  /** The text too long to write byte by byte, as the function reads it: `_tt_texts[i]`. */
  readonly texts: Uint8Array[] = [];
  /** Index in `lines` of the line left for the names taken from the namespace. */
  namespaceLine = -1;
  private indentLevel = 0;
  private counter = 0;
  private readonly includeStack: { template: TemplateRef; line: number }[] = [];
  /** Labels of the loops being written, innermost last: null for a loop without `else`. */
  private loops: (string | null)[] = [];
  /** How many nested functions are being written, whose text is their return value. */
  private nestedFunctions = 0;

  constructor(
    readonly namedBlocks: ReadonlyMap<string, NamedBlock>,
    readonly loader: BaseLoader | null,
    public currentTemplate: TemplateRef,
    readonly mode: OutputMode,
  ) {}

  /** Writes `code` as one line (more if it holds newlines), at the template's `line`. */
  write(code: string, line: number): void {
    const location = this.location(line);
    // Split where V8 counts a new line, so that its line numbers index `locations`.
    const physical = `${'  '.repeat(this.indentLevel)}${code}  // ${oneLine(location)}`.split(
      /\r\n?|\n/,
    );
    for (const text of physical) {
      this.lines.push(text);
      this.locations.push(location);
    }
  }

  /** Leaves a line for the `var` that takes names from the namespace; the program writes it. */
  writeNamespace(): void {
    this.namespaceLine = this.lines.length;
    this.lines.push('  '.repeat(this.indentLevel));
    this.locations.push(this.location(0));
  }

  /**
   * `code`, the template's own, to be placed in a line: its identifiers are noted, and so is the
   * standalone `check` that parses exactly when `code` does.
   */
  userCode(code: string, check: string, tag: string, line: number): string {
    collectIdentifiers(code, this.identifiers);
    this.fragments.push({ check, tag, name: this.currentTemplate.name, line });
    return code;
  }

  /** `expression` as user code checked as an expression. */
  expression(expression: string, tag: string, line: number): string {
    return this.userCode(expression, `"use strict"; return (${expression}\n);`, tag, line);
  }

  indent(body: () => void): void {
    this.indentLevel++;
    try {
      body();
    } finally {
      this.indentLevel--;
    }
  }

  /** Writes `body` as the code of `template`, included at `line` of the current one. */
  include(template: TemplateRef, line: number, body: () => void): void {
    this.includeStack.push({ template: this.currentTemplate, line });
    this.currentTemplate = template;
    try {
      body();
    } finally {
      this.currentTemplate = this.includeStack.pop()!.template;
    }
  }

  /** Writes a loop's body; `label` is the loop's label when `{% break %}` has to skip an `else`. */
  loop(label: string | null, body: () => void): void {
    this.loops.push(label);
    try {
      this.indent(body);
    } finally {
      this.loops.pop();
    }
  }

  /** Writes the body of a nested function, which no `break` can leave. */
  nestedFunction(body: () => void): void {
    const outer = this.loops;
    this.loops = [];
    this.nestedFunctions++;
    try {
      this.indent(body);
    } finally {
      this.loops = outer;
      this.nestedFunctions--;
    }
  }

  /** Declares the output, at the top of a function. */
  writeOutputStart(line: number): void {
    const start = this.writesBytes
      ? 'var _tt_bytes = _tt_out.bytes, _tt_at = 0;'
      : 'var _tt_buffer = "";';
    this.write(start, line);
  }

  /** Returns what the function made: its text, or where its bytes end. */
  writeOutputEnd(line: number): void {
    this.write(this.writesBytes ? 'return _tt_at;' : 'return _tt_buffer;', line);
  }

  /** Outputs `code`, an expression that gives a string. */
  writeValue(code: string, line: number): void {
    if (this.writesBytes) {
      this.write(`_tt_at = _tt_out.utf8(_tt_at, ${code}); _tt_bytes = _tt_out.bytes;`, line);
    } else {
      this.write(`_tt_buffer += ${code};`, line);
    }
  }

  /** Outputs `text`, the text between two tags. */
  writeText(text: string, line: number): void {
    const literal = stringLiteral(text);
    // A surrogate at either end can pair with one in the value beside it: `utf8()` sees that.
    if (!this.writesBytes || /^[\udc00-\udfff]|[\ud800-\udbff]$/.test(text)) {
      this.writeValue(literal, line);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    const length = bytes.length;
    this.write(`// ${literal.length > 72 ? `${literal.slice(0, 71)}…` : literal}`, line);
    let code = `if (_tt_at + ${length} > _tt_bytes.length) _tt_bytes = _tt_out.grow(_tt_at, ${length});`;
    if (length <= UNROLLED_TEXT) {
      bytes.forEach((byte, i) => {
        code += ` _tt_bytes[_tt_at${i === 0 ? '' : ` + ${i}`}] = ${byte};`;
      });
    } else {
      code += ` _tt_bytes.set(_tt_texts[${this.texts.push(bytes) - 1}], _tt_at);`;
    }
    this.write(`${code} _tt_at += ${length};`, line);
  }

  /** The label `{% break %}` has to name here, or null for a plain `break`. */
  breakLabel(): string | null {
    return this.loops[this.loops.length - 1] ?? null;
  }

  /** A name no other part of this function uses: `_tt_apply0`, `_tt_error1`, … */
  unique(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  /** Whether the code being written outputs bytes: in a bytes function, but not a nested one. */
  private get writesBytes(): boolean {
    return this.mode === 'bytes' && this.nestedFunctions === 0;
  }

  /** `name:line`, then `(via parent:line, …)` when inside an included template or block. */
  private location(line: number): string {
    const here = `${this.currentTemplate.name}:${line}`;
    if (this.includeStack.length === 0) return here;
    const via = this.includeStack.map(({ template, line: at }) => `${template.name}:${at}`);
    return `${here} (via ${via.reverse().join(', ')})`;
  }
}

/** A template name as it can stand in a line comment. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, ' ');
}

/**
 * `text` as a one-line string literal: JSON's escapes, and U+2028 and U+2029 escaped too, which
 * JSON leaves as they are and V8 counts as line breaks in a stack trace's line numbers.
 */
function stringLiteral(text: string): string {
  return JSON.stringify(text)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
