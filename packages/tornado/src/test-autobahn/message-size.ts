/**
 * Ours, beyond Autobahn (section 14, ids ending in `x`): the peer's limit on a message's size
 * (tornado's `max_message_size`: the `websocketMaxMessageSize` setting of a server,
 * `maxMessageSize` of a client). A message of exactly the limit is echoed; one octet more fails
 * the connection with 1009 (Message Too Big), whether it comes in one frame, in many, or
 * compressed into far fewer octets than it inflates to.
 */
import type { CaseDefinition } from './case';
import { closesNormally, MESSAGE_TOO_BIG, PATIENCE_MS, peerFails, text } from './expectations';
import { OP_CONTINUATION, OP_TEXT } from './frames';

export function messageSizeCases(limit: number): CaseDefinition[] {
  const atLimit = Buffer.alloc(limit, 'a');
  const over = Buffer.alloc(limit + 1, 'a');
  const tooBig = (t: Parameters<CaseDefinition['run']>[0]): void => {
    t.expect('OK', []);
    peerFails(t, [MESSAGE_TOO_BIG]);
  };
  return [
    {
      id: '14.1.1x',
      description: `Send a text message of exactly the peer's limit (${limit} octets).`,
      expectation: "Receive echo'ed text message. Clean close with normal code.",
      run(t) {
        closesNormally(t, text(atLimit));
        t.sendFrame({ opcode: OP_TEXT, payload: atLimit });
        t.killAfter(PATIENCE_MS * 2);
      },
    },
    {
      id: '14.1.2x',
      description: `Send a text message one octet over the peer's limit (${limit + 1} octets) in one frame.`,
      expectation: 'The connection is failed (1009/message too big).',
      run(t) {
        tooBig(t);
        t.sendFrame({ opcode: OP_TEXT, payload: over });
        t.killAfter(PATIENCE_MS * 2);
      },
    },
    {
      id: '14.1.3x',
      description: `Send a text message one octet over the peer's limit in frames of 1024 octets.`,
      expectation: 'The connection is failed (1009/message too big).',
      run(t) {
        tooBig(t);
        for (let at = 0; at < over.length; at += 1024)
          t.sendFrame({
            opcode: at === 0 ? OP_TEXT : OP_CONTINUATION,
            fin: at + 1024 >= over.length,
            payload: over.subarray(at, at + 1024),
          });
        t.killAfter(PATIENCE_MS * 2);
      },
    },
    {
      id: '14.1.4x',
      description: `With permessage-deflate: send a text message that inflates to one octet over the peer's limit (a few hundred octets on the wire).`,
      expectation: 'The connection is failed (1009/message too big).',
      offers: [{}],
      accept: {},
      run(t) {
        if (!t.deflate) {
          t.behavior = 'UNIMPLEMENTED';
          t.expectClose({ closedByMe: true, codes: [1000], requireClean: true });
          t.sendClose(1000);
          return;
        }
        tooBig(t);
        t.sendMessage(over);
        t.killAfter(PATIENCE_MS * 2);
      },
    },
  ];
}
