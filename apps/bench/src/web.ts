/**
 * `pnpm bench web`: @aio/tornado's web framework (`web.Application`, `RequestHandler`,
 * `StaticFileHandler`) and its template engine against fastify and tornado 6's own, in one run.
 *
 * Four cases, each aio against its peers in the same run:
 *
 * 1. **hello**: `GET /` answered "Hello, world" by tornado's first example, a `RequestHandler`
 *    whose `get` writes it, in an `Application` (`src/servers/web-hello.ts`); fastify's route
 *    doing `reply.send('Hello, world')`; tornado 6's same example (`src/peers/web_tornado.py`).
 * 2. **json**: `GET /` answered with a small object built for each request and serialized:
 *    aio's `this.write(object)` (`src/servers/web-json.ts`); fastify's route with a response
 *    schema, serialized by the function fast-json-stringify compiles from it; tornado's
 *    `self.write(dict)`. Every server must answer the same object.
 * 3. **static**: a 1 MiB file under `/static/`, from aio's and tornado's `StaticFileHandler` and
 *    `@fastify/static`: the 304 path (every request carries `If-None-Match` with the ETag the
 *    server gave, learnt by a first request, and must be answered 304), then the whole file
 *    (every response checked once, byte for byte, before the load).
 * 4. **template**: tornado's own template benchmark (`maint/benchmark/template_benchmark.py`,
 *    once `demos/benchmark/`): its page of a navigation list and a table of 1,000 rows × 10 cells,
 *    rendered to bytes again and again in one process, renders per second: aio's `Template`
 *    (`src/children/web-template.ts`) against tornado 6's (`src/peers/web_template.py`). The
 *    template (`src/peers/web_template.tmpl`) is tornado's, in the subset both engines read the
 *    same (code inside tags is JavaScript in aio's): its navigation tuples are lists, and each
 *    row a list of the ten numbers instead of a dict (a dict iterates its keys, a JavaScript
 *    object not at all). Both engines' output is compared, byte for byte, before the timing.
 *
 * The server cases run under wrk (Debian's `/usr/bin/wrk`), `wrk -t1 -c50 -d5s --latency
 * --timeout 10s` after one second of the same load unmeasured, each round in a fresh server
 * process pinned to CPU 0 (`taskset -c 0`) with wrk on CPU 1 (`src/lib/wrk-rounds.ts`); rounds
 * alternate between servers so machine noise hits them alike, and medians are reported, with
 * the server's CPU time per request. The template case alternates a process of each engine per
 * round, pinned to CPU 0 as the servers are: a warm-up, then renders counted over a fixed time.
 *
 * Goals (the web issue): hello ≥ 1.3× fastify and ≥ 10× tornado; JSON ≥ 1.0× fastify with its
 * response schema; template ≥ 10× tornado's engine; static, the 304 path and the 1 MiB file,
 * ≥ 1.0× `@fastify/static`. A missing peer (no Python tornado, no wrk) is reported and the rest
 * measured.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { benchSource, builtScript } from './lib/paths';
import { findPython, tornadoVersion, tryPythonPeer, type Python } from './lib/peers';
import { pinning, type Pinning } from './lib/pinning';
import {
  formatNumber,
  judge,
  median,
  progress,
  ratio,
  table,
  verdict,
  type Cell,
} from './lib/report';
import { nodeServer, pythonServer, type EchoServer } from './lib/servers';
import { wrkCommand } from './lib/wrk';
import {
  runWrkRounds,
  wrkMedians,
  type WrkLoad,
  type WrkPlan,
  type WrkRounds,
} from './lib/wrk-rounds';
import type { Benchmark, BenchOptions } from './cli';

/** The contenders, as every result is keyed. */
const CONTENDERS = ['aio', 'fastify', 'tornado'] as const;
type Contender = (typeof CONTENDERS)[number];
/**
 * The hello case's reference server (`src/servers/web-floor.ts`): the same bytes as aio's answer
 * from the aio loop with no HTTP at all, measured beside the others and judged by no goal.
 */
const FLOOR = 'floor';
const FLOOR_LABEL = 'floor: aio loop, fixed bytes, no HTTP (reference)';

