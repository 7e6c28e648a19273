/*
 * Webhook target addresses: the one check of what a stored endpoint URL
 * may look like. Strict on purpose: the host must be written in exactly
 * one way, so that what util/netaddr.h judges is what a client connects
 * to (the short and octal forms of IPv4 that resolvers accept, such as
 * 127.1 or 0177.0.0.1, are how address filters are slipped past), and
 * no credentials may ride in a stored address.
 */
#ifndef ROSTER_UTIL_URL_H
#define ROSTER_UTIL_URL_H

#include <stdbool.h>

struct arena;

#define URL_MAX 2000 /* bytes of a webhook target */
#define URL_MIN 10   /* bytes, as the webhooks table's check wants */

struct url {
	const char *scheme; /* "http" or "https" */
	const char *host;   /* lower-case; an IPv6 literal without brackets */
	int port;           /* the explicit port, else 80 or 443 */
	bool host_is_ip;    /* an IPv4 dotted quad or an IPv6 literal */
};

/*
 * Parses s, an absolute http:// or https:// URL (scheme in any case) of
 * URL_MIN to URL_MAX bytes of printable ASCII (no space; percent-encoding
 * passes as it is), into *out (strings in the arena). The authority is
 * a host and an optional ":port" (1..65535), without "user@" or
 * "user:password@". The host is one of:
 *  - a DNS name: labels of letters, digits and '-', 1..63 bytes each,
 *    neither starting nor ending with '-', at most 253 bytes in all,
 *    optionally one trailing dot, its last label not starting with a
 *    digit;
 *  - an IPv4 dotted quad: four decimal numbers 0..255 without leading
 *    zeros (whatever else ends in a label starting with a digit is
 *    refused: 127.1, 0x7f.1, 0177.0.0.1, 2130706433);
 *  - an IPv6 literal in brackets, without a zone ("%eth0").
 * Path, query and fragment (from the first '/', '?' or '#') are any
 * printable ASCII. Returns 0, or -1 with *why (when why is not NULL) a
 * static sentence saying what to change.
 */
int url_parse(struct arena *a, const char *s, struct url *out,
    const char **why);

#endif
