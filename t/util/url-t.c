/*
 * Unit tests of src/util/url.c: accepted webhook targets and what they
 * parse to, and each refused form with the sentence that says why
 * (schemes, length, bytes, credentials, host spellings, ports).
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "util/arena.h"
#include "util/url.h"

static struct arena *A;

/* "scheme host port ip|name", or "ERR" followed by the reason. */
static const char *
parse(const char *s)
{
	struct url u;
	const char *why = NULL;

	if (url_parse(A, s, &u, &why) == -1)
		return arena_printf(A, "ERR %s", why != NULL ? why : "(none)");
	return arena_printf(A, "%s %s %d %s", u.scheme, u.host, u.port,
	    u.host_is_ip ? "ip" : "name");
}

/* s with control and non-ASCII bytes as \xNN, for test names. */
static const char *
shown(const char *s)
{
	char *out = arena_strdup(A, "");

	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < ' ' || c >= 0x7f)
			out = arena_printf(A, "%s\\x%02x", out, c);
		else
			out = arena_printf(A, "%s%c", out, c);
	}
	return s == NULL ? "NULL" : out;
}

static void
accepted(const char *s, const char *want)
{
	is_string(want, parse(s), "accepted: %s", s);
}

/* Refused, and the sentence holds the word expected. */
static void
refused(const char *s, const char *word)
{
	const char *got = parse(s);

	if (!ok(strncmp(got, "ERR ", 4) == 0 && strstr(got, word) != NULL,
	    "refused (%s): %s", word, shown(s)))
		diag("got: %s", got);
}

static void
test_accepted(void)
{
	accepted("https://example.com/hook?x=1", "https example.com 443 name");
	accepted("http://example.com", "http example.com 80 name");
	accepted("HTTPS://Example.COM/Path", "https example.com 443 name");
	accepted("http://ab/", "http ab 80 name");
	accepted("HtTp://hooks.example.com:8080",
	    "http hooks.example.com 8080 name");
	accepted("https://example.com./h", "https example.com. 443 name");
	accepted("https://a-b.c0.example/x#frag",
	    "https a-b.c0.example 443 name");
	accepted("https://123.example.com/", "https 123.example.com 443 name");
	accepted("https://localhost/", "https localhost 443 name");
	accepted("http://93.184.216.34", "http 93.184.216.34 80 ip");
	accepted("http://93.184.216.34:1/", "http 93.184.216.34 1 ip");
	accepted("http://0.0.0.0/", "http 0.0.0.0 80 ip");
	accepted("http://255.255.255.255/", "http 255.255.255.255 80 ip");
	accepted("http://[2606:4700::1]:8443/h", "http 2606:4700::1 8443 ip");
	accepted("https://[2606:4700::ABCD]", "https 2606:4700::abcd 443 ip");
	accepted("https://[::ffff:127.0.0.1]/",
	    "https ::ffff:127.0.0.1 443 ip");
	accepted("https://example.com:65535?q=%20x",
	    "https example.com 65535 name");
	accepted("https://example.com/a/b?c=d&e=f#g",
	    "https example.com 443 name");
	accepted("https://example.com/~`!$&'()*+,;=:@[]{}|\\^\"<>",
	    "https example.com 443 name");
	accepted("https://example.com:00443/", "https example.com 443 name");
}

static void
test_scheme_length_bytes(void)
{
	char buf[URL_MAX + 2];

	refused(NULL, "Enter");
	refused("", "Enter");
	refused("http://ab", "short");
	refused("HTTP://a/", "short");
	refused("example.com/hook", "https://");
	refused("ftp://example.com/", "https://");
	refused("https:/example.com/", "https://");
	refused("https:example.com", "https://");
	refused("//example.com/", "https://");
	refused("javascript:alert(1)", "https://");
	refused("file:///etc/passwd", "https://");
	refused("httpx://example.com/", "https://");

	memcpy(buf, "https://example.com/", 20);
	memset(buf + 20, 'a', URL_MAX - 20);
	buf[URL_MAX] = '\0';
	accepted(buf, "https example.com 443 name");
	buf[URL_MAX] = 'a';
	buf[URL_MAX + 1] = '\0';
	refused(buf, "too long");

	refused(" https://example.com/", "spaces");
	refused("https://example.com/ ", "spaces");
	refused("https://example.com/a b", "spaces");
	refused("https://example.com/\t", "spaces");
	refused("https://example.com/\r\nX-Evil: 1", "spaces");
	refused("https://example.com/\x7f", "spaces");
	refused("https://ex\xc3\xa4mple.com/", "ASCII");
	refused("https://example.com/caf\xc3\xa9", "ASCII");
}

