/**
 * A streams server in a process of its own that floods each connection: writes `argv[2]` bytes
 * in 64 KiB chunks with `write(); yield* drain()`, so a test can watch this process's memory
 * (VmRSS) while it feeds a slow reader. Byte i of chunk j is `floodByte(i)`, except the first 4
 * bytes, which hold j (big-endian). Prints `{"port": N}` once listening, `{"sent": N, "waited":
 * M}` when a connection's flood is done (M: the drains that had to wait), and exits when stdin
 * closes.
 */
import type { StreamReader } from '../reader';
import { serveUntilStdinCloses } from './serve';
import type { StreamWriter } from '../writer';

const CHUNK = 64 * 1024;
const total = Number(process.argv[2] ?? 0);

/** The chunk's bytes after the 4-byte index (faults.test.ts checks against the same formula). */
function floodByte(i: number): number {
  return (i * 31 + (i >>> 8)) & 0xff;
}

function* flood(_reader: StreamReader, writer: StreamWriter): Generator<unknown, void, unknown> {
  const chunk = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) chunk[i] = floodByte(i);
  let waited = 0;
  for (let j = 0; j * CHUNK < total; j++) {
    chunk.writeUInt32BE(j, 0); // write() copies what it buffers: reusing the chunk is safe
    writer.write(chunk);
    const drained = writer.drain();
    if (!drained.done()) waited++;
    yield* drained;
  }
  process.stdout.write(`${JSON.stringify({ sent: total, waited })}\n`);
}

await serveUntilStdinCloses(flood);
