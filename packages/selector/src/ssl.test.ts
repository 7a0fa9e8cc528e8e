/**
 * @aio/selector/ssl: SSLContext and SSLSocket on real sockets — OpenSSL on both ends of a
 * socketpair (and of a TCP connection on 127.0.0.1), stepped by hand as a selector loop would:
 * the handshake's want-read / want-write, data both ways, verification (an unknown CA, a wrong
 * hostname, an IP address), ALPN, SNI, TLS versions, client certificates, close_notify against
 * a ragged EOF, garbage and a peer that leaves mid-handshake, read-ahead drained without loss,
 * blocking sockets, and the configuration errors. The certificates are tooling/fixtures/tls.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AF_INET, AF_UNIX, SOCK_STREAM, SHUT_WR, Socket, WOULD_BLOCK, socketpair } from './index';
import {
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  SSLCertVerificationError,
  SSLConfigError,
  SSLContext,
  SSLEOFError,
  SSLError,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  SSLSocket,
  TLSVersion,
  createDefaultContext,
  opensslVersion,
} from './ssl';
import * as api from './ssl';

const FIXTURES = fileURLToPath(new URL('../../../tooling/fixtures/tls/', import.meta.url));
const CA = `${FIXTURES}ca.pem`;
const CERT = `${FIXTURES}server.pem`;
const KEY = `${FIXTURES}server.key`;
const CLIENT_CERT = `${FIXTURES}client.pem`;
const CLIENT_KEY = `${FIXTURES}client.key`;

function serverContext(): SSLContext {
  const context = new SSLContext('server');
  context.loadCertChain(CERT, KEY);
  return context;
}

function clientContext(): SSLContext {
  return createDefaultContext('serverAuth', { cafile: CA });
}

/** A TLS client and server on the two ends of a non-blocking socketpair. */
function tlsPair(
  client: SSLContext,
  server: SSLContext,
  serverHostname: string | null = 'localhost',
): [SSLSocket, SSLSocket, () => void] {
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
  a.setBlocking(false);
  b.setBlocking(false);
  const c = client.wrapSocket(a, { serverHostname });
  const s = server.wrapSocket(b);
  return [c, s, () => (c.close(), s.close())];
}

/** Steps both handshakes until both are done; each step must report what it waits for. */
function handshake(c: SSLSocket, s: SSLSocket): void {
  for (let round = 0; round < 20; round++) {
    const wants = [c.tryDoHandshake(), s.tryDoHandshake()];
    for (const want of wants)
      expect([0, SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE]).toContain(want);
    if (wants[0] === 0 && wants[1] === 0) return;
  }
  throw new Error('handshake did not finish in 20 rounds');
}

function failingHandshake(c: SSLSocket, s: SSLSocket): [unknown, unknown] {
  const errors: [unknown, unknown] = [null, null];
  for (let round = 0; round < 20 && (errors[0] === null || errors[1] === null); round++) {
    for (const [i, side] of [c, s].entries()) {
      if (errors[i] !== null) continue;
      try {
        if (side.tryDoHandshake() === 0 && i === 0) errors[0] = 'done';
      } catch (error) {
        errors[i] = error;
      }
    }
    if (errors[0] !== null && errors[1] === null && round > 5) break;
  }
  return errors;
}

function read(tls: SSLSocket, size = 65536): Buffer | number {
  const buffer = Buffer.alloc(size);
  const n = tls.tryRecvInto(buffer);
  return n === WOULD_BLOCK || n === 0 ? n : buffer.subarray(0, n);
}

