/*
 * Configuration from the environment. Every ROSTER_* variable the programs
 * read is a row of conf_vars[]: its name, its default, its bounds and one
 * line saying what it is for. conf_load() reads through that table, and
 * conf_print() (rosterctl config) shows it, so the defaults are written
 * down once.
 */
#include "conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

enum conf_var {
	CONF_STATE_DIR,
	CONF_HTTP_PORT,
	CONF_BASE_URL,
	CONF_DATABASE_URL,
	CONF_MIGRATE_DATABASE_URL,
	CONF_DB_CONNECT_TIMEOUT,
	CONF_DB_STATEMENT_TIMEOUT,
	CONF_DB_LOCK_TIMEOUT,
	CONF_SECRET_KEY,
	CONF_SECRET_KEY_PREVIOUS,
	CONF_SECRET_KEY_FILE,
	CONF_SMTP_URL,
	CONF_SMTP_USER,
	CONF_SMTP_PASSWORD,
	CONF_SMTP_PASSWORD_FILE,
	CONF_SMTP_REQUIRE_TLS,
	CONF_SMTP_CA_FILE,
	CONF_MAIL_FROM,
	CONF_MAILER_METRICS_FILE,
	CONF_SIGNUP_MODE,
	CONF_SIGNUP_CAP,
	CONF_INVITE_TTL,
	CONF_INVITE_LIMIT_USER,
	CONF_INVITE_LIMIT_ORG,
	CONF_INVITE_LIMIT_RECIPIENT_HOUR,
	CONF_INVITE_LIMIT_RECIPIENT_DAY,
	CONF_REQUIRE_CONFIRMED,
	CONF_WORKERS,
	CONF_COOKIE_SECURE,
	CONF_SESSION_IDLE,
	CONF_SESSION_ABSOLUTE,
	CONF_LOGIN_LIMIT,
	CONF_LOGIN_CLIENT_LIMIT,
	CONF_TOKEN_LIMIT,
	CONF_RETRY_BASE,
	CONF_WEBHOOK_ALLOW_PRIVATE,
	CONF_MAIL_GIVE_UP,
	CONF_LOG_PROBES,
	CONF_FCGI_SOCKET,
	CONF_USER,
	CONF_SOCKET_GROUP,
	CONF_DATA_DIR,
	CONF__MAX
};

enum conf_flag {
	CONF_NUM = 1 << 0,      /* a number in [min, max] */
	CONF_REQUIRED = 1 << 1, /* no default: the serving programs need it */
	CONF_RULE = 1 << 2,     /* def describes a rule conf_load applies */
};

/*
 * One variable. def is the default: NULL when unset means unset (or, with
 * CONF_REQUIRED, an error); a "$ROSTER_NAME" inside it stands for the
 * value of that earlier variable; with CONF_RULE it is a phrase in
 * parentheses for a default computed in conf_load.
 */
struct conf_var_def {
	const char *name;
	const char *def;
	int flags;
	long long min, max;
	const char *about;
};

