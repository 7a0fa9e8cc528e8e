/**
 * The TLS load of `pnpm bench iostream`: the C TLS client (`src/peers/tls_client.c`, linked with
 * the system's OpenSSL) driving a TLS line-echo server, and the CPU each side spent meanwhile, so
 * a report can show that the server, not the client, set the pace.
 */
import { compileC } from './native';
import { tlsFixture } from './paths';
import { processCpuSeconds } from './proc';
import { runLoadClient, type EchoLoad, type EchoLoadResult, type LoadClient } from './servers';

/**
 * What every TLS server serves and the client trusts: the repository's test certificate
 * (`CN=localhost`, subjectAltName 127.0.0.1, an EC P-256 key) and the CA that signed it.
 */
export const TLS_CERT = {
  certfile: tlsFixture('server.pem'),
  keyfile: tlsFixture('server.key'),
  cafile: tlsFixture('ca.pem'),
} as const;

/**
 * `echo`: persistent connections trading lines, as the plain echo does; `handshakes`: a new
 * connection per line, each with a full handshake (see the top of `tls_client.c`).
 */
export type TlsLoadMode = 'echo' | 'handshakes';

export interface TlsLoadResult extends EchoLoadResult {
  /** What the server agreed to with the first client: 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'. */
  readonly protocol: string;
  readonly cipher: string;
  /** Handshakes the server resumed although the client offered no session: 0. */
  readonly resumed: number;
  /** The client's CPU time over the measured seconds, in cores (1: one core busy throughout). */
  readonly clientCpu: number;
  /**
   * The server's CPU time (all its threads) over the client's whole run, in microseconds per
   * request it answered (the first client's and the warm-up's too); null without /proc. Steadier
   * than the rate on a loaded machine, and the client's own cost does not enter it.
   */
  readonly serverCpuPerRequestUs: number | null;
}

const OPENSSL_LIBS = ['-lssl', '-lcrypto'] as const;

/**
 * Builds the TLS client (`cc … -lssl -lcrypto`): its binary, or why the TLS cases must be
 * skipped — OpenSSL's headers or libraries missing, which is Debian's `libssl-dev`.
 * @throws Error with the compiler's output for any other compile failure (a bug to see)
 */
export function tlsClientBinary(): { binary: string } | { skipped: string } {
  try {
    return { binary: compileC('tls_client.c', OPENSSL_LIBS) };
  } catch (error) {
    const output = (error as Error).message;
    if (/openssl\/\w+\.h|cannot find -l(?:ssl|crypto)/.test(output)) {
      return {
        skipped:
          "libssl-dev is not installed: the C TLS client needs OpenSSL's headers and libraries (apt-get install libssl-dev)",
      };
    }
    throw error;
  }
}

/**
 * The load client for `runLoadRounds`: `binary` (from {@link tlsClientBinary}) in `mode`, with
 * `load`'s connections, message size, warm-up and duration, checking the server's certificate
 * against {@link TLS_CERT}'s CA once. A round in which any connection failed or stalled fails,
 * with the client's reason: its rate would be a broken server's.
 */
export function tlsLoadClient(
  binary: string,
  mode: TlsLoadMode,
  load: EchoLoad,
): LoadClient<TlsLoadResult> {
  return {
    label: mode === 'echo' ? 'TLS echo' : 'TLS handshakes',
    async run(server) {
      const args = [
        mode,
        '127.0.0.1',
        String(server.port),
        String(load.connections),
        String(load.messageSize),
        String(Math.round(load.durationMs)),
        String(Math.round(load.warmupMs)),
        TLS_CERT.cafile,
      ];
      const cpuBefore = processCpuSeconds(server.pid);
      const result = await runLoadClient('tls_client', binary, args, load);
      const cpuAfter = processCpuSeconds(server.pid);
      if (result.errors > 0) {
        throw new Error(
          `${result.errors} of ${load.connections} connections failed: ${String(result.firstError)}`,
        );
      }
      return {
        requestsPerSec: result.requestsPerSec,
        requests: result.requests,
        errors: result.errors,
        protocol: String(result.protocol),
        cipher: String(result.cipher),
        resumed: Number(result.resumed),
        clientCpu: Number(result.clientCpuSeconds) / Number(result.seconds),
        serverCpuPerRequestUs:
          cpuBefore === null || cpuAfter === null
            ? null
            : ((cpuAfter - cpuBefore) / Number(result.allRequests)) * 1e6,
      };
    },
  };
}
