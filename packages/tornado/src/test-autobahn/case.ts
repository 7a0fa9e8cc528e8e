/**
 * A case of the catalogue and how it is judged, after Autobahn's `Case` class: a case scripts
 * what the fuzzing peer sends, states the events it expects back (one list per acceptable
 * behaviour: `OK`, sometimes also `NON-STRICT`) and how the connection must end (who closes, with
 * which codes, whether a clean closing handshake is required). When the TCP connection is gone,
 * the events that came are compared with each expected list and the end with the expected close:
 *
 *   behavior       OK | NON-STRICT (the events match that list) | FAILED (no list matches)
 *   behaviorClose  OK | FAILED (closed by the wrong endpoint) | UNCLEAN (a clean close was
 *                  required) | WRONG CODE (a close code not in the list) | FAILED BY CLIENT (the
 *                  server under test left the TCP connection for the client to drop)
 *
 * and folded into one verdict: FAILED when either says FAILED, WRONG CODE or UNCLEAN; NON-STRICT
 * when the behaviour is NON-STRICT or the server left the drop to the client; INFORMATIONAL and
 * UNIMPLEMENTED as the case says (Autobahn's 7.13.x and a peer without compression); else OK.
 */
import type { DeflateOffer } from './handshake';
import type { PerMessageDeflateOptions } from './ws-internals';

/** What the peer under test did, as the fuzzing peer recorded it. */
export type CaseEvent =
  | { kind: 'message'; data: Buffer; binary: boolean }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'pong'; data: Buffer }
  | { kind: 'timeout'; tag: string };

export type Behavior = 'OK' | 'NON-STRICT' | 'FAILED' | 'INFORMATIONAL' | 'UNIMPLEMENTED';
export type CloseBehavior =
  'OK' | 'FAILED' | 'WRONG CODE' | 'UNCLEAN' | 'FAILED BY CLIENT' | 'INFORMATIONAL';
export type Verdict = 'OK' | 'NON-STRICT' | 'FAILED' | 'INFORMATIONAL' | 'UNIMPLEMENTED';

export interface ExpectedClose {
  /** The fuzzing peer starts the closing handshake (true), or the peer under test fails or closes. */
  closedByMe: boolean;
  /** Close codes the peer under test may send; none sent is fine too. */
  codes: readonly number[];
  requireClean: boolean;
  /** The peer under test must be the one to fail the connection (UTF-8 cases). */
  closedByWrongEndpointIsFatal?: boolean;
}

/** The fuzzing peer's role: `client` tests a server, `server` tests a client. */
export type Role = 'client' | 'server';

/** What a case can do while it runs (the fuzzing peer's side of the connection). */
export interface CaseRun {
  readonly role: Role;
  /** permessage-deflate was negotiated. */
  readonly deflate: boolean;
  readonly received: CaseEvent[];
  behavior: Behavior;
  result: string;
  /** The case closes on its own terms: no closing handshake when the events match. */
  suppressClose: boolean;
  readonly state: 'open' | 'closing' | 'closed';
  expect(behavior: 'OK' | 'NON-STRICT', events: CaseEvent[]): void;
  expectClose(close: ExpectedClose): void;
  /** A frame, chopped into writes of `chopSize` octets, or written alone (`sync`). */
  sendFrame(frame: SendFrame): void;
  /**
   * Messages go to `handler` instead of being recorded (the 9.x and 12.x cases count and check
   * them, and decide when to close).
   */
  handleMessages(handler: (data: Buffer, binary: boolean) => void): void;
  /** A frame's bytes, masked as this peer's role wants, for a case that writes them itself. */
  encode(frame: SendFrame): Buffer;
  /** Octets as they are, after what was queued before. */
  sendRaw(bytes: Buffer): void;
  /** A message, compressed when deflate is on, split into frames of `fragmentSize`. */
  sendMessage(
    payload: Buffer | string,
    options?: { binary?: boolean; fragmentSize?: number },
  ): void;
  /** Starts the closing handshake (Autobahn's sendClose). */
  sendClose(code?: number, reason?: Buffer | string): void;
  /** A close frame with any payload, as the closing handshake's first move. */
  sendCloseFrame(code?: number, reason?: Buffer | string): void;
  /** The writes queued so far are on the socket. */
  flushed(): Promise<void>;
  continueLater(ms: number, fn: () => void, tag?: string): void;
  /** If the connection is still open after `ms`, fail it (a hang). */
  killAfter(ms: number): void;
  /**
   * When the peer under test has answered everything sent so far (a ping sent after it is
   * ponged), or after `ms` at the latest, start the closing handshake.
   */
  closeAfter(ms: number): void;
}

export interface SendFrame {
  opcode: number;
  payload?: Buffer | string;
  fin?: boolean;
  rsv?: number;
  repeatTo?: number;
  chopSize?: number;
  sync?: boolean;
}

export interface CaseDefinition {
  /** Autobahn's number, `1.1.1`; a case of ours that Autobahn lacks ends in `x`. */
  id: string;
  description: string;
  expectation: string;
  /** The roles it makes sense in; both by default. */
  roles?: readonly Role[];
  /** Offers (fuzzing client) for permessage-deflate. */
  offers?: readonly DeflateOffer[];
  /** What the fuzzing server accepts (`ws`'s options), when it tests a client. */
  accept?: PerMessageDeflateOptions;
  /** The longest the case may take before it is a hang (ms). */
  timeoutMs?: number;
  run(t: CaseRun): void;
  /** Adjusts the verdicts after the standard comparison (7.x: a wrong code is a failure). */
  judge?(outcome: CaseOutcome): void;
}

