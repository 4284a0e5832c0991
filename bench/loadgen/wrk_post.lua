-- wrk script for the direct-HTTP limit: POSTs the file named by WRK_BODY_FILE
-- to the URL given to wrk (the stand-in's /v1/videos/advanced-lip-sync) with
-- the stand-in's API key, and prints one JSON line at the end. Non-2xx/3xx
-- answers are wrk's "status" errors; bench/run.sh fails the run on any error.
-- WRK_ACCEPT_ENCODING, when set, is sent as Accept-Encoding (run.sh sets it
-- to the gateway's value for one extra run: cpp-httplib compresses answers
-- when asked, brotli included, which costs the stand-in ~1 ms per answer).
--   WRK_BODY_FILE=body.json WRK_API_KEY=sim-key \
--     wrk -t2 -c64 -d10s -s wrk_post.lua http://127.0.0.1:PORT/v1/videos/advanced-lip-sync
local path = os.getenv("WRK_BODY_FILE")
local file = assert(io.open(path, "rb"), "cannot open WRK_BODY_FILE " .. tostring(path))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_API_KEY") or "sim-key")
local accept_encoding = os.getenv("WRK_ACCEPT_ENCODING")
if accept_encoding and accept_encoding ~= "" then
  wrk.headers["Accept-Encoding"] = accept_encoding
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"tool":"wrk","calls":%d,"duration_s":%.4f,"rps":%.4f,' ..
    '"p50_ms":%.4f,"p90_ms":%.4f,"p99_ms":%.4f,"max_ms":%.4f,"mean_ms":%.4f,' ..
    '"bytes_read":%d,"body_bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"failed":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    summary.bytes, #wrk.body, e.connect, e.read, e.write, e.status, e.timeout,
    e.connect + e.read + e.write + e.status + e.timeout))
end
