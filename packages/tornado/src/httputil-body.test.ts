/**
 * httputil's form bodies — the themes of tornado 6.5's MultipartFormDataTest and of
 * `parse_body_arguments`: file uploads and fields, quoted and unquoted parameters, file names
 * with separators, escapes and non-ASCII text, RFC 2231 names, malformed parts, the limits of
 * tornado 6.5.5's ParseMultipartConfig, and the advisories (multipart errors that raise once
 * instead of logging per part, part floods, control characters in part headers, quadratic
 * parameter parsing).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPInputError } from './httputil/errors';
import { HTTPHeaders } from './httputil/headers';
import {
  HTTPFile,
  ParseBodyConfig,
  ParseMultipartConfig,
  parseBodyArguments,
  parseMultipartFormData,
  setParseBodyConfig,
  type BodyArguments,
  type BodyFiles,
} from './httputil/body';
import { addHandler, getLogger, removeHandler, type Handler, type LogRecord } from './log';

/** A multipart body written with LF line ends, sent with CRLF ones (as the tests in tornado). */
function crlf(text: string): Buffer {
  return Buffer.from(text.replaceAll('\n', '\r\n'), 'utf8');
}

/** Parses `body` with boundary `1234` into fresh `args` and `files`. */
function parse(
  body: Buffer,
  config?: ConstructorParameters<typeof ParseMultipartConfig>[0],
): { args: BodyArguments; files: BodyFiles } {
  const args: BodyArguments = {};
  const files: BodyFiles = {};
  parseMultipartFormData('1234', body, args, files, config);
  return { args, files };
}

/** The one file uploaded as `files`. */
function onlyFile(body: Buffer): HTTPFile {
  const { files } = parse(body);
  expect(Object.keys(files)).toEqual(['files']);
  expect(files['files']).toHaveLength(1);
  return files['files']![0]!;
}

/** A body with one part whose `Content-Disposition` is `disposition`. */
function onePart(disposition: string, value = 'Foo'): Buffer {
  return crlf(`--1234\nContent-Disposition: ${disposition}\n\n${value}\n--1234--`);
}

/** The HTTPInputError `fn` throws. */
function inputErrorOf(fn: () => void): HTTPInputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HTTPInputError);
    return error as HTTPInputError;
  }
  throw new Error('expected an HTTPInputError, got none');
}

afterEach(() => {
  setParseBodyConfig(new ParseBodyConfig());
});

