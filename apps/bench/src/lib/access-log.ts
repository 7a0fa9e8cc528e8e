/**
 * Requests per connection, as the server saw them, for `pnpm bench httpclient`: its server
 * (nginx, or the Node fallback) writes one access-log line per request in the format
 *
 *   <connection> <connection_requests> <uri> <status>
 *
 * (nginx's `log_format conn '$connection $connection_requests $request_uri $status'`: the
 * connection's serial number, how many requests it has carried so far, this one included, the
 * request's path and the status sent). A client's warm-up fetches another path than its measured
 * requests, so the measured ones are counted apart: the requests to that path, the distinct
 * connections that carried them (a connection the warm-up opened and the measured requests went
 * on using counts once), and the most requests any one connection carried in all.
 */

/** What the log says of the requests to one path. */
export interface ConnectionCounts {
  /** Requests to the path. */
  readonly requests: number;
  /** Distinct connections that carried at least one of them. */
  readonly connections: number;
  /** requests ÷ connections (0 without requests). */
  readonly requestsPerConnection: number;
  /** The most requests one of those connections carried, the other paths' included. */
  readonly maxPerConnection: number;
  /** Requests to the path answered with another status than 200. */
  readonly non200: number;
  /** Requests to other paths (the warm-up's). */
  readonly otherRequests: number;
}

/** A line that is not `<connection> <connection_requests> <uri> <status>`. */
export class AccessLogError extends Error {
  override readonly name = 'AccessLogError';
}

const LINE = /^(\d+) (\d+) (\S+) (\d{3})$/;

/**
 * Counts the requests to `path` in `log` (the whole access log, one request per line) and the
 * connections that carried them.
 * @throws AccessLogError naming the first line (1-based) that is not in the format
 */
export function countConnections(log: string, path: string): ConnectionCounts {
  const most = new Map<string, number>();
  const measured = new Set<string>();
  let requests = 0;
  let non200 = 0;
  let otherRequests = 0;
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const match = LINE.exec(line);
    if (match === null) {
      throw new AccessLogError(
        `access log line ${i + 1}: expected "<connection> <connection_requests> <uri> <status>", got ${JSON.stringify(line.slice(0, 200))}`,
      );
    }
    const [, connection, count, uri, status] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    most.set(connection, Math.max(most.get(connection) ?? 0, Number(count)));
    if (uri !== path) {
      otherRequests++;
      continue;
    }
    requests++;
    measured.add(connection);
    if (status !== '200') non200++;
  }
  let maxPerConnection = 0;
  for (const connection of measured) {
    maxPerConnection = Math.max(maxPerConnection, most.get(connection)!);
  }
  return {
    requests,
    connections: measured.size,
    requestsPerConnection: measured.size === 0 ? 0 : requests / measured.size,
    maxPerConnection,
    non200,
    otherRequests,
  };
}
