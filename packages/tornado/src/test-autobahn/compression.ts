/**
 * Sections 12 and 13, permessage-deflate (RFC 7692): messages of 16 octets to 128 KiB, some
 * auto-fragmented after compression, echoed through a compressed connection, checked octet for
 * octet. 12.x uses the default offer on five kinds of data; 13.x one kind of data under each
 * combination of context takeover and window bits that Autobahn negotiates:
 *
 *   13.1  client offers (no server_no_context_takeover, no window bits)      / server accepts as is
 *   13.2  … server_no_context_takeover                                      / requests client_no_context_takeover
 *   13.3  … server_max_window_bits=9                                        / requests client_max_window_bits=9
 *   13.4  … server_max_window_bits=15                                       / requests client_max_window_bits=15
 *   13.5  … both, 9                                                         / both, 9
 *   13.6  … both, 15                                                        / both, 15
 *   13.7  three offers (both 9; no context takeover; plain), first fitting  / as 13.5
 *
 * A peer that does not negotiate compression is UNIMPLEMENTED for these, not failed. Bounded for
 * CI: Autobahn sends 1000 messages per case; here `count` (10 by default) walk through the data.
 */
import type { CaseDefinition, CaseRun } from './case';
import { compressionData, type CompressionData } from './compression-data';
import { NORMAL } from './expectations';
import type { DeflateOffer } from './handshake';
import type { PerMessageDeflateOptions } from './ws-internals';

/** Autobahn's MSG_SIZES: payload length and auto-fragment size (0: none). */
const SIZES: readonly [number, number][] = [
  [16, 0],
  [64, 0],
  [256, 0],
  [1024, 0],
  [4096, 0],
  [8192, 0],
  [16384, 0],
  [32768, 0],
  [65536, 0],
  [131072, 0],
  [8192, 256],
  [16384, 256],
  [32768, 256],
  [65536, 256],
  [131072, 256],
  [131072, 1024],
  [131072, 4096],
  [131072, 32768],
];

const COMPRESSION_TIMEOUT_MS = 20_000;

function run(
  t: CaseRun,
  data: CompressionData,
  length: number,
  fragmentSize: number,
  count: number,
): void {
  t.expectClose({ closedByMe: true, codes: [NORMAL], requireClean: true });
  if (!t.deflate) {
    t.behavior = 'UNIMPLEMENTED';
    t.result = 'permessage-deflate was not negotiated';
    t.sendClose(NORMAL);
    return;
  }
  // Text data is cut on characters (as Autobahn cuts the decoded text), binary on octets.
  const source = data.binary ? data.data : Array.from(data.data.toString('utf8'));
  let at = 0;
  let sent = 0;
  let expected = Buffer.alloc(0);
  const sendOne = (): void => {
    const parts: (Buffer | string)[] = [];
    let need = length;
    while (need > 0) {
      const take = Math.min(need, source.length - at);
      parts.push(
        data.binary
          ? (source as Buffer).subarray(at, at + take)
          : (source as string[]).slice(at, at + take).join(''),
      );
      at = (at + take) % source.length;
      need -= take;
    }
    expected = data.binary ? Buffer.concat(parts as Buffer[]) : Buffer.from(parts.join(''), 'utf8');
    sent++;
    t.sendMessage(expected, {
      binary: data.binary,
      fragmentSize: fragmentSize > 0 ? fragmentSize : undefined,
    });
  };
  t.behavior = 'FAILED';
  t.result = `Case did not finish within ${COMPRESSION_TIMEOUT_MS / 1000} seconds.`;
  t.handleMessages((message, binary) => {
    if (binary !== data.binary)
      t.result = `Echo'ed message type differs from what I sent (got binary ${binary}, expected binary ${data.binary}).`;
    else if (message.length !== expected.length)
      t.result = `Echo'ed message length differs from what I sent (got length ${message.length}, expected length ${expected.length}).`;
    else if (!message.equals(expected))
      t.result = "Echo'ed message contents differs from what I sent.";
    else if (sent < count) return sendOne();
    else {
      t.behavior = 'OK';
      t.result = "Ok, received all echo'ed messages in time.";
    }
    t.sendClose(NORMAL);
  });
  sendOne();
  t.killAfter(COMPRESSION_TIMEOUT_MS);
}

function compressionCase(
  id: string,
  data: CompressionData,
  [length, fragmentSize]: [number, number],
  count: number,
  offers: DeflateOffer[],
  accept: PerMessageDeflateOptions,
  offered: string,
): CaseDefinition {
  return {
    id,
    description: `Send ${count} compressed messages each of payload size ${length}, auto-fragment to ${fragmentSize} octets. ${data.description}. Use permessage-deflate ${offered}.`,
    expectation: "Receive echo'ed messages (with payload as sent).",
    offers,
    accept,
    timeoutMs: COMPRESSION_TIMEOUT_MS + 2000,
    run: (t) => run(t, data, length, fragmentSize, count),
  };
}

/** Autobahn's 13.x parameter sets: what the client offers, what the server accepts. */
const DEFLATE_PARAMS: readonly {
  offers: DeflateOffer[];
  accept: PerMessageDeflateOptions;
  text: string;
}[] = [
  { offers: [{}], accept: {}, text: 'default offer / accept as is' },
  {
    offers: [{ requestNoContextTakeover: true }],
    accept: { clientNoContextTakeover: true },
    text: 'server_no_context_takeover / client_no_context_takeover',
  },
  {
    offers: [{ requestMaxWindowBits: 9 }],
    accept: { clientMaxWindowBits: 9 },
    text: 'server_max_window_bits=9 / client_max_window_bits=9',
  },
  {
    offers: [{ requestMaxWindowBits: 15 }],
    accept: { clientMaxWindowBits: 15 },
    text: 'server_max_window_bits=15 / client_max_window_bits=15',
  },
  {
    offers: [{ requestNoContextTakeover: true, requestMaxWindowBits: 9 }],
    accept: { clientNoContextTakeover: true, clientMaxWindowBits: 9 },
    text: 'no context takeover and window bits 9, both ways',
  },
  {
    offers: [{ requestNoContextTakeover: true, requestMaxWindowBits: 15 }],
    accept: { clientNoContextTakeover: true, clientMaxWindowBits: 15 },
    text: 'no context takeover and window bits 15, both ways',
  },
  {
    offers: [
      { requestNoContextTakeover: true, requestMaxWindowBits: 9 },
      { requestNoContextTakeover: true },
      {},
    ],
    accept: { clientNoContextTakeover: true, clientMaxWindowBits: 9 },
    text: 'three offers, the first that fits',
  },
];

export function compressionCases(count = 10): CaseDefinition[] {
  const cases: CaseDefinition[] = [];
  compressionData().forEach((data, j) => {
    SIZES.forEach((sizeAndFragment, i) =>
      cases.push(
        compressionCase(
          `12.${j + 1}.${i + 1}`,
          data,
          sizeAndFragment,
          count,
          [{}],
          {},
          'default offer',
        ),
      ),
    );
  });
  const json = compressionData()[0]!;
  DEFLATE_PARAMS.forEach(({ offers, accept, text }, j) => {
    SIZES.forEach((sizeAndFragment, i) =>
      cases.push(
        compressionCase(`13.${j + 1}.${i + 1}`, json, sizeAndFragment, count, offers, accept, text),
      ),
    );
  });
  return cases;
}
