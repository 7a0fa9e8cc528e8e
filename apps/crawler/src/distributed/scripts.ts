/**
 * The frontier's operations, as Lua scripts Redis runs atomically: each is one round trip, and
 * nothing another worker does can fall between its reads and its writes.
 *
 * Keys, all under the crawl's prefix `P` (one crawl, one prefix; `{…}` in it keeps every key in
 * one Redis Cluster slot):
 *
 * | key            | type | holds                                                             |
 * | -------------- | ---- | ----------------------------------------------------------------- |
 * | `P config`     | hash | `hostConcurrency` (0: no cap), `hostDelayMs`, `leaseMs`,           |
 * |                |      | `maxPages` (0: no cap), `spec`                                     |
 * | `P seen`       | set  | every URL ever queued: the dedupe, kept for the whole crawl        |
 * | `P q:<host>`   | list | the URLs of one host waiting to be fetched, oldest first           |
 * | `P hosts`      | zset | hosts with URLs waiting → when the next may start (ms); `FULL`     |
 * |                |      | while the host has `hostConcurrency` in flight                     |
 * | `P next`       | hash | host → the earliest its next request may start (`hostDelayMs`)     |
 * | `P inflight`   | hash | host → URLs leased and not completed                               |
 * | `P leases`     | zset | URL → when its lease runs out (ms)                                 |
 * | `P lease`      | hash | URL → the token of its current lease                               |
 * | `P results`    | hash | URL → what its fetch gave, written once                            |
 * | `P stats`      | hash | counters: queued, fetched, failed, reclaimed, duplicates, …        |
 * | `P takes`      | hash | worker → its last take that leased URLs: id and answer (JSON)      |
 *
 * Time is Redis's own clock (`TIME`), so workers on machines whose clocks disagree still agree
 * on when a lease runs out. Redis 7 replicates a script's effects, not the script, so reading
 * the clock inside one is allowed and a replica or the AOF replays the same writes.
 */

// #region prelude
/** Shared by every script: the config, the clock, and the bookkeeping of hosts and leases. */
const PRELUDE = `
local P = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local config = redis.call('HMGET', P .. 'config', 'hostConcurrency', 'hostDelayMs', 'leaseMs', 'maxPages')
local cap = tonumber(config[1])
local delay = tonumber(config[2])
local leaseMs = tonumber(config[3])
local maxPages = tonumber(config[4]) or 0
if leaseMs == nil then return {'unknown'} end
local FULL = 1e15

-- The host of an absolute URL: what sits between "scheme://" and the path.
local function hostOf(url)
  return string.match(url, '^[%a][%w+.-]*://([^/?#]+)') or ''
end

-- Puts a host where it belongs in 'hosts': out if nothing of it waits, FULL while its in-flight
-- cap is reached, else at the time its next request may start.
local function schedule(host)
  if redis.call('LLEN', P .. 'q:' .. host) == 0 then
    redis.call('ZREM', P .. 'hosts', host)
    return
  end
  local inflight = tonumber(redis.call('HGET', P .. 'inflight', host) or '0')
  if cap > 0 and inflight >= cap then
    redis.call('ZADD', P .. 'hosts', FULL, host)
    return
  end
  local nextAt = tonumber(redis.call('HGET', P .. 'next', host) or '0')
  redis.call('ZADD', P .. 'hosts', math.max(now, nextAt), host)
end

-- Ends the lease of url (its fetch completed, or its lease ran out).
local function release(url)
  local host = hostOf(url)
  redis.call('ZREM', P .. 'leases', url)
  redis.call('HDEL', P .. 'lease', url)
  if redis.call('HINCRBY', P .. 'inflight', host, -1) <= 0 then
    redis.call('HDEL', P .. 'inflight', host)
  end
  return host
end

-- Queues url unless it was seen before, or the crawl has its maxPages; returns 1 if queued.
local function enqueue(url)
  if maxPages > 0 and redis.call('SCARD', P .. 'seen') >= maxPages then return 0 end
  if redis.call('SADD', P .. 'seen', url) == 0 then return 0 end
  local host = hostOf(url)
  redis.call('RPUSH', P .. 'q:' .. host, url)
  redis.call('HINCRBY', P .. 'stats', 'queued', 1)
  schedule(host)
  return 1
end

-- True when nothing waits and nothing is leased: the crawl is over.
local function finished()
  return redis.call('ZCARD', P .. 'hosts') == 0 and redis.call('ZCARD', P .. 'leases') == 0
end
`;
// #endregion prelude

// #region seed
/**
 * `seed(P; hostConcurrency, hostDelayMs, leaseMs, maxPages, spec, url…)`: sets the crawl's config and
 * spec (what workers crawl, JSON; once: a second seed of the same crawl keeps the first's) and
 * queues the URLs not seen yet. Returns how many were queued.
 */
export const SEED = `
local P = KEYS[1]
redis.call('HSETNX', P .. 'config', 'hostConcurrency', ARGV[1])
redis.call('HSETNX', P .. 'config', 'hostDelayMs', ARGV[2])
redis.call('HSETNX', P .. 'config', 'leaseMs', ARGV[3])
redis.call('HSETNX', P .. 'config', 'maxPages', ARGV[4])
redis.call('HSETNX', P .. 'config', 'spec', ARGV[5])
${PRELUDE}
local added = 0
for i = 6, #ARGV do added = added + enqueue(ARGV[i]) end
if added > 0 then redis.call('PUBLISH', P .. 'wake', 'queued') end
return added
`;
// #endregion seed