/** listen()'s backlog for every server (the kernel caps it at net.core.somaxconn). */
const BACKLOG = 4096;
/** The static case's file, under `/static/`. */
const STATIC_FILE = 'big.bin';
const STATIC_BYTES = 1024 * 1024;
/** The JSON case's object, which every server builds per request (see its server files). */
const ITEM = { id: 1, name: 'Hello, world', tags: ['tornado', 'web', 'json'], active: true };
/** Rows of the template's table, as tornado's benchmark has. */
const TEMPLATE_ROWS = 1000;
/** The most one template process may take. */
const CHILD_TIMEOUT_MS = 120_000;

// ─── the server cases ───────────────────────────────────────────────────────────────────────

type CaseKey = 'hello' | 'json' | 'static304' | 'static1MiB';

interface ServerCase {
  readonly key: CaseKey;
  readonly title: string;
  /** aio's server, `src/servers/<aio>.ts`. */
  readonly aio: 'web-hello' | 'web-json' | 'web-static';
  /** The peers' `--case` (`src/servers/fastify-web.ts`, `src/peers/web_tornado.py`). */
  readonly peerCase: 'hello' | 'json' | 'static';
  /** How the table names each contender (versions added). */
  readonly labels: (v: Versions) => Record<Contender, string>;
  readonly load: WrkLoad;
  /** Measure the floor (`web-floor.ts`) too. */
  readonly floor?: boolean;
}

interface Versions {
  readonly fastify: string | null;
  readonly fastifyStatic: string | null;
  readonly tornado: string | null;
}

/** A response, read whole. */
interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One `GET path` on its own connection (`agent: false`: `Connection: close`). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no response within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** A response as an error message shows it: its status and the start of its body. */
function shown(response: Response): string {
  const text = response.body.subarray(0, 80).toString('utf8');
  return `${response.status} ${JSON.stringify(text)}${response.body.length > 80 ? '…' : ''}`;
}

function serverCases(file: Buffer): ServerCase[] {
  const staticLabels = (v: Versions): Record<Contender, string> => ({
    aio: 'aio StaticFileHandler',
    fastify: `@fastify/static${v.fastifyStatic ? ` ${v.fastifyStatic}` : ''}`,
    tornado: `tornado${v.tornado ? ` ${v.tornado}` : ''} StaticFileHandler`,
  });
  const path = `/static/${STATIC_FILE}`;
  /** The file, checked whole; its ETag. */
  const fetchFile = async (port: number): Promise<string> => {
    const response = await get(port, path);
    if (response.status !== 200 || !response.body.equals(file)) {
      throw new Error(
        `GET ${path}: expected 200 and the ${STATIC_BYTES}-byte file, got ${response.status} and ${response.body.length} bytes${response.body.equals(file) ? '' : ' (not the file)'}`,
      );
    }
    const etag = response.headers.etag;
    if (typeof etag !== 'string' || etag === '') throw new Error(`GET ${path}: no ETag header`);
    return etag;
  };
  return [
    {
      key: 'hello',
      title: 'Hello, world: GET / (keep-alive)',
      aio: 'web-hello',
      peerCase: 'hello',
      floor: true,
      labels: (v) => ({
        aio: 'aio web.Application',
        fastify: `fastify${v.fastify ? ` ${v.fastify}` : ''}`,
        tornado: `tornado${v.tornado ? ` ${v.tornado}` : ''} web.Application`,
      }),
      load: {
        name: 'hello',
        path: '/',
        async prepare(port) {
          const response = await get(port, '/');
          if (response.status !== 200 || response.body.toString() !== 'Hello, world') {
            throw new Error(`GET /: expected 200 "Hello, world", got ${shown(response)}`);
          }
          return [];
        },
      },
    },
    {
      key: 'json',
      title: `JSON: GET / answered ${JSON.stringify(ITEM)}, built per request (keep-alive)`,
      aio: 'web-json',
      peerCase: 'json',
      labels: (v) => ({
        aio: 'aio RequestHandler.write(object)',
        fastify: `fastify${v.fastify ? ` ${v.fastify}` : ''}, response schema`,
        tornado: `tornado${v.tornado ? ` ${v.tornado}` : ''} write(dict)`,
      }),
      load: {
        name: 'json',
        path: '/',
        async prepare(port) {
          const response = await get(port, '/');
          let body: unknown;
          try {
            body = JSON.parse(response.body.toString());
          } catch {
            body = undefined;
          }
          const type = String(response.headers['content-type'] ?? '');
          if (
            response.status !== 200 ||
            !type.startsWith('application/json') ||
            !isDeepStrictEqual(body, ITEM)
          ) {
            throw new Error(
              `GET /: expected 200 application/json ${JSON.stringify(ITEM)}, got ${shown(response)} (${type || 'no Content-Type'})`,
            );
          }
          return [];
        },
      },
    },
    {
      key: 'static304',
      title: `static, the 304 path: GET ${path} with If-None-Match: the server's ETag (keep-alive)`,
      aio: 'web-static',
      peerCase: 'static',
      labels: staticLabels,
      load: {
        name: 'static 304',
        path,
        async prepare(port) {
          const etag = await fetchFile(port);
          const response = await get(port, path, { 'If-None-Match': etag });
          if (response.status !== 304) {
            throw new Error(
              `GET ${path} with If-None-Match: ${etag}: expected 304, got ${shown(response)}`,
            );
          }
          return ['-H', `If-None-Match: ${etag}`];
        },
      },
    },
    {
      key: 'static1MiB',
      title: `static, the whole file: GET ${path}, ${STATIC_BYTES / 2 ** 20} MiB (keep-alive)`,
      aio: 'web-static',
      peerCase: 'static',
      labels: staticLabels,
      load: {
        name: 'static 1 MiB',
        path,
        async prepare(port) {
          await fetchFile(port);
          return [];
        },
      },
    },
  ];
}

