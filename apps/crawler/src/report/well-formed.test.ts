import { describe, expect, it } from 'vitest';
import { elements, parseXml, textOf, XmlSyntaxError } from './well-formed';

describe('parseXml (the tests’ well-formedness check)', () => {
  it('reads elements, attributes and text with entities decoded', () => {
    const root = parseXml(
      '<?xml version="1.0"?>\n<svg a="1 &amp; 2"><g><title>&lt;b&gt; &#39;&#x41;</title></g><rect/></svg>\n',
    );
    expect(root.name).toBe('svg');
    expect(root.attributes.get('a')).toBe('1 & 2');
    expect(textOf(elements(root, 'title')[0]!)).toBe("<b> 'A");
    expect(elements(root, 'rect')).toHaveLength(1);
  });

  it.each([
    ['<svg><g></svg>', 'unbalanced tags'],
    ['<svg><g></h></g></svg>', 'a wrong closing tag'],
    ['<svg>a & b</svg>', 'a bare & in text'],
    ['<svg a="x & y"/>', 'a bare & in an attribute'],
    ['<svg a="<"/>', 'a < in an attribute'],
    ['<svg a=1/>', 'an unquoted attribute'],
    ['<svg a="1" a="2"/>', 'a duplicate attribute'],
    ['<svg/><svg/>', 'two roots'],
    ['<svg>\u0001</svg>', 'a control character'],
    ['<svg>', 'an unclosed root'],
  ])('rejects %j (%s)', (source) => {
    expect(() => parseXml(source)).toThrow(XmlSyntaxError);
  });
});
