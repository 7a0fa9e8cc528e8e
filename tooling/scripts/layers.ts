/**
 * The layer rule, checked by a machine: a package imports only from packages below it.
 *
 *   selector < loop < future < coroutine < tornado < apps
 *
 * Two things are checked for every workspace package under `packages/` and `apps/`:
 * - the `@aio/*` packages its package.json depends on (any dependency field), and
 * - the `@aio/*` specifiers its source files import (static `import`/`export … from`, dynamic
 *   `import()`, `require()`), found with TypeScript's own pre-processor rather than a regex.
 * Each must name a package of a strictly lower layer, and every package imported must be declared.
 * `@aio/tooling` (configuration, never shipped) may be a dev dependency of anything.
 *
 * The same order holds inside a library package (`packages/`): its modules may not import each
 * other in a circle at run time. A cycle makes the load order decide which module sees the other
 * half-initialised (an `undefined` class at import time, depending on which file a user imports
 * first). Only `import type` and `export type … from` are erased at run time (the packages build
 * with `verbatimModuleSyntax`, so `import { type X }` still loads its module); tests and test
 * support files are not shipped and not checked.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export const LAYERS = ['selector', 'loop', 'future', 'coroutine', 'tornado', 'apps'] as const;
export type Layer = (typeof LAYERS)[number];

export interface Violation {
  /** The package that breaks the rule. */
  readonly from: string;
  /** The package it reaches. */
  readonly to: string;
  /** Where: `package.json` or a source file with its line. */
  readonly where: string;
  readonly message: string;
}

interface WorkspacePackage {
  readonly name: string;
  readonly dir: string;
  readonly layer: Layer;
  readonly declared: ReadonlySet<string>;
}

const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
];
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.turbo', 'coverage', '.vitepress']);

/** The layer of a package: `@aio/<layer>` for libraries, `apps` for anything under apps/. */
function layerOf(name: string, dir: string, root: string): Layer | undefined {
  if (relative(root, dir).startsWith('apps')) return 'apps';
  const short = name.replace(/^@aio\//, '');
  return (LAYERS as readonly string[]).includes(short) ? (short as Layer) : undefined;
}

function rank(layer: Layer): number {
  return LAYERS.indexOf(layer);
}

function readPackages(root: string): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  for (const group of ['packages', 'apps']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir)) {
      const dir = join(groupDir, entry);
      const manifest = join(dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
      const name = String(pkg.name);
      const layer = layerOf(name, dir, root);
      if (layer === undefined) {
        throw new Error(
          `${relative(root, manifest)}: package "${name}" is in no layer (${LAYERS.join(' < ')})`,
        );
      }
      const declared = new Set<string>();
      for (const field of DEPENDENCY_FIELDS) {
        const deps = pkg[field];
        if (deps && typeof deps === 'object')
          for (const dep of Object.keys(deps)) declared.add(dep);
      }
      found.push({ name, dir, layer, declared });
    }
  }
  return found;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (SKIP_DIRS.has(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (SOURCE_FILE.test(entry) && !entry.endsWith('.d.ts')) yield path;
  }
}

/** The bare package name of a specifier: `@aio/loop/timers` → `@aio/loop`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** A module's static imports of other modules of its package that are kept at run time. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      if (statement.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword) continue;
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined) {
      if (statement.isTypeOnly) continue;
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers.filter((specifier) => specifier.startsWith('.'));
}

/** The file a relative specifier names: `./task` → `task.ts`, `./streams` → `streams/index.ts`. */
function resolveModule(from: string, specifier: string): string | undefined {
  const base = join(from, '..', specifier.replace(/\.[cm]?js$/, ''));
  for (const candidate of [
    `${base}.ts`,
    `${base}.tsx`,
    `${base}.mts`,
    `${base}.cts`,
    join(base, 'index.ts'),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Shipped source files only: tests and test support never load in a user's program. */
function isShipped(file: string): boolean {
  const name = file.split(/[\\/]/).pop() ?? '';
  return (
    !/\.test\.[cm]?tsx?$/.test(name) && !name.startsWith('test-') && !file.includes('test-fixtures')
  );
}

/**
 * The import cycles among a package's shipped modules, each as the list of files round it
 * (Tarjan's strongly connected components; one cycle reported per component).
 */
export function runtimeCycles(dir: string): string[][] {
  const files = [...sourceFiles(dir)].filter(isShipped);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const specifier of runtimeImports(file)) {
      const target = resolveModule(file, specifier);
      if (target !== undefined && isShipped(target)) targets.push(target);
    }
    edges.set(file, targets);
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfLoop = (edges.get(file) ?? []).includes(file);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return components.map((component) => cycleThrough(component, edges));
}

/** One cycle through a strongly connected component, starting and ending at its first file. */
function cycleThrough(component: string[], edges: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const path: string[] = [start];
  const seen = new Set<string>([start]);
  const walk = (file: string): boolean => {
    for (const target of edges.get(file) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        path.push(start);
        return true;
      }
      if (seen.has(target)) continue;
      seen.add(target);
      path.push(target);
      if (walk(target)) return true;
      path.pop();
    }
    return false;
  };
  walk(start);
  return path;
}

/** Checks the workspace at `root` and returns every violation of the layer rule (empty: all good). */
export function checkLayers(root: string): Violation[] {
  const packages = readPackages(root);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const violations: Violation[] = [];

  const judge = (from: WorkspacePackage, toName: string, where: string): void => {
    if (toName === from.name || toName === '@aio/tooling') return;
    const to = byName.get(toName);
    if (!to) {
      if (toName.startsWith('@aio/')) {
        violations.push({
          from: from.name,
          to: toName,
          where,
          message: `${from.name} imports ${toName}, which is not a workspace package`,
        });
      }
      return;
    }
    if (rank(to.layer) >= rank(from.layer)) {
      violations.push({
        from: from.name,
        to: toName,
        where,
        message:
          `${from.name} (layer ${from.layer}) may not depend on ${toName} (layer ${to.layer}): ` +
          `a package imports only from layers below it (${LAYERS.join(' < ')})`,
      });
    }
  };

  for (const pkg of packages) {
    if (pkg.layer !== 'apps') {
      for (const cycle of runtimeCycles(pkg.dir)) {
        const names = cycle.map((file) => relative(pkg.dir, file));
        violations.push({
          from: pkg.name,
          to: pkg.name,
          where: relative(root, cycle[0]!),
          message: `${pkg.name} has a runtime import cycle: ${names.join(' → ')} (break it, or make the imports that close it \`import type\`)`,
        });
      }
    }
    for (const dep of pkg.declared) judge(pkg, dep, relative(root, join(pkg.dir, 'package.json')));
    for (const file of sourceFiles(pkg.dir)) {
      const text = readFileSync(file, 'utf8');
      const info = ts.preProcessFile(text, true, true);
      for (const ref of info.importedFiles) {
        if (!ref.fileName.startsWith('@aio/')) continue;
        const toName = packageName(ref.fileName);
        const line = text.slice(0, ref.pos).split('\n').length;
        const where = `${relative(root, file)}:${line}`;
        const before = violations.length;
        judge(pkg, toName, where);
        if (violations.length === before && toName !== pkg.name && !pkg.declared.has(toName)) {
          violations.push({
            from: pkg.name,
            to: toName,
            where,
            message: `${pkg.name} imports ${toName} without declaring it in package.json`,
          });
        }
      }
    }
  }
  return violations;
}
