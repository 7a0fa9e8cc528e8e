import { describe, expect, it } from 'vitest';
import { escapeXml } from './xml';

describe('escapeXml', () => {
  it('escapes markup and both quotes', () => {
    expect(escapeXml('/a<b>&"c"\'d')).toBe('/a&lt;b&gt;&amp;&quot;c&quot;&#39;d');
  });

  it('replaces what XML forbids and keeps what it allows', () => {
    expect(escapeXml('a\u0000b\u0007c\ufffe')).toBe('a\ufffdb\ufffdc\ufffd');
    expect(escapeXml('tab\tnew\nline')).toBe('tab\tnew\nline');
    expect(escapeXml('lone \ud800 and 👩‍💻')).toBe('lone \ufffd and 👩‍💻');
  });
});
