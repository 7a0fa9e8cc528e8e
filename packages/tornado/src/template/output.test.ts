/**
 * `generate()` writing UTF-8 itself (`./output`): the bytes are those `Buffer.from` gives for
 * the text `generateString()` returns, whatever sits beside what, and renders inside renders or
 * that throw leave the others' bytes alone.
 */
import { describe, expect, it } from 'vitest';
import { DictLoader, Template } from '../template';

/** Renders `source` both ways, checks that the bytes are the text's UTF-8, returns them. */
function bytesOf(source: string, namespace: Record<string, unknown> = {}): Buffer {
  const template = new Template(source);
  const bytes = template.generate(namespace);
  expect(bytes.equals(Buffer.from(template.generateString(namespace), 'utf8'))).toBe(true);
  return bytes;
}

const REPLACEMENT = Buffer.from('\ufffd');

describe('generate() writes the bytes Buffer.from gives for the text', () => {
  it('joins a surrogate pair cut between two values into one character', () => {
    const emoji = '😀';
    const short = bytesOf('{{ a }}{{ b }}', { a: emoji[0], b: emoji[1] });
    expect(short.toString()).toBe(emoji);
    const long = bytesOf('{{ a }}{{ b }}', { a: `${'é'.repeat(100)}${emoji[0]}`, b: emoji[1] });
    expect(long.toString()).toBe(`${'é'.repeat(100)}${emoji}`);
    const halves = Array.from({ length: 1000 }, (_, i) => emoji[i % 2]);
    expect(bytesOf('{% for h in halves %}{{ h }}{% end %}', { halves }).toString()).toBe(
      emoji.repeat(500),
    );
  });

  it('joins a value to a surrogate in the text beside it', () => {
    const emoji = '😀';
    expect(bytesOf(`{{ a }}${emoji[1]}`, { a: emoji[0] }).toString()).toBe(emoji);
    expect(bytesOf(`${emoji[0]}{{ b }}`, { b: emoji[1] }).toString()).toBe(emoji);
    expect(bytesOf(`😀 ${emoji[0]}{{ b }} 😀`, { b: emoji[1] }).toString()).toBe('😀 😀 😀');
  });

  it('writes lone surrogates as U+FFFD, and pairs nothing across other text', () => {
    const bytes = bytesOf('{{ a }}-{{ b }}{{ c }}', { a: '\ud800', b: 'x\ud800', c: 'y\udc00' });
    expect(bytes).toEqual(
      Buffer.concat([REPLACEMENT, Buffer.from('-x'), REPLACEMENT, Buffer.from('y'), REPLACEMENT]),
    );
  });

  it('grows past its first size, with characters of every UTF-8 length', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `<${i}> ${'ü€😀'.repeat(i % 30)}`);
    const bytes = bytesOf('{% for r in rows %}<td>{{ r }} é € 😀</td>{% end %}', { rows });
    const last = `<td>&lt;19999&gt; ${'ü€😀'.repeat(19999 % 30)} é € 😀</td>`;
    expect(bytes.toString().endsWith(last)).toBe(true);
  });

  it('writes long text between tags, and text with every kind of character', () => {
    const text = `<p>${'lorem ipsum '.repeat(1000)}</p>\u2028\u2029\r\n"\\'`;
    bytesOf(`${text}{{ x }}${text}`, { x: 1 });
  });

  it('sends the body of an {% apply %} through its function as text', () => {
    const xs = Array.from({ length: 5000 }, (_, i) => i);
    const bytes = bytesOf('{% apply upper %}{% for x in xs %}a{{ x }}é{% end %}{% end %}b', {
      xs,
      upper: (s: string) => s.toUpperCase(),
    });
    expect(bytes.toString()).toBe(`${xs.map((x) => `A${x}É`).join('')}b`);
  });
});

describe('renders that meet', () => {
  it("keep the caller's bytes when a UI module renders another template", () => {
    const loader: DictLoader = new DictLoader(
      {
        'page.html': '{% for i in xs %}<p>{{ i }}é</p>{% module Row(i) %}{% end %}',
        'row.html': '{% for k in ks %}<i>{{ k }}/{{ i }}</i>{% end %}',
      },
      {
        namespace: {
          _tt_modules: {
            Row: (i: number) => {
              const ks = Array.from({ length: i % 40 }, (_, k) => k);
              return loader.load('row.html').generate({ i, ks });
            },
          },
        },
      },
    );
    const page = loader.load('page.html');
    const xs = Array.from({ length: 2000 }, (_, i) => i);
    expect(page.generate({ xs }).toString()).toBe(page.generateString({ xs }));
  });

  it('leave the next render whole when one throws halfway', () => {
    const xs = Array.from({ length: 50_000 }, (_, i) => i);
    const failing = new Template(
      '{% for x in xs %}{{ x }}{{ x === 40000 ? null.x : "" }}{% end %}',
    );
    expect(() => failing.generate({ xs })).toThrow(TypeError);
    bytesOf('{% for x in xs %}{{ x }},{% end %}', { xs: xs.slice(0, 100) });
  });

  it('render more than the scratch buffer keeps, and small pages after it', () => {
    bytesOf('{% for x in xs %}{{ s }}{% end %}', {
      xs: Array.from({ length: 3000 }),
      s: 'é'.repeat(1000),
    });
    expect(new Template('a {{ b }}').generate({ b: '<' }).toString()).toBe('a &lt;');
  });
});
