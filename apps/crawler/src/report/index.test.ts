import { expect, it } from 'vitest';
import * as report from './index';

it('exports the report API and nothing else', () => {
  expect(Object.keys(report).sort()).toEqual([
    'formatTable',
    'printTimelines',
    'timelineHtml',
    'timelineSvg',
    'timelineText',
    'writeTimelineFile',
  ]);
});
