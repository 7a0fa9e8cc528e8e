/**
 * The parser (tornado/template.py `_parse`): text, `{{ }}`, `{% %}` and `{# #}` into nodes, with
 * tornado's rules, messages and line numbers. The block tags' JavaScript is settled here (a
 * `for` target translated, a `set` made a `var`, `except` split into classes), so that a tag
 * JavaScript cannot express is a ParseError at its own line.
 */
import type { TemplateRef } from './code-writer';
import { ParseError } from './errors';
import {
  findTopLevelIn,
  isBindableName,
  parseExcept,
  translateSet,
  translateTarget,
} from './javascript';
import {
  ApplyBlock,
  ChunkList,
  Expression,
  ExtendsBlock,
  ForBlock,
  IfBlock,
  IncludeBlock,
  LoopStatement,
  ModuleExpression,
  NamedBlock,
  SetStatement,
  Text,
  TryBlock,
  WhileBlock,
  type Clause,
  type ExceptClause,
  type Node,
} from './nodes';
import type { TemplateReader } from './reader';
import { pythonStrip } from '../escape/text';
import { isWhitespaceMode } from './whitespace';

/** What parsing a template settles about it besides its nodes. */
export interface ParseContext {
  readonly template: TemplateRef;
  /** Changed by `{% autoescape %}`: the last one in a file is the file's, as in tornado. */
  autoescape: string | null;
}

interface Parsed {
  readonly body: ChunkList;
  readonly clauses: Clause[];
}

/** Which block each intermediate tag may stand in. */
const INTERMEDIATE: Readonly<Record<string, readonly string[]>> = {
  else: ['if', 'for', 'while', 'try'],
  elif: ['if'],
  except: ['try'],
  finally: ['try'],
};

/** Parses the whole of `reader`'s text. */
export function parse(reader: TemplateReader, context: ParseContext): ChunkList {
  return parseBody(reader, context, null, null).body;
}

function parseBody(
  reader: TemplateReader,
  context: ParseContext,
  inBlock: string | null,
  inLoop: string | null,
): Parsed {
  const parsed: Parsed = { body: new ChunkList(), clauses: [] };
  let current = parsed.body;
  for (;;) {
    // Find the next template directive.
    let curly = 0;
    for (;;) {
      curly = reader.find('{', curly);
      if (curly === -1 || curly + 1 === reader.remaining()) {
        if (inBlock !== null) throw reader.parseError(`Missing {% end %} block for ${inBlock}`);
        current.chunks.push(new Text(reader.consume(), reader.line, reader.whitespace));
        return parsed;
      }
      // A brace that does not start a tag: look on from the next character.
      const next = reader.charAt(curly + 1);
      if (next !== '{' && next !== '%' && next !== '#') {
        curly++;
        continue;
      }
      // More than two braces in a row: the innermost two open the tag (for LaTeX and the like).
      if (curly + 2 < reader.remaining() && next === '{' && reader.charAt(curly + 2) === '{') {
        curly++;
        continue;
      }
      break;
    }

    if (curly > 0) {
      const text = reader.consume(curly);
      current.chunks.push(new Text(text, reader.line, reader.whitespace));
    }
    const startBrace = reader.consume(2);
    const line = reader.line;

    // `{{!`, `{%!` and `{#!` are the braces themselves (for jQuery templates and the like).
    if (reader.remaining() > 0 && reader.charAt(0) === '!') {
      reader.consume(1);
      current.chunks.push(new Text(startBrace, line, reader.whitespace));
      continue;
    }

    if (startBrace === '{#') {
      const end = reader.find('#}');
      if (end === -1) throw reader.parseError('Missing end comment #}');
      reader.consume(end);
      reader.consume(2);
      continue;
    }

    if (startBrace === '{{') {
      const end = reader.find('}}');
      if (end === -1) throw reader.parseError('Missing end expression }}');
      const contents = pythonStrip(reader.consume(end));
      reader.consume(2);
      if (contents === '') throw reader.parseError('Empty expression');
      current.chunks.push(new Expression(contents, `{{ ${contents} }}`, line));
      continue;
    }

    const end = reader.find('%}');
    if (end === -1) throw reader.parseError('Missing end block %}');
    const contents = pythonStrip(reader.consume(end));
    reader.consume(2);
    if (contents === '') throw reader.parseError('Empty block tag ({% %})');
    const space = contents.indexOf(' ');
    const operator = space === -1 ? contents : contents.slice(0, space);
    const suffix = space === -1 ? '' : pythonStrip(contents.slice(space + 1));
    const tag = `{% ${contents} %}`;

    const allowedParents = INTERMEDIATE[operator];
    if (allowedParents !== undefined) {
      if (inBlock === null) {
        throw reader.parseError(`${operator} outside ${either(allowedParents)} block`);
      }
      if (!allowedParents.includes(inBlock)) {
        throw reader.parseError(`${operator} block cannot be attached to ${inBlock} block`);
      }
      const clause: Clause = {
        keyword: operator as Clause['keyword'],
        suffix,
        line,
        body: new ChunkList(),
      };
      parsed.clauses.push(clause);
      current = clause.body;
      continue;
    }

    if (operator === 'end') {
      if (inBlock === null) throw reader.parseError('Extra {% end %} block');
      return parsed;
    }

    const node = parseTag(reader, context, operator, suffix, tag, line, inLoop);
    if (node !== null) current.chunks.push(node);
  }
}

