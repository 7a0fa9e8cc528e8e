/**
 * UI methods and modules (tornado/web.py `UIModule`, `TemplateModule`, and the application's
 * `ui_methods` and `ui_modules`): what a page's templates call besides their namespace.
 *
 * A UI method is a function of the handler and its arguments, called from a template as
 * `{{ greet('Ben') }}`. A UI module is a class whose `render` a template calls with
 * `{% module Entry(entry) %}` (not escaped); one instance per module name and request, so a
 * module rendered ten times on a page can add its CSS and JavaScript to the page once
 * (`embeddedCss`, `cssFiles`, `javascriptFiles` …), which `render` puts in the `<head>` and
 * before `</body>`.
 *
 * In a template the code is JavaScript, so tornado's keyword arguments become an object:
 * `{% module Template('entry.html', { entry }) %}`.
 */
import { inspect } from 'node:util';
import { linkify, type LinkifyOptions } from '../escape/linkify';
import type { HTTPServerRequest } from '../httputil/request';
import type { RequestHandler } from './handler';

/** A UI method: called with the handler first, then the template's arguments. */
export type UIMethod = (handler: RequestHandler, ...args: never[]) => unknown;

/** A `UIModule` subclass. */
export type UIModuleClass = new (handler: RequestHandler) => UIModule;

/**
 * A reusable piece of a page. Override `render`, and the resource methods the piece needs.
 * @example
 * ```ts
 * class Entry extends UIModule {
 *   override render(entry: { title: string }) {
 *     return this.renderString('entry.html', { entry });
 *   }
 *   override embeddedCss() {
 *     return '.entry { margin-bottom: 1em; }';
 *   }
 * }
 * new Application(handlers, { uiModules: { Entry } }); // {% module Entry(entry) %}
 * ```
 */
export class UIModule {
  readonly handler: RequestHandler;
  readonly request: HTTPServerRequest;

  constructor(handler: RequestHandler) {
    this.handler = handler;
    this.request = handler.request;
  }

  /** The handler's UI methods and modules. */
  get ui(): Readonly<Record<string, unknown>> {
    return this.handler.ui;
  }

  /** The handler's `currentUser`. */
  get currentUser(): unknown {
    return this.handler.currentUser;
  }

  /** What the module puts in the page: text, or bytes (UTF-8). */
  render(..._args: unknown[]): string | Uint8Array {
    throw new TypeError(`${this.constructor.name}.render() is not implemented`);
  }

  /** JavaScript for the end of the page's body. */
  embeddedJavascript(): string | null {
    return null;
  }

  /** Script URLs for the end of the body (relative ones through `staticUrl`). */
  javascriptFiles(): string | readonly string[] | null {
    return null;
  }

  /** CSS for the page's head. */
  embeddedCss(): string | null {
    return null;
  }

  /** Stylesheet URLs for the head (relative ones through `staticUrl`). */
  cssFiles(): string | readonly string[] | null {
    return null;
  }

  /** HTML for the end of the head. */
  htmlHead(): string | null {
    return null;
  }

  /** HTML for the end of the body. */
  htmlBody(): string | null {
    return null;
  }

  /** The handler's `renderString`. */
  renderString(path: string, kwargs: Record<string, unknown> = {}): Buffer {
    return this.handler.renderString(path, kwargs);
  }

