/**
 * `@aio/tornado/escape` against tornado's own tests (tornado/test/escape_test.py, theme by
 * theme: linkify, xhtml escape and unescape, url escape and unescape, json, squeeze,
 * recursive_unicode), then against tornado itself: the same inputs through Python's tornado in
 * one child process, compared result by result.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  jsonDecode,
  jsonEncode,
  linkify,
  recursiveUnicode,
  squeeze,
  toUnicode,
  urlEscape,
  urlUnescape,
  utf8,
  xhtmlEscape,
  xhtmlUnescape,
  type LinkifyOptions,
} from './escape';
import { ENTITIES, LEGACY } from './escape/entities';
import { thrown } from './log/test-files';

const bytes = (hex: string): Buffer => Buffer.from(hex.replaceAll(' ', ''), 'hex');

// ─── linkify ────────────────────────────────────────────────────────────────────────────────────

const externalOrInternal = (href: string): string =>
  href.startsWith('http://www.internal-link.com')
    ? 'class="internal"'
    : 'rel="nofollow" class="external"';

/** [what the case shows, text, options, the HTML tornado makes of it] */
const LINKIFY_CASES: [string, string, LinkifyOptions, string][] = [
  [
    'a URL in a sentence, the `!` after it left out',
    'hello http://world.com/!',
    {},
    'hello <a href="http://world.com/">http://world.com/</a>!',
  ],
  [
    'a query string, its `&` escaped in href and text',
    'hello http://world.com/with?param=true&stuff=yes',
    {},
    'hello <a href="http://world.com/with?param=true&amp;stuff=yes">http://world.com/with?param=true&amp;stuff=yes</a>',
  ],
  [
    'an unclosed parenthesis and a long tail (which made the older regex backtrack forever)',
    'http://url.com/w(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    {},
    '<a href="http://url.com/w">http://url.com/w</a>(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ],
  [
    'a long run of trailing dots',
    'http://url.com/withmany.......................................',
    {},
    '<a href="http://url.com/withmany">http://url.com/withmany</a>.......................................',
  ],
  [
    'many open parentheses',
    'http://url.com/withmany((((((((((((((((((((((((((((((((((a)',
    {},
    '<a href="http://url.com/withmany">http://url.com/withmany</a>((((((((((((((((((((((((((((((((((a)',
  ],
  [
    'a plain path',
    'http://foo.com/blah_blah',
    {},
    '<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>',
  ],
  [
    'a trailing slash stays in',
    'http://foo.com/blah_blah/',
    {},
    '<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>',
  ],
  [
    'a closing parenthesis around the URL stays out',
    '(Something like http://foo.com/blah_blah)',
    {},
    '(Something like <a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>)',
  ],
  [
    'a paired parenthesis inside the URL stays in',
    'http://foo.com/blah_blah_(wikipedia)',
    {},
    '<a href="http://foo.com/blah_blah_(wikipedia)">http://foo.com/blah_blah_(wikipedia)</a>',
  ],
  [
    'two paired parentheses',
    'http://foo.com/blah_(blah)_(wikipedia)_blah',
    {},
    '<a href="http://foo.com/blah_(blah)_(wikipedia)_blah">http://foo.com/blah_(blah)_(wikipedia)_blah</a>',
  ],
  [
    'a paired parenthesis inside, another around',
    '(Something like http://foo.com/blah_blah_(wikipedia))',
    {},
    '(Something like <a href="http://foo.com/blah_blah_(wikipedia)">http://foo.com/blah_blah_(wikipedia)</a>)',
  ],
  [
    'a full stop after the URL',
    'http://foo.com/blah_blah.',
    {},
    '<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>.',
  ],
  [
    'a full stop after a trailing slash',
    'http://foo.com/blah_blah/.',
    {},
    '<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>.',
  ],
  [
    'angle brackets around the URL (escaped, and left out)',
    '<http://foo.com/blah_blah>',
    {},
    '&lt;<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>&gt;',
  ],
  [
    'angle brackets around a URL with a trailing slash',
    '<http://foo.com/blah_blah/>',
    {},
    '&lt;<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>&gt;',
  ],
  [
    'a comma after the URL',
    'http://foo.com/blah_blah,',
    {},
    '<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>,',
  ],
  [
    'a query, then a full stop',
    'http://www.example.com/wpstyle/?p=364.',
    {},
    '<a href="http://www.example.com/wpstyle/?p=364">http://www.example.com/wpstyle/?p=364</a>.',
  ],
  [
    'another protocol, when permitted',
    'rdar://1234',
    { permittedProtocols: ['http', 'rdar'] },
    '<a href="rdar://1234">rdar://1234</a>',
  ],
  [
    'one slash after the protocol',
    'rdar:/1234',
    { permittedProtocols: ['rdar'] },
    '<a href="rdar:/1234">rdar:/1234</a>',
  ],
  [
    'user, password and port',
    'http://userid:password@example.com:8080',
    {},
    '<a href="http://userid:password@example.com:8080">http://userid:password@example.com:8080</a>',
  ],
  [
    'a user',
    'http://userid@example.com',
    {},
    '<a href="http://userid@example.com">http://userid@example.com</a>',
  ],
  [
    'a user and a port',
    'http://userid@example.com:8080',
    {},
    '<a href="http://userid@example.com:8080">http://userid@example.com:8080</a>',
  ],
  [
    'a user and a password',
    'http://userid:password@example.com',
    {},
    '<a href="http://userid:password@example.com">http://userid:password@example.com</a>',
  ],
  [
    'percent escapes in a permitted protocol of its own',
    'message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e',
    { permittedProtocols: ['http', 'message'] },
    '<a href="message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e">' +
      'message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e</a>',
  ],
  [
    'characters beyond ASCII in host and path',
    'http://\u27a1.ws/\u4a39',
    {},
    '<a href="http://\u27a1.ws/\u4a39">http://\u27a1.ws/\u4a39</a>',
  ],
  [
    'a URL between tags',
    '<tag>http://example.com</tag>',
    {},
    '&lt;tag&gt;<a href="http://example.com">http://example.com</a>&lt;/tag&gt;',
  ],
  [
    'www. without a protocol, linked as http',
    'Just a www.example.com link.',
    {},
    'Just a <a href="http://www.example.com">www.example.com</a> link.',
  ],
  [
    'www. without a protocol, not linked when one is required',
    'Just a www.example.com link.',
    { requireProtocol: true },
    'Just a www.example.com link.',
  ],
  [
    'a long URL shortened to host and first bit of path, the whole as title',
    'A http://reallylong.com/link/that/exceedsthelenglimit.html',
    { requireProtocol: true, shorten: true },
    'A <a href="http://reallylong.com/link/that/exceedsthelenglimit.html"' +
      ' title="http://reallylong.com/link/that/exceedsthelenglimit.html">http://reallylong.com/link...</a>',
  ],
  [
    'a long host cut at 30 characters',
    'A http://reallylongdomainnamethatwillbetoolong.com/hi!',
    { shorten: true },
    'A <a href="http://reallylongdomainnamethatwillbetoolong.com/hi"' +
      ' title="http://reallylongdomainnamethatwillbetoolong.com/hi">http://reallylongdomainnametha...</a>!',
  ],
  [
    'file: is not linked by default',
    'A file:///passwords.txt and http://web.com link',
    {},
    'A file:///passwords.txt and <a href="http://web.com">http://web.com</a> link',
  ],
  [
    'only the permitted protocols are linked',
    'A file:///passwords.txt and http://web.com link',
    { permittedProtocols: ['file'] },
    'A <a href="file:///passwords.txt">file:///passwords.txt</a> and http://web.com link',
  ],
  [
    'extra attributes as a string',
    'www.external-link.com',
    { extraParams: 'rel="nofollow" class="external"' },
    '<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a>',
  ],
  [
    'extra attributes from a function of the href',
    'www.external-link.com and www.internal-link.com/blogs extra',
    { extraParams: externalOrInternal },
    '<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a>' +
      ' and <a href="http://www.internal-link.com/blogs" class="internal">www.internal-link.com/blogs</a> extra',
  ],
  [
    "the function's answer stripped",
    'www.external-link.com',
    { extraParams: () => '    rel="nofollow" class="external"  ' },
    '<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a>',
  ],
];

describe('linkify', () => {
  it.each(LINKIFY_CASES)('%s', (_what, text, options, html) => {
    expect(linkify(text, options)).toBe(html);
  });

  it('reads bytes as UTF-8 and takes the permitted protocols as a Set', () => {
    expect(linkify(Buffer.from('ftp://é.fr'), { permittedProtocols: new Set(['ftp']) })).toBe(
      '<a href="ftp://é.fr">ftp://é.fr</a>',
    );
  });

  it("sees a word boundary as Python's Unicode \\b does, and Python's whitespace", () => {
    // `é` is a word character: no boundary between it and `w`, so no www. link starts there.
    expect(linkify('éwww.example.com')).toBe('éwww.example.com');
    // U+0085 ends a URL in Python; U+FEFF does not (JavaScript's \s has them the other way).
    expect(linkify('http://a.com/x\u0085y')).toBe(
      '<a href="http://a.com/x">http://a.com/x</a>\u0085y',
    );
    expect(linkify('http://a.com/x\ufeffy')).toBe(
      '<a href="http://a.com/x\ufeffy">http://a.com/x\ufeffy</a>',
    );
  });

  it('an extraParams function that returns nothing still adds the space tornado adds', () => {
    expect(linkify('www.a.com', { extraParams: () => '' })).toBe(
      '<a href="http://www.a.com" >www.a.com</a>',
    );
  });

  it('shortens in code points, as Python counts a string', () => {
    const url = `http://${'😀'.repeat(20)}.com/abcdefghij/k`;
    const html = linkify(url, { shorten: true });
    expect(html).toBe(
      `<a href="${url}" title="${url}">http://${'😀'.repeat(20)}.com/abcdefgh...</a>`,
    );
  });

  it('throws named TypeErrors for bad arguments', () => {
    expect(thrown(() => linkify(42 as never))).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'linkify() expected a string or bytes, got 42',
    });
    expect(() => linkify('x', { shorten: 'yes' as never })).toThrow(
      'linkify(): shorten must be a boolean, got "yes"',
    );
    expect(() => linkify('www.a.com', { extraParams: (() => 1) as never })).toThrow(TypeError);
    expect(() => linkify('x', { permittedProtocols: 'http' as never })).toThrow(TypeError);
  });
});

