/**
 * tornado's URL and host patterns are Python regexes, compiled with `re.compile` and tried with
 * `pattern.match(text)`: anchored at the start of the text, not at its end (tornado appends the
 * `$`). This file turns such a pattern into a JavaScript `RegExp` that matches the same way.
 *
 * Anchoring: the RegExp is sticky (`y`) and tried from index 0 (`matchAt`), which is exactly
 * `re.match` — no `^(?:…)` wrapper, so `a|b$` keeps tornado's meaning (`$` binds to `b` only).
 *
 * Translated, because the two engines spell the same thing differently:
 * - `(?P<name>…)` → `(?<name>…)`; `(?P=name)` → `\k<name>`
 * - `(?#comment)` is dropped
 * - `\A` → `^`, `\Z` → `$`, `\a` → `\x07`
 * - `{,n}` → `{0,n}` (JavaScript reads `{,n}` as literal text)
 * - `]` first in a class (`[]a]`, `[^]a]`) is a literal `]` in Python, an empty class in
 *   JavaScript: escaped
 * - global inline flags at the start, `(?i)`, `(?m)`, `(?s)`, become RegExp flags (`(?a)` and
 *   `(?u)` are accepted and change nothing: see below)
 *
 * Refused with a `RoutePatternError` that names the construct, because JavaScript (Node 20) has
 * no equivalent: conditionals `(?(1)…|…)`, atomic groups `(?>…)`, possessive quantifiers
 * (`*+`, `++`, `?+`, `{m,n}+`), scoped or mid-pattern inline flags (`(?i:…)`), the verbose and
 * locale flags `(?x)` and `(?L)`, and letter escapes that mean something else or nothing in
 * JavaScript (`\N{…}`, `\U…`, `\z`, `\g`, `\k`, `\p`, `\c`, `\e`, …). A RegExp given instead of a
 * string is used as it is (JavaScript syntax), made sticky.
 *
 * Accepted, with differences that only show on text a request line cannot carry (a request
 * target is visible ASCII, so a path is ASCII; non-ASCII arrives percent-encoded):
 * - `$` is the end of the text; Python's also matches before a final `\n`
 * - `\d`, `\w`, `\b` are ASCII in JavaScript, Unicode in Python 3 (`\s` is Unicode in both)
 * - `.` also refuses `\r`, U+2028 and U+2029 in JavaScript
 */
import { optionTypeError } from '../log/errors';
import { RoutePatternError } from './errors';

/** A pattern compiled for `re.match`-style use, with what tornado reads off a compiled one. */
export interface CompiledPattern {
  /** Sticky: try it with `matchAt`. */
  readonly regex: RegExp;
  /** Capturing groups, named ones included (Python's `regex.groups`). */
  readonly groups: number;
  /** Named groups, in pattern order (Python's `regex.groupindex`). */
  readonly names: readonly string[];
}

/** Escapes meaning the same in both engines, outside a class and inside one. */
const SAME_ESCAPES = new Set('dDwWsSbBtnvfrxu');
const SAME_CLASS_ESCAPES = new Set('dDwWsSbtnvfrxu');
const LEADING_FLAGS = /^\(\?([aiLmsux]+)\)/;
const INLINE_FLAGS = /^\(\?[aiLmsux-]+[:)]/;
const QUANTIFIER_BRACES = /^\{(\d*)(,?)(\d*)\}/;
const GROUP_NAME = /^\(\?P<([^>]*)>/;
const BACKREFERENCE = /^\(\?P=([^)]*)\)/;

/**
 * Compiles `pattern` (Python syntax, or a RegExp used as it is) into a sticky RegExp; `where`
 * names the caller in a TypeError.
 * @throws RoutePatternError naming what cannot be translated, or why the RegExp is invalid
 */
export function compilePattern(pattern: string | RegExp, where: string): CompiledPattern {
  let regex: RegExp;
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
    throw optionTypeError(where, 'pattern', 'a string or a RegExp', pattern);
  }
  if (pattern instanceof RegExp) {
    const flags = pattern.flags.replace(/[gy]/g, '');
    regex = new RegExp(pattern.source, `${flags}y`);
  } else {
    const { source, flags } = translatePythonRegex(pattern);
    try {
      regex = new RegExp(source, `${flags}y`);
    } catch (error) {
      throw new RoutePatternError(
        `invalid pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`,
        pattern,
        { cause: error },
      );
    }
  }
  // Matching the empty string through an added empty alternative reports every group.
  const probe = new RegExp(`${regex.source}|`, regex.flags.replace('y', '')).exec('')!;
  return {
    regex,
    groups: probe.length - 1,
    names: probe.groups === undefined ? [] : Object.keys(probe.groups),
  };
}

