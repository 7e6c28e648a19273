-- Roster schema, first version: accounts, sessions, organizations,
-- memberships, invitations, the expiring side of join requests, the email
-- outbox, rate-limit events and the audit trail. Every invariant the
-- database can hold is a constraint here, not only code. Tables and columns
-- arrive with the code that uses them.

CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE users (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email              citext NOT NULL,
    display_name       text NOT NULL,
    password_hash      text NOT NULL,
    email_confirmed_at timestamptz,
    is_platform_admin  boolean NOT NULL DEFAULT false,
    invited_by         bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_shape CHECK (
        length(email::text) BETWEEN 3 AND 254
        AND email::text = lower(btrim(email::text))
        AND position('@' IN email::text) > 1
        AND email::text !~ '[[:cntrl:][:space:]]'),
    CONSTRAINT users_display_name_length CHECK (
        length(display_name) BETWEEN 1 AND 100)
);

-- Sessions: only SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    bytea NOT NULL,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT sessions_token_hash_length CHECK (length(token_hash) = 32)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Single-use account tokens (email confirmation, password reset, set
-- password for a bootstrapped admin). Only SHA-256 of the token is stored.
CREATE TABLE account_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  bytea NOT NULL,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CONSTRAINT account_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT account_tokens_token_hash_length CHECK (length(token_hash) = 32),
    CONSTRAINT account_tokens_purpose CHECK (
        purpose IN ('confirm_email', 'reset_password'))
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

CREATE TABLE organizations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          text NOT NULL,
    name          text NOT NULL,
    created_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_slug_key UNIQUE (slug),
    CONSTRAINT organizations_slug_shape CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
    CONSTRAINT organizations_name_length CHECK (length(name) BETWEEN 1 AND 100)
);

CREATE TABLE memberships (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id  bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id          bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role             text NOT NULL,
    status           text NOT NULL,
    source           text NOT NULL,
    added_by         bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    activated_at     timestamptz,
    CONSTRAINT memberships_org_user_key UNIQUE (organization_id, user_id),
    CONSTRAINT memberships_role CHECK (role IN ('owner', 'admin', 'member')),
    CONSTRAINT memberships_status CHECK (status IN ('active', 'pending')),
    CONSTRAINT memberships_source CHECK (
        source IN ('creator', 'invitation', 'join_request', 'owner_add')),
    -- Only an owner-add waits for consent; every other source is active.
    CONSTRAINT memberships_pending_is_owner_add CHECK (
        status = 'active' OR source = 'owner_add'),
    CONSTRAINT memberships_active_has_time CHECK (
        (status = 'active') = (activated_at IS NOT NULL))
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE invitations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id  bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email            citext NOT NULL,
    role             text NOT NULL,
    hashed_token     bytea NOT NULL,
    invited_by       bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    accepted_by      bigint REFERENCES users(id) ON DELETE SET NULL,
    revoked_at       timestamptz,
    declined_at      timestamptz,
    -- Set when a resend or re-invite replaced this row.
    replaced_by      bigint REFERENCES invitations(id) ON DELETE SET NULL,
    CONSTRAINT invitations_hashed_token_key UNIQUE (hashed_token),
    CONSTRAINT invitations_hashed_token_length CHECK (length(hashed_token) = 32),
    CONSTRAINT invitations_role CHECK (role IN ('owner', 'admin', 'member')),
    CONSTRAINT invitations_email_shape CHECK (
        length(email::text) BETWEEN 3 AND 254
        AND email::text !~ '[[:cntrl:][:space:]]'),
    CONSTRAINT invitations_expiry_after_creation CHECK (expires_at > created_at),
    -- A row ends at most one way.
    CONSTRAINT invitations_one_ending CHECK (
        num_nonnulls(accepted_at, revoked_at, declined_at) <= 1),
    CONSTRAINT invitations_accepted_by_with_time CHECK (
        accepted_by IS NULL OR accepted_at IS NOT NULL)
);
-- One open row (neither accepted, revoked nor declined) per address and
-- organization; an expired open row still counts until it is replaced.
CREATE UNIQUE INDEX invitations_open_key ON invitations (organization_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL;
CREATE INDEX invitations_email_idx ON invitations (email);
CREATE INDEX invitations_inviter_time_idx ON invitations (invited_by, created_at);
CREATE INDEX invitations_org_time_idx ON invitations (organization_id, created_at);

-- Join requests, as far as rosterctl purge-expired needs them: it deletes
-- those still pending confirmation past their expiry. The rest of the
-- feature (names, extra fields, decisions) is not built yet.
CREATE TABLE join_requests (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id    bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email              citext NOT NULL,
    status             text NOT NULL,
    confirm_hash       bytea,
    confirm_expires_at timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT join_requests_status CHECK (
        status IN ('pending_confirmation', 'submitted', 'approved', 'rejected')),
    CONSTRAINT join_requests_confirm_hash_key UNIQUE (confirm_hash),
    CONSTRAINT join_requests_pending_has_token CHECK (
        status <> 'pending_confirmation'
        OR (confirm_hash IS NOT NULL AND confirm_expires_at IS NOT NULL))
);

-- Outgoing email. The composed message is encrypted (secretbox) and the
-- ciphertext is dropped once the message is delivered or has failed.
CREATE TABLE outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text NOT NULL,
    recipient        citext NOT NULL,
    body             bytea,
    status           text NOT NULL DEFAULT 'queued',
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    invitation_id    bigint REFERENCES invitations(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    CONSTRAINT outbox_status CHECK (status IN ('queued', 'sent', 'failed')),
    CONSTRAINT outbox_body_only_while_queued CHECK (
        (status = 'queued') = (body IS NOT NULL)),
    CONSTRAINT outbox_recipient_shape CHECK (
        length(recipient::text) BETWEEN 3 AND 254
        AND recipient::text !~ '[[:cntrl:][:space:]]')
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbox_invitation_idx ON outbox (invitation_id);

-- Counters of delivered, failed and skipped email, kept by the mailer and
-- read by /metrics.
CREATE TABLE mail_counters (
    name   text PRIMARY KEY,
    value  bigint NOT NULL DEFAULT 0
);
INSERT INTO mail_counters (name) VALUES
    ('emails_sent_total'), ('emails_failed_total'), ('emails_skipped_total');

-- Events counted by the sliding-window rate limits (sign-in failures,
-- password-reset emails).
CREATE TABLE rate_events (
    bucket  text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_events_bucket_at_idx ON rate_events (bucket, at);

CREATE TABLE audit_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               timestamptz NOT NULL DEFAULT now(),
    actor_user_id    bigint REFERENCES users(id) ON DELETE SET NULL,
    organization_id  bigint REFERENCES organizations(id) ON DELETE SET NULL,
    action           text NOT NULL,
    subject_type     text NOT NULL,
    subject_id       bigint,
    data             jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_org_at_idx ON audit_events (organization_id, at DESC);