// ─── HTML ───────────────────────────────────────────────────────────────────────────────────────

describe('xhtmlEscape and xhtmlUnescape', () => {
  /** [unescaped, escaped]: escaping the first gives the second, unescaping the second the first. */
  const pairs: [string | Buffer, string][] = [
    ['<foo>', '&lt;foo&gt;'],
    [Buffer.from('<foo>'), '&lt;foo&gt;'],
    [`<>&"'`, '&lt;&gt;&amp;&quot;&#39;'],
    ['&amp;', '&amp;amp;'],
    ['<\u00e9>', '&lt;\u00e9&gt;'],
    [bytes('3c c3a9 3e'), '&lt;\u00e9&gt;'],
  ];

  it.each(pairs)('%s ↔ %s', (unescaped, escaped) => {
    expect(xhtmlEscape(unescaped)).toBe(escaped);
    expect(xhtmlUnescape(escaped)).toBe(toUnicode(unescaped));
    expect(xhtmlUnescape(Buffer.from(escaped))).toBe(toUnicode(unescaped));
  });

  it('returns a string for bytes too', () => {
    expect(typeof xhtmlEscape(Buffer.from('foo'))).toBe('string');
  });

  it('returns text with nothing to escape as it is', () => {
    for (const text of ['', 'plain', '1234567890', 'a=b?c;d%e', 'é and 😀 and \u{10ffff}']) {
      expect(xhtmlEscape(text)).toBe(text);
    }
  });

  it('escapes at either end, in runs, and beside astral characters', () => {
    expect(xhtmlEscape(`&&<<a>>""''`)).toBe('&amp;&amp;&lt;&lt;a&gt;&gt;&quot;&quot;&#39;&#39;');
    expect(xhtmlEscape('<a')).toBe('&lt;a');
    expect(xhtmlEscape('a>')).toBe('a&gt;');
    expect(xhtmlEscape('😀<😀>😀')).toBe('😀&lt;😀&gt;😀');
  });

  it("reads tornado 6.4's spelling of the apostrophe as well", () => {
    expect(xhtmlUnescape('it&#x27;s')).toBe("it's");
  });

  it.each([
    ['foo&#32;bar', 'foo bar'],
    ['foo&#x20;bar', 'foo bar'],
    ['foo&#X20;bar', 'foo bar'],
    ['foo&#xabc;bar', 'foo\u0abcbar'],
    ['foo&#xyz;bar', 'foo&#xyz;bar'],
    ['foo&#;bar', 'foo&#;bar'],
    ['foo&#x;bar', 'foo&#x;bar'],
  ])('numeric reference %j → %j (invalid ones kept)', (escaped, unescaped) => {
    expect(xhtmlUnescape(escaped)).toBe(unescaped);
  });

  it.each([
    ['a legacy name without `;`', 'AT&amp T &copy 2024', 'AT& T © 2024'],
    ['a name that needs its `;` without one', '&hellip and &hellip;', '&hellip and …'],
    ['the longest legacy prefix of an unknown name', '&notit; &notin;', '¬it; ∉'],
    ['a name of two characters', '&acE;', '\u223e\u0333'],
    ['an astral character', '&zopf; &#x1F600; &#128512;', '\u{1d56b} 😀 😀'],
    ['the `;` after a number is optional', '&#65&#x42;C', 'ABC'],
    ['0x80–0x9F as windows-1252', '&#150;&#x80;&#x81;&#159;', '–€\x81Ÿ'],
    [
      '0 and beyond U+10FFFF as U+FFFD',
      '&#0;&#x110000;&#99999999999999999999999;',
      '\ufffd\ufffd\ufffd',
    ],
    ['a surrogate as U+FFFD', '&#xD800;&#xdfff;', '\ufffd\ufffd'],
    [
      'CR kept, other controls and noncharacters dropped',
      '&#13;&#1;&#11;&#x7f;&#xFDD0;&#xFFFE;&#x10FFFF;',
      '\r',
    ],
    ['an unknown name, and lone ampersands', '&bogus; & && &;', '&bogus; & && &;'],
    ['a name of more than 32 characters', `&${'a'.repeat(33)};`, `&${'a'.repeat(33)};`],
  ])('%s', (_what, escaped, unescaped) => {
    expect(xhtmlUnescape(escaped)).toBe(unescaped);
  });

  it('throws named TypeErrors for what is not text', () => {
    expect(thrown(() => xhtmlEscape(42 as never))).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'xhtmlEscape() expected a string or bytes, got 42',
    });
    expect(() => xhtmlUnescape(null as never)).toThrow(
      'xhtmlUnescape() expected a string or bytes, got null',
    );
    expect(thrown(() => xhtmlEscape(bytes('ff')))).toMatchObject({
      code: 'ERR_ENCODING_INVALID_ENCODED_DATA',
    });
  });
});

