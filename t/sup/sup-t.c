/*
 * Unit tests of src/sup/sup.c. sup_run is run in a forked child with its
 * socket in a fresh temporary directory and its log captured in a file;
 * small worker_mains of this file answer each connection with their pid
 * (no FastCGI), crash at once, or block in FCGX_Accept_r. Checked: bad
 * configurations and sockets that must not be replaced, the socket's and
 * its directory's modes, every worker serving, a killed worker replaced,
 * a worker stopped by SIGTERM while blocked in accept and while reading a
 * request (which still completes), a rolling restart on SIGHUP that keeps
 * answering, the fork budget of a crashing worker, and the drain on
 * SIGTERM/SIGINT. Every wait is bounded in count and time. Linux only:
 * the supervisor's children are found through /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sup/sup.h"
#include "tap.h"

#define MAXW 8

static char dir[64];

/*
 * kill(2) for a pid this test found: never 0, -1 or init, which a failed
 * lookup must not turn into a signal to a whole process group.
 */
static void
signal_pid(int pid, int sig)
{
	if (pid > 1)
		kill(pid, sig);
	else
		diag("refusing to signal pid %d", pid);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Worker: for each connection, reads one line and answers "pid line".
 * A read that fails answers "ERR".
 */
static int
echo_main(void *ctx, int listen_fd, volatile sig_atomic_t *stop)
{
	char line[64], out[96];
	size_t n;
	ssize_t r;
	int fd;

	(void)ctx;
	while (!*stop) {
		if ((fd = accept(listen_fd, NULL, NULL)) == -1) {
			if (*stop || errno == EINTR || errno == ECONNABORTED)
				continue;
			return 2;
		}
		for (n = 0, r = 1; n < sizeof(line) - 1; n += (size_t)r) {
			if ((r = read(fd, line + n, 1)) != 1 || line[n] == '\n')
				break;
		}
		line[n] = '\0';
		if (r == 1)
			snprintf(
			    out, sizeof(out), "%d %s", (int)getpid(), line);
		else
			snprintf(out, sizeof(out), "ERR");
		(void)!write(fd, out, strlen(out));
		close(fd);
	}
	return 0;
}

/* Worker that fails its setup at once. */
static int
crash_main(void *ctx, int listen_fd, volatile sig_atomic_t *stop)
{
	(void)ctx;
	(void)listen_fd;
	(void)stop;
	return 3;
}

/*
 * Worker in libfcgi's accept loop, set up as src/http/http_fcgi.c does;
 * returns 7 when it stops.
 */
static int
fcgi_main(void *ctx, int listen_fd, volatile sig_atomic_t *stop)
{
	FCGX_Request req;

	(void)ctx;
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&req, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return 1;
	while (!*stop) {
		if (FCGX_Accept_r(&req) < 0)
			continue;
		FCGX_FPrintF(req.out, "Content-Type: text/plain\r\n\r\nok\n");
		FCGX_Finish_r(&req);
	}
	return 7;
}

/* Starts sup_run in a child logging to logpath. */
static pid_t
start_sup(const char *path, int workers,
    int (*wm)(void *, int, volatile sig_atomic_t *), const char *logpath)
{
	struct sup_config cfg = { path, workers, wm, NULL,
		FCGX_ShutdownPending, NULL };
	pid_t pid;
	int fd;

	if ((pid = fork()) != 0)
		return pid;
	/* If this test dies, its supervisor drains instead of lingering. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if ((fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600)) != -1)
		dup2(fd, STDERR_FILENO);
	/* _exit: the TAP counters of this copy must not report. */
	_exit(sup_run(&cfg) == 0 ? 0 : 1);
}

/* Waits up to ms for pid to exit; returns its status or -1. */
static int
wait_exit(pid_t pid, int ms)
{
	long long end = now_ms() + ms;
	int st;

	do {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		sleep_ms(20);
	} while (now_ms() < end);
	return -1;
}

/* Waits up to ms until path exists; returns whether it does. */
static int
wait_path(const char *path, int ms)
{
	long long end = now_ms() + ms;
	struct stat sb;

	do {
		if (stat(path, &sb) == 0)
			return 1;
		sleep_ms(20);
	} while (now_ms() < end);
	return 0;
}

/* Fills sun for path; -1 when it does not fit. */
static int
sun_set(struct sockaddr_un *sun, const char *path)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, n + 1);
	return 0;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv = { 3, 0 };
	int fd;

	if (sun_set(&sun, path) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads the answer to a line sent on fd; returns the pid or -1. */
static int
answer(int fd, const char *msg, char *reply, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n < len - 1 && (r = read(fd, reply + n, len - 1 - n)) > 0)
		n += (size_t)r;
	reply[n] = '\0';
	close(fd);
	if (strchr(reply, ' ') == NULL ||
	    strcmp(strchr(reply, ' ') + 1, msg) != 0)
		return -1;
	return atoi(reply);
}

