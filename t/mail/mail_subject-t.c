/*
 * Unit tests of src/mail/mail_subject.c: a subject naming an organization
 * is quoted, one line, cut at MAIL_SUBJECT_NAME_CHARS characters on a
 * character boundary with an ellipsis, and free of control characters,
 * separators and bidirectional overrides; the composed message carries it
 * as one Subject header. Subjects naming a person and the display name
 * of From are cleaned the same way, a person cut at
 * MAIL_SUBJECT_PERSON_CHARS.
 */
#include <stdio.h>
#include <string.h>

#include "mail/mail.h"
#include "mail/mail_subject.h"
#include "tap.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

static struct arena *A;

static char *
subj(const char *name)
{
	return mail_subject_org(A, "Join ", name, " on Roster");
}

/* Characters (not bytes) of the UTF-8 string s. */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
main(void)
{
	char long_name[128], want[512], *s;
	struct buf b;
	struct mail_msg m = { .to = "bob@example.com", .text = "hi" };

	A = arena_new(0);
	plan_lazy();

	is_string("Join \"Acme Corp\" on Roster", subj("Acme Corp"), "quoted");
	is_string("Join \"\" on Roster", subj(NULL), "NULL name: empty quotes");
	is_string("Join \"\" on Roster", subj(" \n\t "), "blank name");
	is_string("Join \"Acme \"Co\" 'x'\" on Roster", subj("Acme \"Co\" 'x'"),
	    "quotes inside the name are kept");
	is_string("Join \"Acme Bcc: x@evil.example\" on Roster",
	    subj("Acme\r\nBcc: x@evil.example"), "CR LF become one space");
	is_string("Join \"a b c d\" on Roster",
	    subj("  a\tb\x7f"
		 "c\x1b d  "),
	    "tab, DEL and ESC become spaces, runs collapse, ends trimmed");
	is_string("Join \"a b c d e\" on Roster",
	    subj("a\xc2\x85"
		 "b\xe2\x80\xa8"
		 "c\xe2\x80\xae"
		 "d\xe2\x81\xa6"
		 "e"),
	    "NEL, U+2028, RLO and LRI become spaces");
	is_string("Join \"a?b\" on Roster",
	    subj("a\xff"
		 "b"),
	    "a byte that is not UTF-8 becomes ?");
	is_string("Join \"\xc3\x89"
		  "cole \xe2\x80\x94 caf\xc3\xa9\" on Roster",
	    subj("\xc3\x89"
		 "cole \xe2\x80\x94 caf\xc3\xa9"),
	    "UTF-8 kept as it is");

	/* 60 characters fit; 61 are cut to 60 and an ellipsis. */
	memset(long_name, 'x', 60);
	long_name[60] = '\0';
	snprintf(want, sizeof(want), "Join \"%s\" on Roster", long_name);
	is_string(want, subj(long_name), "60 characters: whole");
	long_name[60] = 'y';
	long_name[61] = '\0';
	s = subj(long_name);
	long_name[60] = '\0';
	snprintf(
	    want, sizeof(want), "Join \"%s\xe2\x80\xa6\" on Roster", long_name);
	is_string(want, s, "61 characters: 60 and an ellipsis");

	/* 200 two-byte characters with quotes and a new line: cut on a
	 * character boundary, one line, valid UTF-8. */
	buf_init(&b, A);
	buf_puts(&b, "\"Quoted\"\n");
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "\xc3\xa9");
	s = subj(b.data);
	ok(strchr(s, '\n') == NULL && strchr(s, '\r') == NULL,
	    "200 characters and a new line: one line");
	ok(str_utf8_valid(s, strlen(s)), "... valid UTF-8");
	is_int(strlen("Join \"") + 60 + 1 + strlen("\" on Roster"), chars(s),
	    "... 60 characters of the name and an ellipsis");
	ok(strncmp(s, "Join \"\"Quoted\" \xc3\xa9", 17) == 0,
	    "... starting with the name as given");
	ok(strstr(s, "\xc3\xa9\xe2\x80\xa6\" on Roster") != NULL,
	    "... cut after a whole character, then the ellipsis");

	/* A space never comes right before the ellipsis. */
	memset(long_name, 'x', 59);
	strcpy(long_name + 59, " yz");
	snprintf(want, sizeof(want), "Join \"%.59s\xe2\x80\xa6\" on Roster",
	    long_name);
	is_string(want, subj(long_name), "no space before the ellipsis");

	/* The composed message: one Subject header, encoded. */
	m.subject = subj(b.data);
	buf_init(&b, A);
	is_int(ERR_OK, mail_compose(A, &m, "roster@example.org", &b),
	    "the subject composes");
	s = strstr(b.data, "\r\n\r\n");
	ok(s != NULL, "the message has a header block");
	if (s != NULL)
		*s = '\0';
	ok(strstr(b.data, "\nBcc:") == NULL &&
		strstr(b.data, "Quoted\"\n") == NULL,
	    "no header made of the name");
	ok(strstr(b.data, "Subject: =?UTF-8?B?") != NULL,
	    "the subject is RFC 2047 encoded");

	/* A person and an organization. */
	is_string("Alice Owner invited you to join \"Acme\" on Roster",
	    mail_subject_person(A, "", "Alice Owner", " invited you to join ",
		"Acme", " on Roster"),
	    "person, then the organization quoted");
	is_string("Your invitation to Roster from Alice",
	    mail_subject_person(
		A, "Your invitation to Roster from ", "Alice", "", NULL, ""),
	    "no organization: none quoted");
	is_string("Someone invited you to join \"Acme\" on Roster",
	    mail_subject_person(
		A, "", " \r\n ", " invited you to join ", "Acme", " on Roster"),
	    "a blank person is Someone");
	is_string("Eve Bcc: x@evil.example added you to \"A\"",
	    mail_subject_person(
		A, "", "Eve\r\nBcc: x@evil.example", " added you to ", "A", ""),
	    "CR LF in the person become one space");
	memset(long_name, 'p', 50);
	long_name[50] = '\0';
	s = mail_subject_person(A, "", long_name, " x", NULL, "");
	is_int(40 + 1 + 2, chars(s),
	    "a person is cut at MAIL_SUBJECT_PERSON_CHARS with an ellipsis");

	/* The display name of From. */
	is_string("Alice Owner via Roster",
	    mail_subject_from_name(A, "Alice Owner"), "NAME via Roster");
	is_string(
	    "Roster", mail_subject_from_name(A, NULL), "no person: Roster");
	is_string("Roster", mail_subject_from_name(A, "\t\xe2\x80\xae "),
	    "a person that cleans to nothing: Roster");
	is_string("\"Q\" \\ Bcc: x@y via Roster",
	    mail_subject_from_name(A, "\"Q\" \\\nBcc: x@y"),
	    "quotes and backslashes are left for mail_compose to escape");
	buf_init(&b, A);
	for (int i = 0; i < 300; i++)
		buf_puts(&b, i % 2 ? "\xc3\xa9" : "\"");
	s = mail_subject_from_name(A, b.data);
	is_int(40 + 1 + strlen(" via Roster"), chars(s),
	    "300 characters: 40, an ellipsis, then via Roster");
	ok(str_utf8_valid(s, strlen(s)), "... valid UTF-8");
	arena_free(A);
	return done_testing();
}
