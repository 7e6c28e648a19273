-- Invite links (SPEC §7.2, §7.6): a link anyone may follow to join an
-- organization as member, with a cap on uses, an expiry and a kill switch.
-- The link carries the organizations' invitation envelope; the database
-- keeps only SHA-256 of its raw token. The use count is decided by one
-- conditional UPDATE (uses < max_uses, not revoked, not expired), so the
-- CHECKs below are the last word on it, never a count of memberships.

CREATE TABLE invite_links (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id  bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    role             text NOT NULL DEFAULT 'member',
    max_uses         integer NOT NULL,
    uses             integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    created_by       bigint REFERENCES users(id) ON DELETE SET NULL,
    hashed_token     bytea NOT NULL,
    CONSTRAINT invite_links_hashed_token_key UNIQUE (hashed_token),
    CONSTRAINT invite_links_hashed_token_length CHECK (length(hashed_token) = 32),
    -- A link never grants more than member.
    CONSTRAINT invite_links_role CHECK (role = 'member'),
    CONSTRAINT invite_links_max_uses CHECK (max_uses BETWEEN 1 AND 1000),
    CONSTRAINT invite_links_uses CHECK (uses >= 0 AND uses <= max_uses),
    CONSTRAINT invite_links_lifetime CHECK (
        expires_at > created_at AND expires_at <= created_at + interval '30 days')
);
CREATE INDEX invite_links_org_idx ON invite_links (organization_id, id);

-- A membership made through a link says so.
ALTER TABLE memberships DROP CONSTRAINT memberships_source;
ALTER TABLE memberships ADD CONSTRAINT memberships_source CHECK (
    source IN ('creator', 'invitation', 'join_request', 'owner_add', 'link'));
