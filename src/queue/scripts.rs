//! The server-side Lua scripts: each state change of the queue is one
//! script, so it is atomic (Redis runs a script alone). Every script takes
//! the run's key prefix (`ptest:{RUN}:`) and the keys' TTL in
//! milliseconds as its first two arguments, reads the time from the
//! server (`TIME`, so machines' clocks do not matter), first returns
//! expired leases to the ready set, and refreshes the TTL of every key it
//! may have written. See the module docs of [`crate::queue`] for the keys.

/// Shared Lua: key names, the clock, TTL refresh, reclaiming expired
/// leases and releasing a lease.
const PRELUDE: &str = r#"
local P = ARGV[1]
local TTL = tonumber(ARGV[2])
local function k(name) return P .. name end
local NAMES = {'seed','plan','meta','dependents','unmet','ready','leases','deadlines',
  'gcount','gslots','done','state','expired','stopped','machines','seq','ended','acks',
  'replies','acked'}
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function touch()
  for _, n in ipairs(NAMES) do redis.call('PEXPIRE', k(n), TTL) end
end
local function meta(i)
  local m = redis.call('HGET', k('meta'), i)
  local w, x, g, r = string.match(m, '^(%d+)|(%d)|(-?%d+)|(%d+)$')
  return tonumber(w), x == '1', tonumber(g), tonumber(r)
end
-- Frees what lease `i` holds (its group slot), without deciding its fate.
local function release(i)
  local l = redis.call('HGET', k('leases'), i)
  if not l then return end
  local gs = string.match(l, '|(%-?%d+:%d+)$')
  if gs then
    redis.call('HDEL', k('gslots'), gs)
    local g = string.match(gs, '^(%-?%d+):')
    redis.call('HINCRBY', k('gcount'), g, -1)
  end
  redis.call('HDEL', k('leases'), i)
  redis.call('ZREM', k('deadlines'), i)
end
-- Expired leases go back to the ready set at their rank.
local function reclaim(now)
  local expired = redis.call('ZRANGEBYSCORE', k('deadlines'), '-inf', now)
  for _, i in ipairs(expired) do
    release(i)
    local _, _, _, r = meta(i)
    redis.call('ZADD', k('ready'), r, i)
    redis.call('HINCRBY', k('expired'), i, 1)
  end
  return #expired
end
"#;

/// Seeds the run, once: `ARGV[3]` the plan (JSON, kept for machines to
/// check and for the merge), `ARGV[4]` the admission table (JSON array,
/// one `{w, x, g, r, deps, skip}` per unit in plan order), `ARGV[5]` the
/// group caps (JSON array). Returns 1 when it seeded, 0 when a plan was
/// already there.
pub const SEED: &str = r#"
if redis.call('EXISTS', k('plan')) == 1 then return 0 end
local units = cjson.decode(ARGV[4])
local caps = cjson.decode(ARGV[5])
for g, cap in ipairs(caps) do
  redis.call('HSET', k('gcount'), tostring(g - 1), 0)
  redis.call('HSET', k('gcount'), 'cap:' .. tostring(g - 1), cap)
end
for idx, u in ipairs(units) do
  local i = tostring(idx - 1)
  redis.call('HSET', k('meta'), i, u.w .. '|' .. (u.x and '1' or '0') .. '|' .. u.g .. '|' .. u.r)
