import type { Options } from 'tsup';
export declare function aioBuild(
  entry: Record<string, string>,
  overrides?: Partial<Options>,
): Options;
