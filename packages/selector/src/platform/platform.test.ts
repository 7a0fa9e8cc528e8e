import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { UnsupportedPlatformError } from '../errors';
import { platform, platformFor } from './index';

// This file starts child processes (Node with tsx, Python): seconds alone, and ten times that on a
// loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

/**
 * Lets this worker's event loop turn between two synchronous child processes: each holds the
 * thread for seconds alone and 15 s on a loaded machine, and vitest fails the run when its own
 * messages to the worker wait more than 60 s.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('platform modules', () => {
  it('throws one clear UnsupportedPlatformError on Windows', () => {
    expect(() => platformFor('win32')).toThrow(UnsupportedPlatformError);
    expect(() => platformFor('win32')).toThrow(/does not support Windows/);
    expect(() => platformFor('aix')).toThrow(
      /supports linux, darwin and freebsd, got process.platform "aix"/,
    );
  });

  it('importing the package on Windows fails at import with that error', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // koffi itself ships Windows binaries and loads there; load it first, then pretend to be Windows.
    const script =
      "await import('koffi'); Object.defineProperty(process, 'platform', { value: 'win32' });" +
      "await import('@aio/selector').then(() => console.log('imported'), (e) => console.log(e.name + ': ' + e.message));";
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@aio/source', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toMatch(
      /^UnsupportedPlatformError: @aio\/selector does not support Windows/,
    );
  });

  it('describes the OS this runs on, and marks it tested', () => {
    expect(platform.name).toBe(process.platform);
    expect(platform.tested).toBe(process.platform === 'linux');
  });

  // CPython's socket and select modules are compiled against this machine's headers: a second,
  // independent reading of the same constants.
  it.runIf(hasPython)(
    "agrees with CPython's socket and select constants on this machine",
    async () => {
      await nextTurn();
      const names = [
        'AF_UNIX',
        'AF_INET',
        'AF_INET6',
        'SOCK_STREAM',
        'SOCK_DGRAM',
        'SOL_SOCKET',
        'SO_REUSEADDR',
        'SO_REUSEPORT',
        'SO_KEEPALIVE',
        'SO_BROADCAST',
        'SO_LINGER',
        'SO_SNDBUF',
        'SO_RCVBUF',
        'SO_SNDLOWAT',
        'SO_RCVLOWAT',
        'SO_ERROR',
        'SO_TYPE',
        'IPPROTO_TCP',
        'IPPROTO_UDP',
        'IPPROTO_IPV6',
        'TCP_NODELAY',
        'IPV6_V6ONLY',
        'SHUT_RD',
        'SHUT_WR',
        'SHUT_RDWR',
        'MSG_PEEK',
        'MSG_WAITALL',
        'MSG_DONTWAIT',
        'SOMAXCONN',
        'AI_PASSIVE',
        'AI_CANONNAME',
        'AI_NUMERICHOST',
        'AI_NUMERICSERV',
        'AI_ADDRCONFIG',
        'AI_V4MAPPED',
        'AI_ALL',
      ] as const;
      const linuxOnly = ['SOCK_NONBLOCK', 'SOCK_CLOEXEC', 'MSG_NOSIGNAL'] as const;
      const pollNames = ['POLLIN', 'POLLPRI', 'POLLOUT', 'POLLERR', 'POLLHUP', 'POLLNVAL'] as const;
      const program = [
        'import json, socket, select, fcntl, os',
        `names = ${JSON.stringify([...names, ...(platform.name === 'linux' ? linuxOnly : [])])}`,
        'out = {n: getattr(socket, n) for n in names if hasattr(socket, n)}',
        `out.update({n: getattr(select, n) for n in ${JSON.stringify(pollNames)}})`,
        "out.update({n: getattr(select, n) for n in ['EPOLLIN','EPOLLOUT','EPOLLERR','EPOLLHUP'] if hasattr(select, n)})",
        'out.update(F_GETFD=fcntl.F_GETFD, F_SETFD=fcntl.F_SETFD, F_GETFL=fcntl.F_GETFL, F_SETFL=fcntl.F_SETFL, FD_CLOEXEC=fcntl.FD_CLOEXEC, O_NONBLOCK=os.O_NONBLOCK, O_CLOEXEC=os.O_CLOEXEC)',
        "out.update({n: getattr(socket, n) for n in dir(socket) if n.startswith('EAI_')})",
        'print(json.dumps({k: int(v) for k, v in out.items()}))',
      ].join('\n');
      const python = JSON.parse(
        execFileSync('python3', ['-c', program], { encoding: 'utf8' }),
      ) as Record<string, number>;
      // EAI_ codes we have no use for (glibc's EAI_INPROGRESS …) are left out of our table.
      for (const name of Object.keys(python).filter(
        (n) => n.startsWith('EAI_') && !(n in platform.gaiErrors),
      )) {
        Reflect.deleteProperty(python, name);
      }
      const ours: Record<string, number> = {};
      for (const name of Object.keys(python)) {
        if (name.startsWith('EAI_')) {
          ours[name] = platform.gaiErrors[name]!;
        } else if (name.startsWith('EPOLL')) {
          ours[name] = platform.epoll![name as 'EPOLLIN'];
        } else {
          ours[name] = platform[name as keyof typeof platform] as number;
        }
      }
      expect(Object.keys(python).length).toBeGreaterThan(50);
      expect(ours).toEqual(python);
    },
  );
});
