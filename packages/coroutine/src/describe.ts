/**
 * Naming a coroutine for `Task.toString()`.
 *
 * JavaScript gives no way to ask a generator object which function made it, but V8's inspector
 * does (`[[GeneratorFunction]]`). So this module asks it, through an in-process `node:inspector`
 * session opened on first use; the answer is cached per generator. It is only for printing —
 * tens of microseconds, never on a hot path — and falls back to `<generator>` where the
 * inspector is not available.
 *
 * (The inspector also knows where a generator is suspended, `[[GeneratorLocation]]`, but as a
 * position in the code V8 runs: after a TypeScript transpiler that is often one long line, so
 * the task shows what it waits for instead — its `wait_for` future.)
 */
import { Session } from 'node:inspector';

interface Remote {
  objectId?: string;
  description?: string;
  value?: unknown;
}
interface Internal {
  name: string;
  value?: Remote;
}

let session: Session | null | undefined;
const names = new WeakMap<object, string>();

function connect(): Session | null {
  if (session !== undefined) return session;
  try {
    session = new Session();
    session.connect();
  } catch {
    session = null;
  }
  return session;
}

/** The generator's internal properties, read synchronously (an in-process session answers at once). */
function internals(generator: object): Internal[] | undefined {
  const s = connect();
  if (s === null) return undefined;
  const key = Symbol.for('@aio/coroutine.inspect');
  const holder = globalThis as unknown as Record<symbol, unknown>;
  holder[key] = generator;
  let result: Internal[] | undefined;
  try {
    s.post(
      'Runtime.evaluate',
      { expression: `globalThis[Symbol.for('@aio/coroutine.inspect')]` },
      (err, res) => {
        const objectId = (res as { result?: Remote } | undefined)?.result?.objectId;
        if (err || objectId === undefined) return;
        s.post('Runtime.getProperties', { objectId, ownProperties: true }, (err2, props) => {
          if (!err2) result = (props as { internalProperties?: Internal[] }).internalProperties;
        });
        s.post('Runtime.releaseObject', { objectId });
      },
    );
  } catch {
    result = undefined;
  } finally {
    Reflect.deleteProperty(holder, key);
  }
  return result;
}

/** `fetchPage` for the generator `fetchPage(url)` made; the function's name for a function. */
export function coroutineName(source: unknown): string {
  if (typeof source === 'function') return source.name || '<anonymous>';
  if (typeof source !== 'object' || source === null) return '<unknown>';
  const cached = names.get(source);
  if (cached !== undefined) return cached;
  let name =
    typeof (source as PromiseLike<unknown>).then === 'function' ? '<promise>' : '<generator>';
  const fn = internals(source)?.find((p) => p.name === '[[GeneratorFunction]]')?.value?.description;
  const match = fn ? /^(?:async\s+)?function\s*\*\s*([\w$]+)/.exec(fn) : null;
  if (match?.[1]) name = match[1];
  names.set(source, name);
  return name;
}
