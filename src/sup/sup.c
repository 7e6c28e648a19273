/*
 * The prefork supervisor of roster-fcgi.
 *
 * The supervisor keeps SIGTERM, SIGINT, SIGHUP and SIGCHLD blocked except
 * while it sleeps in ppoll(), which unblocks them atomically: a signal can
 * never slip in between checking the flags and going to sleep, and no
 * self-pipe is needed. The handlers only set flags. Every wake-up (a
 * signal or a 1 s tick) runs the same steps: reap the dead, start the
 * drain on TERM/INT, begin a rolling restart on HUP, move a rolling restart
 * on, replace missing workers (at most SUP_SPAWN_BURST forks per second,
 * so that workers failing at startup cannot cause a fork storm), and
 * SIGKILL any worker that outlived its deadline to stop.
 *
 * Rolling restart (SIGHUP): a generation number goes up; then, one worker
 * at a time, a replacement of the new generation is forked first, and only
 * once it has lived SUP_GRACE_MS does the old worker get SIGTERM, so a
 * replacement that fails its setup never takes a working worker's place.
 * The next old worker is replaced only after that one has exited (or was
 * killed at its deadline). The old worker accepts until its SIGTERM and
 * then finishes the request in hand, so at least cfg->workers processes
 * take new connections throughout, and at most cfg->workers + 1 run.
 *
 * Stopping a worker blocked in FCGX_Accept_r. libfcgi 2.4's OS_Accept
 * (libfcgi/os_unix.c) loops
 *
 *	do {
 *		if (shutdownPending) break;
 *		socket = accept(listen_sock, ...);
 *	} while (socket < 0 && errno == EINTR && !fail_on_intr &&
 *	    !shutdownPending);
 *
 * and when accept fails with shutdownPending set (or with an errno it does
 * not retry, such as EBADF) it returns -1, and FCGX_Accept_r a negative
 * value. Setting shutdownPending (FCGX_ShutdownPending()) from a handler
 * is therefore necessary but not enough: with SA_RESTART the kernel
 * restarts the accept, and even without it there is the window the source
 * marks ("There's a window here") between the test and the accept, where
 * a signal leaves the worker blocked until the next connection comes.
 * So the worker's SIGTERM handler also closes this process's copy of the
 * listening socket (close(2) is async-signal-safe; the other processes'
 * copies are untouched): an accept that is restarted, or entered after the
 * handler ran, fails at once with EBADF, and OS_Accept returns -1.
 *
 * That makes SA_RESTART safe for the worker's handler, and it is set on
 * purpose: without it a SIGTERM landing while a request is being read or
 * written would fail that read(2) or write(2) with EINTR, which libfcgi's
 * stream code takes as a broken connection, losing the request. With it,
 * a request in progress completes (OS_Read/OS_Write only test shutdownNow,
 * which FCGX_ShutdownPending does not set) and the worker exits when it
 * next checks *stop. worker_main must check *stop before each accept and
 * after a failed one, and must not use or close listen_fd once it is set.
 */
#include "sup/sup.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "util/log.h"
#include "util/notify.h"

#define SUP_WORKERS_MAX  1024
#define SUP_BACKLOG      128
#define SUP_TICK_MS      1000
#define SUP_SPAWN_BURST  10    /* forks in any second, but at startup */
#define SUP_GRACE_MS     1000  /* a replacement's life before the swap */
#define SUP_STOP_MS      30000 /* from SIGTERM to SIGKILL */
#define SUP_KILL_WAIT_MS 5000  /* after SIGKILL, before giving up */

struct sup_proc {
	pid_t pid;        /* 0: free slot */
	unsigned gen;     /* generation it was started in */
	int stopping;     /* SIGTERM sent */
	int64_t deadline; /* when stopping: SIGKILL at this time */
};

