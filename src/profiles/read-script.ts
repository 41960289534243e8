import { LuaScript } from "../redis";

/**
 * Reads a profile and the signals of a candidate list in a single EVALSHA (one round trip). The
 * co-interactions use the profile's own recent items, which is why this is a script and not a pipeline.
 *
 * ARGV[1] header JSON {p, u, cv, q, cand, rec}: prefix, user key ("" for none), the cached profile's
 * token `created:version` ("" for none), query key ("" for none), candidate ids, and recent item ids
 * to use when there is no user.
 *
 * Reply: {status, token, meta, recent, ai, ac, ab, ap, vector, signalsEpoch, popularity[], querySearches,
 * queryClicks[], coInteraction[]}; status is `none` (no profile), `same` (the cached one is current;
 * the profile fields are empty) or `full`. Scores are the stored (epoch-scaled) values as strings.
 */
const READ_LUA = `
local H = cjson.decode(ARGV[1])
local P = H.p
local status, token, meta, recent, ai, ac, ab, ap, vector = 'none', '', {}, {}, {}, {}, {}, {}, false
local history = H.rec

if H.u ~= '' then
  local base = P .. 'u:' .. H.u .. ':'
  local head = redis.call('HMGET', base .. 'm', 'c', 'v')
  if head[1] then
    token = head[1] .. ':' .. head[2]
    local members = redis.call('ZREVRANGE', base .. 'r', 0, -1, 'WITHSCORES')
    history = {}
    for i = 1, #members, 2 do history[#history + 1] = string.sub(members[i], 2) end
    if token == H.cv then
      status = 'same'
    else
      status = 'full'
      meta = redis.call('HGETALL', base .. 'm')
      recent = members
      ai = redis.call('ZREVRANGE', base .. 'ai', 0, -1, 'WITHSCORES')
      ac = redis.call('ZREVRANGE', base .. 'ac', 0, -1, 'WITHSCORES')
      ab = redis.call('ZREVRANGE', base .. 'ab', 0, -1, 'WITHSCORES')
      ap = redis.call('ZREVRANGE', base .. 'ap', 0, -1, 'WITHSCORES')
      vector = redis.call('GET', base .. 'v')
    end
  end
end

local epoch = redis.call('GET', P .. 's:t0')
local popularity, clicks, co, searches = {}, {}, {}, false
local n = #H.cand
if n > 0 then
  popularity = redis.call('ZMSCORE', P .. 's:pop', unpack(H.cand))
  if H.q ~= '' then
    searches = redis.call('ZSCORE', P .. 's:qs', H.q)
    clicks = redis.call('ZMSCORE', P .. 's:qc:' .. H.q, unpack(H.cand))
  end
  local distinct, seen = {}, {}
  for _, j in ipairs(history) do
    if not seen[j] then seen[j] = true; distinct[#distinct + 1] = j end
  end
  for i = 1, n do
    local sum = 0
    if #distinct > 0 then
      local scores = redis.call('ZMSCORE', P .. 's:co:' .. H.cand[i], unpack(distinct))
      for _, s in ipairs(scores) do if s then sum = sum + tonumber(s) end end
    end
    co[i] = string.format('%.17g', sum)
  end
end
return { status, token, meta, recent, ai, ac, ab, ap, vector, epoch, popularity, searches, clicks, co }
`;

export const READ_BEHAVIOUR_SCRIPT = new LuaScript("read-behaviour", READ_LUA);

export interface ReadHeader {
  p: string;
  u: string;
  cv: string;
  q: string;
  cand: readonly string[];
  rec: readonly string[];
}