// ─── URLs ───────────────────────────────────────────────────────────────────────────────────────

describe('urlEscape and urlUnescape', () => {
  it.each([
    ['UTF-8 bytes', bytes('c3a9'), '%C3%A9'],
    ['latin1 bytes, taken as they are', bytes('e9'), '%E9'],
    ['a string, encoded as UTF-8', '\u00e9', '%C3%A9'],
  ])('urlEscape of %s', (_what, value, escaped) => {
    expect(urlEscape(value)).toBe(escaped);
  });

  it.each([
    ['utf8', '\u00e9'],
    ['latin1', '\u00c3\u00a9'],
    [null, bytes('c3a9')],
  ] as const)('urlUnescape("%%C3%%A9", encoding %s), from a string or bytes', (encoding, want) => {
    expect(urlUnescape('%C3%A9', { encoding })).toEqual(want);
    expect(urlUnescape(Buffer.from('%C3%A9'), { encoding })).toEqual(want);
  });

  it('writes a space as + with plus (the default), as %20 without', () => {
    const unescaped = '+ #%';
    const plusEscaped = '%2B+%23%25';
    const escaped = '%2B%20%23%25';
    expect(urlEscape(unescaped)).toBe(plusEscaped);
    expect(urlEscape(unescaped, { plus: false })).toBe(escaped);
    expect(urlUnescape(plusEscaped)).toBe(unescaped);
    expect(urlUnescape(escaped, { plus: false })).toBe(unescaped);
    expect(urlUnescape(plusEscaped, { encoding: null })).toEqual(utf8(unescaped));
    expect(urlUnescape(escaped, { encoding: null, plus: false })).toEqual(utf8(unescaped));
  });

  it('keeps only the unreserved characters, and / in a path', () => {
    expect(urlEscape("AZaz09-._~!*'()/")).toBe('AZaz09-._~%21%2A%27%28%29%2F');
    expect(urlEscape('/a b/', { plus: false })).toBe('/a%20b/');
  });

  it('keeps a % that two hex digits do not follow, and + without plus', () => {
    expect(urlUnescape('100%25 %zz %4 %%41 a+b')).toBe('100% %zz %4 %A a b');
    expect(urlUnescape('a+b', { plus: false })).toBe('a+b');
  });

  it('decodes invalid UTF-8 with U+FFFD, and passes characters beyond ASCII through', () => {
    expect(urlUnescape('%E9t%C3%A9')).toBe('\ufffdt\u00e9');
    expect(urlUnescape('%C3é%A9')).toBe('\ufffdé\ufffd');
  });

  it('returns new memory with encoding null, never the Buffer it was given', () => {
    const given = Buffer.from('abc');
    const got = urlUnescape(given, { encoding: null, plus: false });
    expect(got).toEqual(given);
    expect(got.buffer === given.buffer && got.byteOffset === given.byteOffset).toBe(false);
  });

  it('decodes bytes octet by octet only with encoding null and no plus', () => {
    expect(urlUnescape(bytes('ff 25 34 31'), { encoding: null, plus: false })).toEqual(
      bytes('ff 41'),
    );
    // Otherwise the bytes are read as text first, as tornado reads them.
    expect(() => urlUnescape(bytes('ff'), { encoding: null })).toThrow(TypeError);
    expect(() => urlUnescape(bytes('ff'))).toThrow(TypeError);
  });

  it('throws named errors for bad arguments and options', () => {
    expect(() => urlEscape(42 as never)).toThrow('urlEscape() expected a string or bytes, got 42');
    expect(() => urlEscape('a', { plus: 1 as never })).toThrow(
      'urlEscape(): plus must be a boolean, got 1',
    );
    expect(() => urlUnescape('a', { encoding: 'utf16le' as never })).toThrow(RangeError);
  });
});