static const struct conf_var_def conf_vars[CONF__MAX] = {
	[CONF_STATE_DIR] = { "ROSTER_STATE_DIR", "./var", 0, 0, 0,
	    "cluster, logs, pid files, mail files" },
	[CONF_HTTP_PORT] = { "ROSTER_HTTP_PORT", "8080", 0, 0, 0,
	    "nginx port on 127.0.0.1" },
	[CONF_BASE_URL] = { "ROSTER_BASE_URL",
	    "http://127.0.0.1:$ROSTER_HTTP_PORT", 0, 0, 0,
	    "origin used in email links and checked against Origin" },
	[CONF_DATABASE_URL] = { "ROSTER_DATABASE_URL", "dbname=roster", 0, 0, 0,
	    "libpq connection string; scripts/up points it at its own "
	    "cluster" },
	[CONF_MIGRATE_DATABASE_URL] = { "ROSTER_MIGRATE_DATABASE_URL",
	    "$ROSTER_DATABASE_URL", 0, 0, 0,
	    "connection of rosterctl migrate, as the role that owns the "
	    "schema; migrate grants the role of ROSTER_DATABASE_URL the rows" },
	[CONF_DB_CONNECT_TIMEOUT] = { "ROSTER_DB_CONNECT_TIMEOUT", "5",
	    CONF_NUM, 1, 3600, "seconds to wait for a database connection" },
	[CONF_DB_STATEMENT_TIMEOUT] = { "ROSTER_DB_STATEMENT_TIMEOUT", "5000",
	    CONF_NUM, 0, 3600000,
	    "milliseconds a statement of the web workers or the mailer may "
	    "run (0: no limit; rosterctl has none)" },
	[CONF_DB_LOCK_TIMEOUT] = { "ROSTER_DB_LOCK_TIMEOUT", "2000", CONF_NUM,
	    0, 3600000,
	    "milliseconds a statement of the web workers or the mailer may "
	    "wait for a lock (0: no limit; rosterctl has none)" },
	[CONF_SECRET_KEY] = { "ROSTER_SECRET_KEY", NULL, CONF_REQUIRED, 0, 0,
	    "base64 of at least 32 random bytes; every key is derived from "
	    "it; scripts/up generates one" },
	[CONF_SECRET_KEY_PREVIOUS] = { "ROSTER_SECRET_KEY_PREVIOUS", NULL, 0, 0,
	    0, "the key before a rotation: links signed with it still verify" },
	[CONF_SECRET_KEY_FILE] = { "ROSTER_SECRET_KEY_FILE", NULL, 0, 0, 0,
	    "file holding ROSTER_SECRET_KEY (one trailing newline dropped); "
	    "else the systemd credential secret_key" },
	[CONF_SMTP_URL] = { "ROSTER_SMTP_URL", NULL, 0, 0, 0,
	    "smtp://host:port or smtps://host:port; unset writes .eml files "
	    "to $ROSTER_STATE_DIR/mail/" },
	[CONF_SMTP_PASSWORD_FILE] = { "ROSTER_SMTP_PASSWORD_FILE", NULL, 0, 0,
	    0, "file holding ROSTER_SMTP_PASSWORD (one trailing newline "
	    "dropped); else the systemd credential smtp_password" },
	[CONF_SMTP_USER] = { "ROSTER_SMTP_USER", NULL, 0, 0, 0,
	    "SMTP authentication: user name" },
	[CONF_SMTP_PASSWORD] = { "ROSTER_SMTP_PASSWORD", NULL, 0, 0, 0,
	    "SMTP authentication: password" },
	[CONF_SMTP_REQUIRE_TLS] = { "ROSTER_SMTP_REQUIRE_TLS", "0", CONF_NUM, 0,
	    1, "1: no mail over smtp:// without STARTTLS, even without "
	    "credentials (with credentials TLS is always required)" },
	[CONF_SMTP_CA_FILE] = { "ROSTER_SMTP_CA_FILE", NULL, 0, 0, 0,
	    "PEM CA bundle that verifies the SMTP server's certificate; unset: "
	    "the system's" },
	[CONF_MAILER_METRICS_FILE] = { "ROSTER_MAILER_METRICS_FILE", NULL, 0,
	    0, 0,
	    "file where roster-mailer keeps this host's delivery counters in "
	    "the Prometheus text format (for the node exporter's textfile "
	    "collector); unset: none" },
	[CONF_MAIL_FROM] = { "ROSTER_MAIL_FROM", "roster@localhost", 0, 0, 0,
	    "sender address" },
	[CONF_SIGNUP_MODE] = { "ROSTER_SIGNUP_MODE", "open", 0, 0, 0,
	    "open, invite_only or capped" },
	[CONF_SIGNUP_CAP] = { "ROSTER_SIGNUP_CAP", NULL, CONF_NUM, 0,
	    1000000000, "number of users allowed in capped mode" },
	[CONF_INVITE_TTL] = { "ROSTER_INVITE_TTL", "604800", CONF_NUM, 60,
	    365LL * 86400, "invitation lifetime, seconds" },
	[CONF_INVITE_LIMIT_USER] = { "ROSTER_INVITE_LIMIT_USER", "20", CONF_NUM,
	    1, 1000000, "invitations per hour per inviting user" },
	[CONF_INVITE_LIMIT_ORG] = { "ROSTER_INVITE_LIMIT_ORG", "100", CONF_NUM,
	    1, 1000000, "invitations per hour per organization" },
	[CONF_INVITE_LIMIT_RECIPIENT_HOUR] = {
	    "ROSTER_INVITE_LIMIT_RECIPIENT_HOUR", "20", CONF_NUM, 1, 1000000,
	    "invitation emails per hour to one address, all organizations" },
	[CONF_INVITE_LIMIT_RECIPIENT_DAY] = {
	    "ROSTER_INVITE_LIMIT_RECIPIENT_DAY", "50", CONF_NUM, 1, 1000000,
	    "invitation emails per day to one address, all organizations" },
	[CONF_REQUIRE_CONFIRMED] = { "ROSTER_REQUIRE_CONFIRMED", "0", CONF_NUM,
	    0, 1, "1: only users with a confirmed address create "
	    "organizations or invite" },
	[CONF_WORKERS] = { "ROSTER_WORKERS", "(number of cores)",
	    CONF_NUM | CONF_RULE, 1, 256, "FastCGI worker processes" },
	[CONF_COOKIE_SECURE] = { "ROSTER_COOKIE_SECURE",
	    "(0 on loopback, else 1)", CONF_NUM | CONF_RULE, 0, 1,
	    "Secure and __Host- cookies" },
	[CONF_SESSION_IDLE] = { "ROSTER_SESSION_IDLE", "7200", CONF_NUM, 60,
	    30LL * 86400, "session lifetime without a request, seconds" },
	[CONF_SESSION_ABSOLUTE] = { "ROSTER_SESSION_ABSOLUTE", "43200",
	    CONF_NUM, 60, 365LL * 86400,
	    "session lifetime from sign-in, seconds" },
	[CONF_LOGIN_LIMIT] = { "ROSTER_LOGIN_LIMIT", "10", CONF_NUM, 1, 1000000,
	    "failed sign-ins per address per 15 minutes" },
	[CONF_LOGIN_CLIENT_LIMIT] = { "ROSTER_LOGIN_CLIENT_LIMIT", "30",
	    CONF_NUM, 1, 1000000,
	    "failed sign-ins per client address per 15 minutes" },
	[CONF_TOKEN_LIMIT] = { "ROSTER_TOKEN_LIMIT", "60", CONF_NUM, 1, 1000000,
	    "failed token lookups per client address per minute" },
	[CONF_RETRY_BASE] = { "ROSTER_RETRY_BASE", "5", CONF_NUM, 1, 3600,
	    "seconds before the first retry of a failed email or webhook "
	    "delivery; each later wait doubles (with jitter), capped at one "
	    "hour" },
	[CONF_WEBHOOK_ALLOW_PRIVATE] = { "ROSTER_WEBHOOK_ALLOW_PRIVATE", "0",
	    CONF_NUM, 0, 1,
	    "1: webhooks may target loopback and private addresses (tests, "
	    "closed networks)" },
	[CONF_MAIL_GIVE_UP] = { "ROSTER_MAIL_GIVE_UP", "86400", CONF_NUM, 1,
	    30LL * 86400,
	    "seconds after queueing past which an email is not retried but "
	    "failed" },
	[CONF_LOG_PROBES] = { "ROSTER_LOG_PROBES", "0", CONF_NUM, 0, 1,
	    "1: log requests to /healthz and /metrics too (unlogged by "
	    "default: probes would drown the requests of people)" },
	[CONF_FCGI_SOCKET] = { "ROSTER_FCGI_SOCKET",
	    "$ROSTER_STATE_DIR/run/fcgi/fcgi.sock", 0, 0, 0,
	    "the FastCGI socket; a directory made for it belongs to "
	    "ROSTER_USER" },
	[CONF_USER] = { "ROSTER_USER", "roster", 0, 0, 0,
	    "unprivileged user roster-fcgi and roster-mailer switch to when "
	    "started as root" },
	[CONF_SOCKET_GROUP] = { "ROSTER_SOCKET_GROUP", "www-data", 0, 0, 0,
	    "group of the FastCGI socket when started as root: the web "
	    "server's" },
	[CONF_DATA_DIR] = { "ROSTER_DATA_DIR", "(installed data directory)",
	    CONF_RULE, 0, 0, "where templates/, static/ and sql/ live" },
};

