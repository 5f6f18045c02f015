-- wrk script used by bench/overload: POST the file named by $WRK_BODY_FILE as
-- JSON, count answers per HTTP status, and print one machine-readable line at
-- the end (latencies in microseconds, statuses summed over wrk's threads).
local path = assert(os.getenv("WRK_BODY_FILE"), "WRK_BODY_FILE is not set")
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us": %.0f, "requests": %.0f, "connect": %.0f, "read": %.0f, '
      .. '"write": %.0f, "timeout": %.0f, "p50_us": %.0f, "p99_us": %.0f, "max_us": %.0f, '
      .. '"statuses": {%s}}\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, table.concat(parts, ", ")))
end
