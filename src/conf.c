/*
 * Configuration from the environment.
 */
#include "conf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/log.h"
#include "util/str.h"

static const char *const signup_modes[SIGNUP__MAX] = {
	[SIGNUP_OPEN] = "open",
	[SIGNUP_INVITE_ONLY] = "invite_only",
	[SIGNUP_CAPPED] = "capped",
};

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0') ? v : def;
}

/* Strings built here live as long as the process: they come from a
 * process-lifetime arena. */
static struct arena *conf_arena;

int
conf_load(struct conf *c, bool need_secret)
{
	const char *mode, *secret, *port;
	long long v;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (conf_arena == NULL)
		conf_arena = arena_new(0);
	c->state_dir = env_or("ROSTER_STATE_DIR", "./var");
	port = env_or("ROSTER_HTTP_PORT", "8080");
	c->base_url = env_or("ROSTER_BASE_URL", NULL);
	if (c->base_url == NULL)
		c->base_url =
		    arena_printf(conf_arena, "http://127.0.0.1:%s", port);
	else {
		size_t n = strlen(c->base_url);

		while (n > 0 && c->base_url[n - 1] == '/')
			n--;
		c->base_url = arena_strndup(conf_arena, c->base_url, n);
	}
	if (!str_no_ctl(c->base_url) ||
	    (!str_startswith(c->base_url, "http://") &&
		!str_startswith(c->base_url, "https://"))) {
		log_err(
		    "ROSTER_BASE_URL must be an http:// or https:// origin");
		rc = -1;
	}
	c->database_url = env_or("ROSTER_DATABASE_URL", "dbname=roster");
	c->socket_path = env_or("ROSTER_FCGI_SOCKET",
	    arena_printf(conf_arena, "%s/run/fcgi.sock", c->state_dir));
	c->data_dir = env_or("ROSTER_DATA_DIR", ROSTER_DATADIR);
	c->smtp_url = env_or("ROSTER_SMTP_URL", NULL);
	c->smtp_user = env_or("ROSTER_SMTP_USER", NULL);
	c->smtp_password = env_or("ROSTER_SMTP_PASSWORD", NULL);
	c->mail_from = env_or("ROSTER_MAIL_FROM", "roster@localhost");
	if (!str_no_ctl(c->mail_from) || strchr(c->mail_from, '@') == NULL) {
		log_err("ROSTER_MAIL_FROM must be a plain address");
		rc = -1;
	}

	mode = env_or("ROSTER_SIGNUP_MODE", "open");
	c->signup_mode = SIGNUP__MAX;
	for (int m = 0; m < SIGNUP__MAX; m++)
		if (strcmp(mode, signup_modes[m]) == 0)
			c->signup_mode = (enum signup_mode)m;
	if (c->signup_mode == SIGNUP__MAX) {
		log_err(
		    "ROSTER_SIGNUP_MODE must be open, invite_only or capped");
		rc = -1;
	}
	if (str_env_num(
		"ROSTER_SIGNUP_CAP", 0, 1000000000, -1, &c->signup_cap) == -1)
		rc = -1;
	if (c->signup_mode == SIGNUP_CAPPED && c->signup_cap < 0) {
		log_err("ROSTER_SIGNUP_MODE=capped needs ROSTER_SIGNUP_CAP");
		rc = -1;
	}
	if (str_env_num("ROSTER_INVITE_TTL", 60, 365LL * 86400, 604800,
		&c->invite_ttl) == -1 ||
	    str_env_num("ROSTER_INVITE_LIMIT_USER", 1, 1000000, 20,
		&c->invite_limit_user) == -1 ||
	    str_env_num("ROSTER_INVITE_LIMIT_ORG", 1, 1000000, 100,
		&c->invite_limit_org) == -1 ||
	    str_env_num("ROSTER_SESSION_IDLE", 60, 30LL * 86400, 7200,
		&c->session_idle) == -1 ||
	    str_env_num("ROSTER_SESSION_ABSOLUTE", 60, 365LL * 86400, 43200,
		&c->session_absolute) == -1 ||
	    str_env_num(
		"ROSTER_LOGIN_LIMIT", 1, 1000000, 10, &c->login_limit) == -1)
		rc = -1;
	if (str_env_num("ROSTER_WORKERS", 1, 256, 0, &c->workers) == -1)
		rc = -1;
	if (c->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->workers = n > 0 ? n : 2;
	}
	/* Secure cookies by default unless the site is served from loopback
	 * over plain http (the development stack). */
	v = (str_startswith(c->base_url, "http://127.0.0.1") ||
		str_startswith(c->base_url, "http://localhost"))
	    ? 0
	    : 1;
	if (str_env_num("ROSTER_COOKIE_SECURE", 0, 1, v, &v) == -1)
		rc = -1;
	c->cookie_secure = v == 1;

	secret = getenv("ROSTER_SECRET_KEY");
	if (secret != NULL && *secret != '\0') {
		if (keys_derive(&c->keys, secret,
			getenv("ROSTER_SECRET_KEY_PREVIOUS")) == -1)
			rc = -1;
	} else if (need_secret) {
		log_err("ROSTER_SECRET_KEY is not set");
		rc = -1;
	}
	return rc;
}
