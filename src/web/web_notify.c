/*
 * The notifier the domain calls to queue an email: picks the templates
 * for the notice's kind, renders the text and HTML bodies, and writes the
 * message to the encrypted outbox inside the caller's transaction.
 */
#include "web/web.h"

#include <time.h>

#include "counters.h"
#include "conf.h"
#include "mail/mail.h"
#include "mail/mail_subject.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

static const struct {
	const char *kind;    /* outbox kind */
	const char *txt;     /* plain-text template */
	const char *html;    /* HTML template */
	const char *subject; /* the subject, or what comes before the name */
	const char *after;   /* non-NULL: the subject names the organization
				(mail_subject_org), then this */
} kinds[NOTICE__MAX] = {
	[NOTICE_CONFIRM_EMAIL] = { "confirm_email", "mail-confirm.txt",
	    "mail-confirm.html", "Confirm your email address", NULL },
	[NOTICE_RESET_PASSWORD] = { "reset_password", "mail-reset.txt",
	    "mail-reset.html", "Reset your Roster password", NULL },
	[NOTICE_INVITATION] = { "invitation", "mail-invitation.txt",
	    "mail-invitation.html", "You are invited to join ", " on Roster" },
	[NOTICE_OWNER_ADD] = { "owner_add", "mail-owner-add.txt",
	    "mail-owner-add.html", "Your consent is needed to join ",
	    " on Roster" },
	[NOTICE_JOIN_CONFIRM] = { "join_confirm", "mail-join-confirm.txt",
	    "mail-join-confirm.html", "Confirm your request to join ",
	    " on Roster" },
	[NOTICE_JOIN_APPROVED] = { "join_approved", "mail-join-approved.txt",
	    "mail-join-approved.html", "Welcome to ", " on Roster" },
	[NOTICE_PLATFORM_INVITATION] = { "platform_invitation",
	    "mail-platform-invitation.txt", "mail-platform-invitation.html",
	    "Your invitation to Roster", NULL },
};

static char *
render(const struct tpl_set *t, struct arena *a, const char *name,
    const struct tpl_ctx *data)
{
	struct buf b;

	buf_init(&b, a);
	if (tpl_render(t, name, data, &b) == -1) {
		log_err("mail: no template %s", name);
		return NULL;
	}
	return b.data;
}

enum err
web_notify(void *wp, struct db *db, struct arena *a, const struct notice *n)
{
	struct web *w = wp;
	struct tpl_ctx *data = tpl_ctx_new(a);
	struct mail_msg m = { .to = n->to };
	char expires[64] = "";
	enum err e;

	if ((unsigned)n->kind >= NOTICE__MAX)
		return ERR_INTERNAL;
	if (n->expires > 0) {
		time_t t = (time_t)n->expires;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(expires, sizeof(expires), "%Y-%m-%d %H:%M UTC", &tm);
	}
	tpl_set(data, "link", n->link);
	tpl_set(data, "name", n->name);
	tpl_set(data, "org_name", n->org_name);
	tpl_set(data, "inviter", n->inviter);
	tpl_set(data, "role", db_enum_role_str(n->role));
	tpl_set(data, "expires", expires);
	tpl_set(data, "base_url", w->conf->base_url);
	tpl_set(data, "inviter_email", n->inviter_email);
	m.subject = kinds[n->kind].after != NULL
	    ? mail_subject_org(a, kinds[n->kind].subject, n->org_name,
		  kinds[n->kind].after)
	    : kinds[n->kind].subject;
	m.text = render(w->tpl, a, kinds[n->kind].txt, data);
	m.html = render(w->tpl, a, kinds[n->kind].html, data);
	if (m.text == NULL || m.html == NULL)
		return ERR_INTERNAL;
	e = mail_outbox_enqueue(db, a, &w->conf->keys, kinds[n->kind].kind, &m,
	    w->conf->mail_from, n->invitation_id, NULL);
	if (e == ERR_OK)
		metrics_add(C_EMAILS_QUEUED, 1);
	return e;
}
