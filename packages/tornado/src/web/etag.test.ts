/**
 * The default ETag (tornado's `compute_etag`): the SHA-1 of the body, however it was written and
 * however often, and the weak `If-None-Match` comparison.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultEtag, etagMatches } from './etag';

const sha1 = (...parts: string[]): string => {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return `"${hash.digest('hex')}"`;
};

describe('defaultEtag', () => {
  it('is the quoted SHA-1 of the body, written in one piece or several', () => {
    expect(defaultEtag([Buffer.from('hello')])).toBe('"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"');
    expect(defaultEtag([Buffer.from('hel'), Buffer.from('lo')])).toBe(sha1('hello'));
    expect(defaultEtag([])).toBe(sha1(''));
    expect(defaultEtag([Buffer.alloc(0)])).toBe(sha1(''));
    const large = 'x'.repeat(5000); // over the size a body is remembered at
    expect(defaultEtag([Buffer.from(large)])).toBe(sha1(large));
    expect(defaultEtag([Buffer.from(large)])).toBe(sha1(large));
  });

  it('the same body again gets the same tag; another of the same length its own', () => {
    const tags = ['Hello, world', 'Hello, world', 'Hello, World', 'Hello, world', ''].map((body) =>
      defaultEtag([Buffer.from(body)]),
    );
    expect(tags).toEqual([
      sha1('Hello, world'),
      sha1('Hello, world'),
      sha1('Hello, World'),
      sha1('Hello, world'),
      sha1(''),
    ]);
  });

  it('a body changed in place after it was tagged is tagged anew', () => {
    const body = Buffer.from('same buffer');
    expect(defaultEtag([body])).toBe(sha1('same buffer'));
    body.write('SAME');
    expect(defaultEtag([body])).toBe(sha1('SAME buffer'));
  });
});

describe('etagMatches', () => {
  it('compares weakly, takes lists and *, and never matches an empty side', () => {
    expect(etagMatches('"xyzzy"', 'W/"xyzzy", "other"')).toBe(true);
    expect(etagMatches('W/"xyzzy"', '"xyzzy"')).toBe(true);
    expect(etagMatches('"xyzzy"', '*')).toBe(true);
    expect(etagMatches('"xyzzy"', '"xyzzy1"')).toBe(false);
    expect(etagMatches('"xyzzy"', '')).toBe(false);
    expect(etagMatches('', '*')).toBe(false);
  });
});
