/**
 * For netutil.test.ts: a server that runs out of file descriptors while clients wait. Started
 * with a soft fd limit (`ulimit -n 1024`), it listens, fills every free fd, prints
 * `{"port": N}`, and lets `addAcceptHandler` meet EMFILE; after two back-off warnings it frees
 * the fds, accepts the three clients the test connects, and prints a report as its last line:
 * `{"accepted", "warnings", "handlerCalls"}`.
 */
import { closeSync, openSync } from 'node:fs';
import { IOLoop } from '../../ioloop';
import { addHandler, genLog, type Handler } from '../../log';
import { addAcceptHandler, bindSockets } from '../../netutil';
import type { Socket } from '@aio/selector';

const io = IOLoop.current();
const listener = bindSockets(0, '127.0.0.1')[0]!;
const filler: number[] = [];
const warnings: string[] = [];
const accepted: Socket[] = [];
let handlerCalls = 0;

const capture: Handler = {
  level: 0,
  handle: (record) => {
    warnings.push(record.message);
    if (warnings.length === 2) for (const fd of filler.splice(0)) closeSync(fd);
  },
  close: () => {},
};
addHandler(genLog, capture);

// Count the handler's wake-ups: each one is a readiness event of the listener.
const watched = io.addHandler.bind(io);
io.addHandler = (fd, handler, events) =>
  watched(fd, (...args) => (handlerCalls++, handler(...args)), events);

const stop = addAcceptHandler(listener, (conn) => {
  accepted.push(conn);
  if (accepted.length === 3) io.stop();
});

for (;;) {
  try {
    filler.push(openSync('/dev/null', 'r'));
  } catch {
    break; // EMFILE: every fd is taken
  }
}
process.stdout.write(
  `${JSON.stringify({ port: (listener.getsockname() as [string, number])[1] })}\n`,
);

io.callLater(60_000, () => io.stop()); // a bound, should the clients never come
await io.start();
stop();
for (const conn of accepted) conn.close();
listener.close();
io.close();
process.stdout.write(
  `${JSON.stringify({ accepted: accepted.length, warnings: warnings.slice(0, 5), handlerCalls })}\n`,
);
