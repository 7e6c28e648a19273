-- Webhooks (SPEC §7.5, §7.6): an organization's owners register endpoints
-- for chosen events; each event becomes one delivery per subscribed
-- endpoint, written by the statement that writes the change's audit event
-- (src/db/db_audit.c), so it commits or rolls back with the change. The
-- mailer delivers them (src/mail/mail_webhook.c).

CREATE TABLE webhooks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id  bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    url              text NOT NULL,
    events           text[] NOT NULL,
    -- The 32-byte signing key, sealed under the server's key (box_seal:
    -- nonce || ciphertext): a dump of the table cannot sign.
    secret           bytea NOT NULL,
    created_by       bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhooks_url_shape CHECK (
        length(url) BETWEEN 10 AND 2000
        AND url ~ '^https?://[^[:cntrl:][:space:]]+$'),
    CONSTRAINT webhooks_events_known CHECK (
        cardinality(events) BETWEEN 1 AND 8
        AND array_position(events, NULL) IS NULL
        AND events <@ ARRAY['invitation.created', 'invitation.accepted',
            'invitation.declined', 'invitation.revoked',
            'membership.created', 'membership.removed',
            'membership.role_changed', 'join_request.submitted']::text[]),
    CONSTRAINT webhooks_secret_length CHECK (length(secret) > 32)
);
CREATE INDEX webhooks_org_idx ON webhooks (organization_id, id);

-- One event for one endpoint. The body is kept while the delivery is
-- queued (every try sends the same bytes) and dropped once it ends.
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id       bigint NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event            text NOT NULL,
    -- The webhook-id header: the same on every try, so receivers can
    -- drop duplicates ('msg_' and the audit event's id).
    message_id       text NOT NULL,
    payload          text,
    status           text NOT NULL DEFAULT 'queued',
    attempts         integer NOT NULL DEFAULT 0,
    last_status      integer,
    last_error       text,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    CONSTRAINT webhook_deliveries_status CHECK (
        status IN ('queued', 'delivered', 'failed')),
    CONSTRAINT webhook_deliveries_payload_only_while_queued CHECK (
        (status = 'queued') = (payload IS NOT NULL)),
    CONSTRAINT webhook_deliveries_delivered_has_time CHECK (
        (status = 'delivered') = (delivered_at IS NOT NULL)),
    CONSTRAINT webhook_deliveries_attempts CHECK (attempts BETWEEN 0 AND 8)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'queued';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);

INSERT INTO mail_counters (name) VALUES
    ('webhooks_delivered_total'), ('webhooks_retried_total'),
    ('webhooks_failed_total');

-- The webhook event an audit action announces, or NULL. A membership
-- counts once it is active: an owner-add announces membership.created
-- when its user accepts, not while it waits; leaving is a removal. A
-- resend or re-invite is a new invitation (its payload names the one it
-- replaces). A join request is announced once it reaches the
-- organization: signed in at once, from the public form when confirmed.
CREATE FUNCTION webhook_event(action text, subject_id bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE action
        WHEN 'invitation.created' THEN 'invitation.created'
        WHEN 'invitation.resent' THEN 'invitation.created'
        WHEN 'invitation.accepted' THEN 'invitation.accepted'
        WHEN 'invitation.declined' THEN 'invitation.declined'
        WHEN 'invitation.revoked' THEN 'invitation.revoked'
        WHEN 'membership.created' THEN (
            SELECT 'membership.created' FROM memberships m
            WHERE m.id = subject_id AND m.status = 'active')
        WHEN 'membership.accepted' THEN 'membership.created'
        WHEN 'membership.removed' THEN 'membership.removed'
        WHEN 'membership.left' THEN 'membership.removed'
        WHEN 'membership.role_changed' THEN 'membership.role_changed'
        WHEN 'join_request.submitted' THEN 'join_request.submitted'
        WHEN 'join_request.confirmed' THEN 'join_request.submitted'
    END
$$;

-- An RFC 3339 time in UTC, as the API writes them.
CREATE FUNCTION webhook_time(t timestamptz)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- The body of an event: its type, when it happened, the organization and
-- the subject, with the field names of the API's objects (src/web/
-- web_api.c). Never a token, a link or a password hash: the subject's
-- rows hold only hashes of tokens, and none is selected here.
CREATE FUNCTION webhook_payload(event text, org_id bigint, subject_id bigint,
    data jsonb, at timestamptz)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'type', event,
        'timestamp', webhook_time(at),
        'data', jsonb_build_object('organization',
            jsonb_build_object('slug', o.slug, 'name', o.name))
            || coalesce(CASE split_part(event, '.', 1)
            WHEN 'invitation' THEN (
                SELECT jsonb_build_object('invitation', jsonb_build_object(
                    'id', i.id, 'email', i.email, 'role', i.role,
                    'status', CASE event
                        WHEN 'invitation.created' THEN 'pending'
                        ELSE split_part(event, '.', 2) END,
                    'expires_at', webhook_time(i.expires_at),
                    'invited_by', i.invited_by,
                    'replaces', CASE WHEN jsonb_typeof(data->'replaces') = 'number'
                        THEN data->'replaces' END))
                FROM invitations i WHERE i.id = subject_id)
            WHEN 'membership' THEN (
                SELECT jsonb_build_object('member', jsonb_build_object(
                    'user_id', u.id, 'email', u.email,
                    'display_name', u.display_name,
                    'role', coalesce(data->>'to', data->>'role', m.role),
                    'source', coalesce(data->>'source', m.source))
                    || CASE WHEN event = 'membership.role_changed'
                        THEN jsonb_build_object('previous_role', data->>'from')
                        ELSE '{}' END)
                FROM users u LEFT JOIN memberships m ON m.id = subject_id
                WHERE u.id = CASE WHEN data->>'user_id' ~ '^[0-9]{1,18}$'
                    THEN (data->>'user_id')::bigint END)
            WHEN 'join_request' THEN (
                SELECT jsonb_build_object('join_request', jsonb_build_object(
                    'id', j.id, 'email', j.email,
                    'first_name', j.first_name, 'last_name', j.last_name,
                    'fields', j.fields))
                FROM join_requests j WHERE j.id = subject_id)
            END, '{}'))::text
    FROM organizations o WHERE o.id = org_id
$$;
