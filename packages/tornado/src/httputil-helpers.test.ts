/**
 * httputil's helpers — the themes of tornado 6.5's httputil tests and doctests for them: header
 * parameters (`_parse_header`, `_encode_header`, RFC 2231), cookies (ParseCookieTest, taken by
 * tornado from Django and from Python's test_http_cookies), TestUrlConcat, FormatTimestampTest,
 * QsParseTest and `parse_qs_bytes`, `split_host_and_port`; and the two quadratic-time
 * advisories, as regressions with generous bounds (the inputs took minutes when quadratic).
 */
import { describe, expect, it } from 'vitest';
import { HTTPInputError } from './httputil/errors';
import { parseCookie } from './httputil/cookies';
import { encodeHeaderParams, parseHeaderParams } from './httputil/params';
import {
  HTTP_WHITESPACE,
  formatTimestamp,
  parseQsBytes,
  qsToQsl,
  splitHostAndPort,
  urlConcat,
} from './httputil/url';

/** Milliseconds `fn` took, and its result. */
function timed<T>(fn: () => T): [ms: number, result: T] {
  const started = performance.now();
  const result = fn();
  return [performance.now() - started, result];
}

describe('parseHeaderParams: a value and its parameters', () => {
  it("tornado's doctest: escapes in a quoted value, and an RFC 2231 parameter", () => {
    expect(parseHeaderParams(`form-data; foo="b\\\\a\\"r"; file*=utf-8''T%C3%A4st`)).toEqual([
      'form-data',
      { foo: 'b\\a"r', file: 'Täst' },
    ]);
  });

  it('names are lower-cased, whitespace stripped, parameters without = dropped', () => {
    expect(parseHeaderParams('  Form-Data ; NAME = "x" ; flag ; empty= ')).toEqual([
      'Form-Data',
      { name: 'x', empty: '' },
    ]);
  });

  it('a semicolon inside quotes does not end a parameter', () => {
    expect(parseHeaderParams('form-data; name="a;b"; filename="c;\\";d"')).toEqual([
      'form-data',
      { name: 'a;b', filename: 'c;";d' },
    ]);
  });

  it('as email.utils: angle brackets are unquoted, and a value still quoted after it loses its quotes', () => {
    expect(parseHeaderParams('a; b=<c>; q="\\"x\\""')).toEqual(['a', { b: 'c', q: 'x' }]);
  });

  it('the last of two parameters of one name wins', () => {
    expect(parseHeaderParams('a; x=1; X=2')).toEqual(['a', { x: '2' }]);
  });

  it("strips what Python's str.strip() strips (U+0085 but not U+FEFF)", () => {
    expect(parseHeaderParams('a;\x85b=c\x85;\ufeffd=e')).toEqual(['a', { b: 'c', '\ufeffd': 'e' }]);
  });

  it('an empty header is an empty value without parameters', () => {
    expect(parseHeaderParams('')).toEqual(['', {}]);
    expect(parseHeaderParams(';;')).toEqual(['', {}]);
  });

  it('parameters are a null-prototype object', () => {
    const [, params] = parseHeaderParams('a; __proto__=x; constructor=y');
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(params['__proto__']).toBe('x');
    expect(params['constructor']).toBe('y');
    expect('toString' in parseHeaderParams('a')[1]).toBe(false);
  });

  it('a non-string is a TypeError', () => {
    expect(() => parseHeaderParams(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('parseHeaderParams: RFC 2231 parameters', () => {
  it('charset and language, percent-decoded from the charset', () => {
    expect(parseHeaderParams("attachment; filename*=iso-8859-1'en'%A3%20rates")[1]).toEqual({
      filename: '£ rates',
    });
    expect(parseHeaderParams("a; filename*=UTF-8''%E6%B5%8B%E8%AF%95.txt")[1]['filename']).toBe(
      '测试.txt',
    );
  });

  it('sections are joined in number order, encoded and plain ones alike (RFC 2231 §4.1)', () => {
    const header =
      "attachment; title*0*=us-ascii'en'This%20is%20; title*2=\"isn't it!\"; title*1*=%2A%2A%2Afun%2A%2A%2A";
    expect(parseHeaderParams(header)[1]).toEqual({ title: "This is ***fun***isn't it!" });
    expect(parseHeaderParams('a; t*1=B; t*0=A')[1]).toEqual({ t: 'AB' });
  });

  it('wins over a plain parameter of the same name, before or after it', () => {
    expect(parseHeaderParams("a; filename*=UTF-8''%C3%A1; filename=b")[1]).toEqual({
      filename: 'á',
    });
  });

  it('without charset and language the octets are ASCII; a charset Python does not know leaves the text', () => {
    expect(parseHeaderParams('a; f*=%41%42%E9')[1]).toEqual({ f: 'AB\ufffd' });
    expect(parseHeaderParams("a; f*=x-unknown''a%41")[1]).toEqual({ f: 'aA' });
    expect(parseHeaderParams("a; f*=us-ascii''%E9")[1]).toEqual({ f: '\ufffd' });
    expect(parseHeaderParams("a; f*=latin1''%E9")[1]).toEqual({ f: 'é' });
  });

  it("keeps email.utils' quirks: a backslash or quote comes out escaped, and non-latin1 text as \\u escapes", () => {
    expect(parseHeaderParams("a; f*=UTF-8''a%5Cb%22c")[1]).toEqual({ f: 'a\\\\b\\"c' });
    expect(parseHeaderParams("a; f*=UTF-8''测")[1]).toEqual({ f: '\\u6d4b' });
  });

  it('numbered and unnumbered sections of one name are an HTTPInputError (a TypeError in Python)', () => {
    expect(() => parseHeaderParams('a; t*=x; t*0=y')).toThrow(HTTPInputError);
    // Two unnumbered sections sort by their text, as Python sorts the tuples.
    expect(parseHeaderParams('a; t*=x; t*=a')[1]).toEqual({ t: 'ax' });
  });
});

describe('advisory: quoted semicolons parse in linear time (CVE-2025-67726)', () => {
  it.each([
    ['50k semicolons inside quotes', `form-data; x="${';'.repeat(50_000)}"; name="n"`],
    ['50k escaped quotes and semicolons', `form-data; x="${'\\";'.repeat(50_000)}"; name="n"`],
    ['50k unbalanced quotes', `form-data; ${'x=";'.repeat(50_000)} name="n"`],
  ])('%s', (_, header) => {
    const [ms, [value]] = timed(() => parseHeaderParams(header));
    expect(value).toBe('form-data');
    expect(ms).toBeLessThan(1000);
  });
});

describe('encodeHeaderParams', () => {
  it("tornado's doctest: sorted parameters, a null one bare", () => {
    expect(
      encodeHeaderParams('permessage-deflate', {
        client_max_window_bits: 15,
        client_no_context_takeover: null,
      }),
    ).toBe('permessage-deflate; client_max_window_bits=15; client_no_context_takeover');
  });

  it('no parameters is the value alone; undefined is bare like null', () => {
    expect(encodeHeaderParams('k', {})).toBe('k');
    expect(encodeHeaderParams('k', { b: '2', a: undefined })).toBe('k; a; b=2');
  });

  it('round-trips through parseHeaderParams for plain values', () => {
    const header = encodeHeaderParams('x-ext', { a: '1', b: 'two' });
    expect(parseHeaderParams(header)).toEqual(['x-ext', { a: '1', b: 'two' }]);
  });
});

describe('parseCookie', () => {
  // tornado's cases, from Django, which took them from Python's test_http_cookies.
  it('cookies as Python parses them', () => {
    expect(parseCookie('chips=ahoy; vienna=finger')).toEqual({ chips: 'ahoy', vienna: 'finger' });
    // Unlike Python's SimpleCookie, every semicolon ends a cookie, even inside quotes.
    expect(parseCookie('keebler="E=mc2; L=\\"Loves\\"; fudge=\\012;"')).toEqual({
      keebler: '"E=mc2',
      L: '\\"Loves\\"',
      fudge: '\\012',
      '': '"',
    });
    expect(parseCookie('keebler=E=mc2')).toEqual({ keebler: 'E=mc2' });
    expect(parseCookie('key:term=value:term')).toEqual({ 'key:term': 'value:term' });
    expect(parseCookie('a=b; c=[; d=r; f=h')).toEqual({ a: 'b', c: '[', d: 'r', f: 'h' });
  });

  it('edge cases RFC 6265 allows; the last cookie of a name wins', () => {
    expect(parseCookie('a=b; Domain=example.com')).toEqual({ a: 'b', Domain: 'example.com' });
    expect(parseCookie('a=b; h=i; a=c')).toEqual({ a: 'c', h: 'i' });
  });

  it('cookies against RFC 6265 that browsers send when document.cookie set them', () => {
    expect(Object.keys(parseCookie('abc=def; unnamed; django_language=en'))).toContain(
      'django_language',
    );
    // A chunk without = is a value with an empty name (Mozilla bug 169091), even a lone quote.
    expect(parseCookie('a=b; "; c=d')).toEqual({ a: 'b', '': '"', c: 'd' });
    expect(parseCookie('a b c=d e = f; gh=i')).toEqual({ 'a b c': 'd e = f', gh: 'i' });
    expect(parseCookie('a   b,c<>@:/[]?{}=d  "  =e,f g')).toEqual({
      'a   b,c<>@:/[]?{}': 'd  "  =e,f g',
    });
    expect(parseCookie('saint=André Bessette')).toEqual({ saint: 'André Bessette' });
    expect(parseCookie('  =  b  ;  ;  =  ;   c  =  ;  ')).toEqual({ '': 'b', c: '' });
  });

  it.each([
    ['a="b=\\""', 'b="'],
    ['a="b=\\\\"', 'b=\\'],
    ['a="b=\\="', 'b=='],
    ['a="b=\\n"', 'b=n'],
    ['a="b=\\042"', 'b="'],
    ['a="b=\\134"', 'b=\\'],
    ['a="b=\\377"', 'b=\xff'],
    ['a="b=\\400"', 'b=400'],
    ['a="b=\\42"', 'b=42'],
    ['a="b=\\\\042"', 'b=\\042'],
    ['a="b=\\\\134"', 'b=\\134'],
    ['a="b=\\\\\\""', 'b=\\"'],
    ['a="b=\\\\\\042"', 'b=\\"'],
    ['a="b=\\134\\""', 'b=\\"'],
    ['a="b=\\134\\042"', 'b=\\"'],
  ])('unquotes %s as Python does', (header, value) => {
    expect(parseCookie(header)['a']).toBe(value);
  });

  it('a backslash before a newline, or at the end, stays', () => {
    expect(parseCookie('a="x\\\ny\\"')['a']).toBe('x\\\ny\\');
    expect(parseCookie('a="x\\\ry"')['a']).toBe('x\ry');
  });

  it('the result is a null-prototype object', () => {
    const cookies = parseCookie('__proto__=1; constructor=2');
    expect(Object.getPrototypeOf(cookies)).toBeNull();
    expect({ ...cookies }).toEqual({ ['__proto__']: '1', constructor: '2' });
  });

  it('a non-string is a TypeError', () => {
    expect(() => parseCookie(null as unknown as string)).toThrow(
      /parseCookie\(\): header must be a string/,
    );
  });
});

describe('advisory: cookie unquoting in linear time (GHSA-8w49-h785-mj3c, CVE-2024-52804)', () => {
  // Before tornado 6.4.2 these took over a minute with n = 100k; now milliseconds.
  it.each([['\\\\'], ['\\134']])('a value of 100k %s escapes', (escape) => {
    const n = 100_000;
    const [ms, cookies] = timed(() => parseCookie(`a="b=${escape.repeat(n)}"`));
    const value = cookies['a']!;
    expect(value.slice(0, 3)).toBe('b=\\');
    expect(value.slice(-3)).toBe('\\\\\\');
    expect(value).toHaveLength(n + 2);
    expect(ms).toBeLessThan(1000);
  });
});

describe('urlConcat', () => {
  const cases: [string, Parameters<typeof urlConcat>[1], string][] = [
    [
      'https://localhost/path',
      [
        ['y', 'y'],
        ['z', 'z'],
      ],
      'https://localhost/path?y=y&z=z',
    ],
    [
      'https://localhost/path',
      [
        ['y', '/y'],
        ['z', 'z'],
      ],
      'https://localhost/path?y=%2Fy&z=z',
    ],
    [
      'https://localhost/path?',
      [
        ['y', 'y'],
        ['z', 'z'],
      ],
      'https://localhost/path?y=y&z=z',
    ],
    [
      'https://localhost/path?x',
      [
        ['y', 'y'],
        ['z', 'z'],
      ],
      'https://localhost/path?x=&y=y&z=z',
    ],
    [
      'https://localhost/path?x&',
      [
        ['y', 'y'],
        ['z', 'z'],
      ],
      'https://localhost/path?x=&y=y&z=z',
    ],
    [
      'https://localhost/path?a=1&b=2',
      [
        ['y', 'y'],
        ['z', 'z'],
      ],
      'https://localhost/path?a=1&b=2&y=y&z=z',
    ],
    ['https://localhost/path?r=1&t=2', [], 'https://localhost/path?r=1&t=2'],
    ['https://localhost/path?r=1&t=2', null, 'https://localhost/path?r=1&t=2'],
    ['https://localhost/path#tab', [['y', 'y']], 'https://localhost/path?y=y#tab'],
    [
      'https://localhost/path',
      [
        ['y', 'y1'],
        ['y', 'y2'],
      ],
      'https://localhost/path?y=y1&y=y2',
    ],
    ['https://localhost/path?r=1&r=2', [['y', 'y']], 'https://localhost/path?r=1&r=2&y=y'],
    ['https://localhost/path', { y: 'y' }, 'https://localhost/path?y=y'],
    // tornado's doctests
    ['http://example.com/foo', { c: 'd' }, 'http://example.com/foo?c=d'],
    ['http://example.com/foo?a=b', { c: 'd' }, 'http://example.com/foo?a=b&c=d'],
    [
      'http://example.com/foo?a=b',
      [
        ['c', 'd'],
        ['c', 'd2'],
      ],
      'http://example.com/foo?a=b&c=d&c=d2',
    ],
  ];
  it.each(cases)('%s + %j', (url, args, expected) => {
    expect(urlConcat(url, args)).toBe(expected);
  });

  it('the existing query is decoded and encoded again, as urlencode writes it', () => {
    expect(
      urlConcat('http://x/p?a=%2f&b=%zz&c=%FF+1', [
        ['d', 'é 😀~*'],
        ['n', 3],
      ]),
    ).toBe('http://x/p?a=%2F&b=%25zz&c=%EF%BF%BD+1&d=%C3%A9+%F0%9F%98%80~%2A&n=3');
  });

  it('args that are neither an object, pairs nor null are a TypeError (as in tornado)', () => {
    for (const args of [1, 'y=y', new Map([['y', 'y']]), [['y']], [['y', {}]]]) {
      expect(() =>
        urlConcat('http://x/', args as unknown as Parameters<typeof urlConcat>[1]),
      ).toThrow(TypeError);
    }
    expect(() => urlConcat('http://x/', 1 as never)).toThrow(
      /urlConcat\(\): args must be an object, an array of \[name, value\] pairs, or null, got 1/,
    );
  });
});

describe('formatTimestamp', () => {
  const TIMESTAMP = 1359312200.503611;
  const EXPECTED = 'Sun, 27 Jan 2013 18:43:20 GMT';

  it('seconds as a float or an integer', () => {
    expect(formatTimestamp(TIMESTAMP)).toBe(EXPECTED);
    expect(formatTimestamp(Math.trunc(TIMESTAMP))).toBe(EXPECTED);
  });

  it('a Date, whatever the local time zone (a Date is an instant)', () => {
    expect(formatTimestamp(new Date(TIMESTAMP * 1000))).toBe(EXPECTED);
    expect(formatTimestamp(new Date('2013-01-27T14:43:20.503-04:00'))).toBe(EXPECTED);
  });

  it('rounds to microseconds, then drops the fraction, as Python does', () => {
    expect(formatTimestamp(1.9999999)).toBe('Thu, 01 Jan 1970 00:00:02 GMT');
    expect(formatTimestamp(-0.5)).toBe('Wed, 31 Dec 1969 23:59:59 GMT');
    expect(formatTimestamp(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });

  it('years 1 to 9999, four digits each', () => {
    expect(formatTimestamp(-62135596800)).toBe('Mon, 01 Jan 0001 00:00:00 GMT');
    expect(formatTimestamp(253402300799)).toBe('Fri, 31 Dec 9999 23:59:59 GMT');
  });

  it('NaN, infinities, an invalid Date and years past 9999 are RangeErrors; other types TypeErrors', () => {
    for (const ts of [Number.NaN, Infinity, -Infinity, 253402300800, new Date(Number.NaN)]) {
      expect(() => formatTimestamp(ts)).toThrow(RangeError);
    }
    expect(() => formatTimestamp('1359312200' as unknown as number)).toThrow(TypeError);
  });
});

describe('splitHostAndPort', () => {
  it.each([
    ['example.com:8080', ['example.com', 8080]],
    ['example.com', ['example.com', null]],
    ['[::1]:80', ['[::1]', 80]],
    ['[::1]', ['[::1]', null]],
    ['h:0080', ['h', 80]],
    ['h:', ['h:', null]],
    // The last colon followed by digits splits, as tornado's regular expression does.
    ['::1', [':', 1]],
  ])('%s', (netloc, expected) => {
    expect(splitHostAndPort(netloc)).toEqual(expected);
  });
});

describe('qsToQsl and parseQsBytes', () => {
  it('qsToQsl gives back the pairs of a parsed query', () => {
    const qsl = [...qsToQsl({ a: ['1', '3'], b: ['2'] })];
    expect(qsl).toContainEqual(['a', '1']);
    expect(qsl).toContainEqual(['a', '3']);
    expect(qsl).toContainEqual(['b', '2']);
    expect(qsl).toHaveLength(3);
    const parsed = parseQsBytes('a=1&b=2&a=3');
    expect([...qsToQsl(parsed)].map(([k, v]) => [k, v.toString()])).toEqual([
      ['a', '1'],
      ['a', '3'],
      ['b', '2'],
    ]);
  });

  it('values are the octets sent; names are those octets read as latin1', () => {
    const qs = parseQsBytes('caf%C3%A9=%FF&a=%C3%A9');
    expect(Object.keys(qs)).toEqual(['caf\u00c3\u00a9', 'a']);
    expect(qs['caf\u00c3\u00a9']).toEqual([Buffer.from([0xff])]);
    expect(qs['a']).toEqual([Buffer.from('é')]);
  });

  it('+ is a space, a malformed % stays, ; does not separate, empty fields are skipped', () => {
    const qs = parseQsBytes('a=1;b=2&&c=%zz&d=%41%4&+e+=+f+', true);
    expect(Object.fromEntries(Object.entries(qs).map(([k, v]) => [k, v.map(String)]))).toEqual({
      a: ['1;b=2'],
      c: ['%zz'],
      d: ['A%4'],
      ' e ': [' f '],
    });
  });

  it('blank values are kept only when asked', () => {
    expect(Object.keys(parseQsBytes('a=&b&c=1'))).toEqual(['c']);
    expect(parseQsBytes('a=&b&c=1', true)).toEqual({
      a: [Buffer.alloc(0)],
      b: [Buffer.alloc(0)],
      c: [Buffer.from('1')],
    });
  });

  it('takes bytes, and strings of latin1 text only', () => {
    expect(parseQsBytes(Buffer.from([0x61, 0x3d, 0xe9]))['a']).toEqual([Buffer.from([0xe9])]);
    expect(parseQsBytes('a=\u00e9')['a']).toEqual([Buffer.from([0xe9])]);
    expect(() => parseQsBytes('a=\u0100')).toThrow(RangeError);
    expect(() => parseQsBytes(1 as unknown as string)).toThrow(TypeError);
  });

  it('the result is a null-prototype object', () => {
    const qs = parseQsBytes('__proto__=1&toString=2');
    expect(Object.getPrototypeOf(qs)).toBeNull();
    expect(qs['__proto__']).toEqual([Buffer.from('1')]);
  });
});

it('HTTP_WHITESPACE is space and tab', () => {
  expect(HTTP_WHITESPACE).toBe(' \t');
});
