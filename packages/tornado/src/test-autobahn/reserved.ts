/**
 * Sections 3 and 4, what nobody negotiated: a frame with RSV bits set (no extension gives them a
 * meaning here), and frames with the reserved opcodes 3–7 (data) and 11–15 (control). Each fails
 * the connection at once; when it follows a valid message, that message is echoed first
 * (NON-STRICT if the peer failed before echoing), and a ping after it is never answered.
 */
import type { CaseDefinition, SendFrame } from './case';
import { octets, PATIENCE_MS, peerFails, text } from './expectations';
import { OP_BINARY, OP_CLOSE, OP_PING, OP_TEXT } from './frames';

const HELLO = 'Hello, world!';

/** One bad frame alone. */
function alone(
  id: string,
  description: string,
  frame: SendFrame,
  expectation: string,
): CaseDefinition {
  return {
    id,
    description,
    expectation,
    run(t) {
      t.expect('OK', []);
      peerFails(t);
      t.sendFrame(frame);
      t.killAfter(PATIENCE_MS);
    },
  };
}

/** A valid text message, the bad frame, then a ping that must go unanswered. */
function afterEcho(
  id: string,
  description: string,
  bad: SendFrame,
  how: { chopSize?: number; sync?: boolean },
  expectation: string,
): CaseDefinition {
  return {
    id,
    description,
    expectation,
    run(t) {
      t.expect('OK', [text(HELLO)]);
      t.expect('NON-STRICT', []);
      peerFails(t);
      t.sendFrame({ opcode: OP_TEXT, payload: HELLO, ...how });
      t.sendFrame({ ...bad, ...how });
      t.sendFrame({ opcode: OP_PING, ...how });
      t.killAfter(PATIENCE_MS);
    },
  };
}

const RSV_FAILS =
  'The connection is failed immediately (1002/protocol error), since RSV must be 0, when no extension defining RSV meaning has been negotiated.';
const RSV_FAILS_AFTER_ECHO =
  'Echo for first message is received, but then connection is failed immediately, since RSV must be 0, when no extension defining RSV meaning has been negotiated. The Pong is not received.';

export const RESERVED_BITS: readonly CaseDefinition[] = [
  alone(
    '3.1',
    'Send small text message with RSV = 1.',
    { opcode: OP_TEXT, payload: HELLO, rsv: 1 },
    RSV_FAILS,
  ),
  afterEcho(
    '3.2',
    'Send small text message, then send again with RSV = 2, then send Ping.',
    { opcode: OP_TEXT, payload: HELLO, rsv: 2 },
    {},
    RSV_FAILS_AFTER_ECHO,
  ),
  afterEcho(
    '3.3',
    'Send small text message, then send again with RSV = 3, then send Ping. Octets are sent in frame-wise chops.',
    { opcode: OP_TEXT, payload: HELLO, rsv: 3 },
    { sync: true },
    RSV_FAILS_AFTER_ECHO,
  ),
  afterEcho(
    '3.4',
    'Send small text message, then send again with RSV = 4, then send Ping. Octets are sent in octet-wise chops.',
    { opcode: OP_TEXT, payload: HELLO, rsv: 4 },
    { chopSize: 1 },
    RSV_FAILS_AFTER_ECHO,
  ),
  alone(
    '3.5',
    'Send small binary message with RSV = 5.',
    { opcode: OP_BINARY, payload: octets('\x00\xff\xfe\xfd\xfc\xfb\x00\xff'), rsv: 5 },
    RSV_FAILS,
  ),
  alone('3.6', 'Send Ping with RSV = 6.', { opcode: OP_PING, payload: HELLO, rsv: 6 }, RSV_FAILS),
  alone(
    '3.7',
    'Send Close with RSV = 7.',
    { opcode: OP_CLOSE, rsv: 7 },
    'The connection is failed immediately, since RSV must be 0.',
  ),
];

function opcodeCases(
  section: '4.1' | '4.2',
  opcodes: readonly number[],
  kind: string,
): CaseDefinition[] {
  const [a, b, c, d, e] = opcodes as [number, number, number, number, number];
  const fails = 'The connection is failed immediately.';
  const afterEchoFails = `Echo for first message is received, but then connection is failed immediately, since reserved opcode frame is used. A Pong is not received.`;
  return [
    alone(`${section}.1`, `Send frame with reserved ${kind} Opcode = ${a}.`, { opcode: a }, fails),
    alone(
      `${section}.2`,
      `Send frame with reserved ${kind} Opcode = ${b} and non-empty payload.`,
      { opcode: b, payload: 'reserved opcode payload' },
      fails,
    ),
    afterEcho(
      `${section}.3`,
      `Send small text message, then send frame with reserved ${kind} Opcode = ${c}, then send Ping.`,
      { opcode: c },
      {},
      afterEchoFails,
    ),
    afterEcho(
      `${section}.4`,
      `Send small text message, then send frame with reserved ${kind} Opcode = ${d} and non-empty payload, then send Ping.`,
      { opcode: d, payload: HELLO },
      {},
      afterEchoFails,
    ),
    afterEcho(
      `${section}.5`,
      `Send small text message, then send frame with reserved ${kind} Opcode = ${e} and non-empty payload, then send Ping. Octets are sent in octet-wise chops.`,
      { opcode: e, payload: HELLO },
      { chopSize: 1 },
      afterEchoFails,
    ),
  ];
}

export const RESERVED_OPCODES: readonly CaseDefinition[] = [
  ...opcodeCases('4.1', [3, 4, 5, 6, 7], 'non-control'),
  ...opcodeCases('4.2', [11, 12, 13, 14, 15], 'control'),
];
