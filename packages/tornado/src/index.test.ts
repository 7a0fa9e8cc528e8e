import { describe, expect, it } from 'vitest';
import * as api from './index';
import * as gen from './gen';
import { IOLoop } from './ioloop';

describe('@aio/tornado surface', () => {
  it('exports one namespace per tornado module, the same objects as the subpaths', () => {
    expect(Object.keys(api).sort()).toEqual([
      'concurrent',
      'escape',
      'gen',
      'http1connection',
      'httpclient',
      'httpserver',
      'httputil',
      'ioloop',
      'iostream',
      'locks',
      'log',
      'netutil',
      'process',
      'queues',
      'routing',
      'tcpclient',
      'tcpserver',
      'template',
      'testing',
      'web',
      'websocket',
    ]);
    expect(api.gen.coroutine).toBe(gen.coroutine);
    expect(api.ioloop.IOLoop).toBe(IOLoop);
  });

  it('gen and ioloop export exactly these names', () => {
    expect(Object.keys(gen).sort()).toMatchInlineSnapshot(`
      [
        "BadYieldError",
        "Runner",
        "Timedelta",
        "TimeoutError",
        "WaitIterator",
        "convertYielded",
        "coroutine",
        "isCoroutineFunction",
        "maybeFuture",
        "moment",
        "multi",
        "multiFuture",
        "sleep",
        "timedelta",
        "traceRunners",
        "withTimeout",
      ]
    `);
    expect(Object.keys(api.ioloop).sort()).toMatchInlineSnapshot(`
      [
        "IOLoop",
        "PeriodicCallback",
        "Timedelta",
        "timedelta",
      ]
    `);
  });
});
