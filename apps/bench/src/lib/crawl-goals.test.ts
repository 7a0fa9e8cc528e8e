import { describe, expect, it } from 'vitest';
import {
  describeLargeGoal,
  describeStandardGoal,
  largeGoal,
  standardGoal,
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
  it('are met when wall ≤ 1.1× floor and CPU ≤ the asyncio peer’s', () => {
    const goal = standardGoal(stage(), 188);
    expect(goal).toMatchObject({ wallMet: true, cpuMet: true, met: true });
    expect(goal.wallOverFloor).toBeCloseTo(1.05);
    expect(goal.cpuOverAsyncio).toBeCloseTo(95 / 188);
    expect(describeStandardGoal(stage(), goal, {})).toBe(
      "wall ≤ 1.1× floor: met (1.050×) · CPU ≤ the asyncio peer's: met (95 ms vs 188 ms)",
    );
  });

  it('are judged on each figure: a slow wall or a costly CPU is NOT met', () => {
    const slow = stage({ wallMs: 1250 });
    expect(standardGoal(slow, 188)).toMatchObject({ wallMet: false, cpuMet: true, met: false });
    const costly = stage({ cpuMs: 200 });
    const goal = standardGoal(costly, 188);
    expect(goal).toMatchObject({ wallMet: true, cpuMet: false, met: false });
    expect(describeStandardGoal(costly, goal, {})).toMatch(/peer's: NOT met \(200 ms vs 188 ms\)/);
    expect(standardGoal(stage({ wallMs: 1100 }), 95).met).toBe(true);
  });

  it('are not met by a stage that lost pages, however fast', () => {
    const lossy = stage({ fetched: 997, failed: 3, firstError: 'GET /5: timed out' });
    const goal = standardGoal(lossy, 188);
    expect(goal).toMatchObject({ wallMet: false, cpuMet: false, met: false });
    expect(describeStandardGoal(lossy, goal, {})).toMatch(
      /^wall ≤ 1\.1× floor: NOT met \(1\.050×, but 3 of 1,000 pages failed \(GET \/5: timed out\)\)/,
    );
  });

  it('without the asyncio peer, judge the wall and say why CPU is not measured', () => {
    const goal = standardGoal(stage(), null);
    expect(goal).toMatchObject({ wallMet: true, cpuMet: null, met: null, cpuOverAsyncio: null });
    expect(describeStandardGoal(stage(), goal, { asyncio: 'python3 not found' })).toBe(
      "wall ≤ 1.1× floor: met (1.050×) · CPU ≤ the asyncio peer's: not measured (asyncio raw sockets: python3 not found)",
    );
    expect(standardGoal(stage({ wallMs: 2000 }), null).met).toBe(false);
  });

  it('a stage the crawler gave no figures for is not measured, with the reason', () => {
    const goal = standardGoal(null, 188);
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