// ─── JSON ───────────────────────────────────────────────────────────────────────────────────────

describe('jsonEncode and jsonDecode', () => {
  it('decodes strings and bytes, to strings', () => {
    expect(jsonDecode(Buffer.from('"foo"'))).toBe('foo');
    expect(jsonDecode('"foo"')).toBe('foo');
    expect(jsonDecode(utf8('"\u00e9"'))).toBe('\u00e9');
  });

  it('round-trips text beyond ASCII', () => {
    expect(jsonDecode(jsonEncode('\u00e9'))).toBe('\u00e9');
  });

  it("lays JSON out as Python's json.dumps does: spaces after , and :, ASCII only", () => {
    expect(jsonEncode({ a: [1, 2.5, { b: null }], c: true, d: {}, e: [] })).toBe(
      '{"a": [1, 2.5, {"b": null}], "c": true, "d": {}, "e": []}',
    );
    expect(jsonEncode('é😀\u007f\u0000\n"\\,:')).toBe(
      '"\\u00e9\\ud83d\\ude00\\u007f\\u0000\\n\\"\\\\,:"',
    );
  });

  it('escapes each UTF-16 unit, whatever the length of its UTF-8, and a lone surrogate', () => {
    expect(jsonEncode('\u0080\u07ff\u0800漢\uffff\u{10000}\u{10ffff}\ud800x\udfff')).toBe(
      '"\\u0080\\u07ff\\u0800\\u6f22\\uffff\\ud800\\udc00\\udbff\\udfff\\ud800x\\udfff"',
    );
  });

  it('never writes </, so the JSON can sit in a <script>', () => {
    expect(jsonEncode({ html: '</script><script>alert(1)</script>' })).toBe(
      '{"html": "<\\/script><script>alert(1)<\\/script>"}',
    );
    expect(jsonEncode('<\\/')).toBe('"<\\\\/"');
    expect(jsonDecode(jsonEncode('</</'))).toBe('</</');
  });

  it('skips a UTF-8 byte order mark in bytes, but not in a string', () => {
    expect(jsonDecode(bytes('efbbbf 5b315d'))).toEqual([1]);
    expect(() => jsonDecode('\ufeff[1]')).toThrow(SyntaxError);
  });

  it('throws for what JSON cannot write or read', () => {
    expect(() => jsonEncode(undefined)).toThrow(
      'jsonEncode() expected a value JSON can write, got undefined',
    );
    expect(() => jsonEncode(10n)).toThrow(TypeError);
    expect(() => jsonDecode('{')).toThrow(SyntaxError);
    expect(() => jsonDecode('NaN')).toThrow(SyntaxError);
    expect(() => jsonDecode(bytes('22ff22'))).toThrow(TypeError);
    expect(() => jsonDecode(42 as never)).toThrow(
      'jsonDecode() expected a string or bytes, got 42',
    );
  });
});

