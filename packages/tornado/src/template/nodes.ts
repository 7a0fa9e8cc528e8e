/**
 * A parsed template (tornado/template.py `_Node` and its subclasses), and the JavaScript each
 * node writes into the generated function.
 *
 * The function reads as tornado's Python reads, statement for statement, with JavaScript's
 * syntax and a string for the output buffer (tornado appends bytes to a list and joins it):
 *
 * ```js
 * function _tt_execute(_tt_defaults, _tt_namespace, _tt_kwargs) {  // page.html:0
 *   var items = _tt_kwargs.items, xhtmlEscape = _tt_defaults.xhtmlEscape;
 *   var _tt_buffer = "";  // page.html:0
 *   for (var item of items) {  // page.html:1
 *     _tt_buffer += "<li>";  // page.html:2
 *     _tt_buffer += _tt_str(xhtmlEscape(_tt_str(item.name)));  // page.html:2
 *     _tt_buffer += "</li>\n";  // page.html:2
 *   }  // page.html:1
 *   return _tt_buffer;  // page.html:0
 * }
 * ```
 *
 * That is the function `generateString()` runs. `generate()` runs its twin, which writes the
 * UTF-8 bytes itself (see `./output` for why), the same statements with other outputs:
 *
 * ```js
 * function _tt_execute(_tt_defaults, _tt_namespace, _tt_kwargs, _tt_out) {  // page.html:0
 *   var items = _tt_kwargs.items, xhtmlEscape = _tt_defaults.xhtmlEscape;
 *   var _tt_bytes = _tt_out.bytes, _tt_at = 0;  // page.html:0
 *   for (var item of items) {  // page.html:1
 *     // "<li>"  // page.html:2
 *     if (_tt_at + 4 > _tt_bytes.length) _tt_bytes = _tt_out.grow(_tt_at, 4); _tt_bytes[_tt_at] = 60; … _tt_at += 4;  // page.html:2
 *     _tt_at = _tt_out.utf8(_tt_at, _tt_str(xhtmlEscape(_tt_str(item.name)))); _tt_bytes = _tt_out.bytes;  // page.html:2
 *     …
 *   }  // page.html:1
 *   return _tt_at;  // page.html:0
 * }
 * ```
 *
 * Names are declared with `var`, so that a `{% set %}` or a loop variable lives in the whole
 * function, as a Python local does. Python's block statements that JavaScript has no word for
 * are written with what it has: a `for … else` is a labelled block whose `{% break %}` leaves
 * it (so the `else` runs only when the loop was not broken), a `try … except … else` sets a flag
 * at the end of the `try` and runs the `else` after the `catch` when the flag is set, and each
 * `except Class` is an `instanceof` test in one `catch` that throws on what no clause takes.
 */
import type { BaseLoader } from './loader';
import type { CodeWriter, TemplateRef } from './code-writer';
import { loadChild } from './loading';
import type { Template } from './template';
import { filterWhitespace, type WhitespaceMode } from './whitespace';

/** Each template's parsed file, which `{% include %}` and `{% extends %}` generate from. */
const parsedFiles = new WeakMap<Template, FileNode>();

export function setParsedFile(template: Template, file: FileNode): void {
  parsedFiles.set(template, file);
}

export function parsedFile(template: Template): FileNode {
  return parsedFiles.get(template)!;
}

export type NamedBlocks = Map<string, NamedBlock>;

export abstract class Node {
  children(): readonly Node[] {
    return [];
  }

  abstract generate(writer: CodeWriter): void;

  findNamedBlocks(loader: BaseLoader | null, namedBlocks: NamedBlocks): void {
    for (const child of this.children()) child.findNamedBlocks(loader, namedBlocks);
  }
}

/** A whole template: the function that renders it. */
export class FileNode extends Node {
  constructor(
    readonly template: TemplateRef,
    readonly body: ChunkList,
  ) {
    super();
  }

  override children(): readonly Node[] {
    return [this.body];
  }