/* Connects, sends msg, and returns the answering worker's pid or -1. */
static int
ask(const char *path, const char *msg)
{
	char reply[96];
	int fd;

	if ((fd = connect_to(path)) == -1)
		return -1;
	(void)!write(fd, msg, strlen(msg));
	(void)!write(fd, "\n", 1);
	return answer(fd, msg, reply, sizeof(reply));
}

/*
 * Waits up to 10 s for an echo worker to answer on path: the file exists
 * from bind(), connections work only from listen(). Returns its pid or -1.
 */
static int
wait_ready(const char *path)
{
	long long end = now_ms() + 10000;
	int pid;

	while ((pid = ask(path, "up")) == -1 && now_ms() < end)
		sleep_ms(50);
	return pid;
}

static int
in_set(const int *set, int n, int pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i] == pid)
			return 1;
	return 0;
}

/*
 * Asks up to tries times until want distinct pids, none in avoid, have
 * answered; writes them to got. Returns how many were found, or -1 when
 * a connection went unanswered.
 */
static int
distinct(const char *path, int want, const int *avoid, int navoid, int *got,
    int tries)
{
	int n = 0, pid, i;

	for (i = 0; i < tries && n < want; i++) {
		if ((pid = ask(path, "hi")) == -1)
			return -1;
		if (!in_set(avoid, navoid, pid) && !in_set(got, n, pid))
			got[n++] = pid;
	}
	return n;
}

/* The pids whose parent is ppid, from /proc; returns how many. */
static int
children(pid_t ppid, int *out, int max)
{
	char path[300], buf[512], *p;
	struct dirent *de;
	int n = 0, fd, parent;
	ssize_t r;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		/* "pid (comm) state ppid ...": comm may hold anything. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %*c %d", &parent) != 1)
			continue;
		if (parent == ppid && n < max)
			out[n++] = atoi(de->d_name);
	}
	closedir(d);
	return n;
}

/* Whether pid is gone within ms (not even a zombie). */
static int
gone(int pid, int ms)
{
	long long end = now_ms() + ms;

	if (pid <= 1)
		return 0;
	do {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 1;
		sleep_ms(20);
	} while (now_ms() < end);
	return 0;
}

/*
 * After a failed check: kills what is left of a supervisor and its workers
 * so that none outlives the test (and holds its output open).
 */
static void
cleanup(pid_t sup)
{
	int kids[MAXW * 2], n, i;

	if (sup <= 0 || waitpid(sup, NULL, WNOHANG) != 0)
		return;
	n = children(sup, kids, MAXW * 2);
	for (i = 0; i < n; i++)
		signal_pid(kids[i], SIGKILL);
	signal_pid(sup, SIGKILL);
	waitpid(sup, NULL, 0);
}

static char *
slurp(const char *path)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY)) == -1)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* The log once it holds needle (the supervisor logs a death only when it
 * reaps, a moment after the process is gone), or after ms. */
