/*
 * Fuzz harness for src/mail/mail_compose.c: composes messages from
 * arbitrary recipients, subjects, sender display names, reply-to
 * addresses and bodies. The input is split at NUL bytes into to, subject,
 * text, html (no fourth part: a text-only message), from_name and
 * reply_to (absent parts: NULL). Whenever composition succeeds the message
 * must be well formed: the recipient passed email_valid (EMAIL_HEADER),
 * every line ends in CRLF with no bare CR or LF, the header holds only
 * "Name: value" lines and folded continuations (no header a subject or a
 * display name could inject), body lines stay within 76 characters, the
 * header names its recipient, its sender and its subject once each, and
 * Reply-To once when one was given, never otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mail/mail.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/email.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *fuzz_arena;

static char *
fuzz_part(const uint8_t **p, const uint8_t *end, int *present)
{
	const uint8_t *s = *p;
	*present = s < end;
	const uint8_t *z = memchr(s, 0, (size_t)(end - s));
	if (z == NULL)
		z = end;
	*p = z < end ? z + 1 : end;
	return arena_strndup(fuzz_arena, (const char *)s, (size_t)(z - s));
}

static void
fuzz_check_message(
    const char *m, size_t len, const char *to, const char *reply_to)
{
	const char *p = m, *end = m + len;
	int in_header = 1, to_lines = 0, subject_lines = 0, from_lines = 0,
	    reply_lines = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || nl == p || nl[-1] != '\r')
			abort(); /* a line without CRLF */
		size_t n = (size_t)(nl - 1 - p);
		if (memchr(p, '\r', n) != NULL)
			abort(); /* a bare CR */
		if (in_header) {
			if (n == 0) {
				in_header = 0;
			} else if (p[0] == ' ' || p[0] == '\t') {
				/* continuation */
			} else {
				const char *colon = memchr(p, ':', n);
				if (colon == NULL || colon == p)
					abort();
				for (const char *q = p; q < colon; q++)
					if (*q <= ' ' || *q >= 0x7f)
						abort();
				if ((size_t)(colon - p) == 2 &&
				    strncmp(p, "To", 2) == 0)
					to_lines++;
				if ((size_t)(colon - p) == 7 &&
				    strncmp(p, "Subject", 7) == 0)
					subject_lines++;
				if ((size_t)(colon - p) == 4 &&
				    strncmp(p, "From", 4) == 0)
					from_lines++;
				if ((size_t)(colon - p) == 8 &&
				    strncmp(p, "Reply-To", 8) == 0)
					reply_lines++;
			}
			if (n > 998)
				abort();
		} else if (n > 76) {
			abort();
		}
		p = nl + 1;
	}
	if (in_header || to_lines != 1 || subject_lines != 1 || from_lines != 1)
		abort();
	if (reply_lines != (reply_to != NULL ? 1 : 0))
		abort();
	if (!email_valid(to, EMAIL_HEADER))
		abort();
	if (reply_to != NULL && !email_valid(reply_to, EMAIL_HEADER))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	int has_to, has_subject, has_text, has_html, has_name, has_reply;
	struct mail_msg m;
	struct buf out;

	if (fuzz_arena == NULL) {
		if (crypto_init() != 0)
			abort();
		fuzz_arena = arena_new(0);
	}
	m.to = fuzz_part(&p, end, &has_to);
	m.subject = fuzz_part(&p, end, &has_subject);
	m.text = fuzz_part(&p, end, &has_text);
	char *html = fuzz_part(&p, end, &has_html);
	m.html = has_html ? html : NULL;
	char *from_name = fuzz_part(&p, end, &has_name);
	m.from_name = has_name ? from_name : NULL;
	char *reply_to = fuzz_part(&p, end, &has_reply);
	m.reply_to = has_reply ? reply_to : NULL;

	buf_init(&out, fuzz_arena);
	if (mail_compose(fuzz_arena, &m, "roster@example.org", &out) == ERR_OK)
		fuzz_check_message(out.data, out.len, m.to, m.reply_to);
	else if (out.len != 0)
		abort(); /* out is untouched on failure */
	arena_reset(fuzz_arena);
	return 0;
}