  generate(writer: CodeWriter): void {
    const output = writer.mode === 'bytes' ? ', _tt_out' : '';
    writer.write(`function _tt_execute(_tt_defaults, _tt_namespace, _tt_kwargs${output}) {`, 0);
    writer.indent(() => {
      writer.writeNamespace();
      writer.writeOutputStart(0);
      this.body.generate(writer);
      writer.writeOutputEnd(0);
    });
    writer.write('}', 0);
  }
}

export class ChunkList extends Node {
  readonly chunks: Node[] = [];

  override children(): readonly Node[] {
    return this.chunks;
  }

  generate(writer: CodeWriter): void {
    for (const chunk of this.chunks) chunk.generate(writer);
  }
}

/**
 * `{% block name %}`: where it stands in the base template, the body of the last template in
 * the `{% extends %}` chain that has a block of that name, in that template's autoescape.
 */
export class NamedBlock extends Node {
  constructor(
    readonly name: string,
    readonly body: ChunkList,
    readonly template: TemplateRef,
    readonly line: number,
  ) {
    super();
  }

  override children(): readonly Node[] {
    return [this.body];
  }

  generate(writer: CodeWriter): void {
    const block = writer.namedBlocks.get(this.name)!;
    writer.include(block.template, this.line, () => block.body.generate(writer));
  }

  override findNamedBlocks(loader: BaseLoader | null, namedBlocks: NamedBlocks): void {
    namedBlocks.set(this.name, this);
    super.findNamedBlocks(loader, namedBlocks);
  }
}

/** `{% extends name %}`: read by the template (which generates from its root), writes nothing. */
export class ExtendsBlock extends Node {
  constructor(
    readonly name: string,
    readonly line: number,
  ) {
    super();
  }

  generate(): void {}
}

/** `{% include name %}`: the other template's body, written here, in this function's scope. */
export class IncludeBlock extends Node {
  constructor(
    readonly name: string,
    readonly templateName: string,
    readonly line: number,
  ) {
    super();
  }

  override findNamedBlocks(loader: BaseLoader | null, namedBlocks: NamedBlocks): void {
    const included = loadChild(loader, this.name, this.templateName, this.line, 'include');
    parsedFile(included).findNamedBlocks(loader, namedBlocks);
  }

  generate(writer: CodeWriter): void {
    const included = loadChild(writer.loader, this.name, this.templateName, this.line, 'include');
    writer.include(included, this.line, () => parsedFile(included).body.generate(writer));
  }
}

/** `{% apply fn %}…{% end %}`: the body rendered by a nested function, its output through `fn`. */
export class ApplyBlock extends Node {
  constructor(
    readonly method: string,
    readonly line: number,
    readonly body: ChunkList,
  ) {
    super();
  }

  override children(): readonly Node[] {
    return [this.body];
  }

  generate(writer: CodeWriter): void {
    const name = writer.unique('_tt_apply');
    writer.write(`function ${name}() {`, this.line);
    writer.nestedFunction(() => {
      writer.writeOutputStart(this.line);
      this.body.generate(writer);
      writer.writeOutputEnd(this.line);
    });
    writer.write('}', this.line);
    const method = writer.expression(this.method, `{% apply ${this.method} %}`, this.line);
    writer.writeValue(`_tt_str(${method}(${name}()))`, this.line);
  }
}

/** An intermediate tag (`elif`, `else`, `except`, `finally`) and the body after it. */
export interface Clause {
  readonly keyword: 'elif' | 'else' | 'except' | 'finally';
  readonly suffix: string;
  readonly line: number;
  readonly body: ChunkList;
}

abstract class ControlBlock extends Node {
  constructor(
    readonly line: number,
    readonly body: ChunkList,
    readonly clauses: readonly Clause[],
  ) {
    super();
  }

  override children(): readonly Node[] {
    return [this.body, ...this.clauses.map((clause) => clause.body)];
  }

  protected clause(keyword: Clause['keyword']): Clause | undefined {
    return this.clauses.find((clause) => clause.keyword === keyword);
  }
}

/** `{% if %}`, its `{% elif %}`s and its `{% else %}`. */
export class IfBlock extends ControlBlock {
  constructor(
    readonly condition: string,
    line: number,
    body: ChunkList,
    clauses: readonly Clause[],
  ) {
    super(line, body, clauses);
  }

