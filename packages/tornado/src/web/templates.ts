/**
 * The template loaders `RequestHandler.render` uses, one per template directory and shared by
 * every handler of the process (tornado's `RequestHandler._template_loaders`), so a template is
 * compiled once, not per request. The `compiledTemplateCache: false` setting (which `debug`
 * implies) empties them before each request, so an edited template is read again.
 */
import type { BaseLoader } from '../template/loader';

const loaders = new Map<string, BaseLoader>();

/** The loader for `templatePath`, made by `create` the first time. */
export function templateLoader(templatePath: string, create: () => BaseLoader): BaseLoader {
  let loader = loaders.get(templatePath);
  if (loader === undefined) {
    loader = create();
    loaders.set(templatePath, loader);
  }
  return loader;
}

/** Makes every loader compile its templates again (`compiledTemplateCache: false`). */
export function resetTemplateLoaders(): void {
  for (const loader of loaders.values()) loader.reset();
}

/** Forgets every loader (for tests: a loader made for one application is not another's). */
export function clearTemplateLoaders(): void {
  loaders.clear();
}