// #region take
/**
 * `take(P; worker, max, takeId)`: first gives back to their hosts' queues the URLs whose lease ran out
 * (their worker died or hung: someone fetches them again); then leases up to `max` URLs,
 * each from a host that may start one now, to `worker`. Returns
 * - `{'urls', url1, token1, url2, token2, …}`: fetch them, then `complete` each with its token;
 * - `{'wait', ms}`: nothing may start now; ask again after `ms` at most (or on a wake message);
 * - `{'done'}`: nothing waits and nothing is leased: the crawl is over;
 * - `{'unknown'}`: no crawl was seeded under this prefix.
 *
 * A take that leased URLs is remembered per worker with its `takeId`: run again with the same id
 * (a client resends the commands in flight when its connection comes back, not knowing whether
 * Redis ran them), it answers the same leases.
 */
export const TAKE = `
${PRELUDE}
local worker = ARGV[1]
local max = tonumber(ARGV[2])
local takeId = ARGV[3]

-- The same take again (the client resent it after a reconnect, not knowing whether Redis had
-- run it): the same answer, instead of more leases that nobody would ever complete.
local last = redis.call('HGET', P .. 'takes', worker)
if last then
  local previous = cjson.decode(last)
  if previous[1] == takeId then return previous[2] end
end

local expired = redis.call('ZRANGEBYSCORE', P .. 'leases', '-inf', now, 'LIMIT', 0, 1000)
for _, url in ipairs(expired) do
  local host = release(url)
  redis.call('LPUSH', P .. 'q:' .. host, url)
  redis.call('HINCRBY', P .. 'stats', 'queued', 1)
  redis.call('HINCRBY', P .. 'stats', 'reclaimed', 1)
  schedule(host)
end

local out = {'urls'}
local taken = 0
while taken < max do
  local host = redis.call('ZRANGEBYSCORE', P .. 'hosts', '-inf', now, 'LIMIT', 0, 1)[1]
  if host == nil then break end
  local url = redis.call('LPOP', P .. 'q:' .. host)
  if url then
    redis.call('HINCRBY', P .. 'inflight', host, 1)
    local token = worker .. '#' .. redis.call('HINCRBY', P .. 'stats', 'leases', 1)
    redis.call('ZADD', P .. 'leases', now + leaseMs, url)
    redis.call('HSET', P .. 'lease', url, token)
    redis.call('HINCRBY', P .. 'stats', 'queued', -1)
    if delay > 0 then redis.call('HSET', P .. 'next', host, now + delay) end
    out[#out + 1] = url
    out[#out + 1] = token
    taken = taken + 1
  end
  schedule(host)
end
if taken > 0 then
  redis.call('HSET', P .. 'takes', worker, cjson.encode({takeId, out}))
  return out
end
if finished() then return {'done'} end

-- How long until something may change by itself: a host's delay passes, or a lease runs out.
local wait = leaseMs
local first = redis.call('ZRANGE', P .. 'hosts', 0, 0, 'WITHSCORES')
if first[2] ~= nil and tonumber(first[2]) < FULL then wait = math.min(wait, tonumber(first[2]) - now) end
local lease = redis.call('ZRANGE', P .. 'leases', 0, 0, 'WITHSCORES')
if lease[2] ~= nil then wait = math.min(wait, tonumber(lease[2]) - now) end
return {'wait', math.max(1, wait)}
`;
// #endregion take

// #region complete
/**
 * `complete(P; url, token, worker, outcome, result, link…)`: the fetch of `url` under lease
 * `token` ended (`outcome` `fetched` or `failed`). Ends the lease if it is still this one's (a
 * worker whose lease ran out and was given to another must not end the other's), records
 * `result` unless the URL has a result already — so a page is recorded once however many times
 * it was fetched — and, when this was the recording, queues the links not seen before. Returns
 * `{recorded (0/1), queued, leaseWasCurrent (0/1), done (0/1)}`.
 */
export const COMPLETE = `
${PRELUDE}
local url, token, worker, outcome, result = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local current = 0
if redis.call('HGET', P .. 'lease', url) == token then
  current = 1
  schedule(release(url))
end
local recorded = redis.call('HSETNX', P .. 'results', url, result)
local queued = 0
if recorded == 1 then
  redis.call('HINCRBY', P .. 'stats', outcome, 1)
  redis.call('HINCRBY', P .. 'stats', outcome .. ':' .. worker, 1)
  for i = 6, #ARGV do queued = queued + enqueue(ARGV[i]) end
else
  redis.call('HINCRBY', P .. 'stats', 'duplicates', 1)
end
local done = 0
if finished() then done = 1 end
if queued > 0 then
  redis.call('PUBLISH', P .. 'wake', 'queued')
elseif done == 1 then
  redis.call('PUBLISH', P .. 'wake', 'done')
end
return {recorded, queued, current, done}
`;
// #endregion complete

/**
 * `status(P)`: `{stats…, 'leased', n, 'waitingHosts', n}` as a flat list of names and values.
 * Read-only: the clock and the config are not needed.
 */
export const STATUS = `
local P = KEYS[1]
local out = redis.call('HGETALL', P .. 'stats')
out[#out + 1] = 'leased'
out[#out + 1] = redis.call('ZCARD', P .. 'leases')
out[#out + 1] = 'waitingHosts'
out[#out + 1] = redis.call('ZCARD', P .. 'hosts')
out[#out + 1] = 'seen'
out[#out + 1] = redis.call('SCARD', P .. 'seen')
return out
`;