// ─── squeeze, recursiveUnicode, utf8, toUnicode ─────────────────────────────────────────────────

describe('squeeze', () => {
  it('makes each run of whitespace one space', () => {
    expect(squeeze('sequences     of    whitespace   chars')).toBe('sequences of whitespace chars');
  });

  it("takes control characters as whitespace, and strips the ends as Python's strip()", () => {
    expect(squeeze('\x00a\x01\x1f b\t\r\n')).toBe('a b');
    expect(squeeze('\u3000\u0085a\u00a0b\u0085')).toBe('a\u00a0b');
    expect(squeeze('\ufeffa\ufeff')).toBe('\ufeffa\ufeff');
  });

  it('wants a string', () => {
    expect(() => squeeze(Buffer.from('a') as never)).toThrow(/^squeeze\(\) expected a string/);
  });
});

describe('recursiveUnicode', () => {
  it('decodes bytes in objects, arrays and Maps, and bytes themselves', () => {
    expect(recursiveUnicode({ foo: Buffer.from('bar') })).toEqual({ foo: 'bar' });
    expect(recursiveUnicode([Buffer.from('foo'), Buffer.from('bar')])).toEqual(['foo', 'bar']);
    expect(recursiveUnicode(new Map([[Buffer.from('foo'), Buffer.from('bar')]]))).toEqual(
      new Map([['foo', 'bar']]),
    );
    expect(recursiveUnicode(Buffer.from('foo'))).toBe('foo');
  });

  it('walks nested structures and leaves everything else as it is', () => {
    const date = new Date(0);
    const got = recursiveUnicode({ a: [{ b: [Buffer.from('é')] }], n: 1, s: 's', date, nil: null });
    expect(got).toEqual({ a: [{ b: ['é'] }], n: 1, s: 's', date, nil: null });
    expect(got.date).toBe(date);
  });
});

