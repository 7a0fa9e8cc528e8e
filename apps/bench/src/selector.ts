/**
 * `pnpm bench selector`: the kernel boundary, measured against its peers in one run.
 *
 * 1. The cost of `select(0)` with 1 and with 10,000 registered (idle) fds, per backend, beside
 *    CPython's `selectors` doing the same: epoll's cost should not grow with idle fds, poll's and
 *    select's should.
 * 2. A 1-byte ping-pong over loopback TCP, client and server in one thread, driven by
 *    `EpollSelector` with the allocation-free `tryRecvInto`/`trySend`; against the same
 *    ping-pong on Node's `net` module (libuv's epoll underneath) and on CPython's selectors.
 *    Rounds alternate between the contenders so that machine noise hits them alike; the median
 *    round-trip rate of each is reported, with ratios.
 */
import * as net from 'node:net';
import {
  EVENT_READ,
  EpollSelector,
  IPPROTO_TCP,
  PollSelector,
  SO_REUSEADDR,
  SOL_SOCKET,
  SelectSelector,
  Socket,
  TCP_NODELAY,
  socketpair,
  type BaseSelector,
} from '@aio/selector';
import { findPython, runPythonPeer } from './lib/peers';
import { median, progress, ratio, table, type Cell } from './lib/report';
import type { Benchmark, BenchOptions } from './cli';

const BACKENDS = [
  ['epoll', EpollSelector],
  ['poll', PollSelector],
  ['select', SelectSelector],
] as const;
const FD_COUNTS = [1, 10_000] as const;

/** Nanoseconds per `select(0)` with `count` idle registered fds. */
function selectCost(Backend: new () => BaseSelector, count: number, durationMs: number): number {
  const pairs: Socket[][] = [];
  const sel = new Backend();
  try {
    for (let i = 0; i < Math.max(1, count / 2); i++) pairs.push(socketpair());
    let registered = 0;
    for (const pair of pairs) {
      for (const sock of pair) if (registered++ < count) sel.register(sock, EVENT_READ);
    }
    sel.select(0); // warm-up: poll builds its pollfd array on the first call
    let calls = 0;
    const start = performance.now();
    const deadline = start + durationMs;
    do {
      for (let i = 0; i < 100; i++) sel.select(0);
      calls += 100;
    } while (performance.now() < deadline);
    return ((performance.now() - start) / calls) * 1e6;
  } finally {
    sel.close();
    for (const pair of pairs) for (const sock of pair) sock.close();
  }
}

/** Round trips per second of a 1-byte ping-pong driven by EpollSelector. */
function aioPingPong(trips: number): number {
  const listener = new Socket();
  listener.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  listener.bind(['127.0.0.1', 0]);
  listener.listen();
  const client = new Socket();
  client.connect(listener.getsockname());
  const [server] = listener.accept();
  listener.close();
  const sel = new EpollSelector<boolean>();
  try {
    for (const sock of [client, server]) {
      sock.setBlocking(false);
      sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    }
    sel.register(server, EVENT_READ, true);
    sel.register(client, EVENT_READ, false);
    const one = Buffer.from('x');
    const buf = Buffer.alloc(64);
    let done = 0;
    const start = performance.now();
    client.send(one);
    while (done < trips) {
      for (const [key] of sel.select(null)) {
        const sock = key.fileobj as Socket;
        if (sock.tryRecvInto(buf) <= 0) continue;
        if (!key.data) done++;
        sock.trySend(one);
      }
    }
    return (trips / (performance.now() - start)) * 1000;
  } finally {
    sel.close();
    client.close();
    server.close();
  }
}

/** The same ping-pong on Node's net module, both ends in this process. */
function nodePingPong(trips: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((sock) => {
      sock.setNoDelay(true);
      sock.on('data', (data) => sock.write(data));
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      const client = net.connect(port, '127.0.0.1');
      const one = Buffer.from('x');
      let done = 0;
      let start = 0;
      client.setNoDelay(true);
      client.on('error', reject);
      client.on('connect', () => {
        start = performance.now();
        client.write(one);
      });
      client.on('data', () => {
        if (++done < trips) {
          client.write(one);
          return;
        }
        const rate = (trips / (performance.now() - start)) * 1000;
        client.destroy();
        server.close(() => resolve(rate));
      });
    });
  });
}