describe('multipart/form-data: what a well-formed body gives', () => {
  it('a part with a filename is a file, with its name, content and a default type', () => {
    const file = onlyFile(onePart('form-data; name="files"; filename="ab.txt"'));
    expect(file).toBeInstanceOf(HTTPFile);
    expect(file.filename).toBe('ab.txt');
    expect(file.body).toEqual(Buffer.from('Foo'));
    expect(file.contentType).toBe('application/unknown');
  });

  it("a file's Content-Type is the part's", () => {
    const body = crlf(
      '--1234\nContent-Disposition: form-data; name="files"; filename="a.png"\n' +
        'Content-Type: image/png\n\n\x89PNG\n--1234--',
    );
    expect(onlyFile(body).contentType).toBe('image/png');
  });

  it('a part without a filename (or with an empty one) is a field, its value the octets sent', () => {
    const body = crlf(
      '--1234\nContent-Disposition: form-data; name="a"\n\nfirst\n' +
        '--1234\nContent-Disposition: form-data; name="a"; filename=""\n\nsecond\n' +
        '--1234\nContent-Disposition: form-data; name="b"\n\n\u00e9\n--1234--',
    );
    const { args, files } = parse(body);
    expect(files).toEqual({});
    expect(args['a']).toEqual([Buffer.from('first'), Buffer.from('second')]);
    expect(args['b']).toEqual([Buffer.from([0xc3, 0xa9])]);
  });

  it('a value keeps its inner CRLFs and anything that merely looks like a boundary', () => {
    const { args } = parse(
      onePart('form-data; name="v"', 'line 1\nline 2\n--1234 not a delimiter\n--12345'),
    );
    expect(args['v']).toEqual([
      Buffer.from('line 1\r\nline 2\r\n--1234 not a delimiter\r\n--12345'),
    ]);
  });

  it('an empty value is an empty Buffer, also when the headers end the part', () => {
    const body = crlf(
      '--1234\nContent-Disposition: form-data; name="files"; filename="ab.txt"\n\n--1234--',
    );
    expect(onlyFile(body).body).toEqual(Buffer.alloc(0));
  });

  it('values are copies, not views of the body', () => {
    const body = onePart('form-data; name="v"');
    const { args } = parse(body);
    body.fill(0x78);
    expect(args['v']).toEqual([Buffer.from('Foo')]);
  });

  it('unquoted names and filenames are read too (quotes are needed only around specials)', () => {
    expect(onlyFile(onePart('form-data; name=files; filename=ab.txt')).filename).toBe('ab.txt');
  });

  it('filenames with ; " \\ spaces and tabs come back as sent (quoted, with escapes)', () => {
    const names = [
      'a;b.txt',
      'a"b.txt',
      'a";b.txt',
      'a;"b.txt',
      'a";";.txt',
      'a\\"b.txt',
      'a\\b.txt',
      'a b.txt',
      'a\tb.txt',
    ];
    for (const name of names) {
      const quoted = name.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
      const file = onlyFile(onePart(`form-data; name="files"; filename="${quoted}"`));
      expect(file.filename, name).toBe(name);
      expect(file.body).toEqual(Buffer.from('Foo'));
    }
  });

  it('a UTF-8 filename sent as is is read as UTF-8', () => {
    expect(onlyFile(onePart('form-data; name="files"; filename="测试.txt"')).filename).toBe(
      '测试.txt',
    );
  });

  it('an RFC 2231/5987 filename*= wins over the plain filename', () => {
    const file = onlyFile(
      onePart(`form-data; name="files"; filename="ab.txt"; filename*=UTF-8''%C3%A1b.txt`),
    );
    expect(file.filename).toBe('áb.txt');
  });

  it('a quoted boundary is unquoted', () => {
    const args: BodyArguments = {};
    const files: BodyFiles = {};
    parseMultipartFormData(
      Buffer.from('"1234"'),
      onePart('form-data; name="files"; filename="ab.txt"'),
      args,
      files,
    );
    expect(files['files']![0]!.filename).toBe('ab.txt');
  });

  it('whatever follows the final boundary (often a CRLF) is ignored', () => {
    const body = crlf(
      '--1234\nContent-Disposition: form-data; name="files"; filename="ab.txt"\n\nFoo\n--1234--\n' +
        'epilogue --1234\r\n',
    );
    expect(onlyFile(body).body).toEqual(Buffer.from('Foo'));
  });

  it('the boundary may be given as bytes, and the body as any Uint8Array', () => {
    const args: BodyArguments = {};
    const body = onePart('form-data; name="v"');
    parseMultipartFormData(Buffer.from('1234'), new Uint8Array(body), args, {});
    expect(args['v']).toEqual([Buffer.from('Foo')]);
  });

  it('adds to the lists already in args and files', () => {
    const args: BodyArguments = { v: [Buffer.from('before')] };
    parseMultipartFormData('1234', onePart('form-data; name="v"'), args, {});
    expect(args['v']).toEqual([Buffer.from('before'), Buffer.from('Foo')]);
  });

  it('names such as __proto__ and constructor are fields like any other', () => {
    const body = crlf(
      '--1234\nContent-Disposition: form-data; name="__proto__"\n\nx\n' +
        '--1234\nContent-Disposition: form-data; name="constructor"\n\ny\n' +
        '--1234\nContent-Disposition: form-data; name="hasOwnProperty"; filename="f"\n\nz\n--1234--',
    );
    const { args, files } = parse(body);
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(Object.keys(args)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(args, '__proto__')?.value).toEqual([Buffer.from('x')]);
    expect(args['constructor']).toEqual([Buffer.from('y')]);
    expect(files['hasOwnProperty']![0]!.body).toEqual(Buffer.from('z'));
  });
});

