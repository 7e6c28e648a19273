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
#include "util/reltime.h"

static const struct {
	const char *kind;    /* outbox kind */
	const char *txt;     /* plain-text template */
	const char *html;    /* HTML template */
	const char *subject; /* the subject, or what comes before the name */
	const char *after;   /* non-NULL: the subject names the organization
				(mail_subject_org), then this */
	const char *by;      /* non-NULL: sent on the inviter's behalf (From
				"NAME via Roster", Reply-To the inviter);
				the subject is subject, inviter, by, then
				the organization and after when after is set
				(mail_subject_person) */
} kinds[NOTICE__MAX] = {
	[NOTICE_CONFIRM_EMAIL] = { "confirm_email", "mail-confirm.txt",
	    "mail-confirm.html", "Confirm your email address", NULL, NULL },
	[NOTICE_RESET_PASSWORD] = { "reset_password", "mail-reset.txt",
	    "mail-reset.html", "Reset your Roster password", NULL, NULL },
	[NOTICE_INVITATION] = { "invitation", "mail-invitation.txt",
	    "mail-invitation.html", "", " on Roster", " invited you to join " },
	[NOTICE_OWNER_ADD] = { "owner_add", "mail-owner-add.txt",
	    "mail-owner-add.html", "", " on Roster: your consent is needed",
	    " added you to " },
	[NOTICE_JOIN_CONFIRM] = { "join_confirm", "mail-join-confirm.txt",
	    "mail-join-confirm.html", "Confirm your request to join ",
	    " on Roster", NULL },
	[NOTICE_JOIN_APPROVED] = { "join_approved", "mail-join-approved.txt",
	    "mail-join-approved.html", "Welcome to ", " on Roster", NULL },
	[NOTICE_PLATFORM_INVITATION] = { "platform_invitation",
	    "mail-platform-invitation.txt", "mail-platform-invitation.html",
	    "Your invitation to Roster from ", NULL, "" },
};

/*
 * Sets "expires" to t as people read a date, "4 December 2026 at 19:31
 * UTC" (no locale involved), and "expires_in" to how far it lies from now
 * (reltime_words: "in 7 days", "in 5 hours").
 */
static void
set_expiry(struct tpl_ctx *data, int64_t t, int64_t now)
{
	static const char *const months[] = { "January", "February", "March",
		"April", "May", "June", "July", "August", "September",
		"October", "November", "December" };
	time_t tt = (time_t)t;
	char in[RELTIME_LEN];
	struct tm tm;

	gmtime_r(&tt, &tm);
	tpl_setf(data, "expires", "%d %s %d at %02d:%02d UTC", tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	tpl_set(data, "expires_in", reltime_words(in, sizeof(in), t, now));
}

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
	enum err e;

	if ((unsigned)n->kind >= NOTICE__MAX)
		return ERR_INTERNAL;
	if (n->expires > 0)
		set_expiry(data, n->expires, (int64_t)time(NULL));
	tpl_set(data, "link", n->link);
	tpl_set(data, "name", n->name);
	tpl_set(data, "org_name", n->org_name);
	tpl_set(data, "inviter", n->inviter);
	tpl_set(data, "role", db_enum_role_str(n->role));
	tpl_set(data, "base_url", w->conf->base_url);
	tpl_set(data, "inviter_email", n->inviter_email);
	if (kinds[n->kind].by != NULL) {
		m.subject = mail_subject_person(a, kinds[n->kind].subject,
		    n->inviter, kinds[n->kind].by,
		    kinds[n->kind].after != NULL ? n->org_name : NULL,
		    kinds[n->kind].after);
		m.from_name = mail_subject_from_name(a, n->inviter);
		m.reply_to = n->inviter_email;
	} else {
		m.subject = kinds[n->kind].after != NULL
		    ? mail_subject_org(a, kinds[n->kind].subject, n->org_name,
			  kinds[n->kind].after)
		    : kinds[n->kind].subject;
		m.from_name = "Roster";
	}
	tpl_set(data, "subject", m.subject);
	tpl_set(data, "to", n->to);
	m.text = render(w->tpl, a, kinds[n->kind].txt, data);
	if (m.text != NULL)
		m.text = mail_compose_wrap(a, m.text, MAIL_TEXT_WIDTH);
	m.html = render(w->tpl, a, kinds[n->kind].html, data);
	if (m.text == NULL || m.html == NULL)
		return ERR_INTERNAL;
	e = mail_outbox_enqueue(db, a, &w->conf->keys, kinds[n->kind].kind, &m,
	    w->conf->mail_from, n->invitation_id, NULL);
	if (e == ERR_OK)
		metrics_add(C_EMAILS_QUEUED, 1);
	return e;
}
