/**
 * An `https` request through an HTTP proxy: a `CONNECT host:port` tunnel (RFC 9110 §9.3.6), then
 * TLS to the origin inside it, so the proxy sees neither the request nor the response. Proxy
 * credentials go on the `CONNECT` only, never to the origin.
 */
import { Future } from '@aio/future';
import { createTask } from '@aio/coroutine';
import { HTTPHeaders } from '../httputil/headers';
import { parseResponseStartLine } from '../httputil/start-line';
import type { IOStream } from '../iostream';
import type { SSLOptions } from '../netutil/ssl';
import type { ConnectOptions, TCPClient } from '../tcpclient';
import { HTTPClientError } from './response';

/** Where the tunnel goes, and through which proxy. */
export interface TunnelOptions {
  readonly proxyHost: string;
  readonly proxyPort: number;
  readonly proxyUsername: string | null;
  readonly proxyPassword: string;
  /** The origin. */
  readonly host: string;
  readonly port: number;
  readonly sslOptions: SSLOptions;
  readonly connectOptions: ConnectOptions;
  readonly maxHeaderSize: number;
}

/** The proxy refused the tunnel: `code` is its status (407: it wants credentials). */
export class ProxyTunnelError extends HTTPClientError {
  override name = 'ProxyTunnelError';
}

/**
 * Connects to the proxy, asks it for a tunnel to `host:port`, and runs TLS to the origin through
 * it. The future is the TLS stream; cancelling it closes whatever it opened.
 */
export function openTunnel(tcpClient: TCPClient, options: TunnelOptions): Future<IOStream> {
  const { host, port } = options;
  const authority = host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`;
  return createTask(function* tunnel(): Generator<unknown, IOStream, unknown> {
    const stream = yield* tcpClient.connect(
      options.proxyHost,
      options.proxyPort,
      options.connectOptions,
    );
    let handedOver = false;
    try {
      let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
      if (options.proxyUsername !== null) {
        const credentials = Buffer.from(
          `${options.proxyUsername}:${options.proxyPassword}`,
          'utf8',
        ).toString('base64');
        head += `Proxy-Authorization: Basic ${credentials}\r\n`;
      }
      yield* stream.write(`${head}\r\n`);
      const answer = (yield* stream.readUntilRegex(/\r\n\r\n/, options.maxHeaderSize)).toString(
        'latin1',
      );
      const eol = answer.indexOf('\r\n');
      const line = parseResponseStartLine(answer.slice(0, eol));
      // Parsed for its checks (a malformed answer is an HTTPInputError), then dropped.
      new HTTPHeaders().parseBlock(answer, eol + 2, answer.length);
      if (line.code < 200 || line.code >= 300) {
        throw new ProxyTunnelError(line.code, {
          message: `the proxy ${options.proxyHost}:${String(options.proxyPort)} refused CONNECT ${authority}: ${String(line.code)} ${line.reason}`,
        });
      }
      const secure = yield* stream.startTls(false, options.sslOptions, host);
      handedOver = true;
      return secure;
    } finally {
      if (!handedOver) stream.close();
    }
  });
}