struct sup {
	const struct sup_config *cfg;
	int fd;
	pid_t self;
	dev_t dev; /* of the bound socket file, to unlink only ours */
	ino_t ino;
	struct sup_proc *procs;
	int nprocs;   /* slots */
	unsigned gen; /* current generation */
	int rolling;  /* a rolling restart is under way */
	pid_t fresh;  /* replacement waiting out its grace time */
	pid_t retire; /* the old worker it replaces */
	int64_t fresh_at;
	int64_t spawns[SUP_SPAWN_BURST]; /* ring of recent fork times */
	int spawn_next;
	int throttled;     /* a fork waits for the budget */
	sigset_t waitmask; /* mask while asleep: our signals unblocked */
	sigset_t origmask; /* the caller's mask */
};

/* SIGCHLD sets nothing: it only wakes ppoll(), and every wake-up reaps. */
static volatile sig_atomic_t sup_got_term;
static volatile sig_atomic_t sup_got_hup;

static volatile sig_atomic_t sup_worker_stop;
static volatile sig_atomic_t sup_worker_fd = -1;
/* The worker's own stop hook (sup_config.on_stop), set after the fork. */
static void (*sup_worker_hook)(void);

/* Blocked in the supervisor except while it sleeps. */
static const int sup_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
#define SUP_NSIGNALS (int)(sizeof(sup_signals) / sizeof(sup_signals[0]))
/* Whose dispositions sup_run sets, and restores on return. */
static const int sup_handled[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE };
#define SUP_NHANDLED (int)(sizeof(sup_handled) / sizeof(sup_handled[0]))

static int64_t
sup_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sup_on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		sup_got_term = 1;
	else if (sig == SIGHUP)
		sup_got_hup = 1;
}

static void
sup_worker_on_term(int sig)
{
	int saved = errno;

	(void)sig;
	sup_worker_stop = 1;
	if (sup_worker_hook != NULL)
		sup_worker_hook();
	/* Closes the window before accept(); see the top of the file. */
	if (sup_worker_fd != -1) {
		close(sup_worker_fd);
		sup_worker_fd = -1;
	}
	errno = saved;
}

/* Describes a wait status in buf. */
static const char *
sup_status(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)%s", WTERMSIG(st),
		    strsignal(WTERMSIG(st)),
		    WCOREDUMP(st) ? ", core dumped" : "");
	else
		snprintf(buf, len, "wait status %#x", (unsigned)st);
	return buf;
}

/*
 * Creates the missing directories of path's parent, mode 0750; started
 * as root, each one made belongs to the user and the socket's group, so
 * that the supervisor can still remove its socket after dropping root.
 */
