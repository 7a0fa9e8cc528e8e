import type { ViteUserConfig } from 'vitest/config';
export declare const SOURCE_CONDITION: '@aio/source';
export declare function aioVitest(overrides?: ViteUserConfig): ViteUserConfig;
