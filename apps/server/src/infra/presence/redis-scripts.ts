/**
 * The Redis presence registry's Lua scripts. Each runs atomically (Redis runs one script at a time),
 * so nodes racing on the same project, user or device always see and leave a consistent state, and
 * the counters behind stats() move with the data they count. Keys are built inside the scripts from
 * the prefix (ARGV[1]), so they are not declared: one Redis (or primary with replicas), not Cluster.
 *
 * Key layout under the prefix P (ids are [A-Za-z0-9_-], so ':' cannot make two keys collide):
 *   P exp             ZSET deviceId → expiresAt (epoch ms): the device's node refreshes it; once it is
 *                     past, the device counts as gone everywhere and `sweep` removes it
 *   P stats           HASH online | away | devices: counters of what is stored, moved by every script
 *   P p:<project>     HASH userId → name: users present in the project
 *   P u:<project>:<user>  HASH deviceId → "status|lastSeenMs|nodeId|F" (F: "-" no file, "=<fileId>")
 *   P d:<device>      HASH projectId → userId: where the device is (what leaveAll and sweep clean)
 *
 * Scripts answer a user as a "snapshot": {projectId, userId, name, deviceId, entry, expiresAt, ...},
 * every stored device with its expiry; the caller drops the expired ones and merges the rest.
 */

const PRELUDE = `
local P = ARGV[1]
local EXP = P .. 'exp'
local STATS = P .. 'stats'
local function ukey(pid, uid) return P .. 'u:' .. pid .. ':' .. uid end
local function pkey(pid) return P .. 'p:' .. pid end
local function dkey(dev) return P .. 'd:' .. dev end

local function parse(entry)
  return string.match(entry, '^(%a+)|(%-?%d+)|([^|]*)|(.*)$')
end

-- A user's merged status over every stored device (expired ones too): 'online', 'away' or false.
local function status(key)
  local entries = redis.call('HVALS', key)
  if #entries == 0 then return false end
  for _, entry in ipairs(entries) do
    if string.sub(entry, 1, 7) == 'online|' then return 'online' end
  end
  return 'away'
end

-- Moves one (project, user) pair between the online and away counters.
local function recount(before, after)
  if before == after then return end
  if before then redis.call('HINCRBY', STATS, before, -1) end
  if after then redis.call('HINCRBY', STATS, after, 1) end
end

local function snapshot(pid, uid, name)
  local out = {pid, uid, name}
  local flat = redis.call('HGETALL', ukey(pid, uid))
  for i = 1, #flat, 2 do
    out[#out + 1] = flat[i]
    out[#out + 1] = flat[i + 1]
    out[#out + 1] = redis.call('ZSCORE', EXP, flat[i]) or '0'
  end
  return out
end

-- Takes a device out of one project, counters kept; answers {userId, name}, or false if it was not in it.
-- The caller drops the device's expiry once it is in no project.
local function remove(pid, dev)
  local uid = redis.call('HGET', dkey(dev), pid)
  if not uid then return false end
  redis.call('HDEL', dkey(dev), pid)
  local key = ukey(pid, uid)
  local before = status(key)
  if redis.call('HDEL', key, dev) == 1 then redis.call('HINCRBY', STATS, 'devices', -1) end
  local after = status(key)
  recount(before, after)
  local name = redis.call('HGET', pkey(pid), uid) or ''
  if not after then redis.call('HDEL', pkey(pid), uid) end
  return {uid, name}
end
`;

