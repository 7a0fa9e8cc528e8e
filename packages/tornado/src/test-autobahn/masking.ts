/**
 * What only a client can be tested for (ours, beyond Autobahn's numbering): frames from a
 * server must not be masked (RFC 6455 §5.1), so a masked one — a data frame, a ping, a close —
 * fails the connection at once, with no echo and no pong.
 */
import type { CaseDefinition } from './case';
import { PATIENCE_MS, peerFails } from './expectations';
import { encodeFrame, OP_CLOSE, OP_PING, OP_TEXT, closePayload } from './frames';

function masked(
  id: string,
  what: string,
  opcode: number,
  payload: Buffer | string,
): CaseDefinition {
  return {
    id,
    description: `Send a masked ${what} from the server.`,
    expectation:
      'The client fails the connection immediately (1002/protocol error): server frames must not be masked.',
    roles: ['server'],
    run(t) {
      t.expect('OK', []);
      peerFails(t);
      t.sendRaw(encodeFrame({ opcode, payload }, true));
      t.killAfter(PATIENCE_MS);
    },
  };
}

export const MASKING: readonly CaseDefinition[] = [
  masked('11.1.1x', 'text message', OP_TEXT, 'Hello, world!'),
  masked('11.1.2x', 'ping', OP_PING, 'ping payload'),
  masked('11.1.3x', 'close frame', OP_CLOSE, closePayload(1000)),
];
