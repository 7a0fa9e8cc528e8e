/** Pins the public surface of `@aio/tornado/log`: a change to the exported names is deliberate. */
import { expect, it } from 'vitest';
import * as api from './log';

it('exports exactly these names', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "FileHandler",
      "LogFormatter",
      "RotatingFileHandler",
      "StreamHandler",
      "TimedRotatingFileHandler",
      "accessLog",
      "addHandler",
      "appLog",
      "defineLoggingOptions",
      "enablePrettyLogging",
      "genLog",
      "getHandlers",
      "getLogger",
      "levelName",
      "loggingOptionsFromArgs",
      "removeHandler",
      "setCaptureCaller",
      "setLevel",
      "shutdownLogging",
    ]
  `);
});
