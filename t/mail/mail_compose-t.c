/*
 * Unit tests of src/mail/mail_compose.c: the headers of a composed message
 * (each once, CRLF only, lengths), the RFC 2047 subject, quoted-printable
 * parts decoded back to their input, and every refusal of a value that
 * could inject a header. The address rules themselves are util/email.c's,
 * tested in t/util/email-t.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "mail/mail.h"
#include "tap.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"

static struct arena *A;

#define FROM "roster@example.org"

/* Composes m from FROM into a fresh arena buffer; NULL on failure. */
static char *
compose(const struct mail_msg *m, enum err *ep)
{
	struct buf b;
	enum err e;

	buf_init(&b, A);
	e = mail_compose(A, m, FROM, &b);
	if (ep != NULL)
		*ep = e;
	return e == ERR_OK ? b.data : NULL;
}

/* True when every CR is followed by LF and every LF preceded by CR. */
static bool
crlf_only(const char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\r' && s[i + 1] != '\n')
			return false;
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return false;
	}
	return true;
}

/* The header block (without the blank line) of a message. */
static char *
headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");

	return end == NULL ? NULL
			   : arena_strndup(A, msg, (size_t)(end - msg) + 2);
}

/* Occurrences of "Name:" at the start of a header line. */
static int
header_count(const char *hdrs, const char *name)
{
	size_t n = strlen(name);
	int count = 0;

	for (const char *p = hdrs; p != NULL && *p != '\0';) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			count++;
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return count;
}

/* The unfolded value of the first header called name, or NULL. */
static char *
header_value(const char *hdrs, const char *name)
{
	size_t n = strlen(name);
	struct buf v;

	for (const char *p = hdrs; p != NULL && *p != '\0';) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *q = p + n + 1;

			buf_init(&v, A);
			for (;;) {
				const char *e = strstr(q, "\r\n");

				buf_append(&v, q, (size_t)(e - q));
				if (e[2] != ' ' && e[2] != '\t')
					break;
				q = e + 2;
			}
			return v.data[0] == ' ' ? v.data + 1 : v.data;
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return NULL;
}

/* Longest line (without its CRLF) in [s, s+n). */
static size_t
longest_line(const char *s, size_t n)
{
	size_t best = 0, cur = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			if (cur > best)
				best = cur;
			cur = 0;
		} else
			cur++;
	}
	return cur > best ? cur : best;
}

/* Decodes a Subject value of base64 encoded-words (or plain text); NULL
 * when a word is malformed or splits a UTF-8 character. */
