/**
 * `@aio/tornado/queues`: tornado's `tornado.queues` — `Queue`, `PriorityQueue` and `LifoQueue`
 * for coroutines on one loop, with tornado's `timeout` on `get()`, `put()` and `join()`.
 *
 * They are the coroutine layer's queues (subclasses, so `instanceof` and the errors are shared
 * across the layers: `QueueEmpty`, `QueueFull` are the same classes) with the timeouts added.
 * Not thread-safe, as tornado's are not: they pass items between coroutines of one loop.
 *
 * @module @aio/tornado/queues
 */
export { Queue, LifoQueue, PriorityQueue, type PriorityQueueOptions } from './queues/queue';
export { QueueEmpty, QueueFull, QueueShutDown } from '@aio/coroutine';
export { TimeoutError } from '@aio/future';
export { Timedelta, timedelta, type Timeout, type TimedeltaParts } from './internal/timeout';
