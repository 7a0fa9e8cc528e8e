/**
 * The TLS certificate `AsyncHTTPSTestCase` serves with (tornado ships `test.crt` and `test.key`
 * in its package for the same purpose): the repository's test server certificate
 * (tooling/fixtures/tls/server.pem and server.key, `CN=localhost`, for `localhost`, 127.0.0.1 and
 * ::1, EC P-256, valid until 2126, signed by the test CA `ca.pem`). The key is public: it is for
 * tests only. A test checks that these are the fixture's bytes.
 *
 * It is kept here as text because the package is published as built files, where a fixture file
 * beside the source would not be; OpenSSL loads certificates from files, so `sslFiles()` writes
 * them once to the temporary directory, under a name made of their hash (the same files for
 * every process; written to a temporary name and renamed, so a reader never sees half of one).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CERTIFICATE = `\
-----BEGIN CERTIFICATE-----
MIIBwDCCAWagAwIBAgIUbf2D7KTUP6pRotsxqib2wgd9zJ4wCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLYWlvIHRlc3QgQ0EwIBcNMjYxMjA2MTE0MTA0WhgPMjEyNjEx
MTIxMTQxMDRaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABOxAHu6gyTmGHGrjBxRZqLxG6kutEZnuNbNHyKiBLEtYF0kenFS9
RKEVBztaEGEqvC9ipohL13Zguk5QxVEU5zijgZEwgY4wLAYDVR0RBCUwI4IJbG9j
YWxob3N0hwR/AAABhxAAAAAAAAAAAAAAAAAAAAABMBMGA1UdJQQMMAoGCCsGAQUF
BwMBMAkGA1UdEwQCMAAwHQYDVR0OBBYEFB3aK0PjmUsP2WchZ1dVuOiyGwaBMB8G
A1UdIwQYMBaAFGay0u4qovRa4OU86Qv1apqE/53dMAoGCCqGSM49BAMCA0gAMEUC
IQD+q42r8NthYtjZ5jvBWvRwEF496fgH7oT8gi7A+Y3fRgIgPz2jD7z76JTu3u6e
0tidEJsQVZVSuq5XES732J1uOsQ=
-----END CERTIFICATE-----
`;

export const PRIVATE_KEY = `\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8M3PGRfZOVtfGVse
gOD9Gn7ivcs7aodYOVys00MiE+WhRANCAATsQB7uoMk5hhxq4wcUWai8RupLrRGZ
7jWzR8iogSxLWBdJHpxUvUShFQc7WhBhKrwvYqaIS9d2YLpOUMVRFOc4
-----END PRIVATE KEY-----
`;

let written: { certfile: string; keyfile: string } | null = null;

/** The certificate and key as files (written on first use): `{ certfile, keyfile }`. */
export function sslFiles(): { certfile: string; keyfile: string } {
  if (written !== null && existsSync(written.certfile) && existsSync(written.keyfile)) {
    return { ...written };
  }
  const hash = createHash('sha256').update(CERTIFICATE).update(PRIVATE_KEY).digest('hex');
  const dir = join(tmpdir(), `aio-tornado-testing-${hash.slice(0, 16)}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certfile = join(dir, 'cert.pem');
  const keyfile = join(dir, 'key.pem');
  for (const [path, text, mode] of [
    [certfile, CERTIFICATE, 0o644],
    [keyfile, PRIVATE_KEY, 0o600],
  ] as const) {
    if (existsSync(path)) continue;
    const partial = `${path}.${String(process.pid)}.tmp`;
    writeFileSync(partial, text, { mode });
    renameSync(partial, path);
  }
  written = { certfile, keyfile };
  return { ...written };
}