static char *
slurp_until(const char *path, const char *needle, int ms)
{
	long long end = now_ms() + ms;
	char *log;

	while (strstr(log = slurp(path), needle) == NULL && now_ms() < end)
		sleep_ms(20);
	return log;
}

static int
count_lines(const char *text, const char *needle)
{
	int n = 0;

	while ((text = strstr(text, needle)) != NULL) {
		n++;
		text++;
	}
	return n;
}

/* Makes a socket file at path with nothing listening. */
static int
stale_socket(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	if (sun_set(&sun, path) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc;
}

static void
test_refusals(void)
{
	struct sup_config cfg = { NULL, 2, echo_main, NULL, NULL, NULL };
	struct sockaddr_un sun;
	char path[256], file[128];
	struct stat sb;
	int fd, cfd;

	snprintf(path, sizeof(path), "%s/x.sock", dir);
	cfg.socket_path = path;
	cfg.workers = 0;
	is_int(-1, sup_run(&cfg), "workers = 0 is refused");
	cfg.workers = 1025;
	is_int(-1, sup_run(&cfg), "workers = 1025 is refused");
	cfg.workers = 2;
	cfg.worker_main = NULL;
	is_int(-1, sup_run(&cfg), "no worker_main is refused");
	is_int(-1, sup_run(NULL), "no configuration is refused");
	cfg.worker_main = echo_main;
	cfg.socket_path = "";
	is_int(-1, sup_run(&cfg), "an empty socket path is refused");

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	cfg.socket_path = path;
	is_int(-1, sup_run(&cfg), "a path longer than sun_path is refused");

	snprintf(file, sizeof(file), "%s/plain", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	close(fd);
	cfg.socket_path = file;
	is_int(-1, sup_run(&cfg), "a regular file at the path is refused");
	ok(stat(file, &sb) == 0 && S_ISREG(sb.st_mode),
	    "and the file is left alone");
	snprintf(path, sizeof(path), "%s/plain/x.sock", dir);
	cfg.socket_path = path;
	is_int(-1, sup_run(&cfg), "a parent that is a file is refused");

	snprintf(file, sizeof(file), "%s/live.sock", dir);
	sun_set(&sun, file);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 4) == -1)
		diag("live socket: %s", strerror(errno));
	cfg.socket_path = file;
	is_int(-1, sup_run(&cfg), "a socket someone listens on is refused");
	ok((cfd = connect_to(file)) >= 0, "and that server still answers");
	close(cfd);
	close(fd);
	unlink(file);
}

