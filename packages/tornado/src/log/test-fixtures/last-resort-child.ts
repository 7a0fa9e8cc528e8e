/**
 * A child process that logs without configuring anything: Python's last resort should still
 * put warnings and errors (bare, with stacks) on stderr, and nothing below warning.
 */
import { appLog, genLog } from '../../log';

genLog.info('info nobody asked for');
genLog.warn('a warning\nover two lines');
const err = new Error('boom');
err.stack = 'Error: boom\n    at handler (server.ts:12:11)';
appLog.error(err, 'Uncaught exception');