/** The node for a tag other than an intermediate or `end`; null for tags that write nothing. */
function parseTag(
  reader: TemplateReader,
  context: ParseContext,
  operator: string,
  suffix: string,
  tag: string,
  line: number,
  inLoop: string | null,
): Node | null {
  const fail = (reason: string): never => {
    throw new ParseError(reason, reader.name, line);
  };
  switch (operator) {
    case 'comment':
      return null;
    case 'extends': {
      const name = stripQuotes(suffix);
      if (name === '') fail('extends missing file path');
      return new ExtendsBlock(name, line);
    }
    case 'include': {
      const name = stripQuotes(suffix);
      if (name === '') fail('include missing file path');
      return new IncludeBlock(name, reader.name, line);
    }
    case 'import':
    case 'from':
      return fail(
        `${tag} is Python's import, which a JavaScript template has no equivalent of: ` +
          "pass what the template needs in its namespace (the loader's or generate()'s)",
      );
    case 'set':
      if (suffix === '') fail('set missing statement');
      return new SetStatement(translateSet(suffix), tag, line);
    case 'autoescape':
      if (suffix === '') fail('autoescape missing function name');
      context.autoescape = suffix === 'None' || suffix === 'null' ? null : suffix;
      return null;
    case 'whitespace':
      if (!isWhitespaceMode(suffix)) fail(`invalid whitespace mode ${suffix}`);
      reader.whitespace = suffix as typeof reader.whitespace;
      return null;
    case 'raw':
      if (suffix === '') fail('raw missing expression');
      return new Expression(suffix, tag, line, true);
    case 'module':
      if (suffix === '') fail('module missing expression');
      return new ModuleExpression(suffix, tag, line);
    case 'break':
    case 'continue':
      if (inLoop === null) fail(`${operator} outside for or while block`);
      return new LoopStatement(operator, line);
    case 'apply':
    case 'block':
    case 'try':
    case 'if':
    case 'for':
    case 'while':
      return parseBlock(reader, context, operator, suffix, tag, line, inLoop);
    default:
      return fail(`unknown operator: '${operator}'`);
  }
}

/** A tag with a body up to its `{% end %}`. */
function parseBlock(
  reader: TemplateReader,
  context: ParseContext,
  operator: 'apply' | 'block' | 'try' | 'if' | 'for' | 'while',
  suffix: string,
  tag: string,
  line: number,
  inLoop: string | null,
): Node {
  const fail = (reason: string, at = line): never => {
    throw new ParseError(reason, reader.name, at);
  };
  if (operator === 'apply' && suffix === '') fail('apply missing method name');
  if (operator === 'block' && suffix === '') fail('block missing name');
  if ((operator === 'if' || operator === 'while') && suffix === '')
    fail(`${operator} missing condition`);
  let loop: { target: string; iterable: string } | null = null;
  if (operator === 'for') loop = parseFor(suffix, fail);

  // A loop is what `break` leaves; an `apply` body is a nested function, outside any loop.
  const innerLoop =
    operator === 'for' || operator === 'while' ? operator : operator === 'apply' ? null : inLoop;
  const { body, clauses } = parseBody(reader, context, operator, innerLoop);
  checkClauses(operator, clauses, line, fail);

  switch (operator) {
    case 'apply':
      return new ApplyBlock(suffix, line, body);
    case 'block':
      return new NamedBlock(suffix, body, context.template, line);
    case 'if':
      return new IfBlock(suffix, line, body, clauses);
    case 'while':
      return new WhileBlock(suffix, line, body, clauses);
    case 'for':
      return new ForBlock(loop!.target, loop!.iterable, tag, line, body, clauses);
    case 'try': {
      const excepts: ExceptClause[] = [];
      for (const clause of clauses) {
        if (clause.keyword !== 'except') continue;
        const { classes, binding } = parseExcept(clause.suffix);
        if (binding !== null && !isBindableName(binding)) {
          fail(`except cannot bind the name ${binding}`, clause.line);
        }
        excepts.push({ ...clause, classes, binding });
      }
      return new TryBlock(line, body, excepts, clauses);
    }
  }
}

/** `target in iterable`, the target as a JavaScript binding pattern. */
function parseFor(
  suffix: string,
  fail: (reason: string) => never,
): { target: string; iterable: string } {
  const at = findTopLevelIn(suffix);
  if (at === -1) return fail(`for needs "target in iterable", got "${suffix}"`);
  const target = translateTarget(suffix.slice(0, at));
  const iterable = suffix.slice(at + 2).trim();
  if (target === null) return fail(`for cannot assign to ${suffix.slice(0, at).trim()}`);
  if (iterable === '') return fail('for missing iterable');
  return { target, iterable };
}

/**
 * The order Python's grammar gives a block's intermediate tags (tornado leaves it to Python's
 * compiler): `elif`s before `else`; `except`s, a bare one last, then `else`, then `finally`.
 */
function checkClauses(
  operator: string,
  clauses: readonly Clause[],
  line: number,
  fail: (reason: string, at?: number) => never,
): void {
  let afterElse = false;
  let afterFinally = false;
  let afterBareExcept = false;
  let excepts = 0;
  for (const { keyword, suffix, line: at } of clauses) {
    if (afterFinally) fail(`${keyword} block after finally block`, at);
    if (afterElse && keyword !== 'finally') fail(`${keyword} block after else block`, at);
    if (keyword === 'except') {
      if (afterBareExcept) fail('except block after a bare except block', at);
      afterBareExcept = suffix === '';
      excepts++;
    } else if (keyword === 'else') {
      if (operator === 'try' && excepts === 0) fail('else block in try block without except', at);
      afterElse = true;
    } else if (keyword === 'finally') {
      afterFinally = true;
    }
  }
  if (operator === 'try' && excepts === 0 && !afterFinally) {
    fail('try block without except or finally', line);
  }
}

/** tornado's `suffix.strip('"').strip("'")`. */
function stripQuotes(text: string): string {
  return text.replace(/^"+|"+$/g, '').replace(/^'+|'+$/g, '');
}

function either(names: readonly string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}