/** The servers of `c`: aio's, fastify's, and tornado's when there is a Python with tornado. */
function caseServers(c: ServerCase, python: string | null, dir: string): EchoServer[] {
  const common = [`--backlog=${BACKLOG}`, ...(c.peerCase === 'static' ? [`--dir=${dir}`] : [])];
  const servers: EchoServer[] = [nodeServer('aio', c.aio, ...common)];
  servers.push(nodeServer('fastify', 'fastify-web', `--case=${c.peerCase}`, ...common));
  if (python) {
    servers.push(
      pythonServer('tornado', python, 'peers/web_tornado.py', `--case=${c.peerCase}`, ...common),
    );
  }
  if (c.floor === true) servers.push(nodeServer(FLOOR, 'web-floor', ...common));
  return servers;
}

/** The servers a case measured: the contenders, and the floor where it has one. */
function caseServerNames(c: ServerCase): string[] {
  return c.floor === true ? [...CONTENDERS, FLOOR] : [...CONTENDERS];
}

function caseTable(
  results: WrkRounds,
  names: readonly string[],
  labels: Readonly<Record<string, string>>,
  peer: string,
): string {
  const fastify = wrkMedians(results, 'fastify');
  const tornado = wrkMedians(results, 'tornado');
  const rows: Cell[][] = names.map((name) => {
    const m = wrkMedians(results, name);
    const why = results.skipped[name];
    const label = labels[name] ?? name;
    return [
      why ? `${label} (${why})` : label,
      m?.requestsPerSec ?? null,
      ratio(m?.requestsPerSec ?? null, fastify?.requestsPerSec ?? null),
      ratio(m?.requestsPerSec ?? null, tornado?.requestsPerSec ?? null),
      m?.latencyAvgMs ?? null,
      m?.latencyP99Ms ?? null,
      m?.serverCpuUsPerRequest ?? null,
      m?.serverCores?.toFixed(2) ?? null,
    ];
  });
  return table(
    [
      'server',
      'req/s',
      `÷ ${peer}`,
      '÷ tornado',
      'avg ms',
      'p99 ms',
      'server µs CPU/req',
      'server cores',
    ],
    rows,
  );
}