describe('multipart/form-data: malformed bodies are one HTTPInputError', () => {
  it('no final boundary', () => {
    const body = crlf('--1234\nContent-Disposition: form-data; name="v"\n\nFoo\n--1234');
    expect(inputErrorOf(() => parse(body)).message).toBe(
      'Invalid multipart/form-data: no final boundary found',
    );
  });

  it('a part without headers', () => {
    const files: BodyFiles = {};
    const error = inputErrorOf(() =>
      parseMultipartFormData('1234', crlf('--1234\n\nFoo\n--1234--'), {}, files),
    );
    expect(error.message).toBe('multipart/form-data missing headers');
    expect(files).toEqual({});
  });

  it('a Content-Disposition other than form-data, or none', () => {
    for (const body of [
      onePart('invalid; name="files"; filename="ab.txt"'),
      crlf('--1234\nContent-Type: text/plain\n\nFoo\n--1234--'),
    ]) {
      expect(inputErrorOf(() => parse(body)).message).toBe('Invalid multipart/form-data');
    }
  });

  it('a part that does not end with CRLF before the next boundary', () => {
    const body = crlf(
      '--1234\nContent-Disposition: form-data; name="files"; filename="ab.txt"\n\nFoo--1234--',
    );
    expect(inputErrorOf(() => parse(body)).message).toBe('Invalid multipart/form-data');
  });

  it('a Content-Disposition without a name, or with an empty one', () => {
    for (const disposition of ['form-data; filename="ab.txt"', 'form-data; name=""']) {
      expect(inputErrorOf(() => parse(onePart(disposition))).message).toBe(
        'multipart/form-data missing name',
      );
    }
  });

  it('part headers that are not UTF-8', () => {
    const body = Buffer.concat([
      Buffer.from('--1234\r\nContent-Disposition: form-data; name="'),
      Buffer.from([0xff]),
      Buffer.from('"\r\n\r\nFoo\r\n--1234--'),
    ]);
    const error = inputErrorOf(() => parse(body));
    expect(error.message).toBe('multipart/form-data part headers are not valid UTF-8');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('a header line that is not name: value', () => {
    const body = crlf('--1234\nContent-Disposition form-data\n\nFoo\n--1234--');
    expect(() => parse(body)).toThrow(HTTPInputError);
  });

  it('parts read before the bad one stay in args, as in tornado', () => {
    const body = crlf(
      '--1234\nContent-Disposition: form-data; name="good"\n\n1\n' +
        '--1234\nContent-Disposition: bad\n\n2\n--1234--',
    );
    const args: BodyArguments = {};
    expect(() => parseMultipartFormData('1234', body, args, {})).toThrow(HTTPInputError);
    expect(args['good']).toEqual([Buffer.from('1')]);
  });
});

describe('advisory: control characters in part headers are errors, not line breaks', () => {
  // The text of a part's headers is UTF-8 characters, so a file name may be 测试.txt, but a
  // control character stays forbidden: a lone CR, in particular, must not start a new header.
  it.each([
    ['a CR', 'a\rb.txt'],
    ['a NUL', 'a\0b.txt'],
    ['a backspace', 'a\bb.txt'],
    ['a LF', 'a\nb.txt'],
    ['a DEL', 'a\x7fb.txt'],
  ])('%s in a filename', (_, filename) => {
    const body = Buffer.from(
      `--1234\r\nContent-Disposition: form-data; name="files"; filename="${filename}"\r\n\r\nFoo\r\n--1234--`,
    );
    expect(() => parse(body)).toThrow(HTTPInputError);
  });

  it('a CR cannot smuggle a Content-Type into a part', () => {
    const body = Buffer.from(
      '--1234\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\rContent-Type: text/html' +
        '\r\n\r\nFoo\r\n--1234--',
    );
    expect(inputErrorOf(() => parse(body)).message).toMatch(/Invalid character in the value/);
  });

  it('folded and bare-LF part header lines are errors (tornado 6.5 still accepts them, deprecated)', () => {
    for (const headers of [
      'Content-Disposition: form-data;\r\n name="v"',
      'Content-Type: text/plain\nContent-Disposition: form-data; name="v"',
    ]) {
      const body = Buffer.from(`--1234\r\n${headers}\r\n\r\nFoo\r\n--1234--`);
      expect(() => parse(body)).toThrow(HTTPInputError);
    }
  });

  it('a tab is allowed', () => {
    expect(onlyFile(onePart('form-data; name="files"; filename="a\tb.txt"')).filename).toBe(
      'a\tb.txt',
    );
  });
});

describe('ParseMultipartConfig: limits on parts (tornado 6.5.5, GHSA-qjxf-f2mg-c6mc)', () => {
  const body = crlf(
    '--1234\nContent-Disposition: form-data; name="files"; filename="ab.txt"\n\n--1234--',
  );

  it('the defaults: enabled, 100 pieces, 10 KiB of headers per part', () => {
    const config = new ParseMultipartConfig();
    expect([config.enabled, config.maxParts, config.maxPartHeaderSize]).toEqual([true, 100, 10240]);
    expect(new ParseBodyConfig().multipart).toEqual(config);
    expect(String(new ParseBodyConfig())).toBe(
      '<ParseBodyConfig multipart=<ParseMultipartConfig enabled=true maxParts=100 maxPartHeaderSize=10240>>',
    );
    expect(parse(body, config).files['files']![0]!.filename).toBe('ab.txt');
  });

  it('maxParts counts the pieces between boundaries, the (empty) preamble included', () => {
    const parts = (n: number): Buffer =>
      crlf(
        Array.from(
          { length: n },
          (_, i) => `--1234\nContent-Disposition: form-data; name="f${i}"\n\nv\n`,
        ).join('') + '--1234--',
      );
    expect(Object.keys(parse(parts(99)).args)).toHaveLength(99);
    expect(inputErrorOf(() => parse(parts(100))).message).toBe(
      'multipart/form-data has too many parts',
    );
    expect(Object.keys(parse(parts(2), { maxParts: 3 }).args)).toHaveLength(2);
    expect(() => parse(parts(3), { maxParts: 3 })).toThrow('too many parts');
    expect(() => parse(body, { maxParts: 0 })).toThrow('too many parts');
  });

  it('a part flood is refused before any part is read', () => {
    const flood = Buffer.from(
      '--1234\r\nContent-Disposition: form-data; name="x"\r\n\r\nv\r\n'.repeat(100_000) +
        '--1234--',
    );
    const args: BodyArguments = {};
    const started = performance.now();
    expect(() => parseMultipartFormData('1234', flood, args, {})).toThrow('too many parts');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(args).toEqual({});
  });

  it('maxPartHeaderSize bounds the bytes before the empty line of each part', () => {
    expect(inputErrorOf(() => parse(body, { maxPartHeaderSize: 10 })).message).toBe(
      'multipart/form-data part header too large',
    );
    const size = body.indexOf('\r\n\r\n') - '--1234\r\n'.length;
    expect(parse(body, { maxPartHeaderSize: size }).files['files']).toHaveLength(1);
    expect(() => parse(body, { maxPartHeaderSize: size - 1 })).toThrow('header too large');
  });

  it('enabled: false refuses every multipart body', () => {
    expect(
      inputErrorOf(() => parse(body, new ParseMultipartConfig({ enabled: false }))).message,
    ).toBe('multipart/form-data parsing is disabled');
  });

  it('setParseBodyConfig changes the default of calls given no config', () => {
    setParseBodyConfig(new ParseBodyConfig({ multipart: { enabled: false } }));
    expect(() => parse(body)).toThrow('parsing is disabled');
    expect(() => parseBodyArguments('multipart/form-data; boundary=1234', body, {}, {})).toThrow(
      'Invalid multipart/form-data: multipart/form-data parsing is disabled',
    );
    // A config given to the call still wins.
    expect(parse(body, { enabled: true }).files['files']).toHaveLength(1);
    setParseBodyConfig({ multipart: { maxParts: 1 } });
    expect(() => parse(body)).toThrow('too many parts');
    setParseBodyConfig(new ParseBodyConfig());
    expect(parse(body).files['files']).toHaveLength(1);
  });

  it('bad options are TypeErrors and RangeErrors naming the option', () => {
    expect(() => new ParseMultipartConfig({ maxParts: -1 })).toThrow(RangeError);
    expect(() => new ParseMultipartConfig({ maxParts: 1.5 })).toThrow(
      /maxParts must be an integer >= 0/,
    );
    expect(() => new ParseMultipartConfig({ enabled: 'yes' as unknown as boolean })).toThrow(
      /enabled must be a boolean/,
    );
    expect(
      () => new ParseMultipartConfig({ maxPartHeaderSize: '10' as unknown as number }),
    ).toThrow(TypeError);
    expect(() => setParseBodyConfig(null as unknown as ParseBodyConfig)).toThrow(TypeError);
  });
});

describe('advisory: multipart errors raise once per request, and nothing is logged', () => {
  // Before tornado 6.5 each malformed part logged a warning and parsing went on, so one request
  // of many bad parts wrote as many log lines on the event loop (GHSA-7cx3-6m66-7c5m).
  it('a body of many malformed parts is one HTTPInputError and no log record', () => {
    const records: LogRecord[] = [];
    const handler: Handler = {
      level: 0,
      handle: (record) => void records.push(record),
      close() {},
    };
    const tornadoLog = getLogger('tornado');
    addHandler(tornadoLog, handler);
    try {
      const body = Buffer.from('--1234\r\nno headers here\r\n'.repeat(50) + '--1234--');
      let thrown = 0;
      try {
        parseBodyArguments('multipart/form-data; boundary=1234', body, {}, {});
      } catch (error) {
        thrown++;
        expect(error).toBeInstanceOf(HTTPInputError);
        expect((error as Error).message).toBe(
          'Invalid multipart/form-data: multipart/form-data missing headers',
        );
      }
      expect(thrown).toBe(1);
      expect(records).toEqual([]);
    } finally {
      removeHandler(tornadoLog, handler);
    }
  });
});

describe('advisory: parameters with many quoted semicolons parse in linear time', () => {
  // tornado's _parseparam rescanned the header for each `;` inside quotes (CVE-2025-67726).
  function dispositionWith(n: number): Buffer {
    return Buffer.from(
      `--1234\r\nContent-Disposition: form-data; x="${';'.repeat(n)}"; name="files"; filename="a.txt"` +
        '\r\n\r\nFoo\r\n--1234--\r\n',
    );
  }

  it('10k semicolons in a quoted parameter (the largest header the default allows)', () => {
    const started = performance.now();
    const file = onlyFile(dispositionWith(10_000));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(file.filename).toBe('a.txt');
  });

  it('and 200k with a larger header limit', () => {
    const started = performance.now();
    const { files } = parse(dispositionWith(200_000), { maxPartHeaderSize: 1 << 20 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(files['files']![0]!.filename).toBe('a.txt');
  });
});

describe('parseBodyArguments', () => {
  it('application/x-www-form-urlencoded: values are octets, blank values kept, lists extended', () => {
    const args: BodyArguments = { a: [Buffer.from('0')] };
    const files: BodyFiles = {};
    parseBodyArguments(
      'application/x-www-form-urlencoded; charset=UTF-8',
      Buffer.from('a=1&b=%C3%A9+x&a=&c&&__proto__=p'),
      args,
      files,
    );
    expect(args['a']).toEqual([Buffer.from('0'), Buffer.from('1'), Buffer.alloc(0)]);
    expect(args['b']).toEqual([Buffer.from('é x')]);
    expect(args['c']).toEqual([Buffer.alloc(0)]);
    expect(Object.getOwnPropertyDescriptor(args, '__proto__')?.value).toEqual([Buffer.from('p')]);
    expect(files).toEqual({});
  });

  it('multipart/form-data: the boundary is found among the parameters, quoted or not', () => {
    for (const type of [
      'multipart/form-data; boundary=1234',
      'multipart/form-data; charset=utf-8; boundary="1234"',
      ' multipart/form-data ;boundary=1234 ',
    ]) {
      const args: BodyArguments = {};
      const files: BodyFiles = {};
      parseBodyArguments(
        type.trimStart(),
        onePart('form-data; name="files"; filename="ab.txt"'),
        args,
        files,
        new HTTPHeaders({ 'Content-Type': type.trim() }),
      );
      expect(files['files']![0]!.filename, type).toBe('ab.txt');
    }
  });

  it('multipart errors are wrapped, keeping the first as the cause', () => {
    const cases: [string, string][] = [
      ['multipart/form-data', 'Invalid multipart/form-data: multipart boundary not found'],
      [
        'multipart/form-data; boundary=',
        'Invalid multipart/form-data: multipart boundary not found',
      ],
      [
        'multipart/form-dataxyz; boundary=1234',
        'Invalid multipart/form-data: Invalid content type',
      ],
      [
        'multipart/form-data; boundary=abcd',
        'Invalid multipart/form-data: Invalid multipart/form-data: no final boundary found',
      ],
    ];
    for (const [type, message] of cases) {
      const error = inputErrorOf(() =>
        parseBodyArguments(type, onePart('form-data; name="v"'), {}, {}),
      );
      expect(error.message).toBe(message);
      expect(error.cause).toBeInstanceOf(HTTPInputError);
      expect(error.status).toBe(400);
    }
  });

  it('a form body with a Content-Encoding is refused (nothing decompressed it)', () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=1234',
    ]) {
      const headers = new HTTPHeaders({ 'Content-Encoding': 'gzip' });
      expect(
        inputErrorOf(() => parseBodyArguments(type, Buffer.from('a=1'), {}, {}, headers)).message,
      ).toBe('Unsupported Content-Encoding: gzip');
    }
  });

  it('other types, and no type, are left alone', () => {
    for (const type of [
      '',
      'text/plain',
      'application/json',
      'Multipart/Form-Data; boundary=1234',
    ]) {
      const args: BodyArguments = {};
      const files: BodyFiles = {};
      parseBodyArguments(
        type,
        Buffer.from('a=1'),
        args,
        files,
        new HTTPHeaders({ 'Content-Encoding': 'gzip' }),
      );
      expect(args).toEqual({});
      expect(files).toEqual({});
    }
  });

  it('a config given to the call applies to its multipart body', () => {
    const body = onePart('form-data; name="v"');
    expect(() =>
      parseBodyArguments('multipart/form-data; boundary=1234', body, {}, {}, null, {
        multipart: { maxParts: 1 },
      }),
    ).toThrow('Invalid multipart/form-data: multipart/form-data has too many parts');
  });

  it('arguments of the wrong type are TypeErrors naming them', () => {
    const body = Buffer.alloc(0);
    expect(() => parseBodyArguments(1 as unknown as string, body, {}, {})).toThrow(
      /parseBodyArguments\(\): contentType must be a string/,
    );
    expect(() => parseBodyArguments('', 'a=1' as unknown as Buffer, {}, {})).toThrow(
      /body must be a Buffer/,
    );
    expect(() => parseBodyArguments('', body, null as unknown as BodyArguments, {})).toThrow(
      /args must be an object/,
    );
    expect(() => parseBodyArguments('', body, {}, {}, {} as unknown as HTTPHeaders)).toThrow(
      /headers must be HTTPHeaders/,
    );
    expect(() => parseMultipartFormData(1234 as unknown as string, body, {}, {})).toThrow(
      TypeError,
    );
  });
});

describe('HTTPFile', () => {
  it('prints its name, type and size, never its content', () => {
    const file = new HTTPFile({
      filename: 'a.txt',
      body: Buffer.from('secret'),
      contentType: 'text/plain',
    });
    expect(String(file)).toBe('<HTTPFile filename="a.txt" contentType="text/plain" body=6 bytes>');
    expect(Object.prototype.toString.call(file)).toBe('[object HTTPFile]');
  });
});
