/**
 * The timeline of one run: for every page, when its connect began, when it was connected, when
 * its first byte came, and when it ended, fetched or failed and why.
 *
 * Strategies write to it as they go (`begin`, `connected`, `received`, `done` or `failed`, keyed
 * by the page's path). Times are the wall clock in ms with a fraction (`performance.timeOrigin +
 * performance.now()`), so that a pool member in another process or thread can take its own times
 * and hand the record over whole (`add`).
 *
 * `done` writes the response down — the bytes that came off the socket, or the `{ code, reason,
 * body }` of an HTTP client that parsed them (tornado's `HTTPResponse` is one) — and the page counts
 * as fetched; `checkResponses()` checks
 * every response written down (`check`) once the run is over, as the Python peers of `pnpm bench
 * crawl` check theirs after their clocks stop, and a page whose response is wrong turns into a
 * failure. So checking costs the measured run nothing (building a 2 KiB page to compare with
 * cost more than a quarter of a coroutine stage's CPU per page), and no bytes are kept after it.
 */

/** What the timeline knows of one page. Times are wall-clock ms; absent until they happen. */
export interface PageRecord {
  readonly path: string;
  start: number;
  connected?: number;
  firstByte?: number;
  end?: number;
  bytes: number;
  /** Why the page failed; absent while it runs and once it is fetched. */
  error?: string;
}

/**
 * A response as an HTTP client hands it over once it has parsed the bytes: tornado's
 * `HTTPResponse` is one. Its body is checked byte for byte as a raw response's is.
 */
export interface ParsedResponse {
  readonly code: number;
  readonly reason: string;
  readonly body: Buffer;
}

/** What a strategy got for a page: the raw bytes off the socket, or a client's parsed response. */
export type PageResponse = Buffer | ParsedResponse;

/** How many bytes a response counts for: all of a raw one, the body of a parsed one. */
function sizeOf(response: PageResponse): number {
  return Buffer.isBuffer(response) ? response.length : response.body.length;
}

/** Returns what is wrong with `response` for `path`, or undefined when it is the page. */
export type ResponseCheck = (path: string, response: PageResponse) => string | undefined;

/**
 * The process's time origin, read once: it is a constant, and its getter costs more than
 * `performance.now()` itself (5,000 reads: ~15 ms of CPU in a fresh process, against ~4 ms for
 * the cached sum), and the timeline takes four or five times per page inside the measured run.
 */
const TIME_ORIGIN = performance.timeOrigin;

/** The wall clock in ms, with a fraction, comparable across processes. */
export const now = (): number => TIME_ORIGIN + performance.now();

/** An error as one line: `ECONNRESET: read ECONNRESET`, `PageTimeoutError: …`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const label = typeof code === 'string' ? code : error.name === 'Error' ? '' : error.name;
  return !label || error.message.startsWith(label) ? error.message : `${label}: ${error.message}`;
}

export class Timeline {
  readonly #pages = new Map<string, PageRecord>();
  readonly #check: ResponseCheck | undefined;
  #fetched = 0;
  #failed = 0;
  #firstError: string | undefined;
  /** Pages that ended with a response, and the response, until `checkResponses()`. */
  #unchecked: [PageRecord, PageResponse][] = [];
  /** Called after each page ends (fetched or failed). */
  onPageEnd: ((timeline: Timeline) => void) | undefined;

  constructor(check?: ResponseCheck) {
    this.#check = check;
  }

  /** Pages fetched so far. */
  get fetchedCount(): number {
    return this.#fetched;
  }
  /** Pages failed so far. */
  get failedCount(): number {
    return this.#failed;
  }
  /** Pages begun and not ended yet. */
  get inFlight(): number {
    return this.#pages.size - this.#fetched - this.#failed;
  }
  /** The first failure, as `path: error`. */
  get firstError(): string | undefined {
    return this.#firstError;
  }

  begin(path: string, at = now()): void {
    this.#pages.set(path, { path, start: at, bytes: 0 });
  }

  connected(path: string, at = now()): void {
    const page = this.#page(path);
    page.connected ??= at;
  }

  /** `bytes` more bytes arrived; the first call is the page's first byte. */
  received(path: string, bytes: number, at = now()): void {
    const page = this.#page(path);
    if (bytes > 0) page.firstByte ??= at;
    page.bytes += bytes;
  }

  /**
   * The whole response arrived: the page is fetched, unless `checkResponses()` finds it wrong.
   * Its bytes are the response's (a parsed response's body: its headers are not counted).
   */
  done(path: string, response: PageResponse, at = now()): void {
    const page = this.#page(path);
    page.bytes = sizeOf(response);
    this.#endWith(page, at, response);
  }

  failed(path: string, error: unknown, at = now()): void {
    this.#end(this.#page(path), at, describeError(error));
  }

  /** Takes over a record made elsewhere (by a pool member), checking its response if given. */
  add(record: PageRecord, response?: PageResponse): void {
    // Its end and verdict are decided again here, by this timeline's check.
    const page: PageRecord = { ...record, end: undefined, error: undefined };
    this.#pages.set(page.path, page);
    if (record.error !== undefined || response === undefined) {
      this.#end(page, record.end ?? now(), record.error ?? 'no response');
    } else {
      page.bytes = sizeOf(response);
      this.#endWith(page, record.end ?? now(), response);
    }
  }

  /**
   * Checks every response written down since the last call: a page whose response fails the
   * check is failed from now on, with the check's reason (and `firstError` is the earliest
   * failure again). Until its check, a page with a response counts as fetched.
   */
  checkResponses(): void {
    const check = this.#check;
    const unchecked = this.#unchecked;
    this.#unchecked = [];
    if (check === undefined) return;
    let earliest: PageRecord | undefined;
    for (const [page, response] of unchecked) {
      const problem = check(page.path, response);
      if (problem === undefined) continue;
      page.error = problem;
      this.#fetched--;
      this.#failed++;
      if (earliest === undefined || page.end! < earliest.end!) earliest = page;
    }
    if (earliest === undefined) return;
    for (const page of this.#pages.values())
      if (page.error !== undefined && page.end! < earliest.end!) earliest = page;
    this.#firstError = `${earliest.path}: ${earliest.error!}`;
  }

  /** Every page not ended yet fails with `error` (the strategy itself gave up). */
  failUnfinished(paths: readonly string[], error: unknown, at = now()): void {
    for (const path of paths) {
      const page = this.#pages.get(path);
      if (page?.end !== undefined) continue;
      if (page === undefined) this.begin(path, at);
      this.failed(path, error, at);
    }
  }

  records(): PageRecord[] {
    return [...this.#pages.values()];
  }

  #page(path: string): PageRecord {
    const page = this.#pages.get(path);
    if (page === undefined) throw new Error(`timeline: ${path} was never begun`);
    return page;
  }

  /** Ends `page` as fetched with `response`, to be checked by `checkResponses()`. */
  #endWith(page: PageRecord, at: number, response: PageResponse): void {
    if (page.end !== undefined) return; // already ended: the first verdict stands
    if (this.#check !== undefined) this.#unchecked.push([page, response]);
    this.#end(page, at, undefined);
  }

  #end(page: PageRecord, at: number, problem: string | undefined): void {
    if (page.end !== undefined) return; // already ended: the first verdict stands
    page.end = at;
    if (problem === undefined) {
      this.#fetched++;
    } else {
      page.error = problem;
      this.#failed++;
      this.#firstError ??= `${page.path}: ${problem}`;
    }
    this.onPageEnd?.(this);
  }
}
