/**
 * tornado's `get_async_test_timeout`: how long a test may take, in milliseconds here.
 */

/** tornado's default: 5 seconds. */
const DEFAULT_MS = 5_000;

/**
 * A Python float as `float()` reads it (surrounding space allowed, `inf` and `infinity` in any
 * case), without what JavaScript's `Number()` takes and Python does not (`0x10`, `''`).
 */
const PYTHON_FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf|infinity)$/i;

/**
 * The timeout of a test and of each `fetch()`, in milliseconds: the environment variable
 * `ASYNC_TEST_TIMEOUT` (seconds, as in tornado: `ASYNC_TEST_TIMEOUT=0.5` is 500 ms, `inf` none),
 * else 5 000. A value that is not a number, or is negative, is ignored, as tornado ignores what
 * `float()` refuses. Read at each call, so `vi.stubEnv('ASYNC_TEST_TIMEOUT', '10')` works.
 * @example
 * ```ts
 * getAsyncTestTimeout(); // 5000, or ASYNC_TEST_TIMEOUT × 1000
 * ```
 */
export function getAsyncTestTimeout(): number {
  const env = process.env.ASYNC_TEST_TIMEOUT?.trim();
  if (env === undefined || !PYTHON_FLOAT.test(env)) return DEFAULT_MS;
  const sign = env.startsWith('-') ? -1 : 1;
  const seconds = /inf/i.test(env) ? sign * Infinity : Number(env);
  return seconds < 0 ? DEFAULT_MS : seconds * 1000;
}
