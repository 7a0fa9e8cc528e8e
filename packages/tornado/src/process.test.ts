/**
 * process — cpuCount, taskId, and forkProcesses as tornado's TestMultiprocess and
 * process_test.py use it: a real supervisor process starting two real workers that accept on
 * one inherited listening socket (bindSockets then forkProcesses, and TCPServer.bind then
 * start(2)); a worker killed with SIGKILL is restarted and the port keeps answering; SIGTERM to
 * the supervisor stops every worker; a supervisor killed outright leaves no worker behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { Future } from '@aio/future';
import { getRunningLoop, type LoopMode } from '@aio/loop';
import * as processModule from './process';
import { CalledProcessError, STREAM, Subprocess, cpuCount, forkProcesses, taskId } from './process';
import { MODES, closeLoops, main } from './locks/test-support';
import { PACKAGE_ROOT, TS_FLAGS } from './test-run-ts';

interface WorkerLine {
  task: number;
  pid: number;
  port: number;
}

const started: ChildProcess[] = [];
const pids = new Set<number>();

afterEach(() => {
  // A supervisor still running stops its workers on SIGTERM; a worker left over is killed only if
  // its pid is still one of ours (pids are reused: on this kernel they wrap at 32768).
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  pids.clear();
});

/** True while `pid` is a running worker of the fixture (not another process that got its pid). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('test-fixtures/workers.ts');
  } catch {
    return false; // gone
  }
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts the fixture supervisor; `lines` fills with what its workers print. */
function supervisor(mode: 'sockets' | 'server'): {
  child: ChildProcess;
  lines: WorkerLine[];
  stderr: () => string;
} {
  const script = join(PACKAGE_ROOT, 'src/process/test-fixtures/workers.ts');
  const child = spawn(process.execPath, [...TS_FLAGS, script, `--mode=${mode}`], {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const lines: WorkerLine[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = JSON.parse(line) as WorkerLine;
    lines.push(parsed);
    pids.add(parsed.pid);
  });
  return { child, lines, stderr: () => stderr };
}

/** Who answers a connection to `port`: `<task> <pid>`. */
function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject).on('close', () => resolve(text.trim()));
  });
}

it('exports the names it promises', () => {
  expect(Object.keys(processModule).sort()).toEqual([
    'CalledProcessError',
    'STREAM',
    'Subprocess',
    'cpuCount',
    'forkProcesses',
    'taskId',
  ]);
});

it('cpuCount and taskId outside a worker', () => {
  expect(cpuCount()).toBeGreaterThanOrEqual(1);
  expect(taskId()).toBeNull();
});

it('forkProcesses names a bad argument', () => {
  expect(() => forkProcesses(-1)).toThrow(
    'forkProcesses(): numProcesses must be an integer >= 1, got -1',
  );
});

describe.each(['sockets', 'server'] as const)('two workers on one port (%s)', (mode) => {
  it('both answer, a killed worker is restarted, SIGTERM stops them all', async () => {
    const { child, lines, stderr } = supervisor(mode);
    await until('two workers print their line', () => lines.length >= 2);
    expect(lines.map((l) => l.task).sort()).toEqual([0, 1]);
    const port = lines[0]!.port;
    expect(lines[1]!.port).toBe(port);
    const first = new Set(lines.map((l) => l.pid));

    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(port)));
    for (const answer of answers) {
      const [task, pid] = answer.split(' ').map(Number);
      expect(first.has(pid!)).toBe(true);
      expect([0, 1]).toContain(task);
    }

    const victim = lines.find((l) => l.task === 0)!;
    process.kill(victim.pid, 'SIGKILL');
    await until('task 0 is restarted', () => lines.length >= 3);
    const restarted = lines[2]!;
    expect(restarted.task).toBe(0);
    expect(restarted.pid).not.toBe(victim.pid);
    expect(restarted.port).toBe(port);
    expect(stderr()).toMatch(/child 0 \(pid \d+\) killed by signal SIGKILL, restarting/);
    for (let i = 0; i < 10; i++) expect(await ask(port)).toMatch(/^[01] \d+$/);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await until('every worker is gone', () => [...pids].every((pid) => !alive(pid)), 10_000);
  });
});

it('workers of a supervisor killed outright exit by themselves', async () => {
  const { child, lines } = supervisor('sockets');
  await until('two workers print their line', () => lines.length >= 2);
  child.kill('SIGKILL');
  await until('the orphaned workers exit', () => lines.every((l) => !alive(l.pid)), 15_000);
});

describe.each(MODES)('Subprocess (%s mode)', (mode: LoopMode) => {
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');
  afterEach(closeLoops);

  it('talks to cat through its stdin and stdout, then waits for it (tornado: test_subprocess)', async () => {
    const got = await run(function* () {
      const child = new Subprocess(['cat'], { stdin: STREAM, stdout: STREAM });
      yield* child.stdin!.write('hello\n');
      const line = String(yield* child.stdout!.readUntil('\n'));
      child.stdin!.close();
      const rest = String(yield* child.stdout!.readUntilClose());
      const status = yield* child.waitForExit();
      return [line, rest, status, child.returncode, String(child)];
    });
    expect(got.slice(0, 4)).toEqual(['hello\n', '', 0, 0]);
    expect(got[4]).toMatch(/^<Subprocess pid=\d+ \["cat"\] exited 0>$/);
  });

  it('reads stdout and stderr apart; a failing child is a CalledProcessError, or its status', async () => {
    const got = await run(function* () {
      const child = new Subprocess(['sh', '-c', 'printf out; printf err >&2; exit 3'], {
        stdout: STREAM,
        stderr: STREAM,
      });
      const out = String(yield* child.stdout!.readUntilClose());
      const err = String(yield* child.stderr!.readUntilClose());
      let failure: unknown = null;
      try {
        yield* child.waitForExit();
      } catch (caught) {
        failure = caught;
      }
      return [out, err, failure, yield* child.waitForExit(false)];
    });
    expect(got[0]).toBe('out');
    expect(got[1]).toBe('err');
    expect(got[2]).toBeInstanceOf(CalledProcessError);
    expect(got[2]).toMatchObject({
      returncode: 3,
      cmd: ['sh', '-c', 'printf out; printf err >&2; exit 3'],
    });
    expect(got[3]).toBe(3);
  });

  it('takes 3 MB of output through the pipe', async () => {
    const length = await run(function* () {
      const child = new Subprocess(['head', '-c', '3000000', '/dev/zero'], { stdout: STREAM });
      const out = yield* child.stdout!.readUntilClose();
      yield* child.waitForExit();
      return out.length;
    });
    expect(length).toBe(3_000_000);
  });

  it('a child killed by a signal: returncode minus its number, and the exit callback runs', async () => {
    const got = await run(function* () {
      const child = new Subprocess(['sleep', '30']);
      const called = new Future<number>(getRunningLoop());
      child.setExitCallback((status) => called.setResult(status));
      child.proc.kill('SIGTERM');
      return [yield* called, yield* child.waitForExit(false)];
    });
    expect(got).toEqual([-15, -15]);
  });
});

it('Subprocess refuses a program it cannot find, at once, leaving no fd behind', async () => {
  const error = await main(
    function* () {
      try {
        new Subprocess(['no-such-program-anywhere'], { stdout: STREAM });
      } catch (caught) {
        return caught;
      }
      return null;
    },
    'hosted',
    'real',
  );
  expect(error).toMatchObject({ code: 'ENOENT', syscall: 'spawn' });
  closeLoops();
});
