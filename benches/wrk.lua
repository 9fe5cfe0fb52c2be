-- Counts every answer that is not 2xx (wrk itself counts only 4xx and 5xx, so a redirect to
-- the sign-in page would pass unseen) and ends the report with one line for the scripts:
-- RESULT requests=… rps=… p50_ms=… p99_ms=… non2xx=… socket_errors=…

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local rejected = 0
  for _, thread in ipairs(threads) do
    rejected = rejected + thread:get("non2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    rejected,
    errors.connect + errors.read + errors.write + errors.timeout
  ))
end
