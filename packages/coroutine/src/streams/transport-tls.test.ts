/**
 * SocketTransport over TLS (an SSLSocket from @aio/selector/ssl as its endpoint): what differs
 * from a plain socket is that OpenSSL reads ahead, so bytes can sit in OpenSSL while the kernel
 * says the socket is not readable. They must reach the reader anyway — bytes that came with the
 * handshake's last flight, bytes held while the reader paused the transport — and the transport
 * otherwise behaves as over TCP: writes, EOF by close_notify, close. Real TCP on 127.0.0.1.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readable, sslDoHandshake } from '@aio/future';
import { getRunningLoop } from '@aio/loop';
import { IPPROTO_TCP, TCP_NODELAY } from '@aio/selector';
import { SSLContext, createDefaultContext, type SSLSocket } from '@aio/selector/ssl';
import { sleep } from '../sleep';
import { StreamReader } from './reader';
import { SocketTransport } from './transport';
import { main, tcpPair, track } from './test-sockets';

const FIXTURES = fileURLToPath(new URL('../../../../tooling/fixtures/tls/', import.meta.url));
const serverContext = new SSLContext('server');
serverContext.loadCertChain(`${FIXTURES}server.pem`, `${FIXTURES}server.key`);
const clientContext = createDefaultContext('serverAuth', { cafile: `${FIXTURES}ca.pem` });

/** A TLS connection on loopback TCP: `[client, server]`, handshakes not started. */
function tlsPair(): [SSLSocket, SSLSocket] {
  const [a, b] = tcpPair();
  // No Nagle delay: a small write right after the handshake leaves with its last flight.
  for (const sock of [a, b]) sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  return [
    track(clientContext.wrapSocket(a, { serverHostname: 'localhost' })),
    track(serverContext.wrapSocket(b)),
  ];
}

describe('SocketTransport over an SSLSocket', () => {
  it('delivers bytes that arrived with the handshake’s last flight (held by OpenSSL, not the kernel)', async () => {
    const got = await main(function* () {
      const [client, server] = tlsPair();
      // By hand, so that the order is sure: the client finishes and writes before the server
      // reads its Finished; the server's last handshake read then takes the data along.
      expect(client.tryDoHandshake()).not.toBe(0); // ClientHello
      yield* sleep(10);
      expect(server.tryDoHandshake()).not.toBe(0); // ServerHello … server Finished
      yield* sleep(10);
      expect(client.tryDoHandshake()).toBe(0); // client Finished: done
      client.trySend(Buffer.from('sent with the Finished\n'));
      yield* sleep(10);
      expect(server.tryDoHandshake()).toBe(0);
      const heldByOpenSSL = server.hasPending();
      const reader = new StreamReader();
      new SocketTransport(getRunningLoop(), server, reader);
      return [heldByOpenSSL, String(yield* reader.readline())];
    });
    expect(got).toEqual([true, 'sent with the Finished\n']);
  });

  it('delivers what OpenSSL holds when the reader resumes after a pause', async () => {
    const size = 3 * 1024 * 1024;
    const got = await main(function* (loop) {
      const [client, server] = tlsPair();
      const serverDone = sslDoHandshake(loop, server);
      yield* sslDoHandshake(loop, client);
      yield* serverDone;
      // A small limit: the reader pauses the transport again and again while records wait.
      const reader = new StreamReader({ limit: 16 * 1024 });
      const transport = new SocketTransport(loop, server, reader);
      const writer = new SocketTransport(loop, client, null);
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 7) % 256;
      writer.write(data);
      const received: Buffer[] = [];
      let total = 0;
      while (total < size) {
        const chunk = yield* reader.read(5000);
        total += chunk.length;
        received.push(chunk);
      }
      writer.close();
      const eof = yield* reader.read(10);
      transport.close();
      return [Buffer.concat(received).equals(data), eof.length, server.raggedEof];
    });
    expect(got).toEqual([true, 0, false]);
  });

  it('names the TLS connection in getExtraInfo, and detach() hands it back open', async () => {
    const got = await main(function* (loop) {
      const [client, server] = tlsPair();
      const serverDone = sslDoHandshake(loop, server);
      yield* sslDoHandshake(loop, client);
      yield* serverDone;
      const transport = new SocketTransport(loop, server, new StreamReader());
      const info = transport.getExtraInfo('sslObject') === server;
      const detached = transport.detach();
      client.trySend(Buffer.from('still open'));
      yield* readable(loop, detached);
      const buffer = Buffer.alloc(64);
      const n = detached.tryRecvInto(buffer);
      return [
        info,
        detached === server,
        transport.isClosing(),
        buffer.toString('latin1', 0, Math.max(n, 0)),
      ];
    });
    expect(got).toEqual([true, true, true, 'still open']);
  });
});
