/**
 * A template's generated function: compiled with `new Function`, run, and its errors taken back
 * to template lines.
 *
 * **Names.** Template code refers to the namespace's names as plain identifiers (`{{ name }}`),
 * and JavaScript has two ways to give a function names it does not declare: `with`, which strict
 * code forbids and V8 cannot optimise, or declaring them. The program declares them. The first
 * line of the function takes from the namespace each name the template's code mentions
 * (`var name = _tt_kwargs.name, escape = _tt_defaults.escape;`), and takes only those the
 * namespace has, so that any other name is what it is in JavaScript: a global (`Math`, `JSON`)
 * or a ReferenceError, as Python's NameError. Which names the namespace has is known only when
 * `generate()` is called, so the program compiles one function per pattern of names present
 * (almost always one per template) and keeps it. On a small list page (20 items, 2 names each),
 * the declared names render in about 11 µs, a `with` over the merged namespace object takes 3
 * times as long and a `with` over a Proxy of the three layers 8 times (Node 20, one run).
 *
 * **Errors.** The function is compiled with a `//# sourceURL` of its own, so V8 names it in every
 * stack frame (`at _tt_execute (page.html.generated-3.js:12:7)`); an error thrown through it has
 * those frames rewritten to the template line the generated line came from, as tornado's
 * traceback shows the `# page.html:4` comment of its generated Python:
 * `at _tt_execute (page.html:4 (via base.html:2) [line 12 of page.html's generated code])`.
 * The error itself is not wrapped: a TypeError stays a TypeError.
 *
 * A SyntaxError from `new Function` says nothing about where; the program then parses each piece
 * of template code on its own, and the first that fails is a ParseError at its tag's line.
 */
import { toUnicode } from '../escape/text';
import type { CodeWriter, Fragment } from './code-writer';
import { ParseError } from './errors';
import { isBindableName } from './javascript';
import type { ByteOutput } from './output';

/**
 * The generated function, from the three layers of the namespace: the rendered text, or (a
 * bytes function, see `OutputMode`) where the bytes it wrote into `output` end.
 */
type Execute<R> = (defaults: object, namespace: object, kwargs: object, output?: ByteOutput) => R;

/** Where a name comes from, one letter per name the template mentions: see `signature()`. */
type Signature = string;

/**
 * How many functions a template keeps, one per pattern of names present. A caller that passes
 * ever different names would otherwise grow the cache without bound; past this it starts over.
 */
const MAX_COMPILED = 32;

let programs = 0;

/** A template's function, which gives `R`: a string, or a number for a bytes function. */
export class Program<R> {
  /** The generated source, as `Template.code` shows it. */
  readonly code: string;
  readonly #name: string;
  readonly #lines: readonly string[];
  readonly #texts: readonly Uint8Array[];
  readonly #locations: readonly string[];
  readonly #namespaceLine: number;
  /** The names the template's code mentions that a namespace can give it. */
  readonly #names: readonly string[];
  readonly #sourceUrl: string;
  readonly #frames: RegExp;
  readonly #compiled = new Map<Signature, Execute<R>>();
  #fragments: readonly Fragment[];