/** ARGV: P, projectId, deviceId, userId, name, nowMs, expiresAt, nodeId → snapshot. */
const JOIN = `${PRELUDE}
local pid, dev, uid, name, now, expiresAt, node = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local prior = redis.call('HGET', dkey(dev), pid)
if prior and prior ~= uid then remove(pid, dev) end -- a device is one user's
local key = ukey(pid, uid)
local before = status(key)
local entry = redis.call('HGET', key, dev)
if entry then
  local s, _, _, f = parse(entry)
  entry = s .. '|' .. now .. '|' .. node .. '|' .. f
else
  entry = 'online|' .. now .. '|' .. node .. '|-'
  redis.call('HINCRBY', STATS, 'devices', 1)
end
redis.call('HSET', key, dev, entry)
redis.call('HSET', pkey(pid), uid, name)
redis.call('HSET', dkey(dev), pid, uid)
redis.call('ZADD', EXP, expiresAt, dev)
recount(before, status(key))
return snapshot(pid, uid, name)
`;

/**
 * ARGV: P, projectId, deviceId, status ('' keeps it), file ('keep' | 'none' | 'set'), fileId, nowMs,
 * expiresAt → {changed (0|1), snapshot}, or nil when the device is not in the project.
 */
const UPDATE = `${PRELUDE}
local pid, dev, newStatus, fileMode, fileId, now, expiresAt = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local uid = redis.call('HGET', dkey(dev), pid)
if not uid then return false end
local key = ukey(pid, uid)
local entry = redis.call('HGET', key, dev)
if not entry then return false end
local s, _, node, f = parse(entry)
local before = status(key)
local s2 = s
if newStatus ~= '' then s2 = newStatus end
local f2 = f
if fileMode == 'none' then f2 = '-' elseif fileMode == 'set' then f2 = '=' .. fileId end
local changed = 0
if s2 ~= s or f2 ~= f then changed = 1 end
redis.call('HSET', key, dev, s2 .. '|' .. now .. '|' .. node .. '|' .. f2)
redis.call('ZADD', EXP, 'XX', expiresAt, dev)
recount(before, status(key))
return {changed, snapshot(pid, uid, redis.call('HGET', pkey(pid), uid) or '')}
`;

/** ARGV: P, projectId, deviceId → snapshot, or nil when the device was not in the project. */
const LEAVE = `${PRELUDE}
local pid, dev = ARGV[2], ARGV[3]
local who = remove(pid, dev)
if not who then return false end
if redis.call('EXISTS', dkey(dev)) == 0 then redis.call('ZREM', EXP, dev) end
return snapshot(pid, who[1], who[2])
`;

/** ARGV: P, deviceId → snapshots (one per project the device was in). */
const LEAVE_ALL = `${PRELUDE}
local dev = ARGV[2]
local out = {}
for _, pid in ipairs(redis.call('HKEYS', dkey(dev))) do
  local who = remove(pid, dev)
  if who then out[#out + 1] = snapshot(pid, who[1], who[2]) end
end
redis.call('ZREM', EXP, dev)
return out
`;

/**
 * ARGV: P, nowMs, limit → {expired devices looked at, snapshots}. Removes up to `limit` devices
 * expired by now. The claim on each is its ZREM: it answers 1 to exactly one script, so however many
 * nodes sweep at once, each expired device is removed, and its user reported, by one of them. A user
 * is reported once per call, after all of the call's removals, and only by the call that leaves them
 * no expired device (others past the limit are the next call's, which reports them then).
 */
const SWEEP = `${PRELUDE}
local now = tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', EXP, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local touched, order = {}, {}
for _, dev in ipairs(expired) do
  if redis.call('ZREM', EXP, dev) == 1 then
    for _, pid in ipairs(redis.call('HKEYS', dkey(dev))) do
      local who = remove(pid, dev)
      if who then
        local k = pid .. ' ' .. who[1]
        if not touched[k] then
          touched[k] = {pid, who[1], who[2]}
          order[#order + 1] = k
        end
      end
    end
  end
end
local out = {}
for _, k in ipairs(order) do
  local t = touched[k]
  local snap = snapshot(t[1], t[2], t[3])
  local pending = false
  for i = 6, #snap, 3 do
    if tonumber(snap[i]) <= now then pending = true end
  end
  if not pending then out[#out + 1] = snap end
end
return {#expired, out}
`;

