/*
 * Names a user chose, on their way into a header (a subject, the display
 * name of From): on one line, length-capped on a character boundary;
 * organizations quoted.
 */
#include "mail/mail_subject.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"

/* The length of the UTF-8 sequence at p (1 to 4), with its code point in
 * *cp, or 0 when the bytes at p are not a valid sequence. */
static size_t
utf8_next(const unsigned char *p, uint32_t *cp)
{
	size_t n;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* Whether code point c must not reach a subject: it could break the line
 * or reorder what a reader sees. */
static bool
blank_out(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
	    c == 0x2029 || (c >= 0x200e && c <= 0x200f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* Appends name to b cleaned as mail_subject_name says. */
static void
put_name(struct buf *b, const char *name, size_t max_chars)
{
	const unsigned char *p =
	    (const unsigned char *)(name != NULL ? name : "");
	size_t chars = 0;
	bool gap = false; /* spaces seen since the last character kept */

	while (*p != '\0') {
		uint32_t c = 0;
		size_t n = utf8_next(p, &c);

		if (n != 0 && (c == ' ' || blank_out(c))) {
			/* A space is kept only between two characters. */
			gap = chars > 0;
			p += n;
			continue;
		}
		if (chars + (gap ? 2 : 1) > max_chars) {
			buf_puts(b, "\xe2\x80\xa6");
			break;
		}
		if (gap) {
			buf_putc(b, ' ');
			chars++;
			gap = false;
		}
		if (n == 0) {
			buf_putc(b, '?');
			n = 1;
		} else
			buf_append(b, p, n);
		chars++;
		p += n;
	}
}

char *
mail_subject_name(struct arena *a, const char *name, size_t max_chars)
{
	struct buf b;

	buf_init(&b, a);
	put_name(&b, name, max_chars);
	return b.data;
}

char *
mail_subject_org(
    struct arena *a, const char *before, const char *name, const char *after)
{
	struct buf b;

	buf_init(&b, a);
	buf_puts(&b, before != NULL ? before : "");
	buf_putc(&b, '"');
	put_name(&b, name, MAIL_SUBJECT_NAME_CHARS);
	buf_putc(&b, '"');
	buf_puts(&b, after != NULL ? after : "");
	return b.data;
}

char *
mail_subject_person(struct arena *a, const char *before, const char *person,
    const char *middle, const char *org, const char *after)
{
	struct buf b;

	buf_init(&b, a);
	buf_puts(&b, before != NULL ? before : "");
	if (person == NULL || mail_subject_name(a, person, 1)[0] == '\0')
		buf_puts(&b, "Someone");
	else
		put_name(&b, person, MAIL_SUBJECT_PERSON_CHARS);
	buf_puts(&b, middle != NULL ? middle : "");
	if (org != NULL) {
		buf_putc(&b, '"');
		put_name(&b, org, MAIL_SUBJECT_NAME_CHARS);
		buf_putc(&b, '"');
	}
	buf_puts(&b, after != NULL ? after : "");
	return b.data;
}

char *
mail_subject_from_name(struct arena *a, const char *person)
{
	struct buf b;

	if (person == NULL || mail_subject_name(a, person, 1)[0] == '\0')
		return arena_strdup(a, "Roster");
	buf_init(&b, a);
	put_name(&b, person, MAIL_SUBJECT_PERSON_CHARS);
	buf_puts(&b, " via Roster");
	return b.data;
}
