import { describe, expect, it } from 'vitest';
import { NoRunningLoopError } from './errors';
import { EventLoop } from './event-loop';
import {
  getEventLoop,
  getRunningLoop,
  getRunningLoopOrNull,
  newEventLoop,
  setEventLoop,
} from './running';

describe('which loop', () => {
  it('getRunningLoop throws NoRunningLoopError outside a running loop', () => {
    expect(() => getRunningLoop()).toThrow(NoRunningLoopError);
    expect(() => getRunningLoop()).toThrow(/no running event loop/);
    expect(getRunningLoopOrNull()).toBeNull();
  });

  it('getEventLoop makes and keeps a current loop; setEventLoop replaces it; close clears it', () => {
    const first = getEventLoop();
    expect(first).toBeInstanceOf(EventLoop);
    expect(getEventLoop()).toBe(first);
    const mine = newEventLoop({ mode: 'blocking' });
    expect(mine.mode).toBe('blocking');
    setEventLoop(mine);
    expect(getEventLoop()).toBe(mine);
    mine.close();
    first.close();
    const fresh = getEventLoop();
    expect(fresh).not.toBe(mine);
    fresh.close();
    setEventLoop(null);
  });

  it('getEventLoop returns the running loop first', async () => {
    const loop = newEventLoop();
    let seen: EventLoop | undefined;
    loop.callSoon(() => {
      seen = getEventLoop();
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(seen).toBe(loop);
  });
});
