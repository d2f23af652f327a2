-- wrk script: spreads GETs over OBJECT_COUNT ids (env, default 10000) on
-- PATH_PREFIX (env, default /features/object/) and, when done, prints one
-- key=value line per metric (latencies in milliseconds).
local count = tonumber(os.getenv("OBJECT_COUNT") or "10000")
local prefix = os.getenv("PATH_PREFIX") or "/features/object/"
local counter = 0

function setup(thread)
  thread:set("offset", math.random(0, count - 1))
end

function request()
  counter = counter + 1
  return wrk.format("GET", prefix .. ((offset + counter) % count))
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("requests=%d\n", summary.requests))
  io.write(string.format("duration_s=%.2f\n", secs))
  io.write(string.format("rps=%.1f\n", summary.requests / secs))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%s_ms=%.3f\n", tostring(p):gsub("%.", ""), latency:percentile(p) / 1000))
  end
  io.write(string.format("max_ms=%.3f\n", latency.max / 1000))
  io.write(string.format("errors_non2xx=%d\n", e.status))
  io.write(string.format("errors_socket=%d\n", e.connect + e.read + e.write + e.timeout))
end
