import { describe, expect, it } from 'vitest';
import {
  bestPeer,
  describeLargeGoal,
  describeStandardGoal,
  largeGoal,
  standardGoal,
  type BestPeer,
  type Figures,
} from './crawl-goals';

const stage = (overrides: Partial<Figures> = {}): Figures => ({
  wallMs: 1050,
  cpuMs: 95,
  fetched: 1000,
  failed: 0,
  floorMs: 1000,
  ...overrides,
});

describe('the 1,000-page goals', () => {
  const uvloop = { name: 'uvloop raw sockets', wallMs: 1120 };
  const peers = (asyncioCpuMs: number | null, best: BestPeer | null = uvloop) => ({
    best,
    asyncioCpuMs,
  });

  it('are met when wall ≤ the best Python peer’s and CPU ≤ the asyncio peer’s', () => {
    const goal = standardGoal(stage(), peers(188));
    expect(goal).toMatchObject({ wallMet: true, cpuMet: true, met: true, bestPeer: uvloop });
    expect(goal.wallOverFloor).toBeCloseTo(1.05);
    expect(goal.wallOverBestPeer).toBeCloseTo(1050 / 1120);
    expect(goal.cpuOverAsyncio).toBeCloseTo(95 / 188);
    expect(describeStandardGoal(stage(), goal, {})).toBe(
      "wall ≤ the best Python peer's: met (1,050 ms vs 1,120 ms, uvloop raw sockets; 1.050× floor) · CPU ≤ the asyncio peer's: met (95 ms vs 188 ms)",
    );
  });

  it('are judged on each figure: a slower wall or a costlier CPU is NOT met', () => {
    const slow = stage({ wallMs: 1121 });
    expect(standardGoal(slow, peers(188))).toMatchObject({
      wallMet: false,
      cpuMet: true,
      met: false,
    });
    const costly = stage({ cpuMs: 200 });
    const goal = standardGoal(costly, peers(188));
    expect(goal).toMatchObject({ wallMet: true, cpuMet: false, met: false });
    expect(describeStandardGoal(costly, goal, {})).toMatch(/peer's: NOT met \(200 ms vs 188 ms\)/);
    expect(standardGoal(stage({ wallMs: 1120 }), peers(95)).met).toBe(true);
  });

  it('are not met by a stage that lost pages, however fast', () => {
    const lossy = stage({ fetched: 997, failed: 3, firstError: 'GET /5: timed out' });
    const goal = standardGoal(lossy, peers(188));
    expect(goal).toMatchObject({ wallMet: false, cpuMet: false, met: false });
    expect(describeStandardGoal(lossy, goal, {})).toMatch(
      /^wall ≤ the best Python peer's: NOT met \(1,050 ms vs 1,120 ms, uvloop raw sockets; 1\.050× floor, but 3 of 1,000 pages failed \(GET \/5: timed out\)\)/,
    );
  });

  it('the best peer is the fastest that fetched every page', () => {
    expect(
      bestPeer([
        { name: 'asyncio raw sockets', wallMs: 1170, failed: 0 },
        { name: 'uvloop raw sockets', wallMs: 1000, failed: 2 },
        { name: 'tornado AsyncHTTPClient', wallMs: 1150, failed: 0 },
      ]),
    ).toEqual({ name: 'tornado AsyncHTTPClient', wallMs: 1150 });
    expect(bestPeer([])).toBeNull();
  });

  it('without the Python peers, say why the wall and the CPU are not judged', () => {
    const goal = standardGoal(stage(), peers(null, null));
    expect(goal).toMatchObject({ wallMet: null, cpuMet: null, met: null, cpuOverAsyncio: null });
    expect(
      describeStandardGoal(stage(), goal, {
        asyncio: 'python3 not found',
        peers: 'python3 not found',
      }),
    ).toBe(
      "wall ≤ the best Python peer's: not measured (no Python peer fetched every page: python3 not found) · CPU ≤ the asyncio peer's: not measured (asyncio raw sockets: python3 not found)",
    );
  });

  it('a stage the crawler gave no figures for is not measured, with the reason', () => {
    const goal = standardGoal(null, peers(188));
    expect(goal.met).toBeNull();
    expect(describeStandardGoal(null, goal, { stage: 'refused by the crawler: no' })).toBe(
      'not measured (refused by the crawler: no)',
    );
  });
});

describe('the 10,000-page goal', () => {
  const large = (overrides: Partial<Figures> = {}): Figures =>
    stage({ wallMs: 2900, cpuMs: 900, fetched: 10_000, floorMs: 1000, ...overrides });

  it('is met when every page is fetched and wall ≤ 1.5 × (floor + CPU)', () => {
    const goal = largeGoal(large());
    expect(goal).toEqual({ wallMs: 2900, limitMs: 2850, allFetched: true, met: false });
    const fast = large({ wallMs: 2800 });
    expect(largeGoal(fast).met).toBe(true);
    expect(describeLargeGoal(fast, largeGoal(fast), {})).toBe(
      'every page, wall ≤ 1.5 × (floor + CPU): met (2,800 ms ≤ 1.5 × (1,000 + 900 ms) = 2,850 ms)',
    );
    expect(describeLargeGoal(large(), goal, {})).toMatch(/NOT met \(2,900 ms > 1\.5 × /);
  });

  it('is not met when a page failed', () => {
    const lossy = large({ wallMs: 1500, fetched: 9990, failed: 10 });
    expect(largeGoal(lossy)).toMatchObject({ allFetched: false, met: false });
    expect(describeLargeGoal(lossy, largeGoal(lossy), {})).toMatch(
      /NOT met \(1,500 ms ≤ .*, but 10 of 10,000 pages failed\)$/,
    );
  });

  it('a stage without figures is not measured, with the reason', () => {
    expect(largeGoal(null).met).toBeNull();
    expect(describeLargeGoal(null, largeGoal(null), { stage: 'missing' })).toBe(
      'every page, wall ≤ 1.5 × (floor + CPU): not measured (missing)',
    );
  });
});
