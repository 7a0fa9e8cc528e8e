import { aioVitest } from '@aio/tooling/vitest';

// The browser test builds the whole site first (TypeDoc, then VitePress): minutes, not seconds.
export default aioVitest({ test: { testTimeout: 300_000, hookTimeout: 300_000 } });
