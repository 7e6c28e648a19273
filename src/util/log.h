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

#endif
