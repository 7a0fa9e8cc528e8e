/**
 * Test support (never imported by the library): the differential suite's generated inputs —
 * every byte 0x00–0xFF at a few places in a header name, a header value and the request target;
 * Content-Length and Transfer-Encoding spellings and combinations; chunk-size, chunk-extension,
 * last-chunk and trailer spellings; Host fields, a header section over the size limit, empty
 * lines before the request line. Each framing case is followed by a pipelined
 * `GET /second`, so a server that frames the body differently from llhttp reads a different
 * second request (or none) and shows it.
 *
 * Ids are `mutation:<family>:<label>`; labels write bytes outside 0x21–0x7E as `\xNN`.
 */
import { SECOND_REQUEST } from './harness';

export interface Mutation {
  /** `mutation:<family>:<label>` */
  id: string;
  family: string;
  input: Buffer;
}

/** A label for bytes: printable ASCII as is, anything else `\xNN` (SP too). */
export function label(bytes: Buffer | string): string {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let out = '';
  for (const byte of buffer) {
    out +=
      byte > 0x20 && byte < 0x7f && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, '0')}`;

/** The byte families: `{b}` is each byte 0x00–0xFF in turn. */
const BYTE_FAMILIES: readonly (readonly [family: string, template: string])[] = [
  ['name-inner', 'GET /m HTTP/1.1\r\nHost: x\r\nA{b}B: v\r\n\r\n'],
  ['name-end', 'GET /m HTTP/1.1\r\nHost: x\r\nAB{b}: v\r\n\r\n'],
  ['value-start', 'GET /m HTTP/1.1\r\nHost: x\r\nX:{b}ab\r\n\r\n'],
  ['value-inner', 'GET /m HTTP/1.1\r\nHost: x\r\nX: a{b}b\r\n\r\n'],
  ['value-end', 'GET /m HTTP/1.1\r\nHost: x\r\nX: ab{b}\r\n\r\n'],
  ['target-inner', 'GET /a{b}b HTTP/1.1\r\nHost: x\r\n\r\n'],
];

function byteMutations(): Mutation[] {
  const out: Mutation[] = [];
  for (const [family, template] of BYTE_FAMILIES) {
    const [before, after] = template.split('{b}') as [string, string];
    for (let byte = 0; byte < 256; byte++) {
      out.push({
        id: `mutation:${family}:${hex(byte)}`,
        family,
        input: Buffer.concat([latin1(before), Buffer.from([byte]), latin1(after)]),
      });
    }
  }
  return out;
}

const CHUNKED_BODY = '5\r\nhello\r\n0\r\n\r\n';

/** Header lines (each without CRLF) → a POST with them, a body, and `GET /second` after. */
function framed(lines: readonly string[], body: string, version = '1.1'): Buffer {
  const head = `POST /f HTTP/${version}\r\nHost: x\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
  return Buffer.concat([latin1(head + body), SECOND_REQUEST]);
}

const CL_VALUES = [
  '5',
  '05',
  '00000000000000000005',
  '+5',
  '-5',
  ' 5',
  '5 ',
  '\t5',
  '5\t',
  '5,5',
  '5, 5',
  '5,6',
  '5,',
  ',5',
  '5 5',
  '0x5',
  '5.0',
  '5e0',
  '',
  ' ',
  '\xd9\xa5',
  '4294967301',
  '18446744073709551621',
  '99999999999999999999999',
  '5\x0b',
  '5\x00',
];
const TE_VALUES = [
  'chunked',
  'Chunked',
  'CHUNKED',
  ' chunked',
  'chunked ',
  '\tchunked',
  'chunked\t',
  'chunked,',
  ',chunked',
  'chunked, chunked',
  'gzip, chunked',
  'deflate,chunked',
  'chunked, gzip',
  'identity',
  'identity, chunked',
  'gzip',
  'chunked;q=1',
  'x-chunked',
  'chunkedx',
  'chunk',
  '"chunked"',
  'chunked\x0b',
  'chunked\x00',
  '',
  ' ',
];

