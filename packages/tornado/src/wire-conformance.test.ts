/**
 * Wire conformance: every strict request case of llhttp's corpus (tooling/fixtures/llhttp),
 * replayed against our HTTPServer over real sockets on 127.0.0.1 — sent whole, one byte per
 * write, and followed by a pipelined `GET /second` — and judged by what llhttp's log says:
 * each message it completed comes back echoed (method, target, version, headers, body), an
 * input it rejects gets a 4xx and a close, an input it waits on gets no answer and no close. A
 * case where we deliberately differ is listed in wire/policy.ts, and must then do what its entry
 * says. Each case runs a second time with `Host: x` added to its HTTP/1.1 messages (`+Host`):
 * llhttp's corpus seldom sends Host, which our server requires, and this way the rest of each
 * case is judged too.
 *
 * `lenient-*` files and lenient-typed cases are llhttp's opt-in relaxed modes: skipped. So is the
 * `skipBody` case, which tests a parser callback's return value, not bytes on a wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isStrictRequestCase,
  readCorpus,
  withHost,
  type CorpusCase,
  type ParsedMessage,
  type ParseResult,
} from './wire/corpus';
import {
  check,
  describeExchange,
  expectationOf,
  judge,
  openFdCount,
  pool,
  startEchoServer,
  type RunningServer,
  type SendMode,
} from './wire/harness';
import { policyExpectation, policyFor, policyIds } from './wire/policy';
import { captureAppLog } from './test-log-capture';

/** How long a connection may stay quiet before we take it that nothing more comes (ms). */
const IDLE_MS = 100;
const CONCURRENCY = 16;
const MODES: readonly SendMode[] = ['whole', 'bytewise', 'pipelined'];

const SKIPPED: Readonly<Record<string, string>> = {
  'request/content-length.md#Content-Length reset when no body is received':
    'skipBody: llhttp told by its on_headers_complete callback to skip the body; not a wire behaviour',
};

const ALL = readCorpus('request');
const CASES = ALL.filter(isStrictRequestCase).filter((c) => SKIPPED[c.id] === undefined);

/** One input to replay: a corpus case as written, or its `+Host` variant. */
interface Replay {
  id: string;
  input: Buffer;
  parsed: ParseResult;
}

const REPLAYS: readonly Replay[] = CASES.flatMap((c: CorpusCase): Replay[] => {
  const hosted = withHost(c);
  return [
    { id: c.id, input: c.input, parsed: c },
    ...(hosted === null
      ? []
      : [{ id: `${c.id} +Host`, input: hosted.input, parsed: hosted.result }]),
  ];
});

const SECOND: ParsedMessage = {
  method: 'GET',
  url: '/second',
  version: '1.1',
  headers: [['Host', 'x']],
  trailers: [],
  body: Buffer.alloc(0),
  upgrade: false,
  keepAlive: true,
};

/**
 * llhttp's verdict on the case's bytes followed by `GET /second`, where its log implies one: a
 * complete input keeps going (or, after `Connection: close`, stops: data after close), an error
 * stays the error. An input that ends in the middle of a message or in an upgrade: null.
 */
function pipelined(parsed: ParseResult): ParseResult | null {
  if (parsed.outcome === 'error') return parsed;
  if (parsed.outcome !== 'complete') return null;
  const last = parsed.messages[parsed.messages.length - 1];
  if (last === undefined || last.keepAlive) {
    return { outcome: 'complete', messages: [...parsed.messages, SECOND], error: null };
  }
  return {
    outcome: 'error',
    messages: parsed.messages,
    error: {
      code: 5,
      name: 'HPE_CLOSED_CONNECTION',
      reason: 'Data after `Connection: close`',
      offset: -1,
    },
  };
}

interface Verdict {
  id: string;
  mode: SendMode;
  /** The policy this case is under, if any. */
  policy: string | null;
  problems: string[];
  /** A listed case where the server did what llhttp does after all. */
  stale: boolean;
  /** Bytewise: the server stopped reading before the last byte, so the rest went unpaced. */
  paceLost: boolean;
  got: string;
}