static const char *const signup_modes[SIGNUP__MAX] = {
	[SIGNUP_OPEN] = "open",
	[SIGNUP_INVITE_ONLY] = "invite_only",
	[SIGNUP_CAPPED] = "capped",
};

const char *
conf_signup_mode_str(enum signup_mode mode)
{
	return (unsigned)mode < SIGNUP__MAX ? signup_modes[mode] : "";
}

/* Strings built here live as long as the process: they come from a
 * process-lifetime arena. */
static struct arena *conf_arena;

/* The value of each string variable once read, for "$ROSTER_NAME" in the
 * defaults of later ones. */
static const char *conf_values[CONF__MAX];

/* def with each "$ROSTER_NAME" replaced by that variable's value. */
static const char *
conf_expand(const char *def)
{
	struct buf b;
	const char *p = def, *d;

	if (strchr(def, '$') == NULL)
		return def;
	buf_init(&b, conf_arena);
	while ((d = strchr(p, '$')) != NULL) {
		size_t n = 1;
		int k;

		buf_append(&b, p, (size_t)(d - p));
		while (d[n] == '_' || (d[n] >= 'A' && d[n] <= 'Z'))
			n++;
		for (k = 0; k < CONF__MAX; k++)
			if (strlen(conf_vars[k].name) == n - 1 &&
			    strncmp(conf_vars[k].name, d + 1, n - 1) == 0)
				break;
		if (k < CONF__MAX && conf_values[k] != NULL)
			buf_puts(&b, conf_values[k]);
		else
			buf_append(&b, d, n);
		p = d + n;
	}
	buf_puts(&b, p);
	return b.data;
}

