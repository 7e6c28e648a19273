/*
 * The Prometheus text exposition of /metrics, apart from its handler so
 * that it can be tested without a database, and the one call that counts
 * each request.
 */
#ifndef ROSTER_WEB_WEB_OPS_H
#define ROSTER_WEB_WEB_OPS_H

struct buf;
struct ctx;
struct mail_backlog;
struct mail_counter;
struct metrics_snapshot;

/*
 * Appends the Prometheus text exposition (version 0.0.4) of s to out, in
 * this order: roster_build_info; every registered counter as
 * roster_<name>_total; the non-zero request counts as
 * roster_http_requests_total{method,route,code} (code the real status);
 * the API's share of them, methods added, as
 * roster_api_requests_total{route,code};
 * the latency histogram roster_http_request_duration_seconds{method,route}
 * of every route and method that answered; each live worker's CPU time,
 * resident memory and open descriptors under a worker="slot" label; then,
 * from the database (shared by every host, and said so in HELP), the
 * outbox backlog and the webhook deliveries' backlog
 * (roster_webhook_queued_deliveries, roster_webhook_oldest_queued_age_seconds)
 * when backlog is not NULL, the webhook rows of mail (webhooks_*_total) as
 * roster_webhook_deliveries_total{outcome}, and the nmail delivery counts
 * of every mailer as roster_database_<name less _total> gauges. mail may be
 * NULL when nmail is 0.
 */
void web_ops_write(struct buf *out, const struct metrics_snapshot *s,
    const struct mail_backlog *backlog, const struct mail_counter *mail,
    int nmail);

/*
 * Counts the request c answered (its route, method and status) as taking
 * seconds, and refreshes this worker's process figures at most once a
 * second. Called once per request, after the handler.
 */
void web_ops_observe(struct ctx *c, double seconds);

#endif
