import { describe, expect, it } from 'vitest';
import { parseWrkOutput, parseWrkTime, wrkErrors, WrkOutputError } from './wrk';

/** Debian's wrk 4.1.0 with `--latency`, against tornado's HTTPServer: a clean run. */
const CLEAN = `Running 1s test @ http://127.0.0.1:36023/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.33ms    2.39ms  25.49ms   81.90%
    Req/Sec     6.85k   523.51     7.94k    90.00%
  Latency Distribution
     50%    7.12ms
     75%    7.96ms
     90%    9.19ms
     99%   16.79ms
  6840 requests in 1.01s, 521.02KB read
Requests/sec:   6795.59
Transfer/sec:    517.63KB
`;

/** The same wrk against a server that answered 404 and closed a third of its connections unanswered. */
const FAILING = `Running 1s test @ http://127.0.0.1:39111/
  1 threads and 5 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   365.32us  483.27us   6.18ms   93.56%
    Req/Sec     6.75k     1.11k    8.96k    70.00%
  Latency Distribution
     50%  248.00us
     75%  331.00us
     90%  521.00us
     99%    2.98ms
  6708 requests in 1.00s, 419.25KB read
  Socket errors: connect 0, read 3354, write 0, timeout 0
  Non-2xx or 3xx responses: 6708
Requests/sec:   6681.97
Transfer/sec:    417.62KB
`;

describe('parseWrkOutput', () => {
  it('reads the rate, the request count, the latency and its percentiles, in microseconds', () => {
    const result = parseWrkOutput(CLEAN);
    expect(result).toMatchObject({
      requests: 6840,
      durationSec: 1.01,
      requestsPerSec: 6795.59,
      socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
      non2xx3xx: 0,
    });
    expect(result.latencyUs.avg).toBeCloseTo(7330);
    expect(result.latencyUs.stdev).toBeCloseTo(2390);
    expect(result.latencyUs.max).toBeCloseTo(25_490);
    expect(result.latencyUs.p50).toBeCloseTo(7120);
    expect(result.latencyUs.p90).toBeCloseTo(9190);
    expect(result.latencyUs.p99).toBeCloseTo(16_790);
    expect(wrkErrors(result)).toBeNull();
  });

  it('reads the socket errors and the non-2xx/3xx responses, and says what went wrong', () => {
    const result = parseWrkOutput(FAILING);
    expect(result.socketErrors).toEqual({ connect: 0, read: 3354, write: 0, timeout: 0 });
    expect(result.non2xx3xx).toBe(6708);
    expect(result.latencyUs.p50).toBeCloseTo(248);
    expect(wrkErrors(result)).toBe(
      '6,708 non-2xx/3xx responses, 3,354 read errors (of 6,708 responses)',
    );
  });

  it('without --latency there are no percentiles', () => {
    const result = parseWrkOutput(CLEAN.replace(/ {2}Latency Distribution\n(?: +\d+%.*\n)+/, ''));
    expect(result.latencyUs).toMatchObject({ p50: null, p90: null, p99: null });
    expect(result.requests).toBe(6840);
  });

  it('output that is not a report names the missing figure and quotes the output', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(
      /no request count: "unable to connect/,
    );
    expect(() => parseWrkOutput(CLEAN.replace(/^Requests\/sec.*$/m, ''))).toThrow(WrkOutputError);
  });
});

describe('parseWrkTime', () => {
  it('reads every unit wrk prints', () => {
    expect(parseWrkTime('505.23us')).toBeCloseTo(505.23);
    expect(parseWrkTime('1.20ms')).toBeCloseTo(1200);
    expect(parseWrkTime('2.00s')).toBe(2e6);
    expect(parseWrkTime('1.50m')).toBe(90e6);
    expect(() => parseWrkTime('12k')).toThrow(WrkOutputError);
  });
});