/* A string variable: its value when set and not empty, else its default
 * (NULL for none). */
static const char *
conf_str(enum conf_var k)
{
	const char *v = getenv(conf_vars[k].name);

	if (v == NULL || *v == '\0')
		v = conf_vars[k].def != NULL &&
			!(conf_vars[k].flags & CONF_RULE)
		    ? conf_expand(conf_vars[k].def)
		    : NULL;
	conf_values[k] = v;
	return v;
}

/* A number variable within its bounds; when unset, its default, or rule
 * (the value a CONF_RULE default computes, -1 for no default). Returns 0,
 * or -1 (logged) for a bad value. */
static int
conf_num(enum conf_var k, long long rule, long long *out)
{
	const struct conf_var_def *v = &conf_vars[k];
	long long def = rule;

	if (v->def != NULL && !(v->flags & CONF_RULE) &&
	    str_tonum(v->def, v->min, v->max, &def, NULL) == -1)
		abort(); /* a bad default in the table above */
	return str_env_num(v->name, v->min, v->max, def, out);
}

/*
 * The contents of path, one trailing newline (LF or CRLF) dropped, in the
 * process-lifetime arena; NULL (logged, naming what) when it cannot be
 * read, is empty, is larger than CONF_SECRET_MAX or holds a NUL byte.
 * missing_ok: a file that does not exist is no error (*gone set).
 */