/**
 * ARGV: P, nowMs, limit → {online, away, devices} over live devices. The counters say what is stored;
 * the devices expired but not yet swept (a dead node's, for at most a sweep interval) are taken back
 * out, looking at no more than `limit` of them: O(1) reads when nothing has expired, which is nearly
 * always, and bounded when a node has just died. Counters rather than a scan of the keys: a
 * Prometheus scrape must not cost in proportion to everyone present in the cluster.
 */
const STATS = `${PRELUDE}
local now = tonumber(ARGV[2])
local counts = redis.call('HMGET', STATS, 'online', 'away', 'devices')
local c = {online = tonumber(counts[1]) or 0, away = tonumber(counts[2]) or 0, devices = tonumber(counts[3]) or 0}
local expired = redis.call('ZRANGEBYSCORE', EXP, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local seen, users = {}, {}
for _, dev in ipairs(expired) do
  local index = redis.call('HGETALL', dkey(dev))
  for i = 1, #index, 2 do
    c.devices = c.devices - 1
    local k = index[i] .. ' ' .. index[i + 1]
    if not seen[k] then
      seen[k] = true
      users[#users + 1] = {index[i], index[i + 1]}
    end
  end
end
for _, u in ipairs(users) do
  local flat = redis.call('HGETALL', ukey(u[1], u[2]))
  local stored, live = false, false
  for i = 1, #flat, 2 do
    local online = string.sub(flat[i + 1], 1, 7) == 'online|'
    stored = (stored == 'online' or online) and 'online' or 'away'
    if tonumber(redis.call('ZSCORE', EXP, flat[i]) or '0') > now then
      live = (live == 'online' or online) and 'online' or 'away'
    end
  end
  if stored then c[stored] = c[stored] - 1 end
  if live then c[live] = c[live] + 1 end
end
return {c.online, c.away, c.devices}
`;

/** ARGV: P, projectId → snapshots of the project's users. */
const LIST = `${PRELUDE}
local pid = ARGV[2]
local users = redis.call('HGETALL', pkey(pid))
local out = {}
for i = 1, #users, 2 do out[#out + 1] = snapshot(pid, users[i], users[i + 1]) end
return out
`;

/** ARGV: P, expiresAt, deviceId... → how many were still there. XX: a device swept or gone stays gone. */
const HEARTBEAT = `
local EXP = ARGV[1] .. 'exp'
local n = 0
for i = 3, #ARGV do n = n + redis.call('ZADD', EXP, 'XX', 'CH', ARGV[2], ARGV[i]) end
return n
`;

/** Command names, prefixed so they cannot clash with other users of the shared connection. */
export const PRESENCE_SCRIPTS = {
  codeparkPresenceJoin: JOIN,
  codeparkPresenceUpdate: UPDATE,
  codeparkPresenceLeave: LEAVE,
  codeparkPresenceLeaveAll: LEAVE_ALL,
  codeparkPresenceSweep: SWEEP,
  codeparkPresenceStats: STATS,
  codeparkPresenceList: LIST,
  codeparkPresenceHeartbeat: HEARTBEAT,
} as const;

/** A script's reply, as ioredis hands it over. */
export type Snapshot = string[];

type Arg = string | number;
export interface PresenceCommands {
  codeparkPresenceJoin(...args: Arg[]): Promise<Snapshot>;
  codeparkPresenceUpdate(...args: Arg[]): Promise<[changed: number, snapshot: Snapshot] | null>;
  codeparkPresenceLeave(...args: Arg[]): Promise<Snapshot | null>;
  codeparkPresenceLeaveAll(...args: Arg[]): Promise<Snapshot[]>;
  codeparkPresenceSweep(...args: Arg[]): Promise<[looked: number, snapshots: Snapshot[]]>;
  codeparkPresenceStats(...args: Arg[]): Promise<[online: number, away: number, devices: number]>;
  codeparkPresenceList(...args: Arg[]): Promise<Snapshot[]>;
  codeparkPresenceHeartbeat(...args: Arg[]): Promise<number>;
}
