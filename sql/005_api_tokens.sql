-- Personal API tokens (SPEC §7.4, §7.6): a token acts as its user over
-- /api/v1/. The token shown once is "rst_" + base64url of 32 random
-- bytes; the database keeps only SHA-256 of those 32 bytes (as for
-- sessions and links), so a dump of this table cannot call the API. A revoked token stays as
-- a row (revoked_at set) so the list can say when it ended; a password
-- reset revokes every token of the user in the reset's transaction.

CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          text NOT NULL,
    hashed_token  bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CONSTRAINT api_tokens_hashed_token_key UNIQUE (hashed_token),
    CONSTRAINT api_tokens_hashed_token_length CHECK (length(hashed_token) = 32),
    CONSTRAINT api_tokens_name CHECK (length(name) BETWEEN 1 AND 100)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, id);
