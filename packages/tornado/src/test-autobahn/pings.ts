/**
 * Section 2, pings and pongs: a ping is answered by a pong with the same payload, whatever it is
 * (empty, text, binary, 125 octets, written octet by octet); a control frame of 126 octets fails
 * the connection; an unsolicited pong is ignored; ten pings get ten pongs, in order.
 */
import type { CaseDefinition, CaseRun } from './case';
import { closesNormally, NORMAL, octets, PATIENCE_MS, peerFails, pong } from './expectations';
import { OP_PING, OP_PONG } from './frames';

function pingCase(
  id: string,
  description: string,
  payload: Buffer | string,
  chopSize?: number,
): CaseDefinition {
  return {
    id,
    description,
    expectation:
      'Pong (with the payload of the ping) is sent in reply to Ping. Clean close with normal code.',
    run(t) {
      closesNormally(t, pong(payload));
      t.sendFrame({ opcode: OP_PING, payload, chopSize });
      t.closeAfter(PATIENCE_MS);
    },
  };
}

function tenPings(t: CaseRun, chopSize?: number): void {
  const events = [];
  for (let i = 0; i < 10; i++) {
    const payload = `payload-${i}`;
    events.push(pong(payload));
    t.sendFrame({ opcode: OP_PING, payload, chopSize });
  }
  closesNormally(t, ...events);
  t.closeAfter(PATIENCE_MS * 2);
}

export const PINGS: readonly CaseDefinition[] = [
  pingCase('2.1', 'Send ping without payload.', ''),
  pingCase('2.2', 'Send ping with small text payload.', 'Hello, world!'),
  pingCase(
    '2.3',
    'Send ping with small binary (non UTF-8) payload.',
    octets('\x00\xff\xfe\xfd\xfc\xfb\x00\xff'),
  ),
  pingCase('2.4', 'Send ping with binary payload of 125 octets.', Buffer.alloc(125, 0xfe)),
  {
    id: '2.5',
    description: 'Send ping with binary payload of 126 octets.',
    expectation:
      'Connection is failed immediately (1002/Protocol Error), since control frames are only allowed to have payload up to and including 125 octets.',
    run(t) {
      t.expect('OK', []);
      peerFails(t);
      t.sendFrame({ opcode: OP_PING, payload: Buffer.alloc(126, 0xfe) });
      t.killAfter(PATIENCE_MS);
    },
  },
  pingCase(
    '2.6',
    'Send ping with binary payload of 125 octets, send in octet-wise chops.',
    Buffer.alloc(125, 0xfe),
    1,
  ),
  {
    id: '2.7',
    description:
      'Send unsolicited pong without payload. Verify nothing is received. Clean close with normal code.',
    expectation: 'Nothing. Clean close with normal code.',
    run(t) {
      closesNormally(t);
      t.sendFrame({ opcode: OP_PONG });
      t.sendClose(NORMAL);
      t.closeAfter(PATIENCE_MS);
    },
  },
  {
    id: '2.8',
    description:
      'Send unsolicited pong with payload. Verify nothing is received. Clean close with normal code.',
    expectation: 'Nothing. Clean close with normal code.',
    run(t) {
      closesNormally(t);
      t.sendFrame({ opcode: OP_PONG, payload: 'unsolicited pong payload' });
      t.sendClose(NORMAL);
      t.closeAfter(PATIENCE_MS);
    },
  },
  {
    id: '2.9',
    description:
      'Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.',
    expectation:
      "Nothing in reply to own Pong, but Pong with payload echo'ed in reply to Ping. Clean close with normal code.",
    run(t) {
      closesNormally(t, pong('ping payload'));
      t.sendFrame({ opcode: OP_PONG, payload: 'unsolicited pong payload' });
      t.sendFrame({ opcode: OP_PING, payload: 'ping payload' });
      t.closeAfter(PATIENCE_MS);
    },
  },
  {
    id: '2.10',
    description: 'Send 10 Pings with payload.',
    expectation:
      'Pongs for our Pings with all the payloads. Note: This is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.',
    run: (t) => tenPings(t),
  },
  {
    id: '2.11',
    description: 'Send 10 Pings with payload. Send out octets in octet-wise chops.',
    expectation:
      'Pongs for our Pings with all the payloads. Note: This is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.',
    run: (t) => tenPings(t, 1),
  },
];
