/**
 * For the interop tests: waits (on Node's timers, outside any aio loop) until something accepts
 * TCP connections on 127.0.0.1:`port` — a peer server started as a child process.
 */
import { AF_INET, SOCK_STREAM, Socket } from '@aio/selector';

/** Resolves once a connect to 127.0.0.1:`port` succeeds; rejects with the last error past `timeoutMs`. */
export async function untilListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Socket(AF_INET, SOCK_STREAM);
    try {
      probe.connect(['127.0.0.1', port]);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      probe.close();
    }
  }
}
