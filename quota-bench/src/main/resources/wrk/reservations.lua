-- POST /v1/reservations for user u0..u(N-1) in turn, each with a small estimated cost. The
-- reservations are never committed: they stay held until they expire, as abandoned calls would.
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(dir .. "report.lua")

local users = tonumber(os.getenv("QUOTA_BENCH_USERS") or "10000")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("QUOTA_BENCH_KEY"),
  ["Content-Type"] = "application/json",
}
local n = 0

request = function()
  n = n + 1
  local body = '{"subjects":{"user":"u' .. (n % users) .. '"},"estimatedCost":"0.0001"}'
  return wrk.format("POST", "/v1/reservations", headers, body)
end

done = function(summary, latency, requests)
  report(summary, latency)
end
