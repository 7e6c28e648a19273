/*
 * Public addresses: IPv4 against a table of refused networks; IPv6 by
 * its prefix, handing the IPv4 address it embeds (mapped, compatible,
 * NAT64, 6to4) to the IPv4 table.
 */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* IPv4 networks that are no public unicast address (RFC 6890 and
 * neighbours). */
static const struct {
	uint32_t net;
	int bits;
} refused4[] = {
	{ 0x00000000, 8 },  /* 0.0.0.0/8 "this network" */
	{ 0x0a000000, 8 },  /* 10/8 private */
	{ 0x64400000, 10 }, /* 100.64/10 carrier-grade NAT */
	{ 0x7f000000, 8 },  /* 127/8 loopback */
	{ 0xa9fe0000, 16 }, /* 169.254/16 link-local, cloud metadata */
	{ 0xac100000, 12 }, /* 172.16/12 private */
	{ 0xc0000000, 24 }, /* 192.0.0/24 protocol assignments */
	{ 0xc0000200, 24 }, /* 192.0.2/24 documentation */
	{ 0xc0586300, 24 }, /* 192.88.99/24 6to4 relay anycast */
	{ 0xc0a80000, 16 }, /* 192.168/16 private */
	{ 0xc6120000, 15 }, /* 198.18/15 benchmarking */
	{ 0xc6336400, 24 }, /* 198.51.100/24 documentation */
	{ 0xcb007100, 24 }, /* 203.0.113/24 documentation */
	{ 0xe0000000, 4 },  /* 224/4 multicast */
	{ 0xf0000000, 4 },  /* 240/4 reserved, broadcast */
};

/* a: four bytes in network order. */
static bool
public4(const unsigned char *a)
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | a[3];

	for (size_t i = 0; i < sizeof(refused4) / sizeof(refused4[0]); i++)
		if ((v & ~(0xffffffffu >> refused4[i].bits)) == refused4[i].net)
			return false;
	return true;
}

static bool
zeros(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static bool
public6(const unsigned char *a)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (zeros(a, 12) || memcmp(a, mapped, 12) == 0 ||
	    memcmp(a, nat64, 12) == 0)
		return public4(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02) /* 2002::/16 6to4 */
		return public4(a + 2);
	if ((a[0] & 0xe0) != 0x20) /* outside 2000::/3 global unicast */
		return false;
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02) /* 2001::/23 */
		return false;
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return false; /* 2001:db8::/32 documentation */
	if (a[0] == 0x3f && a[1] == 0xff && a[2] < 0x10)
		return false; /* 3fff::/20 documentation */
	return true;
}

bool
netaddr_public(const struct sockaddr *sa, socklen_t len)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		return public4((const unsigned char *)&in->sin_addr);
	}
	if (sa->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		return public6(in6->sin6_addr.s6_addr);
	}
	return false;
}

bool
netaddr_literal_public(const char *host)
{
	unsigned char a[16];

	if (host == NULL)
		return false;
	if (inet_pton(AF_INET, host, a) == 1)
		return public4(a);
	if (inet_pton(AF_INET6, host, a) == 1)
		return public6(a);
	return false;
}

int
netaddr_host_public(const char *host, int port, const char **why)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	const char *bad = NULL;
	char service[16];
	int r;

	snprintf(service, sizeof(service), "%d", port);
	r = host == NULL ? EAI_NONAME
			 : getaddrinfo(host, service, &hints, &res);
	if (r == EAI_NONAME
#ifdef EAI_NODATA
	    || r == EAI_NODATA
#endif
#ifdef EAI_ADDRFAMILY
	    || r == EAI_ADDRFAMILY
#endif
	    || (r == 0 && res == NULL))
		bad = "That name does not resolve.";
	else if (r != 0)
		bad = "That address could not be looked up just now; try "
		      "again.";
	for (struct addrinfo *ai = res; ai != NULL && bad == NULL;
	    ai = ai->ai_next)
		if (!netaddr_public(ai->ai_addr, ai->ai_addrlen))
			bad = "That address points to a private, loopback or "
			    "link-local network.";
	if (res != NULL)
		freeaddrinfo(res);
	if (bad == NULL)
		return 0;
	if (why != NULL)
		*why = bad;
	return -1;
}