export const selectorBenchmark: Benchmark = {
  name: 'selector',
  description:
    'select(0) cost with 1 and 10,000 fds; 1-byte TCP ping-pong: EpollSelector vs Node net vs CPython selectors',
  async run(options: BenchOptions) {
    const python = findPython();
    const durationMs = options.quick ? 100 : 400;
    const trips = options.quick ? 5_000 : 50_000;
    const rounds = options.quick ? 1 : 5;

    // 1. select(0) cost
    const aioCost: Record<string, number> = {};
    for (const [name, Backend] of BACKENDS) {
      for (const count of FD_COUNTS) {
        if (Backend === SelectSelector && count > 1000) continue;
        progress(`selector: select(0) on ${name} with ${count} fds`);
        aioCost[`${name}:${count}`] = selectCost(Backend, count, durationMs);
      }
    }
    let pyCost: Record<string, number> = {};
    if (python) {
      progress('selector: select(0) in CPython selectors');
      pyCost = await runPythonPeer<Record<string, number>>(python, 'select_cost.py', {
        backends: BACKENDS.map(([name]) => name),
        fds: FD_COUNTS,
        durationMs,
      });
    }

    // 2. ping-pong, rounds interleaved
    const rates: Record<'aio' | 'node' | 'python', number[]> = { aio: [], node: [], python: [] };
    for (let round = 1; round <= rounds; round++) {
      progress(`selector: ping-pong round ${round}/${rounds}: aio`);
      rates.aio.push(aioPingPong(trips));
      progress(`selector: ping-pong round ${round}/${rounds}: node net`);
      rates.node.push(await nodePingPong(trips));
      if (python) {
        progress(`selector: ping-pong round ${round}/${rounds}: CPython`);
        rates.python.push(
          (await runPythonPeer<{ roundTripsPerSec: number }>(python, 'pingpong.py', { trips }))
            .roundTripsPerSec,
        );
      }
    }
    const aioRate = median(rates.aio);
    const nodeRate = median(rates.node);
    const pyRate = rates.python.length > 0 ? median(rates.python) : null;

    const costRows: Cell[][] = [];
    for (const [name] of BACKENDS) {
      for (const count of FD_COUNTS) {
        const key = `${name}:${count}`;
        const ours = aioCost[key];
        if (ours === undefined) continue;
        const theirs = pyCost[key] ?? null;
        costRows.push([
          name,
          count,
          ours / 1000,
          theirs === null ? null : theirs / 1000,
          ratio(theirs, ours),
        ]);
      }
    }
    const text = [
      'select(0) with idle registered fds: µs per call (lower is better)',
      table(['backend', 'fds', 'aio µs', 'CPython µs', 'aio speed vs CPython'], costRows),
      '',
      `1-byte ping-pong over loopback TCP, one thread: round trips/s (median of ${rounds}, ${trips.toLocaleString('en-US')} trips each)`,
      table(
        ['driver', 'round trips/s', 'aio ÷ this'],
        [
          ['aio EpollSelector', aioRate, '1.00×'],
          ['Node net (libuv)', nodeRate, ratio(aioRate, nodeRate)],
          [
            python ? `CPython ${python.version} selectors` : 'CPython (not found: skipped)',
            pyRate,
            ratio(aioRate, pyRate),
          ],
        ],
      ),
      '',
      `Goal: aio ping-pong at or above Node's — ${aioRate >= nodeRate ? 'met' : 'NOT met'} (${ratio(aioRate, nodeRate)}).`,
    ].join('\n');

    return {
      text,
      data: {
        selectCostNs: { aio: aioCost, cpython: python ? pyCost : null },
        pingPong: {
          trips,
          rounds,
          roundTripsPerSec: { aio: aioRate, node: nodeRate, cpython: pyRate },
          samples: rates,
          ratios: {
            aioOverNode: aioRate / nodeRate,
            aioOverCpython: pyRate === null ? null : aioRate / pyRate,
          },
        },
        peers: { python: python ? `${python.path} ${python.version}` : null },
      },
    };
  },
};
