-- Platform invitations: a platform admin invites someone to Roster itself,
-- apart from any organization (SPEC §3 Platform, §4 Accounts and platform
-- 6). The link is the organization invitations' signed envelope; the
-- database keeps only SHA-256 of the raw token. An accepted row names the
-- account it became, and with invited_by records who invited whom, for
-- later referral credit.

CREATE TABLE platform_invitations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         citext NOT NULL,
    hashed_token  bytea NOT NULL,
    invited_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    accepted_at   timestamptz,
    accepted_by   bigint REFERENCES users(id) ON DELETE SET NULL,
    revoked_at    timestamptz,
    CONSTRAINT platform_invitations_hashed_token_key UNIQUE (hashed_token),
    CONSTRAINT platform_invitations_hashed_token_length CHECK (
        length(hashed_token) = 32),
    CONSTRAINT platform_invitations_email_shape CHECK (
        length(email::text) BETWEEN 3 AND 254
        AND email::text = lower(btrim(email::text))
        AND email::text !~ '[[:cntrl:][:space:]]'),
    CONSTRAINT platform_invitations_expiry_after_creation CHECK (
        expires_at > created_at),
    -- A row ends at most one way.
    CONSTRAINT platform_invitations_one_ending CHECK (
        num_nonnulls(accepted_at, revoked_at) <= 1),
    CONSTRAINT platform_invitations_accepted_by_with_time CHECK (
        accepted_by IS NULL OR accepted_at IS NOT NULL)
);
-- One open row (neither accepted nor revoked) per address; an expired open
-- row still counts until it is replaced or purged.
CREATE UNIQUE INDEX platform_invitations_open_key ON platform_invitations (email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX platform_invitations_inviter_time_idx
    ON platform_invitations (invited_by, created_at);
CREATE INDEX platform_invitations_expiry_idx
    ON platform_invitations (expires_at) WHERE accepted_at IS NULL;
