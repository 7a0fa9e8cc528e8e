/**
 * Section 7, the closing handshake: a close is answered with a close (normal or echoed code),
 * and nothing after it is answered or delivered; close payloads of 0 and 2 octets are fine, 1
 * octet is a protocol error, a reason must be valid UTF-8 and at most 123 octets; close codes are
 * judged by RFC 6455 §7.4 and the IANA registry (Autobahn 7.7 and 7.9): 1000–1003, 1007–1011 and
 * 3000–4999 are valid; 0, 999, 1004–1006, 1016, 1100, 2000, 2999 are not, and a peer receiving
 * them fails the connection (1002 or a drop). Ours beyond Autobahn (ids ending in `x`): 1012,
 * 1013 and 1014, registered since (Service Restart, Try Again Later, Bad Gateway: valid), and
 * 1015 (TLS handshake failure: never sent on the wire, so invalid). 5000 and 65535 are outside
 * any range the spec defines: informational.
 */
import { octets } from './expectations';
import { wrongCodeFails, type CaseDefinition, type CaseOutcome, type CaseRun } from './case';
import {
  closesNormally,
  INVALID_PAYLOAD,
  NORMAL,
  PATIENCE_MS,
  PROTOCOL_ERROR,
  text,
} from './expectations';
import { OP_CLOSE, OP_CONTINUATION, OP_PING, OP_TEXT } from './frames';

/** The invalid UTF-8 of 6.3.1, as a close reason. */
const INVALID_REASON = octets(
  '\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64',
);

/** A 7.x case: it closes on its own terms, and a wrong close code fails it. */
function closeCase(
  id: string,
  description: string,
  expectation: string,
  run: (t: CaseRun) => void,
  judge: (outcome: CaseOutcome) => void = wrongCodeFails,
): CaseDefinition {
  return {
    id,
    description,
    expectation,
    run(t) {
      t.suppressClose = true;
      run(t);
      t.killAfter(PATIENCE_MS);
    },
    judge,
  };
}

function cleanNormal(t: CaseRun, codes: number[] = [NORMAL]): void {
  t.expect('OK', []);
  t.expectClose({ closedByMe: true, codes, requireClean: true });
}

function protocolErrorOrDrop(t: CaseRun, codes: number[] = [PROTOCOL_ERROR]): void {
  t.expect('OK', []);
  t.expectClose({ closedByMe: true, codes, requireClean: false });
}

function informational(outcome: CaseOutcome): void {
  outcome.behavior = 'INFORMATIONAL';
  outcome.behaviorClose = 'INFORMATIONAL';
  outcome.result = 'Actual events are undefined by the spec.';
}

const VALID_CODES: [string, number][] = [
  ...[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].map(
    (code, i): [string, number] => [`7.7.${i + 1}`, code],
  ),
  ['7.7.14x', 1012],
  ['7.7.15x', 1013],
  ['7.7.16x', 1014],
];
const INVALID_CODES: [string, number][] = [
  ...[0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999].map((code, i): [string, number] => [
    `7.9.${i + 1}`,
    code,
  ]),
  ['7.9.10x', 1015],
];

