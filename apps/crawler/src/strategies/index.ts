/** The strategies, in the article's order, with how many pages each has in flight at once. */
import { syncWay } from './blocking';
import { asyncAwaitStrategy } from './async-await';
import { asyncioStrategy } from './asyncio';
import { callbackWay } from './callbacks';
import { generatorStrategy } from './generators';
import { nodeFetchStrategy } from './node-fetch';
import { nonblocking } from './nonblocking';
import { processes } from './processes';
import { threads } from './threads';
import { tornadoStrategy } from './tornado';
import { yieldFromStrategy } from './yield-from';
import type { StrategyInfo } from './types';

export type { StrategyInfo } from './types';

export const STRATEGIES: readonly StrategyInfo[] = [
  {
    name: 'blocking',
    section: '3.1',
    title: 'blocking sockets, one page after another',
    run: syncWay,
    concurrency: () => 1,
  },
  processes,
  threads,
  nonblocking,
  {
    name: 'callbacks',
    section: '3.5',
    title: 'non-blocking sockets + epoll + callbacks + event loop',
    run: callbackWay,
    concurrency: (pages) => pages,
  },
  generatorStrategy,
  yieldFromStrategy,
  asyncioStrategy,
  asyncAwaitStrategy,
  tornadoStrategy,
  nodeFetchStrategy,
];