function framingMutations(): Mutation[] {
  const cases: [string, Buffer][] = [];
  for (const value of CL_VALUES) {
    cases.push([`cl:${label(value)}`, framed([`Content-Length: ${value}`], 'hello')]);
  }
  for (const value of TE_VALUES) {
    cases.push([`te:${label(value)}`, framed([`Transfer-Encoding: ${value}`], CHUNKED_BODY)]);
  }
  const combos: [string, string[], string, string?][] = [
    ['cl-cl:5,5', ['Content-Length: 5', 'Content-Length: 5'], 'hello'],
    ['cl-cl:5,6', ['Content-Length: 5', 'Content-Length: 6'], 'hello'],
    ['cl-cl:5,empty', ['Content-Length: 5', 'Content-Length:'], 'hello'],
    [
      'te-te:chunked,chunked',
      ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
      CHUNKED_BODY,
    ],
    ['te-te:gzip,chunked', ['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], CHUNKED_BODY],
    ['te-te:chunked,gzip', ['Transfer-Encoding: chunked', 'Transfer-Encoding: gzip'], CHUNKED_BODY],
    ['te-te:chunked,empty', ['Transfer-Encoding: chunked', 'Transfer-Encoding:'], CHUNKED_BODY],
    ['te-cl:chunked,5', ['Transfer-Encoding: chunked', 'Content-Length: 5'], CHUNKED_BODY],
    ['cl-te:5,chunked', ['Content-Length: 5', 'Transfer-Encoding: chunked'], CHUNKED_BODY],
    ['te-cl:chunked,0', ['Transfer-Encoding: chunked', 'Content-Length: 0'], CHUNKED_BODY],
    [
      'te-cl:gzip-chunked,5',
      ['Transfer-Encoding: gzip, chunked', 'Content-Length: 5'],
      CHUNKED_BODY,
    ],
    ['te-cl:identity,5', ['Transfer-Encoding: identity', 'Content-Length: 5'], 'hello'],
    ['te-cl:gzip,5', ['Transfer-Encoding: gzip', 'Content-Length: 5'], 'hello'],
    ['http10-te:chunked', ['Transfer-Encoding: chunked'], CHUNKED_BODY, '1.0'],
    [
      'http10-te-cl:chunked,5',
      ['Transfer-Encoding: chunked', 'Content-Length: 5'],
      CHUNKED_BODY,
      '1.0',
    ],
    ['http10-cl:5', ['Content-Length: 5'], 'hello', '1.0'],
    ['name:content-length', ['content-length: 5'], 'hello'],
    ['name:CONTENT-LENGTH', ['CONTENT-LENGTH: 5'], 'hello'],
    ['name:Content-Length\\x20', ['Content-Length : 5'], 'hello'],
    ['name:Content-Length\\x09', ['Content-Length\t: 5'], 'hello'],
    ['name:Content_Length', ['Content_Length: 5'], 'hello'],
    ['name:\\x20Content-Length', [' Content-Length: 5'], 'hello'],
    ['name:transfer-encoding', ['transfer-encoding: chunked'], CHUNKED_BODY],
    ['name:Transfer-Encoding\\x20', ['Transfer-Encoding : chunked'], CHUNKED_BODY],
    ['name:Transfer_Encoding', ['Transfer_Encoding: chunked'], CHUNKED_BODY],
    ['name:\\x20Transfer-Encoding', [' Transfer-Encoding: chunked'], CHUNKED_BODY],
    ['fold:te', ['Transfer-Encoding:', ' chunked'], CHUNKED_BODY],
    ['fold:cl', ['Content-Length:', ' 5'], 'hello'],
  ];
  for (const [name, lines, body, version] of combos)
    cases.push([name, framed(lines, body, version)]);
  return cases.map(([name, input]) => ({
    id: `mutation:${name}`,
    family: name.slice(0, name.indexOf(':')),
    input,
  }));
}

const CHUNK_SIZES = [
  '5',
  '05',
  '0000000000000005',
  '00000000000000000005',
  '5 ',
  ' 5',
  '5\t',
  '+5',
  '-5',
  '0x5',
  '5;',
  '5;a',
  '5;a=b',
  '5;a="b"',
  '5 ;a',
  '5; a',
  '5;a =b',
  '5;a= b',
  '5;a="b',
  '5;a="b\\"c"',
  '5;a=b c',
  '5;=b',
  '5;a;b;c',
  '5;a\x00',
  '5;a=\x7f',
  '5;a="\x80"',
  '5\r',
  '',
  'g',
  '5_',
  '5.0',
  '5x',
];
const LAST_CHUNKS = ['0', '00', '000', '0;e', '0;e=v', '0 ', '0\t', '+0', '0x0'];
const TRAILERS = [
  'X: y\r\n',
  'X y\r\n',
  'X: y\nZ: w\r\n',
  ' X: y\r\n',
  'X: y\r\n z\r\n',
  'Content-Length: 5\r\n',
  'Transfer-Encoding: chunked\r\n',
  'X: \x00\r\n',
  'X : y\r\n',
];

function chunkMutations(): Mutation[] {
  const cases: [string, string][] = [];
  for (const size of CHUNK_SIZES)
    cases.push([`chunk-size:${label(size)}`, `${size}\r\nhello\r\n0\r\n\r\n`]);
  cases.push(['chunk-size:a', 'a\r\nhelloworld\r\n0\r\n\r\n']);
  cases.push(['chunk-size:A', 'A\r\nhelloworld\r\n0\r\n\r\n']);
  cases.push(['chunk-size:bare-lf', '5\nhello\r\n0\r\n\r\n']);
  cases.push(['chunk-size:ffffffffffffffffff', 'ffffffffffffffffff\r\nhello\r\n0\r\n\r\n']);
  for (const last of LAST_CHUNKS)
    cases.push([`last-chunk:${label(last)}`, `5\r\nhello\r\n${last}\r\n\r\n`]);
  for (const trailer of TRAILERS)
    cases.push([`trailer:${label(trailer)}`, `5\r\nhello\r\n0\r\n${trailer}\r\n`]);
  cases.push(['chunk-data:bare-lf', '5\r\nhello\n0\r\n\r\n']);
  cases.push(['chunk-data:bare-cr', '5\r\nhello\r0\r\n\r\n']);
  cases.push(['chunk-data:long', '5\r\nhelloXX\r\n0\r\n\r\n']);
  cases.push(['chunk-data:short', '5\r\nhell\r\n0\r\n\r\n']);
  cases.push(['last-chunk:no-final-crlf', '5\r\nhello\r\n0\r\n']);
  cases.push(['last-chunk:bare-lf', '5\r\nhello\r\n0\n\r\n']);
  cases.push(['last-chunk:final-bare-lf', '5\r\nhello\r\n0\r\n\n']);
  return cases.map(([name, body]) => ({
    id: `mutation:${name}`,
    family: name.slice(0, name.indexOf(':')),
    input: framed(['Transfer-Encoding: chunked'], body),
  }));
}

/** The largest header section our server reads by default (`maxHeaderSize`: 64 KiB). */
export const SERVER_MAX_HEADER_SIZE = 64 * 1024;

function otherMutations(): Mutation[] {
  const get = (head: string): Buffer => latin1(`GET /h HTTP/1.1\r\n${head}\r\n`);
  const pad = (size: number): string => `X-Pad: ${'p'.repeat(size)}\r\n`;
  const cases: [string, Buffer][] = [
    ['host:two-fields', get('Host: a\r\nHost: a\r\n')],
    ['host:comma-list', get('Host: a, b\r\n')],
    ['host:comma-no-space', get('Host: a,b\r\n')],
    ['host:space-inside', get('Host: a b\r\n')],
    ['host:userinfo', get('Host: u@a\r\n')],
    ['host:empty', get('Host:\r\n')],
    ['host:absolute-form-other-host', latin1('GET http://a/h HTTP/1.1\r\nHost: b\r\n\r\n')],
    ['host:http10-none', latin1('GET /h HTTP/1.0\r\n\r\n')],
    ['size:head-20k', get(`Host: x\r\n${pad(20 * 1024)}`)],
    ['size:head-over-max', get(`Host: x\r\n${pad(SERVER_MAX_HEADER_SIZE + 1024)}`)],
    ['expect:100-continue', framed(['Expect: 100-continue', 'Content-Length: 5'], 'hello')],
    ['crlf:before-request-line', latin1('\r\n\r\nGET /h HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['crlf:bare-lf-before-request-line', latin1('\nGET /h HTTP/1.1\r\nHost: x\r\n\r\n')],
  ];
  return cases.map(([name, input]) => ({
    id: `mutation:${name}`,
    family: name.slice(0, name.indexOf(':')),
    input,
  }));
}

/** Every generated input, ids unique. */
export function mutations(): Mutation[] {
  const all = [...byteMutations(), ...framingMutations(), ...chunkMutations(), ...otherMutations()];
  const seen = new Set<string>();
  for (const m of all) {
    if (seen.has(m.id)) throw new Error(`duplicate mutation id ${m.id}`);
    seen.add(m.id);
  }
  return all;
}
