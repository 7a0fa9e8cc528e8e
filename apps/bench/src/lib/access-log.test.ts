import { describe, expect, it } from 'vitest';
import { AccessLogError, countConnections } from './access-log';

/** nginx 1.22's `$connection $connection_requests $request_uri $status`, two keep-alive connections. */
const KEPT = `1 1 /warm 200
2 1 /warm 200
1 2 / 200
2 2 / 200
1 3 / 200
2 3 / 200
1 4 / 200
`;

describe('countConnections', () => {
  it('counts the requests to the path and the connections that carried them', () => {
    expect(countConnections(KEPT, '/')).toEqual({
      requests: 5,
      connections: 2,
      requestsPerConnection: 2.5,
      maxPerConnection: 4,
      non200: 0,
      otherRequests: 2,
    });
  });

  it('a connection per request (tornado closes each) is one request per connection', () => {
    const log = ['7 1 / 200', '8 1 / 200', '9 1 / 200', ''].join('\n');
    expect(countConnections(log, '/')).toMatchObject({
      requests: 3,
      connections: 3,
      requestsPerConnection: 1,
      maxPerConnection: 1,
    });
  });

  it('a connection that carried only warm-up requests is not counted', () => {
    const log = ['1 1 /warm 200', '2 1 /warm 200', '2 2 / 200'].join('\n');
    expect(countConnections(log, '/')).toMatchObject({ requests: 1, connections: 1 });
  });

  it('counts the responses other than 200', () => {
    const log = ['1 1 / 200', '1 2 / 404', '2 1 / 500'].join('\n');
    expect(countConnections(log, '/').non200).toBe(2);
  });

  it('an empty log has no requests and no connections', () => {
    expect(countConnections('', '/')).toMatchObject({
      requests: 0,
      connections: 0,
      requestsPerConnection: 0,
    });
  });

  it('a line in another format names its number and quotes it', () => {
    const log = '1 1 / 200\n127.0.0.1 - - [06/Dec/2026] "GET / HTTP/1.1" 200 5\n';
    expect(() => countConnections(log, '/')).toThrow(AccessLogError);
    expect(() => countConnections(log, '/')).toThrow(/line 2: expected .*got "127\.0\.0\.1 - -/);
  });
});
