/**
 * Terminal columns of a string. `String.length` counts UTF-16 units, which is right for `×`, `—`
 * and `─` (one unit, one column) but not for an emoji (two units or more, two columns), an accent
 * written as a combining mark (two units, one column) or a CJK character in a path a real server
 * sent (one unit, two columns). So text is measured and cut by grapheme, what a reader sees as one
 * character.
 */

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

// East Asian Wide and Fullwidth blocks, regional-indicator flags and the emoji planes.
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f1e6, 0x1f1ff],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

function codePointWidth(char: string): number {
  if (ZERO_WIDTH.test(char)) return 0;
  const cp = char.codePointAt(0)!;
  return WIDE.some(([from, to]) => cp >= from && cp <= to) ? 2 : 1;
}

/** The graphemes of `text`: `'e\u0301'` and `'👩‍💻'` are one each. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** A grapheme is as wide as its widest code point: a base letter and its accents take one column. */
function graphemeWidth(grapheme: string): number {
  let width = 0;
  for (const char of grapheme) width = Math.max(width, codePointWidth(char));
  return width;
}

export function displayWidth(text: string): number {
  // Plain ASCII is the common case (paths, numbers) and one column a character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  return graphemes(text).reduce((sum, g) => sum + graphemeWidth(g), 0);
}

/** `text` cut to at most `width` columns, with `…` where it was cut: at the end, or the start. */
export function truncate(text: string, width: number, cut: 'end' | 'start' = 'end'): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  const parts = graphemes(text);
  if (cut === 'start') parts.reverse();
  const kept: string[] = [];
  let used = 1; // the ellipsis
  for (const g of parts) {
    const w = graphemeWidth(g);
    if (used + w > width) break;
    kept.push(g);
    used += w;
  }
  return cut === 'start' ? `…${kept.reverse().join('')}` : `${kept.join('')}…`;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/** Control characters (an escape sequence in a path a server sent) shown as `�`, not obeyed. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}
