// @ts-check
/**
 * The packages' type declarations, written by the TypeScript compiler itself, one `.d.ts` (ESM)
 * and one `.d.cts` (CommonJS) per source file, beside the bundled JavaScript in `dist/`.
 *
 * Why not a declaration bundler (tsup's `dts`, which is rollup-plugin-dts): a bundler has to
 * rebuild `export * as gen from './gen'` as a `declare namespace`, and rollup-plugin-dts only
 * knows whether a name is a type or a value when it is declared in the same output chunk. A type
 * that a namespace re-exports from a chunk shared with another entry (`Timeout`, `Executor`,
 * `Logger` …) came out as `declare const gen_Timeout: typeof Timeout`: 13 × TS2693 in every
 * consumer without `skipLibCheck`, and `ioloop.Timeout` unusable as a type. The compiler's own
 * per-file output has no namespaces to rebuild (`export * as gen from './gen.js'` is valid in a
 * declaration file), so that whole class of bug cannot happen.
 *
 * What is added to the compiler's output, and why:
 * - relative specifiers get their extension (`'./gen'` → `'./gen.js'`, `'./locks'` → `'./locks.js'`,
 *   a folder → `'./dir/index.js'`): the sources are written for a bundler, and a consumer under
 *   `moduleResolution: node16/nodenext` resolves declaration files by Node's rules;
 * - the `.d.cts` copy imports `.cjs` (its own tree), so a `require` consumer gets CommonJS types;
 * - `/// <reference types="node" />` on top of every file: the declarations use Node's types
 *   (Buffer, AbortSignal, NodeJS.*), and a consumer whose tsconfig does not load @types/node
 *   (`"types": []`, a browser-leaning setup) would otherwise get `Cannot find name 'Buffer'`.
 *   The packages declare `@types/node` as a peer dependency, so it is installed and shared.
 * - declaration maps, so "go to definition" opens the shipped `src/` file.
 *
 * Other packages of the workspace are read from their built `dist` (no `@aio/source` condition):
 * the declarations are computed against exactly what a consumer installs.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import ts from 'typescript';

const NODE_REFERENCE = '/// <reference types="node" />\n';

/**
 * Writes `outDir/**\/*.d.ts` and `*.d.cts` for the sources `entry` reaches.
 * @param {Record<string, string>} entry entry name → source file, as given to `aioBuild`
 * @param {{ cwd?: string, outDir?: string, rootDir?: string, tsconfig?: string }} [options]
 * @returns {{ files: number }} how many declaration files were written (both trees)
 * @throws Error listing the compiler's diagnostics, if there are any
 */
