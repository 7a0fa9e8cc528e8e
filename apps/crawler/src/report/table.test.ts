import { describe, expect, it } from 'vitest';
import { formatTable } from './table';

const HEADER = ['strategy', '§', 'wall ms', 'cpu ms', 'fetched', 'failed', 'speed-up', 'vs floor'];
const ALIGN = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'] as const;

describe('formatTable', () => {
  it('draws the table that pnpm crawl prints, as the README shows it', () => {
    const rows = [
      ['blocking', '3.1', '1046', '11', '10', '0', '1.0×', '1.05×'],
      ['callbacks', '3.5', '107', '4', '10', '0', '9.8×', '1.07×'],
      ['node-fetch', '—', '155', '58', '10', '0', '6.8×', '1.55×'],
    ];
    expect(formatTable(HEADER, rows, ALIGN)).toBe(
      [
        'strategy    §    wall ms  cpu ms  fetched  failed  speed-up  vs floor',
        '──────────  ───  ───────  ──────  ───────  ──────  ────────  ────────',
        'blocking    3.1     1046      11       10       0      1.0×     1.05×',
        'callbacks   3.5      107       4       10       0      9.8×     1.07×',
        'node-fetch  —        155      58       10       0      6.8×     1.55×',
      ].join('\n'),
    );
  });

  it('counts ×, — and ─ as one column each, and a CJK character as two', () => {
    expect(
      formatTable(
        ['page', 'x'],
        [
          ['—', '10×'],
          ['页面', '1×'],
        ],
        ['left', 'right'],
      ),
    ).toBe(['page    x', '────  ───', '—     10×', '页面   1×'].join('\n'));
  });

  it('draws the header and its rule for no rows', () => {
    expect(formatTable(['strategy', 'wall ms'], [], ['left', 'right'])).toBe(
      'strategy  wall ms\n────────  ───────',
    );
  });

  it('pads missing cells, aligns left where no alignment is given, and ends no line in spaces', () => {
    expect(formatTable(['a', 'b'], [['long'], ['x', 'yy']], [])).toBe(
      ['a     b', '────  ──', 'long', 'x     yy'].join('\n'),
    );
  });
});
