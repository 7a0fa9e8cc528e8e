/**
 * XSRF tokens (tornado/web.py `xsrf_token`, `_decode_xsrf_token`, `check_xsrf_cookie`): a random
 * 16-byte token kept in a cookie, which every state-changing request must repeat in its body (the
 * `_xsrf` argument) or a header (`X-XSRFToken`, `X-CSRFToken`). A page from another site can
 * make the browser send the cookie, but cannot read it to repeat it.
 *
 * Two formats, both tornado's, and either can be checked against the other:
 *
 * ```
 * v1  hex(token)                                          the same text every time
 * v2  2|hex(mask)|hex(token XOR mask)|timestamp           a new 4-byte mask every time
 * ```
 *
 * v2 masks the token anew in every response, so a page compressed with secrets beside the token
 * does not leak it through the compressed length (BREACH). The timestamp is in seconds, as
 * tornado writes it; nothing reads it yet.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { genLog } from '../log';

/** A token as read from a cookie or an argument: its format, its bytes, when it was made. */
export interface RawXsrfToken {
  /** 1 or 2 for a token read from a cookie; null for one made in this request. */
  readonly version: number | null;
  readonly token: Buffer;
  /** Seconds since the epoch (now, for a v1 token, which does not say). */
  readonly timestamp: number;
}

/** A fresh token: 16 random bytes, made now. */
export function newXsrfToken(now = Date.now()): RawXsrfToken {
  return { version: null, token: randomBytes(16), timestamp: now / 1000 };
}

/**
 * The token as it is written into a cookie and a page, in format `version`.
 * @throws RangeError for a version other than 1 and 2
 */
// #region encode-xsrf-token
export function encodeXsrfToken(raw: RawXsrfToken, version: number): Buffer {
  if (version === 1) return Buffer.from(raw.token.toString('hex'), 'latin1');
  if (version === 2) {
    const mask = randomBytes(4);
    const text = [
      '2',
      mask.toString('hex'),
      websocketMask(mask, raw.token).toString('hex'),
      String(Math.trunc(raw.timestamp)),
    ].join('|');
    return Buffer.from(text, 'latin1');
  }
  throw new RangeError(`unknown xsrf cookie version ${String(version)}: expected 1 or 2`);
}
// #endregion encode-xsrf-token

const VERSIONED = /^([1-9][0-9]*)\|/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;
/** What Python's `int()` reads: digits with optional sign, `_` between digits, spaces around. */
const PYTHON_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

/**
 * The token a cookie or an argument holds, or null when it is malformed (logged at debug level,
 * as tornado does): a v2 token needs its four fields, hex where hex is due and a 4-byte mask;
 * anything not starting with a version and `|` is v1, hex or (an old cookie) the text itself.
 */
export function decodeXsrfToken(text: string, now = Date.now()): RawXsrfToken | null {
  const match = VERSIONED.exec(text);
  if (match === null) {
    const token = HEX.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'utf8');
    return { version: 1, token, timestamp: Math.trunc(now / 1000) };
  }
  const version = Number(match[1]);
  const fields = text.split('|');
  if (version !== 2) return malformed(`Unknown xsrf cookie version ${match[1]!}`);
  if (fields.length !== 4) return malformed(`expected 4 fields, got ${String(fields.length)}`);
  const [, maskHex, maskedHex, timestamp] = fields as [string, string, string, string];
  if (!HEX.test(maskHex) || !HEX.test(maskedHex)) return malformed('Non-hexadecimal digit found');
  const mask = Buffer.from(maskHex, 'hex');
  if (mask.length !== 4) return malformed(`expected a 4-byte mask, got ${String(mask.length)}`);
  if (!PYTHON_INT.test(timestamp)) return malformed(`invalid timestamp ${timestamp}`);
  return {
    version,
    token: websocketMask(mask, Buffer.from(maskedHex, 'hex')),
    timestamp: Number(timestamp.trim().replaceAll('_', '')),
  };
}

/** True when the two tokens are the same bytes (compared in constant time). */
export function xsrfTokensMatch(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function malformed(why: string): null {
  genLog.debug(`Uncaught exception in _decode_xsrf_token: ${why}`);
  return null;
}

/** `data` XORed with the 4 bytes of `mask`, repeated (the WebSocket frame mask). */
function websocketMask(mask: Buffer, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[i % 4]!;
  return out;
}
