/**
 * A compiled template (tornado/template.py `Template`): parsed once, generated into one
 * JavaScript function (see `./nodes` for its shape and `./program` for how it is compiled and
 * run), rendered with a namespace as many times as needed.
 */
import { jsonEncode, linkify, squeeze, toUnicode, urlEscape, xhtmlEscape } from '../escape';
import { optionTypeError, optionValueError } from '../log/errors';
import { CodeWriter, type OutputMode } from './code-writer';
import type { BaseLoader } from './loader';
import { loadChild } from './loading';
import { ExtendsBlock, FileNode, parsedFile, setParsedFile, type NamedBlocks } from './nodes';
import { renderBytes } from './output';
import { parse } from './parse';
import { Program } from './program';
import { TemplateReader } from './reader';
import { isWhitespaceMode, type WhitespaceMode } from './whitespace';

/** The autoescape function of a template whose loader or options name none. */
export const DEFAULT_AUTOESCAPE = 'xhtmlEscape';

/**
 * What every template can call without being given it (tornado's `escape`, `xhtml_escape`,
 * `url_escape`, `json_encode`, `squeeze`, `linkify`, camelCased). tornado's `datetime` module
 * has no counterpart: `Date` is a global.
 */
const DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, unknown>, {
    escape: xhtmlEscape,
    xhtmlEscape,
    urlEscape,
    jsonEncode,
    squeeze,
    linkify,
  }),
);

export interface TemplateOptions {
  /** The name errors and stack frames show, and the base of relative `include`s: `<string>`. */
  name?: string;
  /** Where `{% include %}` and `{% extends %}` find other templates; needed to use them. */
  loader?: BaseLoader | null;
  /** Deprecated in tornado 4.3: `true` is `whitespace: 'single'`, `false` is `'all'`. */
  compressWhitespace?: boolean;
  /**
   * The function every `{{ }}` goes through, by the name a template calls it (`'xhtmlEscape'`),
   * or null to escape nothing. Default: the loader's, else `'xhtmlEscape'`.
   */
  autoescape?: string | null;
  /**
   * What to do with whitespace in the text: the loader's mode, else `'single'` for names ending in
   * `.html` or `.js` and `'all'` for others (see `filterWhitespace`).
   */
  whitespace?: WhitespaceMode;
}

/**
 * A compiled template.
 *
 * @example
 * ```ts
 * const t = new Template('<html>{{ myvalue }}</html>');
 * t.generate({ myvalue: 'XXX' }); // <Buffer 3c 68 74 6d 6c 3e 58 58 58 3c 2f ...>
 * t.generateString({ myvalue: '<b>' }); // '<html>&lt;b&gt;</html>'
 * ```
 */
export class Template {
  readonly name: string;
  /** The autoescape function's name after parsing (the file's last `{% autoescape %}` wins). */
  readonly autoescape: string | null;
  /** The loader's namespace (an empty one without a loader), between the defaults and generate's. */
  readonly namespace: Readonly<Record<string, unknown>>;
  readonly loader: BaseLoader | null;
  /**
   * The generated JavaScript, each line ending with the template line it came from, as compiled
   * for the defaults and the loader's namespace (a call to `generate()` with names the template
   * mentions adds them to the first line's `var`). This is the function `generateString()`
   * runs; `generate()` runs a twin that writes the bytes where this one builds a string.
   */
  readonly code: string;
  /** The function `generateString()` runs, whose code `code` is. */
  readonly #text: Program<string>;
  /** Its twin that `generate()` runs, which writes UTF-8 bytes (see `./output`). */
  readonly #bytes: Program<number>;