export function emitDeclarations(entry, options = {}) {
  const cwd = options.cwd ?? process.cwd();
  const outDir = resolve(cwd, options.outDir ?? 'dist');
  const rootDir = resolve(cwd, options.rootDir ?? 'src');
  const configPath = resolve(cwd, options.tsconfig ?? 'tsconfig.json');

  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(format([d]));
    },
  });
  if (parsed === undefined) throw new Error(`cannot read ${configPath}`);
  /** @type {ts.CompilerOptions} */
  const compilerOptions = {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: true,
    outDir,
    rootDir,
    customConditions: undefined,
    incremental: false,
    composite: false,
    tsBuildInfoFile: undefined,
  };
  const rootNames = Object.values(entry).map((file) => resolve(cwd, file));
  const host = ts.createCompilerHost(compilerOptions);
  const program = ts.createProgram({ rootNames, options: compilerOptions, host });

  const diagnostics = [...ts.getPreEmitDiagnostics(program)];
  /** @type {Map<string, string>} */
  const written = new Map();
  // Emitted twice: the ESM tree (`.js` specifiers) and the CommonJS tree (`.cjs` specifiers).
  for (const ext of /** @type {const} */ (['.js', '.cjs'])) {
    const result = program.emit(
      undefined,
      (fileName, text) => {
        if (ext === '.cjs') fileName = fileName.replace(/\.d\.ts(\.map)?$/, '.d.cts$1');
        written.set(fileName, text);
      },
      undefined,
      true,
      { afterDeclarations: [withExtensions(ext)] },
    );
    diagnostics.push(...result.diagnostics);
  }
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0)
    throw new Error(`declarations: ${errors.length} error(s)\n${format(errors)}`);

  let files = 0;
  for (const [fileName, text] of written) {
    if (!fileName.startsWith(outDir + sep)) continue; // a file of another package: not ours
    if (fileName.endsWith('.map')) {
      write(fileName, shiftedMap(text, fileName));
    } else {
      const cjs = fileName.endsWith('.d.cts');
      write(
        fileName,
        NODE_REFERENCE +
          (cjs
            ? text.replace(/(\/\/# sourceMappingURL=.+)\.d\.ts\.map(\s*)$/, '$1.d.cts.map$2')
            : text),
      );
      files++;
    }
  }
  return { files };
}

/**
 * A declaration transformer that gives every relative module specifier (`from './x'`,
 * `import('./x')`) the extension Node's resolution needs.
 * @param {'.js' | '.cjs'} ext
 * @returns {ts.TransformerFactory<ts.SourceFile | ts.Bundle>}
 */
function withExtensions(ext) {
  return (context) => (root) => {
    if (!ts.isSourceFile(root)) return root;
    const sourceDir = dirname(root.fileName);
    const { factory } = context;
    /** @param {ts.Expression | undefined} specifier */
    const rewritten = (specifier) =>
      specifier !== undefined && ts.isStringLiteral(specifier) && /^\.\.?\//.test(specifier.text)
        ? factory.createStringLiteral(resolveSpecifier(specifier.text, sourceDir, ext), true)
        : undefined;
    /** @type {(node: ts.Node) => ts.Node} */
    const visit = (node) => {
      if (ts.isImportDeclaration(node)) {
        const spec = rewritten(node.moduleSpecifier);
        if (spec !== undefined)
          return factory.updateImportDeclaration(
            node,
            node.modifiers,
            node.importClause,
            spec,
            node.attributes,
          );
      } else if (ts.isExportDeclaration(node)) {
        const spec = rewritten(node.moduleSpecifier);
        if (spec !== undefined)
          return factory.updateExportDeclaration(
            node,
            node.modifiers,
            node.isTypeOnly,
            node.exportClause,
            spec,
            node.attributes,
          );
      } else if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        const spec = rewritten(node.argument.literal);
        if (spec !== undefined)
          return factory.updateImportTypeNode(
            node,
            factory.updateLiteralTypeNode(node.argument, spec),
            node.attributes,
            node.qualifier,
            node.typeArguments?.map((t) => /** @type {ts.TypeNode} */ (ts.visitNode(t, visit))),
            node.isTypeOf,
          );
      }
      return ts.visitEachChild(node, visit, context);
    };
    return /** @type {ts.SourceFile} */ (ts.visitNode(root, visit));
  };
}

/**
 * `./gen` → `./gen.js` when `gen.ts` exists, else `./gen/index.js`; a specifier with an extension
 * already gets `ext` instead.
 * @param {string} specifier
 * @param {string} sourceDir
 * @param {string} ext
 */
function resolveSpecifier(specifier, sourceDir, ext) {
  if (/\.(c|m)?js$/.test(specifier)) return specifier.replace(/\.(c|m)?js$/, ext);
  const base = resolve(sourceDir, specifier);
  if (existsSync(`${base}.ts`) || existsSync(`${base}.d.ts`)) return `${specifier}${ext}`;
  if (existsSync(join(base, 'index.ts'))) return `${specifier.replace(/\/$/, '')}/index${ext}`;
  throw new Error(`declarations: cannot resolve ${specifier} from ${sourceDir}`);
}

/**
 * A declaration map for the file as written: one line lower (the reference directive on top),
 * and named after its own declaration file.
 * @param {string} text the compiler's map
 * @param {string} fileName where it is written (`x.d.ts.map` or `x.d.cts.map`)
 */
function shiftedMap(text, fileName) {
  const map = JSON.parse(text);
  map.mappings = `;${map.mappings}`;
  map.file = basename(fileName).replace(/\.map$/, '');
  return JSON.stringify(map);
}

/**
 * @param {string} fileName
 * @param {string} text
 */
function write(fileName, text) {
  mkdirSync(dirname(fileName), { recursive: true });
  writeFileSync(fileName, text);
}

/** @param {readonly ts.Diagnostic[]} diagnostics */
function format(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}
