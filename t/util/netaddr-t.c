/*
 * Unit tests of src/util/netaddr.c: every refused IPv4 and IPv6 range at
 * its edges, the IPv4 addresses embedded in IPv6 judged as IPv4, public
 * addresses of both families, other families and short lengths, and the
 * resolver path with names that never leave the machine.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "tap.h"
#include "util/netaddr.h"

/* netaddr_public() of the literal s, through a sockaddr of its family. */
static bool
public_sa(const char *s)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, s, &in.sin_addr) == 1)
		return netaddr_public((struct sockaddr *)&in, sizeof(in));
	if (inet_pton(AF_INET6, s, &in6.sin6_addr) == 1)
		return netaddr_public((struct sockaddr *)&in6, sizeof(in6));
	diag("not a literal: %s", s);
	return true;
}

static void
refused(const char *s)
{
	ok(!public_sa(s), "refused: %s", s);
	ok(!netaddr_literal_public(s), "refused as a literal: %s", s);
}

static void
accepted(const char *s)
{
	ok(public_sa(s), "public: %s", s);
	ok(netaddr_literal_public(s), "public as a literal: %s", s);
}

static void
test_ipv4(void)
{
	static const char *no[] = {
		"0.0.0.0", "0.255.255.255",        /* 0/8 */
		"10.0.0.1", "10.255.255.255",      /* 10/8 */
		"100.64.0.0", "100.127.255.255",   /* 100.64/10 */
		"127.0.0.1", "127.255.255.254",    /* 127/8 */
		"169.254.0.1", "169.254.169.254",  /* 169.254/16, metadata */
		"172.16.0.1", "172.31.255.255",    /* 172.16/12 */
		"192.0.0.1", "192.0.0.255",        /* 192.0.0/24 */
		"192.0.2.1",                       /* 192.0.2/24 */
		"192.88.99.1",                     /* 192.88.99/24 */
		"192.168.0.1", "192.168.255.255",  /* 192.168/16 */
		"198.18.0.1", "198.19.255.255",    /* 198.18/15 */
		"198.51.100.7",                    /* 198.51.100/24 */
		"203.0.113.9",                     /* 203.0.113/24 */
		"224.0.0.1", "239.255.255.255",    /* 224/4 */
		"240.0.0.1", "255.255.255.255",    /* 240/4 */
	};
	static const char *yes[] = {
		"93.184.216.34", "1.1.1.1", "8.8.8.8", "1.0.0.0",
		"9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
		"126.255.255.255", "128.0.0.0", "169.253.255.255",
		"169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.255",
		"192.0.3.0", "192.88.98.255", "192.167.255.255",
		"192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255",
		"203.0.112.255", "223.255.255.255",
	};

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		refused(no[i]);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		accepted(yes[i]);
}

static void
test_ipv6(void)
{
	static const char *no[] = {
		"::", "::1",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
		"::127.0.0.1", "::192.168.1.1", "::0.0.0.2",
		"64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe",
		"64:ff9b:1::93.184.216.34",
		"2002:7f00:1::1", "2002:c0a8:101::", "2002:a9fe:a9fe::1",
		"100::1", "100::ffff:ffff:ffff:ffff",
		"2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", /* Teredo */
		"2001:10::1", "2001:1f::1", "2001:20::1", "2001:2f::1",
		"2001:2::1", "2001:1ff:ffff::1",
		"2001:db8::1", "2001:db8:ffff:ffff::1",
		"3fff::1", "3fff:fff::1",
		"fc00::1", "fd00::1", "fd00:ec2::254", "fdff:ffff::1",
		"fe80::1", "febf:ffff::1",
		"fec0::1", "feff::1",
		"ff02::1", "ff0e::1",
		"4000::1", "1000::1", "e000::1",
	};
	static const char *yes[] = {
		"2606:4700::1", "2a00:1450:4001:80b::200e",
		"2001:4860:4860::8888",
		"2001:200::1", "2001:db7:ffff::1", "2001:db9::1",
		"2002:5db8:d822::1", "::ffff:93.184.216.34",
		"64:ff9b::93.184.216.34", "::93.184.216.34",
		"3fff:1000::1", "2c0f:f248::1", "3ffe::1",
	};

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		refused(no[i]);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		accepted(yes[i]);
}

static void
test_other(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	inet_pton(AF_INET, "93.184.216.34", &in.sin_addr);
	inet_pton(AF_INET6, "2606:4700::1", &in6.sin6_addr);
	ok(netaddr_public((struct sockaddr *)&in, sizeof(in)), "IPv4 sockaddr");
	ok(!netaddr_public((struct sockaddr *)&in, sizeof(in) - 1),
	    "IPv4 with a short length: refused");
	ok(!netaddr_public((struct sockaddr *)&in6, sizeof(in6) - 1),
	    "IPv6 with a short length: refused");
	ok(!netaddr_public((struct sockaddr *)&un, sizeof(un)),
	    "AF_UNIX: refused");
	ok(!netaddr_public(NULL, 0), "NULL: refused");
	ok(!netaddr_literal_public(NULL), "literal NULL: refused");
	ok(!netaddr_literal_public("example.com"), "a name is no literal");
	ok(!netaddr_literal_public("[2606:4700::1]"), "brackets: no literal");
	ok(!netaddr_literal_public("fe80::1%eth0"), "zone: no literal");
	ok(!netaddr_literal_public(""), "empty: no literal");
}

static void
test_resolve(void)
{
	const char *why = NULL;

	is_int(-1, netaddr_host_public("localhost", 443, &why), "localhost");
	is_string("That address points to a private, loopback or link-local "
	    "network.", why, "localhost: loopback");
	why = NULL;
	is_int(-1, netaddr_host_public("127.0.0.1", 80, &why), "127.0.0.1");
	is_string("That address points to a private, loopback or link-local "
	    "network.", why, "127.0.0.1: loopback");
	why = NULL;
	is_int(-1, netaddr_host_public("::1", 80, &why), "::1");
	ok(why != NULL && strstr(why, "loopback") != NULL, "::1: loopback");
	why = NULL;
	is_int(-1, netaddr_host_public("169.254.169.254", 80, &why),
	    "169.254.169.254");
	ok(why != NULL && strstr(why, "link-local") != NULL,
	    "metadata: link-local");
	why = NULL;
	is_int(-1, netaddr_host_public(NULL, 80, &why), "NULL host");
	is_string("That name does not resolve.", why, "NULL: does not resolve");
	is_int(-1, netaddr_host_public("localhost", 443, NULL),
	    "why may be NULL");
}

int
main(void)
{
	plan_lazy();
	test_ipv4();
	test_ipv6();
	test_other();
	test_resolve();
	return done_testing();
}
