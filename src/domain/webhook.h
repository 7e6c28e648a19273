/*
 * Webhooks (SPEC §7.5): an organization's owners register endpoints that
 * hear chosen events. The signing key is 32 random bytes, stored sealed
 * under the server's keys (box_seal) and shown once as "whsec_" followed
 * by its standard base64. A target must be an http or https URL
 * (url_parse) whose host resolves only to public addresses
 * (netaddr_host_public), unless ROSTER_WEBHOOK_ALLOW_PRIVATE=1; the name
 * is looked up before the transaction, never inside it. The deliveries
 * themselves are queued by the audit statement of each change
 * (db_audit.c) and made by the mailer. Every operation is for owners
 * only (a platform admin counts as one) and is one transaction.
 */
#ifndef ROSTER_DOMAIN_WEBHOOK_H
#define ROSTER_DOMAIN_WEBHOOK_H

#include "db/db_org.h"
#include "db/db_webhook.h"
#include "domain/domain.h"

#define WEBHOOK_SECRET_PREFIX "whsec_"
#define WEBHOOK_KEY_LEN       32 /* bytes of a signing key */
#define WEBHOOK_MAX           10 /* endpoints per organization */
#define WEBHOOK_RECENT        10 /* deliveries listed per endpoint */
#define WEBHOOK_NEVENTS       8

/* The event names an endpoint may choose, in the order pages list them. */
extern const char *const webhook_events[WEBHOOK_NEVENTS];

/* An endpoint as made: the secret is shown once and kept nowhere. */
struct webhook_new {
	const char *id;
	const char *url;
	const char *secret;  /* "whsec_" + base64 of the key */
	const char **events; /* in the order of webhook_events */
	int nevents;
};

/* The endpoints of an organization, each with its newest deliveries. */
struct webhook_list {
	struct webhook *hooks;
	int nhooks;
	struct webhook_delivery *deliveries; /* by endpoint, newest first */
	int ndeliveries;
};

/*
 * The endpoints of o, oldest first, each with its WEBHOOK_RECENT newest
 * deliveries, for an actor whose role in o is role; one round trip.
 * Errors: ERR_FORBIDDEN (not an owner).
 */
enum err webhook_list(struct domain *d, struct arena *a, const struct org *o,
    enum role role, struct webhook_list *out);

/*
 * Adds an endpoint of o at url for the nevents event names events (1 to
 * WEBHOOK_NEVENTS distinct names of webhook_events; repeats of one name
 * count once), made by actor whose role in o is role, and audits
 * webhook.created with the url and events (never the secret). Fills *out.
 * Errors: ERR_FORBIDDEN (not an owner), ERR_INVALID_URL (with *why a
 * sentence saying what to change), ERR_INVALID_EVENTS,
 * ERR_TOO_MANY_WEBHOOKS (o has WEBHOOK_MAX already). Nothing is written on
 * any of them.
 */
enum err webhook_create(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role role,
    const char *url, const char *const *events, int nevents, const char **why,
    struct webhook_new *out);

/*
 * Deletes endpoint id of o with its deliveries, by actor whose role in o
 * is role, and audits webhook.deleted with its url. Writes the url to
 * *url. Errors: ERR_FORBIDDEN (not an owner), ERR_NOT_FOUND (no such
 * endpoint in o).
 */
enum err webhook_delete(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role role,
    const char *id, const char **url);

#endif