  generate(writer: CodeWriter): void {
    const condition = writer.expression(this.condition, `{% if ${this.condition} %}`, this.line);
    writer.write(`if (${condition}) {`, this.line);
    writer.indent(() => this.body.generate(writer));
    for (const clause of this.clauses) {
      if (clause.keyword === 'elif') {
        const tag = `{% elif ${clause.suffix} %}`;
        writer.write(
          `} else if (${writer.expression(clause.suffix, tag, clause.line)}) {`,
          clause.line,
        );
      } else {
        writer.write('} else {', clause.line);
      }
      writer.indent(() => clause.body.generate(writer));
    }
    writer.write('}', this.line);
  }
}

/** `{% for target in iterable %}` (with an optional `{% else %}`), as `for (var … of …)`. */
export class ForBlock extends ControlBlock {
  constructor(
    readonly target: string,
    readonly iterable: string,
    readonly tag: string,
    line: number,
    body: ChunkList,
    clauses: readonly Clause[],
  ) {
    super(line, body, clauses);
  }

  generate(writer: CodeWriter): void {
    const check = `"use strict"; for (var ${this.target} of ${this.iterable}\n) {}`;
    const header = writer.userCode(
      `var ${this.target} of ${this.iterable}`,
      check,
      this.tag,
      this.line,
    );
    writeLoop(writer, `for (${header}) {`, this.line, this.body, this.clause('else'));
  }
}

/** `{% while condition %}` (with an optional `{% else %}`). */
export class WhileBlock extends ControlBlock {
  constructor(
    readonly condition: string,
    line: number,
    body: ChunkList,
    clauses: readonly Clause[],
  ) {
    super(line, body, clauses);
  }

  generate(writer: CodeWriter): void {
    const condition = writer.expression(this.condition, `{% while ${this.condition} %}`, this.line);
    writeLoop(writer, `while (${condition}) {`, this.line, this.body, this.clause('else'));
  }
}

/**
 * A loop; with an `else`, inside a labelled block that `{% break %}` leaves, so that the `else`
 * after the loop runs only when the loop ran out.
 */
function writeLoop(
  writer: CodeWriter,
  header: string,
  line: number,
  body: ChunkList,
  otherwise: Clause | undefined,
): void {
  if (otherwise === undefined) {
    writer.write(header, line);
    writer.loop(null, () => body.generate(writer));
    writer.write('}', line);
    return;
  }
  const label = writer.unique('_tt_loop');
  writer.write(`${label}: {`, line);
  writer.indent(() => {
    writer.write(header, line);
    writer.loop(label, () => body.generate(writer));
    writer.write('}', line);
    otherwise.body.generate(writer);
  });
  writer.write('}', line);
}

/** An `{% except %}` clause, parsed: the classes it takes (none: all) and the name it binds. */
export interface ExceptClause extends Clause {
  readonly classes: readonly string[];
  readonly binding: string | null;
}

/** `{% try %}` with its `{% except %}`s, `{% else %}` and `{% finally %}`. */
export class TryBlock extends ControlBlock {
  constructor(
    line: number,
    body: ChunkList,
    readonly excepts: readonly ExceptClause[],
    clauses: readonly Clause[],
  ) {
    super(line, body, clauses);
  }

  generate(writer: CodeWriter): void {
    const otherwise = this.clause('else');
    const last = this.clause('finally');
    // With an `else`, the `finally` has to come after it: one more `try` around both.
    const ok = otherwise === undefined ? null : writer.unique('_tt_ok');
    const finallyInside = ok === null ? last : undefined;
    if (ok !== null) writer.write(`var ${ok} = false;`, this.line);
    const writeTry = (): void => {
      writer.write('try {', this.line);
      writer.indent(() => {
        this.body.generate(writer);
        if (ok !== null) writer.write(`${ok} = true;`, this.line);
      });
      if (this.excepts.length > 0) this.writeCatch(writer);
      if (finallyInside !== undefined) {
        writer.write('} finally {', finallyInside.line);
        writer.indent(() => finallyInside.body.generate(writer));
      }
      writer.write('}', this.line);
      if (ok !== null && otherwise !== undefined) {
        writer.write(`if (${ok}) {`, otherwise.line);
        writer.indent(() => otherwise.body.generate(writer));
        writer.write('}', otherwise.line);
      }
    };
    if (ok === null || last === undefined) {
      writeTry();
      return;
    }
    writer.write('try {', this.line);
    writer.indent(writeTry);
    writer.write('} finally {', last.line);
    writer.indent(() => last.body.generate(writer));
    writer.write('}', this.line);
  }

