/**
 * The template module's two errors (tornado/template.py raises `ParseError` and lets a missing
 * template surface as the loader's own `KeyError` or `FileNotFoundError`; here both are named).
 * Errors thrown by the code inside a template are not wrapped: they keep their class, and their
 * stack gains the template file and line (see `./runtime`).
 */

/**
 * A template that cannot be compiled: a malformed tag, a block without `{% end %}`, an
 * intermediate tag in the wrong place, JavaScript that does not parse, a directive this port
 * refuses (`{% import %}`). The message ends with the place, as tornado's `str()` does:
 * `Missing {% end %} block for if at test.html:3`.
 *
 * @example
 * ```ts
 * try {
 *   new Template('\n\n{{', { name: 'foo.html' });
 * } catch (error) {
 *   if (error instanceof ParseError) console.log(error.filename, error.lineno, error.reason);
 *   // foo.html 3 Missing end expression }}
 * }
 * ```
 */
export class ParseError extends Error {
  override name = 'ParseError';
  readonly code = 'ERR_AIO_TEMPLATE_PARSE';
  /** The message without the place (tornado's `ParseError.message`). */
  readonly reason: string;
  /** The template's name, as its loader knows it; undefined when not known. */
  readonly filename: string | undefined;
  /** The line in that template, from 1; 0 when not known. */
  readonly lineno: number;

  constructor(reason: string, filename?: string, lineno = 0, options?: ErrorOptions) {
    super(filename === undefined ? reason : `${reason} at ${filename}:${lineno}`, options);
    this.reason = reason;
    this.filename = filename;
    this.lineno = lineno;
  }
}

/**
 * A loader has no template of that name: `DictLoader` has no such key, `Loader` no such file
 * (the `ENOENT` error is the `cause`). When the name came from an `{% include %}` or
 * `{% extends %}`, the message says which template asked, and at which line.
 */
export class TemplateNotFoundError extends Error {
  override name = 'TemplateNotFoundError';
  readonly code = 'ERR_AIO_TEMPLATE_NOT_FOUND';
  /** The name after the loader resolved it against the template that asked for it. */
  readonly templateName: string;

  constructor(templateName: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.templateName = templateName;
  }
}
