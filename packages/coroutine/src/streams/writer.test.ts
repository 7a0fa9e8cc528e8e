/**
 * StreamWriter over a SocketTransport on loopback TCP: writes and writelines, drain() at once
 * below the high mark and waiting above it, failing once the connection is lost or the reader
 * has an error, half-close, and waitClosed().
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sleep } from '../sleep';
import { StreamReader } from './reader';
import { SocketTransport, TransportClosedError } from './transport';
import { StreamWriter } from './writer';
import { main, resetOnClose, tcpPair } from './test-sockets';
import type { EventLoop } from '@aio/loop';
import type { Socket } from '@aio/selector';

function open(loop: EventLoop, sock: Socket): [StreamReader, StreamWriter] {
  const reader = new StreamReader({ loop });
  const transport = new SocketTransport(loop, sock, reader);
  return [reader, new StreamWriter(transport, reader, loop)];
}

describe('StreamWriter', () => {
  it('writes strings and buffers, and writelines() in order', async () => {
    const [a, b] = tcpPair();
    const got = await main(function* (loop) {
      const [, writer] = open(loop, a);
      const [peerReader, peer] = open(loop, b);
      writer.write('one ');
      writer.write(Buffer.from('two '));
      writer.writelines(['three ', Buffer.from('four')]);
      yield* writer.drain();
      writer.close();
      yield* writer.waitClosed();
      const all = (yield* peerReader.read()).toString();
      peer.close();
      return all;
    });
    expect(got).toBe('one two three four');
  });

  it('drain() is done at once below the high mark, and waits above it', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const [, writer] = open(loop, a);
      const [peerReader, peer] = open(loop, b);
      peer.transport.pauseReading();
      writer.write('small');
      expect(writer.drain().done()).toBe(true);
      const chunk = Buffer.alloc(64 * 1024);
      while (!writer.transport.isWritingPaused()) writer.write(chunk);
      const drained = writer.drain();
      yield* sleep(5);
      expect(drained.done()).toBe(false);
      peer.transport.resumeReading();
      const reading = peerReader.read(); // keeps the peer reading until EOF
      yield* drained;
      expect(writer.transport.getWriteBufferSize()).toBeLessThanOrEqual(16 * 1024);
      writer.close();
      yield* reading;
      peer.close();
    });
  });

  it('drain() fails once the connection is lost, with the reader error first', async () => {
    const [a, b] = tcpPair();
    await main(function* (loop) {
      const [reader, writer] = open(loop, a);
      resetOnClose(b);
      b.close();
      const error = yield* caught(reader.read());
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      expect(yield* caught(writer.drain())).toBe(error);
      expect(() => writer.transport.drain().result()).toThrow(TransportClosedError);
      expect(yield* caught(writer.waitClosed())).toBe(error);
      expect(writer.isClosing()).toBe(true);
    });
  });

  it('writeEof() half-closes: the peer reads EOF and can still answer', async () => {
    const [a, b] = tcpPair();
    const got = await main(function* (loop) {
      const [reader, writer] = open(loop, a);
      const [peerReader, peer] = open(loop, b);
      expect(writer.canWriteEof()).toBe(true);
      writer.write('question');
      writer.writeEof();
      const question = (yield* peerReader.read()).toString();
      peer.write(`answer to ${question}`);
      peer.close();
      const answer = (yield* reader.read()).toString();
      writer.close();
      yield* writer.waitClosed();
      return answer;
    });
    expect(got).toBe('answer to question');
  });

  it('gives the transport extra info and prints itself', async () => {
    const [a] = tcpPair();
    await main(function* (loop) {
      const [, writer] = open(loop, a);
      expect(writer.getExtraInfo('socket')).toBe(a);
      expect(writer.getExtraInfo('peername')).toEqual(a.getpeername());
      expect(writer.getExtraInfo('missing', 'default')).toBe('default');
      expect(inspect(writer)).toMatch(
        /^<StreamWriter transport=<SocketTransport .*> reader=<StreamReader transport>>$/,
      );
      writer.close();
      yield* sleep(0);
    });
  });
});

function* caught(future: Iterable<unknown, unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* future;
    return undefined;
  } catch (error) {
    return error;
  }
}
