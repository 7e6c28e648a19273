/*
 * Message composition: validated addresses, an RFC 2047 subject and
 * display name, and quoted-printable text and HTML parts, every line
 * ending in CRLF. The only values copied into headers verbatim are
 * addresses that passed email_valid() under EMAIL_HEADER and printable
 * ASCII subjects and names (the names quoted and escaped); everything
 * else is encoded.
 */
#include "mail/mail.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/email.h"
#include "util/log.h"
#include "util/str.h"

#define QP_LINE_MAX     76 /* RFC 2045 6.7 (5), soft break included */
#define SUBJECT_CHUNK   42 /* raw bytes per encoded-word: 56 base64 chars */
#define HEADER_LINE_MAX 78

/* A body: present, valid UTF-8, of bounded size. */
static bool
body_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	return n <= MAIL_BODY_MAX && str_utf8_valid(s, n);
}

/* One line of valid UTF-8 of at most max bytes. */
static bool
line_valid(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	return n <= max && str_no_ctl(s) && str_utf8_valid(s, n);
}

/* "Date: Tue, 05 Mar 2024 14:03:02 +0000" without the locale's help. */
static void
put_date(struct buf *out)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Folds a printable ASCII subject before spaces so that no line passes
 * HEADER_LINE_MAX (unfolding gives the text back unchanged). Returns
 * false, writing nothing, when a run without spaces is too long for it.
 */
static bool
put_subject_folded(struct arena *a, struct buf *out, const char *s)
{
	size_t n = strlen(s), start = 0, col = strlen("Subject: "), last = n;
	struct buf b;

	/* No line may be spaces only: never break inside trailing ones. */
	while (last > 0 && s[last - 1] == ' ')
		last--;
	buf_init(&b, a);
	buf_puts(&b, "Subject: ");
	while (n - start + col > HEADER_LINE_MAX) {
		size_t brk = 0;

		/* The last space that keeps this line short enough and
		 * leaves something other than spaces before it. */
		for (size_t k = start + 1;
		     k < last && k - start + col <= HEADER_LINE_MAX; k++)
			if (s[k] == ' ' && s[k - 1] != ' ')
				brk = k;
		if (brk == 0)
			return false;
		buf_append(&b, s + start, brk - start);
		buf_puts(&b, "\r\n");
		start = brk;
		col = 0;
	}
	buf_append(&b, s + start, n - start);
	buf_puts(&b, "\r\n");
	buf_append(out, b.data, b.len);
	return true;
}

/* Whether s may go out as it is: printable ASCII that cannot be
 * mistaken for an encoded-word. */
static bool
plain_ascii(const char *s)
{
	return strstr(s, "=?") == NULL && str_printable(s);
}

/*
 * Base64 encoded-words of at most SUBJECT_CHUNK bytes of s, cut between
 * UTF-8 characters, each after a space and ending its line.
 */
static void
put_words(struct arena *a, struct buf *out, const char *s)
{
	size_t n = strlen(s), i = 0;

	do {
		size_t len = n - i < SUBJECT_CHUNK ? n - i : SUBJECT_CHUNK;

		/* Back off to the start of a UTF-8 character. */
		while (i + len < n && len > 0 &&
		    ((unsigned char)s[i + len] & 0xc0) == 0x80)
			len--;
		buf_printf(
		    out, " =?UTF-8?B?%s?=\r\n", base64_encode(a, s + i, len));
		i += len;
	} while (i < n);
}

/*
 * The subject goes out as it is when plain_ascii (folded before spaces
 * when long); otherwise as encoded-words, one per folded line.
 */
static void
put_subject(struct arena *a, struct buf *out, const char *s)
{
	if (plain_ascii(s) && put_subject_folded(a, out, s))
		return;
	buf_puts(out, "Subject:");
	put_words(a, out, s);
}

/*
 * "From: addr", or with a display name "From: \"name\" <addr>": a quoted
 * string ('"' and '\\' escaped) when the name is plain_ascii and the
 * quoted form fits a line, else encoded-words. The address moves to a
 * folded line of its own when the line would pass HEADER_LINE_MAX.
 */
static void
put_from(struct arena *a, struct buf *out, const char *name, const char *addr)
{
	struct buf q;

	if (name == NULL) {
		buf_printf(out, "From: %s\r\n", addr);
		return;
	}
	buf_init(&q, a);
	buf_putc(&q, '"');
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(&q, '\\');
		buf_putc(&q, *p);
	}
	buf_putc(&q, '"');
	if (plain_ascii(name) && strlen("From: ") + q.len <= HEADER_LINE_MAX) {
		buf_printf(out, "From: %s", q.data);
		if (strlen("From: ") + q.len + strlen(addr) + 3 <=
		    HEADER_LINE_MAX)
			buf_printf(out, " <%s>\r\n", addr);
		else
			buf_printf(out, "\r\n <%s>\r\n", addr);
		return;
	}
	buf_puts(out, "From:");
	put_words(a, out, name);
	buf_printf(out, " <%s>\r\n", addr);
}

/*
 * Quoted-printable (RFC 2045 6.7). CRLF, LF and lone CR are hard line
 * breaks written as CRLF; '=', controls, bytes above 0x7e and whitespace
 * before a line end are =XX; soft breaks keep lines within QP_LINE_MAX.
 * Leading dots stay: the SMTP client stuffs them.
 */
