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

struct sup_config {
	const char *socket_path; /* UNIX socket to bind (replaced if stale) */
	int workers;             /* number of worker processes, >= 1 */
	/*
	 * Runs in each worker after fork: serve on listen_fd until *stop is
	 * set, then return the exit status. The supervisor's SIGTERM to a
	 * worker sets *stop and interrupts a blocked accept.
	 */
	int (*worker_main)(void *ctx, int listen_fd, volatile sig_atomic_t *stop);
	void *ctx;
};

/*
 * Binds the socket (mode 0660: the web server runs as the same user or
 * group), starts the
 * workers and supervises them until SIGTERM or SIGINT; then stops the
 * workers, waits for them, removes the socket and returns 0. Returns -1
 * (logged) when the socket cannot be bound.
 */
int sup_run(const struct sup_config *cfg);

#endif
