-- A throw-away database at 10^6 invitations for bench/explain.pl: 10,000
-- organizations with 950,000 invitations among them (5% open) and an
-- outbox row each, and the benchmark organization "bench" (id 10001: 50
-- members, 20 open invitations, 49,980 ended ones over 60 days by its
-- owner, user 100001); 100,000 sessions, 200,000 rate-limit events.
\set ON_ERROR_STOP 1
BEGIN;
INSERT INTO users (email, display_name, password_hash, email_confirmed_at)
SELECT 'u' || g || '@seed.example', 'User ' || g, 'x', now() FROM generate_series(1, 100000) g;
INSERT INTO organizations (slug, name, created_by)
SELECT 'org-' || g, 'Org ' || g, g FROM generate_series(1, 10000) g;
INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
SELECT g, g, 'owner', 'active', 'creator', now() FROM generate_series(1, 10000) g;
-- other members: 5 per org
INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
SELECT 1 + (g % 10000), 10001 + g, 'member', 'active', 'invitation', now() FROM generate_series(0, 49999) g;
-- the bench organization: owner user 100001, 49 more members, 20 open invitations
INSERT INTO users (email, display_name, password_hash, email_confirmed_at)
SELECT 'member' || g || '@bench.example', 'Member ' || g, 'x', now() FROM generate_series(0, 49) g;
INSERT INTO organizations (slug, name, created_by) VALUES ('bench', 'Bench Org', 100001);
INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
SELECT 10001, 100001 + g, CASE g WHEN 0 THEN 'owner' ELSE 'member' END, 'active', 'invitation', now()
FROM generate_series(0, 49) g;
-- 10^6 invitations: 950,000 across the 10,000 organizations (5% open),
-- 50,000 ended ones of the bench organization over 60 days, by its owner
INSERT INTO invitations (organization_id, email, role, hashed_token, invited_by, created_at, expires_at, accepted_at)
SELECT 1 + (g % 10000), 'i' || g || '@seed.example', 'member', sha256(convert_to('t' || g, 'UTF8')),
       1 + (g % 10000), now() - (g % 1440) * interval '1 hour',
       now() - (g % 1440) * interval '1 hour' + interval '7 days',
       CASE WHEN g % 20 <> 0 THEN now() - (g % 1440) * interval '1 hour' + interval '1 hour' END
FROM generate_series(1, 950000) g;
INSERT INTO invitations (organization_id, email, role, hashed_token, invited_by, created_at, expires_at, accepted_at)
SELECT 10001, 'b' || g || '@seed.example', 'member', sha256(convert_to('b' || g, 'UTF8')),
       100001, now() - (g % 1440) * interval '1 hour' - interval '2 hours',
       now() - (g % 1440) * interval '1 hour' + interval '5 days', now() - (g % 1440) * interval '1 hour'
FROM generate_series(1, 49980) g;
INSERT INTO invitations (organization_id, email, role, hashed_token, invited_by, created_at, expires_at)
SELECT 10001, 'pending' || g || '@bench.example', 'member', sha256(convert_to('p' || g, 'UTF8')),
       100001, now() - g * interval '1 minute', now() + interval '7 days'
FROM generate_series(1, 20) g;
INSERT INTO outbox (kind, recipient, body, status, invitation_id, sent_at)
SELECT 'invitation', i.email, NULL, 'sent', i.id, i.created_at FROM invitations i;
INSERT INTO sessions (token_hash, user_id, expires_at)
SELECT sha256(convert_to('s' || g, 'UTF8')), 1 + (g % 100050), now() + interval '30 days'
FROM generate_series(1, 100000) g;
INSERT INTO sessions (token_hash, user_id, expires_at)
VALUES (sha256(convert_to('bench-session', 'UTF8')), 100001, now() + interval '30 days');
INSERT INTO rate_events (bucket, at)
SELECT 'invite-to:' || (g % 50000), now() - (g % 86400) * interval '1 second' FROM generate_series(1, 200000) g;
COMMIT;
VACUUM ANALYZE;
