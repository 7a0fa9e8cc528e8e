/**
 * How a `gen.coroutine` runs, step by step: the seed article's Part Two in aio's code.
 *
 * A tiny server on 127.0.0.1 answers each line with `page <line>`. `fetch(path)` is a
 * `gen.coroutine` that connects, sends the path and reads the answer, yielding aio Futures as it
 * goes; `main` fetches one page, then two at once (`yield [a, b]`, which `convertYielded` turns
 * into `multi`). `traceRunners` prints every step the Runner takes:
 *
 *   coroutine    the wrapper made the result Future and ran the generator to its first yield
 *   handleYield  convertYielded made a Future of what was yielded
 *   addFuture    it was not done yet: IOLoop.addFuture will call Runner.run back
 *   wakeup       the IOLoop called back: the Future is done
 *   send         its result goes into the generator (gen.next), which runs to its next yield
 *   return       the generator returned: the wrapper's Future is resolved
 *
 *     node --import tsx --conditions=@aio/source examples/gen-walkthrough.ts
 *
 * or, where @aio/tornado is installed (the examples come with the package; tsx runs them):
 *
 *     node --import tsx node_modules/@aio/tornado/examples/gen-walkthrough.ts
 */
import { startServer, type StreamReader, type StreamWriter, openConnection } from '@aio/coroutine';
import * as gen from '@aio/tornado/gen';
import { IOLoop } from '@aio/tornado/ioloop';

/** The site: one line in, `page <line>` out. */
function* servePage(reader: StreamReader, writer: StreamWriter): Generator<unknown, void> {
  const line = (yield* reader.readline()).toString().trim();
  writer.write(`page ${line}\n`);
  yield* writer.drain();
  writer.close();
}

// #region fetch
const fetch = gen.coroutine(function* fetch(port: number, path: string) {
  const [reader, writer] = (yield openConnection('127.0.0.1', port)) as [
    StreamReader,
    StreamWriter,
  ];
  writer.write(`${path}\n`);
  const answer = (yield reader.readline()) as Buffer;
  writer.close();
  return answer.toString().trim();
});
// #endregion fetch

// #region main
const main = gen.coroutine(function* main() {
  const server = (yield startServer(servePage, '127.0.0.1', 0)) as Awaited<
    ReturnType<typeof startServer>
  >;
  const [, port] = server.addresses()[0] as [string, number];
  try {
    const first = (yield fetch(port, '/index.html')) as string;
    console.log(`main got: ${first}`);
    const both = (yield [fetch(port, '/a.html'), fetch(port, '/b.html')]) as string[];
    console.log(`main got: ${both.join(', ')}`);
  } finally {
    server.close();
    yield server.waitClosed();
  }
});
// #endregion main

// #region trace
gen.traceRunners((step) =>
  console.log(`  ${step.coroutine.padEnd(5)} ${step.step.padEnd(11)} ${step.detail}`),
);
await IOLoop.current().runSync(() => main());
gen.traceRunners(null);
// #endregion trace
