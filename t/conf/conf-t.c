/*
 * Unit tests of the secrets of src/conf.c: ROSTER_SECRET_KEY and
 * ROSTER_SMTP_PASSWORD from the variable, from the file that
 * ROSTER_SECRET_KEY_FILE / ROSTER_SMTP_PASSWORD_FILE name (one trailing
 * newline dropped), or from systemd's credentials
 * ($CREDENTIALS_DIRECTORY/secret_key, /smtp_password) when neither is
 * set. The same key, however given, derives the same keys. Refused: a
 * variable and its file both set, a missing, empty or NUL-holding file,
 * an unreadable credential; a missing credential is no error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "crypto/crypto.h"
#include "tap.h"

#define KEY "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

static char dir[64];

static void
put(const char *name, const char *data, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, n, f) != n ||
	    fclose(f) != 0)
		abort();
}

static const char *
at(const char *name)
{
	static char path[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static void
clear(void)
{
	unsetenv("ROSTER_SECRET_KEY");
	unsetenv("ROSTER_SECRET_KEY_FILE");
	unsetenv("ROSTER_SMTP_PASSWORD");
	unsetenv("ROSTER_SMTP_PASSWORD_FILE");
	unsetenv("CREDENTIALS_DIRECTORY");
}

int
main(void)
{
	struct conf want, c;
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/conf-t.XXXXXX");
	if (mkdtemp(dir) == NULL || crypto_init() == -1)
		return 1;
	plan_lazy();
	clear();
	setenv("ROSTER_SECRET_KEY", KEY, 1);
	setenv("ROSTER_SMTP_PASSWORD", "pw in env", 1);
	is_int(0, conf_load(&want, true), "key and password in the variables");
	is_string("pw in env", want.smtp_password, "password from the variable");

	clear();
	put("key", KEY "\n", strlen(KEY) + 1);
	put("pw", "s3cret pw\r\n", 11);
	setenv("ROSTER_SECRET_KEY_FILE", at("key"), 1);
	setenv("ROSTER_SMTP_PASSWORD_FILE", at("pw"), 1);
	is_int(0, conf_load(&c, true), "key and password from files");
	ok(memcmp(&want.keys, &c.keys, sizeof(c.keys)) == 0,
	    "the key from a file (newline dropped) derives the same keys");
	is_string("s3cret pw", c.smtp_password,
	    "password from a file, CRLF dropped");

	put("pw2", "two\n\n", 5);
	setenv("ROSTER_SMTP_PASSWORD_FILE", at("pw2"), 1);
	is_int(0, conf_load(&c, true), "a file ending in two newlines");
	is_string("two\n", c.smtp_password, "only one newline is dropped");

	setenv("ROSTER_SECRET_KEY", KEY, 1);
	is_int(-1, conf_load(&c, true),
	    "ROSTER_SECRET_KEY and ROSTER_SECRET_KEY_FILE both set: refused");
	unsetenv("ROSTER_SECRET_KEY");
	setenv("ROSTER_SMTP_PASSWORD", "x", 1);
	is_int(-1, conf_load(&c, true),
	    "ROSTER_SMTP_PASSWORD and its _FILE both set: refused");
	unsetenv("ROSTER_SMTP_PASSWORD");
	unsetenv("ROSTER_SMTP_PASSWORD_FILE");

	setenv("ROSTER_SECRET_KEY_FILE", at("nonexistent"), 1);
	is_int(-1, conf_load(&c, true), "a missing key file: refused");
	put("empty", "\n", 1);
	setenv("ROSTER_SECRET_KEY_FILE", at("empty"), 1);
	is_int(-1, conf_load(&c, true), "an empty key file: refused");
	put("nul", "ab\0cd", 5);
	setenv("ROSTER_SECRET_KEY_FILE", at("nul"), 1);
	is_int(-1, conf_load(&c, true), "a key file with a NUL byte: refused");
	setenv("ROSTER_SECRET_KEY_FILE", dir, 1);
	is_int(-1, conf_load(&c, true), "a directory as key file: refused");

	/* systemd credentials: LoadCredential=secret_key:... */
	clear();
	if (mkdir(at("creds"), 0700) == -1)
		abort();
	put("creds/secret_key", KEY "\n", strlen(KEY) + 1);
	put("creds/smtp_password", "cred pw", 7);
	setenv("CREDENTIALS_DIRECTORY", at("creds"), 1);
	is_int(0, conf_load(&c, true), "key and password from credentials");
	ok(memcmp(&want.keys, &c.keys, sizeof(c.keys)) == 0,
	    "the credential secret_key derives the same keys");
	is_string("cred pw", c.smtp_password, "credential smtp_password");
	setenv("ROSTER_SMTP_PASSWORD", "env wins", 1);
	is_int(0, conf_load(&c, true), "variable set and a credential");
	is_string("env wins", c.smtp_password,
	    "the variable goes before the credential");
	unsetenv("ROSTER_SMTP_PASSWORD");
	setenv("ROSTER_SECRET_KEY_FILE", at("key"), 1);
	put("creds/secret_key", "bad", 3);
	is_int(0, conf_load(&c, true),
	    "ROSTER_SECRET_KEY_FILE goes before the credential");
	unsetenv("ROSTER_SECRET_KEY_FILE");
	is_int(-1, conf_load(&c, true), "a bad credential key: refused");
	unlink(at("creds/secret_key"));
	unlink(at("creds/smtp_password"));
	is_int(-1, conf_load(&c, true),
	    "no key anywhere (no credential file): refused as unset");
	is_int(0, conf_load(&c, false),
	    "no key, not needed: a missing credential is no error");
	ok(c.smtp_password == NULL, "no password: unset");
	if (geteuid() != 0) {
		put("creds/secret_key", KEY, strlen(KEY));
		chmod(at("creds/secret_key"), 0);
		is_int(-1, conf_load(&c, false),
		    "an unreadable credential: refused");
	}

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
