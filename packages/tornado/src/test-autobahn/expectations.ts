/**
 * The vocabulary the catalogue is written in: the events a case expects, the two ways a case
 * ends (the fuzzing peer closes normally once answered; the peer under test must fail the
 * connection), and the patience of the waits, scaled from Autobahn's seconds to loopback.
 */
import type { CaseEvent, CaseRun } from './case';

export const NORMAL = 1000;
export const GOING_AWAY = 1001;
export const PROTOCOL_ERROR = 1002;
export const INVALID_PAYLOAD = 1007;
export const MESSAGE_TOO_BIG = 1009;

/**
 * Autobahn's `killAfter(1)` and `closeAfter(1)`: fallbacks that only a misbehaving peer ever
 * waits for (a conforming one answers or fails at once, and `closeAfter` ends on its pong).
 */
export const PATIENCE_MS = 1500;
/** Autobahn's `continueLater(1)` in 5.19/5.20 and 6.4.x: long enough for loopback to answer. */
export const PAUSE_MS = 100;

export function text(payload: string | Buffer): CaseEvent {
  return {
    kind: 'message',
    data: Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8'),
    binary: false,
  };
}

export function binary(payload: Buffer): CaseEvent {
  return { kind: 'message', data: payload, binary: true };
}

export function pong(payload: string | Buffer = ''): CaseEvent {
  return {
    kind: 'pong',
    data: Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'latin1'),
  };
}

export function timeout(tag: string): CaseEvent {
  return { kind: 'timeout', tag };
}

/** Octets written as Python 2 byte strings are in Autobahn (`'\xfe' * 125`). */
export function octets(latin1: string): Buffer {
  return Buffer.from(latin1, 'latin1');
}

/** The peer answers, then the fuzzing peer closes with 1000 and expects 1000 back, cleanly. */
export function closesNormally(t: CaseRun, ...events: CaseEvent[]): void {
  t.expect('OK', events);
  t.expectClose({ closedByMe: true, codes: [NORMAL], requireClean: true });
}

/** The peer under test must fail the connection (a close with one of `codes`, or a drop). */
export function peerFails(t: CaseRun, codes: number[] = [PROTOCOL_ERROR]): void {
  t.expectClose({ closedByMe: false, codes, requireClean: false });
}
