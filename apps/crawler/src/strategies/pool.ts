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
import { blockingWay } from './blocking';
import type { Target } from './types';

/** A page for a member to fetch. */
export interface FetchJob {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** What a member answers: the response bytes, or why there are none. */
export type FetchReply = (
  | { readonly response: Uint8Array }
  | { readonly error: { readonly message: string; readonly code?: string } }
) & {
  /** A child process's CPU time so far, in ms (a thread's is already in the pool's process). */
  readonly cpuMs?: number;
};

// ─── In the member ─────────────────────────────────────────────────────────────────────────────

function fetchPage({ host, port, path }: FetchJob): FetchReply {
  try {
    return { response: blockingWay(host, port, path) };
  } catch (err) {
    const { message, code } = err as { message: string; code?: unknown };
    return { error: typeof code === 'string' ? { message, code } : { message } };
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
    const { user, system } = process.cpuUsage();
    process.send!({ ...fetchPage(job), cpuMs: (user + system) / 1000 });
  });
  // The pool is gone (it ended, or was killed before it could end us): nothing more will come.
  process.on('disconnect', () => process.exit(0));
}

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
  fetch(job: FetchJob): Promise<Buffer>;
  /** Ends the member; resolves once it is gone. */
  end(): Promise<void>;
}

/** Turns a member's answer back into bytes, or into an error that says which page failed. */
function unpack(job: FetchJob, reply: FetchReply): Buffer | Error {
  if ('response' in reply) {
    const { buffer, byteOffset, byteLength } = reply.response;
    return Buffer.from(buffer, byteOffset, byteLength);
  }
  const { message, code } = reply.error;
  const error = new Error(`fetching ${job.path} from ${job.host}:${job.port}: ${message}`);
  return code === undefined ? error : Object.assign(error, { code });
}

/**
 * Sends `job` to a member — a child process or a worker thread: both emit `message`, `exit` and
 * `error` — and waits for its one reply: the page's bytes, or an error that says which page
 * failed (or that the member died, `who` saying what it was). `onReply` sees the reply first.
 */
export function ask(
  member: EventEmitter,
  send: (job: FetchJob) => void,
  job: FetchJob,
  who: string,
  onReply?: (reply: FetchReply) => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      member.off('message', onMessage).off('exit', onExit).off('error', onError);
    };
    const onMessage = (reply: FetchReply): void => {
      settle();
      onReply?.(reply);
      const bytes = unpack(job, reply);
      if (bytes instanceof Error) reject(bytes);
      else resolve(bytes);
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
 * workers of Python's ProcessPoolExecutor and ThreadPoolExecutor do. After a failure no member
 * takes another page; the pages in flight finish (a worker thread cannot be stopped in the middle
 * of a blocking recv without leaking its socket), and then the first failure is thrown.
 */
export async function fetchAll(
  members: readonly Member[],
  target: Target,
): Promise<Map<string, Buffer>> {
  const todo = [...target.paths];
  const responses = new Map<string, Buffer>();
  const failures: unknown[] = [];
  await Promise.all(
    members.map(async (member) => {
      let path: string | undefined;
      while (failures.length === 0 && (path = todo.shift()) !== undefined) {
        try {
          responses.set(path, await member.fetch({ host: target.host, port: target.port, path }));
        } catch (err) {
          failures.push(err);
        }
      }
    }),
  );
  if (failures.length > 0) throw failures[0];
  return responses;
}
// #endregion fetchAll
