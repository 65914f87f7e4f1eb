-- POST /v1/reservations for user u0..u(N-1) in turn, each with a small estimated cost. The
-- reservations are never committed: they stay held until they expire, as abandoned calls would.
--
-- The requests are formatted once, before the run: formatting one per request cost wrk several
-- microseconds of the core it shares with redis-server, which the trivial endpoint's fixed request
-- does not, so the two endpoints would not have met the same load generator.
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(dir .. "report.lua")

local users = tonumber(os.getenv("QUOTA_BENCH_USERS") or "10000")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("QUOTA_BENCH_KEY"),
  ["Content-Type"] = "application/json",
}
local prepared = {}
local n = 0

-- Run in the thread once wrk has set its headers (its Host among them); formatted any earlier, a
-- request would carry the Host header twice.
init = function(args)
  for i = 0, users - 1 do
    local body = '{"subjects":{"user":"u' .. i .. '"},"estimatedCost":"0.0001"}'
    prepared[i + 1] = wrk.format("POST", "/v1/reservations", headers, body)
  end
end

request = function()
  n = n % users + 1
  return prepared[n]
end

done = function(summary, latency, requests)
  report(summary, latency)
end
