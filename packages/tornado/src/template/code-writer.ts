/**
 * Where the generated function is written (tornado/template.py `_CodeWriter`). Each line ends
 * with the template file and line it came from, `// sub.html:1 (via base.html:1)`, as tornado
 * ends each line of its Python; the same text is kept per line in `locations`, so that an error
 * thrown at line N of the function can be reported at its template line (see `./program`).
 *
 * The writer also remembers what the program needs later: the identifiers the template's own
 * code mentions (the names to take from the namespace), and each piece of that code with its tag
 * and place (to say which tag a SyntaxError came from).
 */
import type { BaseLoader } from './loader';
import { collectIdentifiers } from './javascript';
import type { NamedBlock } from './nodes';

/** What the writer needs of a template: its name, and its autoescape function once parsed. */
export interface TemplateRef {
  readonly name: string;
  readonly autoescape: string | null;
}

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
  /** Index in `lines` of the line left for the names taken from the namespace. */
  namespaceLine = -1;
  private indentLevel = 0;
  private counter = 0;
  private readonly includeStack: { template: TemplateRef; line: number }[] = [];
  /** Labels of the loops being written, innermost last: null for a loop without `else`. */
  private loops: (string | null)[] = [];

  constructor(
    readonly namedBlocks: ReadonlyMap<string, NamedBlock>,
    readonly loader: BaseLoader | null,
    public currentTemplate: TemplateRef,
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
    try {
      this.indent(body);
    } finally {
      this.loops = outer;
    }
  }

  /** The label `{% break %}` has to name here, or null for a plain `break`. */
  breakLabel(): string | null {
    return this.loops[this.loops.length - 1] ?? null;
  }

  /** A name no other part of this function uses: `_tt_apply0`, `_tt_error1`, … */
  unique(prefix: string): string {
    return `${prefix}${this.counter++}`;
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
