/**
 * tornado's `ssl_options_to_context` and `ssl_wrap_socket` (tornado/netutil.py): `sslOptions`,
 * wherever tornado takes them (`TCPServer`, `TCPClient.connect`, `SSLIOStream`, `startTls`), are
 * either a context built once and shared (`SSLContext` from `@aio/selector/ssl`, re-exported
 * here) or tornado's dictionary, camelCased:
 *
 * | tornado       | here          | meaning                                                  |
 * |---------------|---------------|----------------------------------------------------------|
 * | `certfile`    | `certfile`    | this side's certificate chain (PEM)                      |
 * | `keyfile`     | `keyfile`     | its private key (PEM; default: in `certfile`)            |
 * | `ca_certs`    | `caCerts`     | trust these CAs (PEM) instead of the system's store      |
 * | `cert_reqs`   | `certReqs`    | `CERT_NONE`, `CERT_OPTIONAL` or `CERT_REQUIRED`          |
 * | `ciphers`     | `ciphers`     | OpenSSL cipher string for TLS 1.2                        |
 * |               | `alpnProtocols` | ALPN names, most preferred first                       |
 *
 * Unlike tornado's (whose client context trusts nothing until told), a client dictionary
 * without `caCerts` trusts the system's CA store: verification is on by default and works.
 */
import {
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  SSLContext,
  createDefaultContext,
  type SSLSocket,
  type VerifyMode,
} from '@aio/selector/ssl';
import type { Socket } from '@aio/selector';
import { optionTypeError, optionValueError } from '../log/errors';

/** tornado's `ssl_options` dictionary, camelCased. */
export interface SSLOptionsDict {
  certfile?: string;
  keyfile?: string;
  caCerts?: string;
  certReqs?: VerifyMode;
  ciphers?: string;
  alpnProtocols?: readonly string[];
}

/** `sslOptions`: a shared context, or the dictionary form. */
export type SSLOptions = SSLContext | SSLOptionsDict;

const KEYS = new Set(['certfile', 'keyfile', 'caCerts', 'certReqs', 'ciphers', 'alpnProtocols']);

/** Contexts made from dictionaries, per dictionary object and side: a server's is made once. */
const made = new WeakMap<object, [client?: SSLContext, server?: SSLContext]>();

/**
 * tornado's `ssl_options_to_context`: a context as it is, or one built from the dictionary for
 * the given side (once per dictionary object and side: a server's options make one context for
 * all its connections).
 * @throws TypeError for an unknown key or a value of the wrong type
 * @throws SSLConfigError if a file is missing or OpenSSL refuses it
 */
export function sslOptionsToContext(sslOptions: SSLOptions, serverSide: boolean): SSLContext {
  const where = 'sslOptions';
  if (sslOptions instanceof SSLContext) return sslOptions;
  if (typeof sslOptions !== 'object' || sslOptions === null) {
    throw optionTypeError(where, 'sslOptions', 'an SSLContext or an options object', sslOptions);
  }
  const cached = made.get(sslOptions)?.[serverSide ? 1 : 0];
  if (cached !== undefined) return cached;
  for (const key of Object.keys(sslOptions)) {
    if (!KEYS.has(key)) {
      const camel = key
        .replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
        .replace(/^caCerts$/i, 'caCerts');
      const hint = KEYS.has(camel) ? ` (tornado's ${key} is ${camel} here)` : '';
      throw Object.assign(
        new TypeError(`sslOptions: unknown key ${key}${hint}; expected ${[...KEYS].join(', ')}`),
        { code: 'ERR_INVALID_ARG_VALUE' },
      );
    }
  }
  const { certfile, keyfile, caCerts, certReqs, ciphers, alpnProtocols } = sslOptions;
  for (const [name, value] of [
    ['certfile', certfile],
    ['keyfile', keyfile],
    ['caCerts', caCerts],
    ['ciphers', ciphers],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw optionTypeError(where, name, 'a non-empty string', value);
    }
  }
  if (
    certReqs !== undefined &&
    certReqs !== CERT_NONE &&
    certReqs !== CERT_OPTIONAL &&
    certReqs !== CERT_REQUIRED
  ) {
    throw optionValueError(
      where,
      'certReqs',
      'CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED',
      certReqs,
    );
  }
  if (keyfile !== undefined && certfile === undefined) {
    throw optionValueError(where, 'keyfile', 'given with a certfile', keyfile);
  }
  let context: SSLContext;
  if (serverSide) {
    if (certfile === undefined) {
      throw optionValueError(where, 'certfile', 'a certificate file for a server', certfile);
    }
    context = new SSLContext('server');
    if (caCerts !== undefined) context.loadVerifyLocations({ cafile: caCerts });
  } else {
    context =
      caCerts !== undefined
        ? createDefaultContext('serverAuth', { cafile: caCerts })
        : createDefaultContext();
  }
  if (certfile !== undefined) context.loadCertChain(certfile, keyfile);
  if (certReqs !== undefined) {
    if (certReqs === CERT_NONE) context.checkHostname = false; // as tornado: CERT_NONE checks no name
    context.verifyMode = certReqs;
  }
  if (ciphers !== undefined) context.setCiphers(ciphers);
  if (alpnProtocols !== undefined) context.setAlpnProtocols(alpnProtocols);
  const entry = made.get(sslOptions) ?? [];
  entry[serverSide ? 1 : 0] = context;
  made.set(sslOptions, entry);
  return context;
}

/**
 * tornado's `ssl_wrap_socket`: `socket` wrapped for TLS with `sslOptions` (the handshake is not
 * started: drive it with `sslDoHandshake` from @aio/future, or let an SSLIOStream do it).
 */
export function sslWrapSocket(
  socket: Socket,
  sslOptions: SSLOptions,
  options: { serverHostname?: string | null; serverSide?: boolean } = {},
): SSLSocket {
  const serverSide = options.serverSide ?? false;
  const context = sslOptionsToContext(sslOptions, serverSide);
  return context.wrapSocket(socket, {
    serverSide,
    serverHostname: serverSide ? null : (options.serverHostname ?? null),
  });
}
