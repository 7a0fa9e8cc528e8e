/**
 * `DefaultSelector`: the best backend this OS has, chosen once at load time as Python does:
 * epoll on Linux, kqueue on macOS and the BSDs, poll anywhere else.
 */
import type { BaseSelector } from './base';
import { EpollSelector } from './epoll';
import { KqueueSelector } from './kqueue';
import { PollSelector } from './poll';

// #region DefaultSelector
export type SelectorClass = new <T = unknown>() => BaseSelector<T>;

export const DefaultSelector: SelectorClass = EpollSelector.isAvailable()
  ? EpollSelector
  : KqueueSelector.isAvailable()
    ? KqueueSelector
    : PollSelector;
// #endregion DefaultSelector