static char *
subject_decode(const char *v)
{
	struct buf out;

	buf_init(&out, A);
	if (strncmp(v, "=?UTF-8?B?", 10) != 0)
		return arena_strdup(A, v);
	while (*v != '\0') {
		const char *end;
		uint8_t *raw;
		size_t rawlen;
		char *b64;

		if (*v == ' ') {
			v++;
			continue;
		}
		if (strncmp(v, "=?UTF-8?B?", 10) != 0)
			return NULL;
		v += 10;
		if ((end = strstr(v, "?=")) == NULL)
			return NULL;
		b64 = arena_strndup(A, v, (size_t)(end - v));
		/* RFC 2047 6.3: each word holds whole characters. */
		if (base64_decode(A, b64, &raw, &rawlen) == -1 ||
		    !str_utf8_valid((const char *)raw, rawlen))
			return NULL;
		buf_append(&out, raw, rawlen);
		v = end + 2;
	}
	return out.data;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes quoted-printable (strictly: upper-case hex, '=' only as an
 * escape or a soft break); NULL when malformed. */
static char *
qp_decode(const char *s, size_t n)
{
	struct buf out;

	buf_init(&out, A);
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '=') {
			buf_putc(&out, s[i]);
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
			return NULL;
		buf_putc(
		    &out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
		i += 2;
	}
	return out.data;
}

/* LF, CR and CRLF all become CRLF: what a receiver decodes. */
static char *
crlf(const char *s)
{
	struct buf out;

	buf_init(&out, A);
	for (; *s != '\0'; s++) {
		if (*s == '\r' && s[1] == '\n')
			s++;
		if (*s == '\r' || *s == '\n')
			buf_puts(&out, "\r\n");
		else
			buf_putc(&out, *s);
	}
	return out.data;
}

struct part {
	char *headers;
	const char *body; /* encoded, as on the wire */
	size_t len;
};

/*
 * Splits a multipart message into its parts by the boundary named in its
 * Content-Type. Returns the number of parts (at most max), -1 when the
 * structure is wrong (no boundary, no closing delimiter).
 */
static int
split_parts(const char *msg, struct part *parts, int max)
{
	char *hdrs = headers_of(msg), *ct, *bd, *delim, *close;
	const char *p, *next;
	int n = 0;

	ct = header_value(hdrs, "Content-Type");
	if (ct == NULL || (bd = strstr(ct, "boundary=\"")) == NULL)
		return -1;
	bd += strlen("boundary=\"");
	bd = arena_strndup(A, bd, strcspn(bd, "\""));
	delim = arena_printf(A, "\r\n--%s\r\n", bd);
	close = arena_printf(A, "\r\n--%s--\r\n", bd);
	if ((p = strstr(msg, delim)) == NULL)
		return -1;
	while (p != NULL) {
		const char *start = p + strlen(delim), *end;

		next = strstr(start, delim);
		end = next != NULL ? next : strstr(start, close);
		if (end == NULL || n == max)
			return -1;
		parts[n].headers = headers_of(start);
		if (parts[n].headers == NULL)
			return -1;
		parts[n].body = start + strlen(parts[n].headers) + 2;
		parts[n].len = (size_t)(end - parts[n].body);
		n++;
		if (next == NULL) {
			/* The closing delimiter ends the message. */
			if (strcmp(end, close) != 0)
				return -1;
			break;
		}
		p = next;
	}
	return n;
}

static void
test_text_only(void)
{
	struct mail_msg m = {
		.to = "alice@example.com",
		.subject = "Your invitation",
		.text = "Hello Alice,\n\nJoin us: https://x.example/i?t=abc\n"
			".\n..leading dots stay\nend",
		.html = NULL,
	};
	const char *names[] = { "Date", "From", "To", "Subject", "Message-ID",
		"MIME-Version", "Content-Type", "Content-Transfer-Encoding" };
	char *msg, *hdrs, *v, *body;
	struct tm tm;
	enum err e;

	msg = compose(&m, &e);
	is_int(ERR_OK, e, "text-only message composes");
	if (msg == NULL) {
		diag("no message");
		exit(1);
	}
	ok(crlf_only(msg), "text-only: CRLF everywhere, no bare CR or LF");
	hdrs = headers_of(msg);
	ok(hdrs != NULL, "header block ends with a blank line");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		is_int(1, header_count(hdrs, names[i]), "header %s once",
		    names[i]);
	is_int(0, header_count(hdrs, "Bcc"), "no Bcc header");
	is_string(FROM, header_value(hdrs, "From"), "From is the sender");
	is_string("alice@example.com", header_value(hdrs, "To"),
	    "To is the recipient");
	is_string("Your invitation", header_value(hdrs, "Subject"),
	    "short ASCII subject is left plain");
	is_string("1.0", header_value(hdrs, "MIME-Version"), "MIME-Version");
	is_string("text/plain; charset=utf-8",
	    header_value(hdrs, "Content-Type"), "single text/plain part");
	is_string("quoted-printable",
	    header_value(hdrs, "Content-Transfer-Encoding"), "QP encoding");
	ok(strstr(msg, "multipart") == NULL, "text-only is not multipart");

	v = header_value(hdrs, "Date");
	memset(&tm, 0, sizeof(tm));
	ok(v != NULL &&
		strptime(v, "%a, %d %b %Y %H:%M:%S +0000", &tm) != NULL &&
		strlen(v) == 31,
	    "Date is RFC 5322 in UTC: %s", v != NULL ? v : "(none)");
	if (v != NULL) {
		time_t t = timegm(&tm), now = time(NULL);

		ok(t > now - 60 && t <= now + 1, "Date is now");
	} else
		ok(false, "Date is now");

	v = header_value(hdrs, "Message-ID");
	ok(v != NULL && strlen(v) == 1 + 32 + 1 + strlen("example.org") + 1 &&
		v[0] == '<' && strspn(v + 1, "0123456789abcdef") == 32 &&
		strcmp(v + 33, "@example.org>") == 0,
	    "Message-ID is <32 hex@sender's domain>: %s",
	    v != NULL ? v : "(none)");
	ok(longest_line(hdrs, strlen(hdrs)) <= 78, "header lines within 78");

	body = msg + strlen(hdrs) + 2;
	ok(longest_line(body, strlen(body)) <= 76, "body lines within 76");
	is_string(arena_printf(A, "%s\r\n", crlf(m.text)),
	    qp_decode(body, strlen(body)), "text body decodes to the input");
	/* Dot-stuffing is the SMTP client's job (libcurl does it); the
	 * message keeps lines beginning with '.' as they are. */
	contains(msg, "\r\n.\r\n..leading dots stay\r\n",
	    "dot lines are not stuffed");
	ok(strlen(msg) >= 2 && strcmp(msg + strlen(msg) - 2, "\r\n") == 0,
	    "message ends with CRLF");

	/* A text ending in a newline gets no second one. */
	m.text = "line one\nline two\n";
	msg = compose(&m, NULL);
	body = msg != NULL ? msg + strlen(headers_of(msg)) + 2 : NULL;
	is_string("line one\r\nline two\r\n",
	    body != NULL ? qp_decode(body, strlen(body)) : NULL,
	    "text ending in LF decodes to itself");
}

static void
test_multipart(void)
{
	const char *html =
	    "<!doctype html>\n<html><body style=\"font-family: sans-serif\">"
	    "<p>Bonjour Ren\xc3\xa9"
	    "e, vous \xc3\xaa"
	    "tes invit\xc3\xa9"
	    "e "
	    "\xe2\x9c\x89 \xf0\x9f\x8e\x89 to <b>Acme &amp; Co</b>.</p>\r\n"
	    "<p><a href=\"https://roster.example/invitations/accept?token="
	    "AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKKKllllMMMMnnnnOOOOpppp"
	    "QQQQ\">Accept</a></p>   \n"
	    ".\n"
	    "\ttabbed line with trailing tab\t\n"
	    "a=b==c===\rlone CR above\n\n\n"
	    "</body></html>";
	struct mail_msg m = {
		.to = "bob@example.net",
		.subject = "Invitation",
		.text = "Plain version\nwith lines\n",
		.html = html,
	};
	struct part parts[4];
	char *msg, *hdrs;
	enum err e;
	int n;

	msg = compose(&m, &e);
	is_int(ERR_OK, e, "multipart message composes");
	if (msg == NULL)
		exit(1);
	ok(crlf_only(msg), "multipart: CRLF everywhere, no bare CR or LF");
	hdrs = headers_of(msg);
	is_int(1, header_count(hdrs, "Content-Type"),
	    "one top-level Content-Type");
	contains(header_value(hdrs, "Content-Type"), "multipart/alternative;",
	    "multipart/alternative");
	ok(longest_line(hdrs, strlen(hdrs)) <= 78, "header lines within 78");
	n = split_parts(msg, parts, 4);
	is_int(2, n, "two parts, then the closing delimiter");
	if (n != 2)
		return;
	is_string("text/plain; charset=utf-8",
	    header_value(parts[0].headers, "Content-Type"), "text part first");
	is_string("text/html; charset=utf-8",
	    header_value(parts[1].headers, "Content-Type"), "HTML part second");
	is_string("quoted-printable",
	    header_value(parts[1].headers, "Content-Transfer-Encoding"),
	    "HTML part is quoted-printable");
	ok(strstr(arena_strndup(A, parts[1].body, parts[1].len), "\xc3") ==
		NULL,
	    "HTML part on the wire is 7-bit");
	is_string(crlf(m.text), qp_decode(parts[0].body, parts[0].len),
	    "text part decodes to the input");
	is_string(crlf(html), qp_decode(parts[1].body, parts[1].len),
	    "HTML part decodes to the input");
	ok(longest_line(parts[1].body, parts[1].len) <= 76,
	    "HTML lines within 76 (longest %zu)",
	    longest_line(parts[1].body, parts[1].len));
	ok(strstr(arena_strndup(A, parts[1].body, parts[1].len), " \r\n") ==
		    NULL &&
		strstr(arena_strndup(A, parts[1].body, parts[1].len),
		    "\t\r\n") == NULL,
	    "no whitespace before a line end");
}

static void
test_subject(void)
{
	struct mail_msg m = { .to = "c@example.com", .text = "x" };
	const char *subjects[] = {
		"Invitation \xc3\xa0 rejoindre \xc2\xab Acme \xc2\xbb",
		/* Long, multi-byte, crossing many chunk boundaries. */
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6"
		"\xe5\x90\x8d\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\xf0\x9f\x8e"
		"\x89\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89 \xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
		"\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9 and some ASCII to make it longer still, well over "
		"one line \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
		/* Long ASCII with a word too long for any line. */
		"See https://roster.example/a/very/long/path/that/cannot/be/"
		"folded/anywhere/at/all/none for details",
		/* Two-byte characters at odd offsets: a cut every 42 bytes
		 * would split one. */
		"x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
		"\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
		"\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
		"\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
		"\xa9",
		/* Looks like an encoded-word: must not pass as one. */
		"=?UTF-8?B?SGVsbG8=?=",
		"",
		/* Long ASCII: folded before spaces, left readable. */
		"You have been invited to join the organization Acme "
		"Widgets International Holdings Limited on Roster, a "
		"place for membership and invitations",
		"Trailing spaces after a long line of text that nearly "
		"fills the first line       ",
	};

	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		char *msg, *hdrs, *v;

		m.subject = subjects[i];
		msg = compose(&m, NULL);
		ok(msg != NULL, "subject %zu composes", i);
		if (msg == NULL)
			continue;
		hdrs = headers_of(msg);
		is_int(1, header_count(hdrs, "Subject"), "subject %zu once", i);
		ok(longest_line(hdrs, strlen(hdrs)) <= 78,
		    "subject %zu: header lines within 78", i);
		v = header_value(hdrs, "Subject");
		if (i < 5)
			ok(v != NULL && strncmp(v, "=?UTF-8?B?", 10) == 0,
			    "subject %zu is encoded", i);
		else
			ok(v != NULL && strstr(v, "=?") == NULL,
			    "subject %zu is left plain", i);
		if (i == 6) {
			const char *p = strstr(hdrs, "\r\nSubject: ");

			p = p != NULL ? strstr(p + 2, "\r\n") : NULL;
			ok(p != NULL && p[2] == ' ',
			    "long ASCII subject is folded");
		}
		is_string(subjects[i], subject_decode(v),
		    "subject %zu decodes back", i);
		ok(strspn(hdrs,
		       "\r\n\t !\"#$%&'()*+,-./0123456789:;<=>?@"
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
		       "abcdefghijklmnopqrstuvwxyz"
		       "{|}~") == strlen(hdrs),
		    "subject %zu: headers are ASCII", i);
	}
}

