/**
 * A template that includes or extends another loads it while it is itself being built, so a
 * loop (`a.html` includes `b.html`, which includes `a.html`) would build templates forever;
 * tornado recurses until Python's stack runs out. Each loader keeps the names it is building, and
 * the tag that would close a loop is a ParseError at its own line.
 */
import { ParseError, TemplateNotFoundError } from './errors';
import type { BaseLoader } from './loader';
import type { Template } from './template';

/** The names each loader is building, outermost first. */
const building = new WeakMap<BaseLoader, string[]>();

/** Runs `create`, the building of `name` by `loader`. */
export function whileBuilding<T>(loader: BaseLoader, name: string, create: () => T): T {
  let names = building.get(loader);
  if (names === undefined) building.set(loader, (names = []));
  names.push(name);
  try {
    return create();
  } finally {
    names.pop();
  }
}

/** The template `{% include name %}` or `{% extends name %}` at `parent:line` names. */
export function loadChild(
  loader: BaseLoader | null,
  name: string,
  parent: string,
  line: number,
  directive: 'include' | 'extends',
): Template {
  if (loader === null) {
    throw new ParseError(`{% ${directive} %} block found, but no template loader`, parent, line);
  }
  const resolved = loader.resolvePath(name, parent);
  const names = building.get(loader) ?? [];
  const start = names.indexOf(resolved);
  if (start !== -1) {
    const cycle = [...names.slice(start), resolved].join(' -> ');
    throw new ParseError(`{% ${directive} %} makes a loop: ${cycle}`, parent, line);
  }
  try {
    return loader.load(name, parent);
  } catch (error) {
    if (error instanceof TemplateNotFoundError && error.templateName === resolved) {
      throw new TemplateNotFoundError(
        resolved,
        `${error.message} ({% ${directive} %} at ${parent}:${line})`,
        { cause: error.cause },
      );
    }
    throw error;
  }
}