describe('utf8 and toUnicode', () => {
  it('convert between strings and bytes, passing their own kind and null through', () => {
    const buffer = Buffer.from('é');
    expect(utf8('é')).toEqual(bytes('c3a9'));
    expect(utf8(buffer)).toBe(buffer);
    expect(utf8(null)).toBeNull();
    expect(utf8(new Uint8Array([1, 2]))).toEqual(Buffer.from([1, 2]));
    expect(toUnicode(bytes('c3a9'))).toBe('é');
    expect(toUnicode('é')).toBe('é');
    expect(toUnicode(null)).toBeNull();
  });

  it('keeps a byte order mark, as Python does', () => {
    expect(toUnicode(bytes('efbbbf 61'))).toBe('\ufeffa');
  });

  it('rejects bytes that are not UTF-8 and values that are neither', () => {
    for (const bad of ['ff', 'c0af', 'eda080', 'f4908080', 'e282']) {
      expect(thrown(() => toUnicode(bytes(bad)))).toMatchObject({
        name: 'TypeError',
        code: 'ERR_ENCODING_INVALID_ENCODED_DATA',
      });
    }
    expect(thrown(() => utf8(42 as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'utf8() expected a string, bytes or null, got 42',
    });
    expect(() => toUnicode(undefined as never)).toThrow(
      'toUnicode() expected a string, bytes or null, got undefined',
    );
  });

  it('encodes a lone surrogate as U+FFFD (where Python raises)', () => {
    expect(utf8('a\ud800')).toEqual(bytes('61 efbfbd'));
  });
});

// ─── Against tornado ────────────────────────────────────────────────────────────────────────────

const PYTHON = '/usr/bin/python3';

/** Why Python's tornado cannot be asked here, or null if it can. */
function tornadoMissing(): string | null {
  if (!existsSync(PYTHON)) return `no ${PYTHON}`;
  const probe = spawnSync(PYTHON, ['-c', 'import tornado.escape'], {
    stdio: 'ignore',
    timeout: 10_000,
  });
  return probe.status === 0 ? null : `${PYTHON} cannot import tornado`;
}

/**
 * The oracle: tornado's escape module as the local Python has it (Debian's is 6.2), with the
 * two functions whose bodies 6.4 changed in a way that shows written as 6.5 writes them
 * (`html.unescape`, `json.loads`). 6.5's `xhtml_escape` is `html.escape`, which differs from
 * 6.2's only in the apostrophe's spelling; ours keeps 6.2's, so 6.2's is the oracle for it.
 * Arguments and results go as {s: text}, {b: hex} or {j: JSON value}; a raise as {error}.
 */
const ORACLE = String.raw`
import html, html.entities, json, sys
import tornado.escape as te

def dec(x):
    if 'b' in x: return bytes.fromhex(x['b'])
    if 's' in x: return x['s']
    return x['j']

def enc(x):
    if isinstance(x, bytes): return {'b': x.hex()}
    return {'s': x}

def xhtml_unescape_65(value): return html.unescape(te.to_unicode(value))
def json_decode_65(value): return json.loads(value)

EXTRA = {
    'length': lambda href: 'data-n="%d"' % len(href),
    'padded': lambda href: ' \u3000 class="x"\x85 ',
}
FUNCTIONS = {
    'xhtml_escape': te.xhtml_escape, 'xhtml_unescape': xhtml_unescape_65,
    'url_escape': te.url_escape, 'url_unescape': te.url_unescape,
    'json_encode': te.json_encode, 'json_decode': json_decode_65,
    'squeeze': te.squeeze, 'linkify': te.linkify, 'utf8': te.utf8, 'to_unicode': te.to_unicode,
}
results = []
for fn, arg, kwargs in json.loads(sys.stdin.buffer.read().decode('utf-8')):
    if 'extra' in kwargs: kwargs['extra_params'] = EXTRA[kwargs.pop('extra')]
    try:
        got = FUNCTIONS[fn](dec(arg), **kwargs)
        results.append({'j': got} if fn == 'json_decode' else enc(got))
    except Exception as e:
        results.append({'error': type(e).__name__})
sys.stdout.write(json.dumps({'results': results, 'html5': html.entities.html5}))
`;

type Wire = { s: string } | { b: string } | { j: unknown } | { error: string };
type PythonKwargs = Record<string, unknown>;
type Case = [fn: string, arg: string | Buffer | { j: unknown }, kwargs: PythonKwargs];

const EXTRA: Record<string, (href: string) => string> = {
  length: (href) => `data-n="${Array.from(href).length}"`,
  padded: () => ' \u3000 class="x"\x85 ',
};

/** Our function for tornado's `fn`, with tornado's keyword arguments as our options. */
function ours(fn: string, arg: string | Buffer | { j: unknown }, kwargs: PythonKwargs): unknown {
  const value = arg as string | Buffer;
  switch (fn) {
    case 'xhtml_escape':
      return xhtmlEscape(value);
    case 'xhtml_unescape':
      return xhtmlUnescape(value);
    case 'url_escape':
      return urlEscape(value, { plus: kwargs['plus'] as boolean | undefined });
    case 'url_unescape':
      return urlUnescape(value, {
        plus: kwargs['plus'] as boolean | undefined,
        encoding: kwargs['encoding'] as 'utf8' | null | undefined,
      });
    case 'json_encode':
      return jsonEncode((arg as { j: unknown }).j);
    case 'json_decode':
      return { j: jsonDecode(value) };
    case 'squeeze':
      return squeeze(value as string);
    case 'linkify':
      return linkify(value, {
        shorten: kwargs['shorten'] as boolean | undefined,
        requireProtocol: kwargs['require_protocol'] as boolean | undefined,
        permittedProtocols: kwargs['permitted_protocols'] as string[] | undefined,
        extraParams:
          typeof kwargs['extra'] === 'string'
            ? EXTRA[kwargs['extra']]
            : (kwargs['extra_params'] as string | undefined),
      });
    case 'utf8':
      return utf8(value);
    case 'to_unicode':
      return toUnicode(value);
    default:
      throw new Error(`no such function: ${fn}`);
  }
}

function toWire(value: unknown): Wire {
  if (Buffer.isBuffer(value)) return { b: value.toString('hex') };
  if (typeof value === 'string') return { s: value };
  return value as Wire;
}

/** Text tornado's functions meet: entities, URLs, whitespace, characters beyond ASCII. */
const TEXTS = [
  '',
  'plain',
  `<>&"'`,
  '&amp;&lt;&gt;&quot;&#39;&#x27;',
  '<é> ☃ 😀',
  '&amp &ampx &amp; &AMP &AElig &AElig; &notit; &notin; &acE; &zopf; &ThickSpace;',
  '&#0;&#9;&#13;&#65&#x41;&#128;&#150;&#x81;&#x9F;&#xD800;&#x110000;&#99999999999999999999;',
  '&#1;&#11;&#x7f;&#xFDD0;&#xFFFE;&#x1FFFF;&#x10FFFF;&#1114111;&#1114112;',
  '&#xyz; &#; &#x; &bogus; & && &; &\u00e9; &😀; &amp\r; &lt\u00e9',
  `&${'a'.repeat(31)}; &${'a'.repeat(32)}; &${'a'.repeat(33)}; &${'😀'.repeat(33)};`,
  'a\t\n\x0b\x0c\r\x1c\x1f b\u0085\u00a0\u2028\u3000\ufeff c',
];

const URLS = [
  'hello http://world.com/with?param=true&stuff=yes and www.example.com.',
  'éwww.example.com -www.example.com x-http://a.com _http://a.com',
  'http://a.com/x\u0085y http://a.com/x\ufeffy http://a.com/x\u00a0y http://a.com/x\u2028y',
  'http://例え.jp/パス?q=値 http://😀.ws/😀😀 HTTP://A.COM WWW.A.COM',
  `http://x.com/"quoted" http://x.com/it's http://x.com/a&b;c <http://x.com/<tag>>`,
  'http://a.com/((a)) http://a.com/(b http://a.com/b) (http://a.com/(c))',
  'mailto:a@b.c ftp://f.org javascript:alert(1) data:text/html,x file:///etc/passwd',
  'http://reallylong.com/link/that/exceedsthelenglimit.html?a=1&b=2&c=3&d=4',
  `http://${'é'.repeat(40)}.com/ab.cd/ef http://a.com/${'x'.repeat(40)}&amp;`,
  `https://example.com/path/to/a/page?with=a&long=query&string=here#and-a-fragment`,
  `http://x.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&bbb`,
  'http://x.com/?q=<script>&r="1" www.x.com/😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀',
];

const LINKIFY_OPTIONS: PythonKwargs[] = [
  {},
  { shorten: true },
  { require_protocol: true },
  { permitted_protocols: ['http', 'https', 'mailto', 'ftp'] },
  { permitted_protocols: [] },
  { extra_params: '  rel="nofollow"\u3000' },
  { extra: 'length', shorten: true },
  { extra: 'padded' },
];

const PERCENT = [
  '%C3%A9',
  '%c3%a9%2b+%2B',
  '%E9',
  'a+b c',
  '%',
  '%4',
  '%zz%%41%4g',
  'é%C3%A9%C3é%A9',
  '%F0%9F%98%80%F0%9F%98',
  '%ED%A0%80%C0%AF%F4%90%80%80%E2%82z',
  '%00%1F%7F%80%FF',
];

function allCases(): Case[] {
  const cases: Case[] = [];
  const both = (text: string): (string | Buffer)[] => [text, Buffer.from(text)];
  for (const text of TEXTS) {
    for (const value of both(text)) {
      cases.push(['xhtml_escape', value, {}], ['xhtml_unescape', value, {}]);
      for (const plus of [true, false]) cases.push(['url_escape', value, { plus }]);
    }
    cases.push(['squeeze', text, {}], ['utf8', text, {}], ['to_unicode', Buffer.from(text), {}]);
    cases.push(['json_encode', { j: text }, {}], ['linkify', text, {}]);
  }
  const everyOctet = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (const plus of [true, false]) cases.push(['url_escape', everyOctet, { plus }]);
  for (const text of URLS) {
    for (const options of LINKIFY_OPTIONS) cases.push(['linkify', text, options]);
    cases.push(['linkify', Buffer.from(text), {}]);
  }
  for (const text of PERCENT) {
    for (const value of both(text)) {
      for (const plus of [true, false]) {
        for (const encoding of ['utf8', 'latin1', null]) {
          cases.push(['url_unescape', value, { plus, encoding }]);
        }
      }
    }
  }
  for (const bad of ['ff', 'c0af', 'eda080', '3cff3e']) {
    const value = Buffer.from(bad, 'hex');
    cases.push(['xhtml_escape', value, {}], ['to_unicode', value, {}], ['linkify', value, {}]);
    cases.push(['url_unescape', value, {}], ['url_unescape', value, { encoding: null }]);
    cases.push(['url_unescape', value, { encoding: null, plus: false }]);
    cases.push(['json_decode', value, {}]);
  }
  const jsonValues: unknown[] = [
    { a: 1, b: [1, 2, { c: null }], d: {}, e: [], f: true, g: false },
    ['</script>', '<<//', '<\\/', 'é😀\u007f\u0000\u001f\b\f\n\r\t"\\/'],
    ['\u0080\u07ff\u0800漢\uffff\u{10000}\u{10ffff}', '\ud800x\udfff'],
    { 'ké:y,': 'v', '</': ['</'] },
    [0, -3, 1.5, 0.1, 100, 1e21, 123456789012, -0.25],
    'just a string',
    null,
  ];
  for (const value of jsonValues) {
    cases.push(['json_encode', { j: value }, {}]);
    const json = JSON.stringify(value);
    for (const text of both(json)) cases.push(['json_decode', text, {}]);
  }
  for (const text of [' [1, "\\u00e9", "é"] ', '\ufeff[1]', '{"a": 1,}', '"\\ud83d\\ude00"']) {
    for (const value of both(text)) cases.push(['json_decode', value, {}]);
  }
  cases.push(['json_decode', bytes('efbbbf 5b315d'), {}]);
  return cases;
}

const missing = tornadoMissing();
const describePython = missing === null ? describe : describe.skip;

describePython(
  `against Python's tornado${missing === null ? '' : ` [skipped: ${missing}]`}`,
  () => {
    const cases = allCases();
    let oracle: { results: Wire[]; html5: Record<string, string> } | undefined;
    const run = (): NonNullable<typeof oracle> => {
      if (oracle !== undefined) return oracle;
      const input = JSON.stringify(
        cases.map(([fn, arg, kwargs]) => [
          fn,
          Buffer.isBuffer(arg)
            ? { b: arg.toString('hex') }
            : typeof arg === 'string'
              ? { s: arg }
              : arg,
          kwargs,
        ]),
      );
      const child = spawnSync(PYTHON, ['-c', ORACLE], {
        input,
        encoding: 'utf8',
        timeout: 30_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      if (child.status !== 0) throw new Error(`python failed: ${child.stderr}`);
      oracle = JSON.parse(child.stdout) as NonNullable<typeof oracle>;
      return oracle;
    };

    it(`gives what tornado gives, for ${cases.length} calls`, () => {
      const { results } = run();
      expect(results).toHaveLength(cases.length);
      const differences: string[] = [];
      cases.forEach(([fn, arg, kwargs], i) => {
        let got: Wire;
        try {
          got = toWire(ours(fn, arg, kwargs));
        } catch (error) {
          got = { error: (error as Error).name };
        }
        const want = results[i]!;
        // A raise is a raise: Python's UnicodeDecodeError is our TypeError, and so on.
        const same =
          'error' in want ? 'error' in got : JSON.stringify(got) === JSON.stringify(want);
        if (!same) {
          differences.push(
            `${fn}(${JSON.stringify(toWire(arg))}, ${JSON.stringify(kwargs)}): ours ${JSON.stringify(got)}, tornado's ${JSON.stringify(want)}`,
          );
        }
      });
      expect(differences).toEqual([]);
    });

    it("has HTML5's named references exactly as Python's html.entities.html5", () => {
      const { html5 } = run();
      const pythonNames = Object.keys(html5).sort();
      const ourNames = [...Object.keys(ENTITIES).map((name) => `${name};`), ...LEGACY].sort();
      expect(ourNames).toEqual(pythonNames);
      for (const name of pythonNames) {
        const bare = name.replace(/;$/, '');
        expect([name, ENTITIES[bare]]).toEqual([name, html5[name]]);
      }
    });
  },
);
