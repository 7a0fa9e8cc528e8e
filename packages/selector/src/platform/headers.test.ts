/**
 * Checks the Linux platform module against the C headers themselves: every constant and struct
 * offset it declares becomes a `_Static_assert` in a C file, compiled (never run) for each
 * architecture a compiler is installed for — the host's `cc`, and `aarch64-linux-gnu-gcc` for
 * arm64 (Debian: `apt-get install gcc-aarch64-linux-gnu`). A compiler that is missing skips its
 * architecture; a wrong value fails the compile with the assertion that names it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { linuxFor } from './linux';

// This file starts a C compiler: seconds alone, and ten times that on a loaded 2-core machine (the
// suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const compilers = [
  { arch: process.arch, cc: 'cc' },
  { arch: 'arm64', cc: 'aarch64-linux-gnu-gcc' },
].filter((c, i, all) => all.findIndex((o) => o.arch === c.arch) === i);

const has = (cc: string): boolean => spawnSync(cc, ['--version']).status === 0;

function cSource(arch: string): string {
  const p = linuxFor(arch);
  const ep = p.epoll!;
  const equal = (expr: string, value: number): string =>
    `_Static_assert((${expr}) == ${value}, "${expr} == ${value}");`;
  const constants = [
    'AF_UNSPEC',
    'AF_UNIX',
    'AF_INET',
    'AF_INET6',
    'SOCK_STREAM',
    'SOCK_DGRAM',
    'SOCK_NONBLOCK',
    'SOCK_CLOEXEC',
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
    'MSG_NOSIGNAL',
    'SOMAXCONN',
    'F_GETFD',
    'F_SETFD',
    'F_GETFL',
    'F_SETFL',
    'FD_CLOEXEC',
    'O_NONBLOCK',
    'O_CLOEXEC',
    'AI_PASSIVE',
    'AI_CANONNAME',
    'AI_NUMERICHOST',
    'AI_NUMERICSERV',
    'AI_ADDRCONFIG',
    'AI_V4MAPPED',
    'AI_ALL',
    'POLLIN',
    'POLLPRI',
    'POLLOUT',
    'POLLERR',
    'POLLHUP',
    'POLLNVAL',
    'FD_SETSIZE',
  ] as const;
  return [
    '#define _GNU_SOURCE',
    ...[
      'stddef.h',
      'fcntl.h',
      'netdb.h',
      'poll.h',
      'sys/select.h',
      'sys/socket.h',
      'sys/un.h',
      'sys/epoll.h',
      'sys/eventfd.h',
      'netinet/in.h',
      'netinet/tcp.h',
    ].map((h) => `#include <${h}>`),
    ...constants.map((name) => equal(name, p[name])),
    ...Object.entries(p.gaiErrors).map(([name, value]) => equal(name, value)),
    ...(
      [
        'EPOLLIN',
        'EPOLLOUT',
        'EPOLLERR',
        'EPOLLHUP',
        'EPOLL_CTL_ADD',
        'EPOLL_CTL_DEL',
        'EPOLL_CTL_MOD',
        'EPOLL_CLOEXEC',
        'EFD_CLOEXEC',
        'EFD_NONBLOCK',
      ] as const
    ).map((n) => equal(n, ep[n])),
    equal('sizeof(struct epoll_event)', ep.eventSize),
    equal('offsetof(struct epoll_event, data)', ep.dataOffset),
    equal('sizeof(((struct sockaddr_un *)0)->sun_path)', p.sunPathSize),
    equal('sizeof(struct sockaddr_in)', 16),
    equal('sizeof(struct sockaddr_in6)', 28),
    equal('offsetof(struct sockaddr_in6, sin6_flowinfo)', 4),
    equal('offsetof(struct sockaddr_in6, sin6_addr)', 8),
    equal('offsetof(struct sockaddr_in6, sin6_scope_id)', 24),
    equal('offsetof(struct addrinfo, ai_family)', 4),
    equal('offsetof(struct addrinfo, ai_addrlen)', 16),
    equal(
      `offsetof(struct addrinfo, ${p.addrinfoCanonnameFirst ? 'ai_canonname' : 'ai_addr'})`,
      24,
    ),
    equal('offsetof(struct addrinfo, ai_next)', 40),
    equal('sizeof(struct pollfd)', 8),
    equal('offsetof(struct pollfd, revents)', 6),
    'int main(void) { return 0; }',
    '',
  ].join('\n');
}

describe.runIf(process.platform === 'linux')(
  'the Linux platform module matches the C headers',
  () => {
    it.each(compilers)('for $arch (compiled with $cc)', ({ arch, cc }) => {
      if (!has(cc)) {
        console.warn(`skipped ${arch}: ${cc} is not installed`);
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'aio-headers-'));
      try {
        const file = join(dir, 'layout.c');
        writeFileSync(file, cSource(arch));
        expect(() =>
          execFileSync(cc, ['-c', file, '-o', join(dir, 'layout.o')], { stdio: 'pipe' }),
        ).not.toThrow();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fails when a value is wrong (the check can fail)', () => {
      if (!has('cc')) return;
      const dir = mkdtempSync(join(tmpdir(), 'aio-headers-'));
      try {
        const file = join(dir, 'layout.c');
        writeFileSync(
          file,
          cSource(process.arch).replace('(SO_REUSEPORT) == 15', '(SO_REUSEPORT) == 16'),
        );
        expect(() =>
          execFileSync('cc', ['-c', file, '-o', join(dir, 'layout.o')], { stdio: 'pipe' }),
        ).toThrow(/SO_REUSEPORT/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
