/*
 * Email addresses: the one validator that both the domain (an account's
 * or an invitation's address) and mail (what may go into a header or an
 * SMTP command) use, and the canonical form Roster stores.
 */
#ifndef ROSTER_UTIL_EMAIL_H
#define ROSTER_UTIL_EMAIL_H

#include <stdbool.h>

struct arena;

#define EMAIL_MAX 254 /* bytes of an address, RFC 5321 path limit */

/* How much of an address email_valid() checks. */
enum email_rules {
	/*
	 * A bare ASCII addr-spec safe to copy into a header and an SMTP
	 * command: 3 to EMAIL_MAX bytes, exactly one '@' with something on
	 * both sides, a local part of RFC 5322 atext and '.', a domain of
	 * letters, digits, '-' and '.'. So no control character, space,
	 * '<', '>', ',', quote, parenthesis, bracket, ';', ':', backslash
	 * or byte outside ASCII. Mail checks its sender and recipients
	 * against this, and it allows "roster@localhost" as a sender.
	 */
	EMAIL_HEADER,
	/*
	 * EMAIL_HEADER and the shape an account's address must have: a
	 * local part of at most 64 bytes that neither starts nor ends with
	 * '.' and holds no "..", and a domain of 3 to 253 bytes with at
	 * least one dot whose labels neither start nor end with '-'.
	 * Letters of either case pass (email_normalize() lower-cases).
	 */
	EMAIL_STRICT,
};

/* True when s is an address under rules r (see enum email_rules); false
 * for NULL. */
bool email_valid(const char *s, enum email_rules r);

/*
 * Returns the canonical form of in (arena): trimmed of ASCII whitespace,
 * ASCII letters lower-cased, and valid under EMAIL_STRICT. Returns NULL
 * for NULL or for an address that is not valid.
 */
char *email_normalize(struct arena *a, const char *in);

#endif
