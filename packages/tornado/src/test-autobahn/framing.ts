/**
 * Section 1, framing: text and binary messages of the lengths where the payload length's
 * encoding changes (7 bits up to 125, 16 bits from 126, 64 bits from 65536), echoed whole; the
 * last of each is written in chops of 997 octets, so frames straddle TCP segments.
 */
import type { CaseDefinition } from './case';
import { binary, closesNormally, octets, PATIENCE_MS, text } from './expectations';
import { OP_BINARY, OP_TEXT } from './frames';

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536] as const;

function framing(
  kind: 'text' | 'binary',
  n: number,
  length: number,
  chopSize?: number,
): CaseDefinition {
  const payload =
    kind === 'text' ? Buffer.alloc(length, '*') : Buffer.alloc(length, octets('\xfe'));
  const chopped = chopSize === undefined ? '' : ` Sent out data in chops of ${chopSize} octets.`;
  return {
    id: `1.${kind === 'text' ? 1 : 2}.${n}`,
    description: `Send ${kind} message with payload of length ${length}.${chopped}`,
    expectation: `Receive echo'ed ${kind} message (with payload as sent). Clean close with normal code.`,
    run(t) {
      closesNormally(t, kind === 'text' ? text(payload) : binary(payload));
      t.sendFrame({ opcode: kind === 'text' ? OP_TEXT : OP_BINARY, payload, chopSize });
      t.killAfter(PATIENCE_MS * 2);
    },
  };
}

export const FRAMING: readonly CaseDefinition[] = (['text', 'binary'] as const).flatMap((kind) => [
  ...LENGTHS.map((length, i) => framing(kind, i + 1, length)),
  framing(kind, 8, 65536, 997),
]);
