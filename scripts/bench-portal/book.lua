-- wrk: POST /api/v1/appointments as sui.roma (HTTP Basic), fingerprinting at DEMO-Q for a random
-- demo pratica P-DEMO-000000000000 … P-DEMO-000000099999, as redis-benchmark's
-- `BOOK DEMO-Q fotosegnalamento P-DEMO-__rand_int__ -r 100000` does over RESP.
-- A pratica drawn twice is refused (409 CONFLICT, recorded), as RESP's EXISTING repeat is
-- recorded: both append one record. Counts the replies by status.
wrk.method = "POST"
wrk.path = "/api/v1/appointments"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic c3VpLnJvbWE6ZGVtbw==" -- sui.roma:demo

local PRATICHE = tonumber(os.getenv("AGENDA_BENCH_PRATICHE") or "100000")
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

booked, refused, other = 0, 0, 0

function init(args)
  -- Each thread its own sequence (they would otherwise all draw the same pratiche).
  math.randomseed(os.time() * 1000 + id * 7919)
end

function request()
  local body = string.format('{"office":"DEMO-Q","service":"fotosegnalamento","pratica":"P-DEMO-%012d"}',
                             math.random(0, PRATICHE - 1))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    booked = booked + 1
  elseif status == 409 then
    refused = refused + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local b, r, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    b = b + thread:get("booked")
    r = r + thread:get("refused")
    o = o + thread:get("other")
  end
  io.write(string.format("replies: %d booked (201), %d already booked (409 CONFLICT), %d other\n", b, r, o))
end