static void
test_refusals(void)
{
	struct mail_msg good = {
		.to = "d@example.com",
		.subject = "Hi",
		.text = "t",
		.html = "<p>h</p>",
	};
	struct mail_msg m;
	struct buf b;
	char big[MAIL_SUBJECT_MAX + 2];
	const char *bad_to[] = {
		"d@example.com\r\nBcc: x@y",
		"<d@example.com>",
		"d@example.com, e@example.com",
		"d @example.com",
		"d@e@example.com",
		"d@example.com\n",
		"",
		"d\x01@x.y",
	};
	const char *bad_subject[] = {
		"Hi\r\nBcc: x@y",
		"Hi\nBcc: x@y",
		"Hi\rthere",
		"tab\there",
		"bell\x07",
		"bad utf-8 \xc3\x28",
		"overlong \xc0\xaf",
		"surrogate \xed\xa0\x80",
	};

	for (size_t i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		m = good;
		m.to = bad_to[i];
		buf_init(&b, A);
		is_int(ERR_INVALID_EMAIL, mail_compose(A, &m, FROM, &b),
		    "recipient %zu refused", i);
		is_int(0, (long long)b.len, "nothing written for recipient %zu",
		    i);
	}
	m = good;
	m.to = NULL;
	buf_init(&b, A);
	is_int(ERR_INVALID_EMAIL, mail_compose(A, &m, FROM, &b),
	    "NULL recipient refused");

	for (size_t i = 0; i < sizeof(bad_subject) / sizeof(bad_subject[0]);
	     i++) {
		m = good;
		m.subject = bad_subject[i];
		buf_init(&b, A);
		is_int(ERR_INVALID, mail_compose(A, &m, FROM, &b),
		    "subject %zu refused", i);
		is_int(
		    0, (long long)b.len, "nothing written for subject %zu", i);
	}
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	m = good;
	m.subject = big;
	buf_init(&b, A);
	is_int(ERR_INVALID, mail_compose(A, &m, FROM, &b),
	    "subject over %d bytes refused", MAIL_SUBJECT_MAX);
	big[MAIL_SUBJECT_MAX] = '\0';
	buf_init(&b, A);
	is_int(ERR_OK, mail_compose(A, &m, FROM, &b),
	    "subject of %d bytes accepted", MAIL_SUBJECT_MAX);

	buf_init(&b, A);
	is_int(ERR_INVALID, mail_compose(A, &good, "x@y\r\nBcc: z@w", &b),
	    "sender with CRLF refused");
	is_int(ERR_INVALID, mail_compose(A, &good, "Roster <r@x.y>", &b),
	    "sender with a display name refused");
	is_int(ERR_INVALID, mail_compose(A, &good, NULL, &b),
	    "NULL sender refused");
	m = good;
	m.subject = NULL;
	is_int(
	    ERR_INVALID, mail_compose(A, &m, FROM, &b), "NULL subject refused");
	m = good;
	m.text = NULL;
	is_int(ERR_INVALID, mail_compose(A, &m, FROM, &b), "NULL text refused");
	m = good;
	m.text = "bad \xff";
	is_int(ERR_INVALID, mail_compose(A, &m, FROM, &b),
	    "invalid UTF-8 text refused");
	m = good;
	m.html = "bad \xc3";
	is_int(ERR_INVALID, mail_compose(A, &m, FROM, &b),
	    "invalid UTF-8 HTML refused");
	is_int(0, (long long)b.len, "nothing written by any refusal");
}

