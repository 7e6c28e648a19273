-- The hot queries of docs/performance.md, as Roster sends them (captured
-- with log_statement = all by bench/statements.pl -v), each prepared and
-- run once, then EXPLAIN (ANALYZE, BUFFERS) on the data of
-- bench/explain-seed.sql. Writes are rolled back. Run by bench/explain.pl.
\pset pager off
\echo ==== session lookup and touch (GET /orgs/{slug}, every signed-in request)
PREPARE session_lookup AS WITH s AS (SELECT id, user_id, last_seen_at FROM sessions   WHERE token_hash = $1 AND expires_at > now()   AND last_seen_at > now() - make_interval(secs => $2)), t AS (UPDATE sessions SET last_seen_at = now() FROM s   WHERE sessions.id = s.id   AND s.last_seen_at < now() - interval '60 seconds') SELECT u.id, u.email, u.display_name, u.email_confirmed_at IS NOT NULL, u.is_platform_admin FROM s JOIN users u ON u.id = s.user_id;
EXECUTE session_lookup(sha256(convert_to('bench-session', 'UTF8')), 86400) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE session_lookup(sha256(convert_to('bench-session', 'UTF8')), 86400);
\echo ==== organization and my membership (every /orgs/{slug} page and action)
PREPARE org_for AS SELECT o.id, o.slug, o.name, o.join_enabled, array_to_string(o.join_fields, ','), coalesce(m.role, ''), coalesce(m.status, '') FROM organizations o LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = $2 WHERE o.slug = $1;
EXECUTE org_for('bench', 100001) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE org_for('bench', 100001);
\echo ==== members of the organization (GET /orgs/{slug})
PREPARE members AS SELECT m.id, m.user_id, u.email, u.display_name, m.role, m.status, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), m.organization_id, m.source, extract(epoch FROM m.created_at)::bigint FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 ORDER BY array_position(ARRAY['owner','admin','member'], m.role), u.email;
EXECUTE members(10001) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE members(10001);
\echo ==== open invitations of the organization, with delivery state (GET /orgs/{slug})
PREPARE invitations AS SELECT i.id, i.organization_id, o.slug, o.name, i.email, i.role, i.invited_by, coalesce((SELECT n.display_name FROM users n   WHERE n.id = i.invited_by), ''), to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), extract(epoch FROM i.expires_at)::bigint, coalesce(d.status, 'queued'), CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'   WHEN i.revoked_at IS NOT NULL THEN 'revoked'   WHEN i.declined_at IS NOT NULL THEN 'declined'   WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END, CASE WHEN d.status = 'failed' THEN coalesce(d.last_error, '')   ELSE '' END FROM invitations i JOIN organizations o ON o.id = i.organization_id LEFT JOIN LATERAL (SELECT x.status, x.last_error FROM outbox x   WHERE x.invitation_id = i.id ORDER BY x.id DESC LIMIT 1) d ON true WHERE i.organization_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.declined_at IS NULL ORDER BY i.created_at DESC, i.id DESC;
EXECUTE invitations(10001) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invitations(10001);
\echo ==== BEFORE: the same list with the inviter joined (the plan the change removed)
PREPARE invitations_old AS SELECT i.id, i.organization_id, o.slug, o.name, i.email, i.role, i.invited_by, coalesce(u.display_name, ''), to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), extract(epoch FROM i.expires_at)::bigint, coalesce((SELECT status FROM outbox x WHERE x.invitation_id = i.id   ORDER BY x.id DESC LIMIT 1), 'queued'), CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'   WHEN i.revoked_at IS NOT NULL THEN 'revoked'   WHEN i.declined_at IS NOT NULL THEN 'declined'   WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END, coalesce((SELECT last_error FROM outbox x   WHERE x.invitation_id = i.id AND x.status = 'failed'   ORDER BY x.id DESC LIMIT 1), '') FROM invitations i JOIN organizations o ON o.id = i.organization_id LEFT JOIN users u ON u.id = i.invited_by WHERE i.organization_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.declined_at IS NULL ORDER BY i.created_at DESC, i.id DESC;
EXECUTE invitations_old(10001) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invitations_old(10001);
\echo ==== the invitation of a link, its inviter and whether the invitee has an account (GET and POST /invitations/accept)
PREPARE link AS SELECT i.id, i.organization_id, o.slug, o.name, i.email, i.role, i.invited_by, coalesce(u.display_name, ''), to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), extract(epoch FROM i.expires_at)::bigint, '', CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'   WHEN i.revoked_at IS NOT NULL THEN 'revoked'   WHEN i.declined_at IS NOT NULL THEN 'declined'   WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END, '', u.id IS NOT NULL AS inviter_exists, coalesce(u.is_platform_admin, false) AS inviter_admin, coalesce(im.role, '') AS inviter_role, EXISTS (SELECT 1 FROM users k WHERE k.email = i.email) AS invitee_known  FROM invitations i JOIN organizations o ON o.id = i.organization_id LEFT JOIN users u ON u.id = i.invited_by LEFT JOIN memberships im ON im.organization_id = i.organization_id AND im.user_id = u.id AND im.status = 'active' WHERE i.hashed_token = $1;
EXECUTE link(sha256(convert_to('p7', 'UTF8'))) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE link(sha256(convert_to('p7', 'UTF8')));
\echo ==== the invitation rate limiter: four counts in one statement (POST /orgs/{slug}/invitations)
PREPARE rate AS WITH w AS (SELECT now() - make_interval(secs => $5) AS t) SELECT (SELECT count(*) FROM invitations, w   WHERE invited_by = $1 AND created_at > w.t) +  (SELECT count(*) FROM rate_events, w   WHERE bucket = $3 AND at > w.t),  (SELECT count(*) FROM invitations, w   WHERE organization_id = $2 AND created_at > w.t) +  (SELECT count(*) FROM rate_events, w   WHERE bucket = $4 AND at > w.t);
EXECUTE rate(100001, 10001, 'owner-add:user:100001', 'owner-add:org:10001', 3600) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE rate(100001, 10001, 'owner-add:user:100001', 'owner-add:org:10001', 3600);
\echo ==== the per-recipient cap, counted and taken (POST /orgs/{slug}/invitations; rolled back)
PREPARE take AS WITH c AS (SELECT count(*) FILTER (WHERE at > now() -   interval '1 hour') AS h, count(*) AS d FROM rate_events   WHERE bucket = $1 AND at > now() - interval '1 day'), i AS (INSERT INTO rate_events (bucket) SELECT $1 FROM c   WHERE c.h < $2::bigint AND c.d < $3::bigint) SELECT h, d FROM c;
BEGIN;
EXECUTE take('invite-to:77', 20, 50) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE take('invite-to:77', 20, 50);
ROLLBACK;
\echo ==== is the address an active member already (POST /orgs/{slug}/invitations)
PREPARE member_email AS SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 AND u.email = $2 AND m.status = $3;
EXECUTE member_email(10001, 'fresh@bench.example', 'active') \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE member_email(10001, 'fresh@bench.example', 'active');
\echo ==== the open row of the address, locked (POST /orgs/{slug}/invitations)
PREPARE open_for AS SELECT i.id, i.organization_id, o.slug, o.name, i.email, i.role, i.invited_by, coalesce((SELECT n.display_name FROM users n   WHERE n.id = i.invited_by), ''), to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), extract(epoch FROM i.expires_at)::bigint, coalesce(d.status, 'queued'), CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'   WHEN i.revoked_at IS NOT NULL THEN 'revoked'   WHEN i.declined_at IS NOT NULL THEN 'declined'   WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END, CASE WHEN d.status = 'failed' THEN coalesce(d.last_error, '')   ELSE '' END FROM invitations i JOIN organizations o ON o.id = i.organization_id LEFT JOIN LATERAL (SELECT x.status, x.last_error FROM outbox x   WHERE x.invitation_id = i.id ORDER BY x.id DESC LIMIT 1) d ON true WHERE i.organization_id = $1 AND i.email = $2 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.declined_at IS NULL FOR UPDATE OF i;
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE open_for(10001, 'pending3@bench.example');
ROLLBACK;
\echo ==== accepting: the membership inserted (POST /invitations/accept; rolled back)
PREPARE member_insert AS INSERT INTO memberships (organization_id, user_id, role, status, source, added_by, activated_at) VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4 = 'active' THEN now() END) ON CONFLICT (organization_id, user_id) DO NOTHING RETURNING id;
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE member_insert(10001, 99999, 'member', 'active', 'invitation', 100001);
ROLLBACK;
\echo ==== accepting: the invitation stamped (POST /invitations/accept; rolled back)
PREPARE stamp AS UPDATE invitations i SET accepted_at = now(), accepted_by = $2 WHERE i.id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.declined_at IS NULL;
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE stamp(999987, 99999);
ROLLBACK;
\echo ==== sizes
SELECT (SELECT count(*) FROM invitations) AS invitations, (SELECT count(*) FROM outbox) AS outbox, (SELECT count(*) FROM organizations) AS organizations, (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM memberships) AS memberships, (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM rate_events) AS rate_events;
