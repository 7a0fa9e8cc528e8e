/** The strategies, in the article's order, with how many pages each has in flight at once. */
import { syncWay } from './blocking';
import { callbackWay } from './callbacks';
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
  {
    name: 'callbacks',
    section: '3.5',
    title: 'non-blocking sockets + epoll + callbacks + event loop',
    run: callbackWay,
    concurrency: (pages) => pages,
  },
];