/* Random bodies of ASCII, whitespace, '=', line breaks and multi-byte
 * characters always round-trip and keep lines within 76. */
static void
test_qp_random(void)
{
	static const char *const atoms[] = {
		"a",
		"Z",
		" ",
		"\t",
		"=",
		".",
		"\n",
		"\r\n",
		"\r",
		"\xc3\xa9",
		"\xe2\x82\xac",
		"\xf0\x9f\x8e\x89",
		"~",
		"-",
		"==",
		"  ",
	};
	unsigned seed = 20240601;
	int bad_round = 0, bad_len = 0, bad_crlf = 0;

	for (int iter = 0; iter < 300; iter++) {
		struct mail_msg m = { .to = "e@example.com", .subject = "r" };
		struct part parts[2];
		struct buf body;
		size_t natoms;
		char *msg;

		buf_init(&body, A);
		seed = seed * 1103515245u + 12345u;
		natoms = (seed >> 16) % 400;
		for (size_t i = 0; i < natoms; i++) {
			seed = seed * 1103515245u + 12345u;
			buf_puts(&body,
			    atoms[(seed >> 16) %
				(sizeof(atoms) / sizeof(atoms[0]))]);
		}
		m.text = "t";
		m.html = body.data;
		msg = compose(&m, NULL);
		if (msg == NULL || split_parts(msg, parts, 2) != 2) {
			bad_round++;
			continue;
		}
		if (strcmp(crlf(body.data),
			qp_decode(parts[1].body, parts[1].len)
			    ? qp_decode(parts[1].body, parts[1].len)
			    : "\x01") != 0)
			bad_round++;
		if (longest_line(parts[1].body, parts[1].len) > 76)
			bad_len++;
		if (!crlf_only(msg))
			bad_crlf++;
		arena_reset(A);
	}
	is_int(0, bad_round, "300 random bodies decode back");
	is_int(0, bad_len, "300 random bodies keep lines within 76");
	is_int(0, bad_crlf, "300 random messages are CRLF only");
}