async function replay(server: RunningServer, r: Replay, mode: SendMode): Promise<Verdict | null> {
  const parsed = mode === 'pipelined' ? pipelined(r.parsed) : r.parsed;
  if (parsed === null) return null;
  const listed = policyFor(r.id);
  if (listed !== null && mode === 'pipelined' && 'wait' in listed.ours) return null;
  const expected = listed === null ? expectationOf(parsed) : policyExpectation(listed.ours);
  const { problems, got } = await check(server, r.input, mode, expected, IDLE_MS);
  const stale = listed !== null && judge(expectationOf(parsed), got).length === 0;
  return {
    id: r.id,
    mode,
    policy: listed?.policy.name ?? null,
    problems,
    stale,
    paceLost: got.paceLost,
    got: describeExchange(got),
  };
}

function report(v: Verdict): string {
  const under = v.policy === null ? 'llhttp' : `policy ${v.policy}`;
  return `${v.id} [${v.mode}, judged by ${under}]\n    got: ${v.got}\n    ${v.problems.join('\n    ')}`;
}

describe('the llhttp request corpus, replayed against HTTPServer', () => {
  let server: RunningServer;
  let fdsBefore = 0;
  let log: ReturnType<typeof captureAppLog>;
  const verdicts: Verdict[] = [];

  beforeAll(async () => {
    fdsBefore = openFdCount();
    log = captureAppLog();
    server = await startEchoServer();
  });

  afterAll(async () => {
    await server?.stop();
    log?.stop();
    for (const mode of MODES) {
      const run = verdicts.filter((v) => v.mode === mode);
      const listed = run.filter((v) => v.policy !== null).length;
      const passed = run.filter((v) => v.problems.length === 0).length;
      const unpaced = run.filter((v) => v.paceLost).length;
      console.log(
        `wire conformance (${mode}): ${String(run.length)} replays of ${String(CASES.length)} cases ` +
          `(+Host variants included), ${String(passed)} passed, ${String(listed)} judged by a policy` +
          (mode === 'bytewise' ? `, ${String(unpaced)} not paced to the end` : ''),
      );
    }
  });

  it('reads the corpus: every case has input and a verdict', () => {
    expect(CASES.length).toBeGreaterThan(100);
    for (const c of ALL) {
      expect(c.input.length, c.id).toBeGreaterThan(0);
      expect(['complete', 'incomplete', 'error', 'upgrade']).toContain(c.outcome);
    }
    const lenient = ALL.filter((c) => !isStrictRequestCase(c));
    expect(
      lenient.every((c) => c.meta.type.includes('lenient') || c.file.includes('lenient-')),
    ).toBe(true);
  });

  it.each(MODES)('every case sent %s is answered as llhttp or the policy says', async (mode) => {
    const results = await pool(
      REPLAYS.map((r) => () => replay(server, r, mode)),
      CONCURRENCY,
    );
    const run = results.filter((v): v is Verdict => v !== null);
    verdicts.push(...run);
    const failures = run.filter((v) => v.problems.length > 0).map(report);
    expect(failures, `${String(failures.length)} of ${String(run.length)} cases`).toEqual([]);
  });

  it('lists no case in the policy that agrees with llhttp, and no id the corpus lacks', () => {
    const stale = [
      ...new Set(verdicts.filter((v) => v.stale && v.mode === 'whole').map((v) => v.id)),
    ];
    expect(stale, 'policy entries whose case now does what llhttp does').toEqual([]);
    const known = new Set(REPLAYS.map((r) => r.id));
    const unknown = policyIds().filter((id) => id.startsWith('request/') && !known.has(id));
    expect(unknown, 'policy ids that name no corpus case').toEqual([]);
  });

  it('logs no uncaught error, and leaves no connection or descriptor open', async () => {
    const errors = log.records.filter((r) => r.level >= 40).map((r) => r.message);
    expect(errors).toEqual([]);
    for (let i = 0; i < 100 && server.connectionCount() > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.connectionCount()).toBe(0);
    await server.stop();
    let fds = openFdCount();
    for (let i = 0; i < 50 && fds > fdsBefore; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      fds = openFdCount();
    }
    expect(fds).toBeLessThanOrEqual(fdsBefore);
  });
});
