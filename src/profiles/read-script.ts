import { LuaScript } from "../redis";

/**
 * Lua: `coSums(P, items)` → {item → Σ score}: every distinct item's co-interaction set (`s:co:<item>`,
 * its top `coItemsPerItem` partners) added up. A candidate's co-interaction with a user's recent items is
 * its entry here (0 when absent). Pairs are bumped on both sides, so this equals the sum of the recent
 * items' scores in the candidate's own set except where a set's top-K trim dropped one side. One
 * `ZRANGE` per recent item (not one `ZMSCORE` per candidate), so it can be read before the candidates
 * are known.
 */
const CO_SUMS_LUA = `
local function coSums(P, items)
  local sums, seen = {}, {}
  for _, j in ipairs(items) do
    if not seen[j] then
      seen[j] = true
      local flat = redis.call('ZRANGE', P .. 's:co:' .. j, 0, -1, 'WITHSCORES')
      for k = 1, #flat, 2 do sums[flat[k]] = (sums[flat[k]] or 0) + tonumber(flat[k + 1]) end
    end
  end
  return sums
end
`;

/**
 * Reads a profile and the signals of a candidate list in a single EVALSHA (one round trip). The
 * co-interactions use the profile's own recent items, which is why this is a script and not a pipeline.
 * A candidate's co-interaction is {@link CO_SUMS_LUA}'s: the sum, over the distinct recent items, of its
 * score in each recent item's co-interaction set.
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
${CO_SUMS_LUA}
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
  local sums = coSums(P, history)
  for i = 1, n do co[i] = string.format('%.17g', sums[H.cand[i]] or 0) end
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

/**
 * What the signals of any candidate list for one query and one set of recent items need, read before
 * the candidates are known (while OpenSearch retrieves them), in one EVALSHA: the signals epoch, the
 * query's searches, its clicked items (`s:qc:<query>`, at most `clickedItemsPerQuery`) and the
 * co-interaction sums of the recent items ({@link CO_SUMS_LUA}). Only popularity is left to read per candidate.
 *
 * ARGV[1] header JSON {p, q, rec}: prefix, query key ("" for none), recent item ids.
 * Reply: {signalsEpoch, querySearches, queryClicks (flat member, score…), coSums (a JSON object item → "%.17g")}.
 */
const QUERY_SIGNALS_LUA = `
${CO_SUMS_LUA}
local H = cjson.decode(ARGV[1])
local P = H.p
local searches, clicks = false, {}
if H.q ~= '' then
  searches = redis.call('ZSCORE', P .. 's:qs', H.q)
  clicks = redis.call('ZRANGE', P .. 's:qc:' .. H.q, 0, -1, 'WITHSCORES')
end
local co = {}
for item, sum in pairs(coSums(P, H.rec)) do co[item] = string.format('%.17g', sum) end
return { redis.call('GET', P .. 's:t0'), searches, clicks, cjson.encode(co) }
`;

export const READ_QUERY_SIGNALS_SCRIPT = new LuaScript("read-query-signals", QUERY_SIGNALS_LUA);

export interface QuerySignalsHeader {
  p: string;
  q: string;
  rec: readonly string[];
}
