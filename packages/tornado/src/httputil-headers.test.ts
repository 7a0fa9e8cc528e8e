/**
 * HTTPHeaders, the start-line parsers and HTTPServerRequest — tornado's httputil_test.py
 * HTTPHeadersTest, ParseRequestStartLineTest and HTTPServerRequestTest, with our strict parse
 * where tornado is lenient (an obs-fold line, a bare LF: refused), and ours: header names'
 * case, multi-valued fields, copies that share nothing, `add` and `parse` in linear time,
 * response start lines, and a request's URL, host, times, cookies and arguments.
 */
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import {
  HTTPHeaders,
  HTTPInputError,
  HTTPServerRequest,
  RequestStartLine,
  ResponseStartLine,
  normalizeHeaderName,
  parseRequestStartLine,
  parseResponseStartLine,
} from './httputil';
import { compactHeaders, ownString } from './httputil/headers';

describe('HTTPHeaders', () => {
  it('names are case-insensitive and kept in Http-Header-Case', () => {
    const h = new HTTPHeaders({ 'content-type': 'text/html' });
    expect(h.get('Content-Type')).toBe('text/html');
    expect(h.get('CONTENT-TYPE')).toBe('text/html');
    expect(h.has('content-TYPE')).toBe(true);
    expect([...h.keys()]).toEqual(['Content-Type']);
    h.set('X-FORWARDED-FOR', '1.2.3.4');
    expect([...h.keys()]).toEqual(['Content-Type', 'X-Forwarded-For']);
    expect(h.delete('x-forwarded-for')).toBe(true);
    expect(h.delete('x-forwarded-for')).toBe(false);
    expect(h.size).toBe(1);
    expect(normalizeHeaderName('www-AUTHENTICATE')).toBe('Www-Authenticate');
    expect(normalizeHeaderName('x')).toBe('X');
  });

  it('multi-valued: add appends, get joins with a comma, getList and getAll give each value', () => {
    const h = new HTTPHeaders();
    h.add('Set-Cookie', 'A=B');
    h.add('set-cookie', 'C=D');
    h.add('Content-Type', 'text/html');
    expect(h.get('Set-Cookie')).toBe('A=B,C=D');
    expect(h.getList('SET-COOKIE')).toEqual(['A=B', 'C=D']);
    expect(h.getList('missing')).toEqual([]);
    expect([...h.getAll()]).toEqual([
      ['Set-Cookie', 'A=B'],
      ['Set-Cookie', 'C=D'],
      ['Content-Type', 'text/html'],
    ]);
    expect([...h]).toEqual([
      ['Set-Cookie', 'A=B,C=D'],
      ['Content-Type', 'text/html'],
    ]);
    expect(h.toJSON()).toEqual({ 'Set-Cookie': 'A=B,C=D', 'Content-Type': 'text/html' });
    h.set('Set-Cookie', 'E=F');
    expect(h.getList('Set-Cookie')).toEqual(['E=F']);
    expect(h.set('Content-Length', 10).get('Content-Length')).toBe('10');
  });

  it('get: undefined or the fallback for a missing name; the joined value follows each change', () => {
    const h = new HTTPHeaders();
    expect(h.get('X')).toBeUndefined();
    expect(h.get('X', 'default')).toBe('default');
    h.add('X', '1');
    expect(h.get('X')).toBe('1');
    h.add('X', '2');
    expect(h.get('X')).toBe('1,2');
    h.add('X', '3');
    expect(h.get('X')).toBe('1,2,3');
  });

  it('built from an object (with lists), from pairs, or from other headers', () => {
    const fromObject = new HTTPHeaders({ A: ['1', '2'], B: 'c' });
    const fromPairs = new HTTPHeaders([
      ['A', '1'],
      ['A', '2'],
      ['B', 'c'],
    ]);
    const fromHeaders = new HTTPHeaders(fromObject);
    for (const h of [fromObject, fromPairs, fromHeaders]) {
      expect([...h.getAll()]).toEqual([
        ['A', '1'],
        ['A', '2'],
        ['B', 'c'],
      ]);
    }
    expect(() => new HTTPHeaders(42 as never)).toThrow(TypeError);
  });

  it('from an object: its own names only, in order; a null-prototype object too', () => {
    const inherited = Object.create({ Inherited: 'no' }) as Record<string, string>;
    inherited.Own = 'yes';
    expect([...new HTTPHeaders(inherited).getAll()]).toEqual([['Own', 'yes']]);
    const bare = Object.assign(Object.create(null) as Record<string, string>, { X: '1', Y: '2' });
    expect([...new HTTPHeaders(bare).getAll()]).toEqual([
      ['X', '1'],
      ['Y', '2'],
    ]);
    expect(() => new HTTPHeaders({ 'Bad Name': 'x' })).toThrow(HTTPInputError);
  });

  it('copy: identical, and shares neither the map nor its lists', () => {
    const h1 = new HTTPHeaders();
    for (const [k, v] of [
      ['A', '1'],
      ['A', '2'],
      ['B', 'c'],
    ] as const) {
      h1.add(k, v);
    }
    const h2 = h1.copy();
    const h3 = new HTTPHeaders(h1);
    for (const h of [h1, h2, h3]) {
      expect([...h.getAll()].sort()).toEqual([
        ['A', '1'],
        ['A', '2'],
        ['B', 'c'],
      ]);
    }
    h2.add('A', '3');
    h2.getList('A').push('mutated');
    h3.delete('B');
    expect(h1.getList('A')).toEqual(['1', '2']);
    expect(h1.get('A')).toBe('1,2');
    expect(h1.has('B')).toBe(true);
    expect(h1.getList('A')).not.toBe(h1.getList('A'));
  });

  it('toString is tornado’s str(): a “Name: value” line per value; inspect shows the fields', () => {
    const h = new HTTPHeaders();
    h.add('Foo', '1');
    h.add('Foo', '2');
    h.add('Foo', '3');
    expect(String(h)).toBe('Foo: 1\nFoo: 2\nFoo: 3\n');
    // It ends lines with a bare LF, which parse() refuses: back through CRLF it round-trips.
    expect(() => HTTPHeaders.parse(String(h))).toThrow(HTTPInputError);
    const again = HTTPHeaders.parse(String(h).replace(/\n/g, '\r\n'));
    expect([...again.getAll()]).toEqual([...h.getAll()]);
    expect(inspect(h)).toContain('Foo');
  });

  it('invalid names are refused by add and set (HTTPInputError)', () => {
    for (const name of [
      '',
      'foo bar',
      'foo\tbar',
      'foo\nbar',
      'foo\x00bar',
      'foo ',
      ' foo',
      '\u00e9',
      'a:b',
      'a"b',
    ]) {
      const h = new HTTPHeaders();
      expect(() => h.add(name, 'bar'), JSON.stringify(name)).toThrow(HTTPInputError);
      expect(() => h.set(name, 'bar'), JSON.stringify(name)).toThrow(HTTPInputError);
    }
    expect(() => new HTTPHeaders().add(42 as never, 'v')).toThrow(HTTPInputError);
  });

  it('values with CR, LF, NUL, other controls or DEL are refused by add and set; HTAB and obs-text are fine', () => {
    const h = new HTTPHeaders();
    for (let c = 0; c < 0x100; c++) {
      const value = `bar${String.fromCharCode(c)}baz`;
      if (c === 0x09 || (c >= 0x20 && c !== 0x7f)) {
        h.set('Foo', value);
        expect(h.get('Foo')).toBe(value);
      } else {
        expect(() => h.add('Foo', value), `0x${c.toString(16)}`).toThrow(HTTPInputError);
        expect(() => h.set('Foo', value), `0x${c.toString(16)}`).toThrow(HTTPInputError);
      }
    }
  });

  describe('parse', () => {
    it('a CRLF block: names, values trimmed of SP and HTAB, repeated fields kept in order', () => {
      const h = HTTPHeaders.parse('Foo: bar\r\nAsdf:  \tqwer \t\r\nfoo: again\r\nEmpty:\r\n\r\n');
      expect([...h.getAll()]).toEqual([
        ['Foo', 'bar'],
        ['Foo', 'again'],
        ['Asdf', 'qwer'],
        ['Empty', ''],
      ]);
      expect(HTTPHeaders.parse('').size).toBe(0);
      expect(HTTPHeaders.parse('\r\n').size).toBe(0);
      expect(HTTPHeaders.parse('A: b').get('A')).toBe('b'); // the final CRLF may be missing
    });

    it('obs-fold (a line starting with SP or HTAB) is refused (our policy: tornado unfolds)', () => {
      const folded = 'Foo: bar\r\n baz\r\nAsdf: qwer\r\n\tzxcv\r\n';
      expect(() => HTTPHeaders.parse(folded)).toThrow(/obs-fold/);
      expect(() => HTTPHeaders.parse('Foo: bar\r\n\tasdf')).toThrow(HTTPInputError);
      // A first line starting with whitespace continues nothing: refused by tornado too.
      expect(() => HTTPHeaders.parse(' Foo: bar')).toThrow(
        /First header line starts with whitespace/,
      );
      // \f is whitespace to JavaScript and Python, not to HTTP.
      expect(() => HTTPHeaders.parse('Foo: bar\r\n\fasdf')).toThrow(HTTPInputError);
    });

    it('whitespace before the colon, an empty name, a line without a colon are refused', () => {
      for (const block of [
        'Foo : bar\r\n',
        'Foo\t: bar\r\n',
        ': bar\r\n',
        'Foo bar\r\n',
        'Foo\r\n',
        'F\u00f6o: bar\r\n',
      ]) {
        expect(() => HTTPHeaders.parse(block), JSON.stringify(block)).toThrow(HTTPInputError);
      }
    });

    it('forbidden characters in values: controls other than HTAB, and DEL; everything else kept', () => {
      for (let c = 0; c < 0x100; c++) {
        const block = `Foo: bar${String.fromCharCode(c)}baz\r\n`;
        if (c === 0x09 || (c >= 0x20 && c !== 0x7f)) {
          expect(HTTPHeaders.parse(block).get('Foo'), `0x${c.toString(16)}`).toBe(
            `bar${String.fromCharCode(c)}baz`,
          );
        } else {
          expect(() => HTTPHeaders.parse(block), `0x${c.toString(16)}`).toThrow(HTTPInputError);
        }
      }
    });

    it('only CRLF ends a line: NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR (UTF-8 or latin1) are value bytes', () => {
      for (const newline of ['\u0085', '\u2028', '\u2029']) {
        for (const encoding of ['utf8', 'latin1'] as const) {
          const encoded = Buffer.from(newline, encoding);
          if (encoding === 'latin1' && newline.charCodeAt(0) > 0xff) continue; // not in latin1
          const text = Buffer.concat([
            Buffer.from('Cookie: foo='),
            encoded,
            Buffer.from('bar'),
          ]).toString('latin1');
          expect([...HTTPHeaders.parse(text).getAll()]).toEqual([
            ['Cookie', `foo=${encoded.toString('latin1')}bar`],
          ]);
        }
      }
    });

    it('only SP and HTAB are trimmed: NBSP (\\xa0) and NEL (\\x85) stay', () => {
      for (const [c, stripped] of [
        [' ', true],
        ['\t', true],
        ['\u00a0', false],
        ['\u0085', false],
      ] as const) {
        const h = HTTPHeaders.parse(`Transfer-Encoding: ${c}chunked${c}`);
        expect([...h.getAll()]).toEqual([
          ['Transfer-Encoding', stripped ? 'chunked' : `${c}chunked${c}`],
        ]);
      }
    });

    it('a bare CR anywhere, and a bare LF (our policy: tornado takes LF), are refused', () => {
      expect(() => HTTPHeaders.parse('CRLF: crlf\r\nLF: lf\nCR: cr\rMore: more\r\n')).toThrow(
        HTTPInputError,
      );
      expect(() => HTTPHeaders.parse('CRLF: crlf\r\nLF: lf\nMore: more\r\n')).toThrow(
        HTTPInputError,
      );
      expect(() => HTTPHeaders.parse('CR: cr\rMore: more\r\n')).toThrow(HTTPInputError);
      expect(() => HTTPHeaders.parse('A: b\r\n\r\nC: d\r\n')).toThrow(/after the empty line/);
    });

    it('characters beyond latin1 are refused unless the text is UTF-8 characters (multipart part headers)', () => {
      expect(() => HTTPHeaders.parse('X: \u2603')).toThrow(HTTPInputError);
      expect(HTTPHeaders.parse('X: \u2603', { utf8: true }).get('X')).toBe('\u2603');
      expect(() => HTTPHeaders.parse('X: \u2603\u0000', { utf8: true })).toThrow(HTTPInputError);
    });
  });

  describe('linear time (tornado 6.5.3, GHSA-c98p-7wgm-6p64, CVE-2025-67725)', () => {
    function time(fn: () => void): number {
      const started = performance.now();
      fn();
      return performance.now() - started;
    }

    it('100 000 adds of one name take well under a second', () => {
      let h = new HTTPHeaders();
      const elapsed = time(() => {
        h = new HTTPHeaders();
        for (let i = 0; i < 100_000; i++) h.add('X-Foo', 'bar');
      });
      expect(h.getList('X-Foo')).toHaveLength(100_000);
      expect(h.get('X-Foo')!.length).toBe(100_000 * 4 - 1);
      expect(elapsed).toBeLessThan(1000);
    });

    it('parsing 100 000 repeated lines takes well under a second', () => {
      const block = 'X-Foo: bar\r\n'.repeat(100_000);
      let h = new HTTPHeaders();
      const elapsed = time(() => {
        h = HTTPHeaders.parse(block);
      });
      expect(h.getList('X-Foo')).toHaveLength(100_000);
      expect(elapsed).toBeLessThan(1000);
    });

    it('parsing 50 000 distinct names takes well under a second (a lookup does not scan them all)', () => {
      let block = '';
      for (let i = 0; i < 50_000; i++) block += `X-${String(i)}: ${String(i)}\r\n`;
      let h = new HTTPHeaders();
      const elapsed = time(() => {
        h = HTTPHeaders.parse(block);
      });
      expect(h.size).toBe(50_000);
      expect(h.get('x-49999')).toBe('49999');
      expect(elapsed).toBeLessThan(1000);
    });

    it('parsing a name repeated 20 000 times after 20 000 others takes well under a second', () => {
      let block = '';
      for (let i = 0; i < 20_000; i++) block += `X-${String(i)}: a\r\n`;
      for (let i = 0; i < 20_000; i++) block += `X-19999: ${String(i)}\r\n`;
      let h = new HTTPHeaders();
      const elapsed = time(() => {
        h = HTTPHeaders.parse(block);
      });
      expect(h.size).toBe(20_000);
      expect(h.getList('x-19999')).toHaveLength(20_001);
      expect(elapsed).toBeLessThan(1000);
    });
  });

  it('many fields (past the point where a lookup table is kept) behave as a few do', () => {
    const names = Array.from({ length: 40 }, (_, i) => `X-Field-${String(i)}`);
    const h = new HTTPHeaders();
    for (const name of names) h.add(name, 'a');
    h.add('x-field-3', 'b'); // a second value, any case
    h.set('X-FIELD-7', 'seven'); // replaced in its place
    expect(h.delete('x-field-0')).toBe(true);
    expect(h.delete('x-field-0')).toBe(false);
    h.add('X-Field-0', 'again'); // a name deleted and added again goes last
    expect([...h.keys()]).toEqual([...names.slice(1), 'X-Field-0']);
    expect(h.getList('X-Field-3')).toEqual(['a', 'b']);
    expect(h.get('x-field-7')).toBe('seven');
    expect(h.has('X-Field-39')).toBe(true);
    expect(h.has('X-Field-40')).toBe(false);

    const copy = h.copy();
    copy.delete('X-Field-5');
    copy.set('X-Field-6', 'six');
    expect(h.get('X-Field-5')).toBe('a');
    expect(h.get('X-Field-6')).toBe('a');
    expect(copy.has('X-Field-5')).toBe(false);
    expect(copy.size).toBe(h.size - 1);

    // Deleting back below the threshold keeps every lookup right.
    for (const name of names.slice(1, 35)) h.delete(name);
    expect([...h.keys()]).toEqual([...names.slice(35), 'X-Field-0']);
    expect(h.get('X-Field-36')).toBe('a');
    expect(h.has('X-Field-3')).toBe(false);
  });

  it('parsed names: more distinct ones than the parser keeps at hand, names that share a prefix, any case', () => {
    // The parser compares a line's name with the names it read lately, where it stands in the
    // line: a name must match whole, never as a prefix of another or another of it.
    const names = ['X-A', 'X-Ab', 'X-A-B', 'x-a', 'Accept', 'Accept-Encoding', 'Acc'];
    for (let i = 0; i < 60; i++) names.push(`X-Many-${String(i)}`);
    const block = (value: string): string =>
      `${names.map((name, i) => `${name}: ${value}${String(i)}\r\n`).join('')}\r\n`;
    for (const value of ['first', 'second', 'third']) {
      const h = HTTPHeaders.parse(block(value));
      expect(h.getList('X-A')).toEqual([`${value}0`, `${value}3`]); // X-A and x-a: one field
      expect(h.get('x-ab')).toBe(`${value}1`);
      expect(h.get('X-A-B')).toBe(`${value}2`);
      expect([h.get('Accept'), h.get('Accept-Encoding'), h.get('ACC')]).toEqual([
        `${value}4`,
        `${value}5`,
        `${value}6`,
      ]);
      expect(h.get('x-many-59')).toBe(`${value}66`);
      expect([...h.keys()].slice(0, 6)).toEqual([
        'X-A',
        'X-Ab',
        'X-A-B',
        'Accept',
        'Accept-Encoding',
        'Acc',
      ]);
      expect(h.size).toBe(names.length - 1);
    }
  });
});

