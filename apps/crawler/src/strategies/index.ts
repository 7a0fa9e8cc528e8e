/** The strategies, in the article's order. */
import { blocking } from './blocking';
import { asyncAwaitStrategy } from './async-await';
import { asyncioStrategy } from './asyncio';
import { callbacks } from './callbacks';
import { generatorStrategy } from './generators';
import { nodeFetchStrategy } from './node-fetch';
import { nonblocking } from './nonblocking';
import { processes } from './processes';
import { threads } from './threads';
import { tornadoStrategy } from './tornado';
import { webspiderStrategy } from './webspider';
import { yieldFromStrategy } from './yield-from';
import type { StrategyInfo } from './types';

export type { StrategyInfo } from './types';

export const STRATEGIES: readonly StrategyInfo[] = [
  blocking,
  processes,
  threads,
  nonblocking,
  callbacks,
  generatorStrategy,
  yieldFromStrategy,
  asyncioStrategy,
  asyncAwaitStrategy,
  tornadoStrategy,
  webspiderStrategy,
  nodeFetchStrategy,
];
