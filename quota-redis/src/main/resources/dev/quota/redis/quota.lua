-- The Redis side of RedisStore: every store call is one run of `run` below, so a decision is one
-- round trip and atomic. It ports dev.quota.store.MemoryStore step for step; keep them in sync.
--
-- QuotaScript loads this file as a Redis function library (FCALL: the definitions below run once,
-- when the library is loaded, not on every call) and, on a server without functions, as a script
-- run by EVALSHA. It adds the few lines that differ, so this file defines `run` and nothing else.
--
-- Time is Redis's TIME plus ARGV[2] (an offset that only tests set), never the caller's clock.
--
-- Decisions, settlements, seeds, resets and, on Redis Cluster, the steps of a decision or
-- settlement carry a deadline in that time: the moment their caller stops waiting (RedisStore
-- estimates Redis time from a TIME read as it connects and the `now` of every reply since). One
-- that starts later (Redis stalled, and ran it only when it resumed) changes nothing and answers
-- TOO_LATE: its caller was already told the store was unavailable and that nothing changed. A
-- deadline of 0 is no deadline. The steps that undo or finish what already applied (`compensate`,
-- `idem_finish`) have none.
-- Numbers are Lua doubles: every value stays an integer within +-(2^53-1), where doubles are exact.
-- Integers are written back with %d, never tostring (which keeps only 14 digits).
--
-- A Redis script does not roll back on error, so each call loads the counters it needs into `cache`,
-- computes the new state in Lua, checks its input, and only then writes (persist).

-- The current call's keys and arguments, and what it has loaded and must write (set by `run`).
local KEYS, ARGV
local cache, order, deferred

local SLICES = 120
local MAX = 9007199254740991
local BUCKET_TICKS = 65536
local BUCKET_DEBT_BUCKETS = 1024
local EXACT = 9007199254740992 -- 2^53
local WINDOW_SLACK_MS = 60000
local BUDGET_SLACK_MS = 3600000
local SETTLED_TTL_MS = 86400000
local IDEMPOTENCY_TTL_MS = 86400000
local EPOCH_TTL_MS = 40 * 86400000
local INDEX_SLACK_MS = 600000
-- A reset mark must outlive every reservation made before it, which may be released as late as its
-- record lives: its expiry (at most a day) or the end of a budget period it holds on (at most a
-- month), and BUDGET_SLACK_MS.
local RESET_MARK_TTL_MS = 40 * 86400000
local EXHAUSTED = -2147483648 -- bit.lshift(1, 31); libraries cannot call bit while they load
-- The highest alert level a budget counter has alerted before any (Thresholds.NONE): below every level.
local NONE = -1

-- The standard library and redis.call, bound once (in `run`: a library cannot reach them while it
-- loads); a decision calls these often enough that the global lookups show (a function's globals
-- are looked up through a guard that refuses unknown names, at some 40 ns a name).
local format, find, sub, match
local floor, max, min, rcall

local function fmt(n) return format('%d', n) end

-- floor(a / b) for integers, exact even where the double quotient rounds up to the next integer
local function floordiv(a, b)
  local q = floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end

local function ceildiv(a, b)
  if a <= 0 then return 0 end
  return -floordiv(-a, b)
end

-- Redis time in ms; a batch reads it once for all its decisions (set by `batch`, else nil)
local batchTime

local function clock(offset)
  if batchTime then return batchTime + offset end
  local t = rcall('TIME')
  return t[1] * 1000 + floordiv(t[2] + 0, 1000) + offset
end

