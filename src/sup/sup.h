/*
 * The prefork supervisor of roster-fcgi. It binds the FastCGI socket,
 * forks the workers, replaces any that dies, drains on SIGTERM/SIGINT
 * (workers finish their request, then exit) and on SIGHUP replaces the
 * workers one at a time (a rolling restart that re-runs setup in each new
 * worker). Signal handlers only set flags.
 */
#ifndef ROSTER_SUP_SUP_H
#define ROSTER_SUP_SUP_H

#include <signal.h>

#include "util/priv.h"

struct sup_config {
	const char *socket_path; /* UNIX socket to bind (replaced if stale) */
	int workers;             /* number of worker processes, >= 1 */
	/*
	 * Runs in each worker after fork: serve on listen_fd until *stop is
	 * set, then return the exit status (0..255). The supervisor's SIGTERM
	 * to a worker sets *stop, calls on_stop and closes the worker's copy
	 * of listen_fd, so a blocked or later accept fails (EINTR, EBADF, or
	 * a negative FCGX_Accept_r) at once. Check *stop before each accept
	 * and after a failed one; never close listen_fd. SIGHUP and SIGINT
	 * are ignored in workers, SIGPIPE too.
	 */
	int (*worker_main)(
	    void *ctx, int listen_fd, volatile sig_atomic_t *stop);
	void *ctx;
	/*
	 * Called in a worker from its SIGTERM handler, so it must be
	 * async-signal-safe (roster-fcgi passes FCGX_ShutdownPending). NULL
	 * for none.
	 */
	void (*on_stop)(void);
	/*
	 * NULL, or who to become: when priv->drop (started as root) the
	 * socket is given to priv->uid and priv->socket_gid right after it is
	 * bound, and the supervisor drops to priv's user before the first
	 * worker starts, so no worker ever runs as root; when priv->chgrp
	 * (not root, but a member of the socket's group) the socket's group
	 * becomes priv->socket_gid.
	 */
	const struct priv *priv;
};

/*
 * Binds the socket (mode 0660, owner and group only: the web server runs
 * as the same user or in the socket's group; missing parent directories
 * are made with mode 0750; a stale
 * socket is replaced, but not a live one nor a file of another kind),
 * starts the workers and supervises them until SIGTERM or SIGINT: a worker
 * that dies is logged and replaced (at most 10 forks a second), SIGHUP
 * replaces the workers one at a time. On SIGTERM/SIGINT it removes the
 * socket, sends the workers SIGTERM, waits for them (SIGKILL after 30 s)
 * and returns 0, with the caller's signal mask and dispositions restored.
 * Returns -1 (logged) when the configuration is bad (workers outside
 * 1..1024, no worker_main) or the socket cannot be bound. Call it from a
 * single-threaded process (it forks, and sets the umask while binding).
 * Under systemd (Type=notify) it sends READY=1 once the socket is bound
 * and the workers forked, RELOADING=1 on SIGHUP and READY=1 when that
 * rolling restart is done, STOPPING=1 when the drain begins.
 */
int sup_run(const struct sup_config *cfg);

#endif
