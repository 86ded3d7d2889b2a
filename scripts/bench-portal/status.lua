-- wrk: POST /api/v1/status, the public permit check, always the same question (a person who
-- does not exist: the answer is `unknown`, which costs the same as any other by design).
-- Counts the replies by status, since most of them are the rate limit's 429 (see bench-portal.sh).
wrk.method = "POST"
wrk.path = "/api/v1/status"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"surname":"Nessuno","name":"Mario","birthDate":"1970-01-01","fingerprintDate":"2026-01-05"}'

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Globals, not locals: done() reads each thread's own copy with thread:get.
answered, limited, other = 0, 0, 0

function response(status, headers, body)
  if status == 200 then
    answered = answered + 1
  elseif status == 429 then
    limited = limited + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local a, l, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("answered")
    l = l + thread:get("limited")
    o = o + thread:get("other")
  end
  io.write(string.format("replies: %d answered (200), %d refused (429 LIMIT), %d other\n", a, l, o))
end
