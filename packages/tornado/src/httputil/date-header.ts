/**
 * The `Date` header every response carries, formatted once a second and reused in between, as
 * nginx and Node's own HTTP server keep theirs: `formatTimestamp` of the time, per response, was
 * 6% of a "Hello, world" answered by `web.Application`.
 */
import { formatTimestamp } from './url';

/** The second last formatted (ms since the epoch ÷ 1000, floored), and its text. */
let cachedSecond = NaN;
let cachedText = '';

/** `formatTimestamp(new Date())`, the same text, at most one formatting a second. */
export function formatTimestampNow(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== cachedSecond) {
    cachedText = formatTimestamp(new Date(second * 1000));
    cachedSecond = second;
  }
  return cachedText;
}