static void
test_serving(void)
{
	char sock[192], sub[128], logp[128], *log;
	int first[MAXW] = { 0 }, now[MAXW] = { 0 }, more[MAXW] = { 0 };
	int kids[MAXW * 2];
	int n, victim, i, st, all_answered;
	long long t0, end;
	struct stat sb;
	pid_t sup;

	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(sock, sizeof(sock), "%s/fcgi.sock", sub);
	snprintf(logp, sizeof(logp), "%s/serving.log", dir);
	sup = start_sup(sock, 3, echo_main, logp);
	if (!ok(sup > 0 && wait_path(sock, 5000), "socket appears")) {
		cleanup(sup);
		return;
	}
	if (stat(sock, &sb) == -1)
		memset(&sb, 0, sizeof(sb));
	ok(S_ISSOCK(sb.st_mode) && (sb.st_mode & 07777) == 0660,
	    "socket has mode 0660 (%o)", (unsigned)(sb.st_mode & 07777));
	if (stat(sub, &sb) == -1)
		memset(&sb, 0, sizeof(sb));
	ok(S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0750,
	    "missing parent was made with mode 0750 (%o)",
	    (unsigned)(sb.st_mode & 07777));

	ok(wait_ready(sock) > 0, "a worker answers");
	n = distinct(sock, 3, NULL, 0, first, 300);
	is_int(3, n, "three distinct workers answer");
	n = children(sup, kids, MAXW * 2);
	ok(n == 3 && in_set(kids, n, first[0]) && in_set(kids, n, first[1]) &&
		in_set(kids, n, first[2]),
	    "they are the supervisor's 3 children");

	/* A worker killed outright is replaced. */
	victim = first[1];
	signal_pid(victim, SIGKILL);
	ok(gone(victim, 5000), "killed worker is reaped");
	end = now_ms() + 5000;
	do {
		n = distinct(sock, 1, first, 3, now, 20);
	} while (n == 0 && now_ms() < end);
	is_int(1, n, "a new worker answers after the kill");
	end = now_ms() + 5000;
	while ((n = children(sup, kids, MAXW * 2)) != 3 && now_ms() < end)
		sleep_ms(50);
	ok(n == 3 && !in_set(kids, n, victim), "still 3 workers, victim gone");
	snprintf(
	    sub, sizeof(sub), "worker %d died: killed by signal 9", victim);
	log = slurp_until(logp, sub, 5000);
	contains(log, sub, "the death is logged with its signal");

	/* SIGTERM to a worker blocked in accept stops it at once. */
	victim = first[0];
	signal_pid(victim, SIGTERM);
	ok(gone(victim, 2000), "SIGTERM stops a worker blocked in accept");
	snprintf(sub, sizeof(sub), "worker %d died: exit status 0", victim);
	log = slurp_until(logp, sub, 5000);
	contains(log, sub, "it returned from worker_main with 0");

	/* Rolling restart: every worker replaced, answers throughout. */
	end = now_ms() + 5000;
	while ((n = children(sup, first, MAXW)) != 3 && now_ms() < end)
		sleep_ms(50);
	is_int(3, n, "3 workers before SIGHUP");
	signal_pid(sup, SIGHUP);
	all_answered = 1;
	end = now_ms() + 20000;
	do {
		if (ask(sock, "roll") == -1)
			all_answered = 0;
		n = children(sup, kids, MAXW * 2);
		for (i = 0; i < n; i++)
			if (in_set(first, 3, kids[i]))
				break;
		if (n == 3 && i == n)
			break;
		sleep_ms(50);
	} while (now_ms() < end);
	ok(n == 3 && i == n, "after SIGHUP all 3 workers are new");
	ok(all_answered, "every request was answered during the restart");
	is_int(3, distinct(sock, 3, first, 3, more, 300),
	    "3 new workers answer, no old one");
	for (i = 0, n = 0; i < 3; i++)
		n += gone(first[i], 2000);
	is_int(3, n, "no old worker is left");
	end = now_ms() + 5000;
	while (!strstr(log = slurp(logp), "rolling restart done") &&
	    now_ms() < end)
		sleep_ms(50);
	contains(log, "rolling restart done", "restart logged as done");

	/* Drain. */
	t0 = now_ms();
	signal_pid(sup, SIGTERM);
	st = wait_exit(sup, 10000);
	ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "SIGTERM: supervisor exits 0");
	ok(now_ms() - t0 < 5000, "promptly (%lld ms)", now_ms() - t0);
	ok(access(sock, F_OK) == -1 && errno == ENOENT, "socket removed");
	for (i = 0, n = 0; i < 3; i++)
		n += gone(more[i], 1000);
	is_int(3, n, "no worker outlives the supervisor");
	log = slurp(logp);
	ok(strstr(log, "SIGKILL") == NULL, "no worker needed SIGKILL");
	if (st == -1)
		cleanup(sup);
}

