/**
 * Bar charts of the benchmarks' figures: what each benchmark measured (results/data/bench.json,
 * `results`), turned into one chart per case — aio's servers and their peers from the same run,
 * side by side. The loader (`bench.data.ts`) runs this at build time, so the page gets the bars,
 * not the whole results file.
 *
 * Each benchmark's data has its own shape (its `data` in `apps/bench/src/<name>.ts`); a reader
 * per benchmark picks the figure each case is judged by. A benchmark without a reader has no
 * chart, only its report; a case the run skipped (no peer installed) has no bars.
 */

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** One of aio's own (drawn in the accent colour); the rest are peers. */
  readonly aio: boolean;
}

export interface Chart {
  readonly title: string;
  /** What the value is: `requests/s`, `KiB per connection`. */
  readonly unit: string;
  /** False for costs (memory, CPU): the shortest bar is the best. */
  readonly higherIsBetter: boolean;
  readonly bars: readonly Bar[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A chart of `pick(record)` for each `[label, record]`, or nothing when no value is a number. */
function chart(
  title: string,
  unit: string,
  entries: readonly [string, unknown][],
  pick: (record: unknown) => unknown,
  higherIsBetter = true,
): Chart[] {
  const bars: Bar[] = [];
  for (const [label, record] of entries) {
    const value = pick(record);
    if (typeof value === 'number' && Number.isFinite(value)) {
      bars.push({ label, value, aio: label.startsWith('aio') });
    }
  }
  return bars.length === 0 ? [] : [{ title, unit, higherIsBetter, bars }];
}

const entriesOf = (value: unknown): [string, unknown][] =>
  isObject(value) ? Object.entries(value) : [];

const field =
  (name: string) =>
  (record: unknown): unknown =>
    isObject(record) ? record[name] : undefined;

/** The wrk cases of `pnpm bench http` and `web`: `{ <case>: { medians: { <server>: … } } }`. */
function serverCases(
  data: Json,
  cases: readonly [key: string, title: string][],
  label: (server: string, key: string) => string = (server) => server,
): Chart[] {
  return cases.flatMap(([key, title]) => {
    const medians = isObject(data[key]) ? data[key].medians : undefined;
    return chart(
      title,
      'requests/s',
      entriesOf(medians).map(([server, record]) => [label(server, key), record]),
      field('requestsPerSec'),
    );
  });
}

/** The idle connections cases: `{ servers: { <server>: { perConnectionKiB, … } } }`. */
function idleCase(data: unknown, title: string, key: string): Chart[] {
  const servers = isObject(data) ? data.servers : undefined;
  return chart(title, 'KiB per connection', entriesOf(servers), field(key), false);
}

const WEB_SERVERS: Readonly<Record<string, string>> = {
  aio: 'aio web.Application',
  fastify: 'fastify',
  tornado: 'tornado 6.2 web.Application',
  floor: 'floor: aio loop, fixed bytes, no HTTP',
};

const READERS: Readonly<Record<string, (data: Json) => Chart[]>> = {
  http: (data) => [
    ...serverCases(data, [
      ['keepAlive', 'keep-alive GET / ("Hello, world!")'],
      ['connectionClose', 'GET / with Connection: close'],
      ['post64KiB', 'POST of 64 KiB, keep-alive'],
    ]),
    ...idleCase(data.idle, 'idle keep-alive connections: memory each', 'settledPerConnectionKiB'),
  ],
  web: (data) => [
    ...serverCases(
      data,
      [
        ['hello', '"Hello, world" from a RequestHandler'],
        ['json', 'a small object as JSON'],
        ['static304', 'a static file, the 304 path'],
        ['static1MiB', 'a static file of 1 MiB'],
      ],
      (server, key) =>
        server === 'fastify' && key.startsWith('static')
          ? '@fastify/static'
          : (WEB_SERVERS[server] ?? server),
    ),
    ...chart(
      "tornado's template benchmark",
      'renders/s',
      entriesOf(isObject(data.template) ? data.template.perSec : undefined).map(
        ([engine, value]) => [engine === 'aio' ? 'aio Template' : 'tornado 6.2 Template', value],
      ),
      (value) => value,
    ),
  ],
  websocket: (data) => [
    ...['text1KiB', 'binary64KiB', 'deflate1KiB'].flatMap((key) => {
      const result = isObject(data[key]) ? data[key] : {};
      const medians = entriesOf(result.medians).filter(([server]) => server !== 'ceiling');
      return chart(
        typeof result.title === 'string' ? result.title : key,
        'messages/s',
        medians.map(([server, record]) => [server === 'tornado' ? 'tornado 6.2' : server, record]),
        field('messagesPerSec'),
      );
    }),
    ...idleCase(data.idle, 'idle WebSocket connections: memory each', 'perConnectionKiB'),
  ],
  iostream: (data) => [
    ...chart(
      "line echo with readUntil('\\n')",
      'requests/s',
      entriesOf(isObject(data.echo) ? data.echo.requestsPerSec : undefined),
      (value) => value,
    ),
    ...chart(
      'the same over TLS',
      'requests/s',
      entriesOf(isObject(data.tlsEcho) ? data.tlsEcho.perSec : undefined),
      (value) => value,
    ),
    ...chart(
      'full TLS handshakes',
      'handshakes/s',
      entriesOf(isObject(data.tlsHandshakes) ? data.tlsHandshakes.perSec : undefined),
      (value) => value,
    ),
  ],
  httpclient: (data) => [
    ...chart(
      'keep-alive GETs to nginx, 50 at a time',
      'requests/s',
      entriesOf(data.medians),
      field('requestsPerSec'),
    ),
    ...chart(
      'requests each connection carried',
      'requests per connection',
      entriesOf(data.medians),
      field('requestsPerConnection'),
    ),
  ],
};

/** The charts of every benchmark that has a reader and a result. */
export function benchCharts(results: Readonly<Record<string, unknown>>): Record<string, Chart[]> {
  const charts: Record<string, Chart[]> = {};
  for (const [name, read] of Object.entries(READERS)) {
    const data = results[name];
    if (isObject(data)) charts[name] = read(data);
  }
  return charts;
}

/** `12,345` for values from 100 up, `12.3` below: the same text on the server and in a browser. */
export function formatValue(value: number): string {
  if (value < 100) return value.toFixed(value < 10 ? 2 : 1);
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
