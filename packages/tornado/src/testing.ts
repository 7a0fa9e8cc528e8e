/**
 * `@aio/tornado/testing`: tornado's `tornado.testing` for vitest — a fresh IOLoop per test
 * (`AsyncTestCase`), a server on a free port per test (`AsyncHTTPTestCase`, and over TLS
 * `AsyncHTTPSTestCase`), test bodies run as coroutines against a timeout (`genTest`),
 * `bindUnusedPort`, `getAsyncTestTimeout` and `expectLog` — and `inject()`, one request through
 * an application in memory, without a socket.
 *
 * A tornado `TestCase` subclass becomes a case object whose `setUp`/`tearDown` go to vitest's
 * `beforeEach`/`afterEach`; `@gen_test` becomes `t.genTest(function* () { … })` as the test
 * function. The teardown fails a test that leaves tasks pending or file descriptors open, naming
 * them (`TestLeakError`). Times are in milliseconds; `ASYNC_TEST_TIMEOUT` stays in seconds.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, expect, it } from 'vitest';
 * import { RuleRouter } from '@aio/tornado/routing';
 * import { AsyncHTTPTestCase, inject } from '@aio/tornado/testing';
 *
 * const app = () => new RuleRouter([['/', hello]]);
 * const t = new AsyncHTTPTestCase(app);
 * beforeEach(() => t.setUp());
 * afterEach(() => t.tearDown());
 *
 * it('says hello over a socket', async () => {
 *   const response = await t.fetch('/');
 *   expect(response.body.toString()).toBe('Hello world');
 * });
 *
 * it('says hello in memory', async () => {
 *   const response = await inject(app(), 'GET', '/');
 *   expect(response.code).toBe(200);
 * });
 *
 * it('fetches from a coroutine', t.genTest(function* (t) {
 *   const response = yield* t.httpClient.fetch(t.getUrl('/'));
 *   expect(response.code).toBe(200);
 * }, { timeout: 1_000 }));
 * ```
 *
 * @module @aio/tornado/testing
 */
export {
  AsyncTestCase,
  genTest,
  type AsyncTestCaseOptions,
  type GenTestOptions,
} from './testing/async-test-case';
export type { GenTestBody } from './testing/run-body';
export {
  AsyncHTTPTestCase,
  AsyncHTTPSTestCase,
  type AsyncHTTPTestCaseOptions,
} from './testing/async-http-test-case';
export {
  inject,
  type InjectApp,
  type InjectOptions,
  type InjectRequest,
  type InjectRequestOptions,
} from './testing/inject';
export { ExpectLog, expectLog, type ExpectLogOptions } from './testing/expect-log';
export { bindUnusedPort } from './testing/bind-unused-port';
export { getAsyncTestTimeout } from './testing/timeout';
export { ExpectLogError, TestLeakError } from './testing/errors';
