/**
 * For process.test.ts: a multi-process server. Run as the supervisor, it binds 127.0.0.1:0 and
 * starts 2 workers (`--mode sockets`: bindSockets then forkProcesses, tornado's first pattern;
 * `--mode server`: TCPServer.bind then start(2)). Each worker prints
 * `{"task", "pid", "port"}` and answers every connection with `<task> <pid>\n`, then closes it.
 */
import { parseArgs } from 'node:util';
import { IOLoop } from '../../ioloop';
import type { IOStream } from '../../iostream';
import { bindSockets } from '../../netutil';
import { forkProcesses, taskId } from '../../process';
import { TCPServer } from '../../tcpserver';

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'sockets' } } });

class WhoAmI extends TCPServer {
  override async handleStream(stream: IOStream): Promise<void> {
    await stream.write(`${taskId()} ${process.pid}\n`);
    stream.close();
  }
}

let port: number;
const server = new WhoAmI();
if (values.mode === 'server') {
  server.bind(0, '127.0.0.1');
  await server.start(2, 5);
  port = Number(/:(\d+)>$/.exec(String(server))![1]);
} else {
  const sockets = bindSockets(0, '127.0.0.1');
  await forkProcesses(2, { maxRestarts: 5 });
  server.addSockets(sockets);
  port = (sockets[0]!.getsockname() as [string, number])[1];
}
process.stdout.write(`${JSON.stringify({ task: taskId(), pid: process.pid, port })}\n`);
await IOLoop.current().start();
