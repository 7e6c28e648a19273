/*
 * Email: composing RFC 5322 messages, the encrypted outbox that carries
 * them from a request's transaction to the mailer, and the two transports
 * the mailer delivers through (.eml files or SMTP over libcurl).
 *
 * Nothing reaches a header or an SMTP command before it is validated here:
 * addresses must pass email_valid() under EMAIL_HEADER (util/email.h), so
 * control characters, spaces, angle brackets, commas or not exactly one
 * '@' are refused, and subjects are encoded, never copied.
 */
#ifndef ROSTER_MAIL_MAIL_H
#define ROSTER_MAIL_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db_outbox.h"
#include "util/err.h"

struct arena;
struct buf;
struct db;
struct keys;

#define MAIL_SUBJECT_MAX   998 /* bytes of a subject before encoding */
#define MAIL_FROM_NAME_MAX 256 /* bytes of From's display name */
#define MAIL_TEXT_WIDTH    72  /* columns of a text part (mail_compose_wrap) */
#define MAIL_BODY_MAX      (1 << 20)
#define MAIL_LEASE_SECONDS 300
#define MAIL_RETRY_CAP     3600 /* seconds: the longest wait between tries */

/* When a failed delivery is tried again, and when it is given up. */
struct mail_schedule {
	long long base;    /* ROSTER_RETRY_BASE: seconds before the 1st retry */
	long long give_up; /* ROSTER_MAIL_GIVE_UP: seconds after queueing */
};

struct mail_msg {
	const char *to;
	const char *subject;   /* UTF-8 */
	const char *text;      /* UTF-8, LF or CRLF line ends */
	const char *html;      /* UTF-8, or NULL for a text-only message */
	const char *from_name; /* UTF-8 display name of From, or NULL */
	const char *reply_to;  /* address for Reply-To, or NULL: none */
};

/*
 * Appends to out a complete message from `from` to m->to: Date (UTC),
 * From (with m->from_name as its display name when not NULL: a quoted
 * string, '"' and '\\' escaped, when it is printable ASCII that fits the
 * line, else RFC 2047 base64 encoded-words; the address folded onto a
 * line of its own when the whole would pass 78 characters), Reply-To
 * (m->reply_to, when not NULL), To, Subject (printable ASCII folded
 * before spaces, anything else as RFC 2047 base64 encoded-words),
 * Message-ID (<32 random hex digits@from's domain>),
 * MIME-Version, Auto-Submitted, and either one text/plain part or a
 * multipart/alternative of the text then the HTML, every part in
 * quoted-printable. Every line ends in CRLF (LF, CR and CRLF in the
 * bodies all become CRLF); header lines stay within 78 characters and
 * body lines within 76.
 *
 * Lines beginning with '.' are left as they are: the SMTP transport's
 * libcurl dot-stuffs the DATA stream itself, and the file transport must
 * keep the message as composed.
 *
 * Returns ERR_OK; ERR_INVALID_EMAIL for a bad m->to; ERR_INVALID for a bad
 * from or m->reply_to (email_valid, EMAIL_HEADER), a subject with a
 * control character, more than MAIL_SUBJECT_MAX bytes or invalid UTF-8, a
 * from_name the same way (MAIL_FROM_NAME_MAX bytes), or a missing,
 * invalid-UTF-8 or oversized body.
 * out is untouched on failure.
 */
enum err mail_compose(struct arena *a, const struct mail_msg *m,
    const char *from, struct buf *out);

/*
 * Returns text (UTF-8, LF line ends) with every line longer than width
 * characters broken at spaces into lines of at most width characters
 * (the spaces at a break dropped); a word longer than width, such as a
 * URL, stays whole on a line of its own. Shorter lines, blank lines and
 * line ends are kept as they are.
 */
char *mail_compose_wrap(struct arena *a, const char *text, size_t width);

/*
 * Queues m for delivery: composes it, encrypts the whole message with
 * box_seal under k, inserts an outbox row (kind, recipient, body, and
 * invitation_id when not NULL) and signals the mailer with pg_notify on
 * "roster_outbox". Meant to run inside the caller's db_tx, so the row and
 * the change it reports commit or roll back together (the notification
 * fires at commit); it never begins or ends a transaction itself.
 *
 * kind is a short lower-case word ("invitation", "confirm", ...);
 * invitation_id a decimal id or NULL. On success, *outbox_id (when not
 * NULL) gets the new row's id (arena string).
 * Returns ERR_OK, the errors of mail_compose, ERR_INVALID for a bad kind
 * or invitation_id, or the error of the failing statement (ERR_DATABASE,
 * ERR_RETRY_EXHAUSTED, ERR_INVALID).
 */
enum err mail_outbox_enqueue(struct db *db, struct arena *a,
    const struct keys *k, const char *kind, const struct mail_msg *m,
    const char *from, const char *invitation_id, char **outbox_id);