end
for idx, u in ipairs(units) do
  local i = tostring(idx - 1)
  if u.skip ~= '' then
    redis.call('HSET', k('state'), i, 'skip:' .. u.skip)
  else
    for _, d in ipairs(u.deps) do
      local cur = redis.call('HGET', k('dependents'), tostring(d))
      redis.call('HSET', k('dependents'), tostring(d), (cur and (cur .. ',') or '') .. i)
    end
    if #u.deps > 0 then
      redis.call('HSET', k('unmet'), i, #u.deps)
    else
      redis.call('ZADD', k('ready'), u.r, i)
    end
  end
end
redis.call('SET', k('plan'), ARGV[3])
redis.call('SET', k('seq'), 0)
touch()
return 1
"#;

/// Leases the next ready unit this machine may start. `ARGV[3]` machine
/// name, `ARGV[4]` its free slots, `ARGV[5]` its slots, `ARGV[6]` the
/// lease in ms, `ARGV[7]` a request id (the same request sent again
/// after a lost reply gets the same lease back). Returns `{'lease', index, token, group_slot or -1}`,
/// `{'wait'}` (something is ready or leased, nothing for this machine
/// now), `{'done'}` (nothing ready or leased: the run is over),
/// `{'stopped', reason}` (a bail out stopped the run) or `{'gone'}` (no
/// plan: the server lost the run).
pub const LEASE: &str = r#"
if redis.call('EXISTS', k('plan')) == 0 then return {'gone'} end
local now = now_ms()
reclaim(now)
local stopped = redis.call('GET', k('stopped'))
if stopped then touch() return {'stopped', stopped} end
local machine, free, slots, lease = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
-- The same request again (its reply was lost): the same answer.
local prev = redis.call('HGET', k('replies'), machine)
if prev then
  local req, i, token, gslot = string.match(prev, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  if req == ARGV[7] and redis.call('HGET', k('leases'), i) and
      string.sub(redis.call('HGET', k('leases'), i), 1, #token) == token then
    return {'lease', i, token, tonumber(gslot)}
  end
end
if redis.call('ZCARD', k('ready')) == 0 then
  if redis.call('HLEN', k('leases')) == 0 and redis.call('HLEN', k('unmet')) == 0 then return {'done'} end
  return {'wait'}
end
-- In rank order, a chunk at a time: usually the first unit is taken.
local CHUNK = 64
local from = 0
while true do
local ready = redis.call('ZRANGE', k('ready'), from, from + CHUNK - 1)
if #ready == 0 then break end
from = from + CHUNK
for _, i in ipairs(ready) do
  local w, x, g, r = meta(i)
  local full = false
  if g >= 0 then
    local used = tonumber(redis.call('HGET', k('gcount'), tostring(g)) or '0')
    local cap = tonumber(redis.call('HGET', k('gcount'), 'cap:' .. tostring(g)) or '1')
    full = used >= cap
  end
  if not full then
    if x then w = slots end
    if w > slots then w = slots end
    if w < 1 then w = 1 end
    if w > free then return {'wait'} end
    local gslot = -1
    local held = ''
    if g >= 0 then
      local cap = tonumber(redis.call('HGET', k('gcount'), 'cap:' .. tostring(g)) or '1')
      for s = 0, cap - 1 do
        if redis.call('HEXISTS', k('gslots'), g .. ':' .. s) == 0 then gslot = s break end
      end
      if gslot < 0 then gslot = 0 end
      redis.call('HSET', k('gslots'), g .. ':' .. gslot, i)
      redis.call('HINCRBY', k('gcount'), tostring(g), 1)
      held = '|' .. g .. ':' .. gslot
    end
    local token = machine .. '#' .. redis.call('INCR', k('seq'))
    redis.call('ZREM', k('ready'), i)
    redis.call('HSET', k('leases'), i, token .. held)
    redis.call('ZADD', k('deadlines'), now + lease, i)
    redis.call('HSET', k('replies'), machine, ARGV[7] .. '|' .. i .. '|' .. token .. '|' .. gslot)
    touch()
    return {'lease', i, token, gslot}
  end
end
end
touch()
return {'wait'}
"#;

/// Renews leases: `ARGV[3]` the lease in ms, then index and token pairs.
/// Returns the indices whose lease this machine no longer holds.
pub const RENEW: &str = r#"
if redis.call('EXISTS', k('plan')) == 0 then return {'gone'} end
local now = now_ms()
local lease = tonumber(ARGV[3])
local lost = {}
for a = 4, #ARGV, 2 do
  local i, token = ARGV[a], ARGV[a + 1]
  local l = redis.call('HGET', k('leases'), i)
  if l and (l == token or string.sub(l, 1, #token + 1) == token .. '|') then
    redis.call('ZADD', k('deadlines'), now + lease, i)
  else
    table.insert(lost, i)
  end
end
touch()
return lost
"#;

/// Acknowledges unit `ARGV[3]` leased with token `ARGV[4]`: outcome
/// `ARGV[5]` (`pass`, `fail` or `bail`), its result `ARGV[6]` (a
/// serialised file summary), `ARGV[7]` the bail out reason. Returns
/// `'ok'`, or `'ignored'` when the lease is not this token's (expired and
/// reclaimed, or acknowledged already): nothing is counted twice.
pub const ACK: &str = r#"
if redis.call('EXISTS', k('plan')) == 0 then return 'gone' end
local now = now_ms()
local i, token, outcome = ARGV[3], ARGV[4], ARGV[5]
local l = redis.call('HGET', k('leases'), i)
if not (l and (l == token or string.sub(l, 1, #token + 1) == token .. '|')) then
  -- The same acknowledgement again (its reply was lost): recorded already.
  if redis.call('HGET', k('acked'), i) == token then return 'ok' end
  redis.call('HINCRBY', k('acks'), 'ignored', 1)
  touch()
  return 'ignored'
end
release(i)
redis.call('HSET', k('acked'), i, token)
redis.call('HSET', k('done'), i, ARGV[6])
redis.call('HSET', k('state'), i, outcome)
redis.call('SET', k('ended'), now)
if outcome == 'pass' then
  local deps = redis.call('HGET', k('dependents'), i)
  if deps then
    for d in string.gmatch(deps, '[^,]+') do
      if not redis.call('HGET', k('state'), d) then
        local left = redis.call('HINCRBY', k('unmet'), d, -1)
        if left <= 0 then
          redis.call('HDEL', k('unmet'), d)
          local _, _, _, r = meta(d)
          redis.call('ZADD', k('ready'), r, d)
        end
      end
    end
  end
else
  -- Its dependents, and theirs, are skipped, each naming its own cause.
  local queue = {i}
  while #queue > 0 do
    local cause = table.remove(queue, 1)
    local deps = redis.call('HGET', k('dependents'), cause)
    if deps then
      for d in string.gmatch(deps, '[^,]+') do
        if not redis.call('HGET', k('state'), d) then
          redis.call('HSET', k('state'), d, 'skip:' .. cause)
          redis.call('HDEL', k('unmet'), d)
          redis.call('ZREM', k('ready'), d)
          table.insert(queue, d)
        end
      end
    end
  end
  if outcome == 'bail' then redis.call('SET', k('stopped'), ARGV[7]) end
end
touch()
return 'ok'
"#;

/// The run's state for the merge (after reclaiming expired leases):
/// `{ready count, leased count, waiting count, stopped reason or ''}`.
pub const STATUS: &str = r#"
if redis.call('EXISTS', k('plan')) == 0 then return {'gone'} end
reclaim(now_ms())
return {redis.call('ZCARD', k('ready')), redis.call('HLEN', k('leases')),
  redis.call('HLEN', k('unmet')), redis.call('GET', k('stopped')) or ''}
"#;

/// `script` with the shared prelude in front.
pub fn with_prelude(script: &str) -> String {
    format!("{PRELUDE}\n{script}")
}