/* True when some line of hdrs holds nothing but spaces and tabs. */
static bool
blank_line(const char *hdrs)
{
	for (const char *p = hdrs; *p != '\0';) {
		size_t len = strcspn(p, "\r");

		if (len > 0 && strspn(p, " \t") == len)
			return true;
		p += len;
		if (*p == '\r')
			p += 2;
	}
	return false;
}

/* Random ASCII subjects of words and runs of spaces, some words too long
 * for a line: each folds within 78 columns, never into a line of spaces,
 * and unfolds (or decodes) to itself. */
static void
test_subject_random(void)
{
	unsigned seed = 77;
	int bad_len = 0, bad_round = 0, bad_blank = 0, plain = 0;

	for (int iter = 0; iter < 500; iter++) {
		struct mail_msg m = { .to = "g@example.com", .text = "t" };
		char subject[400];
		size_t n = 0, target;
		char *msg, *hdrs;

		seed = seed * 1103515245u + 12345u;
		target = 60 + (seed >> 16) % 300;
		while (n < target) {
			size_t w, sp;

			seed = seed * 1103515245u + 12345u;
			w = 1 + (seed >> 16) % ((seed >> 8) % 4 == 0 ? 90 : 12);
			sp = 1 + (seed >> 4) % 3;
			for (size_t k = 0; k < w && n < target; k++)
				subject[n++] = (char)('a' + (k + iter) % 26);
			for (size_t k = 0; k < sp && n < target; k++)
				subject[n++] = ' ';
		}
		subject[n] = '\0';
		m.subject = subject;
		if ((msg = compose(&m, NULL)) == NULL) {
			bad_round++;
			continue;
		}
		hdrs = headers_of(msg);
		if (longest_line(hdrs, strlen(hdrs)) > 78)
			bad_len++;
		if (blank_line(hdrs))
			bad_blank++;
		if (strcmp(subject_decode(header_value(hdrs, "Subject"))
			    ? subject_decode(header_value(hdrs, "Subject"))
			    : "",
			subject) != 0)
			bad_round++;
		if (strstr(header_value(hdrs, "Subject"), "=?") == NULL)
			plain++;
		arena_reset(A);
	}
	is_int(0, bad_len, "500 random subjects keep lines within 78");
	is_int(0, bad_blank, "500 random subjects fold into no blank line");
	is_int(0, bad_round, "500 random subjects unfold to themselves");
	ok(plain > 100 && plain < 500, "most foldable ones stay plain (%d)",
	    plain);
}