/* What became of one delivery attempt. */
enum mail_result {
	MAIL_SENT,    /* accepted by the server or written to disk */
	MAIL_RETRY,   /* temporary failure: try again later */
	MAIL_FAILED,  /* permanent failure: give up */
	MAIL_SKIPPED, /* not sent: its invitation is no longer open */
	MAIL__MAX
};

/* "sent", "retry", "failed", "skipped". */
const char *mail_transport_result_str(enum mail_result r);

/* Where the mailer delivers. With smtp_url NULL or empty, messages are
 * written as files to mail_dir instead. */
struct mail_transport {
	const char *smtp_url;  /* smtp://host:port or smtps://host:port */
	const char *smtp_user; /* NULL or "": no authentication */
	const char *smtp_password;
	bool require_tls;     /* ROSTER_SMTP_REQUIRE_TLS: TLS even without
				 credentials (see mail_transport_tls) */
	const char *ca_file;  /* CA bundle to verify with; NULL: the system's */
	const char *mail_dir; /* file transport: $ROSTER_STATE_DIR/mail */
	const char *from;     /* envelope sender (MAIL FROM) */
	struct mail_conn *conn; /* mail_transport_keep: one libcurl easy
				 * handle, so one SMTP connection, reused
				 * across messages; NULL: a connection per
				 * message */
};

/*
 * Makes t keep its SMTP connection between messages: a libcurl easy handle
 * is made on the first message and reused for the next ones (libcurl keeps
 * the connection open between transfers, so the connect, greeting, EHLO,
 * STARTTLS and AUTH happen once per connection, not per message). Whether
 * TLS is required (mail_transport_tls) is decided here, once: t must not
 * change afterwards. A delivery that is not MAIL_SENT closes the
 * connection, so the next message starts on a fresh one. Does nothing for
 * the file transport. Returns 0, or -1 when out of memory.
 */
int mail_transport_keep(struct mail_transport *t);

/* Closes t's kept connection, if one is open (QUIT), so that none stays
 * idle: the next message opens a new one. */
void mail_transport_hangup(const struct mail_transport *t);

/* Closes the connection and frees what mail_transport_keep made. */
void mail_transport_free(struct mail_transport *t);

/*
 * Whether delivery through t must be encrypted: always for smtps://
 * (implicit TLS); for smtp:// when credentials are set (smtp_user,
 * smtp_password, or a user in the URL) or t->require_tls, and then
 * STARTTLS is required (CURLUSESSL_ALL); otherwise STARTTLS is used
 * whenever the server offers it (CURLUSESSL_TRY). Certificates and host
 * names are verified in every case.
 */
bool mail_transport_tls(const struct mail_transport *t);

/*
 * Checks t before a mailer starts. Returns NULL when it may be used, or a
 * sentence (static) naming the variables to fix: credentials without an
 * smtp:// or smtps:// URL (including no URL at all), a URL of another
 * scheme, a user name without a password or the reverse, a CA file that
 * cannot be read, or anything else that would let AUTH go out in clear.
 */
const char *mail_transport_check(const struct mail_transport *t);

/*
 * Writes msg (len bytes) to "<dir>/<id>.eml" atomically: a temporary file
 * in dir, fsync, rename, fsync of dir; mode 0600. Creates dir (0700) when
 * it is missing. id must be a decimal outbox id. Returns MAIL_SENT, or
 * MAIL_RETRY with a reason (static string) in *why when any step fails;
 * MAIL_FAILED for a malformed id.
 */
enum mail_result mail_transport_file(const char *dir, const char *id,
    const char *msg, size_t len, const char **why);

/*
 * Sends msg to one recipient through t->smtp_url with libcurl (connect
 * timeout 10 s, whole transfer 30 s). from and rcpt are validated again
 * with email_valid (EMAIL_HEADER) and a bad one is MAIL_FAILED before libcurl
 * is called. TLS as mail_transport_tls says, verified against t->ca_file
 * or the system's CA bundle. Returns what mail_transport_classify makes of
 * the outcome; *why gets a reason (arena string) unless the result is
 * MAIL_SENT. A server that does not start TLS when it is required is a
 * retry, and *why names its host and port, never a credential.
 */
enum mail_result mail_transport_smtp(const struct mail_transport *t,
    struct arena *a, const char *rcpt, const char *msg, size_t len,
    const char **why);

/*
 * Classifies a libcurl result code and the last SMTP response code:
 * success → MAIL_SENT; a 5xx reply → MAIL_FAILED, except a refused login
 * (the operator's mistake, which retrying lets them fix) and a server that
 * would not start TLS when it was required; anything else
 * (no connection, timeouts, 4xx, TLS trouble) → MAIL_RETRY.
 */
enum mail_result mail_transport_classify(int curl_code, long smtp_code);

/*
 * Delivers one message through t: SMTP when t->smtp_url is set, else the
 * file transport under the outbox id. *why as for the transport used.
 */
enum mail_result mail_transport_send(const struct mail_transport *t,
    struct arena *a, const char *id, const char *rcpt, const char *msg,
    size_t len, const char **why);

