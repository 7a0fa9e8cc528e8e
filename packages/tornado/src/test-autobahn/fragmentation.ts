/**
 * Section 5, fragmentation: a control frame may not be fragmented; a continuation frame needs a
 * message to continue, and a new message may not start inside one; a fragmented message is
 * reassembled however its octets arrive, with pings answered in between, before the message ends.
 */
import type { CaseDefinition, CaseRun } from './case';
import { closesNormally, PATIENCE_MS, PAUSE_MS, peerFails, pong, text } from './expectations';
import { OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from './frames';

const NOTHING_TO_CONTINUE =
  'The connection is failed immediately, since there is no message to continue.';

function failsAfter(t: CaseRun): void {
  t.expect('OK', []);
  peerFails(t);
}

/** 5.9–5.14: a continuation (FIN as given) with nothing to continue, then a whole text message. */
function continuationFirst(
  id: string,
  fin: boolean,
  how: { chopSize?: number; sync?: boolean },
  chops: string,
): CaseDefinition {
  return {
    id,
    description: `Send unfragmented Text Message after Continuation Frame with FIN = ${fin}, where there is nothing to continue, sent in ${chops}.`,
    expectation: NOTHING_TO_CONTINUE,
    run(t) {
      failsAfter(t);
      t.sendFrame({ opcode: OP_CONTINUATION, fin, payload: 'non-continuation payload', ...how });
      t.sendFrame({ opcode: OP_TEXT, payload: 'Hello, world!', ...how });
      t.killAfter(PATIENCE_MS);
    },
  };
}

/** 5.3–5.5: two fragments, echoed as one message. */
function twoFragments(
  id: string,
  how: { chopSize?: number; sync?: boolean },
  chops: string,
): CaseDefinition {
  return {
    id,
    description: `Send text Message fragmented into 2 fragments${chops}.`,
    expectation: "Message is processed and echo'ed back to us.",
    run(t) {
      closesNormally(t, text('fragment1fragment2'));
      t.sendFrame({ opcode: OP_TEXT, fin: false, payload: 'fragment1', ...how });
      t.sendFrame({ opcode: OP_CONTINUATION, payload: 'fragment2', ...how });
      t.closeAfter(PATIENCE_MS);
    },
  };
}

/** 5.6–5.8: a ping between the two fragments is answered before the message. */
function pingBetween(
  id: string,
  how: { chopSize?: number; sync?: boolean },
  chops: string,
): CaseDefinition {
  return {
    id,
    description: `Send text Message fragmented into 2 fragments, one ping with payload in-between${chops}.`,
    expectation: "A pong is received, then the message is echo'ed back to us.",
    run(t) {
      closesNormally(t, pong('ping payload'), text('fragment1fragment2'));
      t.sendFrame({ opcode: OP_TEXT, fin: false, payload: 'fragment1', ...how });
      t.sendFrame({ opcode: OP_PING, payload: 'ping payload', ...how });
      t.sendFrame({ opcode: OP_CONTINUATION, payload: 'fragment2', ...how });
      t.closeAfter(PATIENCE_MS);
    },
  };
}

/** 5.19/5.20: pings answered while a message is still incomplete, with a pause in the middle. */
function pingsDuringMessage(id: string, sync: boolean): CaseDefinition {
  const fragments = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'];
  return {
    id,
    description: `A fragmented text message is sent in multiple frames. After sending the first 2 frames of the text message, a Ping is sent. Then we wait ${PAUSE_MS} ms, then we send 2 more text fragments, another Ping and then the final text fragment. Everything is legal.${sync ? ' All frames are sent with SYNC = True (each in its own write).' : ''}`,
    expectation:
      "The peer immediately answers the first Ping before it has received the last text message fragment. The peer pong's back the Ping's payload exactly, and echo's the payload of the fragmented message back to us.",
    run(t) {
      closesNormally(t, pong('pongme 1!'), pong('pongme 2!'), text(fragments.join('')));
      t.sendFrame({ opcode: OP_TEXT, fin: false, payload: fragments[0], sync });
      t.sendFrame({ opcode: OP_CONTINUATION, fin: false, payload: fragments[1], sync });
      t.sendFrame({ opcode: OP_PING, payload: 'pongme 1!', sync });
      t.continueLater(
        PAUSE_MS,
        () => {
          t.sendFrame({ opcode: OP_CONTINUATION, fin: false, payload: fragments[2], sync });
          t.sendFrame({ opcode: OP_CONTINUATION, fin: false, payload: fragments[3], sync });
          t.sendFrame({ opcode: OP_PING, payload: 'pongme 2!', sync });
          t.sendFrame({ opcode: OP_CONTINUATION, payload: fragments[4], sync });
          t.closeAfter(PATIENCE_MS);
        },
        'part 2',
      );
    },
  };
}

export const FRAGMENTATION: readonly CaseDefinition[] = [
  {
    id: '5.1',
    description: 'Send Ping fragmented into 2 fragments.',
    expectation: 'Connection is failed immediately, since control message MUST NOT be fragmented.',
    run(t) {
      failsAfter(t);
      t.sendFrame({ opcode: OP_PING, fin: false, payload: 'fragment1' });
      t.sendFrame({ opcode: OP_CONTINUATION, payload: 'fragment2' });
      t.killAfter(PATIENCE_MS);
    },
  },
  {
    id: '5.2',
    description: 'Send Pong fragmented into 2 fragments.',
    expectation: 'Connection is failed immediately, since control message MUST NOT be fragmented.',
    run(t) {
      failsAfter(t);
      t.sendFrame({ opcode: OP_PONG, fin: false, payload: 'fragment1' });
      t.sendFrame({ opcode: OP_CONTINUATION, payload: 'fragment2' });
      t.killAfter(PATIENCE_MS);
    },
  },
  twoFragments('5.3', {}, ''),
  twoFragments('5.4', { sync: true }, ', octets are sent in frame-wise chops'),
  twoFragments('5.5', { chopSize: 1 }, ', octets are sent in octet-wise chops'),
  pingBetween('5.6', {}, ''),
  pingBetween('5.7', { sync: true }, '. Octets are sent in frame-wise chops'),
  pingBetween('5.8', { chopSize: 1 }, '. Octets are sent in octet-wise chops'),
  continuationFirst('5.9', true, {}, 'one chop'),
  continuationFirst('5.10', true, { sync: true }, 'per-frame chops'),
  continuationFirst('5.11', true, { chopSize: 1 }, 'octet-wise chops'),
  continuationFirst('5.12', false, {}, 'one chop'),
  continuationFirst('5.13', false, { sync: true }, 'per-frame chops'),
  continuationFirst('5.14', false, { chopSize: 1 }, 'octet-wise chops'),
  {
    id: '5.15',
    description:
      'Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.',
    expectation: NOTHING_TO_CONTINUE,
    run(t) {
      t.expect('OK', [text('fragment1fragment2')]);
      t.expect('NON-STRICT', []);
      peerFails(t);
      t.sendFrame({ opcode: OP_TEXT, fin: false, payload: 'fragment1' });
      t.sendFrame({ opcode: OP_CONTINUATION, payload: 'fragment2' });
      t.sendFrame({ opcode: OP_CONTINUATION, fin: false, payload: 'fragment3' });
      t.sendFrame({ opcode: OP_TEXT, payload: 'fragment4' });
      t.killAfter(PATIENCE_MS);
    },
  },
  ...([false, true] as const).map((fin, i): CaseDefinition => ({
    id: `5.${16 + i}`,
    description: `Repeated 2x: Continuation Frame with FIN = ${fin} (where there is nothing to continue), then text Message fragmented into 2 fragments.`,
    expectation: NOTHING_TO_CONTINUE,
    run(t) {
      failsAfter(t);
      for (let n = 0; n < 2; n++) {
        t.sendFrame({ opcode: OP_CONTINUATION, fin, payload: 'fragment1' });
        t.sendFrame({ opcode: OP_TEXT, fin: false, payload: 'fragment2' });
        t.sendFrame({ opcode: OP_CONTINUATION, payload: 'fragment3' });
      }
      t.killAfter(PATIENCE_MS);
    },
  })),
  {
    id: '5.18',
    description:
      'Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.',
    expectation:
      'The connection is failed immediately, since all data frames after the initial data frame must have opcode 0.',
    run(t) {
      failsAfter(t);
      t.sendFrame({ opcode: OP_TEXT, fin: false, payload: 'fragment1' });
      t.sendFrame({ opcode: OP_TEXT, payload: 'fragment2' });
      t.killAfter(PATIENCE_MS);
    },
  },
  pingsDuringMessage('5.19', false),
  pingsDuringMessage('5.20', true),
];
