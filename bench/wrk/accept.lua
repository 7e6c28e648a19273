-- wrk script of bench/run: POST /invitations/accept, each request with
-- another invitee's link, session cookie and CSRF token, read from a file
-- of "token<TAB>cookie<TAB>csrf" lines (bench/stack.pl's accept.tsv):
--
--   wrk ... -s accept.lua URL -- FILE FIRST SLICE
--
-- Thread t (0-based) sends lines FIRST + t*SLICE, FIRST + t*SLICE + 1, ...
-- (0-based): no two requests of a run accept the same invitation as long
-- as no thread sends more than SLICE, nor do two runs when each starts
-- past the lines the one before it may have used.

local n = 0

function setup(thread)
	thread:set("tid", n)
	n = n + 1
end

function init(args)
	rows = {}
	for l in io.lines(args[1]) do
		local tok, cookie, csrf = l:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
		rows[#rows + 1] = { tok, cookie, csrf }
	end
	first = tonumber(args[2])
	slice = tonumber(args[3])
	k = 0
end

function request()
	local i = first + tid * slice + k
	k = k + 1
	-- Past the slice or the file: the line again, which Roster refuses
	-- (counted as a wrong status by bench/run).
	if k > slice then i = first + tid * slice end
	local r = rows[math.min(i + 1, #rows)]
	return wrk.format("POST", "/invitations/accept", {
		["Content-Type"] = "application/x-www-form-urlencoded",
		["Cookie"] = "roster_session=" .. r[2],
	}, "token=" .. r[1] .. "&csrf_token=" .. r[3])
end
