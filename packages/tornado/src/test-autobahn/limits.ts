/**
 * Sections 9 and 10, limits and performance: large messages (one frame, or many frames of a
 * given size, or one frame written in small chops), and a thousand small messages each sent when
 * the previous echo came back; 10.1.1 sends a message auto-fragmented into 1300-octet frames.
 *
 * Bounded for CI: Autobahn goes to 16 MiB in 9.1/9.2 and waits up to 100 s per case; here the
 * largest message is 4 MiB (9.1.5/9.1.6 and 9.2.5/9.2.6, 8 and 16 MiB, are left out) and a case
 * has 20 s. Echoes are checked octet for octet (Autobahn only checks the length).
 */
import type { CaseDefinition, CaseRun } from './case';
import { closesNormally, NORMAL, octets, PATIENCE_MS, text } from './expectations';
import { OP_BINARY, OP_TEXT, payloadOf } from './frames';

const KiB = 1024;
const MiB = 1024 * KiB;
const LIMIT_TIMEOUT_MS = 20_000;

function size(n: number): string {
  return n >= MiB ? `${n / MiB}M` : n >= KiB ? `${n / KiB}k` : String(n);
}

/** Waits for one echo of `expected`, then closes; the verdict is whether it matched. */
function awaitEcho(t: CaseRun, expected: Buffer, isBinary: boolean): void {
  t.behavior = 'FAILED';
  t.result = `Did not receive message within ${LIMIT_TIMEOUT_MS / 1000} seconds.`;
  t.expectClose({ closedByMe: true, codes: [NORMAL], requireClean: true });
  t.handleMessages((data, binary) => {
    if (binary !== isBinary)
      t.result = `Expected ${isBinary ? 'binary' : 'text'} message with payload, but got ${binary ? 'binary' : 'text'}.`;
    else if (data.length !== expected.length)
      t.result = `Expected a message of ${expected.length} octets, got ${data.length}.`;
    else if (!data.equals(expected))
      t.result = `The echo of ${expected.length} octets differs from what was sent.`;
    else {
      t.behavior = 'OK';
      t.result = `Received ${binary ? 'binary' : 'text'} message of length ${data.length}.`;
    }
    t.sendClose(NORMAL);
  });
}

function large(
  section: string,
  n: number,
  isBinary: boolean,
  length: number,
  how: { fragmentSize?: number; chopSize?: number },
): CaseDefinition {
  const kind = isBinary ? 'binary' : 'text';
  const pattern = isBinary ? octets('\x00\xfe\x23\xfa\xf0') : 'BAsd7&jh23';
  const payload = payloadOf({ opcode: 0, payload: pattern, repeatTo: length });
  const detail =
    how.fragmentSize !== undefined
      ? `fragmented ${kind} message with message payload of length ${size(length)}. Sent out in fragments of ${size(how.fragmentSize)}.`
      : how.chopSize !== undefined
        ? `${kind} message with payload of length ${size(length)}. Sent out data in chops of ${how.chopSize} octets.`
        : `${kind} message with payload of length ${size(length)}.`;
  return {
    id: `${section}.${n}`,
    description: `Send ${detail}`,
    expectation: `Receive echo'ed ${kind} message (with payload as sent).`,
    timeoutMs: LIMIT_TIMEOUT_MS + 2000,
    run(t) {
      awaitEcho(t, payload, isBinary);
      if (how.fragmentSize !== undefined)
        t.sendMessage(payload, { binary: isBinary, fragmentSize: how.fragmentSize });
      else t.sendFrame({ opcode: isBinary ? OP_BINARY : OP_TEXT, payload, chopSize: how.chopSize });
      t.killAfter(LIMIT_TIMEOUT_MS);
    },
  };
}

function roundTrips(
  section: string,
  n: number,
  isBinary: boolean,
  length: number,
  count: number,
): CaseDefinition {
  const kind = isBinary ? 'binary' : 'text';
  return {
    id: `${section}.${n}`,
    description: `Send ${count} ${kind} messages of payload size ${length} to measure implementation/network RTT (round trip time) / latency.`,
    expectation: `Receive echo'ed ${kind} messages (with payload as sent). Timeout case after ${LIMIT_TIMEOUT_MS / 1000} secs.`,
    timeoutMs: LIMIT_TIMEOUT_MS + 2000,
    run(t) {
      const payload = Buffer.alloc(length, isBinary ? 0xfe : 0x2a);
      let sent = 0;
      const sendOne = (): void => {
        sent++;
        t.sendFrame({ opcode: isBinary ? OP_BINARY : OP_TEXT, payload });
      };
      t.behavior = 'FAILED';
      t.result = `Case did not finish within ${LIMIT_TIMEOUT_MS / 1000} seconds.`;
      t.expectClose({ closedByMe: true, codes: [NORMAL], requireClean: true });
      t.handleMessages((data, binary) => {
        if (binary !== isBinary || !data.equals(payload)) {
          t.result = `Echo'ed message type or payload differs from what I sent (got binary = ${binary}, payload length = ${data.length}).`;
          t.sendClose(NORMAL);
        } else if (sent < count) {
          sendOne();
        } else {
          t.behavior = 'OK';
          t.result = "Ok, received all echo'ed messages in time.";
          t.sendClose(NORMAL);
        }
      });
      sendOne();
      t.killAfter(LIMIT_TIMEOUT_MS);
    },
  };
}

const FRAGMENTS = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];
const CHOPS = [64, 128, 256, 512, 1024, 2048];
const RTT_SIZES = [0, 16, 64, 256, 1024, 4096];

export function limitCases(roundTripCount = 1000): CaseDefinition[] {
  return [
    ...[64 * KiB, 256 * KiB, MiB, 4 * MiB].map((length, i) =>
      large('9.1', i + 1, false, length, {}),
    ),
    ...[64 * KiB, 256 * KiB, MiB, 4 * MiB].map((length, i) =>
      large('9.2', i + 1, true, length, {}),
    ),
    ...FRAGMENTS.map((fragmentSize, i) => large('9.3', i + 1, false, 4 * MiB, { fragmentSize })),
    ...FRAGMENTS.map((fragmentSize, i) => large('9.4', i + 1, true, 4 * MiB, { fragmentSize })),
    ...CHOPS.map((chopSize, i) => large('9.5', i + 1, false, MiB, { chopSize })),
    ...CHOPS.map((chopSize, i) => large('9.6', i + 1, true, MiB, { chopSize })),
    ...RTT_SIZES.map((length, i) => roundTrips('9.7', i + 1, false, length, roundTripCount)),
    ...RTT_SIZES.map((length, i) => roundTrips('9.8', i + 1, true, length, roundTripCount)),
    {
      id: '10.1.1',
      description:
        'Send text message with payload of length 65536 auto-fragmented with autoFragmentSize = 1300.',
      expectation:
        "Receive echo'ed text message (with payload as sent and transmitted frame counts as expected). Clean close with normal code.",
      run(t) {
        const payload = Buffer.alloc(65536, '*');
        closesNormally(t, text(payload));
        t.sendMessage(payload, { fragmentSize: 1300 });
        t.killAfter(PATIENCE_MS * 4);
      },
    },
  ];
}