local function split(s)
  local out, pos = {}, 1
  while true do
    local z = string.find(s, '\0', pos, true)
    if not z then out[#out + 1] = string.sub(s, pos); return out end
    out[#out + 1] = string.sub(s, pos, z - 1)
    pos = z + 1
  end
end

-- A budget counter's use after charging `amount` (negative: a hold returned), never below zero. A
-- double counts exactly up to MAX, so a use that would pass it stays at EXACT (2^53, still exact),
-- and one there stays there for its period: that spend is past every limit, the largest (MAX)
-- too, so the budget stays exhausted, even for a call that costs nothing, as in memory; and no
-- charge is refused for it (a refusal would lose recorded spend and block every call a shadow
-- policy watches). The ledger keeps the exact spend; a counter rebuilt from it is seeded at EXACT
-- when that spend is past MAX, where these charges left the counter it rebuilds.
local function budget_use(used, amount)
  if used > MAX then return EXACT end
  local sum = used + amount
  if sum > MAX then return EXACT end
  return max(0, sum)
end

-- ---- counters ------------------------------------------------------------------------------------

-- cache: counter states by key; order: their keys as first loaded; deferred: writes that must
-- wait until every range check has passed.

local function remember(key, st)
  cache[key] = st
  order[#order + 1] = key
  return st
end

-- ---- counter names -------------------------------------------------------------------------------
-- A subject's reset (`reset`) deletes every counter of the subject in one call, so it must know their
-- keys without scanning the keyspace. A counter's key is prefix{subject}name, and the names in use
-- are few and shared by every subject (one per limit, one per budget period): the script keeps them
-- in a sorted set beside the epoch marker (the node's; on Redis Cluster the slot's, which is the
-- subject's slot too), each scored with a time before which no counter that registered it expires.
--
-- A counter registers its name when it is created and, while its writes keep it alive, again as
-- they move into a later day: a window when a slice opens in a later day than the one before, a
-- token bucket when its time does, a slot counter when its expiry does, and a budget whenever its
-- TTL is set (it is not renewed later). From a registration a counter lives at most NAME_LIFE_MS on:
-- a budget its month and an hour (and a daylight-saving hour), a window a day, a slice and its TTL
-- (at most 31 days, a slice and a minute), a bucket a day and its window and a minute, a slot
-- counter two days. A name whose score still covers that is left alone (one ZSCORE); otherwise it
-- is written with NAME_HOLD_MS, so each name is written about once every five days.
local NAME_LIFE_MS = 35 * 86400000
local NAME_HOLD_MS = 40 * 86400000
-- The epoch marker of the current call (of the current decision, in a batch): the names sit beside it.
local bookKey
-- The scores this call has read or written, by registry and name: a script runs alone, and only
-- `register` changes a registry, so a batch of new counters of one name reads its score once.
local namesSeen = {}

-- The sorted set of counter names beside epoch marker `epoch`: the same key with 'names' for 'epoch'.
local function names_key(epoch)
  return sub(epoch, 1, #epoch - 5) .. 'names'
end

-- Registers the name of counter `key` (what follows the subject's hash tag) as in use until at
-- least NAME_LIFE_MS after `now`, and at least until `lifeEnd` if given.
local function register(key, now, lifeEnd)
  local names = names_key(bookKey)
  local name = sub(key, find(key, '}', 1, true) + 1)
  local seen = namesSeen[names]
  if not seen then
    seen = {}
    namesSeen[names] = seen
  end
  local held = seen[name] or tonumber(rcall('ZSCORE', names, name)) or 0
  if held < max(now + NAME_LIFE_MS, lifeEnd or 0) then
    held = max(now + NAME_HOLD_MS, lifeEnd or 0)
    if rcall('ZADD', names, fmt(held), name) == 1 then
      -- a new name: names whose every counter has expired go (the set stays as small as the names in use)
      rcall('ZREMRANGEBYSCORE', names, '-inf', '(' .. fmt(now))
    end
    -- never shortened: another name may be held longer (a bucket in deep debt)
    rcall('PEXPIRE', names, max(held - now, rcall('PTTL', names)))
  end
  seen[name] = held
end

-- A sliding window (dev.quota.internal.SlidingWindow) is one hash. Its slices are numbered in the
-- order they were opened (sequence numbers, not slice indexes, so the next slice is always seq + 1).
-- The open (tail) slice lives only in the field m, with a copy of the head slice and the total, so
-- a decision reads and writes that one field; a closed slice has a field of its own, read when it
-- becomes the head (or on a denial, to compute the retry time):
--   m     "tailCount:tailLast:total:head:tail:headCount:headLast"   (head < tail)
--         "count:last", or just "last" when count is 1               (one slice, numbered 1)
--   <seq> "count:last" for each closed slice, head <= seq < tail
-- A slice's index is derived from its latest admission: floor(last * 1000 / sliceUs). An empty
-- window has no key. The one-admission form keeps a subject seen once as small as it can be.

local function parse_slice(v)
  local c = find(v, ':', 1, true)
  return {count = sub(v, 1, c - 1) + 0, last = sub(v, c + 1) + 0}
end

-- Loads the stored slices from..to that are not loaded yet, with one HMGET.
local function window_load(st, from, to)
  local seqs = {}
  for seq = from, to do
    if not st.slice[seq] then seqs[#seqs + 1] = fmt(seq) end
  end
  if #seqs == 0 then return end
  local raw = rcall('HMGET', st.key, unpack(seqs))
  for i, seq in ipairs(seqs) do
    local v = raw[i]
    if not v then return error({err = 'QUOTA_STATE sliding window ' .. st.key .. ' lacks slice ' .. seq}) end
    st.slice[tonumber(seq)] = parse_slice(v)
  end
end

local function window_empty(st)
  return st.tail < st.head
end

-- Notes that the field of closed slice `seq` must go (removed is false until one must).
local function forget(st, seq)
  local removed = st.removed or {}
  removed[#removed + 1] = fmt(seq)
  st.removed = removed
end

-- Drops the head slice (its field, unless it is the open tail kept only in m).
local function window_pop(st)
  local s = st.slice[st.head]
  st.total = st.total - s.count
  if st.head < st.tail then forget(st, st.head) end
  st.slice[st.head] = nil
  st.head = st.head + 1
  st.changed = true
end

local function window(key, windowMs, now)
  local st = cache[key]
  if not st then
    st = remember(key, {kind = 'w', key = key, windowMs = windowMs, sliceUs = floordiv(windowMs * 1000 + SLICES - 1, SLICES),
                        total = 0, head = 1, tail = 0, slice = {}, removed = false, existed = false, changed = false,
                        touched = false})
    local m = rcall('HGET', key, 'm')
    if m then
      st.existed = true
      -- one match and arithmetic (which converts the digits) cost far less than a split and tonumber
      local tc, tl, total, head, tail, hc, hl = match(m, '^([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):(.*)$')
      if tc then
        head, tail = head + 0, tail + 0
        st.total, st.head, st.tail = total + 0, head, tail
        st.slice[tail] = {count = tc + 0, last = tl + 0}
        st.slice[head] = {count = hc + 0, last = hl + 0}
      else
        local c = find(m, ':', 1, true)
        local count, last
        if c then count, last = sub(m, 1, c - 1) + 0, sub(m, c + 1) + 0 else count, last = 1, m + 0 end
        st.head, st.tail, st.total = 1, 1, count
        st.slice[1] = {count = count, last = last}
      end
    end
  end
  if window_empty(st) then return st end
  -- Slices leave from the head while their latest admission has left the window; once the tail
  -- has left too, all the rest are read at once instead of one by one.
  if st.slice[st.tail].last + st.windowMs < now then window_load(st, st.head, st.tail - 1) end
  while not window_empty(st) and st.slice[st.head].last + st.windowMs < now do
    window_pop(st)
    if not window_empty(st) then window_load(st, st.head, st.head) end
  end
  return st
end

-- A window's TTL: its length and a slice, WINDOW_SLACK_MS more, and 1 ms for `window_ttl_due`.
local function window_ttl(windowMs, sliceUs)
  return windowMs + ceildiv(sliceUs, 1000) + WINDOW_SLACK_MS + 1
end

-- Whether opening a slice at `now` after a newest slice whose latest admission was `last` must set
-- the window's TTL again. It is set when a window starts and when a new slice starts in a later
-- WINDOW_SLACK_MS period than the slice before it, so it was last set no earlier than the start of
-- the period in which the newest slice starts, less than WINDOW_SLACK_MS before that slice: the
-- TTL then lasts to the newest slice's end plus the window (when its last admission leaves) at
-- least. A busy window sets it once a minute instead of at every slice.
local function slice_starts_later(last, sliceUs, now, periodMs)
  local period = periodMs * 1000
  return floordiv(floordiv(last * 1000, sliceUs) * sliceUs, period) ~= floordiv(floordiv(now * 1000, sliceUs) * sliceUs, period)
end

local function window_ttl_due(last, sliceUs, now)
  return slice_starts_later(last, sliceUs, now, WINDOW_SLACK_MS)
end

-- Whether a window whose TTL is due (so a slice opens in a later minute) must also register its name
-- again (see `register`): the slice opens in a later day. Days hold whole minutes, so this is only
-- ever asked once a minute.
local DAY_MS = 86400000
local function window_name_due(last, sliceUs, now)
  return slice_starts_later(last, sliceUs, now, DAY_MS)
end

local function window_add(st, now, amount)
  if amount <= 0 then return end -- a slice of nothing would only move the reset later (SlidingWindow.add)
  local slice = floordiv(now * 1000, st.sliceUs)
  local tail = not window_empty(st) and st.slice[st.tail]
  -- a time that stepped back joins the newest slice, as in SlidingWindow.add
  if tail and floordiv(tail.last * 1000, st.sliceUs) >= slice then
    tail.count = tail.count + amount
    if now > tail.last then tail.last = now end
  else
    if tail then
      tail.dirty = true -- closed: from now on stored in its own field
      if window_ttl_due(tail.last, st.sliceUs, now) then
        st.ttlDue = true
        if window_name_due(tail.last, st.sliceUs, now) then st.nameDue = true end
      end
    else
      st.head, st.tail = 1, 0 -- an empty window starts numbering again (its fields are all removed)
      st.ttlDue, st.nameDue = true, true
    end
    st.tail = st.tail + 1
    st.slice[st.tail] = {count = amount, last = now}
  end
  st.total = st.total + amount
  st.touched = true
  st.changed = true
end

local function window_reset(st)
  return window_empty(st) and 0 or st.slice[st.head].last + st.windowMs + 1
end

local function window_retry(st, now, amount, limit)
  if amount > limit then return -1 end
  local excess = st.total - (limit - amount) -- total + amount could pass 2^53
  if excess <= 0 then return now end
  window_load(st, st.head, st.tail - 1)
  local freed = 0
  for seq = st.head, st.tail do
    local s = st.slice[seq]
    freed = freed + s.count
    if freed >= excess then return s.last + st.windowMs + 1 end
  end
  return -1
end

-- Takes back up to `amount` of what was counted at time `at` (SlidingWindow.takeBack): from the slice
-- that holds that time or, if none does, from the newest older one. An admission is counted in its
-- own time's slice or a newer one (a time that stepped back joins the newest), never an older one,
-- and taking back from an older slice keeps the window strict. A slice left empty leaves the
-- window, as SlidingWindow would never have opened it.
local function window_take_back(st, at, amount)
  if window_empty(st) or amount <= 0 then return end
  local idx = floordiv(at * 1000, st.sliceUs)
  window_load(st, st.head, st.tail - 1)
  for seq = st.tail, st.head, -1 do
    local s = st.slice[seq]
    if floordiv(s.last * 1000, st.sliceUs) <= idx then
      local dec = min(s.count, amount)
      s.count = s.count - dec
      st.total = st.total - dec
      s.dirty = true
      st.changed = true
      if s.count == 0 and seq == st.tail and seq > st.head then
        -- the slice before becomes the open tail, kept only in m
        st.slice[seq] = nil
        st.tail = seq - 1
        forget(st, st.tail)
      end
      -- an empty slice in the middle counts and frees nothing until it leaves; at the head it goes now
      while not window_empty(st) and st.slice[st.head].count == 0 do window_pop(st) end
      return
    end
  end
end

local function window_persist(st, now)
  local key = st.key
  if window_empty(st) then
    if st.existed then rcall('DEL', key) end
    return
  end
  if not st.changed then return end
  if st.removed then rcall('HDEL', key, unpack(st.removed)) end
  local tail = st.slice[st.tail]
  local m
  if st.head < st.tail then
    local head = st.slice[st.head]
    m = format('%d:%d:%d:%d:%d:%d:%d', tail.count, tail.last, st.total, st.head, st.tail, head.count, head.last)
  elseif tail.count == 1 then
    m = fmt(tail.last) -- one slice has no closed fields, so it can always be numbered 1
  else
    m = format('%d:%d', tail.count, tail.last)
  end
  local fields
  for seq = st.head, st.tail - 1 do
    local s = st.slice[seq]
    if s and s.dirty then
      fields = fields or {'m', m}
      fields[#fields + 1] = fmt(seq)
      fields[#fields + 1] = format('%d:%d', s.count, s.last)
    end
  end
  if fields then rcall('HSET', key, unpack(fields)) else rcall('HSET', key, 'm', m) end
  -- Set as a slice opens (see window_ttl_due), the TTL already covers every later write into it.
  if st.ttlDue then rcall('PEXPIRE', key, window_ttl(st.windowMs, st.sliceUs)) end
  if st.nameDue then register(key, now) end
end

-- A token bucket (dev.quota.internal.TokenBucket) is one hash: l, its level in units of 1/ticks
-- token; t, the time its refill counts ticks from; and k, the ticks per window, where a window has
-- more than BUCKET_TICKS ms (a tick is then longer than 1 ms). A level written without k, before
-- buckets had ticks, is in units of 1/windowMs token.

-- How long after st.last a refill of limit per tick adds `units` (TokenBucket.msToRefill).
local function bucket_ms_to_refill(st, units)
  local whole = floordiv(units, st.limit)
  return whole * st.tickMs + ceildiv((units - whole * st.limit) * st.tickMs, st.limit)
end

local function bucket_fill(st, now)
  st.level, st.last = st.cap, now
end

-- Bucket `key` as stored, as a bucket of `limit` (its limit may have changed since, debt included).
local function bucket_load(key, limit, windowMs, now)
  local raw = rcall('HMGET', key, 'l', 't', 'k')
  local tickMs = ceildiv(windowMs, BUCKET_TICKS)
  local ticks = ceildiv(windowMs, tickMs)
  local cap = limit * ticks
  -- the deepest debt (TokenBucket.deepestDebt)
  local debt = min(BUCKET_DEBT_BUCKETS * cap, EXACT - cap)
  local level = tonumber(raw[1])
  if level then
    local units = tonumber(raw[3]) or windowMs
    -- whole tokens of a level kept in other units, rounded down
    if units ~= ticks then level = floordiv(level, units) * ticks end
    -- within the bucket of the limit as it is now, which may have changed since (debt included)
    level = max(-debt, min(cap, level))
  end
  local st = {kind = 'b', limit = limit, windowMs = windowMs, tickMs = tickMs, ticks = ticks, cap = cap,
              debt = debt, level = level or cap, last = tonumber(raw[2]) or now, touched = false}
  st.loadedLast = tonumber(raw[2]) or false -- false: a new bucket
  return st
end

-- Refills in whole ticks, carrying the part of a tick over until a continuous refill would be full
-- (TokenBucket.advance).
local function bucket_advance(st, now)
  if now > st.last then
    local missing = st.cap - st.level
    local whole = floordiv(now - st.last, st.tickMs)
    if whole >= ceildiv(missing, st.limit) then
      bucket_fill(st, now)
    else
      st.level = st.level + whole * st.limit
      st.last = st.last + whole * st.tickMs
      missing = missing - whole * st.limit
      if missing < st.limit and (now - st.last) * st.limit >= missing * st.tickMs then bucket_fill(st, now) end
    end
  end
  return st
end

local function bucket(key, limit, windowMs, now)
  local st = cache[key] or remember(key, bucket_load(key, limit, windowMs, now))
  return bucket_advance(st, now)
end

-- Bucket `st`, which this call charged (so its level and time are what that charge left), as a
-- bucket of `limit` (TokenBucket.withLimit): a copy, leaving `st` to the op whose limit it has.
-- One this call did not charge is read from Redis instead (bucket_load), as its last charge left it.
local function bucket_charged_as(st, limit)
  local cap = limit * st.ticks
  local debt = min(BUCKET_DEBT_BUCKETS * cap, EXACT - cap)
  return {kind = 'b', limit = limit, windowMs = st.windowMs, tickMs = st.tickMs, ticks = st.ticks, cap = cap,
          debt = debt, level = max(-debt, min(cap, st.level)), last = st.last, touched = true,
          loadedLast = st.loadedLast}
end

-- Takes `amount` tokens, into debt if need be, down to the deepest debt (TokenBucket.take).
local function bucket_take(st, amount)
  if amount <= floordiv(st.level + st.debt, st.ticks) then
    st.level = st.level - amount * st.ticks
  else
    st.level = -st.debt
  end
end

-- Puts back `amount` tokens, up to a full bucket (TokenBucket.giveBack).
local function bucket_give_back(st, amount)
  if amount >= ceildiv(st.cap - st.level, st.ticks) then
    st.level = st.cap
  else
    st.level = st.level + amount * st.ticks
  end
  st.touched = true
end

-- The highest level a budget counter has alerted (see Thresholds), from its field a. A counter
-- written before that field kept alert bits in f, naming its levels by position: any bit counts
-- every level up to its spend as alerted, so nothing below it alerts twice.
local function alerted_up_to(a, f, used)
  if a then return tonumber(a) end
  if f and tonumber(f) ~= 0 then return used end
  return NONE
end

-- A budget counter is a hash: u (its spend), a (the highest level alerted), e (its period's end) and
-- d, the time of the last decision on it, or of its creation, seed or catch-up (never moved back):
-- it holds the ledger's spend up to then, and one last decided on before the engine's marker
-- (BudgetOp.seedBeforeMs) is stale, caught up from the ledger (`catch_up`) before anything is
-- decided on it. A counter written before d was kept has none: it counts as current, and a
-- decision gives it one.
local function budget(key)
  local st = cache[key]
  if not st then
    local raw = rcall('HMGET', key, 'u', 'f', 'e', 'a', 'd')
    local used = tonumber(raw[1]) or 0
    st = remember(key, {kind = 'g', exists = raw[1] ~= false, used = used,
                        alerted = alerted_up_to(raw[4], raw[2], used), endMs = tonumber(raw[3]) or 0, touched = false,
                        decided = tonumber(raw[5])})
    st.loadedEnd = st.exists and st.endMs or -1
  end
  return st
end

-- A slot counter is a string, "slots:expiresAt", so that keeping the longest holder's expiry needs
-- no PTTL. Beside it, a sorted set (slot_holders) files each reservation holding a slot, scored
-- with its expiry, so that a denial can name when a slot frees by itself. Slots taken before the
-- set was kept are in the count only; while any is held, the set holds fewer and no time is named.
-- A call's changes to the set wait in the state (added, removed) until `persist`.
local function slots(key)
  local st = cache[key]
  if not st then
    local raw = rcall('GET', key)
    local n, exp = 0, 0
    if raw then
      local c = string.find(raw, ':', 1, true)
      n = tonumber(c and string.sub(raw, 1, c - 1) or raw)
      exp = c and tonumber(string.sub(raw, c + 1)) or 0
    end
    st = remember(key, {kind = 'c', n = n, exp = exp, ttl = 0, touched = false, added = false, removed = false})
  end
  return st
end

-- The holders of slot counter `key` (RedisKeys.slotHolders): its key and '/h', in the subject's
-- slot. No counter name contains '/h' (rates are r/..., budgets b/...), so it is no other counter's.
local function slot_holders(key)
  return key .. '/h'
end

-- The holder of the slot that op i of reservation record `rkey` takes: a plan may name one counter
-- twice, and then holds two of its slots. Its ops keep their order in the record.
local function slot_holder(rkey, i)
  return rkey .. '#' .. i
end

-- Files `holder`, which expires at `expiresAt`, as holding one of st's slots.
local function slot_hold(st, holder, expiresAt)
  st.added = st.added or {}
  st.added[#st.added + 1] = fmt(expiresAt)
  st.added[#st.added + 1] = holder
end

-- Takes `holder` out of st's holders.
local function slot_free(st, holder)
  st.removed = st.removed or {}
  st.removed[#st.removed + 1] = holder
end

-- When a cap of `max` slots, held by st.n, has one free without anyone settling: once all but
-- max - 1 of the slots held have expired (MemoryStore.slotRetryAtMs), counting this call's changes
-- that `persist` has yet to write. -1 when no time can be named: a cap of none, or slots held from
-- before their holders were filed.
local function slot_retry(key, st, max)
  if max <= 0 or st.n < max then return -1 end
  local holders = slot_holders(key)
  local gone, freed = {}, 0
  for _, holder in ipairs(st.removed or {}) do gone[holder] = true; freed = freed + 1 end
  local added = st.added or {}
  if rcall('ZCARD', holders) - freed + #added / 2 ~= st.n then return -1 end
  -- the (n - max)th expiry from 0: among the filed ones this call keeps, within the first n - max + 1
  local want = st.n - max
  local filed = rcall('ZRANGE', holders, 0, want + freed, 'WITHSCORES')
  local times = {}
  for i = 1, #filed, 2 do
    if not gone[filed[i]] then times[#times + 1] = tonumber(filed[i + 1]) end
  end
  for i = 1, #added, 2 do times[#times + 1] = tonumber(added[i]) end
  table.sort(times)
  return times[want + 1] or -1
end

-- The levels `used` reaches above `upTo`, the highest level already alerted, as alert bits; and
-- the highest level alerted once they are (Thresholds.crossed and alertedUpTo).
local function crossed(used, limit, thresholds, upTo)
  local c, top = 0, upTo
  for i = 1, #thresholds do
    local level = thresholds[i]
    if used >= level and level > upTo then
      c = bit.bor(c, bit.lshift(1, i - 1))
      if level > top then top = level end
    end
  end
  if used >= limit and limit > upTo then
    c = bit.bor(c, EXHAUSTED)
    if limit > top then top = limit end
  end
  return c, top
end

local function persist(now)
  for i = 1, #order do
    local key = order[i]
    local st = cache[key]
    if st.kind == 'w' then
      window_persist(st, now)
    elseif st.touched then
      if st.kind == 'b' then
        if st.ticks ~= st.windowMs then
          rcall('HSET', key, 'l', fmt(st.level), 't', fmt(st.last), 'k', fmt(st.ticks))
        else
          rcall('HSET', key, 'l', fmt(st.level), 't', fmt(st.last))
        end
        -- kept until it is full again: a bucket without a key is a full one
        local full = st.last + bucket_ms_to_refill(st, st.cap - st.level)
        rcall('PEXPIRE', key, max(full - now, 0) + WINDOW_SLACK_MS)
        -- new, or its time moved into a later day: the bucket lives at most a window past that, unless
        -- a debt keeps it longer, until it is full, which its name must then outlive too
        local lifeEnd = full + WINDOW_SLACK_MS
        if not st.loadedLast or floordiv(st.loadedLast, DAY_MS) ~= floordiv(st.last, DAY_MS)
            or lifeEnd > now + NAME_LIFE_MS then
          register(key, now, lifeEnd)
        end
      elseif st.kind == 'g' then
        if st.decided then
          rcall('HSET', key, 'u', fmt(st.used), 'a', fmt(st.alerted), 'e', fmt(st.endMs), 'd', fmt(st.decided))
        else
          rcall('HSET', key, 'u', fmt(st.used), 'a', fmt(st.alerted), 'e', fmt(st.endMs))
        end
        -- the TTL follows the period's end, so it only moves when the counter is new or its end moved
        if st.endMs ~= st.loadedEnd then
          rcall('PEXPIRE', key, max(st.endMs - now, 0) + BUDGET_SLACK_MS)
          register(key, now)
        end
      else
        local holders = slot_holders(key)
        if st.n <= 0 then
          rcall('DEL', key, holders)
        else
          -- a slot counter lives as long as the longest reservation holding one of its slots
          local exp = max(st.exp, now + st.ttl + WINDOW_SLACK_MS)
          rcall('SET', key, fmt(st.n) .. ':' .. fmt(exp), 'PX', exp - now)
          if st.removed then rcall('ZREM', holders, unpack(st.removed)) end
          if st.added then
            -- kept as long as the counter; taking a holder out needs no longer
            rcall('ZADD', holders, unpack(st.added))
            rcall('PEXPIRE', holders, exp - now)
            -- registered whenever it is filled, as it may be new beside a counter from before it
            register(holders, now)
          end
          -- new (no expiry: 0), or its expiry moved into a later day, at most a reservation's ttl ahead
          if floordiv(st.exp, DAY_MS) ~= floordiv(exp, DAY_MS) then register(key, now) end
        end
      end
    end
  end
  if deferred then
    for _, write in ipairs(deferred) do write() end
  end
end

-- ---- ops -----------------------------------------------------------------------------------------
-- A rate op's predecessors (RateOp.predecessors), after its fields (its algorithm then 'W' for a
-- window): the counters of the same subject a changed limit replaced, each as five fields, name algorithm(w|b) limit windowMs until. A predecessor's key is
-- its op's key up to the subject's hash tag, and its name: in the op's slot, on Redis Cluster too.
local function parse_carry(f, at, n, key)
  local tag = sub(key, 1, find(key, '}', 1, true))
  local carry = {}
  for i = 0, n - 5, 5 do
    carry[#carry + 1] = {key = tag .. f[at + i + 1], algo = f[at + i + 2], limit = f[at + i + 3] + 0,
                         windowMs = f[at + i + 4] + 0, untilMs = f[at + i + 5] + 0}
  end
  return carry
end

-- An op as sent (and as filed with a reservation), fields in order:
--   R enforced algorithm(w|b|W) limit windowMs amount meter [predecessor...]   (see `parse_carry`)
--   B enforced limit amount periodStart periodEnd label subject name threshold...
--   C enforced max

-- The op whose n fields are f[at + 1] .. f[at + n], for counter `key`. Each table is built by one
-- constructor (sized once, with room for what a decision notes on it: allowed, fired) and numbers
-- are converted by arithmetic, as this runs for every op.
local function parse_op(f, at, n, key)
  local t, enforced = f[at + 1], f[at + 2] == '1'
  if t == 'R' then
    local op = {type = t, enforced = enforced, key = key, algo = f[at + 3], limit = f[at + 4] + 0,
                windowMs = f[at + 5] + 0, amount = f[at + 6] + 0, meter = f[at + 7], allowed = false, fired = 0}
    if n > 7 then
      -- 'W': a window with predecessors, sent so that `quick_apply` leaves it to `decide`
      if op.algo == 'W' then op.algo = 'w' end
      op.carry = parse_carry(f, at + 7, n - 7, key)
    end
    return op
  elseif t == 'B' then
    local thresholds = {}
    for i = 10, n do thresholds[i - 9] = f[at + i] + 0 end
    return {type = t, enforced = enforced, key = key, limit = f[at + 3] + 0, amount = f[at + 4] + 0,
            startMs = f[at + 5] + 0, endMs = f[at + 6] + 0, label = f[at + 7], subject = f[at + 8],
            name = f[at + 9], thresholds = thresholds, allowed = false, fired = 0}
  end
  return {type = t, enforced = enforced, key = key, max = f[at + 3] + 0, allowed = false, fired = 0}
end

-- What window `st` (advanced to `now`) can have counted in the last `spanMs`: its slices whose
-- latest admission lies within that span, each whole (SlidingWindow.usedWithin). Latest admissions
-- rise from head to tail, so the closed slices are read only if the head is older than the span.
local function window_used_within(st, now, spanMs)
  if window_empty(st) then return 0 end
  if st.slice[st.head].last + spanMs >= now then return st.total end
  window_load(st, st.head, st.tail - 1)
  local used = 0
  for seq = st.tail, st.head, -1 do
    local s = st.slice[seq]
    if s.last + spanMs < now then break end
    used = used + s.count
  end
  return used
end

-- The most any of op's predecessors still kept at `now` can have counted in op's window (RateCarry):
-- a window its slices within that span, a bucket its capacity less its whole tokens, at most op's
-- limit. A bucket without a key is full, and an empty window has none.
-- A predecessor seeds each new counter once (CarriedMarks): making it marks every predecessor
-- still kept, in a set beside the predecessor's key (its key and '/carried', which ends no counter
-- name) of the names of the counters it seeded, kept as long as the predecessor is whatever becomes
-- of its counter (an empty window is deleted), and deleted by a reset of the subject.
local function carried_use(op, now)
  local into = sub(op.key, find(op.key, '}', 1, true) + 1)
  local used = 0
  for _, p in ipairs(op.carry) do
    local marks = p.key .. '/carried'
    if p.untilMs > now and rcall('SISMEMBER', marks, into) == 0 then
      if p.algo == 'w' then
        used = max(used, window_used_within(window(p.key, p.windowMs, now), now, op.windowMs))
      else
        -- read as a bucket of the predecessor's limit (TokenBucket.withLimit): one this call has
        -- loaded for an op of another limit stays that op's
        local pst = cache[p.key]
        if not pst or pst.limit ~= p.limit and not pst.touched then
          pst = bucket_load(p.key, p.limit, p.windowMs, now)
        elseif pst.limit ~= p.limit then
          pst = bucket_charged_as(pst, p.limit)
        end
        bucket_advance(pst, now)
        -- a bucket without a key is full, unless this call charged it (a settlement's overrun
        -- charges its ops in turn, and the in-memory store's counter made after it sees the charge)
        if pst.loadedLast or pst.touched then
          used = max(used, min(p.limit - floordiv(pst.level, pst.ticks), op.limit))
        end
      end
      local untilMs = p.untilMs
      deferred = deferred or {}
      deferred[#deferred + 1] = function()
        rcall('SADD', marks, into)
        rcall('PEXPIRE', marks, max(untilMs - now, rcall('PTTL', marks)))
        register(marks, now, untilMs)
      end
    end
  end
  return used
end

-- A rate counter this call finds missing starts from its predecessors' use, in the same call as
-- the decision (RateCarry.carry): a window counts it now, a bucket holds its capacity less it.
local function carry_into(st, op, now)
  st.carried = true
  local new
  if op.algo == 'w' then new = not st.existed and window_empty(st) and not st.touched
  else new = not st.loadedLast and not st.touched end
  if not new then return end
  local used = carried_use(op, now)
  if used <= 0 then return end
  if op.algo == 'w' then
    window_add(st, now, min(used, MAX))
  else
    bucket_take(st, min(used, op.limit))
    st.touched = true
  end
end

local function state(op, now)
  if op.type == 'R' then
    local st
    if op.algo == 'w' then st = window(op.key, op.windowMs, now) else st = bucket(op.key, op.limit, op.windowMs, now) end
    if op.carry and not st.carried then carry_into(st, op, now) end
    return st
  elseif op.type == 'B' then
    return budget(op.key)
  end
  return slots(op.key)
end

local function has_room(op, now)
  local st = state(op, now)
  if op.type == 'R' then
    if op.algo == 'w' then return st.total + op.amount <= op.limit end
    return op.amount <= floordiv(st.level, st.ticks)
  elseif op.type == 'B' then
    return st.used + op.amount <= op.limit
  end
  return st.n < op.max
end

-- The marker (BudgetOp.seedBeforeMs) of the decision being made, 0 if none; see `budget`.
local decisionMarker = 0

local function take(op, amount, now, ttl)
  local st = state(op, now)
  st.touched = true
  if op.type == 'R' then
    if op.algo == 'w' then
      -- a window saturates at 2^53-1 (SlidingWindow.add)
      window_add(st, now, min(amount, MAX - st.total))
    else
      bucket_take(st, amount)
    end
    return 0
  elseif op.type == 'B' then
    st.used = budget_use(st.used, amount)
    -- a decision: current from now on, a new counter from the engine's marker on too (see `budget`)
    st.decided = max(st.decided or (st.exists and 0 or decisionMarker), now)
    st.exists = true
    if op.endMs > st.endMs then st.endMs = op.endMs end
    local newly
    newly, st.alerted = crossed(st.used, op.limit, op.thresholds, st.alerted)
    return newly
  end
  st.n = st.n + 1
  if ttl > st.ttl then st.ttl = ttl end
  return 0
end

local function describe(op, now, allowed, fired, out)
  local st = state(op, now)
  local ok = allowed and 1 or 0
  if op.type == 'R' then
    if op.algo == 'w' then
      local reset = window_reset(st)
      local retry = allowed and 0 or window_retry(st, now, op.amount, op.limit)
      out[#out + 1] = ok; out[#out + 1] = st.total; out[#out + 1] = reset; out[#out + 1] = retry
    else
      local used = st.limit - floordiv(st.level, st.ticks)
      local reset = st.level >= st.cap and 0 or st.last + bucket_ms_to_refill(st, st.cap - st.level)
      local retry = 0
      if not allowed then
        if op.amount > op.limit then retry = -1
        else
          local deficit = op.amount * st.ticks - st.level
          -- the tick that brings them, unless a continuous refill fills the bucket before
          retry = deficit <= 0 and now or min(st.last + ceildiv(deficit, st.limit) * st.tickMs, reset)
        end
      end
      out[#out + 1] = ok; out[#out + 1] = used; out[#out + 1] = reset; out[#out + 1] = retry
    end
    out[#out + 1] = 0
  elseif op.type == 'B' then
    local retry = 0
    if not allowed then retry = op.amount > op.limit and -1 or op.endMs end
    out[#out + 1] = ok; out[#out + 1] = st.used; out[#out + 1] = op.endMs; out[#out + 1] = retry
    out[#out + 1] = fired
  else
    out[#out + 1] = ok; out[#out + 1] = st.n; out[#out + 1] = 0
    out[#out + 1] = allowed and 0 or slot_retry(op.key, st, op.max)
    out[#out + 1] = 0
  end
end

-- ---- reservations --------------------------------------------------------------------------------

-- A reservation record is one string, so writing it with its TTL is one SET. Read, it is a table
-- of string fields: s (state: a active, d settled, x expired, c compensated), e (expiresAt), t
-- (when made), h (held nanos), n (ops), k1..kn (their counters), o1..on (their fields, NUL-joined,
-- as sent), p (payload, if any), part (true: one slot's part of a reservation on Redis Cluster); a
-- settled one keeps s, h, p and t and adds f, m, c1..cm (see settle_record). An expired part also
-- keeps n, k1..kn and o1..on (see expire_record).
--
-- An active record is written on every reservation, so it is text the caller prepared:
--   "A" expiresAt ":" madeAt ":" body      ("P" for "A": a part)
-- where the body (ReservationRecord) is h ":" n ":", then for each op its counter key and its
-- fields, then the payload if any, each of those as byte length ":" bytes. Every other record
-- (settled, expired, compensated) is a msgpack map, whose first byte is never "A" or "P".

local function take_sized(raw, at)
  local c = find(raw, ':', at, true)
  local stop = c + sub(raw, at, c - 1)
  return sub(raw, c + 1, stop), stop + 1
end

local function parse_active(raw)
  local kind, e, t, h, n, at = match(raw, '^([AP])(%d+):(%d+):(%d+):(%d+):()')
  local rec = {s = 'a', e = e, t = t, h = h, n = n, part = kind == 'P'}
  for i = 1, n + 0 do
    rec['k' .. i], at = take_sized(raw, at)
    rec['o' .. i], at = take_sized(raw, at)
  end
  if at <= #raw then rec.p = take_sized(raw, at) end
  return rec
end

local function load_reservation(rkey)
  local raw = rcall('GET', rkey)
  if not raw then return nil end
  local first = sub(raw, 1, 1)
  if first == 'A' or first == 'P' then return parse_active(raw) end
  return cmsgpack.unpack(raw)
end

local function save_reservation(rkey, rec, ttlMs)
  rcall('SET', rkey, cmsgpack.pack(rec), 'PX', ttlMs)
end

local function load_hash(key)
  local raw = rcall('HGETALL', key)
  if #raw == 0 then return nil end
  local rec = {}
  for i = 1, #raw, 2 do rec[raw[i]] = raw[i + 1] end
  return rec
end

local function reservation_ops(rec)
  local ops = {}
  for i = 1, tonumber(rec.n) do
    local f = split(rec['o' .. i])
    ops[i] = parse_op(f, 0, #f, rec['k' .. i])
  end
  return ops
end

-- True if the subject of counter `key` was reset at or after `madeAt` (see `reset`): the reset
-- forgave the holds of reservations made before it, and its counters, if any, are new ones. A
-- reset in the reservation's own millisecond counts as after it, which can only under-admit.
-- `marks` caches the marks one call has read, by key.
local function reset_since(key, madeAt, marks)
  local open = find(key, '{', 1, true)
  local mark = sub(key, 1, open - 1) .. 'reset:' .. sub(key, open, find(key, '}', open, true))
  local at = marks[mark]
  if at == nil then
    at = tonumber(rcall('GET', mark) or '-1')
    marks[mark] = at
  end
  return at >= madeAt
end

-- Returns a reservation's holds: the actual cost replaces the estimate on commit, and the actual meters
-- the amounts its rate limits took; a release returns budgets and slots, no rate limit.
-- The holds and slots of a subject reset since the reservation was made are left alone. With
-- `returned`, its expiry has returned the holds and slots already: a commit only charges the actual.
local function undo(rkey, rec, commit, actualCost, meters, now, returned)
  local changes = {}
  local madeAt, marks = tonumber(rec.t), {}
  for i, op in ipairs(reservation_ops(rec)) do
    if op.type == 'B' then
      local st = budget(op.key)
      if st.exists and not reset_since(op.key, madeAt, marks) then -- else reset by an admin since
        local delta = (commit and actualCost or 0) - (returned and 0 or op.amount)
        st.used = budget_use(st.used, delta)
        st.touched = true
        local newly
        newly, st.alerted = crossed(st.used, op.limit, op.thresholds, st.alerted)
        changes[#changes + 1] = {op.label, op.subject, op.name, op.limit, st.used, newly}
      end
    elseif op.type == 'C' then
      local st = slots(op.key)
      if not returned and st.n > 0 and not reset_since(op.key, madeAt, marks) then
        st.n = st.n - 1; st.touched = true
        slot_free(st, slot_holder(rkey, i))
      end
    elseif commit then
      -- a meter the commit names replaces what the reservation took; one it does not name stays
      local actual = meters[op.meter]
      if actual and actual > op.amount then
        take(op, actual - op.amount, now, 0)
      elseif actual and actual < op.amount and not reset_since(op.key, madeAt, marks) then
        -- (a counter of a subject reset since holds none of it)
        if op.algo == 'w' then
          window_take_back(window(op.key, op.windowMs, now), madeAt, op.amount - actual)
        else
          local st = bucket(op.key, op.limit, op.windowMs, now)
          -- a bucket without a key is full: nothing to put back, and nothing to write
          if st.loadedLast or st.touched then bucket_give_back(st, op.amount - actual) end
        end
      end
    end
  end
  return changes
end

local function settle_record(rkey, status, fingerprint, rec, changes)
  local fields = {s = status, f = fingerprint, h = rec.h or '0', m = fmt(#changes), p = rec.p, t = rec.t}
  for i, c in ipairs(changes) do
    fields['c' .. i] = c[1] .. '\0' .. c[2] .. '\0' .. c[3] .. '\0' .. fmt(c[4]) .. '\0' .. fmt(c[5]) .. '\0' .. fmt(c[6])
  end
  save_reservation(rkey, fields, SETTLED_TTL_MS)
end

-- Marks reservation `rkey` (record `rec`) expired once its holds are returned. A part keeps its ops:
-- its reservation's commit may have been claimed (on the home record's node) before the expiry, and
-- its settlement then still charges the actual cost (see `settle`).
local function expire_record(rkey, rec)
  local fields = {s = 'x', f = 'expired', h = '0', m = '0'}
  if rec.part then
    fields.t, fields.n = rec.t, rec.n
    for i = 1, tonumber(rec.n) do fields['k' .. i], fields['o' .. i] = rec['k' .. i], rec['o' .. i] end
  end
  save_reservation(rkey, fields, SETTLED_TTL_MS)
end

-- `keep`, if given, is a reservation record left alone: one its caller settles (see `settle`).
local function release_expired(expiries, now, keep)
  local due = rcall('ZRANGEBYSCORE', expiries, '-inf', fmt(now))
  for _, rkey in ipairs(due) do
    if rkey ~= keep then
      local rec = load_reservation(rkey)
      if rec and rec.s == 'a' then undo(rkey, rec, false, 0, {}, now) end
      deferred = deferred or {}
      deferred[#deferred + 1] = function()
        rcall('ZREM', expiries, rkey)
        if rec and rec.s == 'a' then expire_record(rkey, rec) end
      end
    end
  end
end

-- ---- calls ---------------------------------------------------------------------------------------

local APPLIED, REPLAYED, CONFLICT, PERIOD_MISMATCH, NEEDS_SEED, ABORTED, BUSY, CLAIMED = 0, 1, 2, 3, 4, 5, 6, 7
-- A call that started after its deadline: it changed nothing.
local TOO_LATE = 8

-- Whether a call that started at `now` started after its deadline (0: none).
local function too_late(deadline, now)
  return deadline > 0 and now > deadline
end

local function read_ops(at, count, firstKey)
  local ops = {}
  for i = 1, count do
    local n = ARGV[at] + 0
    ops[i] = parse_op(ARGV, at, n, KEYS[firstKey + i - 1])
    at = at + n + 1
  end
  return ops, at
end

-- ---- the common decision, quickly -----------------------------------------------------------------
-- A plan of sliding windows and budgets, each on a counter of its own, whose every counter has room,
-- decides the same as `decide` below with far less work: straight from KEYS and ARGV, it reads each
-- window's m field once (and the field of each slice that becomes the head as older ones leave),
-- works out its new state and its answer at once, and writes; no op or state tables. Anything else
-- (a denial and its retry time, a window whose every slice has left) answers nil before anything is
-- written, and `decide` then takes the plan as it would any other.
--
-- Within a batch, a decision that moves the same window at the same op position as the decision
-- before it (a hot counter) takes the window's state from where that decision left it and leaves
-- its own there, unwritten, until another window takes the position, a decision takes the general
-- path (which reads counters from Redis) or the batch ends. The decisions of one batch share one
-- clock, so nobody outside the call can tell; a hot counter that twenty decisions move is read
-- once and written twice per call instead of twenty times each, and its m is neither parsed nor
-- formatted in between. A batch of different windows does a few comparisons per op more than
-- outside a batch, and allocates nothing more.

-- Falses to size a call's tables from at once ({unpack(FALSES, 1, n)}): a table grown one key at a
-- time is rebuilt at every power of two. Built on the first call (a library cannot loop at load).
local FALSES
local QUICK_MAX_OPS = 64
-- Per op of a quick plan, the slots of p: the window's new state (tc, tl, total, head, tail, hc,
-- hl, as in m), the slice it closed (seq and "count:last"; false: none), the TTL to set (false:
-- none), the answer's reset time, the fields of the slices that left (false: none), and whether
-- the counter registers its name (see `register`).
local QUICK_WIDTH = 13
-- Slices a quick decision lets leave one window, each read with one HGET; more: `decide`, which
-- reads them with one HMGET.
local QUICK_MAX_DROPS = 8

-- Within a batch, per op position i, the counter (window or budget) the last quick decision moved
-- there: slotKey[i] (false: none), its state as that decision's p left it (slotP[i][slotJ[i] + 1
-- ..]: the p is kept, not copied), whether that state is still to be written ("late"), the fields
-- of slices closed meanwhile (false: none) and the TTL to set (false: none). A counter sits in one
-- slot at most, and its slot holds its current state. Built on the first call.
local slotKey, slotP, slotJ, slotLate, slotFields, slotTtl
local slotsUsed = 0
local inBatch = false

-- Within a batch, what quick decisions learned about a reservation expiry index, by key:
-- expiryClear[key], a time at which nothing in it was due (so nothing is due then or earlier, until
-- an entry that early is added), and expiryKept[key], the TTL it was last seen or set to keep. A
-- batch's twenty reservations against budgets then ask once, not twenty times each. The general
-- path releases entries (which can empty, and so delete, the index): taking it forgets both.
local expiryClear, expiryKept = {}, {}
-- A TTL seen this long ago or less still answers for the index (a batch takes milliseconds).
-- Were a batch ever slower, the index would outlive a reservation's expiry still: a record is kept
-- an hour past it (BUDGET_SLACK_MS), and only its expiry is looked up through the index.
local KEPT_MARGIN_MS = 1000

-- A window's m field, as described at `window` above.
local function window_m(tc, tl, total, head, tail, hc, hl)
  if head < tail then return format('%d:%d:%d:%d:%d:%d:%d', tc, tl, total, head, tail, hc, hl) end
  if tc == 1 then return fmt(tl) end
  return format('%d:%d', tc, tl)
end

-- Writes a counter's hash from the state a quick decision left in q[j + 1 ..] (see quick_budget
-- and quick_window): a budget's fields, or a window's m with `...`, the fields of slices closed
-- meanwhile (none: nothing).
local function write_counter(key, q, j, ...)
  if q[j + 1] == 'B' then
    rcall('HSET', key, 'u', fmt(q[j + 3]), 'a', fmt(q[j + 2]), 'e', fmt(q[j + 4]), 'd', fmt(q[j + 6]))
  else
    rcall('HSET', key, 'm', window_m(q[j + 1], q[j + 2], q[j + 3], q[j + 4], q[j + 5], q[j + 6], q[j + 7]), ...)
  end
end

-- Writes slot s's late counter.
local function write_slot(s)
  local key, q, j = slotKey[s], slotP[s], slotJ[s]
  if slotFields[s] then
    write_counter(key, q, j, unpack(slotFields[s]))
  else
    write_counter(key, q, j)
  end
  if slotTtl[s] then rcall('PEXPIRE', key, slotTtl[s]) end
  slotLate[s], slotFields[s], slotTtl[s] = false, false, false
end

-- Writes every late counter and empties the slots.
local function write_late()
  for s = 1, slotsUsed do
    if slotLate[s] then write_slot(s) end
    slotKey[s], slotP[s] = false, false -- the decisions' p tables can go
  end
  slotsUsed = 0
end

-- Forgets what the batch learned about expiry indexes (see expiryClear).
local function forget_indexes()
  if next(expiryClear) then expiryClear = {} end
  if next(expiryKept) then expiryKept = {} end
end

-- Whether no reservation filed in expiry index `key` is due at `now`: `decide` releases those first.
local function expiry_clear(key, now)
  local clear = inBatch and expiryClear[key]
  if clear and now <= clear then return true end
  if rcall('ZRANGEBYSCORE', key, '-inf', fmt(now), 'LIMIT', 0, 1)[1] then return false end
  if inBatch then expiryClear[key] = now end
  return true
end

-- Keeps expiry index `key` alive at least `keep` ms more, extended with room to spare so that the
-- next reservations need not extend it again; returns the TTL it has now (at least).
local function extend_index(key, keep)
  local ttl = rcall('PTTL', key)
  if ttl >= keep then return ttl end
  rcall('PEXPIRE', key, keep + INDEX_SLACK_MS)
  return keep + INDEX_SLACK_MS
end

-- Files reservation `rkey` in expiry index `key`, which must then live `keep` ms more.
local function file_expiry(key, rkey, expiresAt, keep)
  rcall('ZADD', key, fmt(expiresAt), rkey)
  if not inBatch then
    extend_index(key, keep)
    return
  end
  local clear = expiryClear[key]
  if clear and expiresAt <= clear then expiryClear[key] = nil end
  local kept = expiryKept[key]
  if kept and keep <= kept - KEPT_MARGIN_MS then return end
  expiryKept[key] = extend_index(key, keep)
end

-- `crossed`, for the budget op whose n fields begin at ARGV[at + 1]: its thresholds are fields 10
-- to n.
local function quick_crossed(used, limit, at, n, upTo)
  local c, top = 0, upTo
  for i = 10, n do
    local level = ARGV[at + i] + 0
    if used >= level and level > upTo then
      c = bit.bor(c, bit.lshift(1, i - 10))
      if level > top then top = level end
    end
  end
  if used >= limit and limit > upTo then
    c = bit.bor(c, EXHAUSTED)
    if limit > top then top = limit end
  end
  return c, top
end

-- The slot other than i that holds `key`, which leaves it (written first if late), as slot i is
-- to take it; nil if none does.
local function leave_slot(key, i)
  for t = 1, slotsUsed do
    if t ~= i and slotKey[t] == key then
      if slotLate[t] then write_slot(t) end
      slotKey[t] = false
      return t
    end
  end
  return nil
end

-- Works out one budget's new state and answer into p[j + 1] .. p[j + QUICK_WIDTH]: 'B', the highest
-- level alerted, used, the period end kept, the bits newly fired, the time of this decision on it
-- (see `budget`), ..., the TTL to set (false: none), the answer's reset time, ..., whether it
-- registers its name (as its TTL is set). A budget that has no room, is missing where a seed may be
-- due, or is stale (last decided on before `seedBefore`, 0: not asked): false (`decide`). Within a
-- batch, a budget moved at the same op position as by the decision before (a team's or a
-- project's, shared by many users) is kept in its slot like a window.
local function quick_budget(key, i, at, now, apply_ops, seedBefore, p, j)
  local limit, amount, endMs = ARGV[at + 3] + 0, ARGV[at + 4] + 0, ARGV[at + 6] + 0
  local s = inBatch and (slotKey[i] == key and i or leave_slot(key, i))
  local exists, used, alerted, e, decided
  if s then
    local q, r = slotP[s], slotJ[s]
    exists, alerted, used, e, decided = true, q[r + 2], q[r + 3], q[r + 4], q[r + 6]
  else
    local raw = rcall('HMGET', key, 'u', 'f', 'e', 'a', 'd')
    exists = raw[1] ~= false
    if seedBefore > 0 and not exists then return false end -- `decide` consults the epoch
    used, e, decided = tonumber(raw[1]) or 0, tonumber(raw[3]) or 0, tonumber(raw[5])
    alerted = alerted_up_to(raw[4], raw[2], used)
  end
  if decided and decided < seedBefore then return false end -- stale: `decide` reports it
  if used + amount > limit then return false end -- denied: `decide` answers
  p[j + 1], p[j + 11] = 'B', endMs
  if not apply_ops then
    p[j + 3], p[j + 5] = used, 0
    return true
  end
  if used + amount > MAX then return false end -- `decide` keeps the counter past MAX
  used = used + amount
  local loadedEnd = exists and e or -1
  if endMs > e then e = endMs end
  local newly, top = quick_crossed(used, limit, at, ARGV[at] + 0, alerted)
  p[j + 2], p[j + 3], p[j + 4], p[j + 5] = top, used, e, newly
  p[j + 6] = max(decided or (exists and 0 or seedBefore), now)
  -- the TTL follows the period's end, so it only moves when the counter is new or its end moved
  if e ~= loadedEnd then p[j + 10], p[j + 13] = max(e - now, 0) + BUDGET_SLACK_MS, true end
  return true
end

-- Works out one window's new state and answer into p[j + 1] .. p[j + QUICK_WIDTH] (see there), or,
-- for a check, its total and reset time. False: `decide`.
local function quick_window(key, i, limit, windowMs, amount, now, apply_ops, p, j)
  local tc, tl, total, head, tail, hc, hl
  -- inline, not a function: this runs for every op of every quick decision in a batch
  local s
  if inBatch then
    if slotKey[i] == key then
      s = i
    else
      for t = 1, slotsUsed do
        if slotKey[t] == key then s = t; break end
      end
      if s then
        -- at another position: it leaves its slot (written first if late), as slot i takes it
        if slotLate[s] then write_slot(s) end
        slotKey[s] = false
      end
    end
  end
  local m = not s and rcall('HGET', key, 'm')
  if s then
    local q, r = slotP[s], slotJ[s]
    tc, tl, total, head, tail, hc, hl = q[r + 1], q[r + 2], q[r + 3], q[r + 4], q[r + 5], q[r + 6], q[r + 7]
  elseif m then
    tc, tl, total, head, tail, hc, hl = match(m, '^([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):(.*)$')
    if tc then
      tc, tl, total, head, tail, hc, hl = tc + 0, tl + 0, total + 0, head + 0, tail + 0, hc + 0, hl + 0
    else
      local c = find(m, ':', 1, true)
      if c then tc, tl = sub(m, 1, c - 1) + 0, sub(m, c + 1) + 0 else tc, tl = 1, m + 0 end
      total, head, tail, hc, hl = tc, 1, 1, tc, tl
    end
  else
    total = 0
  end
  local empty = not s and not m
  if not empty and hl + windowMs < now then
    -- A check leaves slices leaving to `decide`, as it writes nothing.
    if not apply_ops then return false end
    if head == tail then
      -- A window whose only slice has left starts afresh, numbered from 1, as `decide` would start
      -- it; it has no other field to remove.
      empty, total = true, 0
    else
      -- Every slice gone (an idle window): `decide` removes all fields at once.
      if tl + windowMs < now then return false end
      -- Slices leave from the head, as in `window`; the next head's field is read from Redis, so a
      -- state this batch still holds unwritten goes there first.
      if s and slotLate[s] then write_slot(s) end
      local dropped = {}
      repeat
        if #dropped == QUICK_MAX_DROPS then return false end
        total = total - hc
        dropped[#dropped + 1] = fmt(head)
        head = head + 1
        if head == tail then
          hc, hl = tc, tl
        else
          local v = rcall('HGET', key, fmt(head))
          if not v then return false end -- `decide` reports the missing slice
          local c = find(v, ':', 1, true)
          hc, hl = sub(v, 1, c - 1) + 0, sub(v, c + 1) + 0
        end
      until hl + windowMs >= now
      p[j + 12] = dropped
    end
  end
  if total + amount > limit then return false end -- denied: `decide` works out when to retry
  if not apply_ops then
    p[j + 3], p[j + 11] = total, empty and 0 or hl + windowMs + 1
    return true
  end
  if amount <= 0 then
    -- Nothing added opens no slice (SlidingWindow.add). An empty window then has nothing to write,
    -- which `decide` knows how to do; a counting one writes the slices that left, as below.
    if empty then return false end
    p[j + 1], p[j + 2], p[j + 3], p[j + 4], p[j + 5], p[j + 6], p[j + 7] = tc, tl, total, head, tail, hc, hl
    p[j + 11] = hl + windowMs + 1
    return true
  end
  local sliceUs = floordiv(windowMs * 1000 + SLICES - 1, SLICES)
  total = total + amount
  if empty then
    head, tail, tc, tl, hc, hl = 1, 1, amount, now, amount, now
    p[j + 10], p[j + 13] = window_ttl(windowMs, sliceUs), true
  elseif floordiv(tl * 1000, sliceUs) >= floordiv(now * 1000, sliceUs) then
    -- the newest slice (a time that stepped back joins it too, as in SlidingWindow.add)
    tc = tc + amount
    if now > tl then tl = now end
    if head == tail then hc, hl = tc, tl end
  else
    -- the newest slice closes into a field of its own; a new one opens (and sets the TTL if due,
    -- which then covers every later write into it)
    p[j + 8], p[j + 9] = fmt(tail), format('%d:%d', tc, tl)
    if window_ttl_due(tl, sliceUs, now) then
      p[j + 10], p[j + 13] = window_ttl(windowMs, sliceUs), window_name_due(tl, sliceUs, now)
    end
    tail, tc, tl = tail + 1, amount, now
  end
  p[j + 1], p[j + 2], p[j + 3], p[j + 4], p[j + 5], p[j + 6], p[j + 7] = tc, tl, total, head, tail, hc, hl
  p[j + 11] = hl + windowMs + 1
  return true
end

-- Notes the new state (p[j + 1] .. p[j + 10]) of the counter at op position i, in slot i, which the
-- decision before left it in, to be written later.
local function write_later(i, p, j)
  slotP[i], slotJ[i], slotLate[i] = p, j, true
  if p[j + 8] then
    local fields = slotFields[i] or {}
    fields[#fields + 1], fields[#fields + 2] = p[j + 8], p[j + 9]
    slotFields[i] = fields
  end
  if p[j + 10] then slotTtl[i] = p[j + 10] end
end

-- `apply` for a plan without an idempotency key whose n ops begin at ARGV[at], on the counters at
-- KEYS[ck + 1 ..], filing its reservation (if it reserves) at `rkey` with record body `body`; nil:
-- `decide`.
local function quick_apply(k, a, now, n, at, rkey, ck, body)
  if n > QUICK_MAX_OPS then return nil end
  local kind = ARGV[a + 3]
  local apply_ops = kind ~= 'check'
  -- first, without a read, that the plan is one it takes
  local first, holds = at, false
  for i = 1, n do
    if ARGV[at + 1] == 'B' then
      -- a period that does not hold now: `decide` answers the mismatch
      if now < ARGV[at + 5] + 0 or now >= ARGV[at + 6] + 0 then return nil end
      holds = true
    elseif ARGV[at + 1] ~= 'R' or ARGV[at + 3] ~= 'w' then
      return nil
    end
    local key = KEYS[ck + i]
    for j = 1, i - 1 do
      if KEYS[ck + j] == key then return nil end -- a counter named twice: `decide` shares its state
    end
    at = at + ARGV[at] + 1
  end
  -- a budget's expired holds are returned before it is read, which `decide` does
  if holds and not expiry_clear(KEYS[k + 2], now) then return nil end
  local p = {unpack(FALSES, 1, QUICK_WIDTH * n)}
  local seedBefore = ARGV[a + 8] + 0
  at = first
  for i = 1, n do
    local j = QUICK_WIDTH * (i - 1)
    if ARGV[at + 1] == 'B' then
      if not quick_budget(KEYS[ck + i], i, at, now, apply_ops, seedBefore, p, j) then return nil end
    elseif not quick_window(KEYS[ck + i], i, ARGV[at + 4] + 0, ARGV[at + 5] + 0, ARGV[at + 6] + 0, now, apply_ops,
        p, j) then
      return nil
    end
    at = at + ARGV[at] + 1
  end
  local expiresAt = 0
  if apply_ops and kind == 'reserve' then
    local ttl = ARGV[a + 4] + 0
    expiresAt = now + ttl
    -- the record must outlive every budget it holds on, or an expiry could not return the hold
    local keep = ttl
    if holds then
      for i = 1, n do
        local j = QUICK_WIDTH * (i - 1)
        if p[j + 1] == 'B' and p[j + 11] - now > keep then keep = p[j + 11] - now end
      end
    end
    keep = keep + BUDGET_SLACK_MS
    -- first of the writes: if Redis refuses it, nothing of this decision is kept
    rcall('SET', rkey, format('A%d:%d:', expiresAt, now) .. body, 'PX', keep)
    if holds then file_expiry(KEYS[k + 2], rkey, expiresAt, keep) end
  end
  local out = {unpack(FALSES, 1, 6 + 5 * n)}
  out[1], out[2], out[3], out[4], out[5] = APPLIED, 1, now, expiresAt, n
  for i = 1, n do
    local j, o = QUICK_WIDTH * (i - 1), 5 * i
    local budget = p[j + 1] == 'B'
    if apply_ops then
      local key = KEYS[ck + i]
      -- at once even for a state kept late: no later read in this call looks for a slice that left
      if p[j + 12] then rcall('HDEL', key, unpack(p[j + 12])) end
      if p[j + 13] then register(key, now) end -- before a reset can see the counter, written or kept late
      if inBatch and slotKey[i] == key then
        write_later(i, p, j)
      else
        if p[j + 8] then
          write_counter(key, p, j, p[j + 8], p[j + 9])
        else
          write_counter(key, p, j)
        end
        if p[j + 10] then rcall('PEXPIRE', key, p[j + 10]) end
        if inBatch then
          if slotLate[i] then write_slot(i) end
          slotKey[i], slotP[i], slotJ[i] = key, p, j
          if i > slotsUsed then slotsUsed = i end
        end
      end
    end
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, p[j + 3], p[j + 11], 0, budget and p[j + 5] or 0
  end
  out[6 + 5 * n] = 0
  return out
end

-- The body of a decision over counters that share one slot (all of a plan on a single node).
-- c: now, kind, ttl, expiresAt (0: now + ttl), seedBudgets, seedBefore, part (a reservation's part on Redis
--    Cluster), epochKey, expiriesKey, recordKey, record (the body of the reservation record filed if
--    it reserves), ops
local function decide(c)
  local now, kind = c.now, c.kind
  -- Expired reservations only ever return budget holds and concurrency slots, so a plan without
  -- either decides the same whether or not they were released first.
  local ops = c.ops
  local n = #ops
  local holds = false
  for i = 1, n do
    if ops[i].type ~= 'R' then holds = true end
  end
  if holds then
    release_expired(c.expiriesKey, now)
    for i = 1, n do
      local op = ops[i]
      if op.type == 'B' and (now < op.startMs or now >= op.endMs) then
        persist(now)
        return {PERIOD_MISMATCH, 0, now, 0, 0, 0}
      end
    end
  end
  if c.hasIdem then
    local rec = rcall('HMGET', c.idemKey, 'f', 'x', 'r')
    if rec[1] and tonumber(rec[2]) > now then
      persist(now)
      if rec[1] ~= c.fingerprint then return {CONFLICT, 0, now, 0, 0, 0} end
      local out = {}
      -- numbers, then (for an admitted reservation) the reservation id the first request filed
      for w in string.gmatch(rec[3], '%S+') do out[#out + 1] = tonumber(w) or w end
      out[1] = REPLAYED
      return out
    end
  end
  if c.seedBudgets and holds then
    -- The epoch marker is read (and, when missing, started) only when a budget counter is missing:
    -- starting it late only ever asks for a seed that was needed anyway or is harmless.
    local epoch
    local missing, stale = {}, {}
    for i, op in ipairs(c.ops) do
      local st = op.type == 'B' and budget(op.key)
      if st and st.exists and st.decided and st.decided < c.seedBefore then
        stale[#stale + 1] = i - 1
        stale[#stale + 1] = st.decided
      elseif st and not st.exists then
        if not epoch then
          epoch = tonumber(rcall('GET', c.epochKey))
          if not epoch then
            epoch = now
            rcall('SET', c.epochKey, fmt(now), 'PX', EPOCH_TTL_MS)
          end
        end
        -- a period begun in the epoch's millisecond too: its spend there may be lost (BudgetOp)
        if op.startMs <= epoch or op.startMs <= c.seedBefore then missing[#missing + 1] = i - 1 end
      end
    end
    if #missing > 0 or #stale > 0 then
      persist(now)
      local out = {NEEDS_SEED, 0, now, 0, 0, #missing}
      for _, i in ipairs(missing) do out[#out + 1] = i end
      -- then the stale ones: their count, and each one's index and time of last decision
      out[#out + 1] = #stale / 2
      for _, v in ipairs(stale) do out[#out + 1] = v end
      return out
    end
  end

  decisionMarker = c.seedBefore
  local admitted = true
  for i = 1, n do
    local op = ops[i]
    local allowed = has_room(op, now)
    op.allowed = allowed
    if not allowed and op.enforced and kind ~= 'record' then admitted = false end
  end
  local apply_ops = admitted and kind ~= 'check'
  if apply_ops then
    for i = 1, n do
      local op = ops[i]
      op.fired = take(op, op.amount or 1, now, c.ttl)
    end
  end
  local expiresAt = 0
  if apply_ops and kind == 'reserve' then
    expiresAt = c.expiresAt > 0 and c.expiresAt or now + c.ttl
  end
  if apply_ops and kind == 'reserve' then
    local rkey = c.recordKey
    local keep = expiresAt - now
    for i = 1, n do
      local op = ops[i]
      -- the record must outlive every counter it holds on, or an expiry could not return the hold
      if op.type == 'B' and op.endMs - now > keep then keep = op.endMs - now end
    end
    keep = keep + BUDGET_SLACK_MS
    rcall('SET', rkey, format(c.part and 'P%d:%d:' or 'A%d:%d:', expiresAt, now) .. c.record, 'PX', keep)
    for i = 1, n do
      if ops[i].type == 'C' then slot_hold(slots(ops[i].key), slot_holder(rkey, i), expiresAt) end
    end
    -- Only holds need the expiry index; a settlement notices any expiry from the record itself.
    if holds then
      rcall('ZADD', c.expiriesKey, fmt(expiresAt), rkey)
      extend_index(c.expiriesKey, keep)
    end
  end
  local out = {APPLIED, admitted and 1 or 0, now, expiresAt, n}
  for i = 1, n do
    local op = ops[i]
    describe(op, now, op.allowed, op.fired, out)
  end
  out[#out + 1] = 0
  persist(now)
  -- Only an admission is filed under its key: a denial changed nothing, so a retry under the key
  -- is decided afresh rather than refused again until the key's record expires. A check changed
  -- nothing either: it only looks the key up (MemoryStore.apply).
  if c.hasIdem and admitted and kind ~= 'check' then
    local words = {}
    for i, v in ipairs(out) do words[i] = fmt(v) end
    if admitted and kind == 'reserve' and c.resId and c.resId ~= '' then words[#words + 1] = c.resId end
    rcall('HSET', c.idemKey, 'f', c.fingerprint, 'x', fmt(now + IDEMPOTENCY_TTL_MS), 'r', table.concat(words, ' '))
    rcall('PEXPIRE', c.idemKey, IDEMPOTENCY_TTL_MS)
  end
  return out
end

-- KEYS: epoch, expiries, idempotency record, reservation record, then one key per op
-- ARGV: call, offset, kind(check|reserve|record), ttlMs, fingerprint, record body ('' unless it
--       reserves), deadline (0: none), seedBudgets ('0': seed nothing; else also seed a missing budget
--       counter of a period begun before this engine time, whatever the epoch), hasIdempotencyKey,
--       opCount, then per op: field count,
--       fields; then the reservation id (remembered with an idempotency key, so a repeat gets the
--       first id back)
-- (k and a: where this call's keys and arguments begin, 0 unless it is part of a batch)
-- A repeat or a like (see `batch`) gives its own record key, deadline and reservation id, and a
-- like its own counter keys (from KEYS[ck + 1]) and record body too; the rest is the plan's at
-- KEYS[k + 1 ..] and ARGV[a + 1 ..].
local function apply(k, a, recordKey, deadline, resId, ck, body)
  local now = clock(ARGV[a + 2] + 0)
  if too_late(deadline or ARGV[a + 7] + 0, now) then return {TOO_LATE, 0, now, 0, 0, 0} end
  bookKey = KEYS[k + 1]
  recordKey = recordKey or KEYS[k + 4]
  ck = ck or k + 4
  body = body or ARGV[a + 6]
  local hasIdem = ARGV[a + 9] == '1'
  if not hasIdem then
    local out = quick_apply(k, a, now, ARGV[a + 10] + 0, a + 11, recordKey, ck, body)
    if out then return out end
  end
  write_late() -- the general path reads counters from Redis
  forget_indexes() -- and releases expired reservations
  cache, order, deferred = {}, {}, nil
  local ops, after = read_ops(a + 11, ARGV[a + 10] + 0, ck + 1)
  return decide({now = now, kind = ARGV[a + 3], ttl = ARGV[a + 4] + 0, expiresAt = 0,
    seedBudgets = ARGV[a + 8] ~= '0', seedBefore = ARGV[a + 8] + 0, resId = resId or ARGV[after], epochKey = KEYS[k + 1],
    expiriesKey = KEYS[k + 2], idemKey = KEYS[k + 3], hasIdem = hasIdem, fingerprint = ARGV[a + 5], recordKey = recordKey,
    record = body, ops = ops})
end

-- Several decisions of one node in one call, each applied in turn exactly as `apply` would, all or
-- nothing on its own: one that fails (say, a range check) leaves its counters as they were and
-- answers its error text in its place, and the others still apply.
-- KEYS: the keys of each decision in turn.
-- ARGV: call, count, then for each decision: its key count, its argument count, its arguments
--       (as for `apply`).  Reply: each decision's reply, or its error text.
-- A repeat is a decision whose plan is that of the last decision sent whole before it, as when many
-- callers ask for the same subjects at once: it sends one key, its reservation record's (the
-- epoch's for a check), and two arguments, its deadline and its reservation id ('' for a check).
-- A like is a decision whose plan differs from that one only in its counters (the same limits for
-- other subjects, as when many users share a policy): it sends its reservation record's key, then
-- its counters' keys, and three arguments, its deadline, its reservation id and its record body.
-- Redis then reads, and Lua holds, a few strings for it instead of some twenty-five per op. They
-- are told apart by their argument count: a decision sent whole has at least eleven.
local REPEAT_ARGS, LIKE_ARGS = 2, 3

local function batch()
  local t = rcall('TIME')
  batchTime = t[1] * 1000 + floordiv(t[2] + 0, 1000)
  -- empty slots (a batch that failed as a whole, outside any one decision, may have left some)
  for s = 1, QUICK_MAX_OPS do slotKey[s], slotLate[s], slotFields[s], slotTtl[s] = false, false, false, false end
  slotsUsed, inBatch = 0, true
  forget_indexes()
  local out, k, a = {}, 0, 2
  local wholeK, wholeA -- where the last decision sent whole has its keys and arguments
  for i = 1, ARGV[2] + 0 do
    local kc, ac = ARGV[a + 1] + 0, ARGV[a + 2] + 0
    local ok, r
    if ac == REPEAT_ARGS then
      ok, r = pcall(apply, wholeK, wholeA, KEYS[k + 1], ARGV[a + 3] + 0, ARGV[a + 4])
    elseif ac == LIKE_ARGS then
      ok, r = pcall(apply, wholeK, wholeA, KEYS[k + 1], ARGV[a + 3] + 0, ARGV[a + 4], k + 1, ARGV[a + 5])
    else
      wholeK, wholeA = k, a + 2
      ok, r = pcall(apply, k, a + 2)
    end
    if not ok then r = type(r) == 'table' and (r.err or r.error) or tostring(r) end
    out[i] = r
    k, a = k + kc, a + 2 + ac
  end
  write_late()
  batchTime, inBatch = nil, false
  return out
end

-- One slot's part of a plan whose counters span slots (Redis Cluster). Refuses to apply once the
-- plan was compensated here, so a delayed or retried call can never re-apply a rolled-back part.
-- KEYS: slot epoch, slot expiries, slot reservation record, then one key per op
-- ARGV: call, offset, kind, ttlMs, expiresAt (0: now + ttl), record body ('' unless it reserves),
--       seedBudgets (as for `apply`), deadline (0: none), opCount, then per op: field count, fields
local function group()
  local now = clock(tonumber(ARGV[2]))
  if too_late(tonumber(ARGV[8]), now) then return {TOO_LATE, 0, now, 0, 0, 0} end
  bookKey = KEYS[1]
  local ops = read_ops(10, tonumber(ARGV[9]), 4)
  if ARGV[3] == 'reserve' then
    local rec = load_reservation(KEYS[3]) or {}
    if rec.s == 'c' then return {ABORTED, 0, now, 0, 0, 0} end
    if rec.s == 'a' then
      -- a repeat of this very call (re-sent after a reconnect): the part is already held
      local out = {APPLIED, 1, now, tonumber(rec.e), #ops}
      for _, op in ipairs(ops) do describe(op, now, true, 0, out) end
      out[#out + 1] = 0
      return out
    end
  end
  return decide({now = now, kind = ARGV[3], ttl = tonumber(ARGV[4]), expiresAt = tonumber(ARGV[5]),
    seedBudgets = ARGV[7] ~= '0', seedBefore = ARGV[7] + 0, part = true, epochKey = KEYS[1], expiriesKey = KEYS[2], recordKey = KEYS[3],
    record = ARGV[6], ops = ops})
end

-- Takes back exactly what one slot's part of a plan applied, once: the record becomes a tombstone
-- that answers retries (and late group calls) without touching a counter again. It has no deadline:
-- it undoes, however late it runs.
-- KEYS: slot expiries, slot reservation record, slot epoch.  ARGV: call, offset, tombstoneMs
local function compensate()
  local now = clock(tonumber(ARGV[2]))
  bookKey = KEYS[3]
  local rkey = KEYS[2]
  local rec = load_reservation(rkey)
  local undone = 0
  if rec and rec.s == 'a' then
    local sliceAt, marks = tonumber(rec.t), {}
    for i, op in ipairs(reservation_ops(rec)) do
      if op.type == 'R' and op.algo == 'w' then
        window_take_back(window(op.key, op.windowMs, now), sliceAt, op.amount)
      elseif op.type == 'R' then
        bucket_give_back(bucket(op.key, op.limit, op.windowMs, now), op.amount)
      elseif op.type == 'B' then
        local st = budget(op.key)
        if st.exists and not reset_since(op.key, sliceAt, marks) then
          st.used = budget_use(st.used, -op.amount); st.touched = true
        end
      else
        local st = slots(op.key)
        if st.n > 0 and not reset_since(op.key, sliceAt, marks) then
          st.n = st.n - 1; st.touched = true
          slot_free(st, slot_holder(rkey, i))
        end
      end
    end
    rcall('ZREM', KEYS[1], rkey)
    persist(now)
    undone = 1
  end
  if not rec or rec.s == 'a' then
    save_reservation(rkey, {s = 'c'}, tonumber(ARGV[3]))
  end
  return {undone}
end

-- Where a reservation whose counters span slots is found by its id: the slots holding its parts.
-- KEYS: home record.  ARGV: call, offset, expiresAt, held, payload, hasPayload, keepMs, groups, deadline
-- Reply: 1 (or TOO_LATE), 0, now
local function home()
  local now = clock(tonumber(ARGV[2]))
  if too_late(tonumber(ARGV[9]), now) then return {TOO_LATE, 0, now} end
  local fields = {'s', 'a', 'e', ARGV[3], 'h', ARGV[4], 'g', ARGV[8]}
  if ARGV[6] == '1' then fields[#fields + 1] = 'p'; fields[#fields + 1] = ARGV[5] end
  rcall('DEL', KEYS[1])
  rcall('HSET', KEYS[1], unpack(fields))
  rcall('PEXPIRE', KEYS[1], tonumber(ARGV[7]))
  return {1, 0, now}
end

-- Claims the settlement of a reservation filed by home(), once; the terms of the first settlement
-- are kept so that a retry settles any part still open with those terms, never with its own.
-- KEYS: home record.  ARGV: call, offset, commit, actualCostNanos, fingerprint, meters, deadline
-- Reply: status, held, now, hasPayload, payload, groups, commit, actualCostNanos, fingerprint, meters
local function claim()
  local now = clock(tonumber(ARGV[2]))
  if too_late(tonumber(ARGV[7]), now) then return {TOO_LATE, 0, now, 0, '', '', '', '', '', ''} end
  local rec = load_hash(KEYS[1])
  if not rec then return {3, 0, now, 0, '', '', '', '', '', ''} end
  if rec.s == 'a' and tonumber(rec.e) <= now then
    rcall('HSET', KEYS[1], 's', 'x')
    rec.s = 'x'
  end
  if rec.s == 'x' then return {4, 0, now, 0, '', '', '', '', '', ''} end
  local status = 0
  if rec.s == 'a' then
    rcall('HSET', KEYS[1], 's', 'd', 'c', ARGV[3], 'a', ARGV[4], 'f', ARGV[5], 'm', ARGV[6])
    rcall('PEXPIRE', KEYS[1], SETTLED_TTL_MS)
    rec.c, rec.a, rec.f, rec.m = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  else
    status = rec.f == ARGV[5] and 1 or 2
  end
  return {status, tonumber(rec.h or '0'), now, rec.p and 1 or 0, rec.p or '', rec.g, rec.c, rec.a, rec.f, rec.m}
end

-- An idempotency key of a plan whose counters span slots: answers a repeat, or marks the key as
-- being applied so that a concurrent repeat cannot apply the plan a second time.
-- KEYS: idempotency record.  ARGV: call, offset, fingerprint, pendingMs, deadline
local function idem_claim()
  local now = clock(tonumber(ARGV[2]))
  if too_late(tonumber(ARGV[5]), now) then return {TOO_LATE, 0, now, 0, 0, 0} end
  local rec = rcall('HMGET', KEYS[1], 'f', 'x', 'r')
  if rec[1] and tonumber(rec[2]) > now then
    if rec[1] ~= ARGV[3] then return {CONFLICT, 0, now, 0, 0, 0} end
    if not rec[3] then return {BUSY, 0, now, 0, 0, 0} end
    local out = {}
    for w in string.gmatch(rec[3], '%S+') do out[#out + 1] = tonumber(w) or w end
    out[1] = REPLAYED
    return out
  end
  rcall('DEL', KEYS[1])
  rcall('HSET', KEYS[1], 'f', ARGV[3], 'x', fmt(now + tonumber(ARGV[4])))
  rcall('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
  return {CLAIMED, 0, now, 0, 0, 0}
end

-- Files the answer of a plan that applied (or drops the claim of one that did not): no deadline, as
-- the plan's counters have already moved.
-- KEYS: idempotency record.  ARGV: call, offset, fingerprint, reply words ('' drops the claim)
local function idem_finish()
  local now = clock(tonumber(ARGV[2]))
  if rcall('HGET', KEYS[1], 'f') ~= ARGV[3] then return {0} end
  if ARGV[4] == '' then
    rcall('DEL', KEYS[1])
  else
    rcall('HSET', KEYS[1], 'x', fmt(now + IDEMPOTENCY_TTL_MS), 'r', ARGV[4])
    rcall('PEXPIRE', KEYS[1], IDEMPOTENCY_TTL_MS)
  end
  return {1}
end

local SETTLED, REPEATED, SETTLE_CONFLICT, UNKNOWN, EXPIRED = 0, 1, 2, 3, 4

-- Reply: status, held, now, hasPayload, payload, madeAt (0: not known), change count, then each
-- change's six fields. madeAt goes to the commit's ledger row: the spend counts from then.
local function settle_reply(status, now, rec, changes)
  local out = {status, tonumber(rec.h or '0'), now, rec.p and 1 or 0, rec.p or '', tonumber(rec.t or '0'), #changes}
  for _, c in ipairs(changes) do
    for j = 1, 6 do out[#out + 1] = c[j] end
  end
  return out
end

-- KEYS: epoch, expiries, reservation record
-- ARGV: call, offset, commit(0|1), actualCostNanos, fingerprint, meterCount, then meter, value pairs,
--       then claimed (1: a part on Redis Cluster, whose home record claimed the settlement), then
--       the deadline (0: none)
local function settle()
  local now = clock(tonumber(ARGV[2]))
  local m = tonumber(ARGV[6])
  if too_late(tonumber(ARGV[8 + 2 * m]), now) then return {TOO_LATE, 0, now, 0, '', 0, 0} end
  bookKey = KEYS[1]
  local rkey = KEYS[3]
  -- The claim found the reservation unexpired and took the settlement: a part settles on its terms
  -- however late this call runs after it, rather than expire in between (returning the holds the
  -- commit was to replace, and charging nothing).
  local claimed = ARGV[7 + 2 * m] == '1'
  release_expired(KEYS[2], now, claimed and rkey)
  local rec = load_reservation(rkey)
  if not rec then persist(now); return {UNKNOWN, 0, now, 0, '', 0, 0} end
  if rec.s == 'a' and not claimed and tonumber(rec.e) <= now then
    -- expired: release_expired above has returned its holds (a reservation without holds is not
    -- indexed, and has none to return)
    persist(now)
    expire_record(rkey, rec)
    return {EXPIRED, 0, now, 0, '', 0, 0}
  end
  -- A part another call released as expired after the claim (this call only keeps its own record
  -- from expiring): its holds and slots are back, and a commit charges the actual cost on its own.
  local late = rec.s == 'x' and claimed and rec.n ~= nil
  if rec.s == 'x' and not late then persist(now); return {EXPIRED, 0, now, 0, '', 0, 0} end
  if rec.s == 'd' then
    persist(now)
    local changes = {}
    for i = 1, tonumber(rec.m) do changes[i] = split(rec['c' .. i]) end
    return settle_reply(rec.f == ARGV[5] and REPEATED or SETTLE_CONFLICT, now, rec, changes)
  end
  local commit = ARGV[3] == '1'
  local meters = {}
  for i = 1, tonumber(ARGV[6]) do meters[ARGV[5 + 2 * i]] = tonumber(ARGV[6 + 2 * i]) end
  local changes = undo(rkey, rec, commit, tonumber(ARGV[4]), meters, now, late)
  for i = 1, late and 0 or tonumber(rec.n) do
    if string.sub(rec['o' .. i], 1, 1) ~= 'R' then rcall('ZREM', KEYS[2], rkey); break end
  end
  persist(now)
  settle_record(rkey, 'd', ARGV[5], rec, changes)
  return settle_reply(SETTLED, now, rec, changes)
end

-- Resets the subject whose hash tag the mark's key carries, at once: marks the reset with Redis
-- time, so that reservations made until now settle without touching its counters (undo), and
-- deletes every counter it has: prefix{subject}name for each name registered beside the epoch
-- marker (see `register`). A decision runs wholly before or wholly after it.
-- KEYS: reset mark, epoch marker (the node's, or the subject's slot's).  ARGV: call, offset, deadline
-- Reply: 0 (or TOO_LATE), the counters deleted, now
local function reset()
  local now = clock(tonumber(ARGV[2]))
  if too_late(tonumber(ARGV[3]), now) then return {TOO_LATE, 0, now} end
  local mark = KEYS[1]
  rcall('SET', mark, fmt(now), 'PX', RESET_MARK_TTL_MS)
  -- prefix 'reset:' '{' subject '}' gives the counters' prefix '{' subject '}'
  local open = find(mark, '{', 1, true)
  local head = sub(mark, 1, open - 7) .. sub(mark, open)
  local deleted, doomed = 0, {}
  for _, name in ipairs(rcall('ZRANGE', names_key(KEYS[2]), 0, -1)) do
    doomed[#doomed + 1] = head .. name
    if #doomed == 1000 then
      deleted = deleted + rcall('UNLINK', unpack(doomed))
      doomed = {}
    end
  end
  if #doomed > 0 then deleted = deleted + rcall('UNLINK', unpack(doomed)) end
  return {0, deleted, now}
end

-- KEYS: budget counter, epoch marker.  ARGV: call, offset, nanos, periodEndMs, fired (the alert bits
-- the seeded spend already crossed, as a signed 32-bit integer: any counts every level up to it),
-- missingAt (when the caller was told the counter was missing), alertedUpTo (levels up to it count
-- as alerted too, above the spend: the lost counter alerted them; NONE for none), deadline
-- Reply: 1 if it seeded (0 if the counter existed or its subject was reset after missingAt,
-- TOO_LATE), 0, now
-- (Such a reset may have come after the caller read the spend it seeds, which it forgave; one in
-- missingAt's own millisecond counts as seen, as spend in a reset's millisecond still counts.)
local function seed()
  local now = clock(tonumber(ARGV[2]))
  if too_late(tonumber(ARGV[8]), now) then return {TOO_LATE, 0, now} end
  bookKey = KEYS[2]
  if rcall('EXISTS', KEYS[1]) == 0 and not reset_since(KEYS[1], tonumber(ARGV[6]) + 1, {}) then
    local endMs = tonumber(ARGV[4])
    local alerted = tonumber(ARGV[5]) ~= 0 and ARGV[3] or fmt(NONE)
    if tonumber(ARGV[7]) > tonumber(alerted) then alerted = ARGV[7] end
    rcall('HSET', KEYS[1], 'u', ARGV[3], 'a', alerted, 'e', ARGV[4], 'd', fmt(now))
    rcall('PEXPIRE', KEYS[1], max(endMs - now, 0) + BUDGET_SLACK_MS)
    register(KEYS[1], now)
    return {1, 0, now}
  end
  return {0, 0, now}
end

-- Catches up a stale budget counter (see `budget`): adds the spend the ledger holds for it after its
-- last decision, if that is still the time the caller was told (else another caller caught it up
-- or decided on it since, or it is gone: nothing changes), and makes it current from now on, or
-- from the engine's marker if that is later (a Redis clock behind the engine's would otherwise
-- leave it stale). Answers the alert levels the spend crossed first, as a charge would.
-- KEYS: budget counter.  ARGV: call, offset, nanos, decided (as told), marker, limit, then the alert
-- levels, then the deadline
-- Reply: 1 if it caught up (0 if not, or TOO_LATE), the counter's spend, now, the bits newly fired
local function catch_up()
  local now = clock(tonumber(ARGV[2]))
  if too_late(tonumber(ARGV[#ARGV]), now) then return {TOO_LATE, 0, now, 0} end
  local raw = rcall('HMGET', KEYS[1], 'u', 'f', 'e', 'a', 'd')
  local decided = tonumber(raw[5])
  if not raw[1] or decided ~= tonumber(ARGV[4]) then return {0, 0, now, 0} end
  local used = tonumber(raw[1])
  local alerted = alerted_up_to(raw[4], raw[2], used)
  used = budget_use(used, tonumber(ARGV[3]))
  local thresholds = {}
  for i = 7, #ARGV - 1 do thresholds[#thresholds + 1] = tonumber(ARGV[i]) end
  local newly, top = crossed(used, tonumber(ARGV[6]), thresholds, alerted)
  rcall('HSET', KEYS[1], 'u', fmt(used), 'a', fmt(top), 'd', fmt(max(decided, now, tonumber(ARGV[5]))))
  return {1, used, now, newly}
end

-- The reservation filed under KEYS[1] if it is still held: not settled, and unexpired at Redis time
-- (one past its expiry is gone, whether or not a call has released it yet). Reads only. The key is
-- a record (see load_reservation) or, on Redis Cluster, a home record (a hash, see `home`).
-- KEYS: reservation record.  ARGV: call, offset
-- Reply: held (1 or 0), expiresAt, now, hasPayload, payload
local function peek()
  local now = clock(tonumber(ARGV[2]))
  local rec
  if rcall('TYPE', KEYS[1]).ok == 'hash' then rec = load_hash(KEYS[1]) else rec = load_reservation(KEYS[1]) end
  if not rec or rec.s ~= 'a' or tonumber(rec.e) <= now then return {0, 0, now, 0, ''} end
  return {1, tonumber(rec.e), now, rec.p and 1 or 0, rec.p or ''}
end

local function run(keys, args)
  if not format then
    format, find, sub, match = string.format, string.find, string.sub, string.match
    floor, max, min, rcall = math.floor, math.max, math.min, redis.call
    FALSES = {}
    slotKey, slotP, slotJ, slotLate, slotFields, slotTtl = {}, {}, {}, {}, {}, {}
    for i = 1, QUICK_MAX_OPS do
      slotKey[i], slotP[i], slotJ[i], slotLate[i], slotFields[i], slotTtl[i] = false, false, 0, false, false, false
    end
    for i = 1, 6 + QUICK_WIDTH * QUICK_MAX_OPS do FALSES[i] = false end
  end
  KEYS, ARGV = keys, args
  local call = ARGV[1]
  -- a batch that failed as a whole (an error outside any one decision) may have left these set
  batchTime, inBatch, bookKey = nil, false, nil
  if next(namesSeen) then namesSeen = {} end -- another call may have changed the registries since
  if call == 'apply' then return apply(0, 0)
  elseif call == 'batch' then return batch()
  end
  cache, order, deferred = {}, {}, nil
  if call == 'settle' then return settle()
  elseif call == 'seed' then return seed()
  elseif call == 'catch_up' then return catch_up()
  elseif call == 'reset' then return reset()
  elseif call == 'group' then return group()
  elseif call == 'compensate' then return compensate()
  elseif call == 'home' then return home()
  elseif call == 'claim' then return claim()
  elseif call == 'idem_claim' then return idem_claim()
  elseif call == 'idem_finish' then return idem_finish()
  elseif call == 'now' then return {clock(tonumber(ARGV[2]))}
  elseif call == 'peek' then return peek()
  end
  return error({err = 'QUOTA_CALL unknown call ' .. tostring(call)})
end
