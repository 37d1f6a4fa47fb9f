-- PATCH `replace /status` on existing leads, cycling through ids 1..COUNT and a few statuses:
-- wrk ... -s patch.lua URL -- TOKEN COUNT
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local statuses = { "prospect", "qualified", "calledNoReply", "notReady", "viewingsInProgress" }
local threads = 0
local count, n

-- Runs in the main state once per thread before `init`: threads start at distant ids.
function setup(thread)
   thread:set("offset", threads * 7919)
   threads = threads + 1
end

function init(args)
   authorize(args)
   count = tonumber(args[2])
   n = offset or 0
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   n = n + 1
   local body = string.format(
      '{"operations": [{"op": "replace", "path": "/status", "value": "%s"}]}',
      statuses[n % #statuses + 1])
   return wrk.format("PATCH", "/leads/" .. (n % count + 1), nil, body)
end
