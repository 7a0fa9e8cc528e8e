/**
 * The benchmark CLI keeps working: a quick run prints its JSON with every figure present. This
 * checks the harness, not the speed: figures are compared only in real runs, as ratios.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const cwd = fileURLToPath(new URL('..', import.meta.url));

// Quick benchmark runs, each in a child process with its own children (servers, Python peers):
// a minute or two alone, several beside two CPU hogs on two cores. The limits only end a hang:
// a child is killed after 9 minutes, a test fails after 10.
const CHILD_TIMEOUT_MS = 540_000;
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

beforeAll(() => {
  // What `pnpm bench` does first: bundle the CLI and the servers into dist/.
  execFileSync(process.execPath, ['build.mjs'], { cwd, stdio: 'pipe' });
});

function bench(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--enable-source-maps', 'dist/cli.mjs', ...args],
      { cwd, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface LoopResult {
  callSoonChain: { callbacksPerSec: Record<string, number | null> };
  timers: { maxDelayMs: number; elapsedMs: Record<string, number> };
  echo: { requestsPerSec: Record<string, number | null>; skipped: Record<string, string> };
  wakeLatencyUs: { aioHosted: { median: number } };
}

interface CoroutineResult {
  tasks: {
    count: number;
    tasksPerSec: Record<string, number | null>;
    firstRoundPerSec: Record<string, number>;
    skipped: Record<string, string>;
  };
  gatherFutures: {
    count: number;
    futuresPerSec: Record<string, number | null>;
    skipped: Record<string, string>;
  };
  echo: { requestsPerSec: Record<string, number | null>; skipped: Record<string, string> };
  goals: Record<string, { ratio: number | null; met: boolean | null }>;
}

interface IOStreamResult {
  echo: { requestsPerSec: Record<string, number | null>; skipped: Record<string, string> };
  tlsEcho: { perSec: Record<string, number | null>; skipped: Record<string, string> };
  tlsHandshakes: { perSec: Record<string, number | null>; skipped: Record<string, string> };
  goals: Record<string, { ratio: number | null; met: boolean | null }>;
}

interface HttpLoadData {
  medians: Record<string, { requestsPerSec: number; serverCpuUsPerRequest: number | null } | null>;
  skipped: Record<string, string>;
  failed: Record<string, string>;
}

interface HttpResult {
  keepAlive?: HttpLoadData;
  connectionClose?: HttpLoadData;
  post64KiB?: HttpLoadData;
  idle: {
    connections: number;
    servers: Record<
      string,
      { settledPerConnectionKiB: number; connected: number; servedAgain: number } | null
    >;
    skipped: Record<string, string>;
  };
  goals: Record<string, { met: boolean | null }>;
  failures: string[];
  notes: string[];
}

interface StreamsResult {
  echo: { requestsPerSec: Record<string, number | null>; skipped: Record<string, string> };
  c10k: {
    connections: number;
    fdLimit: number;
    servers: Record<
      string,
      {
        idleRssKiB: number;
        connectedRssKiB: number;
        perConnectionKiB: number;
        settledRssKiB: number;
        settledPerConnectionKiB: number;
        connected: number;
        held: number;
        served: number;
        errors: number;
      } | null
    >;
    skipped: Record<string, string>;
  };
  goals: Record<string, { met: boolean | null }>;
}

interface TornadoCoreSection {
  count: number;
  perSec: Record<string, number | null>;
  firstRoundPerSec: Record<string, number>;
  ratioToTornado: Record<string, number | null>;
  samples: Record<string, number[]>;
  skipped: Record<string, string>;
}

interface TornadoCoreResult {
  genStep: TornadoCoreSection & { nsPerStep: Record<string, number | null> };
  executor: TornadoCoreSection & { usPerTrip: Record<string, number | null> };
  goals: { genStepAtLeast10xTornado: { ratio: number | null; met: boolean | null } };
  peers: { python: string | null; tornado: string | null };
}

/** A quick tornado-core run: its table text (stdout) and its JSON (`--out`), from one run. */
async function tornadoCore(
  env?: NodeJS.ProcessEnv,
): Promise<{ result: TornadoCoreResult; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-'));
  try {
    const out = join(dir, 'tornado-core.json');
    const { code, stdout, stderr } = await bench(['tornado-core', '--quick', '--out', out], env);
    expect(code, stderr).toBe(0);
    const { results, texts } = JSON.parse(readFileSync(out, 'utf8')) as {
      results: { 'tornado-core': TornadoCoreResult };
      texts: { 'tornado-core': string };
    };
    // The JSON carries the report as printed (the docs' results page shows it).
    expect(texts['tornado-core'].length).toBeGreaterThan(100);
    expect(stdout).toContain(texts['tornado-core']);
    return { result: results['tornado-core'], text: stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What every tornado-core run has, whether tornado was there or not: aio measured in both modes. */
function expectAioMeasured(result: TornadoCoreResult): void {
  const { genStep, executor } = result;
  expect(genStep.count).toBe(20_000);
  expect(executor.count).toBe(200);
  for (const mode of ['hosted', 'blocking']) {
    expect(genStep.perSec[mode]).toBeGreaterThan(0);
    expect(genStep.nsPerStep[mode]).toBeGreaterThan(0);
    expect(genStep.firstRoundPerSec[mode]).toBeGreaterThan(0);
    expect(executor.perSec[mode]).toBeGreaterThan(0);
    expect(executor.usPerTrip[mode]).toBeGreaterThan(0);
    expect(executor.firstRoundPerSec[mode]).toBeGreaterThan(0);
    for (const section of [genStep, executor]) {
      expect(section.samples[mode]).toHaveLength(1);
    }
  }
}

interface CrawlContender {
  wallMs: number;
  cpuMs: number;
  fetched: number;
  failed: number;
  wallOverFloor: number | null;
  cpuOverAsyncio: number | null;
}

interface CrawlResult {
  standard: {
    pages: number;
    concurrency: number;
    floorMs: number;
    warmups: { cold: number; warm: number };
    /** A stage's figures by temperature; a peer's (`asyncioPeer`…), one figure. */
    contenders: Record<
      string,
      Record<'cold' | 'warm', CrawlContender | null> | CrawlContender | null
    >;
    skipped: Record<string, string>;
    goals: Record<
      'cold' | 'warm',
      Record<string, { met: boolean | null; cpuMet: boolean | null; client: unknown }>
    >;
  };
  large?: unknown;
  peers: { python: string | null };
}

/** The env of a crawl run whose crawler is the stand-in that prints the fixture document. */
function fakeCrawler(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const main = fileURLToPath(new URL('./lib/fixtures/fake-crawler.ts', import.meta.url));
  return { ...process.env, AIO_BENCH_CRAWLER_MAIN: main, ...env };
}

/** A quick crawl run: its table text (stdout) and its JSON (`--out`). */
async function crawl(env: NodeJS.ProcessEnv): Promise<{ result: CrawlResult; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-'));
  try {
    const out = join(dir, 'crawl.json');
    const { code, stdout, stderr } = await bench(['crawl', '--quick', '--out', out], env);
    expect(code, stderr).toBe(0);
    const { results } = JSON.parse(readFileSync(out, 'utf8')) as {
      results: { crawl: CrawlResult };
    };
    return { result: results.crawl, text: stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface HttpclientFigures {
  requestsPerSec: number;
  cpuUsPerRequest: number;
  requestsPerConnection: number;
  connections: number;
}

interface HttpclientResult {
  server: string;
  requests: number;
  medians: Record<string, HttpclientFigures | null>;
  skipped: Record<string, string>;
  failed: Record<string, string>;
  goals: Record<string, { ratio: number | null; met: boolean | null }>;
  notes: string[];
}

/** A quick httpclient run: its table text (stdout) and its JSON (`--out`). */
async function httpclient(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ result: HttpclientResult; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-'));
  try {
    const out = join(dir, 'httpclient.json');
    const { code, stdout, stderr } = await bench(['httpclient', '--quick', '--out', out], env);
    expect(code, stderr).toBe(0);
    const { results } = JSON.parse(readFileSync(out, 'utf8')) as {
      results: { httpclient: HttpclientResult };
    };
    return { result: results.httpclient, text: stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Node clients of every httpclient run: measured, over kept connections. */
function expectNodeClientsMeasured(result: HttpclientResult): void {
  expect(result.failed).toEqual({});
  for (const name of [
    'aio AsyncHTTPClient, hosted',
    'aio AsyncHTTPClient, blocking',
    'undici Pool',
  ]) {
    const figures = result.medians[name]!;
    expect(figures.requestsPerSec).toBeGreaterThan(0);
    expect(figures.cpuUsPerRequest).toBeGreaterThan(0);
    // 50 kept connections (at most) carried every measured request.
    expect(figures.connections).toBeLessThanOrEqual(50);
    expect(figures.requestsPerConnection).toBeGreaterThanOrEqual(result.requests / 50);
  }
}

interface WebCaseData {
  medians: Record<string, { requestsPerSec: number; serverCpuUsPerRequest: number | null } | null>;
  skipped: Record<string, string>;
  failed: Record<string, string>;
}

interface WebResult {
  hello?: WebCaseData;
  json?: WebCaseData;
  static304?: WebCaseData;
  static1MiB?: WebCaseData;
  template: {
    rows: number;
    bytes: Record<string, number>;
    perSec: { aio: number | null; tornado: number | null };
    skipped: Record<string, string>;
    failed: Record<string, string>;
    outputCheck: string;
  };
  goals: Record<string, { ratio: number | null; met: boolean | null }>;
  failures: string[];
  notes: string[];
}

/** A quick web run: its table text (stdout) and its JSON (`--out`). */
async function web(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ result: WebResult; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-'));
  try {
    const out = join(dir, 'web.json');
    const { code, stdout, stderr } = await bench(['web', '--quick', '--out', out], env);
    expect(code, stderr).toBe(0);
    const { results } = JSON.parse(readFileSync(out, 'utf8')) as { results: { web: WebResult } };
    return { result: results.web, text: stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const WEB_GOALS = [
  'helloAtLeast10xTornado',
  'helloAtLeast13xFastify',
  'jsonAtLeastFastify',
  'static1MiBAtLeastFastifyStatic',
  'static304AtLeastFastifyStatic',
  'templateAtLeast10xTornado',
];

const CRAWL_STAGES = [
  'callbacks',
  'generators',
  'yield-from',
  'asyncio',
  'async-await',
  'tornado',
  'webspider',
];

describe('pnpm bench', () => {
  it('selector --quick --json prints every measurement and the ratios', async () => {
    const { code, stdout, stderr } = await bench(['selector', '--quick', '--json']);
    expect(code, stderr).toBe(0);
    const doc = JSON.parse(stdout) as {
      environment: { node: string };
      results: {
        selector: {
          selectCostNs: { aio: Record<string, number> };
          pingPong: {
            roundTripsPerSec: Record<string, number | null>;
            ratios: { aioOverNode: number };
          };
        };
      };
    };
    expect(doc.environment.node).toBe(process.version);
    const { selectCostNs, pingPong } = doc.results.selector;
    expect(Object.keys(selectCostNs.aio).sort()).toEqual([
      'epoll:1',
      'epoll:10000',
      'poll:1',
      'poll:10000',
      'select:1',
    ]);
    for (const ns of Object.values(selectCostNs.aio)) expect(ns).toBeGreaterThan(0);
    expect(pingPong.roundTripsPerSec.aio).toBeGreaterThan(0);
    expect(pingPong.roundTripsPerSec.node).toBeGreaterThan(0);
    expect(pingPong.ratios.aioOverNode).toBeGreaterThan(0);
  });

  it('loop --quick --json measures every contender it can and says why any is missing', async () => {
    const { code, stdout, stderr } = await bench(['loop', '--quick', '--json']);
    expect(code, stderr).toBe(0);
    const { loop } = (JSON.parse(stdout) as { results: { loop: LoopResult } }).results;
    expect(loop.callSoonChain.callbacksPerSec.hosted).toBeGreaterThan(0);
    expect(loop.callSoonChain.callbacksPerSec.blocking).toBeGreaterThan(0);
    expect(loop.timers.elapsedMs.hosted).toBeGreaterThanOrEqual(loop.timers.maxDelayMs);
    expect(loop.wakeLatencyUs.aioHosted.median).toBeGreaterThan(0);
    for (const [server, rate] of Object.entries(loop.echo.requestsPerSec)) {
      // Each echo server either answered, or is listed as skipped with a reason.
      if (rate === null) expect(loop.echo.skipped[server] ?? 'no C compiler').toBeTruthy();
      else expect(rate).toBeGreaterThan(0);
    }
  });

  it('coroutine --quick --json measures every contender it can and says why any is missing', async () => {
    const { code, stdout, stderr } = await bench(['coroutine', '--quick', '--json']);
    expect(code, stderr).toBe(0);
    const { coroutine } = (JSON.parse(stdout) as { results: { coroutine: CoroutineResult } })
      .results;
    const { tasks, gatherFutures, echo, goals } = coroutine;
    expect(tasks.count).toBe(20_000);
    expect(gatherFutures.count).toBe(10_000);
    for (const key of [
      'generator:hosted',
      'generator:blocking',
      'async:hosted',
      'async:blocking',
      'closure:hosted',
    ]) {
      expect(tasks.tasksPerSec[key]).toBeGreaterThan(0);
      expect(tasks.firstRoundPerSec[key]).toBeGreaterThan(0);
    }
    expect(gatherFutures.futuresPerSec.hosted).toBeGreaterThan(0);
    expect(gatherFutures.futuresPerSec.blocking).toBeGreaterThan(0);
    for (const flavour of ['asyncio', 'uvloop']) {
      // A Python peer either answered, or is listed as skipped with a reason.
      for (const { perSec, skipped } of [
        { perSec: tasks.tasksPerSec, skipped: tasks.skipped },
        { perSec: gatherFutures.futuresPerSec, skipped: gatherFutures.skipped },
      ]) {
        const rate = perSec[flavour];
        if (rate === null || rate === undefined) expect(skipped[flavour]).toBeTruthy();
        else expect(rate).toBeGreaterThan(0);
      }
    }
    expect(Object.keys(echo.requestsPerSec)).toHaveLength(8);
    for (const [server, rate] of Object.entries(echo.requestsPerSec)) {
      if (rate === null) expect(echo.skipped[server] ?? 'no C compiler').toBeTruthy();
      else expect(rate).toBeGreaterThan(0);
    }
    expect(Object.keys(goals).sort()).toEqual([
      'asyncEchoAtLeastNodeNet',
      'generatorEchoAtLeast095UvloopProtocol',
      'generatorEchoAtLeast3xUvloopSockRecv',
      'tasksAtLeast10xAsyncio',
    ]);
  });

  it('streams --quick --json measures every contender it can and says why any is missing', async () => {
    const { code, stdout, stderr } = await bench(['streams', '--quick', '--json']);
    expect(code, stderr).toBe(0);
    const { streams } = (JSON.parse(stdout) as { results: { streams: StreamsResult } }).results;
    const { echo, c10k, goals } = streams;
    expect(Object.keys(echo.requestsPerSec)).toHaveLength(5);
    for (const [server, rate] of Object.entries(echo.requestsPerSec)) {
      // Each echo server either answered, or is listed as skipped with a reason.
      if (rate === null) expect(echo.skipped[server] ?? 'no C compiler').toBeTruthy();
      else expect(rate).toBeGreaterThan(0);
    }
    expect(c10k.connections).toBeGreaterThan(0);
    expect(c10k.connections).toBeLessThanOrEqual(1_000);
    expect(Object.keys(c10k.servers)).toHaveLength(4);
    for (const [server, result] of Object.entries(c10k.servers)) {
      if (result === null) {
        expect(c10k.skipped[server] ?? 'no C compiler').toBeTruthy();
        continue;
      }
      expect(result.idleRssKiB).toBeGreaterThan(0);
      expect(result.connectedRssKiB).toBeGreaterThan(0);
      expect(typeof result.perConnectionKiB).toBe('number');
      expect(result.settledRssKiB).toBeGreaterThan(0);
      expect(result.settledRssKiB).toBeLessThanOrEqual(result.connectedRssKiB);
      expect(typeof result.settledPerConnectionKiB).toBe('number');
      expect(result.connected).toBe(c10k.connections);
      expect(result.served + result.errors).toBe(result.connected);
    }
    expect(Object.keys(goals).sort()).toEqual([
      'c10kAtMost2KiBPerConnection',
      'streamsEchoAtLeastUvloopStreams',
    ]);
  });

  it('iostream --quick --json measures aio IOStream in both modes, plain and over TLS, and each peer or why not', async () => {
    const { code, stdout, stderr } = await bench(['iostream', '--quick', '--json']);
    expect(code, stderr).toBe(0);
    const { iostream } = (JSON.parse(stdout) as { results: { iostream: IOStreamResult } }).results;
    const { echo, tlsEcho, tlsHandshakes, goals } = iostream;
    expect(Object.keys(echo.requestsPerSec)).toHaveLength(6);
    for (const [server, rate] of Object.entries(echo.requestsPerSec)) {
      if (rate === null) expect(echo.skipped[server] ?? 'no C compiler').toBeTruthy();
      else expect(rate).toBeGreaterThan(0);
    }
    // TLS: aio in both modes and Node's tls, each measured or skipped with a reason (no C
    // compiler, no libssl-dev, a server that failed the client).
    for (const tls of [tlsEcho, tlsHandshakes]) {
      expect(Object.keys(tls.perSec)).toHaveLength(3);
      for (const [server, rate] of Object.entries(tls.perSec)) {
        if (rate === null) expect(tls.skipped[server]).toBeTruthy();
        else expect(rate).toBeGreaterThan(0);
      }
    }
    expect(Object.keys(goals).sort()).toEqual([
      'iostreamEchoAtLeast4xTornado',
      'iostreamEchoAtLeastUvloopStreams',
      'tlsEchoAtLeastNodeTls',
      'tlsHandshakesAtLeastNodeTls',
      'twoWorkersAtLeast16xOne',
    ]);
    for (const goal of Object.values(goals)) {
      // Judged exactly when both sides were measured.
      expect(goal.met === null).toBe(goal.ratio === null);
    }
  });

  it('http --quick --json measures every server under each wrk load and with idle keep-alive connections, or says why not', async () => {
    const { code, stdout, stderr } = await bench(['http', '--quick', '--json']);
    expect(code, stderr).toBe(0);
    const { http } = (JSON.parse(stdout) as { results: { http: HttpResult } }).results;
    expect(http.failures).toEqual([]);
    const loads = [http.keepAlive, http.connectionClose, http.post64KiB];
    if (loads.some((load) => load === undefined)) {
      // No wrk here: every load is skipped, and the notes say so.
      expect(http.notes.join('\n')).toMatch(/wrk loads skipped/);
    }
    for (const load of loads) {
      if (load === undefined) continue;
      expect(Object.keys(load.medians)).toHaveLength(4);
      for (const [server, figures] of Object.entries(load.medians)) {
        if (figures === null) expect(load.skipped[server]).toBeTruthy();
        else expect(figures.requestsPerSec).toBeGreaterThan(0);
      }
    }
    for (const [server, result] of Object.entries(http.idle.servers)) {
      if (result === null) {
        expect(http.idle.skipped[server] ?? 'no C compiler').toBeTruthy();
      } else {
        expect(result.connected).toBe(http.idle.connections);
        expect(result.servedAgain).toBe(http.idle.connections);
      }
    }
    expect(Object.keys(http.goals).sort()).toEqual([
      'helloAtLeast10xTornado',
      'helloAtLeast15xNodeHttp',
      'idleAtMost4KiBPerConnection',
    ]);
  });

  it('web --quick measures every server case and the template renders, or says why a contender is missing', async () => {
    const { result, text } = await web();
    expect(result.failures).toEqual([]);
    const cases = [result.hello, result.json, result.static304, result.static1MiB];
    if (cases.some((c) => c === undefined)) {
      // No wrk here: every server case is skipped, and the notes say so.
      expect(result.notes.join('\n')).toMatch(/server cases skipped: no .*wrk/);
    }
    for (const c of cases) {
      if (c === undefined) continue;
      // The hello case measures the floor beside them (web-floor.ts), judged by no goal.
      expect(Object.keys(c.medians)).toEqual(
        c === result.hello ? ['aio', 'fastify', 'tornado', 'floor'] : ['aio', 'fastify', 'tornado'],
      );
      // fastify is a dependency of the bench: always measured.
      expect(c.medians.fastify!.requestsPerSec).toBeGreaterThan(0);
      for (const [server, figures] of Object.entries(c.medians)) {
        if (figures === null) expect(c.skipped[server]).toBeTruthy();
        else expect(figures.requestsPerSec).toBeGreaterThan(0);
      }
      // aio's server is built with the bench: always measured.
      expect(c.medians.aio!.requestsPerSec).toBeGreaterThan(0);
    }
    if (result.hello !== undefined) {
      expect(result.hello.medians.floor!.requestsPerSec).toBeGreaterThan(0);
      expect(text).toMatch(
        /The floor \(web-floor\.ts\): .*aio web\.Application reached \d+% of its rate/,
      );
    }
    const { template } = result;
    expect(template.rows).toBe(1000);
    expect(template.perSec.aio).toBeGreaterThan(0);
    if (template.perSec.tornado === null) {
      expect(template.skipped.tornado).toBeTruthy();
      expect(template.outputCheck).toMatch(/^not compared \(tornado: /);
    } else {
      // Both engines render tornado's benchmark page to the same bytes.
      expect(template.outputCheck).toBe('identical');
      expect(template.bytes.aio).toBe(template.bytes.tornado);
      expect(typeof result.goals.templateAtLeast10xTornado!.met).toBe('boolean');
    }
    expect(Object.keys(result.goals).sort()).toEqual(WEB_GOALS);
    for (const goal of Object.values(result.goals)) {
      // Judged exactly when both sides were measured.
      expect(goal.met === null).toBe(goal.ratio === null);
    }
    expect(text).toMatch(/template ≥ 10× tornado: (met|NOT met|not measured)/);
  });

  it("web --quick without wrk or Python still renders aio's template and reports the rest missing", async () => {
    const { result, text } = await web({
      ...process.env,
      AIO_BENCH_WRK: '/nonexistent/wrk',
      AIO_BENCH_PYTHON: '/nonexistent/python3',
    });
    expect(result.hello).toBeUndefined();
    expect(result.static1MiB).toBeUndefined();
    expect(result.notes.join('\n')).toMatch(/server cases skipped: no \/nonexistent\/wrk/);
    expect(result.template.perSec).toMatchObject({ tornado: null });
    expect(result.template.perSec.aio).toBeGreaterThan(0);
    expect(result.template.skipped.tornado).toBe('python3 not found');
    expect(result.goals.templateAtLeast10xTornado).toMatchObject({ ratio: null, met: null });
    expect(result.goals.helloAtLeast13xFastify).toMatchObject({ ratio: null, met: null });
    expect(text).toMatch(/tornado Template \(python3 not found\)/);
    expect(text).toMatch(/template ≥ 10× tornado: not measured \(tornado: python3 not found\)/);
    expect(text).toMatch(/hello ≥ 1\.3× fastify: not measured \(no wrk\)/);
  });

  it('tornado-core --quick measures aio in both modes against tornado, or says why tornado is missing', async () => {
    const { result, text } = await tornadoCore();
    expectAioMeasured(result);
    const { genStep, executor, goals } = result;
    for (const section of [genStep, executor]) {
      const rate = section.perSec.tornado;
      // tornado either answered, or is listed as skipped with a reason.
      if (rate === null) {
        expect(section.skipped.tornado).toBeTruthy();
      } else {
        expect(rate).toBeGreaterThan(0);
        expect(section.ratioToTornado.hosted).toBeGreaterThan(0);
        expect(section.ratioToTornado.blocking).toBeGreaterThan(0);
      }
    }
    const { ratio, met } = goals.genStepAtLeast10xTornado;
    if (genStep.perSec.tornado === null) {
      expect(met).toBeNull();
    } else {
      expect(ratio).toBeGreaterThan(0);
      expect(typeof met).toBe('boolean');
    }
    expect(text).toMatch(/gen\.coroutine step ≥ 10× tornado \(both modes\): (met|NOT met) \(\d/);
  });

  it('tornado-core --quick without Python reports tornado as skipped and still measures aio', async () => {
    const { result, text } = await tornadoCore({
      ...process.env,
      AIO_BENCH_PYTHON: '/nonexistent/python3',
    });
    expectAioMeasured(result);
    for (const section of [result.genStep, result.executor]) {
      expect(section.perSec.tornado).toBeNull();
      expect(section.skipped.tornado).toBe('python3 not found');
      expect(section.ratioToTornado).toEqual({ hosted: null, blocking: null });
    }
    expect(result.goals.genStepAtLeast10xTornado).toEqual({ ratio: null, met: null });
    expect(result.peers).toEqual({ python: null, tornado: null });
    expect(text).toMatch(/tornado \(python3 not found\)/);
    expect(text).toMatch(/gen\.coroutine step ≥ 10× tornado \(both modes\): not measured/);
  });

  it('httpclient --quick measures each client against the server, with the requests each connection carried', async () => {
    const { result, text } = await httpclient();
    expectNodeClientsMeasured(result);
    const tornado = result.medians['tornado AsyncHTTPClient'] ?? null;
    if (tornado === null) {
      expect(result.skipped['tornado AsyncHTTPClient']).toBeTruthy();
      expect(result.goals.atLeast5xTornado!.met).toBeNull();
    } else {
      // tornado's simple client closes every connection after its request.
      expect(tornado.requestsPerConnection).toBe(1);
      expect(typeof result.goals.atLeast5xTornado!.met).toBe('boolean');
    }
    expect(typeof result.goals.atLeastUndiciPool!.met).toBe('boolean');
    expect(text).toMatch(/≥ 1\.0× undici Pool: (met|NOT met) \(\d/);
  });

  it('httpclient --quick without nginx or Python serves from the Node fallback and skips tornado', async () => {
    const { result, text } = await httpclient({
      ...process.env,
      AIO_BENCH_NGINX: '/nonexistent/nginx',
      AIO_BENCH_PYTHON: '/nonexistent/python3',
    });
    expectNodeClientsMeasured(result);
    expect(result.server).toMatch(/^Node http/);
    expect(result.notes.join('\n')).toMatch(/no nginx at \/nonexistent\/nginx/);
    expect(result.medians['tornado AsyncHTTPClient']).toBeNull();
    expect(result.skipped['tornado AsyncHTTPClient']).toBe('python3 not found');
    expect(result.goals.atLeast5xTornado).toMatchObject({ ratio: null, met: null });
    expect(text).toMatch(/tornado AsyncHTTPClient \(python3 not found\)/);
    expect(text).toMatch(/≥ 5× tornado AsyncHTTPClient: not measured/);
  });

  it("crawl --quick reports the crawler's stages and the Python peers, which fetch every page byte for byte or are skipped with a reason", async () => {
    const { result, text } = await crawl(fakeCrawler());
    const { standard } = result;
    expect(standard).toMatchObject({ pages: 1000, concurrency: 100, floorMs: 1000 });
    expect(result.large).toBeUndefined();
    // The stand-in crawler's figures come through as its document has them: warm as they are,
    // cold (--warmup 0) with its CPU half as much again.
    expect(standard.warmups).toEqual({ cold: 0, warm: 1 });
    expect(standard.contenders.callbacks).toMatchObject({
      warm: { wallMs: 1041, cpuMs: 95, failed: 0 },
      cold: { wallMs: 1041, cpuMs: 143, failed: 0 },
    });
    expect(standard.contenders['node-fetch']).toMatchObject({
      warm: { fetched: 998, failed: 2 },
      cold: { fetched: 998, failed: 2 },
    });
    for (const peer of ['asyncioPeer', 'uvloopPeer', 'tornadoPeer']) {
      const figures = standard.contenders[peer] as CrawlContender | null | undefined;
      if (figures === null || figures === undefined) {
        expect(standard.skipped[peer]).toBeTruthy();
      } else {
        // The peers crawl the crawler's real site: every page must match pages.ts's, byte for byte.
        expect(figures).toMatchObject({ fetched: 1000, failed: 0 });
        expect(figures.wallMs).toBeGreaterThanOrEqual(standard.floorMs);
        expect(figures.cpuMs).toBeGreaterThan(0);
      }
    }
    for (const temperature of ['cold', 'warm'] as const) {
      expect(Object.keys(standard.goals[temperature]).sort()).toEqual([...CRAWL_STAGES].sort());
      for (const stage of CRAWL_STAGES) {
        expect(text).toMatch(
          new RegExp(
            `^  ${stage} +${temperature}  wall ≤ the best Python peer's: (met|NOT met|not measured) `,
            'm',
          ),
        );
      }
      // The HTTP-client stages are held to tornado's peer and Node fetch too; the others not.
      expect(standard.goals[temperature].tornado?.client).not.toBeNull();
      expect(standard.goals[temperature].webspider?.client).not.toBeNull();
      expect(standard.goals[temperature].callbacks?.client).toBeNull();
    }
    expect(text).toMatch(/^ {2}callbacks +cold {2}.* CPU ≤ 1\.2× the asyncio peer's: /m);
    expect(text).toMatch(
      /^ {2}tornado +warm {2}.* CPU ≤ 0\.5× the tornado peer's: .* CPU ≤ Node fetch's: /m,
    );
    expect(text).toMatch(/wall ms cold +wall ms warm +CPU ms cold +CPU ms warm/);
  });

  it('crawl --quick without Python skips the peers and leaves the CPU goal unjudged', async () => {
    const { result, text } = await crawl(fakeCrawler({ AIO_BENCH_PYTHON: '/nonexistent/python3' }));
    const { standard } = result;
    for (const peer of ['asyncioPeer', 'uvloopPeer', 'tornadoPeer']) {
      expect(standard.contenders[peer]).toBeNull();
      expect(standard.skipped[peer]).toBe('python3 not found');
    }
    expect(standard.contenders.callbacks).toMatchObject({
      cold: { cpuOverAsyncio: null },
      warm: { cpuOverAsyncio: null },
    });
    expect(standard.goals.cold.callbacks).toMatchObject({ met: null, cpuMet: null });
    expect(standard.goals.warm.callbacks).toMatchObject({ met: null, cpuMet: null });
    expect(result.peers.python).toBeNull();
    expect(text).toMatch(/asyncio raw sockets \(python3 not found\)/);
    expect(text).toMatch(
      /CPU ≤ the asyncio peer's: not measured \(asyncio raw sockets: python3 not found\)/,
    );
  });

  it('crawl fails with a clear message when the crawler refuses its arguments', async () => {
    const { code, stderr } = await bench(
      ['crawl', '--quick'],
      fakeCrawler({ AIO_FAKE_CRAWLER_EXIT: '2' }),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/CrawlerOutputError: the crawler refused its arguments \(exit code 2\)/);
    expect(stderr).toMatch(/--concurrency expects an integer/);
  });

  it('an unknown benchmark exits 2 and lists the ones there are', async () => {
    const { code, stderr } = await bench(['nope']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown benchmark: nope[\s\S]*selector/);
  });
});
