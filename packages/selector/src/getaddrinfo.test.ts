import { describe, expect, it } from 'vitest';
import { GaiError, InvalidAddressError } from './errors';
import { getaddrinfo } from './getaddrinfo';
import { AF_INET, AF_INET6, AI_NUMERICHOST, AI_PASSIVE, IPPROTO_TCP, SOCK_STREAM } from './socket';

describe('getaddrinfo', () => {
  it('returns Python-shaped tuples for numeric hosts', () => {
    expect(getaddrinfo('127.0.0.1', 8080, AF_INET, SOCK_STREAM)).toEqual([
      [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 8080]],
    ]);
    expect(getaddrinfo('::1', 'http', AF_INET6, SOCK_STREAM)).toEqual([
      [AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['::1', 80, 0, 0]],
    ]);
  });

  it('resolves localhost from the hosts file', () => {
    const results = getaddrinfo('localhost', 80, AF_INET, SOCK_STREAM);
    expect(results.map((r) => r[4])).toContainEqual(['127.0.0.1', 80]);
  });

  it('gives the wildcard address for a passive null host', () => {
    expect(getaddrinfo(null, 0, AF_INET, SOCK_STREAM, 0, AI_PASSIVE)[0]?.[4]).toEqual([
      '0.0.0.0',
      0,
    ]);
  });

  it('throws GaiError with the EAI_ name for a host that does not resolve', () => {
    let err: unknown;
    try {
      getaddrinfo('not-an-address', 80, AF_INET, SOCK_STREAM, 0, AI_NUMERICHOST);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GaiError);
    expect(err).toMatchObject({ code: 'EAI_NONAME', syscall: 'getaddrinfo' });
    expect((err as Error).message).toMatch(/^getaddrinfo EAI_NONAME not-an-address \(.+\)$/);
  });

  it('rejects a port that is neither a number nor a service name', () => {
    expect(() => getaddrinfo('127.0.0.1', { port: 1 } as never)).toThrow(InvalidAddressError);
    expect(() => getaddrinfo('127.0.0.1', 70000)).toThrow(/expected a port number/);
  });
});

describe('getaddrinfoAsync', () => {
  it('gives the same answer as getaddrinfo, as a promise', async () => {
    const { getaddrinfoAsync } = await import('./getaddrinfo');
    const pending = getaddrinfoAsync('localhost', 80, AF_INET, SOCK_STREAM);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual(getaddrinfo('localhost', 80, AF_INET, SOCK_STREAM));
  });

  it('rejects with GaiError the way getaddrinfo throws', async () => {
    const { getaddrinfoAsync } = await import('./getaddrinfo');
    await expect(
      getaddrinfoAsync('not-an-address', 80, AF_INET, SOCK_STREAM, 0, AI_NUMERICHOST),
    ).rejects.toMatchObject({
      name: 'GaiError',
      code: 'EAI_NONAME',
    });
  });
});
