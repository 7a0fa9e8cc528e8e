export { formatTable } from './table';
export { timelineHtml } from './html';
export { printTimelines, writeTimelineFile } from './output';
export { timelineSvg, type TimelineSvgOptions } from './svg';
export { timelineText, type TimelineTextOptions } from './text';
export type { PageTimes, StageTimeline } from './timeline';
