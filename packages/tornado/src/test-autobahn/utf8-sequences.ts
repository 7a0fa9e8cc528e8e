/**
 * The UTF-8 decoder tests of Autobahn's section 6.5 onwards: Markus Kuhn's UTF-8-test.txt
 * (valid text and every prefix of it, the first and last sequence of each length, boundary
 * code points, stray continuation bytes, lonely start bytes, truncated and concatenated
 * sequences, impossible bytes, overlong forms, UTF-16 surrogates) plus the non-characters and
 * specials that are valid UTF-8 and must be accepted. Grouped as Autobahn numbers them
 * (6.5, 6.6, …), each sequence with whether it is valid.
 */
import { isUtf8 } from 'node:buffer';

export interface Utf8Group {
  title: string;
  sequences: { valid: boolean; bytes: Buffer }[];
}

const b = (latin1: string): Buffer => Buffer.from(latin1, 'latin1');
const valid = (latin1: string) => ({ valid: true, bytes: b(latin1) });
const invalid = (latin1: string) => ({ valid: false, bytes: b(latin1) });

/** κόσμε, Greek "cosmos", the test file's first example. */
export const KOSME = '\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5';

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

export function utf8Groups(): Utf8Group[] {
  const missingLast = [
    '\xc0',
    '\xe0\x80',
    '\xf0\x80\x80',
    '\xf8\x80\x80\x80',
    '\xfc\x80\x80\x80\x80',
    '\xdf',
    '\xef\xbf',
    '\xf7\xbf\xbf',
    '\xfb\xbf\xbf\xbf',
    '\xfd\xbf\xbf\xbf\xbf',
  ];
  const nonCharacters = [valid('\xef\xbf\xbe'), valid('\xef\xbf\xbf')];
  for (const z1 of ['\xf0', '\xf1', '\xf2', '\xf3', '\xf4']) {
    for (const z2 of ['\x8f', '\x9f', '\xaf', '\xbf']) {
      if (z1 === '\xf4' && z2 !== '\x8f') continue; // beyond U+10FFFF
      for (const z3 of ['\xbe', '\xbf']) {
        const seq = `${z1}${z2}\xbf${z3}`;
        if (seq !== '\xf0\x8f\xbf\xbe' && seq !== '\xf0\x8f\xbf\xbf')
          nonCharacters.push(valid(seq)); // overlong
      }
    }
  }
  return [
    {
      title: 'Some valid UTF-8 sequences',
      sequences: [
        valid('hello\x24world'),
        valid('hello\xc2\xa2world'),
        valid('hello\xe2\x82\xacworld'),
        valid('hello\xf0\xa4\xad\xa2world'),
        valid(KOSME),
      ],
    },
    {
      title: 'All prefixes of a valid UTF-8 string that contains multi-byte code points',
      sequences: range(1, KOSME.length + 1).map((n) => {
        const bytes = b(KOSME.slice(0, n));
        return { valid: isUtf8(bytes), bytes };
      }),
    },
    {
      title: 'First possible sequence of a certain length',
      sequences: [
        valid('\x00'),
        valid('\xc2\x80'),
        valid('\xe0\xa0\x80'),
        valid('\xf0\x90\x80\x80'),
      ],
    },
    {
      title: 'First possible sequence length 5/6 (invalid codepoints)',
      sequences: [invalid('\xf8\x88\x80\x80\x80'), invalid('\xfc\x84\x80\x80\x80\x80')],
    },
    {
      title: 'Last possible sequence of a certain length',
      sequences: [
        valid('\x7f'),
        valid('\xdf\xbf'),
        valid('\xef\xbf\xbf'),
        valid('\xf4\x8f\xbf\xbf'),
      ],
    },
    {
      title: 'Last possible sequence length 4/5/6 (invalid codepoints)',
      sequences: [
        invalid('\xf7\xbf\xbf\xbf'),
        invalid('\xfb\xbf\xbf\xbf\xbf'),
        invalid('\xfd\xbf\xbf\xbf\xbf\xbf'),
      ],
    },
    {
      title: 'Other boundary conditions',
      sequences: [
        valid('\xed\x9f\xbf'),
        valid('\xee\x80\x80'),
        valid('\xef\xbf\xbd'),
        valid('\xf4\x8f\xbf\xbf'),
        invalid('\xf4\x90\x80\x80'),
      ],
    },
    {
      title: 'Unexpected continuation bytes',
      sequences: [
        invalid('\x80'),
        invalid('\xbf'),
        invalid('\x80\xbf'),
        invalid('\x80\xbf\x80'),
        invalid('\x80\xbf\x80\xbf'),
        invalid('\x80\xbf\x80\xbf\x80'),
        invalid('\x80\xbf\x80\xbf\x80\xbf'),
        invalid(String.fromCharCode(...range(0x80, 0xbf))),
      ],
    },
    {
      title: 'Lonely start characters',
      sequences: [
        [0xc0, 0xdf],
        [0xe0, 0xef],
        [0xf0, 0xf7],
        [0xf8, 0xfb],
        [0xfc, 0xfd],
      ].map(([from, to]) =>
        invalid(
          range(from!, to!)
            .map((c) => `${String.fromCharCode(c)} `)
            .join(''),
        ),
      ),
    },
    { title: 'Sequences with last continuation byte missing', sequences: missingLast.map(invalid) },
    { title: 'Concatenation of incomplete sequences', sequences: [invalid(missingLast.join(''))] },
    {
      title: 'Impossible bytes',
      sequences: [invalid('\xfe'), invalid('\xff'), invalid('\xfe\xfe\xff\xff')],
    },
    {
      title: 'Examples of an overlong ASCII character',
      sequences: [
        invalid('\xc0\xaf'),
        invalid('\xe0\x80\xaf'),
        invalid('\xf0\x80\x80\xaf'),
        invalid('\xf8\x80\x80\x80\xaf'),
        invalid('\xfc\x80\x80\x80\x80\xaf'),
      ],
    },
    {
      title: 'Maximum overlong sequences',
      sequences: [
        invalid('\xc1\xbf'),
        invalid('\xe0\x9f\xbf'),
        invalid('\xf0\x8f\xbf\xbf'),
        invalid('\xf8\x87\xbf\xbf\xbf'),
        invalid('\xfc\x83\xbf\xbf\xbf\xbf'),
      ],
    },
    {
      title: 'Overlong representation of the NUL character',
      sequences: [
        invalid('\xc0\x80'),
        invalid('\xe0\x80\x80'),
        invalid('\xf0\x80\x80\x80'),
        invalid('\xf8\x80\x80\x80\x80'),
        invalid('\xfc\x80\x80\x80\x80\x80'),
      ],
    },
    {
      title: 'Single UTF-16 surrogates',
      sequences: [
        '\xed\xa0\x80',
        '\xed\xad\xbf',
        '\xed\xae\x80',
        '\xed\xaf\xbf',
        '\xed\xb0\x80',
        '\xed\xbe\x80',
        '\xed\xbf\xbf',
      ].map(invalid),
    },
    {
      title: 'Paired UTF-16 surrogates',
      sequences: [
        '\xed\xa0\x80\xed\xb0\x80',
        '\xed\xa0\x80\xed\xbf\xbf',
        '\xed\xad\xbf\xed\xb0\x80',
        '\xed\xad\xbf\xed\xbf\xbf',
        '\xed\xae\x80\xed\xb0\x80',
        '\xed\xae\x80\xed\xbf\xbf',
        '\xed\xaf\xbf\xed\xb0\x80',
        '\xed\xaf\xbf\xed\xbf\xbf',
      ].map(invalid),
    },
    { title: 'Non-character code points (valid UTF-8)', sequences: nonCharacters },
    {
      title: 'Unicode specials (i.e. replacement char)',
      sequences: [
        '\xef\xbf\xb9',
        '\xef\xbf\xba',
        '\xef\xbf\xbb',
        '\xef\xbf\xbc',
        '\xef\xbf\xbd',
        '\xef\xbf\xbe',
        '\xef\xbf\xbf',
      ].map(valid),
    },
  ];
}
