/*
 * The seat limit: one row lock on the organization, then a count.
 */
#include "domain/seat.h"

#include <stddef.h>

#include "counters.h"
#include "db/db_seat.h"

/* Judges one more seat under the row lock already taken, against limit
 * (0: none). */
static enum err
judge(struct db *db, struct arena *a, const char *org_id,
    const char *except_email, long long limit)
{
	long long used = 0;
	enum err e;

	if (limit == 0)
		return ERR_OK;
	if ((e = db_seat_count(db, a, org_id, except_email, &used)) != ERR_OK)
		return e;
	if (used < limit)
		return ERR_OK;
	metrics_add(C_SEAT_LIMIT_REFUSALS, 1);
	return ERR_SEAT_LIMIT;
}

enum err
seat_take(struct db *db, struct arena *a, const char *org_id,
    const char *except_email)
{
	long long limit = 0;
	enum err e;

	if ((e = db_seat_lock(db, a, org_id, &limit)) != ERR_OK)
		return e;
	return judge(db, a, org_id, except_email, limit);
}

enum err
seat_take_invitee(
    struct db *db, struct arena *a, const char *org_id, const char *email)
{
	long long limit = 0;
	bool member = false;
	enum err e;

	if ((e = db_seat_lock_email(db, a, org_id, email, &limit, &member)) !=
	    ERR_OK)
		return e;
	if (member)
		return ERR_ALREADY_MEMBER;
	return judge(db, a, org_id, email, limit);
}

enum err
seat_usage(struct domain *d, struct arena *a, const struct org *o,
    bool always, long long *limit, long long *used)
{
	/* Without a limit when the page opened, a page that does not need
	 * the count asks nothing more. */
	if (!always && o->seat_limit == 0) {
		*limit = *used = 0;
		return ERR_OK;
	}
	return db_seat_usage(d->db, a, o->id, always, limit, used);
}

enum err
seat_limit_parse(const char *text, long long *limit)
{
	const char *p = text != NULL ? text : "";
	long long n = 0;
	int digits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		n = n * 10 + (*p - '0');
		if (n > SEAT_LIMIT_MAX)
			return ERR_INVALID_SEAT_LIMIT;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0')
		return ERR_INVALID_SEAT_LIMIT;
	if (digits == 0) {
		*limit = 0;
		return ERR_OK;
	}
	if (n < 1)
		return ERR_INVALID_SEAT_LIMIT;
	*limit = n;
	return ERR_OK;
}
