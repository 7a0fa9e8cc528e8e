/**
 * @aio/tornado/template against tornado's template_test.py, theme by theme (the template
 * language, stack traces, parse errors, autoescape and whitespace, the file loader), with its
 * expressions in JavaScript; then what the port decides for JavaScript (scope, loops, try,
 * set); then the fixture directory rendered by tornado itself and by us, compared byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as api from './template';
import {
  BaseLoader,
  DictLoader,
  Loader,
  ParseError,
  Template,
  TemplateNotFoundError,
  filterWhitespace,
} from './template';

const FIXTURES = fileURLToPath(new URL('./test-fixtures/', import.meta.url));
const TEMPLATES = join(FIXTURES, 'templates');

function render(source: string, namespace: Record<string, unknown> = {}): string {
  return new Template(source).generateString(namespace);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** What `body` throws (failing when it throws nothing). */
function thrown(body: () => unknown): Error {
  try {
    body();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function parseErrorOf(body: () => unknown): ParseError {
  const error = thrown(body);
  if (!(error instanceof ParseError))
    throw new Error(`expected a ParseError, got ${String(error)}`);
  return error;
}

describe('the template language (TemplateTest)', () => {
  it('substitutes an expression, and generate() gives UTF-8 bytes', () => {
    const template = new Template('Hello {{ name }}!');
    const bytes = template.generate({ name: 'Ben' });
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.toString()).toBe('Hello Ben!');
    expect(new Template('é {{ x }}').generate({ x: 'ü' })).toEqual(Buffer.from('é ü'));
  });

  it('writes bytes values as the UTF-8 text they hold', () => {
    expect(render('Hello {{ name }}!', { name: Buffer.from('Bén') })).toBe('Hello Bén!');
  });

  it('evaluates JavaScript expressions', () => {
    expect(render('2 + 2 = {{ 2 + 2 }}')).toBe('2 + 2 = 4');
    expect(render('{{ Math.max(a, b) }} {{ xs.length }}', { a: 3, b: 9, xs: [1, 2] })).toBe('9 2');
  });

  it('drops {# comments #}', () => {
    expect(render('Hello{# TODO i18n #} {{ name }}!', { name: 'Ben' })).toBe('Hello Ben!');
  });

  it('includes another template', () => {
    const loader = new DictLoader({
      'index.html': '{% include "header.html" %}\nbody text',
      'header.html': 'header text',
    });
    expect(loader.load('index.html').generateString()).toBe('header text\nbody text');
  });

  it('extends a template, replacing its blocks', () => {
    const loader = new DictLoader({
      'base.html':
        '<title>{% block title %}default title{% end %}</title>\n' +
        '<body>{% block body %}default body{% end %}</body>\n',
      'page.html':
        '{% extends "base.html" %}\n' +
        '{% block title %}page title{% end %}\n' +
        '{% block body %}page body{% end %}\n',
    });
    expect(loader.load('page.html').generateString()).toBe(
      '<title>page title</title>\n<body>page body</body>\n',
    );
  });

  it('resolves a name relative to the template that includes it', () => {
    const loader = new DictLoader({
      'a/1.html': "{% include '2.html' %}",
      'a/2.html': "{% include '../b/3.html' %}",
      'b/3.html': 'ok',
    });
    expect(loader.load('a/1.html').generateString()).toBe('ok');
  });

  it('writes {{!, {%! and {#! as the braces, and refuses an unclosed tag', () => {
    expect(() => new Template('{{')).toThrow(ParseError);
    expect(() => new Template('{%')).toThrow(ParseError);
    expect(render('{{!')).toBe('{{');
    expect(render('{%!')).toBe('{%');
    expect(render('{#!')).toBe('{#');
    expect(render("{{ 'expr' }} {{!jquery expr}}")).toBe('expr {{jquery expr}}');
  });

  it('takes the innermost two of three or more braces as the tag', () => {
    expect(render('\\frac{{{ a }}}{2}', { a: 1 })).toBe('\\frac{1}{2}');
  });

  it('reads a template given as UTF-8 bytes, literals included', () => {
    expect(new Template(Buffer.from('é')).generateString()).toBe('é');
    expect(new Template(Buffer.from('{{ "é" }}')).generateString()).toBe('é');
  });

  it("gives templates the loader's namespace", () => {
    const loader = new DictLoader(
      { 'test.html': '{{ inc(5) }}' },
      { namespace: { inc: (x: number) => x + 1 } },
    );
    expect(loader.load('test.html').generateString()).toBe('6');
  });

  it('applies a function to the output of a block', () => {
    const upper = (s: string) => s.toUpperCase();
    expect(render('{% apply upper %}foo{% end %}', { upper })).toBe('FOO');
    expect(render('{% apply upper %}foo é{% end %}', { upper })).toBe('FOO É');
    const toBytes = (s: string) => Buffer.from(s.toUpperCase());
    expect(render('{% apply toBytes %}foo é{% end %}', { toBytes })).toBe('FOO É');
  });

  it('runs if / else, and an empty branch', () => {
    const template = new Template('{% if x > 4 %}yes{% else %}no{% end %}');
    expect(template.generateString({ x: 5 })).toBe('yes');
    expect(template.generateString({ x: 3 })).toBe('no');
    expect(render('{% if true %}{% else %}{% end %}')).toBe('');
  });

  it('runs try / except / else / finally', () => {
    const template = new Template(
      '{% try %}\ntry{% set y = 1 / x.n %}\n{% except %}-except\n{% else %}-else\n' +
        '{% finally %}-finally\n{% end %}',
    );
    expect(template.generateString({ x: { n: 1 } })).toBe('\ntry\n-else\n-finally\n');
    expect(template.generateString({ x: null })).toBe('\ntry-except\n-finally\n');
  });

  it('drops a {% comment %} up to its %}', () => {
    expect(render('{% comment blah blah %}foo')).toBe('foo');
  });

  it('supports break and continue', () => {
    const template = new Template(
      '{% for i in range(10) %}\n' +
        '    {% if i == 2 %}\n        {% continue %}\n    {% end %}\n' +
        '    {{ i }}\n' +
        '    {% if i == 6 %}\n        {% break %}\n    {% end %}\n' +
        '{% end %}',
    );
    expect(template.generateString({ range }).replace(/\s/g, '')).toBe('013456');
  });

  it('refuses break outside a loop, and inside an apply inside a loop', () => {
    expect(() => new Template('{% break %}')).toThrow(ParseError);
    expect(
      () => new Template('{% for i in [] %}{% apply foo %}{% break %}{% end %}{% end %}'),
    ).toThrow('break outside for or while block at <string>:1');
  });

  it('loads a template with a non-ASCII name', () => {
    const loader = new DictLoader({ 'tést.html': 'hello' });
    expect(loader.load('tést.html').generateString()).toBe('hello');
  });
});

describe('JavaScript in tags', () => {
  it('destructures loop targets written the Python way or the JavaScript way', () => {
    const pairs = [
      ['a', 1],
      ['b', 2],
    ];
    expect(render('{% for k, v in pairs %}{{ k }}={{ v }};{% end %}', { pairs })).toBe('a=1;b=2;');
    expect(render('{% for [k, v] in pairs %}{{ k }}{{ v }}{% end %}', { pairs })).toBe('a1b2');
    expect(render('{% for (k, v) in pairs %}{{ v }}{% end %}', { pairs })).toBe('12');
    const nested = [[1, [2, 3]]];
    expect(render('{% for a, (b, c) in nested %}{{ a + b + c }}{% end %}', { nested })).toBe('6');
    expect(render('{% for a, (b) in pairs %}{{ b }}{% end %}', { pairs })).toBe('12');
    expect(render('{% for a, in [[1], [2]] %}{{ a }}{% end %}')).toBe('12');
    expect(render('{% for first, *rest in rows %}{{ rest }}{% end %}', { rows: [[1, 2, 3]] })).toBe(
      '2,3',
    );
    expect(
      render('{% for { name } in people %}{{ name }}{% end %}', { people: [{ name: 'x' }] }),
    ).toBe('x');
  });

  it('iterates anything iterable with `of`: strings, Maps, generators', () => {
    const map = new Map([['k', 'v']]);
    expect(render('{% for c in "abc" %}{{ c }}.{% end %}')).toBe('a.b.c.');
    expect(render('{% for k, v in map %}{{ k }}{{ v }}{% end %}', { map })).toBe('kv');
    expect(render('{% for k in Object.keys(o) %}{{ k }}{% end %}', { o: { x: 1, y: 2 } })).toBe(
      'xy',
    );
    function* countdown() {
      yield* [3, 2, 1];
    }
    expect(render('{% for n in countdown() %}{{ n }}{% end %}', { countdown })).toBe('321');
    // A plain object is not iterable, where Python iterates a dict's keys.
    const error = thrown(() => render('{% for k in o %}{% end %}', { o: { x: 1 } }));
    expect(error).toBeInstanceOf(TypeError);
  });

  it("runs a loop's else when no break left the loop", () => {
    const template = new Template(
      '{% for x in xs %}{% if x > 2 %}big {{ x }}{% break %}{% end %}{% else %}none{% end %}.' +
        '{% set i = 0 %}{% while i < n %}{% set i += 1 %}{% if i == 3 %}{% break %}{% end %}' +
        '{% else %}ran out{% end %}',
    );
    expect(template.generateString({ xs: [1, 5], n: 5 })).toBe('big 5.');
    expect(template.generateString({ xs: [1, 2], n: 2 })).toBe('none.ran out');
    // A break in a loop nested inside a loop with an else leaves only the inner loop.
    expect(
      render(
        '{% for a in [1, 2] %}{% for b in [1, 2] %}{% break %}{% end %}{{ a }}{% else %}!{% end %}',
      ),
    ).toBe('12!');
  });

  it('tests except clauses in order, binding the error, and rethrows what none takes', () => {
    const template = new Template(
      '{% try %}{% set r = f() %}ok{% except (TypeError, RangeError) as e %}type: {{ e.message }}' +
        '{% except SyntaxError %}syntax{% else %} else{% finally %}.{% end %}',
    );
    const raise = (error: Error) => () => {
      throw error;
    };
    expect(template.generateString({ f: raise(new TypeError('t')) })).toBe('type: t.');
    expect(template.generateString({ f: raise(new RangeError('r')) })).toBe('type: r.');
    expect(template.generateString({ f: raise(new SyntaxError('s')) })).toBe('syntax.');
    expect(template.generateString({ f: () => 1 })).toBe('ok else.');
    const other = new Error('other');
    expect(thrown(() => template.generateString({ f: raise(other) }))).toBe(other);
    expect(
      render('{% try %}{{ f() }}{% except Error as e %}{{ e }}{% end %}', {
        f: raise(new Error('x')),
      }),
    ).toBe('Error: x');
  });

  it('makes {% set %} a function-wide var, as a Python local', () => {
    expect(render('{% if true %}{% set x = 1 %}{% end %}{{ x }}')).toBe('1');
    expect(render('{% set a, b = pair %}{{ b }}{{ a }}', { pair: [1, 2] })).toBe('21');
    expect(render('{% set [a, b] = [3, 4] %}{{ a * b }}')).toBe('12');
    expect(render('{% set { n } = o %}{{ n }}', { o: { n: 5 } })).toBe('5');
    expect(render('{% set n = 1 %}{% set n += 2 %}{% set o.k = n %}{{ o.k }}', { o: {} })).toBe(
      '3',
    );
    expect(render('{% set xs.push(1) %}{{ xs }}', { xs: [0] })).toBe('0,1');
    expect(render('{% set x = a == b %}{{ x }}', { a: 1, b: 1 })).toBe('true');
    // A for target outlives the loop, as Python's does.
    expect(render('{% for x in [1, 2] %}{% end %}{{ x }}')).toBe('2');
  });

  it('keeps {% set %} inside an apply local to it, as tornado does', () => {
    const same = (s: string) => s;
    expect(
      render('{% set x = 1 %}{% apply same %}{% set x = 2 %}{{ x }}{% end %}{{ x }}', { same }),
    ).toBe('21');
  });

  it('shares variables with included templates, which see the loop variable', () => {
    const loader = new DictLoader({
      'list.html': '{% set sep = ";" %}{% for item in items %}{% include "item.html" %}{% end %}',
      'item.html': '{{ item }}{{ sep }}',
    });
    expect(loader.load('list.html').generateString({ items: ['a', 'b'] })).toBe('a;b;');
  });

  it('tests JavaScript truthiness: an empty array is true', () => {
    const template = new Template('{% if xs %}yes{% else %}no{% end %}');
    expect(template.generateString({ xs: [] })).toBe('yes');
    expect(template.generateString({ xs: '' })).toBe('no');
    expect(template.generateString({ xs: 0 })).toBe('no');
    expect(render('{% if xs.length %}yes{% else %}no{% end %}', { xs: [] })).toBe('no');
  });

  it('writes values through String(): null, booleans, arrays, objects', () => {
    expect(
      render('{{ a }} {{ b }} {{ c }} {{ d }} {{ e }}', {
        a: null,
        b: true,
        c: [1, 2],
        d: {},
        e: 1.5,
      }),
    ).toBe('null true 1,2 [object Object] 1.5');
  });

  it('takes names from generate() over the loader namespace over the defaults', () => {
    const loader = new DictLoader(
      { 't.html': '{{ a }}{{ b }}{% raw escape("<") %}' },
      { namespace: { a: 'loader-a', b: 'loader-b', escape: () => 'loader-escape' } },
    );
    const template = loader.load('t.html');
    expect(template.generateString()).toBe('loader-aloader-bloader-escape');
    expect(template.generateString({ a: 'kw-a', escape: () => 'kw-escape' })).toBe(
      'kw-aloader-bkw-escape',
    );
    expect(new Template('{% raw escape("<") %}').generateString()).toBe('&lt;');
  });

  it('compiles one function per pattern of names, rendering each right', () => {
    const template = new Template(
      '{% if typeof x === "undefined" %}none{% else %}{{ x }}{% end %}',
    );
    expect(template.generateString()).toBe('none');
    expect(template.generateString({ x: 1 })).toBe('1');
    expect(template.generateString({ y: 2 })).toBe('none');
    expect(template.generateString({ x: 3, y: 4 })).toBe('3');
  });

  it('throws ReferenceError for a name neither the namespace nor JavaScript has', () => {
    const error = thrown(() => render('{{ nobody }}'));
    expect(error).toBeInstanceOf(ReferenceError);
    expect(error.message).toBe('nobody is not defined');
  });

  it('reads JavaScript globals, which a namespace name shadows', () => {
    expect(render('{{ Math.abs(-2) }} {{ JSON.stringify([1]) }}')).toBe('2 [1]');
    expect(render('{{ Math }}', { Math: 'mine' })).toBe('mine');
  });

  it('takes from the namespace only names the code mentions outside strings', () => {
    const loader = new DictLoader(
      { 't.html': '{{ "title" }} {{ t }}' },
      { namespace: { title: 1, t: 2 } },
    );
    const { code } = loader.load('t.html');
    expect(code).toContain('var xhtmlEscape = _tt_defaults.xhtmlEscape, t = _tt_namespace.t;');
    expect(code).not.toContain('title =');
  });

  it('calls UI modules from _tt_modules without escaping their output', () => {
    const _tt_modules = { Box: (text: string) => `<div>${text}</div>` };
    expect(render('{% module Box(a) %}', { _tt_modules, a: '<b>' })).toBe('<div><b></div>');
  });

  it('refuses {% import %} and {% from %}, naming the file and line', () => {
    const error = parseErrorOf(() => new Template('a\n{% import os %}', { name: 'x.html' }));
    expect(error.message).toMatch(/^\{% import os %\} is Python's import.* at x\.html:2$/);
    expect(() => new Template('{% from os import path %}')).toThrow(ParseError);
  });

  it('generates readable code, each line ending with its template line', () => {
    const template = new Template('<p>\n{{ name }}</p>', { name: 'p.html' });
    expect(template.code).toContain(
      '_tt_buffer += _tt_str(xhtmlEscape(_tt_str(name)));  // p.html:2',
    );
    expect(template.code).toContain('_tt_buffer += "<p>\\n";  // p.html:2');
    expect(String(template)).toBe('<Template p.html>');
  });
});

describe('stack traces name template lines (StackTraceTest)', () => {
  /** The stack of what rendering `name` from `templates` throws. */
  function stackOf(templates: Record<string, string>, name: string, loader?: DictLoader): string {
    const source = loader ?? new DictLoader(templates);
    const error = thrown(() => source.load(name).generate());
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/null/);
    return error.stack!;
  }

  it('at an expression', () => {
    const stack = stackOf({ 'test.html': 'one\ntwo{{ null.x }}\nthree\n' }, 'test.html');
    expect(stack).toMatch(
      /at _tt_execute \(test\.html:2 \[line \d+ of test\.html's generated code\]\)/,
    );
  });

  it('at a directive', () => {
    const stack = stackOf({ 'test.html': 'one\ntwo{%if null.x%}\nthree{%end%}\n' }, 'test.html');
    expect(stack).toContain('(test.html:2 [');
  });

  it('in a UI module, naming both templates', () => {
    const loader: DictLoader = new DictLoader(
      { 'base.html': "{% module Template('sub.html') %}", 'sub.html': '{{ null.x }}' },
      { namespace: { _tt_modules: { Template: (path: string) => loader.load(path).generate() } } },
    );
    const stack = stackOf({}, 'base.html', loader);
    expect(stack).toContain('(sub.html:1 [');
    expect(stack).toContain('(base.html:1 [');
  });

  it('in an included template, via the including one', () => {
    const templates = { 'base.html': "{% include 'sub.html' %}", 'sub.html': '{{ null.x }}' };
    expect(stackOf(templates, 'base.html')).toContain('sub.html:1 (via base.html:1)');
  });

  it('in a base template', () => {
    const templates = { 'base.html': '{{ null.x }}', 'sub.html': "{% extends 'base.html' %}" };
    expect(stackOf(templates, 'sub.html')).toContain('(base.html:1 [');
  });

  it("in a child's block, via the base template", () => {
    const templates = {
      'base.html': "{% block 'block' %}{% end %}",
      'sub.html': "\n{% extends 'base.html' %}\n{% block 'block' %}\n{{ null.x }}\n{% end %}\n",
    };
    expect(stackOf(templates, 'sub.html')).toContain('sub.html:4 (via base.html:1)');
  });

  it('through several includes', () => {
    const templates = {
      'a.html': "{% include 'b.html' %}",
      'b.html': "{% include 'c.html' %}",
      'c.html': '{{ null.x }}',
    };
    expect(stackOf(templates, 'a.html')).toContain('c.html:1 (via b.html:1, a.html:1)');
  });

  it('counts lines as the template does, whatever breaks V8 counts in the generated code', () => {
    // U+2028 in text, CRLF line ends, an expression over several lines.
    const stack = stackOf(
      { 'test.html': 'a\u2028b\r\n{{ [\r\n1,\n2] }}\r\n{{ null.x }}' },
      'test.html',
    );
    expect(stack).toContain('(test.html:5 [');
  });

  it('keeps the error itself: its class, message and identity', () => {
    const error = new RangeError('mine');
    const fail = () => {
      throw error;
    };
    expect(thrown(() => render('{{ fail() }}', { fail }))).toBe(error);
    expect(error.message).toBe('mine');
    expect(
      thrown(() =>
        render('{{ fail() }}', {
          fail: () => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- what templates must pass on untouched
            throw 'a string';
          },
        }),
      ),
    ).toBe('a string');
  });
});

describe('parse errors (ParseErrorDetailTest)', () => {
  it('name the file and line', () => {
    const loader = new DictLoader({ 'foo.html': '\n\n{{' });
    const error = parseErrorOf(() => loader.load('foo.html'));
    expect(error.message).toBe('Missing end expression }} at foo.html:3');
    expect(error.reason).toBe('Missing end expression }}');
    expect(error.filename).toBe('foo.html');
    expect(error.lineno).toBe(3);
    expect(error.code).toBe('ERR_AIO_TEMPLATE_PARSE');
    expect(error.name).toBe('ParseError');
  });

  it('can be made with a message alone', () => {
    const error = new ParseError('asdf');
    expect(error.message).toBe('asdf');
    expect(error.filename).toBeUndefined();
    expect(error.lineno).toBe(0);
  });

  it.each([
    // The line is the reader's, at the last tag before the end of the file, as in tornado.
    ['{% if x %}\n\nno end', 'Missing {% end %} block for if at t.html:1'],
    ['\n\n{% for x in y %}\n', 'Missing {% end %} block for for at t.html:3'],
    ['{% end %}', 'Extra {% end %} block at t.html:1'],
    ['{% else %}', 'else outside if, for, while or try block at t.html:1'],
    [
      '{% while x %}{% elif y %}{% end %}',
      'elif block cannot be attached to while block at t.html:1',
    ],
    ['{% bogus %}', "unknown operator: 'bogus' at t.html:1"],
    ['{{ }}', 'Empty expression at t.html:1'],
    ['{% %}', 'Empty block tag ({% %}) at t.html:1'],
    ['{# never closed', 'Missing end comment #} at t.html:1'],
    ['{% if x', 'Missing end block %} at t.html:1'],
    ['{% extends %}', 'extends missing file path at t.html:1'],
    ['{% include "" %}', 'include missing file path at t.html:1'],
    ['{% set %}', 'set missing statement at t.html:1'],
    ['\n{% apply %}{% end %}', 'apply missing method name at t.html:2'],
    ['{% block %}{% end %}', 'block missing name at t.html:1'],
    ['{% whitespace wide %}', 'invalid whitespace mode wide at t.html:1'],
    ['{% for x of xs %}{% end %}', 'for needs "target in iterable", got "x of xs" at t.html:1'],
    ['{% for a.b in xs %}{% end %}', 'for cannot assign to a.b at t.html:1'],
    ['{% if a %}{% else %}\n{% elif b %}{% end %}', 'elif block after else block at t.html:2'],
    [
      '{% try %}{% finally %}\n{% except %}{% end %}',
      'except block after finally block at t.html:2',
    ],
    [
      '{% try %}{% except %}\n{% except E %}{% end %}',
      'except block after a bare except block at t.html:2',
    ],
    ['{% try %}\n{% else %}{% end %}', 'else block in try block without except at t.html:2'],
    ['{% try %}x{% end %}', 'try block without except or finally at t.html:1'],
  ])('%j: %s', (source, message) => {
    expect(parseErrorOf(() => new Template(source, { name: 't.html' })).message).toBe(message);
  });

  it('name the tag whose JavaScript does not parse, in an included template too', () => {
    const error = parseErrorOf(() => new Template('ok\n\n{{ 1 + }}', { name: 'bad.html' }));
    expect(error.message).toMatch(/^\{\{ 1 \+ \}\} is not valid JavaScript \(.+\) at bad\.html:3$/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
    const loader = new DictLoader({
      'a.html': '{% include "b.html" %}',
      'b.html': '\n{% if x === %}{% end %}',
    });
    expect(parseErrorOf(() => loader.load('a.html')).message).toMatch(
      /^\{% if x === %\} is not valid JavaScript .* at b\.html:2$/,
    );
  });

  it('stop an include or extends loop at the tag that closes it', () => {
    const loader = new DictLoader({
      'a.html': '{% include "b.html" %}',
      'b.html': '\n{% extends "a.html" %}',
    });
    const error = parseErrorOf(() => loader.load('a.html'));
    expect(error.message).toBe(
      '{% extends %} makes a loop: a.html -> b.html -> a.html at b.html:2',
    );
    expect(() => new DictLoader({ 's.html': '{% include "s.html" %}' }).load('s.html')).toThrow(
      '{% include %} makes a loop: s.html -> s.html at s.html:1',
    );
  });

  it('say that extends and include need a loader', () => {
    expect(() => new Template('{% extends "b.html" %}')).toThrow(
      '{% extends %} block found, but no template loader at <string>:1',
    );
    expect(() => new Template('\n{% include "b.html" %}')).toThrow(
      '{% include %} block found, but no template loader at <string>:2',
    );
  });
});

describe('autoescape and whitespace (AutoEscapeTest)', () => {
  const templates = {
    'escaped.html': '{% autoescape xhtmlEscape %}{{ name }}',
    'unescaped.html': '{% autoescape None %}{{ name }}',
    'default.html': '{{ name }}',
    'include.html':
      "escaped: {% include 'escaped.html' %}\n" +
      "unescaped: {% include 'unescaped.html' %}\n" +
      "default: {% include 'default.html' %}\n",
    'escaped_block.html': '{% autoescape xhtmlEscape %}{% block name %}base: {{ name }}{% end %}',
    'unescaped_block.html': '{% autoescape None %}{% block name %}base: {{ name }}{% end %}',
    'escaped_extends_unescaped.html':
      '{% autoescape xhtmlEscape %}{% extends "unescaped_block.html" %}',
    'escaped_overrides_unescaped.html':
      '{% autoescape xhtmlEscape %}{% extends "unescaped_block.html" %}' +
      '{% block name %}extended: {{ name }}{% end %}',
    'unescaped_extends_escaped.html': '{% autoescape None %}{% extends "escaped_block.html" %}',
    'unescaped_overrides_escaped.html':
      '{% autoescape None %}{% extends "escaped_block.html" %}' +
      '{% block name %}extended: {{ name }}{% end %}',
    'raw_expression.html': '{% autoescape xhtmlEscape %}expr: {{ name }}\nraw: {% raw name %}',
  };

  it('is off for a loader made with autoescape: null, except where a file turns it on', () => {
    const loader = new DictLoader(templates, { autoescape: null });
    const name = 'Bobby <table>s';
    expect(loader.load('escaped.html').generateString({ name })).toBe('Bobby &lt;table&gt;s');
    expect(loader.load('unescaped.html').generateString({ name })).toBe('Bobby <table>s');
    expect(loader.load('default.html').generateString({ name })).toBe('Bobby <table>s');
    expect(loader.load('include.html').generateString({ name })).toBe(
      'escaped: Bobby &lt;table&gt;s\nunescaped: Bobby <table>s\ndefault: Bobby <table>s\n',
    );
  });

  it('is xhtmlEscape by default, except where a file turns it off', () => {
    const loader = new DictLoader(templates, { autoescape: 'xhtmlEscape' });
    const name = 'Bobby <table>s';
    expect(loader.load('escaped.html').generateString({ name })).toBe('Bobby &lt;table&gt;s');
    expect(loader.load('unescaped.html').generateString({ name })).toBe('Bobby <table>s');
    expect(loader.load('default.html').generateString({ name })).toBe('Bobby &lt;table&gt;s');
    expect(loader.load('include.html').generateString({ name })).toBe(
      'escaped: Bobby &lt;table&gt;s\nunescaped: Bobby <table>s\ndefault: Bobby &lt;table&gt;s\n',
    );
  });

  it("follows each block's own file", () => {
    const loader = new DictLoader(templates);
    const generate = (name: string) => loader.load(name).generateString({ name: '<script>' });
    expect(generate('escaped_block.html')).toBe('base: &lt;script&gt;');
    expect(generate('unescaped_block.html')).toBe('base: <script>');
    expect(generate('escaped_extends_unescaped.html')).toBe('base: <script>');
    expect(generate('escaped_overrides_unescaped.html')).toBe('extended: &lt;script&gt;');
    expect(generate('unescaped_extends_escaped.html')).toBe('base: &lt;script&gt;');
    expect(generate('unescaped_overrides_escaped.html')).toBe('extended: <script>');
  });

  it('leaves {% raw %} alone', () => {
    const loader = new DictLoader(templates);
    expect(loader.load('raw_expression.html').generateString({ name: '<>&"' })).toBe(
      'expr: &lt;&gt;&amp;&quot;\nraw: <>&"',
    );
  });

  it('applies the last {% autoescape %} of a file to the whole file, as tornado does', () => {
    expect(render('{{ a }}{% autoescape None %}{{ a }}', { a: '<' })).toBe('<<');
    expect(new Template('{% autoescape null %}').autoescape).toBeNull();
    expect(new Template('x', { autoescape: null }).generateString()).toBe('x');
  });

  it('calls a custom escape function with a string', () => {
    const loader = new DictLoader({ 'foo.py': '{% autoescape pyEscape %}s = {{ name }}\n' });
    const pyEscape = (s: unknown) => {
      expect(typeof s).toBe('string');
      return JSON.stringify(s);
    };
    const generate = (name: unknown) => loader.load('foo.py').generateString({ pyEscape, name });
    expect(generate('<html>')).toBe('s = "<html>"\n');
    expect(generate("';process.exit()")).toBe(`s = "';process.exit()"\n`);
    expect(generate(['not a string'])).toBe('s = "not a string"\n');
  });

  it('allows whitespace and newlines inside tags', () => {
    const loader = new DictLoader({
      'foo.txt': '{% for i in items\n  %}{% if i > 0 %}, {% end %}{#\n  #}{{i\n  }}{% end\n%}',
    });
    expect(loader.load('foo.txt').generateString({ items: range(5) })).toBe('0, 1, 2, 3, 4');
  });

  it('compresses whitespace in .html and .js files, each file by its own name', () => {
    const loader = new DictLoader({
      'foo.html': '   \n\t\n asdf\t   ',
      'bar.js': ' \n\n\n\t qwer     ',
      'baz.txt': '\t    zxcv\n\n',
      'include.html': '  {% include baz.txt %} \n ',
      'include.txt': '\t\t{% include foo.html %}    ',
    });
    expect(loader.load('foo.html').generateString()).toBe('\nasdf ');
    expect(loader.load('bar.js').generateString()).toBe('\nqwer ');
    expect(loader.load('baz.txt').generateString()).toBe('\t    zxcv\n\n');
    expect(loader.load('include.html').generateString()).toBe(' \t    zxcv\n\n\n');
    expect(loader.load('include.txt').generateString()).toBe('\t\t\nasdf     ');
  });

  it("takes the loader's whitespace mode for every file", () => {
    const sources = { 'foo.html': '\t\tfoo\n\n', 'bar.txt': '\t\tbar\n\n' };
    const generate = (whitespace: 'all' | 'single' | 'oneline', name: string) =>
      new DictLoader(sources, { whitespace }).load(name).generateString();
    expect(generate('all', 'foo.html')).toBe('\t\tfoo\n\n');
    expect(generate('all', 'bar.txt')).toBe('\t\tbar\n\n');
    expect(generate('single', 'foo.html')).toBe(' foo\n');
    expect(generate('single', 'bar.txt')).toBe(' bar\n');
    expect(generate('oneline', 'foo.html')).toBe(' foo ');
    expect(generate('oneline', 'bar.txt')).toBe(' bar ');
  });

  it('changes mode at {% whitespace %}', () => {
    const loader = new DictLoader({
      'foo.html':
        '{% whitespace oneline %}\n    {% for i in range(3) %}\n        {{ i }}\n    {% end %}\n' +
        '{% whitespace all %}\n    pre\tformatted\n',
    });
    expect(loader.load('foo.html').generateString({ range })).toBe(
      '  0  1  2  \n    pre\tformatted\n',
    );
  });

  it('takes the deprecated compressWhitespace, but not with whitespace', () => {
    expect(new Template('a  \n\n b', { compressWhitespace: true }).generateString()).toBe('a\nb');
    expect(
      new Template('a  b', { name: 'x.html', compressWhitespace: false }).generateString(),
    ).toBe('a  b');
    expect(() => new Template('', { compressWhitespace: true, whitespace: 'all' })).toThrow(
      'cannot set both whitespace and compressWhitespace',
    );
  });

  it("compresses what Python's \\s matches, not JavaScript's", () => {
    expect(filterWhitespace('oneline', 'a\x1c\x85b\ufeffc')).toBe('a b\ufeffc');
    expect(filterWhitespace('single', 'a \t b \r\n\n c')).toBe('a b\nc');
    expect(filterWhitespace('single', 'x<pre>  y')).toBe('x<pre> y');
    expect(render('  <pre>  kept  </pre>  ', {})).toBe('  <pre>  kept  </pre>  ');
    expect(() => filterWhitespace('wide' as 'all', '')).toThrow(RangeError);
  });
});

describe('Loader (TemplateLoaderTest)', () => {
  const root = mkdtempSync(join(tmpdir(), 'aio-template-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads UTF-8 files, keeping a byte order mark as Python does', () => {
    writeFileSync(join(root, 'utf8.html'), 'Héllo\n');
    writeFileSync(join(root, 'bom.txt'), '\ufeffbom');
    const loader = new Loader(root);
    expect(loader.load('utf8.html').generateString().trim()).toBe('Héllo');
    expect(loader.load('bom.txt').generateString()).toBe('\ufeffbom');
  });

  it('refuses a file that is not UTF-8', () => {
    writeFileSync(join(root, 'latin1.txt'), Buffer.from([0x48, 0xe9]));
    expect(() => new Loader(root).load('latin1.txt')).toThrow(TypeError);
  });

  it('caches each template until reset()', () => {
    writeFileSync(join(root, 'cached.txt'), 'one');
    const loader = new Loader(root);
    const first = loader.load('cached.txt');
    writeFileSync(join(root, 'cached.txt'), 'two');
    expect(loader.load('cached.txt')).toBe(first);
    expect(loader.load('cached.txt').generateString()).toBe('one');
    loader.reset();
    expect(loader.load('cached.txt').generateString()).toBe('two');
  });

  it('resolves names against the including file, within the root', () => {
    const loader = new Loader('/srv/t');
    expect(loader.resolvePath('b.html', 'dir/a.html')).toBe('dir/b.html');
    expect(loader.resolvePath('../b.html', 'dir/a.html')).toBe('b.html');
    expect(loader.resolvePath('/abs.html', 'dir/a.html')).toBe('/abs.html');
    expect(loader.resolvePath('b.html', '<string>')).toBe('b.html');
    expect(loader.resolvePath('../t2/x.html', 'a.html')).toBe('../t2/x.html');
    const dict = new DictLoader({});
    expect(dict.resolvePath('../b/3.html', 'a/2.html')).toBe('b/3.html');
    expect(dict.resolvePath('2.html', 'a/1.html')).toBe('a/2.html');
  });

  it('throws TemplateNotFoundError naming the template and the tag that asked for it', () => {
    const loader = new Loader(root);
    const missing = thrown(() => loader.load('nope.html'));
    if (!(missing instanceof TemplateNotFoundError)) throw missing;
    expect(missing.templateName).toBe('nope.html');
    expect((missing.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    const dict = new DictLoader({ 'a.html': 'x\n{% include "gone.html" %}' });
    expect(() => dict.load('a.html')).toThrow(
      'DictLoader has no template gone.html ({% include %} at a.html:2)',
    );
  });

  it('checks its options', () => {
    expect(() => new DictLoader({}, { whitespace: 'wide' as 'all' })).toThrow(
      'DictLoader(): whitespace must be "all", "single" or "oneline", got',
    );
    expect(() => new Loader(42 as unknown as string)).toThrow(TypeError);
    expect(() => new Template(42 as unknown as string)).toThrow(TypeError);
    expect(String(new Loader('/srv/t'))).toBe('<Loader /srv/t>');
  });

  it('lets a subclass decide where templates come from', () => {
    class MapLoader extends BaseLoader {
      constructor(private readonly sources: Map<string, string>) {
        super({ autoescape: null });
      }
      resolvePath(name: string): string {
        return name.toLowerCase();
      }
      protected createTemplate(name: string): Template {
        return new Template(this.sources.get(name)!, { name, loader: this });
      }
    }
    const loader = new MapLoader(
      new Map([
        ['a', '{% include B %}<'],
        ['b', '{{ "&" }}'],
      ]),
    );
    expect(loader.load('A').generateString()).toBe('&<');
  });
});

describe('the public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'BaseLoader',
      'DictLoader',
      'Loader',
      'ParseError',
      'Template',
      'TemplateNotFoundError',
      'filterWhitespace',
    ]);
  });
});

// ─── The fixture directory, rendered by tornado and by us ────────────────────────────────────────

/** The namespace every fixture is rendered with: only JSON, so Python gets the same. */
const FIXTURE_DATA = {
  title: 'Fish & <Chips>',
  user: { name: "O'Brien", role: 'admin', tags: ['a<b', 'c&d'] },
  items: [
    { name: 'apple', price: 3 },
    { name: 'pear <ripe>', price: 5 },
    { name: 'fig', price: 2 },
  ],
  pairs: [
    ['one', 1],
    ['two', 2],
  ],
  count: 7,
  empty: [],
  html: '<em>raw</em>',
  url: 'http://example.com/?a=1&b=2',
  text: '  lots   of\n\n  space  ',
  query: 'a b&c=d/é',
  item: { name: 'standalone' },
  who: 'nobody',
};

/** What render_templates.py puts in tornado's loader namespace, as JavaScript. */
const FIXTURE_HELPERS = {
  upper: (text: string) => text.toUpperCase(),
  _tt_modules: { Box: (text: string) => `<div class="box">${text}</div>` },
};

function fixtureNames(dir = TEMPLATES): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? fixtureNames(path) : [relative(TEMPLATES, path)];
  });
}

