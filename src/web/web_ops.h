/*
 * The Prometheus text exposition of /metrics, apart from its handler so
 * that it can be tested without a database.
 */
#ifndef ROSTER_WEB_WEB_OPS_H
#define ROSTER_WEB_WEB_OPS_H

struct buf;
struct mail_counter;
struct metrics_snapshot;

/*
 * Appends the Prometheus text exposition (version 0.0.4) of s and the
 * mailer's nmail counters to out, in this order: every registered counter
 * as roster_<name>_total with its HELP and TYPE lines, the non-zero
 * request counts by route and status class, the latency histogram, then
 * each mail counter as roster_<name> with a TYPE line. mail may be NULL
 * when nmail is 0.
 */
void web_ops_write(struct buf *out, const struct metrics_snapshot *s,
    const struct mail_counter *mail, int nmail);

#endif