  /**
   * Parses and compiles `source` (bytes are decoded as UTF-8).
   * @throws ParseError for a template that is malformed or not valid JavaScript, at its line
   */
  constructor(source: string | Uint8Array, options: TemplateOptions = {}) {
    if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
      throw optionTypeError('Template()', 'source', 'a string or bytes', source);
    }
    const { name = '<string>', loader = null, compressWhitespace, autoescape } = options;
    let { whitespace } = options;
    if (typeof name !== 'string') throw optionTypeError('Template()', 'name', 'a string', name);
    if (autoescape !== undefined && autoescape !== null && typeof autoescape !== 'string') {
      throw optionTypeError('Template()', 'autoescape', 'a string or null', autoescape);
    }
    if (whitespace !== undefined && !isWhitespaceMode(whitespace)) {
      throw optionValueError(
        'Template()',
        'whitespace',
        '"all", "single" or "oneline"',
        whitespace,
      );
    }
    if (compressWhitespace !== undefined) {
      if (whitespace !== undefined) {
        throw Object.assign(
          new TypeError('Template(): cannot set both whitespace and compressWhitespace'),
          { code: 'ERR_INVALID_ARG_VALUE' },
        );
      }
      whitespace = compressWhitespace ? 'single' : 'all';
    }
    whitespace ??=
      loader?.whitespace ?? (name.endsWith('.html') || name.endsWith('.js') ? 'single' : 'all');

    this.name = name;
    this.loader = loader;
    this.namespace = loader?.namespace ?? {};
    const context = {
      template: this,
      autoescape:
        autoescape !== undefined
          ? autoescape
          : loader !== null
            ? loader.autoescape
            : DEFAULT_AUTOESCAPE,
    };
    const body = parse(new TemplateReader(name, toUnicode(source), whitespace), context);
    this.autoescape = context.autoescape;
    const file = new FileNode(this, body);
    setParsedFile(this, file);
    this.#text = new Program(generateCode(file, loader, 'text'), name, DEFAULTS, this.namespace);
    this.#bytes = new Program(generateCode(file, loader, 'bytes'), name, DEFAULTS, this.namespace);
    this.code = this.#text.code;
  }

  /**
   * Renders the template with `namespace`'s names (over the loader's and the defaults), as
   * UTF-8 bytes, as tornado returns.
   * @example
   * ```ts
   * new Template('Hello {{ name }}!').generate({ name: 'Ben' }).toString(); // 'Hello Ben!'
   * ```
   * @throws whatever the template's code throws, its stack showing template lines
   */
  generate(namespace: Record<string, unknown> = {}): Buffer {
    checkNamespace(namespace);
    return renderBytes((output) => this.#bytes.run(DEFAULTS, this.namespace, namespace, output));
  }

  /**
   * Renders the template as a string, without encoding it.
   * @example
   * ```ts
   * new Template('{{ a + b }}').generateString({ a: 1, b: 2 }); // '3'
   * ```
   */
  generateString(namespace: Record<string, unknown> = {}): string {
    checkNamespace(namespace);
    return this.#text.run(DEFAULTS, this.namespace, namespace);
  }

  get [Symbol.toStringTag](): string {
    return 'Template';
  }

  toString(): string {
    return `<Template ${this.name}>`;
  }
}

function checkNamespace(namespace: unknown): void {
  if (typeof namespace !== 'object' || namespace === null) {
    throw optionTypeError('Template.generate()', 'namespace', 'an object', namespace);
  }
}

/**
 * The function's code (tornado's `_generate_python`): from the root of the `{% extends %}`
 * chain, each `{% block %}` filled from the last template in the chain that has it.
 */
function generateCode(file: FileNode, loader: BaseLoader | null, mode: OutputMode): CodeWriter {
  const ancestors = ancestorsOf(file, loader).reverse();
  const namedBlocks: NamedBlocks = new Map();
  for (const ancestor of ancestors) ancestor.findNamedBlocks(loader, namedBlocks);
  const root = ancestors[0]!;
  const writer = new CodeWriter(namedBlocks, loader, root.template, mode);
  root.generate(writer);
  return writer;
}

/** `file`, then the files it extends, nearest first. */
function ancestorsOf(file: FileNode, loader: BaseLoader | null): FileNode[] {
  const ancestors = [file];
  for (const chunk of file.body.chunks) {
    if (chunk instanceof ExtendsBlock) {
      const name = file.template.name;
      const parent = loadChild(loader, chunk.name, name, chunk.line, 'extends');
      ancestors.push(...ancestorsOf(parsedFile(parent), loader));
    }
  }
  return ancestors;
}
