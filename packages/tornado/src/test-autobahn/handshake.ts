/**
 * The opening handshake (RFC 6455 §4), done by hand over a `node:net` socket so the fuzzing peer
 * owns every byte after it: as a client (to test a server), an HTTP/1.1 Upgrade request with a
 * fresh key, checked against the `101`'s `Sec-WebSocket-Accept`; as a server (to test a client),
 * the reverse. `permessage-deflate` is offered or accepted with `ws`'s negotiation, and what was
 * agreed comes back as the extension header both sides saw.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  PerMessageDeflate,
  formatExtensions,
  parseExtensions,
  type DeflateParams,
  type PerMessageDeflateOptions,
} from './ws-internals';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** What the handshake agreed, and the bytes that came after it (the first frames, if any). */
export interface Opened {
  deflate: PerMessageDeflate | null;
  /** The `Sec-WebSocket-Extensions` header of the response ('' when none). */
  extensions: string;
  rest: Buffer;
  /** The request's path (server side) or the response's status line (client side). */
  line: string;
  headers: Map<string, string>;
}

/** A permessage-deflate offer, in Autobahn's terms (its PerMessageDeflateOffer). */
export interface DeflateOffer {
  /** `server_no_context_takeover`: ask the server to reset its compressor after each message. */
  requestNoContextTakeover?: boolean;
  /** `server_max_window_bits=N` (0: not asked). */
  requestMaxWindowBits?: number;
}

/** Reads an HTTP head off `socket`: resolves with it and whatever followed the blank line. */
function readHead(socket: Socket, timeoutMs: number): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const done = (error: Error | null, value?: { head: string; rest: Buffer }): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (error === null) resolve(value!);
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.pause();
        done(null, {
          head: data.subarray(0, end).toString('latin1'),
          rest: data.subarray(end + 4),
        });
      }
    };
    const onClose = (): void =>
      done(new Error(`the peer closed during the handshake: ${String(data)}`));
    const onError = (error: Error): void => done(error);
    const timer = setTimeout(
      () => done(new Error(`no handshake within ${timeoutMs} ms: ${String(data)}`)),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.resume();
  });
}

function parseHeaders(lines: string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const name = line.slice(0, at).trim().toLowerCase();
    const value = line.slice(at + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)!}, ${value}` : value);
  }
  return headers;
}

function offerParams(offer: DeflateOffer): DeflateParams {
  // Autobahn's offer always says it accepts both client parameters.
  const params: DeflateParams = { client_no_context_takeover: true, client_max_window_bits: true };
  if (offer.requestNoContextTakeover === true) params.server_no_context_takeover = true;
  if ((offer.requestMaxWindowBits ?? 0) > 0)
    params.server_max_window_bits = offer.requestMaxWindowBits!;
  return params;
}

/** The client's side: sends the Upgrade request, reads and checks the 101. */
export async function clientHandshake(
  socket: Socket,
  { host, path, offers = [] }: { host: string; path: string; offers?: readonly DeflateOffer[] },
  timeoutMs = 5000,
): Promise<Opened> {
  const key = randomBytes(16).toString('base64');
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (offers.length > 0)
    lines.push(
      `Sec-WebSocket-Extensions: ${formatExtensions({ 'permessage-deflate': offers.map(offerParams) })}`,
    );
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const { head, rest } = await readHead(socket, timeoutMs);
  const [status, ...headerLines] = head.split('\r\n');
  const headers = parseHeaders(headerLines);
  if (!/^HTTP\/1\.1 101 /.test(status!)) throw new Error(`expected a 101, got: ${head}`);
  if (headers.get('sec-websocket-accept') !== acceptKey(key))
    throw new Error(`wrong Sec-WebSocket-Accept in: ${head}`);
  const extensions = headers.get('sec-websocket-extensions') ?? '';
  let deflate: PerMessageDeflate | null = null;
  if (extensions !== '') {
    const parsed = parseExtensions(extensions);
    const response = parsed['permessage-deflate'];
    if (offers.length === 0 || response === undefined || Object.keys(parsed).length !== 1)
      throw new Error(`the server accepted an extension nobody offered: ${extensions}`);
    deflate = new PerMessageDeflate({ isServer: false });
    deflate.accept(response);
  }
  return { deflate, extensions, rest, line: status!, headers };
}

/**
 * The server's side: reads the Upgrade request, answers 101, accepting permessage-deflate with
 * `accept` (`ws`'s server options, Autobahn's SERVER_ACCEPT) when the client offered it and
 * `accept` is given.
 */
export async function serverHandshake(
  socket: Socket,
  accept: PerMessageDeflateOptions | null,
  timeoutMs = 5000,
): Promise<Opened> {
  const { head, rest } = await readHead(socket, timeoutMs);
  const [requestLine, ...headerLines] = head.split('\r\n');
  const headers = parseHeaders(headerLines);
  const key = headers.get('sec-websocket-key');
  if (key === undefined || !/websocket/i.test(headers.get('upgrade') ?? '')) {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    throw new Error(`not a WebSocket upgrade: ${head}`);
  }
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
  ];
  let deflate: PerMessageDeflate | null = null;
  let extensions = '';
  const offered = headers.get('sec-websocket-extensions');
  if (accept !== null && offered !== undefined) {
    const offers = parseExtensions(offered)['permessage-deflate'];
    if (offers !== undefined) {
      deflate = new PerMessageDeflate({ ...accept, isServer: true });
      try {
        const params = deflate.accept(offers);
        extensions = formatExtensions({ 'permessage-deflate': params });
        lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
      } catch {
        deflate = null; // none of the offers fits: no extension
      }
    }
  }
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return { deflate, extensions, rest, line: requestLine!, headers };
}