/*
 * Claims up to max queued rows that are due, longest due first (the
 * order of the due index, so no queued row beyond them is read), skipping
 * rows another mailer holds (FOR UPDATE SKIP LOCKED), and leases them by
 * moving next_attempt_at MAIL_LEASE_SECONDS ahead in the same statement: a
 * mailer that dies holding them only delays them. Runs outside any transaction.
 * Writes *rows (arena) and *n on success. Returns ERR_OK or the database
 * error.
 */
enum err mail_outbox_claim(
    struct db *db, struct arena *a, int max, struct outbox_row **rows, int *n);

/*
 * The wait in milliseconds before the next try of a delivery that has
 * failed `attempts` times before this failure (0 for the first):
 * min(base * 2^attempts, MAIL_RETRY_CAP) seconds, times a jitter factor
 * 0.8 + 0.4 * u (u in [0, 1), drawn by the caller; 0.5 is no jitter),
 * never more than MAIL_RETRY_CAP seconds. The one place the schedule is
 * computed.
 */
long long mail_outbox_retry_wait_ms(long long base, int attempts, double u);

/*
 * Records the outcome of a delivery of r: MAIL_SENT marks the row sent,
 * drops its body and counts emails_sent_total; MAIL_RETRY counts the
 * attempt and schedules the next one after mail_outbox_retry_wait_ms
 * (s->base, random jitter), unless that would fall later than s->give_up
 * seconds after the row was queued: then the row fails instead ("gave up
 * after N attempts: why"); MAIL_FAILED marks the row failed, drops its body and
 * counts emails_failed_total; MAIL_SKIPPED does the same but counts
 * emails_skipped_total. why (may be NULL) becomes last_error. Each outcome
 * is one statement, so the row and its counter change together. *done
 * (when not NULL) gets what became of the row: res, or MAIL_FAILED for a
 * retry given up. Returns ERR_OK or the database error.
 */
enum err mail_outbox_finish(struct db *db, struct arena *a,
    const struct outbox_row *r, const struct mail_schedule *s,
    enum mail_result res, const char *why, enum mail_result *done);

/* Rows delivered (MAIL_SENT) whose outcome is not recorded yet: see
 * mail_outbox_deliver. */
struct mail_sent {
	const char **ids; /* outbox ids (the claimed rows' own strings) */
	int n, max;
};

/*
 * Records every row of sent as sent in one statement (as
 * mail_outbox_finish does for one: status, sent_at, body dropped, an
 * attempt counted, emails_sent_total) and empties sent. A row that is no
 * longer queued is left alone and not counted. Returns ERR_OK or the
 * database error (the rows then stay leased and are tried again when the
 * lease ends).
 */
enum err mail_outbox_record_sent(
    struct db *db, struct arena *a, struct mail_sent *sent);

/*
 * The mailer's one round trip per batch, overlapped with its deliveries:
 * mail_outbox_claim_send sends, without waiting, one statement that
 * records the rows of sent as sent (as mail_outbox_record_sent; sent is
 * left as it is: the caller empties it) and claims up to max due rows (as
 * mail_outbox_claim, never one of sent's); the caller delivers what it
 * holds meanwhile (recording another outcome first collects the
 * statement's result) and takes the claimed rows with
 * mail_outbox_claim_recv. One statement in flight at a time. Both return
 * ERR_OK or the database error; after an error the rows of sent may not
 * be recorded (they are sent again after their lease).
 */
enum err mail_outbox_claim_send(
    struct db *db, struct arena *a, const struct mail_sent *sent, int max);
enum err mail_outbox_claim_recv(
    struct db *db, struct arena *a, struct outbox_row **rows, int *n);

/* Ends the lease on a claimed row that was not attempted, so it is due
 * again at once. Returns ERR_OK or the database error. */
enum err mail_outbox_release(
    struct db *db, struct arena *a, const struct outbox_row *r);

/*
 * Handles one claimed row: skips it when stale, decrypts it (a body that
 * fails authentication fails the row as "undecryptable"), delivers it
 * through t and records the outcome with mail_outbox_finish under s. Logs
 * the row id, kind, attempt, result and Message-ID, never the body. Writes
 * what became of the row to *res. Returns ERR_OK, or the database error
 * of recording it (the row then stays leased and is tried again later).
 */
enum err mail_outbox_process(struct db *db, struct arena *a,
    const struct keys *k, const struct mail_transport *t,
    const struct mail_schedule *s, const struct outbox_row *r,
    enum mail_result *res);

/*
 * mail_outbox_process, except that a row delivered (MAIL_SENT) is not
 * recorded at once but added to sent (which must have room for it): the
 * caller records the whole batch with mail_outbox_record_sent or
 * mail_outbox_claim_send, one statement instead of one per message. Every other outcome is recorded
 * at once, as mail_outbox_process does.
 */
enum err mail_outbox_deliver(struct db *db, struct arena *a,
    const struct keys *k, const struct mail_transport *t,
    const struct mail_schedule *s, const struct outbox_row *r,
    struct mail_sent *sent, enum mail_result *res);

#endif
