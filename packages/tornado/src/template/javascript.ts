/**
 * The little JavaScript the compiler has to understand to translate tornado's block tags: where a
 * comma or an `in` or an `=` sits outside brackets and strings, what a binding target is, and
 * which identifiers a piece of code mentions. Everything else in a tag is copied into the
 * generated function as written; V8 parses it there.
 *
 * The scanner knows strings (`'…'`, `"…"`, `` `…` `` without looking inside `${}`), comments and
 * brackets. It does not know regular-expression literals: a bracket inside one, at the top level
 * of a `for` target or a `set` left-hand side, would confuse it (neither can hold one).
 */

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;
const IDENTIFIERS = /[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*/gu;

/** Words a strict-mode function cannot bind with `var`. */
const RESERVED = new Set(
  (
    'await break case catch class const continue debugger default delete do else enum export ' +
    'extends false finally for function if implements import in instanceof interface let new ' +
    'null package private protected public return static super switch this throw true try ' +
    'typeof var void while with yield eval arguments'
  ).split(' '),
);

/** A name `var name` accepts in strict mode. */
export function isBindableName(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED.has(name);
}

/**
 * Calls `visit(index)` for every character of `code` outside strings, comments and brackets;
 * stops early when `visit` returns true and gives that index, else -1.
 */
function scanTopLevel(code: string, visit: (index: number) => boolean): number {
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(code, i);
    } else if (c === '/' && code[i + 1] === '/') {
      const end = code.indexOf('\n', i);
      i = end === -1 ? code.length : end;
    } else if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end === -1 ? code.length : end + 1;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    } else if (depth === 0 && visit(i)) {
      return i;
    }
  }
  return -1;
}

/** Index of the quote that closes the string opening at `start` (the last index if none does). */
function skipString(code: string, start: number): number {
  const quote = code[start];
  for (let i = start + 1; i < code.length; i++) {
    if (code[i] === '\\') i++;
    else if (code[i] === quote) return i;
  }
  return code.length - 1;
}

/** `code` split at its top-level commas. */
export function splitTopLevel(code: string): string[] {
  const parts: string[] = [];
  let from = 0;
  scanTopLevel(code, (i) => {
    if (code[i] === ',') {
      parts.push(code.slice(from, i));
      from = i + 1;
    }
    return false;
  });
  parts.push(code.slice(from));
  return parts;
}

/** Index of the first top-level ` in ` keyword in `code`, or -1. */
export function findTopLevelIn(code: string): number {
  return scanTopLevel(
    code,
    (i) => code.startsWith('in', i) && /\s/.test(code[i - 1] ?? '') && /\s/.test(code[i + 2] ?? ''),
  );
}

/** `(…)` around the whole of `code` (trimmed): the text inside, else null. */
function insideParens(code: string): string | null {
  return code.startsWith('(') && balancedAt(code) ? code.slice(1, -1) : null;
}

/** True when the bracket opening `code` closes at its last character. */
function balancedAt(code: string): boolean {
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === '"' || c === "'" || c === '`') i = skipString(code, i);
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i === code.length - 1;
    }
  }
  return false;
}

/**
 * A loop or assignment target in Python's shape, as a JavaScript binding pattern: `x` stays,
 * `a, b` and `(a, b)` become `[a, b]`, `a, (b, c)` becomes `[a, [b, c]]`, `first, *rest` becomes
 * `[first, ...rest]`. A target already written as a JavaScript pattern (`[a, b]`, `{ a, b }`) is
 * kept. Null when `target` is none of these (`a.b`, `a[0]`).
 */
export function translateTarget(target: string): string | null {
  const text = target.trim();
  if (text.startsWith('[') || text.startsWith('{')) return balancedAt(text) ? text : null;
  const parts = splitTopLevel(text);
  if (parts.length > 1 && parts[parts.length - 1]!.trim() === '') parts.pop();
  else if (parts.length === 1) {
    const inner = insideParens(text);
    if (inner !== null) return translateTarget(inner);
    return isBindableName(text) ? text : null;
  }
  const elements = parts.map(translateElement);
  return elements.includes(null) ? null : `[${elements.join(', ')}]`;
}

function translateElement(element: string): string | null {
  const text = element.trim();
  if (text.startsWith('*')) {
    const rest = text.slice(1).trim();
    return isBindableName(rest) ? `...${rest}` : null;
  }
  // `(b, c)` is a nested tuple, `(b)` only `b`: both are what their inside is.
  const inner = insideParens(text);
  return translateTarget(inner ?? text);
}

/** The character before an `=` that makes it part of a comparison (`==`, `!=`, `<=`, `>=`). */
const COMPARISON_BEFORE = new Set(['=', '!', '<', '>']);
/** The character before an `=` that makes it a compound assignment (`+=`, `??=`, `**=`). */
const COMPOUND_BEFORE = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '?']);

/**
 * The statement of a `{% set %}` tag as JavaScript: an assignment to a name or a pattern is a
 * `var` declaration (function-scoped, as Python's locals are), `a, b = pair` destructures; any
 * other statement (`x += 1`, `obj.n = 2`, `list.push(3)`) is kept as written.
 */
export function translateSet(statement: string): string {
  let compound = false;
  const equals = scanTopLevel(statement, (i) => {
    if (statement[i] !== '=') return false;
    const next = statement[i + 1] ?? '';
    const previous = statement[i - 1] ?? '';
    if (next === '=' || next === '>' || COMPARISON_BEFORE.has(previous)) return false;
    compound = COMPOUND_BEFORE.has(previous);
    return true;
  });
  if (equals === -1 || compound) return statement;
  const target = translateTarget(statement.slice(0, equals));
  if (target === null) return statement;
  return `var ${target} = ${statement.slice(equals + 1).trim()}`;
}

/**
 * An `{% except %}` tag's suffix, in Python's shape: nothing (catch everything), a class, a
 * parenthesised list of classes, any of them followed by `as name`.
 */
export function parseExcept(suffix: string): { classes: string[]; binding: string | null } {
  const match = /^([^]*?)\s+as\s+(\S+)$/u.exec(suffix);
  const binding = match === null ? null : match[2]!;
  const text = (match === null ? suffix : match[1]!).trim();
  const list = insideParens(text) ?? text;
  const classes = splitTopLevel(list)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return { classes, binding };
}

/** Adds every identifier `code` mentions outside its string literals and comments to `into`. */
export function collectIdentifiers(code: string, into: Set<string>): void {
  let from = 0;
  const addFrom = (end: number): void => {
    for (const match of code.slice(from, end).matchAll(IDENTIFIERS)) into.add(match[0]);
  };
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    let skipTo = -1;
    if (c === '"' || c === "'") skipTo = skipString(code, i);
    else if (c === '/' && code[i + 1] === '/') {
      const end = code.indexOf('\n', i);
      skipTo = end === -1 ? code.length : end;
    } else if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      skipTo = end === -1 ? code.length : end + 1;
    }
    // A template literal's text is scanned with its `${}` parts: more names, never fewer.
    if (skipTo !== -1) {
      addFrom(i);
      i = skipTo;
      from = skipTo + 1;
    }
  }
  addFrom(code.length);
}
