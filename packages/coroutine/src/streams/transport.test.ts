/**
 * SocketTransport on real loopback TCP sockets and real loops: reads feeding the reader, writes
 * sent at once or buffered with flow control, half-close, close and abort releasing the fd, and
 * resets surfacing as errors, never as a crash.
 */
import { inspect } from 'node:util';
import { WOULD_BLOCK, type Socket } from '@aio/selector';
import { describe, expect, it } from 'vitest';
import { sleep } from '../sleep';
import { createTask } from '../task';
import { StreamReader } from './reader';
import { SocketTransport, TransportClosedError } from './transport';
import { main, resetOnClose, tcpPair, until } from './test-sockets';

/** Reads everything `sock` has now (non-blocking); an empty buffer if nothing. */
function drainSocket(sock: Socket): number {
  const scratch = Buffer.allocUnsafe(256 * 1024);
  let total = 0;
  for (;;) {
    const n = sock.tryRecvInto(scratch);
    if (n === WOULD_BLOCK || n === 0) return total;
    total += n;
  }
}

/** Writes `chunk` until the kernel's buffer is full and some is buffered; returns the bytes written. */
function fillKernel(transport: SocketTransport, chunk: Buffer): number {
  let written = 0;
  while (transport.getWriteBufferSize() === 0) {
    transport.write(chunk);
    written += chunk.length;
  }
  return written;
}

