-- The seat limit of an organization (SPEC §7.3): NULL means none. Seats
-- taken are active members, open invitations that have not expired and
-- memberships awaiting consent; the program counts them under the
-- organization's row lock (src/domain/seat.c), the schema only bounds the
-- number.
ALTER TABLE organizations
    ADD COLUMN seat_limit integer,
    ADD CONSTRAINT organizations_seat_limit CHECK (
        seat_limit IS NULL OR seat_limit BETWEEN 1 AND 100000);