export const CLOSING: readonly CaseDefinition[] = [
  {
    id: '7.1.1',
    description: 'Send a message followed by a close frame',
    expectation: 'Echoed message followed by clean close with normal code.',
    run(t) {
      closesNormally(t, text('Hello World!'));
      t.sendFrame({ opcode: OP_TEXT, payload: 'Hello World!' });
      t.killAfter(PATIENCE_MS);
    },
    judge: wrongCodeFails,
  },
  closeCase(
    '7.1.2',
    'Send two close frames',
    'Clean close with normal code. Second close frame ignored.',
    (t) => {
      cleanNormal(t);
      t.sendClose(NORMAL);
      t.sendFrame({ opcode: OP_CLOSE });
    },
  ),
  closeCase(
    '7.1.3',
    'Send a ping after close message',
    'Clean close with normal code, no pong.',
    (t) => {
      cleanNormal(t);
      t.sendClose(NORMAL);
      t.sendFrame({ opcode: OP_PING });
    },
  ),
  closeCase(
    '7.1.4',
    'Send text message after sending a close frame.',
    'Clean close with normal code. Text message ignored.',
    (t) => {
      cleanNormal(t);
      t.sendClose(NORMAL);
      t.sendFrame({ opcode: OP_TEXT, payload: 'Hello World!' });
    },
  ),
  closeCase(
    '7.1.5',
    'Send message fragment1 followed by close then fragment',
    'Clean close with normal code.',
    (t) => {
      cleanNormal(t);
      t.sendFrame({ opcode: OP_TEXT, fin: false, payload: 'fragment1' });
      t.sendClose(NORMAL);
      t.sendFrame({ opcode: OP_CONTINUATION, payload: 'fragment2' });
    },
  ),
  closeCase(
    '7.1.6',
    'Send 256K message followed by close then a ping',
    'Case outcome depends on implementation defined close behavior. Message and close frame are sent back to back. If the close frame is processed before the text message write is complete (as can happen in asynchronous processing models) the close frame is processed first and the text message may not be received or may only be partially received.',
    (t) => {
      t.expect('OK', [text('Hello World!')]);
      t.expect('NON-STRICT', []);
      t.expectClose({ closedByMe: true, codes: [NORMAL], requireClean: true });
      t.sendFrame({ opcode: OP_TEXT, payload: 'BAsd7&jh23', repeatTo: 256 * 1024 });
      t.sendFrame({ opcode: OP_TEXT, payload: 'Hello World!' });
      t.sendClose(NORMAL);
      t.sendFrame({ opcode: OP_PING });
    },
    (outcome) => {
      const result =
        outcome.behavior === 'OK'
          ? 'Text message was processed before close.'
          : 'Close was processed before text message could be returned.';
      informational(outcome);
      outcome.result = result;
    },
  ),
  closeCase(
    '7.3.1',
    'Send a close frame with payload length 0 (no close code, no close reason)',
    'Clean close with normal code.',
    (t) => {
      cleanNormal(t);
      t.sendCloseFrame();
    },
  ),
  closeCase(
    '7.3.2',
    'Send a close frame with payload length 1',
    'Clean close with protocol error or drop TCP.',
    (t) => {
      protocolErrorOrDrop(t);
      t.sendCloseFrame(undefined, 'a');
    },
  ),
  closeCase(
    '7.3.3',
    'Send a close frame with payload length 2 (regular close with a code)',
    'Clean close with normal code.',
    (t) => {
      cleanNormal(t);
      t.sendClose(NORMAL);
    },
  ),
  closeCase(
    '7.3.4',
    'Send a close frame with close code and close reason',
    'Clean close with normal code.',
    (t) => {
      cleanNormal(t);
      t.sendClose(NORMAL, 'Hello World!');
    },
  ),
  closeCase(
    '7.3.5',
    'Send a close frame with close code and close reason of maximum length (123)',
    'Clean close with normal code.',
    (t) => {
      cleanNormal(t);
      t.sendClose(NORMAL, '*'.repeat(123));
    },
  ),
  closeCase(
    '7.3.6',
    'Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets',
    'Clean close with protocol error code or dropped TCP connection.',
    (t) => {
      protocolErrorOrDrop(t);
      t.sendCloseFrame(NORMAL, '*'.repeat(124));
    },
  ),
  closeCase(
    '7.5.1',
    'Send a close frame with invalid UTF8 payload',
    'Clean close with protocol error or invalid utf8 code or dropped TCP.',
    (t) => {
      protocolErrorOrDrop(t, [PROTOCOL_ERROR, INVALID_PAYLOAD]);
      t.sendCloseFrame(NORMAL, INVALID_REASON);
    },
  ),
  ...VALID_CODES.map(([id, code]) =>
    closeCase(
      id,
      `Send close with valid close code ${code}`,
      'Clean close with normal or echoed code',
      (t) => {
        cleanNormal(t, [NORMAL, code]);
        t.sendCloseFrame(code);
      },
    ),
  ),
  ...INVALID_CODES.map(([id, code]) =>
    closeCase(
      id,
      `Send close with invalid close code ${code}`,
      'Clean close with protocol error code or drop TCP',
      (t) => {
        protocolErrorOrDrop(t);
        t.sendCloseFrame(code);
      },
    ),
  ),
  ...[5000, 65535].map((code, i) =>
    closeCase(
      `7.13.${i + 1}`,
      `Send close with close code ${code}`,
      'Actual events are undefined by the spec.',
      (t) => {
        t.expect('OK', []);
        t.expectClose({
          closedByMe: true,
          codes: [NORMAL, code, PROTOCOL_ERROR],
          requireClean: false,
        });
        t.sendCloseFrame(code);
      },
      informational,
    ),
  ),
];
