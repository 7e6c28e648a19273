/*
 * Runtime configuration read once from the environment (SPEC §1) before a
 * program starts serving. Read-only afterwards.
 */
#ifndef ROSTER_CONF_H
#define ROSTER_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "crypto/keys.h"

enum signup_mode {
	SIGNUP_OPEN,
	SIGNUP_INVITE_ONLY,
	SIGNUP_CAPPED,
	SIGNUP__MAX
};

struct conf {
	const char *state_dir;    /* ROSTER_STATE_DIR [./var] */
	const char *base_url;     /* ROSTER_BASE_URL, no trailing slash */
	const char *database_url; /* ROSTER_DATABASE_URL */
	const char *migrate_database_url; /* ROSTER_MIGRATE_DATABASE_URL */
	long long db_connect_timeout;   /* ROSTER_DB_CONNECT_TIMEOUT [5] s */
	long long db_statement_timeout; /* ROSTER_DB_STATEMENT_TIMEOUT [5000] ms */
	long long db_lock_timeout;      /* ROSTER_DB_LOCK_TIMEOUT [2000] ms */
	const char *socket_path; /* ROSTER_FCGI_SOCKET [$state/run/fcgi.sock] */
	const char *user;         /* ROSTER_USER [roster], when root */
	const char *socket_group; /* ROSTER_SOCKET_GROUP [www-data], when root */
	const char *data_dir; /* ROSTER_DATA_DIR: templates/, static/, sql/ */
	const char *smtp_url; /* ROSTER_SMTP_URL or NULL */
	const char *smtp_user;
	const char *smtp_password;
	bool smtp_require_tls;     /* ROSTER_SMTP_REQUIRE_TLS [0] */
	const char *smtp_ca_file; /* ROSTER_SMTP_CA_FILE or NULL */
	const char *mail_from; /* ROSTER_MAIL_FROM [roster@localhost] */
	const char *mailer_metrics_file; /* ROSTER_MAILER_METRICS_FILE or NULL */
	enum signup_mode signup_mode;
	long long signup_cap; /* -1 when unset */
	long long invite_ttl; /* seconds */
	long long invite_limit_user;
	long long invite_limit_org;
	long long invite_limit_recipient_hour; /* per address [20] */
	long long invite_limit_recipient_day;  /* per address [50] */
	long long require_confirmed; /* ROSTER_REQUIRE_CONFIRMED [0] */
	long long workers;
	long long session_idle;     /* ROSTER_SESSION_IDLE [7200] */
	long long session_absolute; /* ROSTER_SESSION_ABSOLUTE [43200] */
	long long login_limit; /* failed logins per address per 15 min [10] */
	long long login_client_limit; /* per client address per 15 min [30] */
	long long token_limit; /* failed token lookups per client per min [60] */
	long long retry_base;   /* ROSTER_RETRY_BASE [5] s, first mail or
				 * webhook retry */
	bool webhook_allow_private; /* ROSTER_WEBHOOK_ALLOW_PRIVATE [0] */
	long long mail_give_up; /* ROSTER_MAIL_GIVE_UP [86400] s after queueing */
	bool cookie_secure;
	bool log_probes; /* ROSTER_LOG_PROBES [0]: log /healthz, /metrics */
	struct keys keys;
};

/*
 * Reads the environment into c. need_secret: whether ROSTER_SECRET_KEY
 * must be present (the web workers and the mailer need it; rosterctl
 * migrate does not). Returns 0, or -1 after logging every bad variable.
 */
int conf_load(struct conf *c, bool need_secret);

/*
 * Writes every variable conf_load reads to out, one line each, in the form
 * "NAME=default  # what it is for". An empty default means unset; a
 * default in parentheses names a rule conf_load applies; "required: "
 * marks a variable the serving programs cannot do without. README's
 * configuration table is checked against this output.
 */
void conf_print(FILE *out);

/*
 * The same table as an mdoc(7) tag list (.Bl ... .El), one .It per
 * variable with its default in parentheses ("required", "unset", or the
 * rule's phrase) and its line of help: the list of roster.env(5), which
 * t/tree/man.t checks against this output.
 */
void conf_print_mdoc(FILE *out);

/* The name ROSTER_SIGNUP_MODE gives mode ("open", "invite_only",
 * "capped"). */
const char *conf_signup_mode_str(enum signup_mode mode);

#endif
