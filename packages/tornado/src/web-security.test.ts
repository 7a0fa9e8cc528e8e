/**
 * web — the security list of the web issue, each point over the wire, on raw requests so that
 * what reaches the client is what is checked (no client normalizing or dropping anything):
 * header injection through `setHeader`, `redirect`, `setStatus` reasons and `setCookie`
 * attributes; script in error pages; what a failing handler tells the client; bodies over
 * `maxBodySize`. The rest of the list is tested where its code is: XSRF tokens (missing,
 * malformed, wrong, cross-user, short, non-hex) in web-xsrf.test.ts, signed values (name swap,
 * tampering, future timestamps, expiry) in web/signed-value.test.ts and web-cookies.test.ts,
 * static files (traversal however spelled, no open redirect) in web-static.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { MODES, serveApp, useWebTestHooks } from './test-web';
import { Application, HTTPError, RequestHandler } from './web';

const logs = useWebTestHooks();

const EVIL = '<script>alert(1)</script>';

class Attack extends RequestHandler {
  override get(what: string) {
    switch (what) {
      case 'header':
        this.setHeader('X-Name', this.getArgument('v'));
        break;
      case 'redirect':
        this.redirect(this.getArgument('v'));
        return;
      case 'reason':
        this.setStatus(400, this.getArgument('v'));
        break;
      case 'cookie-value':
        this.setCookie('name', this.getArgument('v'));
        break;
      case 'cookie-domain':
        this.setCookie('name', 'ok', { domain: this.getArgument('v') });
        break;
      case 'cookie-path':
        this.setCookie('name', 'ok', { path: this.getArgument('v') });
        break;
      case 'throw':
        throw new Error(`secret ${EVIL} at /srv/app/db.ts`);
      case 'http-error':
        throw new HTTPError(403, `log only: ${EVIL}`);
      case 'http-reason':
        throw new HTTPError(418, null, { reason: EVIL });
    }
    this.write('done');
  }

  override post() {
    this.write(`got ${String(this.request.body.length)} bytes`);
  }
}

function app(settings: Record<string, unknown> = {}): Application {
  return new Application([['/(\\w[\\w-]*)', Attack]], settings);
}

/** What a raw GET of `path` got back: the status line and headers as sent, and the body. */
function* raw(
  h: { fetch(raw: string): Generator<unknown, { head: string; body: Buffer; code: number }> },
  path: string,
): Generator<unknown, { code: number; head: string; body: string }, unknown> {
  const r = yield* h.fetch(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return { code: r.code, head: r.head, body: r.body.toString('latin1') };
}

const CRLF = encodeURIComponent('\r\nSet-Cookie: pwned=1');

describe.each(MODES)('the web issue’s security list (%s mode)', (mode: LoopMode) => {
  it('no header is injected through setHeader, redirect, a status reason or a cookie: each is refused, the answer a 500 without the bytes', async () => {
    const got = await serveApp(app(), mode, function* (_fetch, h) {
      const out: Record<string, { code: number; head: string }> = {};
      for (const what of ['header', 'redirect', 'cookie-value', 'cookie-domain', 'cookie-path']) {
        const r = yield* raw(h, `/${what}?v=x${CRLF}`);
        out[what] = { code: r.code, head: r.head };
      }
      const reason = yield* raw(h, `/reason?v=Bad${CRLF}`);
      out.reason = { code: reason.code, head: reason.head };
      return out;
    });
    for (const [what, { code, head }] of Object.entries(got)) {
      expect(head, what).not.toMatch(/pwned/);
      expect(
        head.split('\r\n').filter((line) => /^set-cookie:/i.test(line)),
        what,
      ).toEqual([]);
      // A reason is not refused: it is replaced by the status's own.
      expect(code, what).toBe(what === 'reason' ? 400 : 500);
    }
    expect(got.reason!.head.split('\r\n')[0]).toBe('HTTP/1.1 400 Unknown');
  });

  it('an error page carries no script: not from a reason, not from an exception, not from a log message', async () => {
    const got = await serveApp(app(), mode, function* (_fetch, h) {
      return [yield* raw(h, '/throw'), yield* raw(h, '/http-error'), yield* raw(h, '/http-reason')];
    });
    for (const { body, head } of got) {
      expect(body).not.toContain('<script>');
      expect(head).not.toContain('<script>');
    }
    // The exception says nothing to the client: not its message, not where it happened.
    expect(got[0]!.code).toBe(500);
    expect(got[0]!.body).toBe(
      '<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>',
    );
    expect(got[1]!.body).toBe(
      '<html><title>403: Forbidden</title><body>403: Forbidden</body></html>',
    );
    // It is all in the server's log instead.
    expect(logs.messages().join('\n')).toContain('log only: <script>');
    expect(logs.app.some((r) => String(r.err).includes('/srv/app/db.ts'))).toBe(true);
  });

  it('with serveTraceback the stack is shown, as text/plain, so it cannot run as a page', async () => {
    const r = await serveApp(app({ serveTraceback: true }), mode, function* (_fetch, h) {
      return yield* raw(h, '/throw');
    });
    expect(r.code).toBe(500);
    expect(r.head).toMatch(/\r\nContent-Type: text\/plain\r\n/);
    expect(r.body).toContain('Error: secret <script>');
  });

  it('a body over maxBodySize is a 413 and a closed connection; the handler never runs', async () => {
    const got = await serveApp(
      app(),
      mode,
      function* (_fetch, h) {
        const big = 'x'.repeat(2048);
        const r = yield* h.fetch(
          `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${String(big.length)}\r\n\r\n${big}`,
        );
        const small = yield* h.fetch(
          'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok',
        );
        return { big: [r.code, r.head], small: [small.code, small.body.toString()] };
      },
      { maxBodySize: 1024 },
    );
    expect(got.big[0]).toBe(413);
    expect(got.big[1]).toMatch(/\r\nConnection: close\r\n/);
    expect(got.small).toEqual([200, 'got 2 bytes']);
  });
});
