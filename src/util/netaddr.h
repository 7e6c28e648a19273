/*
 * Whether a network address is one a webhook may be delivered to: a
 * public unicast address, never the server's own loopback, a private or
 * link-local network (where cloud metadata services answer), a
 * documentation, benchmarking or multicast range. Checked when an
 * endpoint is saved and again on every connection (the name may resolve
 * differently later).
 */
#ifndef ROSTER_UTIL_NETADDR_H
#define ROSTER_UTIL_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

/*
 * True only for a public unicast address. IPv4 refused: 0/8, 10/8,
 * 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
 * 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24,
 * 224/4 and 240/4. IPv6: only global unicast (2000::/3) passes, minus
 * 2001::/23 (protocol assignments, Teredo among them), 2001:db8::/32 and
 * 3fff::/20 (documentation); an IPv4 address embedded by ::ffff:0:0/96,
 * ::/96, 64:ff9b::/96 (NAT64) or 2002::/16 (6to4) is judged as IPv4, and
 * 64:ff9b:1::/48 (local NAT64) is refused. Any other family, or a len
 * too short for the family: false.
 */
bool netaddr_public(const struct sockaddr *sa, socklen_t len);

/* netaddr_public() of a numeric host: an IPv4 dotted quad or an IPv6
 * literal without brackets. False for NULL or anything else. */
bool netaddr_literal_public(const char *host);

/*
 * Resolves host (a name or a literal; getaddrinfo, any family, stream
 * sockets) and returns 0 when it has answers and every one is public,
 * else -1 with *why (when why is not NULL): "That name does not
 * resolve.", "That address could not be looked up just now; try
 * again." or "That address points to a private, loopback or link-local
 * network.".
 */
int netaddr_host_public(const char *host, int port, const char **why);

#endif
