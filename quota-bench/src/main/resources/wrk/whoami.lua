-- GET /v1/whoami with the API key: the most trivial authenticated JSON endpoint of the server.
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(dir .. "report.lua")

wrk.method = "GET"
wrk.path = "/v1/whoami"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("QUOTA_BENCH_KEY")

done = function(summary, latency, requests)
  report(summary, latency)
end