  /**
   * Compiles the function for the names `defaults` and `namespace` hold (which are there at
   * every call), so that a template that is not valid JavaScript fails when it is built.
   */
  constructor(writer: CodeWriter, name: string, defaults: object, namespace: object) {
    this.#name = name;
    this.#lines = writer.lines;
    this.#texts = writer.texts;
    this.#locations = writer.locations;
    this.#namespaceLine = writer.namespaceLine;
    this.#fragments = writer.fragments;
    this.#names = [...writer.identifiers].filter(
      (id) => isBindableName(id) && (!id.startsWith('_tt_') || id === '_tt_modules'),
    );
    this.#sourceUrl = `${name.replace(/[^\w./@+-]/g, '_')}.generated-${++programs}.js`;
    this.#frames = new RegExp(`${escapeRegExp(this.#sourceUrl)}:(\\d+):\\d+`, 'g');
    const signature = this.signature(defaults, namespace, {});
    this.code = this.source(signature);
    this.compile(signature);
    this.#fragments = [];
  }

  /**
   * Runs the function for these layers (the later layer wins), and a bytes function into
   * `output`, rethrowing with template lines.
   */
  run(defaults: object, namespace: object, kwargs: object, output?: ByteOutput): R {
    const signature = this.signature(defaults, namespace, kwargs);
    const execute = this.#compiled.get(signature) ?? this.compile(signature);
    try {
      return execute(defaults, namespace, kwargs, output);
    } catch (error) {
      this.annotate(error);
      throw error;
    }
  }

  /** One letter per name: from `k`wargs, the loader's `n`amespace, the `d`efaults, or none. */
  private signature(defaults: object, namespace: object, kwargs: object): Signature {
    let signature = '';
    for (const name of this.#names) {
      signature += Object.hasOwn(kwargs, name)
        ? 'k'
        : Object.hasOwn(namespace, name)
          ? 'n'
          : Object.hasOwn(defaults, name)
            ? 'd'
            : '-';
    }
    return signature;
  }

  private source(signature: Signature): string {
    const layers: Record<string, string> = {
      k: '_tt_kwargs',
      n: '_tt_namespace',
      d: '_tt_defaults',
    };
    const taken: string[] = [];
    this.#names.forEach((name, index) => {
      const layer = layers[signature[index]!];
      if (layer !== undefined) taken.push(`${name} = ${layer}.${name}`);
    });
    const lines = [...this.#lines];
    const declaration =
      taken.length === 0 ? '// (no names from the namespace)' : `var ${taken.join(', ')};`;
    lines[this.#namespaceLine] = `${lines[this.#namespaceLine]!}${declaration}`;
    return [
      '"use strict";',
      ...lines,
      'return _tt_execute;',
      `//# sourceURL=${this.#sourceUrl}`,
    ].join('\n');
  }

  private compile(signature: Signature): Execute<R> {
    let factory: (str: typeof toText, texts: readonly Uint8Array[]) => Execute<R>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiling templates is the point
      factory = new Function('_tt_str', '_tt_texts', this.source(signature)) as typeof factory;
    } catch (error) {
      if (error instanceof SyntaxError) throw this.locate(error);
      throw error;
    }
    if (this.#compiled.size >= MAX_COMPILED) this.#compiled.clear();
    const execute = factory(toText, this.#texts);
    this.#compiled.set(signature, execute);
    return execute;
  }

  /** The tag whose code does not parse, as a ParseError at its line. */
  private locate(error: SyntaxError): ParseError {
    for (const fragment of this.#fragments) {
      try {
        // Parsed, never called.
        // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a syntax check
        new Function(fragment.check);
      } catch (inner) {
        if (!(inner instanceof SyntaxError)) continue;
        const reason = `${fragment.tag} is not valid JavaScript (${inner.message})`;
        return new ParseError(reason, fragment.name, fragment.line, { cause: inner });
      }
    }
    const reason = `the generated JavaScript does not compile (${error.message})`;
    return new ParseError(reason, this.#name, 0, { cause: error });
  }

  /** Rewrites the frames of this function in `error.stack` to template lines. */
  private annotate(error: unknown): void {
    if (typeof error !== 'object' || error === null) return;
    const stack = (error as { stack?: unknown }).stack;
    if (typeof stack !== 'string' || !stack.includes(this.#sourceUrl)) return;
    const rewritten = stack.replace(this.#frames, (_frame, line: string) => {
      // Line 1 of the source is "use strict"; V8 counts the lines of its own header too.
      const codeLine = Number(line) - bodyLineOffset();
      const location = this.#locations[codeLine - 2] ?? `${this.#name}:?`;
      return `${location} [line ${codeLine} of ${this.#name}'s generated code]`;
    });
    try {
      (error as { stack: string }).stack = rewritten;
    } catch {
      // A frozen error keeps the stack it has.
    }
  }
}

/** A value as the text a template writes: strings as they are, bytes as UTF-8, else `String()`. */
function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return toUnicode(value);
  return String(value);
}

let lineOffset: number | undefined;

/** The lines V8 puts before a `new Function` body (`function anonymous(…\n) {\n`): 2 in V8 11. */
function bodyLineOffset(): number {
  if (lineOffset === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a fixed probe
    const probe = new Function(
      'return new Error();\n//# sourceURL=aio-template-probe.js',
    ) as () => Error;
    const match = /aio-template-probe\.js:(\d+):/.exec(probe().stack ?? '');
    lineOffset = match === null ? 2 : Number(match[1]) - 1;
  }
  return lineOffset;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
