import { describe, expect, it } from 'vitest';
import { EventLoop } from './event-loop';
import { Handle, TimerHandle } from './handles';
import { RUN } from './internal';

function tick(..._args: unknown[]): void {}

describe('handles', () => {
  it('print their callback, arguments, time and state', () => {
    const loop = new EventLoop();
    try {
      const handle = loop.callSoon(tick, 1, 'a');
      expect(handle).toBeInstanceOf(Handle);
      expect(String(handle)).toBe('<Handle cb=tick(1, "a")>');
      handle.cancel();
      expect(String(handle)).toBe('<Handle cb=tick(1, "a") cancelled>');
      const timer = loop.callAt(1234.5, tick);
      expect(timer).toBeInstanceOf(TimerHandle);
      expect(timer.when).toBe(1234.5);
      timer.cancel();
      expect(String(timer)).toBe('<TimerHandle when=1234.5 cb=tick() cancelled>');
      expect(String(loop.callSoon(() => {}))).toBe('<Handle cb=<anonymous>()>');
    } finally {
      loop.close();
    }
  });

  it('call their callback with none, one or several arguments, as given', () => {
    const loop = new EventLoop();
    try {
      const calls: unknown[][] = [];
      const record = (...args: unknown[]): void => void calls.push(args);
      const one = loop.callSoon(record, undefined);
      expect(String(one)).toBe('<Handle cb=record(undefined)>');
      for (const handle of [loop.callSoon(record), one, loop.callSoon(record, 'x', 2)]) {
        handle[RUN]();
      }
      expect(calls).toEqual([[], [undefined], ['x', 2]]);
      expect(calls[1]).toHaveLength(1);
    } finally {
      loop.close();
    }
  });

  it('in debug mode, say where they were created', () => {
    const loop = new EventLoop({ debug: true });
    try {
      expect(String(loop.callSoon(tick))).toMatch(
        /^<Handle cb=tick\(\) created at src\/handles\.test\.ts:\d+>$/,
      );
    } finally {
      loop.close();
    }
  });

  it('shorten long arguments', () => {
    const loop = new EventLoop();
    try {
      expect(String(loop.callSoon(tick, 'x'.repeat(100)))).toMatch(/^<Handle cb=tick\("x{38}…\)>$/);
    } finally {
      loop.close();
    }
  });
});
