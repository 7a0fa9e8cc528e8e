import { defineConfig } from 'tsup';
import { aioBuild } from '@aio/tooling/tsup';

export default defineConfig(
  aioBuild({
    index: 'src/index.ts',
    ioloop: 'src/ioloop.ts',
    gen: 'src/gen.ts',
    concurrent: 'src/concurrent.ts',
    log: 'src/log.ts',
    locks: 'src/locks.ts',
    queues: 'src/queues.ts',
    netutil: 'src/netutil.ts',
    iostream: 'src/iostream.ts',
    tcpserver: 'src/tcpserver.ts',
    tcpclient: 'src/tcpclient.ts',
    httputil: 'src/httputil.ts',
    http1connection: 'src/http1connection.ts',
    httpserver: 'src/httpserver.ts',
    httpclient: 'src/httpclient.ts',
    routing: 'src/routing.ts',
    escape: 'src/escape.ts',
    template: 'src/template.ts',
    testing: 'src/testing.ts',
    web: 'src/web.ts',
    process: 'src/process.ts',
    websocket: 'src/websocket.ts',
    // Not a subpath: the script each pool thread and child process starts (see concurrent/).
    'concurrent/pool-worker': 'src/concurrent/pool-worker.ts',
    // Not a subpath either: the thread behind the blocking HTTPClient.
    'httpclient/blocking-worker': 'src/httpclient/blocking-worker.ts',
  }),
);
