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

describe('the 1,000-page goals, cold and for the HTTP-client stages', () => {
  const uvloop = { name: 'uvloop raw sockets', wallMs: 1120, floorMs: 1000 };

  it('cold, the CPU may be up to 1.2× the asyncio peer’s', () => {
    const peers = { best: uvloop, asyncioCpuMs: 100, cpuOverAsyncioLimit: 1.2 };
    expect(standardGoal(stage({ cpuMs: 120 }), peers)).toMatchObject({ cpuMet: true, met: true });
    const over = standardGoal(stage({ cpuMs: 121 }), peers);
    expect(over).toMatchObject({ cpuMet: false, met: false, cpuOverAsyncioLimit: 1.2 });
    expect(describeStandardGoal(stage({ cpuMs: 121 }), over, {})).toMatch(
      /CPU ≤ 1\.2× the asyncio peer's: NOT met \(121 ms vs 100 ms\)$/,
    );
  });

  it('an HTTP-client stage is held to 0.5× the tornado peer’s CPU and to Node fetch’s too', () => {
    const peers = (tornadoPeerCpuMs: number | null, nodeFetchCpuMs: number | null) => ({
      best: uvloop,
      asyncioCpuMs: 188,
      httpClient: { tornadoPeerCpuMs, nodeFetchCpuMs },
    });
    const goal = standardGoal(stage(), peers(600, 400));
    expect(goal).toMatchObject({
      met: true,
      client: { tornadoPeerMet: true, nodeFetchMet: true },
    });
    expect(goal.client?.cpuOverTornadoPeer).toBeCloseTo(95 / 600);
    expect(describeStandardGoal(stage(), goal, {})).toMatch(
      / · CPU ≤ 0\.5× the tornado peer's: met \(95 ms vs 600 ms\) · CPU ≤ Node fetch's: met \(95 ms vs 400 ms\)$/,
    );
    expect(standardGoal(stage(), peers(180, 400))).toMatchObject({
      met: false,
      client: { tornadoPeerMet: false, nodeFetchMet: true },
    });
    expect(standardGoal(stage(), peers(600, 90))).toMatchObject({
      met: false,
      client: { tornadoPeerMet: true, nodeFetchMet: false },
    });
    const unknown = standardGoal(stage(), peers(null, null));
    expect(unknown).toMatchObject({ met: null, client: { tornadoPeerMet: null } });
    expect(describeStandardGoal(stage(), unknown, { tornado: 'python3 not found' })).toMatch(
      /CPU ≤ 0\.5× the tornado peer's: not measured \(tornado AsyncHTTPClient: python3 not found\)/,
    );
  });

  it('a stage with a floor of its own (webspider) is held to the best peer’s wall scaled to it', () => {
    const spider = stage({ wallMs: 1300, floorMs: 1200 });
    const goal = standardGoal(spider, { best: uvloop, asyncioCpuMs: 188 });
    expect(goal.wallLimitMs).toBeCloseTo(1344);
    expect(goal.wallMet).toBe(true);
    expect(describeStandardGoal(spider, goal, {})).toMatch(
      /met \(1,300 ms vs 1,120 ms, uvloop raw sockets, scaled to its floor: 1,344 ms; 1\.083× floor\)/,
    );
    expect(
      standardGoal(stage({ wallMs: 1350, floorMs: 1200 }), { best: uvloop, asyncioCpuMs: 188 })
        .wallMet,
    ).toBe(false);
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
