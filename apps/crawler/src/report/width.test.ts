import { describe, expect, it } from 'vitest';
import { displayWidth, printable, truncate } from './width';

describe('displayWidth', () => {
  it('counts what a terminal shows, not UTF-16 units', () => {
    expect(displayWidth('1.05×')).toBe(5);
    expect(displayWidth('—')).toBe(1);
    expect(displayWidth('页面')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('👩‍💻')).toBe(2);
  });
});

describe('truncate', () => {
  it('cuts at the end or the start, marking the cut with …', () => {
    expect(truncate('/articles/2024/page-17', 10)).toBe('/articles…');
    expect(truncate('/articles/2024/page-17', 10, 'start')).toBe('…4/page-17');
    expect(truncate('/short', 10)).toBe('/short');
  });

  it('never splits a grapheme or overflows with a wide character', () => {
    expect(truncate('页面页面', 4)).toBe('页…');
    expect(truncate('ab👩‍💻cd', 4)).toBe('ab…');
  });
});

describe('printable', () => {
  it('replaces control characters so they cannot drive the terminal', () => {
    expect(printable('/\x1b[2J\u009b')).toBe('/\ufffd[2J\ufffd');
  });
});