static int
sup_mkparent(const char *path, const struct priv *priv)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat sb;
	char *p, c;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (stat(dir, &sb) == -1) {
			/* chmod: the umask must not narrow 0750. */
			if (mkdir(dir, 0750) == -1 || chmod(dir, 0750) == -1 ||
			    (priv != NULL && priv->drop &&
				chown(dir, priv->uid, priv->socket_gid) ==
				    -1)) {
				log_err(
				    "sup: mkdir %s: %s", dir, strerror(errno));
				return -1;
			}
			log_info("sup: created %s", dir);
		} else if (!S_ISDIR(sb.st_mode)) {
			log_err("sup: %s is not a directory", dir);
			return -1;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/*
 * Removes what is left at sun->sun_path by an instance that is gone.
 * Refuses anything that is not a socket, and a socket someone answers on.
 */
static int
sup_clear_stale(const struct sockaddr_un *sun)
{
	struct stat sb;
	int fd, live;

	if (lstat(sun->sun_path, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		log_err("sup: %s: %s", sun->sun_path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		log_err("sup: %s exists and is not a socket", sun->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err("sup: socket: %s", strerror(errno));
		return -1;
	}
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    (errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	if (live) {
		log_err("sup: %s is in use by a running server", sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		log_err("sup: unlink %s: %s", sun->sun_path, strerror(errno));
		return -1;
	}
	log_info("sup: removed stale socket %s", sun->sun_path);
	return 0;
}

/* Binds and listens on cfg->socket_path, mode 0660. */
static int
sup_bind(struct sup *s)
{
	struct sockaddr_un sun;
	struct stat sb;
	mode_t mask;
	int fd = -1, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (s->cfg->socket_path == NULL || s->cfg->socket_path[0] == '\0' ||
	    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
		s->cfg->socket_path) >= (int)sizeof(sun.sun_path)) {
		log_err("sup: socket path missing or longer than %zu bytes",
		    sizeof(sun.sun_path) - 1);
		goto fail;
	}
	if (sup_mkparent(sun.sun_path, s->cfg->priv) == -1 || sup_clear_stale(&sun) == -1)
		goto fail;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err("sup: socket: %s", strerror(errno));
		goto fail;
	}
	/* Never exists with wider permissions, not even for an instant. */
	mask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(mask);
	if (rc == -1) {
		log_err("sup: bind %s: %s", sun.sun_path, strerror(errno));
		goto fail;
	}
	if (chmod(sun.sun_path, 0660) == -1 ||
	    (s->cfg->priv != NULL && s->cfg->priv->drop &&
		chown(sun.sun_path, s->cfg->priv->uid,
		    s->cfg->priv->socket_gid) == -1) ||
	    (s->cfg->priv != NULL && s->cfg->priv->chgrp &&
		chown(sun.sun_path, (uid_t)-1, s->cfg->priv->socket_gid) ==
		    -1) ||
	    lstat(sun.sun_path, &sb) == -1 ||
	    listen(fd, SUP_BACKLOG) == -1) {
		log_err("sup: %s: %s", sun.sun_path, strerror(errno));
		unlink(sun.sun_path);
		goto fail;
	}
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	s->fd = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

/* Unlinks the socket file unless another instance has replaced it. */
static void
sup_unlink(struct sup *s)
{
	struct stat sb;

	if (lstat(s->cfg->socket_path, &sb) == 0 && sb.st_dev == s->dev &&
	    sb.st_ino == s->ino && unlink(s->cfg->socket_path) == -1) {
		/* After dropping root, a root-owned directory keeps it; the
		 * next start replaces it as stale. */
		if (errno == EACCES && s->cfg->priv != NULL &&
		    s->cfg->priv->drop)
			log_info("sup: %s left for the next start to replace",
			    s->cfg->socket_path);
		else
			log_warn("sup: unlink %s: %s", s->cfg->socket_path,
			    strerror(errno));
	}
}

/* In the child after fork: becomes a worker and never returns. */
static void __attribute__((noreturn)) sup_worker(struct sup *s)
{
	struct sigaction sa;
	sigset_t mask;
	int i, rc = 0;

	/*
	 * Signals are still blocked: nothing is lost while this is set up.
	 * SIGPIPE stays ignored: a peer that hung up must not kill a worker.
	 */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = sup_worker_on_term;
	sa.sa_flags = SA_RESTART; /* see the top of the file */
	sigaction(SIGTERM, &sa, NULL);
	sup_worker_stop = 0;
	sup_worker_fd = s->fd;
	sup_worker_hook = s->cfg->on_stop;
	free(s->procs);
	s->procs = NULL;
#ifdef __linux__
	/* A supervisor killed outright must not leave workers behind. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		log_warn("sup: prctl: %s", strerror(errno));
#endif
	if (getppid() != s->self)
		_exit(0);
	mask = s->origmask;
	for (i = 0; i < SUP_NSIGNALS; i++)
		sigdelset(&mask, sup_signals[i]);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (!sup_worker_stop)
		rc = s->cfg->worker_main(s->cfg->ctx, s->fd, &sup_worker_stop);
	_exit(rc < 0 || rc > 255 ? 1 : rc);
}

static struct sup_proc *
sup_find(struct sup *s, pid_t pid)
{
	int i;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

/* Workers not told to stop. */
static int
sup_active(const struct sup *s)
{
	int i, n = 0;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid != 0 && !s->procs[i].stopping)
			n++;
	return n;
}

/* Whether another fork fits in the last second's budget; notes when not. */
static int
sup_may_spawn(struct sup *s, int64_t now)
{
	if (now - s->spawns[s->spawn_next] >= 1000)
		return 1;
	s->throttled = 1;
	return 0;
}

/* Forks a worker of the current generation. Returns its pid or -1. */
static pid_t
sup_spawn(struct sup *s, int64_t now)
{
	struct sup_proc *p;
	pid_t pid;

	/* Failures use the budget too: no busy loop when fork fails. */
	s->spawns[s->spawn_next] = now;
	s->spawn_next = (s->spawn_next + 1) % SUP_SPAWN_BURST;
	if ((p = sup_find(s, 0)) == NULL) {
		log_err("sup: no free worker slot");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_err("sup: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		sup_worker(s);
	p->pid = pid;
	p->gen = s->gen;
	p->stopping = 0;
	log_info("sup: worker %d started", (int)pid);
	return pid;
}

static void
sup_stop(struct sup_proc *p, int64_t now)
{
	if (p->stopping)
		return;
	if (kill(p->pid, SIGTERM) == -1)
		log_warn("sup: kill %d: %s", (int)p->pid, strerror(errno));
	p->stopping = 1;
	p->deadline = now + SUP_STOP_MS;
}

/* Collects every exited child and logs how each worker ended. */
static void
sup_reap(struct sup *s)
{
	struct sup_proc *p;
	char why[96];
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((p = sup_find(s, pid)) == NULL)
			continue;
		if (p->stopping)
			log_info("sup: worker %d stopped: %s", (int)pid,
			    sup_status(st, why, sizeof(why)));
		else
			log_warn("sup: worker %d died: %s", (int)pid,
			    sup_status(st, why, sizeof(why)));
		p->pid = 0;
	}
}

/* Moves a rolling restart one step on; see the top of the file. */
static void
sup_roll(struct sup *s, int64_t now)
{
	struct sup_proc *p;
	pid_t pid;
	int i;

	if (!s->rolling)
		return;
	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid != 0 && s->procs[i].stopping)
			return; /* the one being retired is still there */
	if (s->fresh != 0) {
		if (sup_find(s, s->fresh) == NULL)
			s->fresh = 0; /* it died: start over with another */
		else if (now - s->fresh_at < SUP_GRACE_MS)
			return;
		else {
			if ((p = sup_find(s, s->retire)) != NULL)
				sup_stop(p, now);
			s->fresh = 0;
			return;
		}
	}
	for (p = NULL, i = 0; i < s->nprocs && p == NULL; i++)
		if (s->procs[i].pid != 0 && s->procs[i].gen != s->gen)
			p = &s->procs[i];
	if (p == NULL) {
		log_info("sup: rolling restart done");
		s->rolling = 0;
		(void)notify_ready(); /* the reload (RELOADING=1) is over */
		return;
	}
	if (!sup_may_spawn(s, now))
		return;
	s->retire = p->pid;
	if ((pid = sup_spawn(s, now)) == -1)
		return;
	s->fresh = pid;
	s->fresh_at = now;
}

/* Forks until cfg->workers are serving; limited: within the budget. */
static void
sup_fill(struct sup *s, int64_t now, int limited)
{
	int n;

	for (n = sup_active(s); n < s->cfg->workers; n++) {
		if (limited && !sup_may_spawn(s, now))
			return;
		if (sup_spawn(s, now) == -1)
			return;
	}
}

/* SIGKILLs workers past their deadline. */
static void
sup_escalate(struct sup *s, int64_t now)
{
	int i;

	for (i = 0; i < s->nprocs; i++) {
		struct sup_proc *p = &s->procs[i];

		if (p->pid == 0 || !p->stopping || now < p->deadline)
			continue;
		log_warn("sup: worker %d did not stop in time, SIGKILL",
		    (int)p->pid);
		kill(p->pid, SIGKILL);
		p->deadline = INT64_MAX;
	}
}

/* Sleeps until a signal arrives or the next thing falls due. */
static void
sup_sleep(struct sup *s, int64_t now)
{
	struct timespec ts;
	int64_t ms = SUP_TICK_MS, t;
	int i;

	if (s->throttled) {
		s->throttled = 0;
		t = s->spawns[s->spawn_next] + 1000 - now;
		ms = t < ms ? t : ms;
	}
	if (s->fresh != 0) {
		t = s->fresh_at + SUP_GRACE_MS - now;
		ms = t < ms ? t : ms;
	}
	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid != 0 && s->procs[i].stopping &&
		    s->procs[i].deadline - now < ms)
			ms = s->procs[i].deadline - now;
	if (ms < 1)
		ms = 1;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	/* A signal that came while blocked is delivered here at once. */
	ppoll(NULL, 0, &ts, &s->waitmask);
}

/* Stops every worker and waits for them, bounded. */
static void
sup_drain(struct sup *s)
{
	int64_t now = sup_now(), giveup = now + SUP_STOP_MS + SUP_KILL_WAIT_MS;
	int i, left;

	log_info("sup: stopping, workers: %d", sup_active(s));
	(void)notify_stopping();
	sup_unlink(s);
	close(s->fd);
	s->fd = -1;
	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid != 0)
			sup_stop(&s->procs[i], now);
	for (;;) {
		sup_reap(s);
		for (left = 0, i = 0; i < s->nprocs; i++)
			left += s->procs[i].pid != 0;
		if (left == 0)
			break;
		if ((now = sup_now()) >= giveup) {
			log_err("sup: %d workers would not die", left);
			break;
		}
		sup_escalate(s, now);
		sup_sleep(s, now);
	}
}

int
sup_run(const struct sup_config *cfg)
{
	struct sigaction sa, old[SUP_NHANDLED];
	struct sup s;
	sigset_t block;
	int i;

	if (cfg == NULL || cfg->worker_main == NULL || cfg->workers < 1 ||
	    cfg->workers > SUP_WORKERS_MAX) {
		log_err("sup: bad configuration (workers must be 1..%d)",
		    SUP_WORKERS_MAX);
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.fd = -1;
	s.self = getpid();
	s.nprocs = cfg->workers + 2; /* + a replacement + one retiring */
	for (i = 0; i < SUP_SPAWN_BURST; i++)
		s.spawns[i] = INT64_MIN / 2;
	if ((s.procs = calloc((size_t)s.nprocs, sizeof(*s.procs))) == NULL) {
		log_err("sup: out of memory");
		return -1;
	}
	if (sup_bind(&s) == -1) {
		free(s.procs);
		return -1;
	}
	/* Bind, drop, then serve. */
	if (cfg->priv != NULL && priv_drop(cfg->priv) == -1) {
		unlink(cfg->socket_path);
		close(s.fd);
		free(s.procs);
		return -1;
	}

	sigemptyset(&block);
	for (i = 0; i < SUP_NSIGNALS; i++)
		sigaddset(&block, sup_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &s.origmask);
	s.waitmask = s.origmask;
	for (i = 0; i < SUP_NSIGNALS; i++)
		sigdelset(&s.waitmask, sup_signals[i]);
	sup_got_term = sup_got_hup = 0;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < SUP_NHANDLED; i++) {
		sa.sa_handler =
		    sup_handled[i] == SIGPIPE ? SIG_IGN : sup_on_signal;
		sa.sa_flags = sup_handled[i] == SIGCHLD ? SA_NOCLDSTOP : 0;
		sigaction(sup_handled[i], &sa, &old[i]);
	}

	log_info("sup: listening on %s, workers: %d", cfg->socket_path,
	    cfg->workers);
	sup_fill(&s, sup_now(), 0);
	/* Bound, dropped, workers forked: systemd's Type=notify start is
	 * over (READY=1). */
	(void)notify_ready();
	for (;;) {
		int64_t now;

		sup_reap(&s);
		if (sup_got_term)
			break;
		now = sup_now();
		if (sup_got_hup) {
			sup_got_hup = 0;
			s.gen++;
			s.rolling = 1;
			log_info("sup: SIGHUP, rolling restart");
			(void)notify_reloading();
		}
		sup_roll(&s, now);
		sup_fill(&s, now, 1);
		sup_escalate(&s, now);
		sup_sleep(&s, now);
	}
	sup_drain(&s);

	for (i = 0; i < SUP_NHANDLED; i++)
		sigaction(sup_handled[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &s.origmask, NULL);
	free(s.procs);
	log_info("sup: stopped");
	return 0;
}
