/**
 * `@aio/tornado/escape`: tornado's escaping and unescaping (tornado/escape.py, as of 6.5) —
 * HTML (`xhtmlEscape`, `xhtmlUnescape`), URLs (`urlEscape`, `urlUnescape`), JSON
 * (`jsonEncode`, `jsonDecode`), `linkify`, `squeeze`, and the conversions between text and
 * bytes (`utf8`, `toUnicode`, `recursiveUnicode`).
 *
 * Python's `str` is a string here and its `bytes` a `Buffer` (any `Uint8Array` is accepted);
 * `None` is `null`. Each function gives what tornado gives for the same input, byte for byte,
 * and a test runs both over the same inputs when a Python with tornado is at hand. Where they
 * differ on purpose, the function's notes say so: the apostrophe is `&#39;` (tornado ≤ 6.3's
 * spelling), a lone surrogate is encoded as U+FFFD rather than raising, and `jsonEncode` maps
 * values as `JSON.stringify` does.
 *
 * `parse_qs_bytes` is `parseQsBytes` in `@aio/tornado/httputil`.
 *
 * @module @aio/tornado/escape
 */
export { xhtmlEscape, xhtmlUnescape } from './escape/html';
export {
  urlEscape,
  urlUnescape,
  type UrlEncoding,
  type UrlEscapeOptions,
  type UrlUnescapeOptions,
} from './escape/url';
export { jsonDecode, jsonEncode } from './escape/json';
export { linkify, type LinkifyOptions } from './escape/linkify';
export { recursiveUnicode, squeeze, toUnicode, utf8, type RecursiveUnicode } from './escape/text';
