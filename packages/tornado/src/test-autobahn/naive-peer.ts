/**
 * A WebSocket server that checks nothing: it echoes every data frame as it came (opcode, FIN,
 * payload), answers pings, and returns a close frame's payload verbatim. It is the harness's
 * own negative control: the catalogue must FAIL it wherever the protocol asks for a check
 * (reserved bits, fragmented control frames, continuation without a message, invalid UTF-8,
 * invalid close codes), or a passing verdict elsewhere would mean nothing.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameReader, OP_CLOSE, OP_PING, OP_PONG } from './frames';
import { serverHandshake } from './handshake';

export class NaivePeer {
  readonly #sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<NaivePeer> {
    const server = createServer({ pauseOnConnect: true });
    const peer = new NaivePeer(server);
    server.on('connection', (socket) => void peer.#serve(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return peer;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  async #serve(socket: Socket): Promise<void> {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    const opened = await serverHandshake(socket, null).catch(() => null);
    if (opened === null) return;
    const reader = new FrameReader(
      () => true,
      (frame) => {
        if (frame.opcode === OP_CLOSE) {
          socket.end(encodeFrame({ opcode: OP_CLOSE, payload: frame.payload }, false));
          return false;
        }
        if (frame.opcode === OP_PING)
          socket.write(encodeFrame({ opcode: OP_PONG, payload: frame.payload }, false));
        else if (frame.opcode !== OP_PONG)
          socket.write(
            encodeFrame({ opcode: frame.opcode, fin: frame.fin, payload: frame.payload }, false),
          );
        return true;
      },
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    reader.push(opened.rest);
    socket.resume();
  }
}
