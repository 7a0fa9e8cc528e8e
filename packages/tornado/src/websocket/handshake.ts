/**
 * The opening handshake's arithmetic (RFC 6455 §4): the client's random key, the server's
 * accept value for it, and what a key must look like.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The GUID RFC 6455 appends to the key. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A key is 16 bytes in base64 (RFC 6455 §4.1): 22 characters and `==`. */
const KEY = /^[A-Za-z0-9+/]{22}==$/;

/** `Sec-WebSocket-Accept` for `key` (tornado's `compute_accept_value`). */
export function computeAcceptValue(key: string): string {
  return createHash('sha1')
    .update(key + GUID, 'latin1')
    .digest('base64');
}

/** A fresh `Sec-WebSocket-Key`. */
export function newKey(): string {
  return randomBytes(16).toString('base64');
}

/** True for a `Sec-WebSocket-Key` that is 16 bytes in base64. */
export function isValidKey(key: string): boolean {
  return KEY.test(key.trim());
}
