import { aioVitest } from './vitest/preset.js';

export default aioVitest({ test: { include: ['vitest/*.test.ts', 'tsup/*.test.ts'] } });
