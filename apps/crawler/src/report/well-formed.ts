/**
 * A small XML parser for the tests: enough of XML 1.0 to say whether an SVG is well-formed (one
 * root, tags balanced, attributes quoted and unique, `<` and `&` only where they are allowed,
 * no forbidden characters) and to hand back the tree with entities decoded, so a test can ask
 * what a tooltip says. Not a validating parser, and no DTDs.
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly (XmlElement | string)[];
}

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
  constructor(message: string, at: number, source: string) {
    super(`${message} at offset ${at}: ${JSON.stringify(source.slice(at, at + 40))}`);
  }
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/y;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// eslint-disable-next-line no-control-regex -- the characters XML forbids are what it looks for
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** Parses `source` as an XML document and returns its root element, or throws XmlSyntaxError. */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (message: string): never => {
    throw new XmlSyntaxError(message, at, source);
  };
  const forbidden = FORBIDDEN.exec(source);
  if (forbidden) {
    at = forbidden.index;
    fail('forbidden character');
  }

  const decode = (raw: string, where: number): string => {
    let out = '';
    let i = 0;
    while (i < raw.length) {
      const amp = raw.indexOf('&', i);
      if (amp < 0) return out + raw.slice(i);
      out += raw.slice(i, amp);
      ENTITY.lastIndex = amp;
      const m = ENTITY.exec(raw);
      if (!m) {
        at = where + amp;
        fail('bare & (not an entity)');
      }
      out += m![1]
        ? NAMED[m![1]]!
        : String.fromCodePoint(Number.parseInt(m![2] ?? m![3]!, m![2] ? 10 : 16));
      i = amp + m![0].length;
    }
    return out;
  };
  const name = (): string => {
    NAME.lastIndex = at;
    const m = NAME.exec(source);
    if (!m) fail('expected a name');
    at += m![0].length;
    return m![0];
  };
  const space = (): void => {
    while (at < source.length && /\s/.test(source[at]!)) at++;
  };
  /** Skips a comment or processing instruction at `at`, if there is one. */
  const misc = (): boolean => {
    for (const [open, close] of [
      ['<!--', '-->'],
      ['<?', '?>'],
    ] as const) {
      if (!source.startsWith(open, at)) continue;
      const end = source.indexOf(close, at + open.length);
      if (end < 0) fail(`unclosed ${open}`);
      at = end + close.length;
      return true;
    }
    return false;
  };

  const element = (): XmlElement => {
    if (source[at] !== '<') fail('expected <');
    at++;
    const tag = name();
    const attributes = new Map<string, string>();
    for (;;) {
      const before = at;
      space();
      if (source.startsWith('/>', at)) {
        at += 2;
        return { name: tag, attributes, children: [] };
      }
      if (source[at] === '>') {
        at++;
        break;
      }
      if (at === before) fail('expected space before an attribute');
      const attr = name();
      space();
      if (source[at] !== '=') fail(`expected = after ${attr}`);
      at++;
      space();
      const quote = source[at];
      if (quote !== '"' && quote !== "'") fail(`expected a quoted value for ${attr}`);
      const end = source.indexOf(quote!, at + 1);
      if (end < 0) fail('unclosed attribute value');
      const raw = source.slice(at + 1, end);
      if (raw.includes('<')) fail(`< in the value of ${attr}`);
      if (attributes.has(attr)) fail(`duplicate attribute ${attr}`);
      attributes.set(attr, decode(raw, at + 1));
      at = end + 1;
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      if (at >= source.length) fail(`unclosed <${tag}>`);
      if (source.startsWith('</', at)) {
        at += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        space();
        if (source[at] !== '>') fail('expected >');
        at++;
        return { name: tag, attributes, children };
      }
      if (source.startsWith('<![CDATA[', at)) {
        const end = source.indexOf(']]>', at);
        if (end < 0) fail('unclosed CDATA');
        children.push(source.slice(at + 9, end));
        at = end + 3;
      } else if (misc()) {
        continue;
      } else if (source[at] === '<') {
        children.push(element());
      } else {
        const next = source.indexOf('<', at);
        const end = next < 0 ? source.length : next;
        const raw = source.slice(at, end);
        if (raw.includes(']]>')) fail(']]> in text');
        children.push(decode(raw, at));
        at = end;
      }
    }
  };

  space();
  while (misc()) space();
  const root = element();
  space();
  while (misc()) space();
  if (at < source.length) fail('content after the root element');
  return root;
}

/** Every element under `root` (itself included) named `name`, in document order. */
export function elements(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) found.push(e);
    for (const child of e.children) if (typeof child !== 'string') walk(child);
  };
  walk(root);
  return found;
}

/** The text inside an element, entities decoded. */
export function textOf(element: XmlElement): string {
  return element.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
