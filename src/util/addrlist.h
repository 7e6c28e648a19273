/*
 * A pasted list of email addresses, as people copy them out of a
 * spreadsheet, a mail client's To: line or a chat: entries separated by
 * commas, semicolons, white space or new lines, each either a bare
 * address or "Name <address>" (the name, quoted or not, is dropped). The
 * parser only splits: whether an entry is an address is the email
 * validator's question (util/email.h).
 */
#ifndef ROSTER_UTIL_ADDRLIST_H
#define ROSTER_UTIL_ADDRLIST_H

#include <stddef.h>

struct arena;

/*
 * Splits text into its entries, in order, into *out (an arena array of
 * arena strings, *n of them). An entry is:
 *  - the text between '<' and the next '>' (trimmed), which makes every
 *    word or "quoted string" before it in the same part (since the last
 *    ',', ';', new line or '<...>') its name, dropped;
 *  - a word (a run of bytes other than white space, ',', ';', '"' and
 *    '<') holding an '@': an address to judge;
 *  - a word without an '@', or a quoted string (up to its closing quote
 *    or the end of the line, quotes kept), that is not followed by
 *    '<...>' in its part: text that is no address, kept so that it can be
 *    reported as such.
 * A '<' without its '>' on the same line starts a word. Empty entries
 * ("<>", separators in a row) are dropped. Returns 0, or -1 when there
 * are more than max entries (*out and *n still hold them all). text may
 * be NULL (no entries).
 */
int addrlist_parse(struct arena *a, const char *text, size_t max,
    const char ***out, size_t *n);

#endif
