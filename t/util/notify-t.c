/*
 * Unit tests of src/util/notify.c and of what src/sup/sup.c and
 * src/util/priv.c do for systemd: with $NOTIFY_SOCKET pointing at a
 * datagram socket of this test, notify_* send READY=1, RELOADING=1 (with
 * MONOTONIC_USEC) and STOPPING=1; a supervisor sends READY=1 once it
 * serves, RELOADING=1 then READY=1 around a SIGHUP rolling restart and
 * STOPPING=1 on SIGTERM, in that order; without $NOTIFY_SOCKET nothing
 * is sent. And the socket's group without root: a process that is a
 * member of ROSTER_SOCKET_GROUP (systemd's SupplementaryGroups=) gives
 * its socket to that group. Every wait is bounded. In a build without
 * libsystemd (configure --without-systemd) the notify part is skipped.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sup/sup.h"
#include "tap.h"
#include "util/notify.h"
#include "util/priv.h"

static char dir[64];

/* The next datagram on fd within ms, or "" on a timeout. */
static const char *
next_msg(int fd, int ms)
{
	static char buf[512];
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	buf[0] = '\0';
	if (poll(&p, 1, ms) == 1 && (n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0)
		buf[n] = '\0';
	return buf;
}

static int
idle_main(void *ctx, int listen_fd, volatile sig_atomic_t *stop)
{
	(void)ctx;
	(void)listen_fd;
	while (!*stop)
		pause();
	return 0;
}

static pid_t
start_sup(const char *sock, const struct priv *priv)
{
	struct sup_config sc;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* The supervisor's log stays out of the test's output. */
	if (freopen("/dev/null", "w", stderr) == NULL)
		_exit(1);
	memset(&sc, 0, sizeof(sc));
	sc.socket_path = sock;
	sc.workers = 2;
	sc.worker_main = idle_main;
	sc.priv = priv;
	_exit(sup_run(&sc) == 0 ? 0 : 1);
}

static int
wait_exit(pid_t pid, int ms)
{
	int st;

	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void
test_notify(void)
{
	struct sockaddr_un sun;
	char path[96], sock[96];
	const char *m;
	pid_t pid;
	int fd;

	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(sock, sizeof(sock), "%s/run/fcgi.sock", dir);
	unsetenv("NOTIFY_SOCKET");
	is_int(0, notify_ready(), "no NOTIFY_SOCKET: nothing sent");

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		ok(0, "notify socket: %s", strerror(errno));
		return;
	}
	setenv("NOTIFY_SOCKET", path, 1);
	is_int(1, notify_ready(), "notify_ready sends");
	contains(next_msg(fd, 1000), "READY=1", "READY=1");
	is_int(1, notify_reloading(), "notify_reloading sends");
	m = next_msg(fd, 1000);
	contains(m, "RELOADING=1\nMONOTONIC_USEC=", "RELOADING=1 with the time");
	is_int(1, notify_stopping(), "notify_stopping sends");
	contains(next_msg(fd, 1000), "STOPPING=1", "STOPPING=1");

	pid = start_sup(sock, NULL);
	contains(next_msg(fd, 5000), "READY=1", "supervisor: READY=1 at start");
	ok(access(sock, F_OK) == 0, "the socket is bound before READY=1");
	kill(pid, SIGHUP);
	contains(next_msg(fd, 5000), "RELOADING=1",
	    "supervisor: RELOADING=1 on SIGHUP");
	contains(next_msg(fd, 10000), "READY=1",
	    "supervisor: READY=1 when the rolling restart is done");
	kill(pid, SIGTERM);
	contains(next_msg(fd, 5000), "STOPPING=1",
	    "supervisor: STOPPING=1 on SIGTERM");
	is_int(0, wait_exit(pid, 15000), "supervisor stopped");
	is_string("", next_msg(fd, 200), "nothing more sent");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}

/*
 * In a child that is not root and has group gid among its supplementary
 * groups: priv_init sets chgrp and the supervisor's socket gets gid.
 * Returns the socket's group, or -1.
 */
static int
socket_group_as_member(const char *group, gid_t gid, const char *sock)
{
	struct priv p;
	struct stat sb;
	pid_t pid;
	int rc = -1;

	if (priv_init(&p, "nobody", group) == -1 || !p.chgrp ||
	    p.socket_gid != gid)
		return -2;
	pid = start_sup(sock, &p);
	/* Up to 30 s: a loaded machine starts the supervisor slowly. */
	for (int i = 0; i < 3000 && rc == -1; i++) {
		if (stat(sock, &sb) == 0)
			rc = (int)sb.st_gid;
		else
			usleep(10000);
	}
	kill(pid, SIGTERM);
	wait_exit(pid, 15000);
	return rc;
}

static void
test_socket_group(void)
{
	char sock[128];
	struct group *gr;
	struct priv p;
	gid_t groups[64], gid = 0;
	pid_t pid;
	int n, st;

	snprintf(sock, sizeof(sock), "%s/grp/fcgi.sock", dir);
	if (geteuid() == 0) {
		/* Become nobody with the group daemon (gid 1) added, as
		 * User=roster with SupplementaryGroups=www-data would. */
		if ((gr = getgrnam("daemon")) == NULL) {
			ok(1, "# skip no group daemon");
			ok(1, "# skip no group daemon");
			return;
		}
		gid = gr->gr_gid;
		mkdir(dir, 0777);
		chmod(dir, 0777);
		pid = fork();
		if (pid == 0) {
			gid_t g = gid;

			if (setgroups(1, &g) == -1 || setgid(65534) == -1 ||
			    setuid(65534) == -1)
				_exit(98);
			_exit(socket_group_as_member("daemon", gid, sock) ==
				    (int)gid
				? 0
				: 1);
		}
		waitpid(pid, &st, 0);
		is_int(0, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		    "not root, in ROSTER_SOCKET_GROUP: the socket gets it");
	} else {
		n = getgroups(64, groups);
		for (int i = 0; i < n && gid == 0; i++)
			if (groups[i] != getegid())
				gid = groups[i];
		if (gid == 0 || (gr = getgrgid(gid)) == NULL) {
			ok(1, "# skip no supplementary group to try");
		} else {
			char name[64];

			snprintf(name, sizeof(name), "%s", gr->gr_name);
			is_int((int)gid, socket_group_as_member(name, gid, sock),
			    "not root, in ROSTER_SOCKET_GROUP: the socket "
			    "gets it");
		}
	}
	/* A group the process is not in is left alone. */
	if (geteuid() == 0) {
		pid = fork();
		if (pid == 0) {
			gid_t g = 65534;

			if (setgroups(1, &g) == -1 || setgid(65534) == -1 ||
			    setuid(65534) == -1)
				_exit(98);
			_exit(priv_init(&p, "nobody", "daemon") == 0 && !p.chgrp
				? 0
				: 1);
		}
		waitpid(pid, &st, 0);
		is_int(0, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		    "not a member: no chgrp, no error");
	} else {
		ok(priv_init(&p, "nobody", "root") == 0 && !p.chgrp,
		    "not a member: no chgrp, no error");
	}
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/notify-t.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	plan_lazy();
#ifdef ROSTER_HAVE_SYSTEMD
	test_notify();
#else
	diag("built without libsystemd: notify_* send nothing");
	is_int(0, notify_ready(), "without libsystemd nothing is sent");
#endif
	test_socket_group();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
