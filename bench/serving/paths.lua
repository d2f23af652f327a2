-- wrk script for the serving benchmark: GETs paths drawn at random from the
-- file in PATHS (one path per line), with the Accept header in ACCEPT (default
-- application/octet-stream), and when done prints one JSON line (latencies in ms).
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local accept = os.getenv("ACCEPT") or "application/octet-stream"

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], { ["Accept"] = accept })
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "rps": %.1f, "p50": %.3f, "p99": %.3f, "p999": %.3f, "non2xx": %d, "errors": %d}\n',
    summary.requests, summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
