/*
 * sd_notify(3) from libsystemd, or nothing in a build without it
 * (configure --without-systemd, or no libsystemd-dev found).
 */
#include "util/notify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

#ifdef ROSTER_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

static int
notify_send(const char *state)
{
#ifdef ROSTER_HAVE_SYSTEMD
	static int warned;
	int rc = sd_notify(0, state);

	if (rc < 0 && !warned) {
		warned = 1;
		log_warn("sd_notify: %s", strerror(-rc));
	}
	return rc < 0 ? -1 : rc > 0;
#else
	(void)state;
	return 0;
#endif
}

int
notify_ready(void)
{
	return notify_send("READY=1\nSTATUS=serving");
}

int
notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
		(unsigned long long)ts.tv_nsec / 1000);
	return notify_send(msg);
}

int
notify_stopping(void)
{
	return notify_send("STOPPING=1\nSTATUS=stopping");
}