/* Every header line of msg within 78 characters. */
static bool
header_lines_short(const char *msg)
{
	const char *h = headers_of(msg);

	return h != NULL && longest_line(h, strlen(h)) <= 78;
}

/* The decoded display name of a From value "NAME <addr>" (quoted or
 * encoded-words), or NULL when the value does not end in " <FROM>". */
static char *
from_name_of(const char *v)
{
	const char *lt = strrchr(v, '<');
	char *name;
	struct buf u;

	if (lt == NULL || lt == v || lt[-1] != ' ' ||
	    strcmp(lt, "<" FROM ">") != 0)
		return NULL;
	name = arena_strndup(A, v, (size_t)(lt - 1 - v));
	if (name[0] != '"')
		return subject_decode(name);
	buf_init(&u, A);
	for (const char *p = name + 1; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\')
			p++;
		buf_putc(&u, *p);
	}
	return u.data;
}

static void
test_from_name(void)
{
	struct mail_msg m = {
		.to = "h@example.com", .subject = "s", .text = "t"
	};
	char *msg, *h, long_ascii[256], big[MAIL_FROM_NAME_MAX + 2];
	enum err e;
	const char *bad_name[] = {
		"Alice\r\nBcc: x@y",
		"Alice\nBcc: x@y",
		"Alice\rBcc",
		"tab\there",
		"bell\x07",
		"bad utf-8 \xc3\x28",
	};
	const char *bad_reply[] = {
		"a@example.com\r\nBcc: x@y",
		"Alice <a@example.com>",
		"a@example.com, b@example.com",
		"",
	};

	msg = compose(&m, NULL);
	h = headers_of(msg);
	is_string(
	    FROM, header_value(h, "From"), "no name: From is the address");
	is_int(0, header_count(h, "Reply-To"), "no reply_to: no Reply-To");

	m.from_name = "Alice Owner via Roster";
	m.reply_to = "alice@example.com";
	msg = compose(&m, NULL);
	h = headers_of(msg);
	ok(strstr(h, "\r\nFrom: \"Alice Owner via Roster\" <" FROM ">\r\n") !=
		NULL,
	    "an ASCII name is a quoted string before the address");
	is_int(1, header_count(h, "From"), "one From");
	is_int(1, header_count(h, "Reply-To"), "one Reply-To");
	is_string("alice@example.com", header_value(h, "Reply-To"),
	    "Reply-To is the address given");

	m.from_name = "Al \"The\" \\Boss\\ via Roster";
	msg = compose(&m, NULL);
	h = headers_of(msg);
	ok(strstr(h, "From: \"Al \\\"The\\\" \\\\Boss\\\\ via Roster\" <") !=
		NULL,
	    "quotes and backslashes are escaped");
	is_string("Al \"The\" \\Boss\\ via Roster",
	    from_name_of(header_value(h, "From")), "... and read back");

	m.from_name = "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m via Roster";
	msg = compose(&m, NULL);
	h = headers_of(msg);
	ok(strncmp(header_value(h, "From"), "=?UTF-8?B?", 10) == 0,
	    "a non-ASCII name is encoded-words");
	is_string("Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m via Roster",
	    from_name_of(header_value(h, "From")), "... that decode to it");
	ok(crlf_only(msg) && header_lines_short(msg), "... lines short, CRLF");

	m.from_name = "=?UTF-8?B?QmNjOiB4?= via Roster";
	msg = compose(&m, NULL);
	h = headers_of(msg);
	is_string("=?UTF-8?B?QmNjOiB4?= via Roster",
	    from_name_of(header_value(h, "From")),
	    "a name that looks like an encoded-word is encoded itself");

	memset(long_ascii, 'x', 70);
	long_ascii[70] = '\0';
	m.from_name = long_ascii;
	msg = compose(&m, NULL);
	h = headers_of(msg);
	ok(header_lines_short(msg), "a 70-character name: lines within 78");
	is_string(long_ascii, from_name_of(header_value(h, "From")),
	    "... the address folded after it");

	for (int i = 0; i < 250; i++)
		long_ascii[i] = (char)('a' + i % 26);
	long_ascii[250] = '\0';
	m.from_name = long_ascii;
	msg = compose(&m, NULL);
	h = headers_of(msg);
	ok(header_lines_short(msg), "a 250-character name: lines within 78");
	is_string(long_ascii, from_name_of(header_value(h, "From")),
	    "... decodes whole");
	is_int(1, header_count(h, "From"), "... one From");

	m.reply_to = NULL;
	for (size_t i = 0; i < sizeof(bad_name) / sizeof(*bad_name); i++) {
		m.from_name = bad_name[i];
		compose(&m, &e);
		is_int(ERR_INVALID, e, "name refused: %zu", i);
	}
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	m.from_name = big;
	compose(&m, &e);
	is_int(ERR_INVALID, e, "a name over MAIL_FROM_NAME_MAX bytes refused");
	m.from_name = NULL;
	for (size_t i = 0; i < sizeof(bad_reply) / sizeof(*bad_reply); i++) {
		m.reply_to = bad_reply[i];
		compose(&m, &e);
		is_int(ERR_INVALID, e, "reply-to refused: %zu", i);
	}
}