static void
test_request_in_progress(void)
{
	char sock[128], logp[128], reply[96];
	int pid, fd, st, kids[4];
	pid_t sup;

	snprintf(sock, sizeof(sock), "%s/one.sock", dir);
	snprintf(logp, sizeof(logp), "%s/one.log", dir);
	sup = start_sup(sock, 1, echo_main, logp);
	if (!ok(sup > 0 && wait_path(sock, 5000), "one-worker socket")) {
		cleanup(sup);
		return;
	}
	pid = wait_ready(sock);
	ok(pid > 0, "the worker answers");
	fd = connect_to(sock);
	sleep_ms(300); /* the worker now waits in read() */
	signal_pid(pid, SIGTERM);
	sleep_ms(300);
	(void)!write(fd, "late\n", 5);
	is_int(pid, answer(fd, "late", reply, sizeof(reply)),
	    "a request being read when SIGTERM came still completes (%s)",
	    reply);
	ok(gone(pid, 2000), "and the worker stops after it");
	ok(children(sup, kids, 4) <= 1, "no more than one worker");
	signal_pid(sup, SIGINT);
	st = wait_exit(sup, 10000);
	ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "SIGINT: supervisor exits 0");
	if (st == -1)
		cleanup(sup);
}

static void
test_fcgi_accept(void)
{
	char sock[128], logp[128], want[64];
	int n, kids[4], st;
	long long end;
	pid_t sup;

	snprintf(sock, sizeof(sock), "%s/fcgi1.sock", dir);
	snprintf(logp, sizeof(logp), "%s/fcgi1.log", dir);
	sup = start_sup(sock, 1, fcgi_main, logp);
	if (!ok(sup > 0 && wait_path(sock, 5000), "libfcgi socket")) {
		cleanup(sup);
		return;
	}
	end = now_ms() + 5000;
	while ((n = children(sup, kids, 4)) != 1 && now_ms() < end)
		sleep_ms(50);
	is_int(1, n, "one libfcgi worker");
	sleep_ms(300); /* it now waits in FCGX_Accept_r */
	if (n == 1) {
		signal_pid(kids[0], SIGTERM);
		ok(gone(kids[0], 2000),
		    "SIGTERM stops a worker blocked in FCGX_Accept_r");
		snprintf(want, sizeof(want), "worker %d died: exit status 7",
		    kids[0]);
		contains(slurp_until(logp, want, 5000), want,
		    "FCGX_Accept_r failed, "
		    "worker_main returned");
	}
	signal_pid(sup, SIGTERM);
	st = wait_exit(sup, 10000);
	ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "libfcgi supervisor exits 0");
	ok(strstr(slurp(logp), "SIGKILL") == NULL, "without SIGKILL");
	if (st == -1)
		cleanup(sup);
}

static void
test_crash_loop(void)
{
	char sock[128], logp[128], *log;
	long long t0, ms;
	int starts, fd, st;
	pid_t sup;

	snprintf(sock, sizeof(sock), "%s/crash.sock", dir);
	snprintf(logp, sizeof(logp), "%s/crash.log", dir);
	is_int(0, stale_socket(sock), "stale socket made");
	t0 = now_ms();
	sup = start_sup(sock, 2, crash_main, logp);
	sleep_ms(2500);
	fd = connect_to(sock);
	ok(fd >= 0, "the stale socket was replaced by a live one");
	if (fd >= 0)
		close(fd);
	signal_pid(sup, SIGTERM);
	st = wait_exit(sup, 10000);
	ms = now_ms() - t0;
	ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "crash loop: supervisor exits 0");
	log = slurp(logp);
	starts = count_lines(log, " started");
	ok(starts >= 10, "crashing workers are replaced (%d forks)", starts);
	ok(starts <= 2 + 10 * (int)(ms / 1000 + 1),
	    "at most 10 forks a second after the first (%d in %lld ms)", starts,
	    ms);
	contains(log, "died: exit status 3", "the crash is logged");
	contains(log, "removed stale socket", "the stale socket is logged");
	if (st == -1)
		cleanup(sup);
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/sup-t.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (access("/proc/self/stat", R_OK) == -1)
		skip_all("no /proc");
	/* A worker that hung up must fail a check, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	plan(53);
	test_refusals();
	test_serving();
	test_request_in_progress();
	test_fcgi_accept();
	test_crash_loop();
	/* SUP_T_KEEP=1 keeps the supervisors' logs for a look. */
	if (getenv("SUP_T_KEEP") != NULL) {
		diag("logs kept in %s", dir);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return 0;
}
