/*
 * Validation of the values every domain operation shares: email addresses
 * and display or organization names.
 */
#ifndef ROSTER_DOMAIN_VALIDATE_H
#define ROSTER_DOMAIN_VALIDATE_H

#include "util/err.h"

struct arena;

/*
 * Normalises an email address with email_normalize(): trims, lower-cases
 * and validates it (ASCII only, at most 254 bytes, one '@', a plausible
 * local part and domain, no control characters or spaces). Writes the
 * canonical form to *out. Returns ERR_OK or ERR_INVALID_EMAIL, leaving
 * *out alone.
 */
enum err validate_email(struct arena *a, const char *in, char **out);

/* Validates a display name or organization name: trimmed, 1..100
 * characters (at most 400 bytes) of valid UTF-8 without control
 * characters. Writes the trimmed copy to *out. ERR_OK or ERR_INVALID_NAME,
 * leaving *out alone. */
enum err validate_name(struct arena *a, const char *in, char **out);

#endif
