/**
 * The ESM and the CJS build of the packages loaded in one process — an ESM program using a CJS
 * library that uses aio, say — must agree on the per-process state: which loop runs, which task
 * is current, which tasks exist. Run by `pnpm test:packed` against the installed packages.
 *
 * What is shared (each package keeps it on `globalThis` under a registered symbol): the running
 * and current loop, the running task, the lists of tasks, task numbers, and the symbols futures
 * and tasks talk through (so a task of one copy can wait on a future of the other, and a
 * handoff's give-back crosses too). What cannot be shared is a class's identity: the two copies
 * have two `Future` classes, so `instanceof` across them is false; `isFuture()` and
 * `isCancelledError()` recognise the other copy's objects.
 */
import { createRequire } from 'node:module';
import * as esm from '@aio/coroutine';

const cjs = createRequire(import.meta.url)('@aio/coroutine') as typeof import('@aio/coroutine');
const failures: string[] = [];
let checks = 0;

function expect(what: string, ok: boolean, got: unknown): void {
  checks++;
  if (!ok) failures.push(`${what}: got ${String(got)}`);
}

if (cjs.run === esm.run) throw new Error('the CJS and ESM builds are one module: nothing to check');

await esm.run(function* main() {
  const task = esm.currentTask();
  expect(
    'the CJS build sees the ESM loop running',
    cjs.getRunningLoop() === task?.getLoop(),
    cjs.getRunningLoop(),
  );
  expect(
    'the CJS build sees the ESM task as the current task',
    cjs.currentTask() === task,
    cjs.currentTask(),
  );

  // A CJS timeout() inside an ESM run() finds the task it runs in, and times out.
  let timedOut: unknown;
  try {
    yield* cjs.timeout(5, function* () {
      yield* cjs.sleep(1000);
    });
  } catch (error) {
    timedOut = error;
  }
  expect(
    'a CJS timeout() in an ESM task times out',
    (timedOut as Error | undefined)?.name === 'TimeoutError',
    timedOut,
  );

  // Tasks of both copies, in one list.
  function* nap(): Generator<unknown, void> {
    yield* esm.sleep(1000);
  }
  const esmChild = esm.createTask(nap(), { name: 'esm-child' });
  const cjsChild = cjs.createTask(nap(), { name: 'cjs-child' });
  const names = [...cjs.allTasks()].map((t) => t.getName()).sort();
  expect(
    "allTasks() of the CJS build lists both copies' tasks",
    names.join(',') === 'cjs-child,esm-child,main',
    names,
  );
  expect(
    'task names stay unique across copies',
    esm.createTask(esm.sleep(0)).getName() !== cjs.createTask(cjs.sleep(0)).getName(),
    '',
  );
  esmChild.cancel();
  cjsChild.cancel();

  // An ESM task waits on a CJS queue's get, and a give-back crosses the copies.
  const queue = new cjs.Queue<string>();
  const waiter = esm.createTask(function* () {
    return yield queue.get();
  });
  const next = esm.createTask(function* () {
    return yield* queue.get();
  });
  while (!String(queue).includes('getters=2')) yield* esm.sleep(0);
  queue.putNowait('item');
  waiter.cancel(); // cancelled as it is served: the item goes to the next getter
  const got = yield* next;
  expect("an ESM task's give-back reaches a CJS queue", got === 'item', got);
  expect('the cancelled waiter ended cancelled', waiter.cancelled(), waiter);
  expect('isCancelledError across copies', cjs.isCancelledError(new esm.CancelledError()), '');
  expect('isFuture across copies', cjs.isFuture(waiter) && esm.isFuture(cjs.sleep(1)), '');
});

if (failures.length > 0) {
  console.error(`${failures.length} of ${checks} checks failed:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(`ESM and CJS builds in one process: ${checks} checks passed`);