static void
test_userinfo(void)
{
	refused("https://user@example.com/", "user name and password");
	refused("https://user:pw@example.com/", "user name and password");
	refused("https://:pw@example.com/", "user name and password");
	refused("https://@example.com/", "user name and password");
	refused("https://example.com@127.0.0.1/", "user name and password");
	refused("https://evil.com\\@example.com/", "user name and password");
	accepted("https://example.com/?u=a@b", "https example.com 443 name");
	accepted("https://example.com/p@th", "https example.com 443 name");
}

static void
test_ipv4_forms(void)
{
	refused("http://0177.0.0.1/", "four numbers");
	refused("http://0x7f.1/", "four numbers");
	refused("http://0x7f.0.0.1/", "four numbers");
	refused("http://0x7f000001/", "four numbers");
	refused("http://127.1/", "four numbers");
	refused("http://127.0.1/", "four numbers");
	refused("http://2130706433/", "four numbers");
	refused("http://017700000001/", "four numbers");
	refused("http://127.0.0.01/", "four numbers");
	refused("http://127.0.0.1./", "four numbers");
	refused("http://1.2.3.4.5/", "four numbers");
	refused("http://256.0.0.1/", "four numbers");
	refused("http://1.2.3.999/", "four numbers");
	refused("http://1.2.3.1000/", "four numbers");
	refused("http://1..2.3/", "four numbers");
	refused("http://.1.2.3.4/", "four numbers");
	refused("http://example.0x7f/", "four numbers");
	refused("http://example.1/", "four numbers");
	refused("http://0/", "four numbers");
}

static void
test_names(void)
{
	char label[64], name[400];

	refused("https://-example.com/", "letters, digits");
	refused("https://example-.com/", "letters, digits");
	refused("https://exa_mple.com/", "letters, digits");
	refused("https://example..com/", "letters, digits");
	refused("https://.example.com/", "letters, digits");
	refused("https://example.com../", "letters, digits");
	refused("https://%65xample.com/", "letters, digits");
	refused("https://example.com\\.evil/", "letters, digits");
	refused("https://exa!mple.com/", "letters, digits");
	refused("https://./", "letters, digits");
	refused("https:///path", "no host");
	refused("https://", "no host");
	refused("https://:443/", "no host");
	refused("https://?x", "no host");

	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "https://%s.com/", label);
	accepted(name, arena_printf(A, "https %s.com 443 name", label));
	snprintf(name, sizeof(name), "https://%sa.com/", label);
	refused(name, "letters, digits");

	/* 253 bytes: 3 labels of 63, one of 61, joined by dots. */
	snprintf(name, sizeof(name), "https://%s.%s.%s.%.61s/", label, label,
	    label, label);
	ok(strncmp(parse(name), "https ", 6) == 0, "a name of 253 bytes");
	snprintf(name, sizeof(name), "https://%s.%s.%s.%.62s/", label, label,
	    label, label);
	refused(name, "letters, digits");
}

static void
test_ipv6(void)
{
	refused("https://[fe80::1%25eth0]/", "IPv6");
	refused("https://[fe80::1%eth0]/", "IPv6");
	refused("https://[::1/", "IPv6");
	refused("https://[]/", "IPv6");
	refused("https://[example.com]/", "IPv6");
	refused("https://[127.0.0.1]/", "IPv6");
	refused("https://[1:2:3:4:5:6:7:8:9]/", "IPv6");
	refused("https://[::1]x/", "between the host and the path");
	refused("https://[::1]]/", "between the host and the path");
	refused("https://::1/", "no host");
	refused("https://2606:4700::1/", "four numbers");
	refused("https://[::1]:/", "port");
	refused("https://[::1]:0/", "port");
}

static void
test_ports(void)
{
	refused("https://example.com:/", "port");
	refused("https://example.com:0/", "port");
	refused("https://example.com:65536/", "port");
	refused("https://example.com:99999/", "port");
	refused("https://example.com:123456/", "port");
	refused("https://example.com:-1/", "port");
	refused("https://example.com:+80/", "port");
	refused("https://example.com:80a/", "port");
	refused("https://example.com:0x50/", "port");
	refused("https://example.com:80:80/", "port");
	accepted("https://example.com:1", "https example.com 1 name");
}

int
main(void)
{
	plan_lazy();
	A = arena_new(0);
	test_accepted();
	test_scheme_length_bytes();
	test_userinfo();
	test_ipv4_forms();
	test_names();
	test_ipv6();
	test_ports();
	arena_free(A);
	return done_testing();
}