/* Longest line of s in characters, lines containing "://" left out. */
static size_t
longest_prose(const char *s)
{
	size_t best = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, "\n"), c = 0;
		char *line = arena_strndup(A, s, n);

		for (size_t i = 0; i < n; i++)
			if (((unsigned char)s[i] & 0xc0) != 0x80)
				c++;
		if (strstr(line, "://") == NULL && c > best)
			best = c;
		s += n + (s[n] == '\n');
	}
	return best;
}

static void
test_wrap(void)
{
	const char *url = "https://roster.example/invitations/accept?token="
			  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	char *in, *out;

	is_string("short\n\nlines\n",
	    mail_compose_wrap(A, "short\n\nlines\n", 72),
	    "short lines and blank lines stay");
	is_string("no newline", mail_compose_wrap(A, "no newline", 72),
	    "a last line without a line end stays so");
	is_string("aaa bbb\nccc", mail_compose_wrap(A, "aaa bbb ccc", 7),
	    "a long line breaks at the last space that fits");
	is_string("\xc3\xa9\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\xc3\xa9\nx",
	    mail_compose_wrap(
		A, "\xc3\xa9\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\xc3\xa9 x", 7),
	    "widths count characters, not bytes");
	is_string("go to\nxxxxxxxxxxxx\nnow",
	    mail_compose_wrap(A, "go to xxxxxxxxxxxx now", 7),
	    "a word longer than the width stays whole on its own line");
	in = arena_printf(A,
	    "Olga Owner <olga@example.com> invited you to join A Very Long "
	    "Organization Name That Goes On And On on Roster as admin.\n\n%s\n",
	    url);
	out = mail_compose_wrap(A, in, MAIL_TEXT_WIDTH);
	ok(longest_prose(out) <= MAIL_TEXT_WIDTH, "prose within 72 columns");
	ok(strstr(out, arena_printf(A, "\n%s\n", url)) != NULL,
	    "the URL stays whole on its own line");
}

static void
test_unique_ids(void)
{
	struct mail_msg m = {
		.to = "f@example.com", .subject = "s", .text = "t"
	};
	char *a = compose(&m, NULL), *b = compose(&m, NULL);

	ok(a != NULL && b != NULL &&
		strcmp(header_value(headers_of(a), "Message-ID"),
		    header_value(headers_of(b), "Message-ID")) != 0,
	    "two messages get different Message-IDs");
}

int
main(void)
{
	if (crypto_init() == -1)
		return 1;
	A = arena_new(0);
	plan_lazy();
	test_text_only();
	test_multipart();
	test_subject();
	test_refusals();
	test_unique_ids();
	test_from_name();
	test_wrap();
	test_qp_random();
	test_subject_random();
	arena_free(A);
	return done_testing();
}
