/**
 * tornado's logging on aio: the three tornado loggers, pretty-printed to stderr (coloured on a
 * terminal) and, with --log_file_prefix, to a rotating file. The command-line flags are
 * tornado's own:
 *
 *   node --conditions=@aio/source --import tsx examples/log-demo.ts
 *   node --conditions=@aio/source --import tsx examples/log-demo.ts --logging=info \
 *     --log_file_prefix=/tmp/demo.log --log_to_stderr --log_caller
 *
 * or, where @aio/tornado is installed (the examples come with the package; tsx runs them):
 *
 *   node --import tsx node_modules/@aio/tornado/examples/log-demo.ts
 */
import { parseArgs } from 'node:util';
import {
  accessLog,
  appLog,
  defineLoggingOptions,
  enablePrettyLogging,
  genLog,
  loggingOptionsFromArgs,
} from '@aio/tornado/log';

// #region demo
const { values } = parseArgs({ options: defineLoggingOptions(), strict: false });
// tornado's default level is info; the demo shows debug too unless --logging says otherwise.
const logging = enablePrettyLogging({ logging: 'debug', ...loggingOptionsFromArgs(values) });

genLog.debug('listening on http://127.0.0.1:%d', 8888);
accessLog.info('200 GET /index.html (127.0.0.1) 1.52ms');
accessLog.warn('404 GET /missing (127.0.0.1) 0.61ms');
try {
  JSON.parse('{ not json');
} catch (err) {
  appLog.error(err, 'Uncaught exception POST /api (127.0.0.1)');
}
genLog.info('a message that spans\ntwo lines');

// Closing removes the handlers and closes the log file; nothing is left open.
logging.close();
// #endregion demo
