-- POST the same JSON body again and again: wrk ... -s create.lua URL/leads -- TOKEN BODY_FILE
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
   authorize(args)
   local file = assert(io.open(args[2], "rb"))
   wrk.body = file:read("*a")
   file:close()
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end
