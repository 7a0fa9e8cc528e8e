/**
 * A child process for the tests that need a real stderr (a pipe, or a terminal under
 * `script`): calls `enablePrettyLogging` with the JSON options in argv[2], logs one line at
 * each level from the three tornado loggers, and exits.
 */
import { accessLog, appLog, enablePrettyLogging, genLog } from '../../log';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof enablePrettyLogging>[0];
const logging = enablePrettyLogging(options);
genLog.debug('debug from general');
accessLog.info('200 GET / (127.0.0.1) 0.52ms');
genLog.warn('warning from general');
appLog.error('error from application');
logging.close();
