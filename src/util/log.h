/*
 * Logging to stderr, one line per call, prefixed with the program name and
 * pid. Never pass a token, password, session id or a token page's query
 * string: nothing here can tell a secret from a name.
 */
#ifndef ROSTER_UTIL_LOG_H
#define ROSTER_UTIL_LOG_H

/* Sets the name printed before each line (default "roster"). */
void log_init(const char *progname);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct arena;

/*
 * v as the value of a key=value pair (logfmt): as it is when it is not
 * empty and holds only letters, digits and . _ : / @ + -; otherwise in
 * double quotes, with a double quote and a backslash escaped by a
 * backslash and any byte outside printable ASCII written as \xNN.
 * NULL gives "-". From the arena.
 */
const char *log_value(struct arena *a, const char *v);

#endif
