/** The `Date` header's text, formatted once a second. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatTimestampNow } from './date-header';
import { formatTimestamp } from './url';

describe('formatTimestampNow', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is formatTimestamp of the current time, the same text within a second, the next after it', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2013, 0, 27, 18, 43, 20, 100));
    expect(formatTimestampNow()).toBe('Sun, 27 Jan 2013 18:43:20 GMT');
    vi.setSystemTime(Date.UTC(2013, 0, 27, 18, 43, 20, 999));
    expect(formatTimestampNow()).toBe('Sun, 27 Jan 2013 18:43:20 GMT');
    vi.setSystemTime(Date.UTC(2013, 0, 27, 18, 43, 21, 0));
    expect(formatTimestampNow()).toBe('Sun, 27 Jan 2013 18:43:21 GMT');
    // Back in time (a clock set back): the text follows.
    vi.setSystemTime(Date.UTC(2012, 11, 31, 23, 59, 59, 500));
    expect(formatTimestampNow()).toBe(
      formatTimestamp(new Date(Date.UTC(2012, 11, 31, 23, 59, 59))),
    );
  });
});