/** The end of a connection as the fuzzing peer saw it. */
export interface ConnectionEnd {
  connectionWasOpen: boolean;
  closedByMe: boolean;
  droppedByMe: boolean;
  wasClean: boolean;
  wasNotCleanReason: string | null;
  remoteCloseCode: number | null;
  remoteCloseReason: Buffer | null;
  /** What the peer under test did wrong, as the fuzzing peer saw it (it then failed the connection). */
  violation: string | null;
}

export interface CaseOutcome {
  behavior: Behavior;
  behaviorClose: CloseBehavior;
  result: string;
  resultClose: string;
  readonly end: ConnectionEnd;
  readonly expectedClose: ExpectedClose;
}

export interface CaseResult {
  id: string;
  description: string;
  expectation: string;
  verdict: Verdict;
  behavior: Behavior;
  behaviorClose: CloseBehavior;
  result: string;
  resultClose: string;
  expected: Record<string, string[]>;
  received: string[];
  end: ConnectionEnd;
  expectedClose: ExpectedClose;
  /** The extension header of the handshake's response ('' when none). */
  extensions: string;
  /** The first octets the fuzzing peer sent after the handshake, and what came back, in hex. */
  sentHex: string;
  receivedHex: string;
  durationMs: number;
}

/** Two event lists are the same: same kinds, payloads and message types, in order. */
export function sameEvents(a: readonly CaseEvent[], b: readonly CaseEvent[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((event, i) => {
    const other = b[i]!;
    if (event.kind !== other.kind) return false;
    if (event.kind === 'timeout') return event.tag === (other as typeof event).tag;
    if (event.kind === 'message' && event.binary !== (other as typeof event).binary) return false;
    return event.data.equals((other as { data: Buffer }).data);
  });
}

/** An event for a report: `message(text, 13 B: Hello, world!)`, `pong(0 B)`, `timeout(A)`. */
export function describeEvent(event: CaseEvent): string {
  if (event.kind === 'timeout') return `timeout(${event.tag})`;
  const kind =
    event.kind === 'message' ? `message(${event.binary ? 'binary' : 'text'}, ` : `${event.kind}(`;
  const shown = event.data.length <= 24 ? `: ${JSON.stringify(event.data.toString('latin1'))}` : '';
  return `${kind}${event.data.length} B${shown})`;
}

/** Autobahn's comparison at the end of a case (its `Case.onConnectionLost`). */
export function judge(
  role: Role,
  received: readonly CaseEvent[],
  expected: ReadonlyMap<'OK' | 'NON-STRICT', CaseEvent[]>,
  expectedClose: ExpectedClose,
  end: ConnectionEnd,
  behavior: Behavior,
  result: string,
): CaseOutcome {
  const outcome: CaseOutcome = {
    behavior,
    behaviorClose: 'FAILED',
    result,
    resultClose: 'TCP connection was dropped without close handshake',
    end,
    expectedClose,
  };
  for (const [name, events] of expected) {
    if (sameEvents(received, events)) {
      outcome.behavior = name;
      outcome.result = 'Actual events match at least one expected.';
      break;
    }
  }
  if (!end.connectionWasOpen) {
    outcome.behaviorClose = 'FAILED';
    outcome.resultClose = 'The WebSocket opening handshake was never completed!';
    return outcome;
  }
  if (expectedClose.closedByMe !== end.closedByMe) {
    outcome.behaviorClose = 'FAILED';
    outcome.resultClose = 'The connection was failed by the wrong endpoint';
  } else if (expectedClose.requireClean && !end.wasClean) {
    outcome.behaviorClose = 'UNCLEAN';
    outcome.resultClose = `The spec requires the connection to be failed cleanly here (${end.wasNotCleanReason ?? '?'})`;
  } else if (end.remoteCloseCode !== null && !expectedClose.codes.includes(end.remoteCloseCode)) {
    outcome.behaviorClose = 'WRONG CODE';
    outcome.resultClose = `The close code should have been ${expectedClose.codes.join(',')} or empty, got ${end.remoteCloseCode}`;
  } else if (role === 'client' && end.droppedByMe) {
    outcome.behaviorClose = 'FAILED BY CLIENT';
    outcome.resultClose = 'It is preferred that the server close the TCP connection';
  } else {
    outcome.behaviorClose = 'OK';
    outcome.resultClose = 'Connection was properly closed';
  }
  if (
    expectedClose.closedByWrongEndpointIsFatal === true &&
    expectedClose.closedByMe !== end.closedByMe
  ) {
    outcome.behavior = 'FAILED';
    outcome.result =
      'The peer under test did not fail the connection itself: it did not detect the invalid payload.';
  }
  return outcome;
}

/** The one verdict of a case (see the top of this file). */
export function verdictOf(outcome: Pick<CaseOutcome, 'behavior' | 'behaviorClose'>): Verdict {
  const { behavior, behaviorClose } = outcome;
  if (behavior === 'INFORMATIONAL' || behavior === 'UNIMPLEMENTED') return behavior;
  if (behavior === 'FAILED') return 'FAILED';
  if (behaviorClose === 'FAILED' || behaviorClose === 'WRONG CODE' || behaviorClose === 'UNCLEAN')
    return 'FAILED';
  if (behavior === 'NON-STRICT' || behaviorClose === 'FAILED BY CLIENT') return 'NON-STRICT';
  return 'OK';
}

/** Autobahn's 7.x rule: a wrong close code fails the case itself. */
export function wrongCodeFails(outcome: CaseOutcome): void {
  if (outcome.behaviorClose === 'WRONG CODE') {
    outcome.behavior = 'FAILED';
    outcome.result = outcome.resultClose;
  }
}
