/*
 * Webhook target addresses: one pass to refuse bytes that have no place
 * in a stored URL, then the scheme, the authority (host and port) and
 * the host's one accepted spelling. What follows the authority is not
 * looked at.
 */
#include "util/url.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "util/arena.h"

#define URL_LABEL_MAX 63
#define URL_NAME_MAX  253

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Four decimal numbers 0..255 separated by dots, no leading zeros. */
static bool
dotted_quad(const char *h, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start;
		unsigned v = 0;

		if (part > 0 && (i >= n || h[i++] != '.'))
			return false;
		start = i;
		while (i < n && is_digit(h[i]) && i - start < 3)
			v = v * 10 + (unsigned)(h[i++] - '0');
		if (i == start || v > 255 || (h[start] == '0' && i - start > 1))
			return false;
	}
	return i == n;
}

/* Labels of letters, digits and '-', 1..63 bytes, no '-' at either end;
 * at most 253 bytes and one trailing dot. */
static bool
dns_name(const char *h, size_t n)
{
	size_t label = 0;

	if (n > 0 && h[n - 1] == '.')
		n--;
	if (n == 0 || n > URL_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || h[i] == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(h[i]) && h[i] != '-')
			return false;
		if ((label == 0 && h[i] == '-') || ++label > URL_LABEL_MAX)
			return false;
	}
	return true;
}

/* True when the last label (before a trailing dot) starts with a digit:
 * resolvers read such a host as an IPv4 address in one of its forms. */
static bool
looks_numeric(const char *h, size_t n)
{
	size_t i;

	if (n > 0 && h[n - 1] == '.')
		n--;
	i = n;
	while (i > 0 && h[i - 1] != '.')
		i--;
	return i < n && is_digit(h[i]);
}

static bool
ipv6_literal(const char *h, size_t n)
{
	char tmp[INET6_ADDRSTRLEN];
	unsigned char bin[16];

	if (n == 0 || n >= sizeof(tmp) || memchr(h, '%', n) != NULL)
		return false;
	memcpy(tmp, h, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, bin) == 1;
}

/* ":port" after the host: 1..5 digits, 1..65535. */
static int
parse_port(const char *p, size_t n)
{
	int v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

static int
fail(const char **why, const char *sentence)
{
	if (why != NULL)
		*why = sentence;
	return -1;
}

/* The authority auth[0..alen): a host in one of its three forms and an
 * optional ":port"; fills out's host, host_is_ip and port. */
static int
authority(struct arena *a, const char *auth, size_t alen, struct url *out,
    const char **why)
{
	const char *host = auth, *colon;
	size_t hlen;
	char *h;

	if (auth[0] == '[') {
		const char *end = memchr(auth, ']', alen);

		if (end == NULL ||
		    !ipv6_literal(auth + 1, (size_t)(end - auth - 1)))
			return fail(why, "The IPv6 address in brackets is not "
			    "valid (a zone such as %eth0 is not allowed).");
		host = auth + 1;
		hlen = (size_t)(end - host);
		colon = end + 1 < auth + alen ? end + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return fail(why, "The address has text between the "
			    "host and the path.");
		out->host_is_ip = true;
	} else {
		colon = memchr(auth, ':', alen);
		hlen = colon != NULL ? (size_t)(colon - auth) : alen;
		if (hlen == 0)
			return fail(why, "The address has no host name.");
		out->host_is_ip = looks_numeric(host, hlen);
		if (out->host_is_ip && !dotted_quad(host, hlen))
			return fail(why, "Write an IPv4 address as four "
			    "numbers from 0 to 255, like 192.0.2.10.");
		if (!out->host_is_ip && !dns_name(host, hlen))
			return fail(why, "The host name may hold only letters, "
			    "digits, '-' and dots, in parts of at most 63 "
			    "characters.");
	}
	if (colon != NULL) {
		out->port = parse_port(colon + 1,
		    (size_t)(auth + alen - colon - 1));
		if (out->port == -1)
			return fail(why, "The port must be a number from 1 to "
			    "65535.");
	}
	h = arena_strndup(a, host, hlen);
	for (char *p = h; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	out->host = h;
	return 0;
}

int
url_parse(struct arena *a, const char *s, struct url *out, const char **why)
{
	const char *auth;
	size_t len, alen;

	if (s == NULL || *s == '\0')
		return fail(why, "Enter the address of the endpoint, starting "
		    "with https:// or http://.");
	len = strlen(s);
	if (len > URL_MAX)
		return fail(why, "The address is too long: at most 2000 "
		    "characters.");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return fail(why, "The address may not contain spaces "
			    "or characters outside ASCII: percent-encode "
			    "them.");
	if (strncasecmp(s, "https://", 8) == 0) {
		out->scheme = "https";
		out->port = 443;
		auth = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		out->scheme = "http";
		out->port = 80;
		auth = s + 7;
	} else {
		return fail(why, "The address must start with https:// or "
		    "http://.");
	}
	alen = strcspn(auth, "/?#");
	if (memchr(auth, '@', alen) != NULL)
		return fail(why, "Take the user name and password out of the "
		    "address.");
	if (authority(a, auth, alen, out, why) == -1)
		return -1;
	/* Last: a host too short to hold says so first. */
	if (len < URL_MIN)
		return fail(why, "The address is too short: at least 10 "
		    "characters.");
	return 0;
}
