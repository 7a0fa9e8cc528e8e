/** Pins the public surface: a change to the list of exported names must be deliberate. */
import { expect, it } from 'vitest';
import * as api from './index';

it('exports exactly these names', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CancelledError",
      "Future",
      "InvalidStateError",
      "TimeoutError",
      "chainFuture",
      "getaddrinfo",
      "isCancelledError",
      "isFuture",
      "readable",
      "sockAccept",
      "sockConnect",
      "sockRecv",
      "sockRecvInto",
      "sockSendall",
      "sslDoHandshake",
      "toPromise",
      "wrapPromise",
      "writable",
    ]
  `);
});
