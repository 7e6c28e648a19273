-- wrk script of bench/run: POST /orgs/SLUG/invitations as the owner, each
-- request to a new address:
--
--   wrk ... -s invite.lua URL -- SLUG COOKIE CSRF RUN
--
-- COOKIE is the owner's whole Cookie header, CSRF its token; RUN tells
-- the addresses of one run from another's (inv-RUN-THREAD-N@...).

local n = 0

function setup(thread)
	thread:set("tid", n)
	n = n + 1
end

function init(args)
	path = "/orgs/" .. args[1] .. "/invitations"
	headers = {
		["Content-Type"] = "application/x-www-form-urlencoded",
		["Cookie"] = args[2],
	}
	tail = "%40bench.example&role=member&csrf_token=" .. args[3]
	prefix = "email=inv-" .. args[4] .. "-" .. tid .. "-"
	k = 0
end

function request()
	k = k + 1
	return wrk.format("POST", path, headers, prefix .. k .. tail)
end
