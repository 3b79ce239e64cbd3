-- wrk script shared by every scenario. Arguments (after `--`):
--   1 method, 2 path (a "{id}" in it is replaced by a random id), 3 Authorization header,
--   4 file of ids (one a line, or "-"), 5 file holding the request body (or "-").
-- done() prints one line "BENCH_JSON {...}" that bench/load.py parses.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(lines, line) end
  end
  return lines
end

local ids = {}
local prefix, suffix = nil, nil

function init(args)
  wrk.method = args[1]
  wrk.path = args[2]
  wrk.headers["Authorization"] = args[3]
  if args[4] ~= "-" then
    ids = read_lines(args[4])
    prefix, suffix = string.match(args[2], "^(.-){id}(.*)$")
  end
  if args[5] ~= "-" then
    local file = io.open(args[5], "rb")
    wrk.body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = "application/json"
  end
  math.randomseed(os.time())
  -- the first error response of this thread, read by done() through thread:get()
  error_status, error_body = 0, ""
end

function request()
  if prefix ~= nil then
    return wrk.format(nil, prefix .. ids[math.random(#ids)] .. suffix)
  end
  return wrk.format()
end

function response(status, headers, body)
  if status >= 400 and error_status == 0 then
    error_status, error_body = status, body
  end
end

local function json_string(text)
  text = string.gsub(text, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. text .. '"'
end

function done(summary, latency, requests)
  local samples = {}
  for _, thread in ipairs(threads) do
    local status = thread:get("error_status")
    if status ~= nil and status ~= 0 then
      table.insert(samples, string.format('{"status": %d, "body": %s}', status,
        json_string(string.sub(thread:get("error_body"), 1, 2000))))
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"error_samples": [%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, table.concat(samples, ", ")))
end
