/** Runs one strategy against the site and measures it: wall time, CPU time, pages fetched. */
import { cpuUsage } from 'node:process';
import type { StrategyInfo } from './strategies/index';
import type { Target } from './strategies/types';

export interface Measurement {
  readonly strategy: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly fetched: number;
  readonly failed: number;
  readonly bytes: number;
}

/**
 * A page counts as fetched when the response is a 200 whose body is the page, byte for byte (when
 * the target knows its pages, as the embedded site does), else a 200 carrying the page's heading.
 */
export function isGoodResponse(
  path: string,
  response: Buffer | undefined,
  expected?: Buffer,
): boolean {
  if (!response) return false;
  const headerEnd = response.indexOf('\r\n\r\n');
  if (headerEnd < 0 || !/^HTTP\/1\.[01] 200 /.test(response.toString('latin1', 0, 16)))
    return false;
  const body = response.subarray(headerEnd + 4);
  if (expected !== undefined) return body.equals(expected);
  const index = path === '/' ? 0 : Number(path.slice(1));
  return body.toString('latin1').includes(`<h1>page ${index}</h1>`);
}

export async function measure(strategy: StrategyInfo, target: Target): Promise<Measurement> {
  const cpuBefore = cpuUsage();
  const start = performance.now();
  const { responses, extraCpuMs = 0 } = await strategy.run(target);
  const wallMs = performance.now() - start;
  const cpu = cpuUsage(cpuBefore);
  let fetched = 0;
  let bytes = 0;
  for (const path of target.paths) {
    const response = responses.get(path);
    if (isGoodResponse(path, response, target.body?.(path))) fetched++;
    bytes += response?.length ?? 0;
  }
  return {
    strategy: strategy.name,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000 + extraCpuMs,
    fetched,
    failed: target.paths.length - fetched,
    bytes,
  };
}
