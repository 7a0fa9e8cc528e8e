import { aioVitest } from '@aio/tooling/vitest';

// --expose-gc: future.test.ts checks that a collected future reports its unretrieved exception.
export default aioVitest({ test: { poolOptions: { forks: { execArgv: ['--expose-gc'] } } } });