it('exports the names it promises', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CERT_NONE",
      "CERT_OPTIONAL",
      "CERT_REQUIRED",
      "OpenSSLUnavailableError",
      "SSLCertVerificationError",
      "SSLConfigError",
      "SSLContext",
      "SSLEOFError",
      "SSLError",
      "SSLSocket",
      "SSL_ERROR_WANT_READ",
      "SSL_ERROR_WANT_WRITE",
      "TLSVersion",
      "createDefaultContext",
      "opensslVersion",
    ]
  `);
});

it('loads OpenSSL 3, and says from where', () => {
  const { version, source } = opensslVersion();
  expect(version).toMatch(/^OpenSSL 3\./);
  expect(typeof source).toBe('string');
});

describe('SSLSocket on a socketpair', () => {
  it('shakes hands step by step, then carries bytes both ways (TLS 1.3 by default)', () => {
    const [c, s, close] = tlsPair(clientContext(), serverContext());
    try {
      expect(c.handshakeDone()).toBe(false);
      expect(c.version()).toBeNull();
      // The client speaks first; the server has nothing to read before it does.
      expect(s.tryDoHandshake()).toBe(SSL_ERROR_WANT_READ);
      handshake(c, s);
      expect(c.version()).toBe('TLSv1.3');
      expect(s.version()).toBe('TLSv1.3');
      expect(c.cipher()?.[1]).toBe('TLSv1.3');
      expect(read(s)).toBe(WOULD_BLOCK);
      expect(c.trySend(Buffer.from('hello over TLS'))).toBe(14);
      expect(String(read(s))).toBe('hello over TLS');
      expect(s.trySend(Buffer.from('and back'))).toBe(8);
      expect(String(read(c))).toBe('and back');
      expect(String(c)).toMatch(/^<SSLSocket fd=\d+ client TLSv1\.3>$/);
    } finally {
      close();
    }
  });

  it('gives the peer certificate, SNI and the ALPN protocol both sides agreed on', () => {
    const server = serverContext();
    server.setAlpnProtocols(['h2', 'http/1.1']);
    const client = clientContext();
    client.setAlpnProtocols(['http/1.1', 'spdy/1']);
    const [c, s, close] = tlsPair(client, server);
    try {
      handshake(c, s);
      expect(c.selectedAlpnProtocol()).toBe('http/1.1');
      expect(s.selectedAlpnProtocol()).toBe('http/1.1');
      expect(s.requestedServerName()).toBe('localhost');
      const cert = c.getPeerCertificate()!;
      expect(cert.subject).toBe('/CN=localhost');
      expect(cert.issuer).toBe('/CN=aio test CA');
      expect(cert.raw[0]).toBe(0x30); // a DER SEQUENCE
      expect(s.getPeerCertificate()).toBeNull(); // the client sent none
    } finally {
      close();
    }
  });

  it('goes on without ALPN when the two lists share nothing', () => {
    const server = serverContext();
    server.setAlpnProtocols(['h2']);
    const client = clientContext();
    client.setAlpnProtocols(['http/1.1']);
    const [c, s, close] = tlsPair(client, server);
    try {
      handshake(c, s);
      expect(c.selectedAlpnProtocol()).toBeNull();
    } finally {
      close();
    }
  });

  it('speaks TLS 1.2 when one side is held to it, and refuses anything older by default', () => {
    const server = serverContext();
    server.maximumVersion = TLSVersion.TLSv1_2;
    expect(server.maximumVersion).toBe(TLSVersion.TLSv1_2);
    expect(server.minimumVersion).toBe(TLSVersion.TLSv1_2);
    const [c, s, close] = tlsPair(clientContext(), server);
    try {
      handshake(c, s);
      expect(c.version()).toBe('TLSv1.2');
    } finally {
      close();
    }
    const old = new SSLContext('client');
    old.checkHostname = false;
    old.verifyMode = CERT_NONE;
    old.minimumVersion = TLSVersion.TLSv1;
    old.maximumVersion = TLSVersion.TLSv1_1;
    const [c2, s2, close2] = tlsPair(old, serverContext(), null);
    try {
      const [clientError, serverError] = failingHandshake(c2, s2);
      expect(serverError).toBeInstanceOf(SSLError);
      expect(clientError).toBeInstanceOf(SSLError);
    } finally {
      close2();
    }
  });

  it('rejects a certificate from an unknown CA, and one for another name', () => {
    const [c, s, close] = tlsPair(
      createDefaultContext('serverAuth', { cafile: CLIENT_CERT }),
      serverContext(),
    );
    try {
      const [error] = failingHandshake(c, s);
      expect(error).toBeInstanceOf(SSLCertVerificationError);
      expect((error as SSLCertVerificationError).verifyCode).toBe(20); // unable to get local issuer
      expect((error as SSLCertVerificationError).code).toBe('ERR_SSL_CERTIFICATE_VERIFY_FAILED');
    } finally {
      close();
    }
    const [c2, s2, close2] = tlsPair(clientContext(), serverContext(), 'example.com');
    try {
      const [error] = failingHandshake(c2, s2);
      expect(error).toBeInstanceOf(SSLCertVerificationError);
      expect((error as Error).message).toBe(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'example.com'.",
      );
    } finally {
      close2();
    }
  });

  it('checks an IP address against the certificate’s IP entries (and sends no SNI for it)', () => {
    const [c, s, close] = tlsPair(clientContext(), serverContext(), '127.0.0.1');
    try {
      handshake(c, s);
      expect(s.requestedServerName()).toBeNull();
    } finally {
      close();
    }
    const [c2, s2, close2] = tlsPair(clientContext(), serverContext(), '10.0.0.1');
    try {
      const [error] = failingHandshake(c2, s2);
      expect((error as Error).message).toContain(
        "IP address mismatch, certificate is not valid for '10.0.0.1'",
      );
    } finally {
      close2();
    }
  });

  it('verifies nothing with CERT_NONE (and checkHostname off)', () => {
    const client = new SSLContext('client');
    client.checkHostname = false;
    client.verifyMode = CERT_NONE;
    const [c, s, close] = tlsPair(client, serverContext(), 'anything.example');
    try {
      handshake(c, s);
      expect(c.getPeerCertificate()?.subject).toBe('/CN=localhost');
    } finally {
      close();
    }
  });

  it('asks for a client certificate with CERT_REQUIRED, and fails a client without one', () => {
    const server = serverContext();
    server.loadVerifyLocations({ cafile: CA });
    server.verifyMode = CERT_REQUIRED;
    const withCert = clientContext();
    withCert.loadCertChain(CLIENT_CERT, CLIENT_KEY);
    const [c, s, close] = tlsPair(withCert, server);
    try {
      handshake(c, s);
      // TLS 1.3: the server checks the client's certificate after the client is done; a byte
      // from the client makes it finish.
      c.trySend(Buffer.from('x'));
      expect(String(read(s))).toBe('x');
      expect(s.getPeerCertificate()?.subject).toBe('/CN=aio test client');
    } finally {
      close();
    }
    const [c2, s2, close2] = tlsPair(clientContext(), server);
    try {
      const [, serverError] = failingHandshake(c2, s2);
      expect(serverError).toBeInstanceOf(SSLError);
      expect((serverError as SSLError).reason).toBe('PEER_DID_NOT_RETURN_A_CERTIFICATE');
    } finally {
      close2();
    }
    server.verifyMode = CERT_OPTIONAL;
    const [c3, s3, close3] = tlsPair(clientContext(), server);
    try {
      handshake(c3, s3);
      c3.trySend(Buffer.from('y'));
      expect(String(read(s3))).toBe('y');
      expect(s3.getPeerCertificate()).toBeNull();
    } finally {
      close3();
    }
  });

  it('reads close_notify as EOF, and a bare TCP close as EOF marked raggedEof', () => {
    const [c, s, close] = tlsPair(clientContext(), serverContext());
    try {
      handshake(c, s);
      c.shutdown(SHUT_WR); // close_notify, then FIN
      expect(read(s)).toBe(0);
      expect(s.raggedEof).toBe(false);
    } finally {
      close();
    }
    const [c2, s2, close2] = tlsPair(clientContext(), serverContext());
    try {
      handshake(c2, s2);
      c2.socket.shutdown(SHUT_WR); // the TCP connection only: no close_notify
      expect(read(s2)).toBe(0);
      expect(s2.raggedEof).toBe(true);
    } finally {
      close2();
    }
  });

  it('fails a handshake with garbage, or with a peer that leaves midway, as named errors', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
    b.setBlocking(false);
    const s = serverContext().wrapSocket(b);
    try {
      a.sendall(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      expect(() => s.tryDoHandshake()).toThrow(SSLError);
      // A failed connection sends no close_notify on close.
      s.close();
      expect(a.recv(100).length).toBe(0);
    } finally {
      a.close();
      s.close();
    }
    const [a2, b2] = socketpair(AF_UNIX, SOCK_STREAM);
    b2.setBlocking(false);
    const s2 = serverContext().wrapSocket(b2);
    try {
      a2.close(); // gone before saying anything
      expect(() => s2.tryDoHandshake()).toThrow(SSLEOFError);
    } finally {
      s2.close();
    }
  });

  it('fails a read on a corrupted record with an SSLError (bad record MAC)', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
    a.setBlocking(false);
    b.setBlocking(false);
    // A relay in the middle would be needed to flip a byte; instead the client's record is
    // taken off the wire by hand and corrupted before the server sees it.
    const c = clientContext().wrapSocket(a, { serverHostname: 'localhost' });
    const [x, y] = socketpair(AF_UNIX, SOCK_STREAM);
    y.setBlocking(false);
    const s = serverContext().wrapSocket(y);
    const relay = (from: Socket, to: Socket, corrupt = false): void => {
      const buffer = Buffer.alloc(65536);
      for (;;) {
        const n = from.tryRecvInto(buffer);
        if (n === WOULD_BLOCK || n === 0) return;
        if (corrupt) buffer[n - 1]! ^= 0xff;
        to.sendall(buffer.subarray(0, n));
      }
    };
    b.setBlocking(false);
    x.setBlocking(false);
    try {
      for (let round = 0; round < 20 && !(c.handshakeDone() && s.handshakeDone()); round++) {
        c.tryDoHandshake();
        relay(b, x);
        s.tryDoHandshake();
        relay(x, b);
      }
      expect(c.handshakeDone() && s.handshakeDone()).toBe(true);
      c.trySend(Buffer.from('a message that will not arrive intact'));
      x.setBlocking(true);
      relay(b, x, true);
      expect(() => s.tryRecvInto(Buffer.alloc(100))).toThrow(/\[SSL: .*\] /);
    } finally {
      c.close();
      s.close();
      b.close();
      x.close();
    }
  });

  it('drains what OpenSSL read ahead: many records in one kernel read, none lost', () => {
    const [c, s, close] = tlsPair(clientContext(), serverContext());
    try {
      handshake(c, s);
      const chunks: Buffer[] = [];
      for (let i = 0; i < 40; i++) {
        const chunk = Buffer.alloc(1000, 65 + (i % 26));
        chunks.push(chunk);
        expect(c.trySend(chunk)).toBe(1000); // one record each
      }
      // A small buffer: OpenSSL holds the rest, and says so.
      const small = Buffer.alloc(1500);
      const first = s.tryRecvInto(small);
      expect(first).toBe(1500);
      expect(s.hasPending()).toBe(true);
      const got = [Buffer.from(small)];
      for (;;) {
        const n = s.tryRecvInto(small);
        if (n === WOULD_BLOCK) break;
        got.push(Buffer.from(small.subarray(0, n)));
      }
      expect(s.hasPending()).toBe(false);
      expect(Buffer.concat(got).equals(Buffer.concat(chunks))).toBe(true);
    } finally {
      close();
    }
  });

  it('sends a large buffer in parts as the kernel takes them, and retries after WOULD_BLOCK', () => {
    const [c, s, close] = tlsPair(clientContext(), serverContext());
    try {
      handshake(c, s);
      const data = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = i % 251;
      let sent = 0;
      const received: Buffer[] = [];
      let blocked = 0;
      while (sent < data.length) {
        const n = c.trySend(data.subarray(sent));
        if (n === WOULD_BLOCK) {
          blocked++;
          for (let got = read(s); typeof got !== 'number'; got = read(s)) received.push(got);
        } else sent += n;
      }
      for (let got = read(s); typeof got !== 'number'; got = read(s)) received.push(got);
      expect(blocked).toBeGreaterThan(0);
      expect(Buffer.concat(received).equals(data)).toBe(true);
    } finally {
      close();
    }
  });
});

describe('SSLSocket on blocking TCP sockets', () => {
  it('doHandshake, sendall and recv wait as a blocking socket does (a Node tls echo peer)', async () => {
    // The peer runs in its own process: this thread blocks in the kernel while it answers.
    const peer = spawn(
      process.execPath,
      [
        '-e',
        `const tls = require('node:tls'), fs = require('node:fs');
         const server = tls.createServer({ cert: fs.readFileSync(process.argv[1]), key: fs.readFileSync(process.argv[2]) },
           (s) => s.pipe(s));
         server.listen(0, '127.0.0.1', () => console.log(server.address().port));
         process.stdin.on('end', () => process.exit(0)).resume();`,
        CERT,
        KEY,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(peer.stdout, 'data')) as [Buffer];
      const client = new Socket(AF_INET, SOCK_STREAM);
      const c = clientContext().wrapSocket(client, { serverHostname: '127.0.0.1' });
      try {
        client.connect(['127.0.0.1', Number(String(line).trim())]);
        c.doHandshake();
        expect(c.version()).toBe('TLSv1.3');
        c.sendall(Buffer.from('ping'));
        expect(String(c.recv(100))).toBe('ping');
      } finally {
        c.close();
      }
    } finally {
      peer.stdin.end();
      if (peer.exitCode === null) await once(peer, 'exit');
    }
  });

  it('doHandshake refuses a non-blocking socket', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
    a.setBlocking(false);
    const c = clientContext().wrapSocket(a, { serverHostname: 'localhost' });
    try {
      expect(() => c.doHandshake()).toThrow('doHandshake() needs a blocking socket');
    } finally {
      c.close();
      b.close();
    }
  });
});

describe('SSLContext', () => {
  it('has Python’s defaults: a client verifies and checks names, a server asks nothing', () => {
    const client = new SSLContext('client');
    expect([client.verifyMode, client.checkHostname]).toEqual([CERT_REQUIRED, true]);
    const server = new SSLContext('server');
    expect([server.verifyMode, server.checkHostname]).toEqual([CERT_NONE, false]);
    expect(client.minimumVersion).toBe(TLSVersion.TLSv1_2);
    expect(client.maximumVersion).toBe(TLSVersion.TLSv1_3);
    expect(String(client)).toBe('<SSLContext client verify=CERT_REQUIRED checkHostname>');
  });

  it('names what is wrong with its settings', () => {
    const context = new SSLContext('server');
    expect(() => context.loadCertChain('/nonexistent.pem')).toThrow(
      new SSLConfigError('loadCertChain(): certfile /nonexistent.pem does not exist'),
    );
    expect(() => context.loadCertChain(CA, KEY)).toThrow(SSLConfigError); // key of another cert
    expect(() => context.loadCertChain(KEY)).toThrow(/loading the certificate chain/);
    expect(() => context.setCiphers('NO-SUCH-CIPHER')).toThrow(/no cipher can be selected/);
    expect(() => context.setAlpnProtocols([])).toThrow(TypeError);
    expect(() => context.setAlpnProtocols(['x'.repeat(256)])).toThrow(/1 to 255 bytes/);
    expect(() => (context.verifyMode = 5 as never)).toThrow(TypeError);
    expect(() => new SSLContext('peer' as never)).toThrow(
      "SSLContext expected 'client' or 'server', got \"peer\"",
    );
    const client = new SSLContext('client');
    expect(() => (client.verifyMode = CERT_NONE)).toThrow(/set checkHostname = false first/);
    const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
    try {
      expect(() => client.wrapSocket(a)).toThrow(/a client needs serverHostname/);
      expect(() => serverContext().wrapSocket(a, { serverHostname: 'x' })).toThrow(
        /client side only/,
      );
    } finally {
      a.close();
      b.close();
    }
  });

  it('trusts the system store by default: our private CA is not in it', () => {
    const [c, s, close] = tlsPair(createDefaultContext(), serverContext());
    try {
      const [error] = failingHandshake(c, s);
      expect(error).toBeInstanceOf(SSLCertVerificationError);
    } finally {
      close();
    }
  });
});