/**
 * What the floor says under the hello table: its ratio to tornado (more than any server on the
 * aio loop could reach here), and how much of its rate and CPU aio's application takes.
 */
function floorLine(results: WrkRounds): string {
  const floor = wrkMedians(results, FLOOR);
  const aio = wrkMedians(results, 'aio');
  const tornado = wrkMedians(results, 'tornado');
  if (!floor) return `The floor: not measured (${results.skipped[FLOOR] ?? 'no figures'}).`;
  const parts = [
    `The floor (web-floor.ts): one recv and one send per request on the aio loop, the same bytes as aio's answer, no HTTP`,
  ];
  if (tornado) {
    parts.push(
      `${ratio(floor.requestsPerSec, tornado.requestsPerSec)} tornado's rate: no server on the aio loop passes that here`,
    );
  }
  if (aio) {
    const share = `aio web.Application reached ${((100 * aio.requestsPerSec) / floor.requestsPerSec).toFixed(0)}% of its rate`;
    const [mine, least] = [aio.serverCpuUsPerRequest, floor.serverCpuUsPerRequest];
    parts.push(
      mine === null || least === null
        ? share
        : `${share}, with ${(mine - least).toFixed(1)} µs of CPU per request beyond it (parse, route, handler, response)`,
    );
  }
  return `${parts.join('; ')}.`;
}

/** `(the floor: N×)` after the hello goal against tornado, when both were measured. */
function floorOfTornado(results: WrkRounds | undefined): string {
  const floor = results && wrkMedians(results, FLOOR);
  const tornado = results && wrkMedians(results, 'tornado');
  return floor && tornado
    ? ` (the floor: ${ratio(floor.requestsPerSec, tornado.requestsPerSec)})`
    : '';
}

// ─── the template case ──────────────────────────────────────────────────────────────────────

interface TemplateAnswer {
  readonly rate: number;
  readonly renders: number;
  readonly seconds: number;
  readonly bytes: number;
  readonly output?: string;
  readonly tornado?: string;
}

interface TemplatePlan {
  readonly rounds: number;
  readonly warmupSec: number;
  readonly seconds: number;
}

export interface TemplateResults {
  readonly rows: number;
  /** Renders per second of every round, by contender (`aio`, `tornado`). */
  readonly samples: Record<string, number[]>;
  /** The length of one render, by contender. */
  readonly bytes: Record<string, number>;
  readonly skipped: Record<string, string>;
  readonly failed: Record<string, string>;
  /** `identical`, where the outputs first differ, or why they were not compared. */
  readonly outputCheck: string;
  readonly tornadoVersion: string | null;
}

/** Runs aio's template child once (pinned as `prefix` says) and reads its answer. */
function aioTemplate(args: object, prefix: readonly string[]): Promise<TemplateAnswer> {
  const [command, ...before] = [...prefix, process.execPath];
  const script = builtScript('children/web-template');
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...before, script, JSON.stringify(args)],
      { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(`web-template failed: ${stderr.trim().split('\n').at(-1) || err.message}`),
          );
          return;
        }
        resolve(JSON.parse(stdout) as TemplateAnswer);
      },
    );
  });
}

/** Where two renders first differ: the offset and a little of each around it. */
function firstDifference(aio: string, tornado: string): string {
  let at = 0;
  while (at < aio.length && at < tornado.length && aio[at] === tornado[at]) at++;
  const around = (text: string): string =>
    JSON.stringify(text.slice(Math.max(0, at - 20), at + 40));
  return `differs at character ${at} (aio ${aio.length} characters, tornado ${tornado.length}): aio ${around(aio)}, tornado ${around(tornado)}`;
}