static void
put_qp(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0;

	while (*p != '\0') {
		unsigned char c = *p;
		bool eol;
		char tok[4];
		size_t tn, room;

		if (c == '\r' || c == '\n') {
			p += (c == '\r' && p[1] == '\n') ? 2 : 1;
			buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !eol)) {
			tok[0] = (char)c;
			tn = 1;
		} else {
			snprintf(tok, sizeof(tok), "=%02X", c);
			tn = 3;
		}
		/* The last token of a line may use the column a soft break
		 * would otherwise need. */
		room = eol ? QP_LINE_MAX : QP_LINE_MAX - 1;
		if (col + tn > room) {
			buf_puts(out, "=\r\n");
			col = 0;
		}
		buf_append(out, tok, tn);
		col += tn;
		p++;
	}
}

/* Characters (UTF-8 sequences) in s[0..n). */
static size_t
chars_of(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

char *
mail_compose_wrap(struct arena *a, const char *text, size_t width)
{
	struct buf b;
	const char *p = text;

	buf_init(&b, a);
	while (*p != '\0') {
		size_t n = strcspn(p, "\n"), col = 0;
		const char *end = p + n, *w = p;
		bool first = true;

		if (chars_of(p, n) <= width) {
			buf_append(&b, p, n);
			w = end;
		}
		/* A long line's indentation stays before its first word. */
		while (w < end && *w == ' ') {
			buf_putc(&b, ' ');
			col++;
			w++;
		}
		while (w < end) {
			const char *we = w;
			size_t wc;

			while (we < end && *we != ' ')
				we++;
			wc = chars_of(w, (size_t)(we - w));
			if (!first && col + 1 + wc > width) {
				buf_putc(&b, '\n');
				col = 0;
			} else if (!first) {
				buf_putc(&b, ' ');
				col++;
			}
			buf_append(&b, w, (size_t)(we - w));
			col += wc;
			first = false;
			w = we;
			while (w < end && *w == ' ')
				w++;
		}
		if (*end == '\n')
			buf_putc(&b, *end++);
		p = end;
	}
	return b.data;
}

static void
put_part_headers(struct buf *out, const char *type)
{
	buf_printf(out,
	    "Content-Type: %s; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	    type);
}

/* 16 random bytes as 32 hex digits. */
static char *
random_hex(struct arena *a)
{
	uint8_t r[16];

	crypto_random(r, sizeof(r));
	return hex_encode(a, r, sizeof(r));
}

enum err
mail_compose(struct arena *a, const struct mail_msg *m, const char *from,
    struct buf *out)
{
	struct buf b;
	const char *why;
	enum err e;

	if (!email_valid(m->to, EMAIL_HEADER)) {
		why = "recipient";
		e = ERR_INVALID_EMAIL;
		goto fail;
	}
	e = ERR_INVALID;
	if (!email_valid(from, EMAIL_HEADER)) {
		why = "sender";
		goto fail;
	}
	if (m->reply_to != NULL && !email_valid(m->reply_to, EMAIL_HEADER)) {
		why = "reply-to";
		goto fail;
	}
	if (!line_valid(m->subject, MAIL_SUBJECT_MAX)) {
		why = "subject";
		goto fail;
	}
	if (m->from_name != NULL &&
	    !line_valid(m->from_name, MAIL_FROM_NAME_MAX)) {
		why = "sender name";
		goto fail;
	}
	if (!body_valid(m->text) || (m->html != NULL && !body_valid(m->html))) {
		why = "body";
		goto fail;
	}

	buf_init(&b, a);
	put_date(&b);
	put_from(a, &b, m->from_name, from);
	if (m->reply_to != NULL)
		buf_printf(&b, "Reply-To: %s\r\n", m->reply_to);
	buf_printf(&b, "To: %s\r\n", m->to);
	put_subject(a, &b, m->subject);
	buf_printf(&b, "Message-ID: <%s@%s>\r\n", random_hex(a),
	    strchr(from, '@') + 1);
	buf_puts(&b, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	if (m->html == NULL) {
		put_part_headers(&b, "text/plain");
		put_qp(&b, m->text);
		/* The message ends with a line end; a final newline of the
		 * text already gave one. */
		if (b.len < 2 || memcmp(b.data + b.len - 2, "\r\n", 2) != 0)
			buf_puts(&b, "\r\n");
	} else {
		/* "=_" cannot occur in quoted-printable output, so the
		 * boundary never collides with a part's content. */
		const char *bd = arena_printf(a, "=_roster_%s", random_hex(a));

		buf_printf(&b,
		    "Content-Type: multipart/alternative;\r\n"
		    " boundary=\"%s\"\r\n\r\n",
		    bd);
		buf_puts(&b, "This is a message in MIME format.\r\n");
		buf_printf(&b, "\r\n--%s\r\n", bd);
		put_part_headers(&b, "text/plain");
		put_qp(&b, m->text);
		buf_printf(&b, "\r\n--%s\r\n", bd);
		put_part_headers(&b, "text/html");
		put_qp(&b, m->html);
		buf_printf(&b, "\r\n--%s--\r\n", bd);
	}
	buf_append(out, b.data, b.len);
	crypto_wipe(b.data, b.len);
	return ERR_OK;
fail:
	log_warn("mail_compose: invalid %s", why);
	return e;
}