describe('compactHeaders (what a WebSocket keeps of its request)', () => {
  it('keeps every field, value and order, multi-valued ones included, and get() as before', () => {
    const head =
      'Host: 127.0.0.1:8888\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Long: ' +
      'é'.repeat(40) +
      '\r\n';
    const headers = HTTPHeaders.parse(head);
    const before = [...headers];
    compactHeaders(headers);
    expect([...headers]).toEqual(before);
    expect(headers.get('set-cookie')).toBe('a=1,b=2');
    expect(headers.getList('Set-Cookie')).toEqual(['a=1', 'b=2']);
    expect(headers.get('sec-websocket-key')).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    headers.add('Set-Cookie', 'c=3');
    expect(headers.get('Set-Cookie')).toBe('a=1,b=2,c=3');
  });

  it('ownString gives the same string, whatever its characters', () => {
    for (const text of [
      '',
      'short',
      'x'.repeat(13),
      'é€😀'.repeat(9),
      '\ud800 lone surrogate and more',
    ]) {
      expect(ownString(text)).toBe(text);
    }
  });
});

describe('parseRequestStartLine', () => {
  it('ParseRequestStartLineTest: method, path, version', () => {
    const line = parseRequestStartLine('GET /foo HTTP/1.1');
    expect(line).toBeInstanceOf(RequestStartLine);
    expect([line.method, line.path, line.version]).toEqual(['GET', '/foo', 'HTTP/1.1']);
    expect(String(line)).toBe('GET /foo HTTP/1.1');
    expect(parseRequestStartLine('OPTIONS * HTTP/1.0').path).toBe('*');
    expect(parseRequestStartLine('GET http://a.example/b?c HTTP/1.1').path).toBe(
      'http://a.example/b?c',
    );
    expect(parseRequestStartLine('M-SEARCH //x HTTP/1.1').method).toBe('M-SEARCH');
  });

  it('any token is a method, as written; any HTTP/1.d a version', () => {
    const methods = [
      'GET',
      'POST',
      'HEAD',
      'PUT',
      'DELETE',
      'PATCH',
      'OPTIONS',
      'get',
      'GETS',
      'G',
    ];
    for (const method of methods) {
      expect(parseRequestStartLine(`${method} /a HTTP/1.1`).method).toBe(method);
    }
    for (let minor = 0; minor <= 9; minor++) {
      const line = parseRequestStartLine(`GET /a?b=c HTTP/1.${String(minor)}`);
      expect([line.path, line.version]).toEqual(['/a?b=c', `HTTP/1.${String(minor)}`]);
    }
  });

  it.each([
    ['no spaces', 'asdf'],
    ['two parts', 'GET /foo'],
    ['four parts', 'GET /foo bar HTTP/1.1'],
    ['two spaces', 'GET  /foo HTTP/1.1'],
    ['a trailing space', 'GET /foo HTTP/1.1 '],
    ['a leading space', ' GET /foo HTTP/1.1'],
    ['a tab for a space', 'GET\t/foo HTTP/1.1'],
    ['a method that is not a token', 'FOO,BAR /foo HTTP/1.1'],
    ['a control character in the target', 'GET /fo\x01o HTTP/1.1'],
    ['DEL in the target', 'GET /fo\x7fo HTTP/1.1'],
    ['obs-text in the target', 'GET /f\xe9 HTTP/1.1'],
    ['a fragment', 'GET /foo#bar HTTP/1.1'],
    ['a lowercase version', 'GET /foo http/1.1'],
    ['a version without its minor', 'GET /foo HTTP/1'],
    ['a two-digit minor', 'GET /foo HTTP/1.10'],
    ['no version at all', 'GET /foo X'],
  ])('refuses %s (400)', (_name, line) => {
    let caught: unknown = null;
    try {
      parseRequestStartLine(line);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HTTPInputError);
    expect((caught as HTTPInputError).status).toBe(400);
  });

  it('a well-formed version other than HTTP/1.x is 505', () => {
    for (const version of ['HTTP/2.0', 'HTTP/0.9', 'HTTP/3.0']) {
      let caught: unknown = null;
      try {
        parseRequestStartLine(`GET / ${version}`);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(HTTPInputError);
      expect((caught as HTTPInputError).status).toBe(505);
    }
  });
});

describe('parseResponseStartLine', () => {
  it('version, code, reason (possibly empty)', () => {
    const line = parseResponseStartLine('HTTP/1.1 200 OK');
    expect(line).toBeInstanceOf(ResponseStartLine);
    expect([line.version, line.code, line.reason]).toEqual(['HTTP/1.1', 200, 'OK']);
    expect(String(line)).toBe('HTTP/1.1 200 OK');
    expect(parseResponseStartLine('HTTP/1.0 404 Not Found').reason).toBe('Not Found');
    expect(parseResponseStartLine('HTTP/1.1 204').reason).toBe('');
    expect(parseResponseStartLine('HTTP/1.1 204 ').reason).toBe('');
    expect(parseResponseStartLine('HTTP/1.1 200 \xc0k\tfine').reason).toBe('\xc0k\tfine');
  });

  it.each([
    ['no version', '200 OK'],
    ['a short code', 'HTTP/1.1 20 OK'],
    ['a long code', 'HTTP/1.1 2000 OK'],
    ['a code with a sign', 'HTTP/1.1 +20 OK'],
    ['no space before the code', 'HTTP/1.1200 OK'],
    ['a NUL in the reason', 'HTTP/1.1 200 O\x00K'],
    ['a CR in the reason', 'HTTP/1.1 200 O\rK'],
    ['a lowercase version', 'http/1.1 200 OK'],
  ])('refuses %s', (_name, line) => {
    expect(() => parseResponseStartLine(line)).toThrow(HTTPInputError);
  });
});

describe('HTTPServerRequest', () => {
  const request = (
    method: string,
    uri: string,
    version: string,
    headers: Record<string, string> = {},
    context: unknown = null,
  ): HTTPServerRequest =>
    new HTTPServerRequest({
      startLine: new RequestStartLine(method, uri, version),
      headers: new HTTPHeaders(headers),
      connection:
        context === null
          ? null
          : ({ context, writeHeaders: () => null, write: () => null, finish: () => {} } as never),
    });

  it('the minimal construction: a start line; the body is an empty Buffer', () => {
    const r = new HTTPServerRequest({ startLine: new RequestStartLine('GET', '/', 'HTTP/1.0') });
    expect(Buffer.isBuffer(r.body)).toBe(true);
    expect(r.body.length).toBe(0);
    expect(r.host).toBe('127.0.0.1');
    expect(r.remoteIp).toBeNull();
    expect(r.protocol).toBe('http');
    expect(() => new HTTPServerRequest({ startLine: 'GET / HTTP/1.0' as never })).toThrow(
      TypeError,
    );
  });

  it('its string form does not contain the headers', () => {
    const r = new HTTPServerRequest({
      startLine: new RequestStartLine('GET', '/', 'HTTP/1.0'),
      headers: new HTTPHeaders({ Canary: ['Coal Mine'] }),
    });
    expect(String(r)).not.toContain('Canary');
    expect(inspect(r)).not.toContain('Canary');
    expect(String(r)).toContain('method="GET"');
  });

  it('fullUrl, path and query; protocol and remoteIp from the connection’s context', () => {
    const r = request(
      'GET',
      '/a/b?c=d&e',
      'HTTP/1.1',
      { Host: 'Example.com:8080' },
      { remoteIp: '10.0.0.1', protocol: 'https' },
    );
    expect([r.path, r.query, r.host, r.hostName]).toEqual([
      '/a/b',
      'c=d&e',
      'Example.com:8080',
      'example.com',
    ]);
    expect(r.fullUrl()).toBe('https://Example.com:8080/a/b?c=d&e');
    expect(r.remoteIp).toBe('10.0.0.1');
    expect(request('GET', '/', 'HTTP/1.1', { Host: 'h' }).fullUrl()).toBe('http://h/');
  });

  it('hostName: lowercased, the port dropped, an IPv6 literal kept in brackets', () => {
    expect(request('GET', '/', 'HTTP/1.1', { Host: 'WWW.Example.COM' }).hostName).toBe(
      'www.example.com',
    );
    expect(request('GET', '/', 'HTTP/1.1', { Host: '[::1]:8080' }).hostName).toBe('[::1]');
    expect(request('GET', '/', 'HTTP/1.1', { Host: '127.0.0.1:80' }).hostName).toBe('127.0.0.1');
  });

  it('an absolute-form target: its authority is the host, over the Host header', () => {
    const r = request('GET', 'http://Other.example:81/p?q=1', 'HTTP/1.1', { Host: 'ignored' });
    expect([r.host, r.hostName, r.path, r.query, r.uri]).toEqual([
      'Other.example:81',
      'other.example',
      '/p',
      'q=1',
      'http://Other.example:81/p?q=1',
    ]);
    expect(request('GET', 'https://a.example', 'HTTP/1.1', {}).path).toBe('/');
    expect(request('GET', 'HTTP://a.example?x', 'HTTP/1.1', {}).query).toBe('x');
  });

  it('HTTP/1.1 without a Host is HTTPInputError; HTTP/1.0 gets 127.0.0.1; two Hosts are refused', () => {
    expect(() => request('GET', '/', 'HTTP/1.1')).toThrow(HTTPInputError);
    expect(request('GET', '/', 'HTTP/1.0').host).toBe('127.0.0.1');
    const two = new HTTPHeaders();
    two.add('Host', 'a');
    two.add('Host', 'b');
    expect(
      () =>
        new HTTPServerRequest({
          startLine: new RequestStartLine('GET', '/', 'HTTP/1.1'),
          headers: two,
        }),
    ).toThrow(HTTPInputError);
  });

  it('requestTime grows until markFinished, then stays', async () => {
    const r = request('GET', '/', 'HTTP/1.0');
    expect(r.requestTime()).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 15));
    const during = r.requestTime();
    expect(during).toBeGreaterThanOrEqual(0.01);
    r.markFinished();
    const finished = r.requestTime();
    await new Promise((resolve) => setTimeout(resolve, 15));
    expect(r.requestTime()).toBe(finished);
  });

  it('cookies: parsed once from the Cookie header; none without one', () => {
    const r = request('GET', '/', 'HTTP/1.0', { Cookie: 'a=1; b="two"; c' });
    expect({ ...r.cookies }).toEqual({ a: '1', b: 'two', '': 'c' });
    expect(r.cookies).toBe(r.cookies);
    expect({ ...request('GET', '/', 'HTTP/1.0').cookies }).toEqual({});
  });

  it('arguments: query then body values, as Buffers; parseBody fills bodyArguments and files', () => {
    const r = new HTTPServerRequest({
      startLine: new RequestStartLine('POST', '/?a=1&b=', 'HTTP/1.0'),
      headers: new HTTPHeaders({ 'Content-Type': 'application/x-www-form-urlencoded' }),
      body: Buffer.from('a=2&c=%C3%A9'),
    });
    expect(r.arguments).toEqual({ a: [Buffer.from('1')], b: [Buffer.from('')] });
    r.parseBody();
    expect(r.bodyArguments).toEqual({ a: [Buffer.from('2')], c: [Buffer.from('\u00e9')] });
    expect(r.arguments).toEqual({
      a: [Buffer.from('1'), Buffer.from('2')],
      b: [Buffer.from('')],
      c: [Buffer.from('\u00e9')],
    });
    const m = new HTTPServerRequest({
      startLine: new RequestStartLine('POST', '/', 'HTTP/1.0'),
      headers: new HTTPHeaders({ 'Content-Type': 'multipart/form-data; boundary=X' }),
      body: Buffer.from(
        '--X\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--X--\r\n',
      ),
    });
    m.parseBody();
    expect(m.files.f!.map((f) => [f.filename, f.body.toString(), f.contentType])).toEqual([
      ['a.txt', 'hi', 'text/plain'],
    ]);
  });

  it('parseBody of a malformed form body throws HTTPInputError', () => {
    const r = new HTTPServerRequest({
      startLine: new RequestStartLine('POST', '/', 'HTTP/1.0'),
      headers: new HTTPHeaders({ 'Content-Type': 'multipart/form-data' }),
      body: Buffer.from('x'),
    });
    expect(() => r.parseBody()).toThrow(HTTPInputError);
  });
});
