/**
 * A forward HTTP proxy nobody here wrote — the npm package `proxy` (TooTallNate's, v2), on Node's
 * own `http` server — in a child process, for httpclient-interop.test.ts (in blocking mode our
 * loop holds the test process's thread, and Node's I/O there would not run).
 *
 *   node node-proxy.mjs [USER:PASSWORD]   prints "PORT n"; with credentials, a request without a
 *                                         matching `Proxy-Authorization: Basic …` gets a 407
 *
 * Each request it is given is printed as a line of JSON: `{"method","url","auth"}` (`auth`: did
 * it carry a Proxy-Authorization header). Exits when stdin closes, or after 120 s.
 */
import { createServer } from 'node:http';
import { createProxy } from 'proxy';

const [credentials] = process.argv.slice(2);
setTimeout(() => process.exit(0), 120_000).unref();
process.stdin.on('end', () => process.exit(0)).resume();

const proxy = createProxy(createServer());
if (credentials !== undefined) {
  const expected = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  proxy.authenticate = (req) => req.headers['proxy-authorization'] === expected;
}
const log = (req) =>
  console.log(
    JSON.stringify({
      method: req.method,
      url: req.url,
      auth: req.headers['proxy-authorization'] !== undefined,
    }),
  );
// Added before the proxy's own listeners run their (asynchronous) work: every request is logged.
proxy.prependListener('request', log);
proxy.prependListener('connect', log);
proxy.listen(0, '127.0.0.1', () => console.log(`PORT ${proxy.address().port}`));
