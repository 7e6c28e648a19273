/*
 * Tables between the enums of db_enum.h and the text the database stores.
 */
#include "db/db_enum.h"

#include <stddef.h>
#include <string.h>

static const char *const roles[ROLE__MAX] = {
	[ROLE_OWNER] = "owner",
	[ROLE_ADMIN] = "admin",
	[ROLE_MEMBER] = "member",
};

static const char *const statuses[MEMBER__MAX] = {
	[MEMBER_ACTIVE] = "active",
	[MEMBER_PENDING] = "pending",
};

static const char *const sources[SOURCE__MAX] = {
	[SOURCE_CREATOR] = "creator",
	[SOURCE_INVITATION] = "invitation",
	[SOURCE_OWNER_ADD] = "owner_add",
	[SOURCE_JOIN_REQUEST] = "join_request",
	[SOURCE_LINK] = "link",
};

static const char *const states[INV__MAX] = {
	[INV_PENDING] = "pending",
	[INV_EXPIRED] = "expired",
	[INV_ACCEPTED] = "accepted",
	[INV_REVOKED] = "revoked",
	[INV_DECLINED] = "declined",
};

static const char *const jr_statuses[JR__MAX] = {
	[JR_PENDING_CONFIRMATION] = "pending_confirmation",
	[JR_SUBMITTED] = "submitted",
	[JR_APPROVED] = "approved",
	[JR_REJECTED] = "rejected",
};

static const char *const join_fields[JOIN_FIELD__MAX] = {
	[JOIN_PHONE] = "phone",
	[JOIN_CITY] = "city",
	[JOIN_MESSAGE] = "message",
};

/* names[v], or NULL when v is not below n. */
static const char *
name(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : NULL;
}

/* The index of s in names[0..n), or n. */
static int
find(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return n;
}

const char *
db_enum_role_str(enum role r)
{
	return name(roles, ROLE__MAX, (int)r);
}

const char *
db_enum_status_str(enum member_status s)
{
	return name(statuses, MEMBER__MAX, (int)s);
}

const char *
db_enum_source_str(enum member_source s)
{
	return name(sources, SOURCE__MAX, (int)s);
}

const char *
db_enum_state_str(enum inv_state s)
{
	return name(states, INV__MAX, (int)s);
}

enum role
db_enum_role(const char *s)
{
	return (enum role)find(roles, ROLE__MAX, s);
}

enum member_status
db_enum_status(const char *s)
{
	return (enum member_status)find(statuses, MEMBER__MAX, s);
}

enum member_source
db_enum_source(const char *s)
{
	return (enum member_source)find(sources, SOURCE__MAX, s);
}

enum inv_state
db_enum_state(const char *s)
{
	return (enum inv_state)find(states, INV__MAX, s);
}

const char *
db_enum_jr_status_str(enum jr_status s)
{
	return name(jr_statuses, JR__MAX, (int)s);
}

const char *
db_enum_join_field_str(enum join_field f)
{
	return name(join_fields, JOIN_FIELD__MAX, (int)f);
}

enum jr_status
db_enum_jr_status(const char *s)
{
	return (enum jr_status)find(jr_statuses, JR__MAX, s);
}

enum join_field
db_enum_join_field(const char *s)
{
	return (enum join_field)find(join_fields, JOIN_FIELD__MAX, s);
}