const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;

/** Why tornado cannot render the fixtures here, or null when it can. */
function tornadoMissing(): string | null {
  if (python === null) return 'no /usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import tornado.template'], {
    stdio: 'ignore',
    timeout: 10_000,
  });
  return probe.status === 0 ? null : '/usr/bin/python3 cannot import tornado';
}

const missing = tornadoMissing();
const describeTornado = missing === null ? describe : describe.skip;

describeTornado(
  `the fixture directory renders as tornado renders it${missing === null ? '' : ` [skipped: ${missing}]`}`,
  () => {
    const names = fixtureNames().sort();
    let theirs: Record<string, { ok?: string; error?: string }> = {};

    it('tornado renders every fixture', () => {
      const run = spawnSync(python!, [join(FIXTURES, 'render_templates.py'), TEMPLATES], {
        input: JSON.stringify(FIXTURE_DATA),
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.stderr).toBe('');
      theirs = JSON.parse(run.stdout) as typeof theirs;
      expect(Object.keys(theirs).sort()).toEqual(names);
      for (const name of names) expect(theirs[name], name).toHaveProperty('ok');
    });

    it.each(names)('%s', (name) => {
      const loader = new Loader(TEMPLATES, { namespace: FIXTURE_HELPERS });
      const ours = loader.load(name).generate({ ...FIXTURE_DATA, range });
      const expected = Buffer.from(theirs[name]?.ok ?? '', 'base64');
      expect(ours.toString('utf8')).toBe(expected.toString('utf8'));
      expect(ours.equals(expected)).toBe(true);
    });
  },
);
