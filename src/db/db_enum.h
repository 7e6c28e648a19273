/*
 * The vocabulary the database stores as text and the program handles as
 * enums: roles, membership statuses and sources, invitation states. The
 * strings are the ones the schema's CHECK constraints and SPEC name; each
 * enum is turned into text and back here and nowhere else.
 */
#ifndef ROSTER_DB_DB_ENUM_H
#define ROSTER_DB_DB_ENUM_H

enum role { ROLE_OWNER, ROLE_ADMIN, ROLE_MEMBER, ROLE__MAX };

/* A membership is active, or pending until its user consents. */
enum member_status { MEMBER_ACTIVE, MEMBER_PENDING, MEMBER__MAX };

/* How a membership came to be. */
enum member_source {
	SOURCE_CREATOR,
	SOURCE_INVITATION,
	SOURCE_OWNER_ADD, /* pending until its user consents */
	SOURCE_JOIN_REQUEST, /* an approved join request */
	SOURCE_LINK, /* a join through an invite link */
	SOURCE__MAX
};

/* An invitation's state, judged by the database clock. */
enum inv_state {
	INV_PENDING, /* open and not past its expiry */
	INV_EXPIRED, /* open but past its expiry */
	INV_ACCEPTED,
	INV_REVOKED,
	INV_DECLINED,
	INV__MAX
};

/* A join request's status. */
enum jr_status {
	JR_PENDING_CONFIRMATION, /* public form, email not confirmed yet */
	JR_SUBMITTED,            /* open: waiting for an owner or admin */
	JR_APPROVED,
	JR_REJECTED,
	JR__MAX
};

/* The extra fields a join form may accept: the fixed set an organization
 * picks its allowlist from (organizations.join_fields; the schema's CHECK
 * names the same set). */
enum join_field { JOIN_PHONE, JOIN_CITY, JOIN_MESSAGE, JOIN_FIELD__MAX };

/* The stored text of each value ("owner"); NULL for __MAX or beyond. */
const char *db_enum_role_str(enum role r);
const char *db_enum_status_str(enum member_status s);
const char *db_enum_source_str(enum member_source s);
const char *db_enum_state_str(enum inv_state s);
const char *db_enum_jr_status_str(enum jr_status s);
const char *db_enum_join_field_str(enum join_field f);

/* The value stored as s (exact match); the __MAX sentinel for anything
 * else, NULL included. */
enum role db_enum_role(const char *s);
enum member_status db_enum_status(const char *s);
enum member_source db_enum_source(const char *s);
enum inv_state db_enum_state(const char *s);
enum jr_status db_enum_jr_status(const char *s);
enum join_field db_enum_join_field(const char *s);

#endif
