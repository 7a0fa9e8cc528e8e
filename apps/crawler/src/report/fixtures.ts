/**
 * Runs of the crawler computed from formulas, for the tests and the demo: the shapes a real
 * `pnpm crawl` draws, with the embedded site's defaults (100 ms latency, ~2 KB pages) and loopback
 * times (a connect in a few tenths of a ms, a 2 KB body in well under a ms).
 */
import type { PageTimes, StageTimeline } from './timeline';

const LATENCY = 100;
const CONNECT = 0.3;
const RECEIVE = 0.6;
const BYTES = 2154;

const path = (i: number): string => (i === 0 ? '/' : `/${i}`);
const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function page(i: number, start: number, connect: number, wait: number, receive: number): PageTimes {
  const connected = start + connect;
  const firstByte = connected + wait;
  return {
    path: path(i),
    start: round(start),
    connected: round(connected),
    firstByte: round(firstByte),
    end: round(firstByte + receive),
    bytes: BYTES,
  };
}

function wall(pages: readonly PageTimes[], overhead = 0.4): number {
  return round(pages.reduce((max, p) => Math.max(max, p.end), 0) + overhead);
}

/** §3.1: one page after another, each starting when the one before has ended: a staircase. */
export function sequentialRun(count = 10): StageTimeline {
  const pages: PageTimes[] = [];
  let t = 0.2;
  for (let i = 0; i < count; i++) {
    const p = page(i, t, CONNECT, LATENCY, RECEIVE);
    pages.push(p);
    t = p.end + 0.1; // parse the response, open the next socket
  }
  return {
    strategy: 'blocking',
    section: '3.1',
    title: 'blocking sockets, one page after another',
    wallMs: wall(pages),
    pages,
  };
}

/**
 * §3.5: every connect started in one pass of the loop (a few hundredths of a ms apart), every
 * page waiting at once, the responses arriving in the order they were asked for.
 */
export function concurrentRun(count = 10): StageTimeline {
  const pages = Array.from({ length: count }, (_, i) =>
    page(i, 0.3 + i * 0.04, CONNECT + i * 0.02, LATENCY + i * 0.05, RECEIVE),
  );
  return {
    strategy: 'callbacks',
    section: '3.5',
    title: 'non-blocking sockets, a selector and callbacks',
    wallMs: wall(pages),
    pages,
  };
}

/**
 * §4.3 at concurrency 100: the first 100 pages start together; each later page starts when the
 * page 100 before it ends, so 1000 pages go in ten waves. Connects queue up in the listen
 * backlog, so the 100th of a wave takes longer to connect than the first.
 */
export function wavesRun(count = 1000, concurrency = 100): StageTimeline {
  const pages: PageTimes[] = [];
  for (let i = 0; i < count; i++) {
    const slot = i % concurrency;
    const start = i < concurrency ? 0.5 + slot * 0.02 : pages[i - concurrency]!.end + 0.05;
    pages.push(page(i, start, CONNECT + slot * 0.03, LATENCY + slot * 0.01, RECEIVE + slot * 0.01));
  }
  return {
    strategy: 'asyncio',
    section: '4.3',
    title: `coroutines on @aio/coroutine, ${concurrency} at a time`,
    wallMs: wall(pages),
    pages,
  };
}

/**
 * A concurrent run where three pages fail: one refused at connect, one reset halfway through its
 * body, one that never got a byte before the client gave up at 300 ms.
 */
export function failingRun(): StageTimeline {
  const pages: PageTimes[] = concurrentRun(10).pages.map((p, i) => {
    switch (i) {
      case 3:
        return {
          path: p.path,
          start: p.start,
          end: round(p.start + 0.4),
          bytes: 0,
          error: 'connect ECONNREFUSED 127.0.0.1:41817',
        };
      case 6:
        return {
          path: p.path,
          start: p.start,
          connected: p.connected,
          end: 300.5,
          bytes: 0,
          error: 'no response within 300 ms',
        };
      case 8:
        return { ...p, end: round(p.firstByte! + 0.2), bytes: 1024, error: 'read ECONNRESET' };
      default:
        return p;
    }
  });
  return {
    strategy: 'async-await',
    section: '4.3',
    title: 'async functions, with a 300 ms timeout per page',
    wallMs: wall(pages),
    pages,
  };
}
