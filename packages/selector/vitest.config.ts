import { aioVitest } from '@aio/tooling/vitest';

export default aioVitest();