  private writeCatch(writer: CodeWriter): void {
    const error = writer.unique('_tt_error');
    const first = this.excepts[0]!;
    writer.write(`} catch (${error}) {`, first.line);
    writer.indent(() => {
      if (this.excepts.length === 1 && first.classes.length === 0) {
        first.body.generate(writer);
        return;
      }
      let bare = false;
      this.excepts.forEach((clause, index) => {
        const opening = index === 0 ? 'if' : '} else if';
        if (clause.classes.length === 0) {
          bare = true;
          writer.write('} else {', clause.line);
        } else {
          const tag = `{% except ${clause.suffix} %}`;
          const test = clause.classes
            .map((name) => `${error} instanceof ${writer.expression(name, tag, clause.line)}`)
            .join(' || ');
          writer.write(`${opening} (${test}) {`, clause.line);
        }
        writer.indent(() => {
          if (clause.binding !== null)
            writer.write(`var ${clause.binding} = ${error};`, clause.line);
          clause.body.generate(writer);
        });
      });
      if (!bare) {
        writer.write('} else {', this.line);
        writer.indent(() => writer.write(`throw ${error};`, this.line));
      }
      writer.write('}', this.line);
    });
  }
}

/** `{% set statement %}`, already JavaScript (see `translateSet`). */
export class SetStatement extends Node {
  constructor(
    readonly statement: string,
    readonly tag: string,
    readonly line: number,
  ) {
    super();
  }

  generate(writer: CodeWriter): void {
    const check = `"use strict"; ${this.statement}\n;`;
    writer.write(`${writer.userCode(this.statement, check, this.tag, this.line)};`, this.line);
  }
}

/** `{% break %}` or `{% continue %}`. */
export class LoopStatement extends Node {
  constructor(
    readonly keyword: 'break' | 'continue',
    readonly line: number,
  ) {
    super();
  }

  generate(writer: CodeWriter): void {
    const label = this.keyword === 'break' ? writer.breakLabel() : null;
    writer.write(label === null ? `${this.keyword};` : `break ${label};`, this.line);
  }
}

/**
 * `{{ expression }}` and `{% raw expression %}`: the value as a string (bytes decoded, anything
 * else through `String`), then through the template's autoescape function unless raw.
 */
export class Expression extends Node {
  constructor(
    readonly expression: string,
    readonly tag: string,
    readonly line: number,
    readonly raw = false,
  ) {
    super();
  }

  generate(writer: CodeWriter): void {
    let code = `_tt_str(${writer.expression(this.expression, this.tag, this.line)})`;
    const autoescape = writer.currentTemplate.autoescape;
    if (!this.raw && autoescape !== null) {
      const escape = writer.expression(autoescape, `{% autoescape ${autoescape} %}`, this.line);
      code = `_tt_str(${escape}(${code}))`;
    }
    writer.writeValue(code, this.line);
  }
}

/** `{% module expression %}`: `_tt_modules.expression`, from the namespace, not escaped. */
export class ModuleExpression extends Expression {
  constructor(expression: string, tag: string, line: number) {
    super(`_tt_modules.${expression}`, tag, line, true);
  }
}

/** Text between tags, its whitespace filtered by the mode in force where it stands. */
export class Text extends Node {
  constructor(
    readonly value: string,
    readonly line: number,
    readonly whitespace: WhitespaceMode,
  ) {
    super();
  }

  generate(writer: CodeWriter): void {
    // tornado's crude heuristic to leave preformatted text alone.
    const value = this.value.includes('<pre>')
      ? this.value
      : filterWhitespace(this.whitespace, this.value);
    if (value !== '') writer.writeText(value, this.line);
  }
}
