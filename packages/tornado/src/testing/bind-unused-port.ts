/**
 * tornado's `bind_unused_port`: a listening socket on a port the kernel picked.
 */
import { AF_INET, type Socket } from '@aio/selector';
import { bindSockets } from '../netutil/sockets';

/**
 * A listening TCP socket on a free port of `address` (127.0.0.1 by default, never resolved from
 * `localhost`, as tornado 4.4 on), and that port. The socket is the caller's to close (an
 * `HTTPServer` given it with `addSockets` closes it when stopped).
 * @param reusePort sets `SO_REUSEPORT`, so that other sockets can bind the same port
 * @example
 * ```ts
 * const [socket, port] = bindUnusedPort();
 * server.addSockets([socket]);
 * fetch(`http://127.0.0.1:${port}/`);
 * ```
 */
export function bindUnusedPort(reusePort = false, address = '127.0.0.1'): [Socket, number] {
  const [socket] = bindSockets(0, address, { family: AF_INET, reusePort });
  return [socket!, (socket!.getsockname() as [string, number])[1]];
}
