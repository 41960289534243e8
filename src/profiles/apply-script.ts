import { LuaScript } from "../redis";

/**
 * Applies one batch of events to profiles and signals in a single EVALSHA: atomic, one round trip.
 *
 * ARGV[1] header JSON {p, now, t0, lp, ls, n, pttl, sttl, mttl, sw, cw, caps}; ARGV[2] events JSON
 * [{k, u, t, i?, q?, s?, ts, w, c?, b?, pb?, e?, mv?}] sorted by user then time; ARGV[3…] item
 * embeddings as little-endian float32, referenced by an event's `e` (ARGV index).
 *
 * Each event first claims its marker `ap:<key>` with SET NX; an event whose marker exists changes
 * nothing (exactly once). Key names are built from the prefix, so the script runs on a standalone
 * Redis (or one primary), not across a Redis Cluster's slots.
 *
 * Reply: {applied, duplicates}.
 */
const APPLY_LUA = `
local H = cjson.decode(ARGV[1])
local events = cjson.decode(ARGV[2])
local P = H.p
local C = H.caps

local function scale(rate, dt)
  local x = rate * dt
  if x > 700 then x = 700 elseif x < -700 then x = -700 end
  return math.exp(x)
end

-- Sorted sets grow freely during the batch; each touched one is trimmed to its top K (and its TTL
-- refreshed) once, at the end.
local dirty = {}
local function bump(key, weight, member, k, ttl)
  redis.call('ZINCRBY', key, weight, member)
  if not dirty[key] then dirty[key] = { k, ttl } end
end

local st0 = tonumber(redis.call('GET', P .. 's:t0'))
if not st0 then
  st0 = H.t0
  redis.call('SET', P .. 's:t0', string.format('%.0f', st0))
end

local users, touched = {}, {}
local function user(uk, ts)
  local u = users[uk]
  if u then return u end
  local base = P .. 'u:' .. uk .. ':'
  u = { base = base, meta = base .. 'm', n = 0, y = 0 }
  local t0 = tonumber(redis.call('HGET', u.meta, 't0'))
  if not t0 then
    t0 = ts
    redis.call('HSET', u.meta, 't0', string.format('%.0f', t0), 'c', string.format('%.0f', H.now), 'v', '0', 'n', '0')
  end
  u.t0 = t0
  users[uk] = u
  touched[#touched + 1] = u
  return u
end

local function fmt(d) return '<' .. string.rep('f', d) end

-- The interest vector is read once per user and batch, updated in Lua, and written back at the end.
local function loadVector(u)
  if u.vec ~= nil then return u.vec end
  u.vec = false
  local meta = redis.call('HMGET', u.meta, 'vm', 'vd', 'vw', 've')
  local d, W = tonumber(meta[2]), tonumber(meta[3])
  if meta[1] and d and W then
    local bytes = redis.call('GET', u.base .. 'v')
    if bytes and #bytes == 4 * d then
      u.vec = { mv = meta[1], d = d, W = W, n = tonumber(meta[4]) or 0, mean = { struct.unpack(fmt(d), bytes) } }
    end
  end
  return u.vec
end

local items = {}
local function updateVector(u, e, weight)
  local item = items[e.e]
  if not item then
    item = { struct.unpack(fmt(e.d), ARGV[e.e]) }
    items[e.e] = item
  end
  local vec = loadVector(u)
  if not vec or vec.mv ~= e.mv or vec.d ~= e.d then
    -- No vector yet, or one from another model version: vectors of two models never mix, start over.
    local mean = {}
    for i = 1, e.d do mean[i] = item[i] end
    u.vec = { mv = e.mv, d = e.d, W = weight, n = 1, mean = mean }
  else
    local a = weight / (vec.W + weight)
    local mean = vec.mean
    for i = 1, vec.d do mean[i] = mean[i] + a * (item[i] - mean[i]) end
    vec.W = vec.W + weight
    vec.n = vec.n + 1
  end
  u.vecChanged = true
end

local applied, duplicates = 0, 0
for _, e in ipairs(events) do
  if not redis.call('SET', P .. 'ap:' .. e.k, '1', 'NX', 'EX', H.mttl) then
    duplicates = duplicates + 1
  else
    applied = applied + 1
    local u = user(e.u, e.ts)
    local sscale = scale(H.ls, e.ts - st0)
    u.n = u.n + 1
    if e.y then u.y = u.y + 1 end
    if e.t == 'search' then
      if e.q then
        bump(P .. 's:qs', sscale, e.q, C.trackedQueries)
        if e.s then
          local sk = u.base .. 's'
          redis.call('HSET', sk, e.s, string.format('%.0f', e.ts) .. ':' .. e.q)
          redis.call('PEXPIRE', sk, H.sw)
          if redis.call('HLEN', sk) > C.sessions then
            -- Drop the sessions whose last search is oldest.
            local all = redis.call('HGETALL', sk)
            local list = {}
            for i = 1, #all, 2 do list[#list + 1] = { all[i], tonumber(string.match(all[i + 1], '^(%d+)')) or 0 } end
            table.sort(list, function(x, y) return x[2] < y[2] end)
            for i = 1, #list - C.sessions do redis.call('HDEL', sk, list[i][1]) end
          end
        end
      end
    elseif e.i then
      local pscale = e.w * scale(H.lp, e.ts - u.t0)
      local rk = u.base .. 'r'
      -- Co-interactions with the user's other items within the window (before this one joins them).
      local near = redis.call('ZREVRANGEBYSCORE', rk, e.ts + H.cw, e.ts - H.cw, 'LIMIT', 0, C.coPairsPerEvent)
      local seen = {}
      for _, m in ipairs(near) do
        local j = string.sub(m, 2)
        if j ~= e.i and not seen[j] then
          seen[j] = true
          bump(P .. 's:co:' .. e.i, sscale, j, C.coItemsPerItem, H.sttl)
          bump(P .. 's:co:' .. j, sscale, e.i, C.coItemsPerItem, H.sttl)
        end
      end
      redis.call('ZADD', rk, 'GT', e.ts, e.tc .. e.i)
      u.recentChanged = true
      bump(u.base .. 'ai', pscale, e.i, C.itemAffinities)
      if e.c then for _, c in ipairs(e.c) do bump(u.base .. 'ac', pscale, c, C.categoryAffinities) end end
      if e.b then bump(u.base .. 'ab', pscale, e.b, C.brandAffinities) end
      if e.pb then bump(u.base .. 'ap', pscale, e.pb, C.priceBandAffinities) end
      if e.e then updateVector(u, e, pscale) end
      bump(P .. 's:pop', e.w * sscale, e.i, C.popularItems)
      if e.t == 'click' then
        local q = e.q
        if not q and e.s then
          local last = redis.call('HGET', u.base .. 's', e.s)
          if last then
            local when, lq = string.match(last, '^(%d+):(.+)$')
            local gap = e.ts - (tonumber(when) or 0)
            if lq and gap >= 0 and gap <= H.sw then q = lq end
          end
        end
        if q then bump(P .. 's:qc:' .. q, sscale, e.i, C.clickedItemsPerQuery, H.sttl) end
      end
    end
  end
end

for key, spec in pairs(dirty) do
  local n = redis.call('ZCARD', key)
  if n > spec[1] then redis.call('ZREMRANGEBYRANK', key, 0, n - spec[1] - 1) end
  if spec[2] then redis.call('PEXPIRE', key, spec[2]) end
end
for _, u in ipairs(touched) do
  if u.vecChanged then
    local vec = u.vec
    redis.call('SET', u.base .. 'v', struct.pack(fmt(vec.d), unpack(vec.mean, 1, vec.d)))
    redis.call('HSET', u.meta, 'vm', vec.mv, 'vd', vec.d, 'vw', vec.W, 've', vec.n)
  end
  if u.recentChanged then redis.call('ZREMRANGEBYRANK', u.base .. 'r', 0, -(H.n + 1)) end
  redis.call('HINCRBY', u.meta, 'v', 1)
  redis.call('HINCRBY', u.meta, 'n', u.n)
  if u.y > 0 then redis.call('HINCRBY', u.meta, 'y', u.y) end
  redis.call('HSET', u.meta, 'u', string.format('%.0f', H.now))
  for _, suffix in ipairs({ 'm', 'r', 'ai', 'ac', 'ab', 'ap', 'v' }) do redis.call('PEXPIRE', u.base .. suffix, H.pttl) end
end
return { applied, duplicates }
`;