  toString(): string {
    return `<${this.constructor.name} of ${String(this.handler)}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** `{% module linkify(text, options) %}`: `escape.linkify`. */
class LinkifyModule extends UIModule {
  override render(text: string, options?: LinkifyOptions): string {
    return linkify(text, options);
  }
}

/** `{% module xsrfFormHtml() %}`: the handler's `xsrfFormHtml()`. */
class XsrfFormHtmlModule extends UIModule {
  override render(): string {
    return this.handler.xsrfFormHtml();
  }
}

/** The resources a template rendered by `TemplateModule` declares with `setResources`. */
export interface TemplateResources {
  readonly embeddedJavascript?: string;
  readonly javascriptFiles?: string | readonly string[];
  readonly embeddedCss?: string;
  readonly cssFiles?: string | readonly string[];
  readonly htmlHead?: string;
  readonly htmlBody?: string;
}

/**
 * `{% module Template('entry.html', { entry }) %}`: renders another template as a module. That
 * template may call `setResources({ embeddedCss: …, javascriptFiles: … })` to add to the page,
 * once however often it is rendered.
 */
export class TemplateModule extends UIModule {
  /** By template, in order of first use. */
  readonly #resources = new Map<string, TemplateResources>();

  override render(path: string, kwargs: Record<string, unknown> = {}): Buffer {
    const setResources = (resources: TemplateResources): string => {
      const known = this.#resources.get(path);
      if (known === undefined) this.#resources.set(path, resources);
      else if (JSON.stringify(known) !== JSON.stringify(resources)) {
        throw new TypeError(
          `setResources() called with different resources for the same template ${path}`,
        );
      }
      return '';
    };
    return this.renderString(path, { setResources, ...kwargs });
  }

  override embeddedJavascript(): string {
    return this.#strings('embeddedJavascript').join('\n');
  }

  override javascriptFiles(): string[] {
    return this.#files('javascriptFiles');
  }

  override embeddedCss(): string {
    return this.#strings('embeddedCss').join('\n');
  }

  override cssFiles(): string[] {
    return this.#files('cssFiles');
  }

  override htmlHead(): string {
    return this.#strings('htmlHead').join('');
  }

  override htmlBody(): string {
    return this.#strings('htmlBody').join('');
  }

  #strings(key: 'embeddedJavascript' | 'embeddedCss' | 'htmlHead' | 'htmlBody'): string[] {
    const out: string[] = [];
    for (const resources of this.#resources.values()) {
      const value = resources[key];
      if (value !== undefined) out.push(value);
    }
    return out;
  }

  #files(key: 'javascriptFiles' | 'cssFiles'): string[] {
    const out: string[] = [];
    for (const resources of this.#resources.values()) {
      const value = resources[key];
      if (typeof value === 'string') out.push(value);
      else if (value !== undefined) out.push(...value);
    }
    return out;
  }
}

/** The modules every application has (tornado's `linkify`, `xsrf_form_html`, `Template`). */
export const DEFAULT_UI_MODULES: Readonly<Record<string, UIModuleClass>> = Object.freeze({
  linkify: LinkifyModule,
  xsrfFormHtml: XsrfFormHtmlModule,
  Template: TemplateModule,
});

/**
 * The UI methods of `methods` (an object, or a list of them): functions whose name does not start
 * with `_` or a capital (tornado's rule, which lets a module's classes sit beside its functions).
 */
export function loadUIMethods(methods: unknown, into: Record<string, UIMethod>): void {
  if (Array.isArray(methods)) {
    for (const each of methods) loadUIMethods(each, into);
    return;
  }
  if (typeof methods !== 'object' || methods === null) {
    throw new TypeError(`uiMethods expected an object of functions, got ${inspect(methods)}`);
  }
  for (const [name, fn] of Object.entries(methods)) {
    if (typeof fn === 'function' && !name.startsWith('_') && name[0] === name[0]!.toLowerCase()) {
      into[name] = fn as UIMethod;
    }
  }
}

/** The `UIModule` subclasses of `modules` (an object, or a list of them); anything else is skipped. */
export function loadUIModules(modules: unknown, into: Record<string, UIModuleClass>): void {
  if (Array.isArray(modules)) {
    for (const each of modules) loadUIModules(each, into);
    return;
  }
  if (typeof modules !== 'object' || modules === null) {
    throw new TypeError(
      `uiModules expected an object of UIModule classes, got ${inspect(modules)}`,
    );
  }
  for (const [name, cls] of Object.entries(modules)) {
    if (
      typeof cls === 'function' &&
      (cls as { prototype: unknown }).prototype instanceof UIModule
    ) {
      into[name] = cls as UIModuleClass;
    }
  }
}
