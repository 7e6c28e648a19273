-- Join requests: the settings that open an organization's public join
-- form, and the rest of a request (who asks, the extra fields, who decided
-- and when). SPEC §4 Join requests.

-- The public form is off until an owner or admin turns it on. The extra
-- fields it accepts come from the fixed set the program knows (enum
-- join_field in src/db/db_enum.h): the check names the same set.
ALTER TABLE organizations
    ADD COLUMN join_enabled boolean NOT NULL DEFAULT false,
    ADD COLUMN join_fields text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT organizations_join_fields CHECK (
        join_fields <@ ARRAY['phone', 'city', 'message']::text[]
        AND array_position(join_fields, NULL) IS NULL);

ALTER TABLE join_requests
    -- Set for a request made while signed in; NULL for the public form.
    ADD COLUMN user_id       bigint REFERENCES users(id) ON DELETE CASCADE,
    ADD COLUMN first_name    text NOT NULL DEFAULT '',
    ADD COLUMN last_name     text NOT NULL DEFAULT '',
    -- The allowed extra fields, by name, as posted (capped).
    ADD COLUMN fields        jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN submitted_at  timestamptz,
    ADD COLUMN decided_at    timestamptz,
    ADD COLUMN decided_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    ADD CONSTRAINT join_requests_email_shape CHECK (
        length(email::text) BETWEEN 3 AND 254
        AND email::text !~ '[[:cntrl:][:space:]]'),
    ADD CONSTRAINT join_requests_names_length CHECK (
        length(first_name) <= 100 AND length(last_name) <= 100),
    ADD CONSTRAINT join_requests_fields_object CHECK (
        jsonb_typeof(fields) = 'object'),
    -- A confirmation token only while waiting for confirmation.
    ADD CONSTRAINT join_requests_token_only_pending CHECK (
        status = 'pending_confirmation'
        OR (confirm_hash IS NULL AND confirm_expires_at IS NULL)),
    -- Every request past confirmation was submitted at some time.
    ADD CONSTRAINT join_requests_submitted_has_time CHECK (
        (status = 'pending_confirmation') = (submitted_at IS NULL)),
    -- Approved and rejected requests, and only they, carry a decision time.
    ADD CONSTRAINT join_requests_decided_has_time CHECK (
        (status IN ('approved', 'rejected')) = (decided_at IS NOT NULL)),
    ADD CONSTRAINT join_requests_confirm_hash_length CHECK (
        confirm_hash IS NULL OR length(confirm_hash) = 32);

-- One open (submitted) request per address and organization, and per user
-- and organization. Requests waiting for confirmation may repeat: anyone
-- can type an address into the public form.
CREATE UNIQUE INDEX join_requests_open_email_key
    ON join_requests (organization_id, email) WHERE status = 'submitted';
CREATE UNIQUE INDEX join_requests_open_user_key
    ON join_requests (organization_id, user_id)
    WHERE status = 'submitted' AND user_id IS NOT NULL;
CREATE INDEX join_requests_org_status_idx
    ON join_requests (organization_id, status, created_at);
CREATE INDEX join_requests_pending_expiry_idx
    ON join_requests (confirm_expires_at) WHERE status = 'pending_confirmation';
CREATE INDEX join_requests_user_idx ON join_requests (user_id);