async function measureTemplate(
  python: Python | null,
  plan: TemplatePlan,
  pin: Pinning,
): Promise<TemplateResults> {
  const samples: Record<string, number[]> = {};
  const bytes: Record<string, number> = {};
  const skipped: Record<string, string> = {};
  const failed: Record<string, string> = {};
  const outputs: Record<string, string> = {};
  let tornadoVersion: string | null = null;
  const template = benchSource('peers/web_template.tmpl');
  for (let round = 1; round <= plan.rounds; round++) {
    // The first round's processes also give one render each, compared below.
    const args = {
      template,
      rows: TEMPLATE_ROWS,
      warmupSec: plan.warmupSec,
      seconds: plan.seconds,
      output: round === 1,
    };
    if (!skipped.aio) {
      progress(`web: template, aio, round ${round}/${plan.rounds}`);
      try {
        const answer = await aioTemplate(args, pin.server);
        (samples.aio ??= []).push(answer.rate);
        bytes.aio = answer.bytes;
        if (answer.output !== undefined) outputs.aio = answer.output;
      } catch (err) {
        const why = (err as Error).message.split('\n')[0]!;
        failed.aio = why;
        skipped.aio = `FAILED: ${why}`;
      }
    }
    if (!skipped.tornado) {
      progress(`web: template, tornado, round ${round}/${plan.rounds}`);
      const answer = await tryPythonPeer<TemplateAnswer>(
        python,
        'web_template.py',
        args,
        CHILD_TIMEOUT_MS,
        pin.server,
      );
      if (typeof answer === 'string') {
        skipped.tornado = answer;
      } else {
        (samples.tornado ??= []).push(answer.rate);
        bytes.tornado = answer.bytes;
        tornadoVersion = answer.tornado ?? null;
        if (answer.output !== undefined) outputs.tornado = answer.output;
      }
    }
  }
  let outputCheck: string;
  if (outputs.aio === undefined || outputs.tornado === undefined) {
    outputCheck = `not compared (${outputs.aio === undefined ? `aio: ${skipped.aio ?? 'no output'}` : `tornado: ${skipped.tornado ?? 'no output'}`})`;
  } else if (outputs.aio === outputs.tornado) {
    outputCheck = 'identical';
  } else {
    outputCheck = firstDifference(outputs.aio, outputs.tornado);
    failed.aio ??= `its output ${outputCheck}`;
    skipped.aio ??= `FAILED: output differs from tornado's`;
  }
  return {
    rows: TEMPLATE_ROWS,
    samples,
    bytes,
    skipped,
    failed,
    outputCheck,
    tornadoVersion,
  };
}

function templateRate(results: TemplateResults, name: string): number | null {
  const values = results.samples[name];
  return values?.length && !results.failed[name] ? median(values) : null;
}

// ─── the benchmark ──────────────────────────────────────────────────────────────────────────