#define CONF_SECRET_MAX 65536
static const char *
conf_read_file(const char *what, const char *path, bool missing_ok,
    bool *gone)
{
	char *data;
	size_t n = 0, r;
	FILE *f;

	*gone = false;
	if ((f = fopen(path, "re")) == NULL) {
		if (missing_ok && errno == ENOENT) {
			*gone = true;
			return NULL;
		}
		log_err("%s: %s: %s", what, path, strerror(errno));
		return NULL;
	}
	data = arena_alloc(conf_arena, CONF_SECRET_MAX + 1);
	while (n <= CONF_SECRET_MAX &&
	    (r = fread(data + n, 1, CONF_SECRET_MAX + 1 - n, f)) > 0)
		n += r;
	if (ferror(f)) {
		log_err("%s: %s: %s", what, path, strerror(errno));
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (n > CONF_SECRET_MAX) {
		log_err("%s: %s is larger than %d bytes", what, path,
		    CONF_SECRET_MAX);
		return NULL;
	}
	if (n > 0 && data[n - 1] == '\n')
		n--;
	if (n > 0 && data[n - 1] == '\r')
		n--;
	data[n] = '\0';
	if (strlen(data) != n || n == 0) {
		log_err("%s: %s is empty or holds a NUL byte", what, path);
		return NULL;
	}
	return data;
}

/*
 * A secret: the variable var itself, or the contents of the file that
 * file_var names (setting both is an error), or else, under systemd, the
 * credential cred ($CREDENTIALS_DIRECTORY/cred, from LoadCredential=) when
 * there is one. *out is NULL when none of them is set. Returns 0, or -1
 * (logged) for both variables set or a file that cannot be read.
 */
static int
conf_secret(enum conf_var var, enum conf_var file_var, const char *cred,
    const char **out)
{
	const char *v = conf_str(var), *f = conf_str(file_var), *dir;
	bool gone;

	*out = NULL;
	if (v != NULL && f != NULL) {
		log_err("%s and %s are both set: keep one", conf_vars[var].name,
		    conf_vars[file_var].name);
		return -1;
	}
	if (v != NULL) {
		*out = v;
		return 0;
	}
	if (f != NULL) {
		*out = conf_read_file(conf_vars[file_var].name, f, false, &gone);
		return *out != NULL ? 0 : -1;
	}
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (dir == NULL || *dir == '\0')
		return 0;
	*out = conf_read_file("CREDENTIALS_DIRECTORY",
	    arena_printf(conf_arena, "%s/%s", dir, cred), true, &gone);
	return *out != NULL || gone ? 0 : -1;
}

int
conf_load(struct conf *c, bool need_secret)
{
	const char *mode, *secret;
	long long v;
	size_t n;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (conf_arena == NULL)
		conf_arena = arena_new(0);
	c->state_dir = conf_str(CONF_STATE_DIR);
	(void)conf_str(CONF_HTTP_PORT);
	c->base_url = conf_str(CONF_BASE_URL);
	n = strlen(c->base_url);
	while (n > 0 && c->base_url[n - 1] == '/')
		n--;
	c->base_url = arena_strndup(conf_arena, c->base_url, n);
	if (!str_no_ctl(c->base_url) ||
	    (!str_startswith(c->base_url, "http://") &&
		!str_startswith(c->base_url, "https://"))) {
		log_err(
		    "ROSTER_BASE_URL must be an http:// or https:// origin");
		rc = -1;
	}
	c->database_url = conf_str(CONF_DATABASE_URL);
	c->migrate_database_url = conf_str(CONF_MIGRATE_DATABASE_URL);
	c->user = conf_str(CONF_USER);
	c->socket_group = conf_str(CONF_SOCKET_GROUP);
	c->socket_path = conf_str(CONF_FCGI_SOCKET);
	/* (installed data directory) */
	if ((c->data_dir = conf_str(CONF_DATA_DIR)) == NULL)
		c->data_dir = ROSTER_DATADIR;
	c->smtp_url = conf_str(CONF_SMTP_URL);
	c->smtp_user = conf_str(CONF_SMTP_USER);
	if (conf_secret(CONF_SMTP_PASSWORD, CONF_SMTP_PASSWORD_FILE,
		"smtp_password", &c->smtp_password) == -1)
		rc = -1;
	c->smtp_ca_file = conf_str(CONF_SMTP_CA_FILE);
	if (conf_num(CONF_SMTP_REQUIRE_TLS, -1, &v) == -1) {
		rc = -1;
		v = 0;
	}
	c->smtp_require_tls = v == 1;
	if (conf_num(CONF_WEBHOOK_ALLOW_PRIVATE, -1, &v) == -1) {
		rc = -1;
		v = 0;
	}
	c->webhook_allow_private = v == 1;
	if (conf_num(CONF_LOG_PROBES, -1, &v) == -1) {
		rc = -1;
		v = 0;
	}
	c->log_probes = v == 1;
	c->mailer_metrics_file = conf_str(CONF_MAILER_METRICS_FILE);
	c->mail_from = conf_str(CONF_MAIL_FROM);
	if (!str_no_ctl(c->mail_from) || strchr(c->mail_from, '@') == NULL) {
		log_err("ROSTER_MAIL_FROM must be a plain address");
		rc = -1;
	}

	mode = conf_str(CONF_SIGNUP_MODE);
	c->signup_mode = SIGNUP__MAX;
	for (int m = 0; m < SIGNUP__MAX; m++)
		if (strcmp(mode, signup_modes[m]) == 0)
			c->signup_mode = (enum signup_mode)m;
	if (c->signup_mode == SIGNUP__MAX) {
		log_err(
		    "ROSTER_SIGNUP_MODE must be open, invite_only or capped");
		rc = -1;
	}
	if (conf_num(CONF_SIGNUP_CAP, -1, &c->signup_cap) == -1)
		rc = -1;
	if (c->signup_mode == SIGNUP_CAPPED && c->signup_cap < 0) {
		log_err("ROSTER_SIGNUP_MODE=capped needs ROSTER_SIGNUP_CAP");
		rc = -1;
	}
	if (conf_num(CONF_INVITE_TTL, -1, &c->invite_ttl) == -1 ||
	    conf_num(CONF_INVITE_LIMIT_USER, -1, &c->invite_limit_user) == -1 ||
	    conf_num(CONF_INVITE_LIMIT_ORG, -1, &c->invite_limit_org) == -1 ||
	    conf_num(CONF_INVITE_LIMIT_RECIPIENT_HOUR, -1,
		&c->invite_limit_recipient_hour) == -1 ||
	    conf_num(CONF_INVITE_LIMIT_RECIPIENT_DAY, -1,
		&c->invite_limit_recipient_day) == -1 ||
	    conf_num(CONF_REQUIRE_CONFIRMED, -1, &c->require_confirmed) == -1 ||
	    conf_num(CONF_SESSION_IDLE, -1, &c->session_idle) == -1 ||
	    conf_num(CONF_SESSION_ABSOLUTE, -1, &c->session_absolute) == -1 ||
	    conf_num(CONF_LOGIN_LIMIT, -1, &c->login_limit) == -1 ||
	    conf_num(CONF_LOGIN_CLIENT_LIMIT, -1, &c->login_client_limit) ==
		-1 ||
	    conf_num(CONF_TOKEN_LIMIT, -1, &c->token_limit) == -1)
		rc = -1;
	if (conf_num(CONF_RETRY_BASE, -1, &c->retry_base) == -1 ||
	    conf_num(CONF_MAIL_GIVE_UP, -1, &c->mail_give_up) == -1)
		rc = -1;
	if (conf_num(CONF_DB_CONNECT_TIMEOUT, -1, &c->db_connect_timeout) ==
		-1 ||
	    conf_num(CONF_DB_STATEMENT_TIMEOUT, -1, &c->db_statement_timeout) ==
		-1 ||
	    conf_num(CONF_DB_LOCK_TIMEOUT, -1, &c->db_lock_timeout) == -1)
		rc = -1;
	/* (number of cores) */
	v = sysconf(_SC_NPROCESSORS_ONLN);
	if (conf_num(CONF_WORKERS, v > 0 ? v : 2, &c->workers) == -1)
		rc = -1;
	/* (0 on loopback, else 1): secure cookies unless the site is served
	 * from loopback over plain http (the development stack). */
	v = (str_startswith(c->base_url, "http://127.0.0.1") ||
		str_startswith(c->base_url, "http://localhost") ||
		str_startswith(c->base_url, "http://[::1]"))
	    ? 0
	    : 1;
	if (conf_num(CONF_COOKIE_SECURE, v, &v) == -1)
		rc = -1;
	c->cookie_secure = v == 1;

	if (conf_secret(CONF_SECRET_KEY, CONF_SECRET_KEY_FILE, "secret_key",
		&secret) == -1)
		rc = -1;
	else if (secret != NULL) {
		if (keys_derive(&c->keys, secret,
			getenv(conf_vars[CONF_SECRET_KEY_PREVIOUS].name)) == -1)
			rc = -1;
	} else if (need_secret) {
		log_err("ROSTER_SECRET_KEY is not set (nor "
			"ROSTER_SECRET_KEY_FILE, nor a credential secret_key)");
		rc = -1;
	}
	return rc;
}

void
conf_print(FILE *out)
{
	for (int k = 0; k < CONF__MAX; k++) {
		const struct conf_var_def *v = &conf_vars[k];

		fprintf(out, "%s=%s  # %s%s\n", v->name,
		    v->def != NULL ? v->def : "",
		    v->flags & CONF_REQUIRED ? "required: " : "", v->about);
	}
}

/* The n bytes of s as mdoc(7) text: a backslash as \e, a double quote
 * as \(dq when quoted (inside a macro's quoted argument), and \& before
 * a leading dot or apostrophe, which would start a request. */
static void
conf_mdoc_text(FILE *out, const char *s, size_t n, bool quoted)
{
	if (!quoted && n > 0 && (*s == '.' || *s == '\''))
		fputs("\\&", out);
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\\')
			fputs("\\e", out);
		else if (s[i] == '"' && quoted)
			fputs("\\(dq", out);
		else
			fputc(s[i], out);
}

/* about and a full stop as mdoc(7) text lines of at most 72 bytes,
 * broken between words (mandoc -Tlint wants text lines under 80). */
static void
conf_mdoc_wrap(FILE *out, const char *about)
{
	const char *p = about;
	size_t col = 0;

	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (col > 0 && col + 1 + n > 72) {
			fputc('\n', out);
			col = 0;
		} else if (col > 0) {
			fputc(' ', out);
			col++;
		}
		conf_mdoc_text(out, p, n, false);
		col += n;
		p += n;
		p += strspn(p, " ");
	}
	fputs(".\n", out);
}

void
conf_print_mdoc(FILE *out)
{
	fputs(".Bl -tag -width Ds\n", out);
	for (int k = 0; k < CONF__MAX; k++) {
		const struct conf_var_def *v = &conf_vars[k];
		size_t n = v->def != NULL ? strlen(v->def) : 0;

		fprintf(out, ".It Ev %s Pq ", v->name);
		if (v->flags & CONF_REQUIRED)
			fputs("required", out);
		else if (v->def == NULL)
			fputs("unset", out);
		else if ((v->flags & CONF_RULE) && n >= 2 && v->def[0] == '(' &&
		    v->def[n - 1] == ')') {
			/* "(number of cores)": the phrase, as plain words */
			fputc('"', out);
			conf_mdoc_text(out, v->def + 1, n - 2, true);
			fputc('"', out);
		} else {
			fputs("Ql \"", out);
			conf_mdoc_text(out, v->def, n, true);
			fputc('"', out);
		}
		fputc('\n', out);
		conf_mdoc_wrap(out, v->about);
	}
	fputs(".El\n", out);
}
