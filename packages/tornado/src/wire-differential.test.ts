/**
 * Wire differential: the same bytes through Node's own llhttp (`process.binding('http_parser')`,
 * strict: no lenient flags, as a Node server without `insecureHTTPParser`) and through our
 * HTTPServer over a real socket, and no disagreement that wire/policy.ts does not list. The bytes:
 * the strict request cases of llhttp's corpus and their `+Host` variants, and generated mutations
 * (wire/mutations.ts: every byte in header names, values and the target; Content-Length and
 * Transfer-Encoding spellings and combinations; chunk sizes, extensions, last chunks, trailers).
 *
 * First, the harness itself is checked: Node's llhttp, fed the corpus (whole and a byte at a
 * time), must report what the corpus logs say — except where Node's llhttp version is known to
 * differ from the corpus's (listed in policy.ts) — and must give each `+Host` variant the verdict
 * the conformance suite derives for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isStrictRequestCase,
  readCorpus,
  withHost,
  type ParsedMessage,
  type ParseResult,
} from './wire/corpus';
import {
  check,
  describeExchange,
  expectationOf,
  groupHeaders,
  judge,
  openFdCount,
  pool,
  startEchoServer,
  type RunningServer,
  type SendMode,
} from './wire/harness';
import { mutations, SERVER_MAX_HEADER_SIZE } from './wire/mutations';
import { NODE_LLHTTP_VERSION, nodeParse } from './wire/node-llhttp';
import { NODE_LLHTTP_DIFFERENCES, policyExpectation, policyFor, policyIds } from './wire/policy';
import { captureAppLog } from './test-log-capture';

const IDLE_MS = 100;
const CONCURRENCY = 16;

const CORPUS = readCorpus('request')
  .filter(isStrictRequestCase)
  .filter((c) => c.meta.skipBody !== true);
const MUTATIONS = mutations();
const NODE_DIFFERS = new Set(NODE_LLHTTP_DIFFERENCES.map((d) => d.id));

/**
 * A verdict in comparable form: offsets and reasons left out, values trimmed, headers grouped
 * (and, with `errorName` false, which error it was).
 */
function summary(result: ParseResult, errorName = true): string {
  const message = (m: ParsedMessage): unknown => [
    m.method,
    m.url,
    m.version,
    groupHeaders(m.headers),
    m.body.toString('latin1'),
    m.upgrade,
    m.keepAlive,
  ];
  return JSON.stringify({
    outcome: result.outcome,
    error: result.outcome === 'error' && errorName ? result.error?.name : undefined,
    messages: result.messages.map(message),
  });
}

interface Input {
  id: string;
  input: Buffer;
  /** What the corpus log says (corpus inputs only): the verdict where Node's llhttp is known to differ. */
  logged?: ParseResult;
}

const INPUTS: readonly Input[] = [
  ...CORPUS.flatMap((c): Input[] => {
    const hosted = withHost(c);
    return [
      { id: c.id, input: c.input, logged: c },
      ...(hosted === null
        ? []
        : [{ id: `${c.id} +Host`, input: hosted.input, logged: hosted.result }]),
    ];
  }),
  ...MUTATIONS.map((m): Input => ({ id: m.id, input: m.input })),
];

describe(`Node's llhttp ${NODE_LLHTTP_VERSION} (strict) as the harness sees it`, () => {
  it('reports, for every corpus case, what the corpus log says (whole and byte by byte)', () => {
    const differs: string[] = [];
    for (const c of CORPUS) {
      for (const split of [undefined, 1]) {
        const node = summary(nodeParse(c.input, { split }));
        if (node !== summary(c) && !NODE_DIFFERS.has(c.id)) {
          differs.push(
            `${c.id} (split ${String(split ?? 'none')})\n  log:  ${summary(c)}\n  node: ${node}`,
          );
        }
      }
    }
    expect(differs).toEqual([]);
  });

  it('differs from the corpus exactly where policy.ts says its version does', () => {
    const actual = CORPUS.filter((c) => summary(nodeParse(c.input)) !== summary(c)).map(
      (c) => c.id,
    );
    expect(actual.sort()).toEqual([...NODE_DIFFERS].sort());
  });

  it('gives each +Host variant the verdict derived from the log', () => {
    const differs: string[] = [];
    for (const c of CORPUS) {
      const hosted = withHost(c);
      if (hosted === null || NODE_DIFFERS.has(c.id)) continue;
      const node = summary(nodeParse(hosted.input), false);
      if (node !== summary(hosted.result, false)) {
        differs.push(`${c.id} +Host\n  derived: ${summary(hosted.result)}\n  node:    ${node}`);
      }
    }
    expect(differs).toEqual([]);
  });
});