/** A package's version as this package resolves it, or null when it is not installed. */
function packageVersion(name: string): string | null {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

export const webBenchmark: Benchmark = {
  name: 'web',
  description:
    'tornado web: web.Application "Hello, world", a JSON handler, StaticFileHandler (304 and 1 MiB) with wrk, and template renders: aio vs fastify, tornado 6',
  async run(options: BenchOptions) {
    const python = findPython();
    const tornado = python ? tornadoVersion(python.path) : null;
    const versions: Versions = {
      fastify: packageVersion('fastify'),
      fastifyStatic: packageVersion('@fastify/static'),
      tornado,
    };
    const pin = pinning('wrk');
    const notes: string[] = [];
    const plan: WrkPlan = {
      wrk: wrkCommand(),
      threads: 1,
      connections: 50,
      durationSec: options.quick ? 2 : 5,
      warmupSec: 1,
      timeout: '10s',
      rounds: options.quick ? 1 : 3,
      pin,
    };
    const templatePlan: TemplatePlan = options.quick
      ? { rounds: 1, warmupSec: 0.3, seconds: 0.5 }
      : { rounds: 5, warmupSec: 1, seconds: 2 };

    const unavailable: Partial<Record<Contender, string>> = {};
    if (!python) unavailable.tornado = 'python3 not found';
    else if (!tornado) unavailable.tornado = `tornado not installed for ${python.path}`;
    if (!versions.fastify) unavailable.fastify = 'not installed (pnpm install in apps/bench)';

    const hasWrk = spawnSync(plan.wrk, ['-v'], { stdio: 'ignore' }).error === undefined;
    const file = randomBytes(STATIC_BYTES);
    const dir = mkdtempSync(join(tmpdir(), 'aio-bench-web-'));
    writeFileSync(join(dir, STATIC_FILE), file);
    const cases = serverCases(file);
    const results: Partial<Record<CaseKey, WrkRounds>> = {};
    try {
      if (!hasWrk) {
        notes.push(`server cases skipped: no ${plan.wrk} (apt-get install wrk)`);
      } else {
        for (const c of cases) {
          const servers = caseServers(c, tornado ? python!.path : null, dir);
          results[c.key] = await runWrkRounds(c.load, servers, plan, unavailable, (message) =>
            progress(`web: ${message}`),
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const template = await measureTemplate(python, templatePlan, pin);

    // ─── goals and report ───
    const rate = (key: CaseKey, name: Contender): number | null => {
      const r = results[key];
      return r ? (wrkMedians(r, name)?.requestsPerSec ?? null) : null;
    };
    const aioFailed = (key: CaseKey): string | null => results[key]?.failed.aio ?? null;
    const serverGoal = (key: CaseKey, peer: Contender, times: number) =>
      judge(rate(key, 'aio'), rate(key, peer), times, aioFailed(key));
    const goals = {
      helloAtLeast13xFastify: serverGoal('hello', 'fastify', 1.3),
      helloAtLeast10xTornado: serverGoal('hello', 'tornado', 10),
      jsonAtLeastFastify: serverGoal('json', 'fastify', 1),
      templateAtLeast10xTornado: judge(
        templateRate(template, 'aio'),
        templateRate(template, 'tornado'),
        10,
        template.failed.aio ?? null,
      ),
      static304AtLeastFastifyStatic: serverGoal('static304', 'fastify', 1),
      static1MiBAtLeastFastifyStatic: serverGoal('static1MiB', 'fastify', 1),
    };
    /** A goal's line: its verdict, and why it was not measured when it was not. */
    const goalLine = (
      what: string,
      goal: { met: boolean | null; display: string },
      skipped: Readonly<Record<string, string>> | undefined,
      peer: string,
    ): string => {
      let why = '';
      if (goal.met === null) {
        const missing = ['aio', peer].filter((name) => skipped?.[name]);
        why = skipped
          ? missing.map((name) => ` (${name}: ${skipped[name]})`).join('')
          : ' (no wrk)';
      }
      return `  ${what}: ${verdict(goal)}${why}`;
    };

    const failures = [
      ...Object.entries(results).flatMap(([key, r]) =>
        Object.entries(r.failed).map(([name, why]) => `${key}, ${name}: ${why}`),
      ),
      ...Object.entries(template.failed).map(([name, why]) => `template, ${name}: ${why}`),
    ];
    const peers = `Node ${process.version}, fastify ${versions.fastify ?? 'not installed'}, @fastify/static ${versions.fastifyStatic ?? 'not installed'}; ${python ? `Python ${python.version}` : 'no Python'}${tornado ? `, tornado ${tornado}` : ''}`;
    const caseSections = hasWrk
      ? cases.flatMap((c) => {
          const r = results[c.key];
          const peer = c.peerCase === 'static' ? '@fastify/static' : 'fastify';
          if (!r) return [];
          const labels = { ...c.labels(versions), [FLOOR]: FLOOR_LABEL };
          const lines = [`${c.title}:`, caseTable(r, caseServerNames(c), labels, peer)];
          if (c.floor === true) lines.push(floorLine(r));
          return [...lines, ''];
        })
      : ['server cases: skipped (no wrk)', ''];
    const aioTemplateRate = templateRate(template, 'aio');
    const tornadoTemplateRate = templateRate(template, 'tornado');
    const templateLabel = `tornado${template.tornadoVersion ? ` ${template.tornadoVersion}` : ''} Template`;
    const templateRow = (label: string, name: string, perSec: number | null): Cell[] => {
      const why = template.skipped[name];
      return [
        why ? `${label} (${why})` : label,
        perSec,
        perSec === null ? null : 1000 / perSec,
        ratio(perSec, tornadoTemplateRate),
      ];
    };
    const templateRows = [
      templateRow('aio Template', 'aio', aioTemplateRate),
      templateRow(templateLabel, 'tornado', tornadoTemplateRate),
    ];
    const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
    const text = [
      ...(failures.length ? ['FAILED measurements:', ...failures.map((f) => `  ${f}`), ''] : []),
      `Server cases: wrk -t${plan.threads} -c${plan.connections} -d${plan.durationSec}s --latency --timeout ${plan.timeout} after ${plan.warmupSec} s of the same load, a fresh server each round (median of ${n(plan.rounds, 'alternating round')}); ${pin.note}; ${peers}`,
      ...caseSections,
      `Server CPU: all its threads' user + system time over the measured run ÷ the responses wrk read; server cores: that time ÷ the run's wall time. A run with any error (non-2xx/3xx, socket error, a response over ${plan.timeout}, a server answering otherwise than the case expects) fails the server's figures for that case.`,
      '',
      `Template: tornado's template benchmark (1 page, a table of ${TEMPLATE_ROWS.toLocaleString('en-US')} rows × 10 cells, ${formatNumber(template.bytes.aio ?? template.bytes.tornado ?? 0)} bytes), generate() to bytes in a loop, in one process per engine and round, pinned to CPU 0 like the servers: renders counted over ${templatePlan.seconds} s after ${templatePlan.warmupSec} s of warm-up (median of ${n(templatePlan.rounds, 'alternating round')}); output ${template.outputCheck}`,
      table(['engine', 'renders/s', 'ms/render', '÷ tornado'], templateRows),
      '',
      'Goals:',
      goalLine(
        'hello ≥ 1.3× fastify',
        goals.helloAtLeast13xFastify,
        results.hello?.skipped,
        'fastify',
      ),
      goalLine(
        'hello ≥ 10× tornado',
        goals.helloAtLeast10xTornado,
        results.hello?.skipped,
        'tornado',
      ) + floorOfTornado(results.hello),
      goalLine(
        'JSON ≥ 1.0× fastify (response schema)',
        goals.jsonAtLeastFastify,
        results.json?.skipped,
        'fastify',
      ),
      goalLine(
        'template ≥ 10× tornado',
        goals.templateAtLeast10xTornado,
        template.skipped,
        'tornado',
      ),
      goalLine(
        'static 304 ≥ 1.0× @fastify/static',
        goals.static304AtLeastFastifyStatic,
        results.static304?.skipped,
        'fastify',
      ),
      goalLine(
        'static 1 MiB ≥ 1.0× @fastify/static',
        goals.static1MiBAtLeastFastifyStatic,
        results.static1MiB?.skipped,
        'fastify',
      ),
      ...notes,
    ].join('\n');

    const caseData = (c: ServerCase) => {
      const r = results[c.key];
      return (
        r && {
          medians: Object.fromEntries(
            caseServerNames(c).map((name) => [name, wrkMedians(r, name)]),
          ),
          rounds: r.rounds,
          skipped: r.skipped,
          failed: r.failed,
        }
      );
    };
    const caseOf = (key: CaseKey): ServerCase => cases.find((c) => c.key === key)!;
    return {
      text,
      data: {
        wrk: {
          command:
            `${pin.client.join(' ')} ${plan.wrk} -t${plan.threads} -c${plan.connections} -d${plan.durationSec}s --latency --timeout ${plan.timeout}`.trim(),
          warmupSec: plan.warmupSec,
          rounds: plan.rounds,
          pinning: pin.note,
        },
        hello: caseData(caseOf('hello')),
        json: caseData(caseOf('json')),
        static304: caseData(caseOf('static304')),
        static1MiB: caseData(caseOf('static1MiB')),
        template: {
          ...templatePlan,
          rows: template.rows,
          bytes: template.bytes,
          perSec: { aio: aioTemplateRate, tornado: tornadoTemplateRate },
          samples: template.samples,
          skipped: template.skipped,
          failed: template.failed,
          outputCheck: template.outputCheck,
        },
        goals,
        failures,
        notes,
        peers: {
          fastify: versions.fastify,
          fastifyStatic: versions.fastifyStatic,
          python: python ? `${python.path} ${python.version}` : null,
          tornado,
        },
      },
    };
  },
};
