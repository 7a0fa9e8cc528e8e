/**
 * ETags (tornado/web.py `compute_etag`, `check_etag_header`): the default tag of a response is a
 * SHA-1 of its body, and a GET or HEAD whose `If-None-Match` names that tag is answered
 * `304 Not Modified` without the body.
 *
 * The comparison is RFC 9110's weak one (§8.8.3.2), as `If-None-Match` requires: `W/"x"` and
 * `"x"` match each other. `*` matches any tag, and `If-None-Match` may list several.
 */
import { createHash } from 'node:crypto';

/** `*`, or an entity-tag, weak or strong: what an `If-None-Match` list is made of. */
const ENTITY_TAG = /\*|(?:W\/)?"[^"]*"/g;

/**
 * The default ETag of a body written in `chunks`: the SHA-1 of its bytes, in hex, quoted.
 * @example
 * ```ts
 * defaultEtag([Buffer.from('hello')]); // '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"'
 * ```
 */
export function defaultEtag(chunks: readonly Uint8Array[]): string {
  const hash = createHash('sha1');
  for (const chunk of chunks) hash.update(chunk);
  return `"${hash.digest('hex')}"`;
}

/**
 * True when `ifNoneMatch` (the request's header) names `etag` (the response's): the response
 * may then be a 304. False when either is empty.
 * @example
 * ```ts
 * etagMatches('"xyzzy"', 'W/"xyzzy", "other"'); // true
 * etagMatches('"xyzzy"', '*'); // true
 * etagMatches('"xyzzy"', '"xyzzy1"'); // false
 * ```
 */
export function etagMatches(etag: string, ifNoneMatch: string): boolean {
  const tags = ifNoneMatch.match(ENTITY_TAG);
  if (etag === '' || tags === null) return false;
  if (tags[0] === '*') return true;
  const wanted = opaque(etag);
  return tags.some((tag) => opaque(tag) === wanted);
}

/** The tag without its weakness marker: what the weak comparison compares. */
function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
