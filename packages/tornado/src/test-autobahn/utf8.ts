/**
 * Section 6, UTF-8 in text messages: empty and fragmented-empty messages; valid text, whole, in
 * two fragments on a code point boundary and in 1-octet fragments that cut code points; invalid
 * text, which fails the connection with 1007 — and fails it *fast* (6.4.x: as soon as the octet
 * that makes it invalid arrives, not at the end of the message; failing only at the end is
 * NON-STRICT). Then every sequence of the UTF-8 decoder test file (6.5 on), whole as Autobahn
 * sends it, and — ours, ids ending in `x` — the same payload in 1-octet frames, so each invalid
 * sequence is also split at every position.
 */
import type { CaseDefinition, CaseRun } from './case';
import {
  closesNormally,
  INVALID_PAYLOAD,
  octets,
  PATIENCE_MS,
  PAUSE_MS,
  text,
  timeout,
} from './expectations';
import { OP_CONTINUATION, OP_TEXT } from './frames';
import { KOSME, utf8Groups } from './utf8-sequences';

const HELLO_UTF8 = 'Hello-µ@ßöäüàá-UTF-8!!';
/** κόσμε, then U+D800 (a surrogate: invalid exactly at the 13th octet), then "edited". */
const INVALID_AT_13 = octets(`${KOSME}\xed\xa0\x80\x65\x64\x69\x74\x65\x64`);
/** κόσμε, then U+110000 in the UTF-8 scheme (out of range: invalid at its 2nd octet), "edited". */
const PART1 = octets(KOSME);
const PART2 = octets('\xf4\x90\x80\x80');
const PART3 = octets('\x65\x64\x69\x74\x65\x64');
const OUT_OF_RANGE = Buffer.concat([PART1, PART2, PART3]);

/** The peer under test must fail with 1007, and be the one to fail. */
function mustFailUtf8(t: CaseRun, events = true): void {
  if (events) t.expect('OK', []);
  t.expectClose({
    closedByMe: false,
    codes: [INVALID_PAYLOAD],
    requireClean: false,
    closedByWrongEndpointIsFatal: true,
  });
}

function echoes(
  id: string,
  description: string,
  payload: Buffer | string,
  send: (t: CaseRun) => void,
): CaseDefinition {
  return {
    id,
    description,
    expectation: "The message is echo'ed back to us.",
    run(t) {
      closesNormally(t, text(payload));
      send(t);
      t.closeAfter(PATIENCE_MS);
    },
  };
}

/**
 * 6.4.x: the invalid octets come after a pause; failing before the next pause is fail-fast.
 * `asFrames`: three frames; else one frame whose octets are written in three chops.
 */
function failFast(
  id: string,
  description: string,
  parts: [Buffer, Buffer, Buffer],
  asFrames: boolean,
): CaseDefinition {
  return {
    id,
    description,
    expectation:
      'The first part is accepted, we expect to timeout on the first wait. The 2nd part should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the connection is failed at least then, since the complete message payload is not valid UTF-8.',
    run(t) {
      t.expect('OK', [timeout('A')]);
      t.expect('NON-STRICT', [timeout('A'), timeout('B')]);
      mustFailUtf8(t, false);
      let send: ((n: 0 | 1 | 2) => void) | null = null;
      if (asFrames) {
        send = (n) =>
          t.sendFrame({
            opcode: n === 0 ? OP_TEXT : OP_CONTINUATION,
            fin: n === 2,
            payload: parts[n],
          });
      } else {
        const whole = Buffer.concat(parts);
        const bytes = t.encode({ opcode: OP_TEXT, payload: whole });
        const head = bytes.length - whole.length;
        const ends = [
          head + parts[0].length,
          head + parts[0].length + parts[1].length,
          bytes.length,
        ];
        send = (n) => t.sendRaw(bytes.subarray(n === 0 ? 0 : ends[n - 1], ends[n]));
      }
      send(0);
      t.continueLater(
        PAUSE_MS,
        () => {
          if (t.state !== 'open') return;
          t.received.push(timeout('A'));
          send(1);
          t.continueLater(
            PAUSE_MS,
            () => {
              if (t.state !== 'open') return;
              t.received.push(timeout('B'));
              send(2);
              t.killAfter(PATIENCE_MS);
            },
            'B',
          );
        },
        'A',
      );
    },
  };
}

