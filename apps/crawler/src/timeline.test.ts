import { describe, expect, it } from 'vitest';
import { Timeline, type PageResponse } from './timeline';

/** A check that wants every response (a parsed one's body) to be `ok`. */
const wantsOk = (path: string, response: PageResponse): string | undefined => {
  const text = (Buffer.isBuffer(response) ? response : response.body).toString();
  return text === 'ok' ? undefined : `${path} answered ${text}`;
};

describe('Timeline', () => {
  it('counts a page with a response as fetched until checkResponses() finds it wrong', () => {
    const timeline = new Timeline(wantsOk);
    for (const path of ['/a', '/b', '/c']) timeline.begin(path, 0);
    timeline.done('/a', Buffer.from('ok'), 10);
    timeline.done('/b', Buffer.from('HTPT'), 20);
    timeline.failed('/c', new Error('reset'), 30);
    expect([timeline.fetchedCount, timeline.failedCount]).toEqual([2, 1]);
    expect(timeline.firstError).toBe('/c: reset');

    timeline.checkResponses();
    expect([timeline.fetchedCount, timeline.failedCount]).toEqual([1, 2]);
    // The wrong response came first (at 20 ms): it is the first error now.
    expect(timeline.firstError).toBe('/b: /b answered HTPT');
    expect(timeline.records().find((p) => p.path === '/b')?.error).toBe('/b answered HTPT');
    expect(timeline.records().find((p) => p.path === '/b')?.bytes).toBe(4);

    timeline.checkResponses(); // each response is checked once
    expect([timeline.fetchedCount, timeline.failedCount]).toEqual([1, 2]);
  });

  it('a failure recorded earlier than a wrong response stays the first error', () => {
    const timeline = new Timeline(wantsOk);
    timeline.begin('/a', 0);
    timeline.begin('/b', 0);
    timeline.failed('/a', new Error('refused'), 5);
    timeline.done('/b', Buffer.from('nope'), 9);
    timeline.checkResponses();
    expect(timeline.firstError).toBe('/a: refused');
    expect(timeline.failedCount).toBe(2);
  });

  it('the first verdict stands: a page that failed is not fetched by a later response', () => {
    const timeline = new Timeline(wantsOk);
    timeline.begin('/a', 0);
    timeline.failed('/a', new Error('timed out'), 5);
    timeline.done('/a', Buffer.from('ok'), 9);
    timeline.checkResponses();
    expect([timeline.fetchedCount, timeline.failedCount]).toEqual([0, 1]);
  });

  it('takes a parsed response as well as raw bytes, and counts its body', () => {
    const timeline = new Timeline(wantsOk);
    timeline.begin('/a', 0);
    timeline.begin('/b', 0);
    timeline.done('/a', { code: 200, reason: 'OK', body: Buffer.from('ok') }, 5);
    timeline.done('/b', { code: 200, reason: 'OK', body: Buffer.from('not ok') }, 9);
    timeline.checkResponses();
    expect([timeline.fetchedCount, timeline.failedCount]).toEqual([1, 1]);
    expect(timeline.records().map((p) => p.bytes)).toEqual([2, 6]);
    expect(timeline.firstError).toBe('/b: /b answered not ok');
  });
});
