/**
 * The pool behind §3.2 (processes) and §3.3 (threads): what each member runs, how a fresh process
 * or thread becomes one, and how the pages are handed out.
 *
 * A member waits for a page, fetches it with §3.1's `blockingWay` (a blocking socket: the member's
 * own thread sleeps in recv, nobody else's does), sends the response bytes back, and waits for the
 * next page, until the pool ends it.
 *
 * Members run this TypeScript file directly, through tsx, with `@aio/*` resolved to source as
 * everywhere in the repository. They load it with `require`, not `import`: on Node 20 the import
 * hooks of `--import tsx` run on a loader thread that every process would boot for itself (a
 * member then takes several times as long to start), and worker threads do not get them at all.
 * tsx's require hook needs neither: it compiles this module, and what it imports, to CommonJS as
 * they load.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort } from 'node:worker_threads';
import { makeTarget } from '../measure';
import type { PageRecord } from '../timeline';
import { blockingWay } from './blocking';
import type { HostPort, Target } from './types';

/** A page for a member to fetch, and what it needs to know of the site to fetch it. */
export interface FetchJob {
  readonly host: string;
  readonly address: HostPort;
  readonly timeoutMs: number;
  readonly path: string;
}

/** What a member answers: the page's timeline record, and its bytes when it got a response. */
export interface FetchReply {
  readonly record: PageRecord;
  readonly response?: Uint8Array;
  /** A child process's CPU time so far, in ms (a thread's is already in the pool's process). */
  readonly cpuMs?: number;
  /** A child process's peak resident memory so far, in KiB. */
  readonly maxRssKiB?: number;
}

// ─── In the member ─────────────────────────────────────────────────────────────────────────────

// #region member
function fetchPage({ host, address, timeoutMs, path }: FetchJob): FetchReply {
  const target = makeTarget({ host, address, timeoutMs, paths: [path], concurrency: 1 });
  try {
    const response = blockingWay(target, path);
    return { record: target.timeline.records()[0]!, response };
  } catch {
    return { record: target.timeline.records()[0]! };
  }
}

/** Answers each job that comes, in a worker thread or in a child process (over IPC). */
export function serve(): void {
  if (!isMainThread) {
    parentPort!.on('message', (job: FetchJob) => parentPort!.postMessage(fetchPage(job)));
    return;
  }
  if (process.send === undefined) throw new Error('a pool member needs an IPC channel to its pool');
  process.on('message', (job: FetchJob) => {
    const reply = fetchPage(job);
    const { user, system } = process.cpuUsage();
    const maxRssKiB = process.resourceUsage().maxRSS;
    process.send!({ ...reply, cpuMs: (user + system) / 1000, maxRssKiB });
  });
  // The pool is gone (it ended, or was killed before it could end us): nothing more will come.
  process.on('disconnect', () => process.exit(0));
}
// #endregion member

// ─── In the pool ───────────────────────────────────────────────────────────────────────────────

/** The Node flags, and the script to evaluate, that make a fresh process or thread a member. */
export const MEMBER_EXEC_ARGV: readonly string[] = [
  '--conditions=@aio/source',
  '--require',
  createRequire(import.meta.url).resolve('tsx/cjs'),
];
export const MEMBER_SCRIPT = `require(${JSON.stringify(fileURLToPath(import.meta.url))}).serve();`;

/** A member as the pool sees it: one job at a time. */
export interface Member {
  fetch(job: FetchJob): Promise<FetchReply>;
  /** Ends the member; resolves once it is gone. */
  end(): Promise<void>;
}

/**
 * Sends `job` to a member — a child process or a worker thread: both emit `message`, `exit` and
 * `error` — and waits for its one reply, or fails if the member dies first (`who` saying what
 * it was).
 */
export function ask(
  member: EventEmitter,
  send: (job: FetchJob) => void,
  job: FetchJob,
  who: string,
): Promise<FetchReply> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      member.off('message', onMessage).off('exit', onExit).off('error', onError);
    };
    const onMessage = (reply: FetchReply): void => {
      settle();
      resolve(reply);
    };
    const onExit = (code: number | null, signal?: string | null): void => {
      settle();
      reject(new Error(`the ${who} fetching ${job.path} exited (${signal ?? code})`));
    };
    const onError = (err: Error): void => {
      settle();
      reject(err);
    };
    member.once('message', onMessage).once('exit', onExit).once('error', onError);
    send(job);
  });
}

// #region fetchAll
/**
 * Hands the pages out: each member takes the next one as soon as it is done with one, as the
 * workers of Python's ProcessPoolExecutor and ThreadPoolExecutor do. A member's record of each
 * page goes into the timeline as it was taken in the member. A member that dies fails its page
 * and takes no other; the others go on.
 */
export async function fetchAll(members: readonly Member[], target: Target): Promise<void> {
  const { timeline } = target;
  const todo = target.paths.values();
  await Promise.all(
    members.map(async (member) => {
      for (let next = todo.next(); !next.done; next = todo.next()) {
        const path = next.value;
        const job = {
          host: target.host,
          address: target.address(path),
          timeoutMs: target.timeoutMs,
          path,
        };
        try {
          const { record, response } = await member.fetch(job);
          timeline.add(
            record,
            response && Buffer.from(response.buffer, response.byteOffset, response.byteLength),
          );
        } catch (err) {
          timeline.begin(path);
          timeline.failed(path, err);
          return;
        }
      }
    }),
  );
}
// #endregion fetchAll
