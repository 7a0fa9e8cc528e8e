/**
 * @aio/coroutine: asyncio's Task and coroutine toolkit for Node.js — generator coroutines and
 * async functions driven by the aio event loop.
 *
 * @module @aio/coroutine
 */
export {
  Task,
  createTask,
  currentTask,
  allTasks,
  isCoroutine,
  type Coroutine,
  type TaskOptions,
  type TaskSource,
  type AsyncTaskFunction,
} from './task';
export { ensureFuture, type Awaitable } from './ensure-future';
export { run, type RunOptions } from './run';
export { sleep, Relinquish } from './sleep';
export { gather, GatheringFuture, type GatherOptions } from './gather';
export {
  wait,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
  type ReturnWhen,
  type WaitOptions,
} from './wait';
export { waitFor } from './wait-for';
export { asCompleted, AsCompleted, type AsCompletedOptions } from './as-completed';
export { shield } from './shield';
export { taskGroup, TaskGroup } from './task-group';
export { timeout, timeoutAt, Timeout } from './timeout';
export { Scoped, type Body } from './body';
export {
  Lock,
  Event,
  Condition,
  Semaphore,
  BoundedSemaphore,
  Barrier,
  withLock,
  LockNotHeldError,
  SemaphoreOverReleasedError,
  BrokenBarrierError,
  type Acquirable,
} from './locks';
export {
  Queue,
  LifoQueue,
  PriorityQueue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  type QueueOptions,
  type PriorityQueueOptions,
} from './queues';
export {
  StreamReader,
  IncompleteReadError,
  LimitOverrunError,
  ConcurrentReadError,
  type ReadTransport,
  type StreamReaderOptions,
} from './streams/reader';
export { StreamWriter } from './streams/writer';
export {
  SocketTransport,
  TransportClosedError,
  type SocketTransportOptions,
  type StreamEndpoint,
  type StreamSink,
} from './streams/transport';
export {
  openConnection,
  startServer,
  openUnixConnection,
  startUnixServer,
  Server,
  ServerClosedError,
  ACCEPT_RETRY_DELAY_MS,
  type ConnectionHandler,
  type OpenConnectionOptions,
  type StartServerOptions,
  type StartUnixServerOptions,
} from './streams/connection';
export {
  TaskGroupError,
  CancelledError,
  InvalidStateError,
  TimeoutError,
  isCancelledError,
} from './errors';
// What coroutine code needs beside the toolkit, so that @aio/coroutine can be its one dependency:
// the loop, futures and their promise bridges, the socket operations with their sockets, and TLS.
export { EventLoop, getRunningLoop, NoRunningLoopError, type LoopMode } from '@aio/loop';
export {
  Future,
  isFuture,
  wrapPromise,
  toPromise,
  sockConnect,
  sockAccept,
  sockRecv,
  sockRecvInto,
  sockSendall,
  getaddrinfo,
  readable,
  writable,
} from '@aio/future';
export { Socket, socketpair, AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM } from '@aio/selector';
// TLS for the streams' `ssl` option; the rest of it (CERT_*, TLSVersion …) in @aio/selector/ssl.
export {
  SSLContext,
  SSLSocket,
  SSLError,
  SSLCertVerificationError,
  createDefaultContext,
} from '@aio/selector/ssl';
