/*
 * Subjects that name an organization: the one place that puts a name a
 * user chose into a subject line.
 */
#ifndef ROSTER_MAIL_MAIL_SUBJECT_H
#define ROSTER_MAIL_MAIL_SUBJECT_H

struct arena;

/* Characters of a name kept in a subject; a longer name is cut on a
 * character boundary and ends in an ellipsis. */
#define MAIL_SUBJECT_NAME_CHARS 60

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

#endif
