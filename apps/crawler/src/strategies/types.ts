/** What every strategy gets and gives back. */
export interface Target {
  readonly host: string;
  readonly port: number;
  readonly paths: readonly string[];
  /** What the page at `path` must hold, byte for byte, when known (the embedded site knows). */
  body?(path: string): Buffer | undefined;
}

export interface StrategyResult {
  /** Response bytes received per page path. */
  readonly responses: ReadonlyMap<string, Buffer>;
  /** CPU time spent in other processes (a process pool's children), in ms. */
  readonly extraCpuMs?: number;
}

export type Strategy = (target: Target) => StrategyResult | Promise<StrategyResult>;

/** The request the article sends: HTTP/1.0, so the server closes and EOF ends the response. */
export function request(host: string, path: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`, 'ascii');
}

/** A stage of the article, as the crawler lists, runs and reports it. */
export interface StrategyInfo {
  readonly name: string;
  /** The article's section: `3.1`. */
  readonly section: string;
  readonly title: string;
  readonly run: Strategy;
  /** Pages in flight at once: 1 for sequential strategies, all of them for the event loop. */
  concurrency(pages: number): number;
}
