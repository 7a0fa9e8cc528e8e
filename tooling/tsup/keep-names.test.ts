import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { unwrapInferredNames } from './keep-names.js';

/** What esbuild writes with `keepNames`: its helper, then the code. */
const HELPER = `var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });
`;

/** Runs a bundle and returns what it exports under `result`. */
function evaluate(code: string): Record<string, unknown> {
  return runInNewContext(`${code}\nresult;`) as Record<string, unknown>;
}

describe('unwrapInferredNames', () => {
  const bundle = `${HELPER}var Future = class _Future {
  static {
    __name(this, "Future");
  }
  #detach = /* @__PURE__ */ __name((t) => t, "#detach");
  detach() { return this.#detach; }
};
function sleep() {
  const onDone = /* @__PURE__ */ __name(() => 1, "onDone");
  const named = /* @__PURE__ */ __name(function cancelTimer() {}, "cancelTimer");
  const methods = { toString: /* @__PURE__ */ __name(() => "x", "toString") };
  let assigned;
  assigned = /* @__PURE__ */ __name(() => 2, "assigned");
  return { onDone, named, toString: methods.toString, assigned };
}
__name(sleep, "sleep");
const renamed = /* @__PURE__ */ __name(() => 3, "other");
var result = { Future, detach: new Future().detach(), ...sleep(), sleep, renamed };
`;

  it('removes the per-closure wrappers whose name JavaScript infers anyway', () => {
    const out = unwrapInferredNames(bundle, 'index.js');
    expect(out?.unwrapped).toBe(5);
    expect(out?.code).toContain('const onDone = () => 1;');
    expect(out?.code).toContain('#detach = (t) => t;');
    expect(out?.code).toContain('named = function cancelTimer() {};');
    expect(out?.code).toContain('{ toString: () => "x" }');
    expect(out?.code).toContain('assigned = () => 2;');
    expect(out?.code).not.toContain('@__PURE__ */ (');
  });

  it('keeps the once-only wrappers and those that change a name', () => {
    const code = unwrapInferredNames(bundle, 'index.js')!.code;
    expect(code).toContain('__name(this, "Future");');
    expect(code).toContain('__name(sleep, "sleep");');
    expect(code).toContain('__name(() => 3, "other")');
  });

  it('leaves every name what keepNames made it', () => {
    const before = evaluate(bundle);
    const after = evaluate(unwrapInferredNames(bundle, 'index.js')!.code);
    const names = (exports: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(exports).map(([key, value]) => [key, (value as { name: string }).name]),
      );
    expect(names(after)).toEqual(names(before));
    expect(names(after)).toMatchObject({
      Future: 'Future',
      detach: '#detach',
      onDone: 'onDone',
      named: 'cancelTimer',
      toString: 'toString',
      assigned: 'assigned',
      sleep: 'sleep',
      renamed: 'other',
    });
  });

  it('gives a source map of its edits', () => {
    const out = unwrapInferredNames(bundle, 'index.js')!;
    expect(out.map).toMatchObject({ version: 3, sources: ['index.js'] });
  });

  it('returns null when there is nothing to unwrap', () => {
    expect(unwrapInferredNames(`${HELPER}__name(f, "f");\nfunction f() {}\n`, 'a.js')).toBeNull();
  });
});