export const APPLY_EVENTS_SCRIPT = new LuaScript("apply-behaviour-events", APPLY_LUA);

/** One event as the apply script reads it. */
export interface ScriptEvent {
  /** Event key (marker). */
  k: string;
  /** User key. */
  u: string;
  /** Event type. */
  t: string;
  /** Type's one-letter code in the recent list. */
  tc: string;
  i?: string;
  /** Query key (hash of the normalized text). */
  q?: string;
  s?: string;
  ts: number;
  /** Type weight. */
  w: number;
  c?: readonly string[];
  b?: string;
  pb?: string;
  /** ARGV index of the item's embedding. */
  e?: number;
  /** 1: the event is synthetic (counted in the profile's `y`). */
  y?: 1;
  mv?: string;
  d?: number;
}

export interface ScriptHeader {
  p: string;
  now: number;
  /** Signals epoch to set when none exists yet (the batch's earliest time). */
  t0: number;
  /** Decay rates per ms: profile, signals. */
  lp: number;
  ls: number;
  n: number;
  /** TTLs: profile keys and signal keys in ms, markers in seconds. */
  pttl: number;
  sttl: number;
  mttl: number;
  /** Session window and co-interaction window, ms. */
  sw: number;
  cw: number;
  caps: Record<string, number>;
}

/** Little-endian float32 bytes, as the script's `struct.unpack('<f…')` reads them. */
export function float32Bytes(vector: Float32Array): Buffer {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes;
}
