// @ts-check
/**
 * esbuild's `keepNames`, without its cost on closures.
 *
 * Why names need keeping: a bundle puts every module in one scope, so esbuild renames what
 * clashes, and it compiles a class that refers to itself as `var Future = class _Future { … }`.
 * Without `keepNames`, `Future.name` is `'_Future'`, and every repr built from a class name
 * (`<Future pending>`, `<Task pending name=… coro=…>`, `<Socket fd=…>`, `<IOLoop …>`) and every
 * message that names one differs from what the sources, the tests and the READMEs show.
 *
 * Why not plain `keepNames`: it also wraps every function *expression* in a call,
 * `const onDone = __name(() => …, "onDone")`, which runs an `Object.defineProperty` on the new
 * closure each time the expression is evaluated: about 0.6 µs per closure on the project VM
 * (against ~6 ns for the closure itself), paid by `sleep(ms)`, `waitFor`, `wait` … on every call.
 * For almost all of those wrappers the name given is the one JavaScript infers anyway, had the
 * function not been wrapped (a `const`, a property or a class field named like it, or a named
 * function expression). This plugin unwraps exactly those, after esbuild: the name is the same,
 * the call is gone. The once-only wrappers (a class's `static { __name(this, "Future") }`, a
 * top-level `__name(fn, "fn")` statement) stay, and so does any wrapper that still changes a
 * name.
 */
import MagicString from 'magic-string';
import ts from 'typescript';

/**
 * The tsup plugin.
 * @returns {NonNullable<import('tsup').Options['plugins']>[number]}
 */
export function keepNamesCheaply() {
  return {
    name: 'aio-keep-names-cheaply',
    renderChunk(code, info) {
      if (!/\.(c|m)?js$/.test(info.path) || !code.includes('__name(')) return undefined;
      const result = unwrapInferredNames(code, info.path);
      if (result === null) return undefined;
      return { code: result.code, map: /** @type {object} */ (result.map) };
    },
  };
}

/**
 * `code` without the `__name(fn, "x")` wrappers whose name JavaScript infers by itself.
 * @param {string} code a bundle esbuild wrote with `keepNames`
 * @param {string} fileName for the source map
 * @returns {{ code: string, map: object, unwrapped: number } | null} null when nothing changed
 */
export function unwrapInferredNames(code, fileName) {
  const file = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const s = new MagicString(code);
  let unwrapped = 0;
  /** @param {ts.Node} node */
  const visit = (node) => {
    if (ts.isCallExpression(node) && isNameCall(node)) {
      const [fn, name] = /** @type {[ts.Expression, ts.StringLiteral]} */ (
        /** @type {unknown} */ (node.arguments)
      );
      if (inferredName(node, fn) === name.text) {
        // `/* @__PURE__ */ __name(` … `, "x")`: remove both sides, keep the function.
        const comment = code.lastIndexOf('/* @__PURE__ */', node.getStart(file));
        const start =
          comment !== -1 && code.slice(comment, node.getStart(file)).trim() === '/* @__PURE__ */'
            ? comment
            : node.getStart(file);
        s.remove(start, fn.getStart(file));
        s.remove(fn.getEnd(), node.getEnd());
        unwrapped++;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (unwrapped === 0) return null;
  return {
    code: s.toString(),
    map: s.generateMap({ hires: true, source: fileName, includeContent: true }),
    unwrapped,
  };
}

/** @param {ts.CallExpression} node */
function isNameCall(node) {
  return (
    ts.isIdentifier(node.expression) &&
    node.expression.text === '__name' &&
    node.arguments.length === 2 &&
    ts.isStringLiteral(/** @type {ts.Expression} */ (node.arguments[1]))
  );
}

/**
 * The name `fn` would have without the wrapper `call` around it: its own, for a named function or
 * class expression; else the one JavaScript gives an anonymous function from where it stands
 * (ECMAScript's NamedEvaluation: a variable, a property, a class field, an assignment to a
 * name); null when it would have none.
 * @param {ts.CallExpression} call
 * @param {ts.Expression} fn
 * @returns {string | null}
 */
function inferredName(call, fn) {
  if ((ts.isFunctionExpression(fn) || ts.isClassExpression(fn)) && fn.name !== undefined)
    return fn.name.text;
  if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isClassExpression(fn)))
    return null;
  const parent = call.parent;
  if (ts.isVariableDeclaration(parent) && parent.initializer === call)
    return ts.isIdentifier(parent.name) ? parent.name.text : null;
  if (ts.isPropertyAssignment(parent) && parent.initializer === call) return keyName(parent.name);
  if (ts.isPropertyDeclaration(parent) && parent.initializer === call) return keyName(parent.name);
  if (
    ts.isBinaryExpression(parent) &&
    parent.right === call &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    ts.isIdentifier(parent.left)
  )
    return parent.left.text;
  return null;
}

/** @param {ts.PropertyName} name */
function keyName(name) {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name))
    return name.text;
  return null;
}
