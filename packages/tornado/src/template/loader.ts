/**
 * Template loaders (tornado/template.py `BaseLoader`, `Loader`, `DictLoader`): each resolves a
 * name against the template that asked for it, builds the template once, and keeps it until
 * `reset()`.
 *
 * Names are trusted, as in tornado: a `Loader` reads the file a name resolves to, an absolute
 * name or one climbing out of the root included. Do not pass a name that came from a request.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { optionTypeError, optionValueError } from '../log/errors';
import { TemplateNotFoundError } from './errors';
import { whileBuilding } from './loading';
import { DEFAULT_AUTOESCAPE, Template } from './template';
import { isWhitespaceMode, type WhitespaceMode } from './whitespace';

export interface LoaderOptions {
  /** The autoescape function of the templates loaded (see `TemplateOptions`): `'xhtmlEscape'`. */
  autoescape?: string | null;
  /** Names every template loaded can use, between the defaults and `generate()`'s. */
  namespace?: Record<string, unknown>;
  /** The whitespace mode of every template loaded; by default it depends on each name. */
  whitespace?: WhitespaceMode;
}

/**
 * What a loader is: `resolvePath` and `createTemplate` are a subclass's, `load` caches.
 *
 * @example
 * ```ts
 * class MapLoader extends BaseLoader {
 *   constructor(private readonly sources: Map<string, string>) {
 *     super();
 *   }
 *   resolvePath(name: string): string {
 *     return name;
 *   }
 *   protected createTemplate(name: string): Template {
 *     return new Template(this.sources.get(name)!, { name, loader: this });
 *   }
 * }
 * ```
 */
export abstract class BaseLoader {
  readonly autoescape: string | null;
  readonly namespace: Record<string, unknown>;
  readonly whitespace: WhitespaceMode | undefined;
  readonly #templates = new Map<string, Template>();

  constructor(options: LoaderOptions = {}) {
    const where = `${new.target.name}()`;
    const { autoescape = DEFAULT_AUTOESCAPE, namespace = {}, whitespace } = options;
    if (autoescape !== null && typeof autoescape !== 'string') {
      throw optionTypeError(where, 'autoescape', 'a string or null', autoescape);
    }
    if (typeof namespace !== 'object' || namespace === null) {
      throw optionTypeError(where, 'namespace', 'an object', namespace);
    }
    if (whitespace !== undefined && !isWhitespaceMode(whitespace)) {
      throw optionValueError(where, 'whitespace', '"all", "single" or "oneline"', whitespace);
    }
    this.autoescape = autoescape;
    this.namespace = namespace;
    this.whitespace = whitespace;
  }

  /** Forgets the templates built so far; the next `load` of each builds it again. */
  reset(): void {
    this.#templates.clear();
  }

  /** The name `name` stands for when `parentPath` (a template's name) refers to it. */
  abstract resolvePath(name: string, parentPath?: string): string;

  /**
   * The template `name` stands for (relative to `parentPath`), built on first use.
   * @throws TemplateNotFoundError when there is no such template, ParseError when it is malformed
   */
  load(name: string, parentPath?: string): Template {
    const resolved = this.resolvePath(name, parentPath);
    let template = this.#templates.get(resolved);
    if (template === undefined) {
      template = whileBuilding(this, resolved, () => this.createTemplate(resolved));
      this.#templates.set(resolved, template);
    }
    return template;
  }

  /** Builds the template of a resolved name, with `loader: this`. */
  protected abstract createTemplate(name: string): Template;

  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }

  toString(): string {
    return `<${this.constructor.name} templates=${this.#templates.size}>`;
  }
}

/**
 * Templates from the files under one directory.
 *
 * @example
 * ```ts
 * const loader = new Loader('/srv/app/templates', { namespace: { site: 'Example' } });
 * loader.load('index.html').generate({ user }); // index.html can {% include "nav.html" %}
 * ```
 */
export class Loader extends BaseLoader {
  /** The directory, absolute. */
  readonly root: string;

  constructor(rootDirectory: string, options?: LoaderOptions) {
    if (typeof rootDirectory !== 'string') {
      throw optionTypeError('Loader()', 'rootDirectory', 'a string', rootDirectory);
    }
    super(options);
    this.root = path.resolve(rootDirectory);
  }

  /** A name relative to `parentPath`'s directory, as a name under the root when it is one. */
  resolvePath(name: string, parentPath?: string): string {
    if (
      parentPath &&
      !parentPath.startsWith('<') &&
      !parentPath.startsWith('/') &&
      !name.startsWith('/')
    ) {
      const fileDir = path.dirname(path.resolve(this.root, parentPath));
      const relativePath = path.resolve(fileDir, name);
      // tornado tests `startswith(root)`, which a sibling `/root2` passes too.
      const prefix = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
      if (relativePath.startsWith(prefix)) return relativePath.slice(prefix.length);
    }
    return name;
  }

  protected createTemplate(name: string): Template {
    const file = path.resolve(this.root, name);
    let source: Buffer;
    try {
      source = readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
        throw new TemplateNotFoundError(name, `Loader has no template ${name} (${file}: ${code})`, {
          cause: error,
        });
      }
      throw error;
    }
    return new Template(source, { name, loader: this });
  }

  override toString(): string {
    return `<Loader ${this.root}>`;
  }
}

/**
 * Templates from an object of name → source.
 *
 * @example
 * ```ts
 * const loader = new DictLoader({
 *   'base.html': '<title>{% block title %}{% end %}</title>',
 *   'page.html': '{% extends "base.html" %}{% block title %}Hi{% end %}',
 * });
 * loader.load('page.html').generateString(); // '<title>Hi</title>'
 * ```
 */
export class DictLoader extends BaseLoader {
  readonly dict: Readonly<Record<string, string | Uint8Array>>;

  constructor(dict: Readonly<Record<string, string | Uint8Array>>, options?: LoaderOptions) {
    if (typeof dict !== 'object' || dict === null) {
      throw optionTypeError('DictLoader()', 'dict', 'an object', dict);
    }
    super(options);
    this.dict = dict;
  }

  /** A name relative to `parentPath`'s directory, normalised as a POSIX path. */
  resolvePath(name: string, parentPath?: string): string {
    if (
      parentPath &&
      !parentPath.startsWith('<') &&
      !parentPath.startsWith('/') &&
      !name.startsWith('/')
    ) {
      return path.posix.normalize(path.posix.join(path.posix.dirname(parentPath), name));
    }
    return name;
  }

  protected createTemplate(name: string): Template {
    if (!Object.hasOwn(this.dict, name)) {
      throw new TemplateNotFoundError(name, `DictLoader has no template ${name}`);
    }
    return new Template(this.dict[name]!, { name, loader: this });
  }
}
