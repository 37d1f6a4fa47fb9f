-- GET requests with the bearer token: wrk ... -s get.lua URL -- TOKEN
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
   authorize(args)
end