interface Verdict {
  id: string;
  mode: SendMode;
  judgedBy: string;
  problems: string[];
  stale: boolean;
  got: string;
}

async function differential(server: RunningServer, input: Input, mode: SendMode): Promise<Verdict> {
  // Node's header size limit set to our server's default, so that limits compare like for like.
  const node = nodeParse(input.input, { maxHeaderSize: SERVER_MAX_HEADER_SIZE });
  // Where this Node's llhttp is known to differ from the corpus's version, the corpus judges.
  const reference =
    input.logged !== undefined && NODE_DIFFERS.has(input.id.replace(/ \+Host$/, ''))
      ? input.logged
      : node;
  const listed = policyFor(input.id);
  const expected = listed === null ? expectationOf(reference) : policyExpectation(listed.ours);
  const { problems, got } = await check(server, input.input, mode, expected, IDLE_MS);
  return {
    id: input.id,
    mode,
    judgedBy:
      listed === null
        ? reference === node
          ? 'node llhttp'
          : 'corpus log'
        : `policy ${listed.policy.name}`,
    problems,
    stale: listed !== null && judge(expectationOf(reference), got).length === 0,
    got: describeExchange(got),
  };
}

describe("HTTPServer against Node's llhttp on the same bytes", () => {
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
    const listed = verdicts.filter((v) => v.judgedBy.startsWith('policy')).length;
    const failed = verdicts.filter((v) => v.problems.length > 0).length;
    console.log(
      `wire differential: ${String(verdicts.length)} exchanges (${String(CORPUS.length)} corpus cases, ` +
        `${String(INPUTS.length - MUTATIONS.length - CORPUS.length)} +Host variants, ${String(MUTATIONS.length)} mutations), ` +
        `${String(listed)} judged by a policy, ${String(failed)} failed`,
    );
  });

  it.each(['whole', 'bytewise'] as const)(
    'disagrees nowhere the policy does not list (corpus and +Host, sent %s)',
    async (mode) => {
      const run = await pool(
        INPUTS.filter((i) => i.logged !== undefined).map(
          (i) => () => differential(server, i, mode),
        ),
        CONCURRENCY,
      );
      verdicts.push(...run);
      const failures = run.filter((v) => v.problems.length > 0).map(report);
      expect(failures, `${String(failures.length)} of ${String(run.length)}`).toEqual([]);
    },
  );

  it('disagrees nowhere the policy does not list (mutations, sent whole)', async () => {
    const run = await pool(
      MUTATIONS.map((m) => () => differential(server, { id: m.id, input: m.input }, 'whole')),
      CONCURRENCY,
    );
    verdicts.push(...run);
    const failures = run.filter((v) => v.problems.length > 0).map(report);
    expect(failures, `${String(failures.length)} of ${String(run.length)}`).toEqual([]);
  });

  it('lists no mutation in the policy that agrees with llhttp, and no unknown mutation id', () => {
    const stale = verdicts.filter((v) => v.stale && v.id.startsWith('mutation:')).map((v) => v.id);
    expect(stale).toEqual([]);
    const known = new Set(MUTATIONS.map((m) => m.id));
    expect(policyIds().filter((id) => id.startsWith('mutation:') && !known.has(id))).toEqual([]);
  });

  it('logs no uncaught error, and leaves no connection or descriptor open', async () => {
    expect(log.records.filter((r) => r.level >= 40).map((r) => r.message)).toEqual([]);
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

function report(v: Verdict): string {
  return `${v.id} [${v.mode}, judged by ${v.judgedBy}]\n    got: ${v.got}\n    ${v.problems.join('\n    ')}`;
}
