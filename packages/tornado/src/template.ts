/**
 * `@aio/tornado/template`: tornado's template language (tornado/template.py, as of 6.5),
 * compiled to JavaScript functions.
 *
 * ```html
 * <!-- base.html -->
 * <title>{% block title %}Default title{% end %}</title>
 * <ul>
 *   {% for student in students %}
 *     {% block student %}<li>{{ student.name }}</li>{% end %}
 *   {% end %}
 * </ul>
 *
 * <!-- bold.html -->
 * {% extends "base.html" %}
 * {% block title %}A bolder title{% end %}
 * {% block student %}<li><b>{{ student.name }}</b></li>{% end %}
 * ```
 *
 * ```ts
 * const loader = new Loader('templates');
 * loader.load('bold.html').generate({ students }); // a Buffer, as tornado returns bytes
 * ```
 *
 * Every tag tornado has is here, with tornado's parsing, whitespace modes, autoescaping,
 * `{% extends %}`/`{% block %}`/`{% include %}` resolution and error messages, so that a template
 * directory written in the common subset renders the same bytes under both (a test renders the
 * fixture directory with tornado and compares).
 *
 * ## Code inside tags is JavaScript
 *
 * tornado copies the code in `{{ … }}` and in block tags into Python; here it is copied into
 * JavaScript, so it is JavaScript that goes there: `{{ items.length }}`, `{% if a && !b %}`,
 * `{{ user?.name ?? 'anonymous' }}`, `{% set total = prices.reduce((a, b) => a + b, 0) %}`.
 * Names, attribute access, indexing, string literals, arithmetic and comparisons are written
 * the same in both languages, and so are most templates. The block tags keep tornado's Python
 * shape, translated:
 *
 * | tag | JavaScript |
 * | --- | --- |
 * | `{% if c %}…{% elif d %}…{% else %}…{% end %}` | `if (c) {…} else if (d) {…} else {…}` |
 * | `{% for x in xs %}`, `{% for k, v in pairs %}` | `for (var x of xs)`, `for (var [k, v] of pairs)` |
 * | `{% for … %}…{% else %}…{% end %}`, same for `while` | the `else` runs when no `{% break %}` left the loop |
 * | `{% while c %}` | `while (c)` |
 * | `{% try %}…{% except TypeError as e %}…{% except %}…{% else %}…{% finally %}…{% end %}` | one `catch` testing `instanceof` in order, rethrowing what no clause takes |
 * | `{% set x = 1 %}`, `{% set a, b = pair %}` | `var x = 1`, `var [a, b] = pair` |
 * | `{% set n += 1 %}`, `{% set o.k = v %}` | as written |
 *
 * - **Scope.** The namespace's names are local variables of the generated function (taken from
 *   the namespace when the template mentions them), other identifiers are JavaScript's globals,
 *   and a name that is neither is a ReferenceError, as Python's NameError. Variables made by
 *   `{% set %}` and loop targets are `var`s: they live in the whole template, as Python locals
 *   do, and an `{% include %}`d template sees them. Names starting `_tt_` are reserved; the
 *   one a namespace may give is `_tt_modules`, which `{% module expr %}` calls.
 * - **Truth.** `{% if %}` and `{% while %}` test JavaScript truthiness, the same truthiness as
 *   `&&`, `||` and `?:` inside the expression: an empty array or object is true, where Python's
 *   empty list or dict is false. Write `{% if items.length %}`.
 * - **Iteration.** `for` iterates with `of`: arrays, strings, Sets, Maps (as `[key, value]`
 *   pairs), generators. A plain object is not iterable (Python iterates a dict's keys): write
 *   `Object.keys(o)` or `Object.entries(o)`.
 * - **Output.** `{{ value }}` writes a string as it is, bytes decoded as UTF-8, anything else
 *   through `String()`: `null` writes `null` and `[1, 2]` writes `1,2` where Python writes
 *   `None` and `[1, 2]`; `true` is `true`, not `True`. The autoescape function and an
 *   `{% apply %}` function get and return strings, where tornado passes bytes.
 * - **Imports.** `{% import %}` and `{% from … import … %}` have no equivalent (a JavaScript
 *   import is asynchronous and not a statement a function can hold) and are a ParseError naming
 *   the file and line: put what templates need in the loader's `namespace`.
 * - **Names.** tornado's default functions are here camelCased: `escape` (and `xhtmlEscape`),
 *   `urlEscape`, `jsonEncode`, `squeeze`, `linkify`; the default autoescape is `xhtmlEscape`, so
 *   `{% autoescape xhtmlEscape %}`, and `{% autoescape None %}` (or `null`) turns it off.
 *   tornado's `datetime` module is not in the namespace: `Date` is a global.
 *
 * ## Errors
 *
 * A malformed template, a tag in the wrong place, and code that is not valid JavaScript are each
 * a `ParseError` when the template is built, its message ending with the file and line:
 * `Missing {% end %} block for if at test.html:3`. An error thrown by the code inside a
 * template keeps its class, and its stack names the template line (through includes, blocks and
 * UI modules), as tornado's traceback shows the line comments of its generated Python.
 *
 * @module @aio/tornado/template
 */
export { Template, type TemplateOptions } from './template/template';
export { BaseLoader, DictLoader, Loader, type LoaderOptions } from './template/loader';
export { ParseError, TemplateNotFoundError } from './template/errors';
export { filterWhitespace, type WhitespaceMode } from './template/whitespace';
