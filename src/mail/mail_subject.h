/*
 * Names a user chose on their way into a header: the one place that puts
 * an organization's or a person's name into a subject line or into the
 * display name of From (mail_compose then encodes what it is given).
 */
#ifndef ROSTER_MAIL_MAIL_SUBJECT_H
#define ROSTER_MAIL_MAIL_SUBJECT_H

#include <stddef.h>

struct arena;

/* Characters of a name kept in a subject; a longer name is cut on a
 * character boundary and ends in an ellipsis. */
#define MAIL_SUBJECT_NAME_CHARS 60

/* Characters of a person's display name kept in a subject or in the
 * display name of From, cut the same way. */
#define MAIL_SUBJECT_PERSON_CHARS 40

/*
 * Returns name cleaned as for mail_subject_org, without the quotes, cut
 * after max_chars characters (the ellipsis not counted). A NULL name gives
 * "".
 */
char *mail_subject_name(struct arena *a, const char *name, size_t max_chars);

/*
 * Returns before, then name in double quotes, then after: one line of
 * valid UTF-8, whatever name holds. In the name, control characters
 * (C0, DEL, C1), line and paragraph separators and bidirectional
 * overrides become spaces, runs of spaces become one, the ends are
 * trimmed, bytes that are not UTF-8 become '?', and past
 * MAIL_SUBJECT_NAME_CHARS characters the name is cut and "…" appended.
 * Quotes inside the name are kept: the subject is encoded by
 * mail_compose, never parsed. A NULL or empty name gives "" quoted.
 */
char *mail_subject_org(
    struct arena *a, const char *before, const char *name, const char *after);

/*
 * Returns before, the person's name cleaned and cut at
 * MAIL_SUBJECT_PERSON_CHARS (unquoted: "Alice Owner"), middle, then, when
 * org is not NULL, the organization's name as mail_subject_org quotes it,
 * then after: 'Alice Owner invited you to join "Acme" on Roster'. A NULL
 * person, or one that cleans to nothing, is "Someone".
 */
char *mail_subject_person(struct arena *a, const char *before,
    const char *person, const char *middle, const char *org, const char *after);

/*
 * The display name of From for an email sent on a person's behalf: the
 * name cleaned and cut at MAIL_SUBJECT_PERSON_CHARS, then " via Roster"
 * ("Alice Owner via Roster"); "Roster" for a NULL person or one that
 * cleans to nothing. mail_compose quotes or encodes it.
 */
char *mail_subject_from_name(struct arena *a, const char *person);

#endif