export function utf8Cases(): CaseDefinition[] {
  const cases: CaseDefinition[] = [
    echoes('6.1.1', 'Send text message of length 0.', '', (t) => t.sendFrame({ opcode: OP_TEXT })),
    echoes('6.1.2', 'Send fragmented text message, 3 fragments each of length 0.', '', (t) => {
      t.sendFrame({ opcode: OP_TEXT, fin: false });
      t.sendFrame({ opcode: OP_CONTINUATION, fin: false });
      t.sendFrame({ opcode: OP_CONTINUATION });
    }),
    echoes(
      '6.1.3',
      'Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.',
      'middle frame payload',
      (t) => {
        t.sendFrame({ opcode: OP_TEXT, fin: false });
        t.sendFrame({ opcode: OP_CONTINUATION, fin: false, payload: 'middle frame payload' });
        t.sendFrame({ opcode: OP_CONTINUATION });
      },
    ),
    echoes('6.2.1', 'Send a valid UTF-8 text message in one fragment.', HELLO_UTF8, (t) =>
      t.sendMessage(HELLO_UTF8),
    ),
    echoes(
      '6.2.2',
      'Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.',
      HELLO_UTF8,
      (t) => {
        t.sendFrame({ opcode: OP_TEXT, fin: false, payload: 'Hello-µ@ßöä' });
        t.sendFrame({ opcode: OP_CONTINUATION, payload: 'üàá-UTF-8!!' });
      },
    ),
    echoes(
      '6.2.3',
      'Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.',
      HELLO_UTF8,
      (t) => t.sendMessage(HELLO_UTF8, { fragmentSize: 1 }),
    ),
    echoes(
      '6.2.4',
      'Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.',
      octets(KOSME),
      (t) => t.sendMessage(octets(KOSME), { fragmentSize: 1 }),
    ),
    {
      id: '6.3.1',
      description: `Send invalid UTF-8 text message unfragmented. MESSAGE: ${INVALID_AT_13.toString('hex')}`,
      expectation: 'The connection is failed immediately, since the payload is not valid UTF-8.',
      run(t) {
        mustFailUtf8(t);
        t.sendMessage(INVALID_AT_13);
        t.killAfter(PATIENCE_MS);
      },
    },
    {
      id: '6.3.2',
      description:
        'Send invalid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.',
      expectation: 'The connection is failed immediately, since the payload is not valid UTF-8.',
      run(t) {
        mustFailUtf8(t);
        t.sendMessage(INVALID_AT_13, { fragmentSize: 1 });
        t.killAfter(PATIENCE_MS);
      },
    },
    failFast(
      '6.4.1',
      'Send invalid UTF-8 text message in 3 fragments (frames). First frame payload is valid, then wait, then 2nd frame which contains the payload making the sequence invalid, then wait, then 3rd frame with rest.',
      [PART1, PART2, PART3],
      true,
    ),
    failFast(
      '6.4.2',
      'Same as Case 6.4.1, but in 2nd frame, we send only up to and including the octet making the complete payload invalid.',
      [OUT_OF_RANGE.subarray(0, 12), OUT_OF_RANGE.subarray(12, 13), OUT_OF_RANGE.subarray(13)],
      true,
    ),
    failFast(
      '6.4.3',
      'Same as Case 6.4.1, but we send message not in 3 frames, but in 3 chops of the same message frame.',
      [PART1, PART2, PART3],
      false,
    ),
    failFast(
      '6.4.4',
      'Same as Case 6.4.2, but we send message not in 3 frames, but in 3 chops of the same message frame.',
      [OUT_OF_RANGE.subarray(0, 12), OUT_OF_RANGE.subarray(12, 13), OUT_OF_RANGE.subarray(13)],
      false,
    ),
  ];
  utf8Groups().forEach((group, g) => {
    group.sequences.forEach(({ valid, bytes }, s) => {
      const id = `6.${g + 5}.${s + 1}`;
      for (const split of [false, true]) {
        cases.push({
          id: split ? `${id}x` : id,
          description: `${group.title}: send a text message with payload which is ${valid ? '' : 'not '}valid UTF-8 ${split ? 'in frames of 1 octet' : 'in one fragment'}. Payload: 0x${bytes.toString('hex')}`,
          expectation: valid
            ? "The message is echo'ed back to us."
            : 'The connection is failed immediately, since the payload is not valid UTF-8.',
          run(t) {
            if (valid) closesNormally(t, text(bytes));
            else mustFailUtf8(t);
            t.sendMessage(bytes, split ? { fragmentSize: 1 } : {});
            if (valid) t.closeAfter(PATIENCE_MS);
            else t.killAfter(PATIENCE_MS);
          },
        });
      }
    });
  });
  return cases;
}