/** `re.match`: `regex` (sticky) tried at the start of `text`. */
export function matchAt(regex: RegExp, text: string): RegExpExecArray | null {
  regex.lastIndex = 0;
  return regex.exec(text);
}

/**
 * The JavaScript source and flags for a Python regex (the translations the header lists).
 * @throws RoutePatternError for a construct JavaScript has no equivalent of
 */
function translatePythonRegex(pattern: string): { source: string; flags: string } {
  const refuse = (what: string): never => {
    throw new RoutePatternError(
      `pattern ${JSON.stringify(pattern)}: ${what} has no JavaScript equivalent`,
      pattern,
    );
  };
  let flags = '';
  let i = 0;
  for (let m = LEADING_FLAGS.exec(pattern); m !== null; m = LEADING_FLAGS.exec(pattern.slice(i))) {
    for (const flag of m[1]!) {
      if (flag === 'x' || flag === 'L') refuse(`the inline flag (?${flag})`);
      if ('ims'.includes(flag) && !flags.includes(flag)) flags += flag;
    }
    i += m[0].length;
  }

  let out = '';
  let inClass = false;
  let classStart = -1; // index of the first member of the class being read
  let afterQuantifier = false; // the last token was a quantifier: a `+` now is possessive
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) refuse('a trailing backslash');
      out += translateEscape(next!, inClass, refuse);
      i += 2;
      afterQuantifier = false;
      continue;
    }
    if (inClass) {
      if (c === ']') {
        if (i === classStart) out += '\\]';
        else {
          out += ']';
          inClass = false;
        }
      } else out += c;
      i++;
      continue;
    }
    const rest = pattern.slice(i);
    switch (c) {
      case '[':
        inClass = true;
        out += '[';
        i++;
        if (pattern[i] === '^') {
          out += '^';
          i++;
        }
        classStart = i;
        afterQuantifier = false;
        continue;
      case '(': {
        afterQuantifier = false;
        if (pattern[i + 1] !== '?') {
          out += '(';
          i++;
          continue;
        }
        const name = GROUP_NAME.exec(rest);
        const backref = name === null ? BACKREFERENCE.exec(rest) : null;
        if (name !== null) {
          out += `(?<${name[1]!}>`;
          i += name[0].length;
        } else if (backref !== null) {
          out += `\\k<${backref[1]!}>`;
          i += backref[0].length;
        } else if (rest.startsWith('(?#')) {
          const end = pattern.indexOf(')', i);
          if (end === -1) refuse('an unterminated comment');
          i = end + 1;
        } else if (/^\(\?(?::|=|!|<=|<!|<[A-Za-z_])/.test(rest)) {
          out += '(?';
          i += 2;
        } else if (rest.startsWith('(?(')) {
          refuse('a conditional group (?(…)…|…)');
        } else if (rest.startsWith('(?>')) {
          refuse('an atomic group (?>…)');
        } else if (INLINE_FLAGS.test(rest)) {
          refuse(
            `the inline flags ${INLINE_FLAGS.exec(rest)![0]} (only (?i), (?m), (?s) at the start)`,
          );
        } else {
          refuse(`the group ${JSON.stringify(rest.slice(0, 4))}`);
        }
        continue;
      }
      case '{': {
        const braces = QUANTIFIER_BRACES.exec(rest);
        if (braces !== null && (braces[1] !== '' || braces[2] !== '')) {
          if (afterQuantifier) refuse(`a repeated quantifier before ${braces[0]}`);
          const min = braces[1] === '' ? '0' : braces[1]!;
          out += `{${min}${braces[2]!}${braces[3]!}}`;
          i += braces[0].length;
          afterQuantifier = true;
          continue;
        }
        out += c;
        i++;
        afterQuantifier = false;
        continue;
      }
      case '*':
      case '+':
      case '?':
        if (afterQuantifier) {
          if (c === '+') refuse('a possessive quantifier');
          // `?` after a quantifier makes it lazy; anything after that is JavaScript's to reject.
          afterQuantifier = false;
        } else afterQuantifier = true;
        out += c;
        i++;
        continue;
      default:
        out += c;
        i++;
        afterQuantifier = false;
    }
  }
  return { source: out, flags };
}

/** One `\x` escape, the same in JavaScript or translated; refused when it cannot be. */
function translateEscape(next: string, inClass: boolean, refuse: (what: string) => never): string {
  if (!/[A-Za-z]/.test(next)) return `\\${next}`; // digits (backreferences) and punctuation
  if ((inClass ? SAME_CLASS_ESCAPES : SAME_ESCAPES).has(next)) return `\\${next}`;
  if (next === 'a') return '\\x07';
  if (!inClass && next === 'A') return '^';
  if (!inClass && next === 'Z') return '$';
  return refuse(`the escape \\${next}${inClass ? ' in a character class' : ''}`);
}