describe('SocketTransport', () => {
  it('feeds what the peer sends to the reader, then EOF', async () => {
    const [a, b] = tcpPair();
    const got = await main(function* (loop) {
      const reader = new StreamReader();
      const transport = new SocketTransport(loop, a, reader);
      b.sendall(Buffer.from('hello\nworld'));
      b.shutdown(1);
      const line = (yield* reader.readline()).toString();
      const rest = (yield* reader.read()).toString();
      transport.close();
      return [line, rest, a.closed];
    });
    expect(got).toEqual(['hello\n', 'world', true]);
  });

  it('sends a small write at once, buffering nothing', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const transport = new SocketTransport(loop, a, null);
      transport.write('ping');
      expect(transport.getWriteBufferSize()).toBe(0);
      yield* until(() => drainSocket(b) > 0 || false);
      transport.close();
    });
  });

  it('copies what it buffers, so the caller may reuse its buffer', async () => {
    const [a, b] = tcpPair();
    const received = await main(function* (loop) {
      const reader = new StreamReader({ loop });
      const peer = new SocketTransport(loop, b, reader);
      const transport = new SocketTransport(loop, a, null);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const written = fillKernel(transport, chunk); // the same buffer, reused each time
      chunk.fill('y');
      transport.close();
      const all = yield* reader.read();
      peer.close();
      expect(all.length).toBe(written);
      return all;
    });
    expect(received.every((byte) => byte === 'x'.charCodeAt(0))).toBe(true);
  });

  it('pauses writing above the high mark; drain() waits for the low mark', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const transport = new SocketTransport(loop, a, null, { highWater: 64 * 1024 });
      expect(transport.getWriteBufferLimits()).toEqual([16 * 1024, 64 * 1024]);
      expect(transport.drain().done()).toBe(true);
      // Nothing to wait for: the loop's one resolved future, not a new one per write.
      expect(transport.drain()).toBe(transport.drain());
      const chunk = Buffer.alloc(64 * 1024);
      while (!transport.isWritingPaused()) transport.write(chunk);
      const drained = transport.drain();
      yield* sleep(5);
      expect(drained.done()).toBe(false); // nobody reads at the other end
      // The peer reads now, slowly: drain() resolves once the buffer is down to the low mark.
      let sizeWhenDrained = -1;
      drained.addDoneCallback(() => (sizeWhenDrained = transport.getWriteBufferSize()));
      while (!drained.done()) {
        drainSocket(b);
        yield* sleep(1);
      }
      yield* drained;
      expect(sizeWhenDrained).toBeLessThanOrEqual(16 * 1024);
      transport.abort();
    });
  });

  it('rejects limits out of order', async () => {
    const [a] = tcpPair();
    await main(function* (loop) {
      const transport = new SocketTransport(loop, a, null);
      expect(() => transport.setWriteBufferLimits(10, 20)).toThrow(RangeError);
      transport.setWriteBufferLimits(100);
      expect(transport.getWriteBufferLimits()).toEqual([25, 100]);
      transport.close();
      yield* sleep(0);
    });
  });

  it('pauseReading() stops feeding the reader and resumeReading() goes on', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const reader = new StreamReader({ loop });
      const transport = new SocketTransport(loop, a, reader);
      transport.pauseReading();
      expect(transport.isReading()).toBe(false);
      b.sendall(Buffer.from('data'));
      yield* sleep(5);
      expect(reader.toString()).not.toContain('bytes');
      transport.resumeReading();
      expect((yield* reader.read(4)).toString()).toBe('data');
      transport.close();
    });
  });

  it('stops reading when the reader is full, and reads again as it empties', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const reader = new StreamReader({ limit: 1024, loop });
      const transport = new SocketTransport(loop, a, reader);
      const sender = new SocketTransport(loop, b, null);
      sender.write(Buffer.alloc(256 * 1024, 1));
      sender.close();
      yield* until(() => !transport.isReading());
      let total = 0;
      for (;;) {
        const chunk = yield* reader.read(4096);
        if (chunk.length === 0) break;
        total += chunk.length;
      }
      expect(total).toBe(256 * 1024);
      transport.close();
    });
  });

  it('writeEof() sends FIN after the buffer and keeps reading', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const reader = new StreamReader({ loop });
      const transport = new SocketTransport(loop, a, reader);
      const peerReader = new StreamReader({ loop });
      const peer = new SocketTransport(loop, b, peerReader);
      expect(transport.canWriteEof()).toBe(true);
      transport.write(Buffer.alloc(512 * 1024, 7));
      transport.writeEof();
      expect(() => transport.write('more')).toThrow(TransportClosedError);
      expect((yield* peerReader.read()).length).toBe(512 * 1024);
      peer.write('reply');
      peer.writeEof();
      expect((yield* reader.read()).toString()).toBe('reply');
      // Both directions are done: the transports closed themselves.
      yield* until(() => a.closed && b.closed);
    });
  });

  it('close() flushes the buffer, then closes the socket and ends the reader', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const reader = new StreamReader({ loop });
      const transport = new SocketTransport(loop, a, reader);
      const peerReader = new StreamReader({ loop });
      const peer = new SocketTransport(loop, b, peerReader);
      const written = fillKernel(transport, Buffer.alloc(64 * 1024, 3));
      transport.close();
      expect(transport.isClosing()).toBe(true);
      expect(a.closed).toBe(false); // still flushing
      expect(() => transport.write('x')).toThrow(/closing/);
      expect((yield* peerReader.read()).length).toBe(written);
      yield* transport.whenClosed();
      expect(a.closed).toBe(true);
      expect(reader.atEof()).toBe(true);
      peer.close();
    });
  });

  it('abort() drops the buffer and closes at once; drain() then fails', async () => {
    const [a] = tcpPair();
    await main(function* (loop) {
      const transport = new SocketTransport(loop, a, null);
      const chunk = Buffer.alloc(64 * 1024);
      while (!transport.isWritingPaused()) transport.write(chunk);
      const drained = transport.drain();
      transport.abort();
      expect(a.closed).toBe(true);
      expect(transport.getWriteBufferSize()).toBe(0);
      expect(() => drained.result()).toThrow(TransportClosedError);
      expect(() => transport.write('x')).toThrow(TransportClosedError);
      expect(() => transport.drain().result()).toThrow(TransportClosedError);
      yield* sleep(0);
    });
  });

  it('a reset by the peer fails the waiting read and pending drains', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const reader = new StreamReader({ loop });
      const transport = new SocketTransport(loop, a, reader);
      const chunk = Buffer.alloc(64 * 1024);
      while (!transport.isWritingPaused()) transport.write(chunk);
      const drained = transport.drain();
      const reading = createTask(function* () {
        return yield* reader.read(100);
      });
      yield* sleep(0);
      resetOnClose(b);
      b.close();
      const error = yield* caught(reading);
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      expect(() => drained.result()).toThrow(TransportClosedError);
      expect(a.closed).toBe(true);
      expect(transport.connectionError()).toBe(error);
      const closed = yield* caught(transport.whenClosed());
      expect(closed).toBe(error);
    });
  });

  it('writing to a peer that is gone throws a clear error, and the process goes on', async () => {
    const [a, b] = tcpPair();
    const errors = await main(function* (loop) {
      const transport = new SocketTransport(loop, a, null); // not reading: only writes see it
      transport.pauseReading();
      resetOnClose(b);
      b.close();
      yield* sleep(5);
      const errors: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        try {
          transport.write('after the peer left');
        } catch (error) {
          errors.push(error);
        }
      }
      expect(a.closed).toBe(true);
      return errors;
    });
    expect(errors).toHaveLength(3);
    expect(['EPIPE', 'ECONNRESET']).toContain((errors[0] as { code?: unknown }).code);
    expect(errors[1]).toBeInstanceOf(TransportClosedError);
    expect((errors[1] as Error).cause).toBe(errors[0]);
    expect(String(errors[1])).toMatch(/connection failed/);
  });

  it('reports peername, sockname and socket, and prints itself', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const transport = new SocketTransport(loop, a, null);
      expect(transport.getExtraInfo('socket')).toBe(a);
      expect(transport.getExtraInfo('peername')).toEqual(b.getsockname());
      expect(transport.getExtraInfo('sockname')).toEqual(a.getsockname());
      expect(transport.getExtraInfo('nothing', 42)).toBe(42);
      expect(inspect(transport)).toMatch(
        /^<SocketTransport fd=\d+ open read=polling write=idle peer=127\.0\.0\.1:\d+>$/,
      );
      transport.close();
      expect(String(transport)).toContain('closed');
      yield* sleep(0);
    });
  });

  it('reads the addresses when first asked, keeps them after close, and has none never asked', async () => {
    const [a, b] = tcpPair();
    const [c] = tcpPair();
    await main(function* (loop) {
      const asked = new SocketTransport(loop, a, null);
      const peer = asked.getExtraInfo('peername');
      expect(peer).toEqual(b.getsockname());
      const unasked = new SocketTransport(loop, c, null);
      asked.close();
      unasked.close();
      expect(asked.getExtraInfo('peername')).toEqual(peer);
      expect(asked.getExtraInfo('sockname', 'gone')).toBe('gone'); // never asked while open
      expect(unasked.getExtraInfo('peername')).toBeUndefined();
      expect(unasked.getExtraInfo('peername', 'gone')).toBe('gone');
      expect(String(asked)).toMatch(/closed peer=127\.0\.0\.1:\d+>$/);
      yield* sleep(0);
    });
  });

  it('calls onConnectionLost once, after the fd is closed, with the error it ended with', async () => {
    const [a, b] = tcpPair();
    const [c] = tcpPair();
    const calls: [SocketTransport, unknown, boolean][] = [];
    const handled: unknown[] = [];
    await main(function* (loop) {
      loop.setExceptionHandler((_loop, context) => handled.push(context.exception));
      const onConnectionLost = (transport: SocketTransport, error: unknown): void => {
        calls.push([transport, error, a.closed]);
      };
      const reset = new SocketTransport(loop, a, new StreamReader(), { onConnectionLost });
      resetOnClose(b);
      b.close();
      yield* until(() => calls.length === 1);
      reset.abort(); // already lost: not called again
      const thrower = new SocketTransport(loop, c, null, {
        onConnectionLost: () => {
          throw new Error('from the callback');
        },
      });
      thrower.close();
      expect(() => new SocketTransport(loop, c, null, { onConnectionLost: 5 as never })).toThrow(
        /onConnectionLost to be a function, got 5/,
      );
      yield* sleep(0);
      expect(calls).toHaveLength(1);
      expect(calls[0]![0]).toBe(reset);
      expect(calls[0]![1]).toMatchObject({ code: 'ECONNRESET' });
      expect(calls[0]![2]).toBe(true);
      expect(handled).toEqual([new Error('from the callback')]);
    });
  });

  it('whenClosed() after the end is settled at once, with the error if there was one', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const transport = new SocketTransport(loop, a, new StreamReader());
      const before = transport.whenClosed();
      resetOnClose(b);
      b.close();
      yield* until(() => transport.isClosing());
      const after = transport.whenClosed();
      expect(after.done()).toBe(true);
      expect(after.exception()).toMatchObject({ code: 'ECONNRESET' });
      expect(before.exception()).toBe(after.exception());
    });
  });

  it('refuses a blocking socket', async () => {
    const [a] = tcpPair();
    await main(function* (loop) {
      a.setBlocking(true);
      expect(() => new SocketTransport(loop, a, null)).toThrow(/non-blocking/);
      yield* sleep(0);
    });
  });
});

/** What a future or task fails with (undefined if it succeeds). */
function* caught(future: Iterable<unknown, unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* future;
    return undefined;
  } catch (error) {
    return error;
  }
}
