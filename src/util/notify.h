/*
 * Telling the service manager what a daemon is doing (sd_notify(3)):
 * ready to serve, reloading, stopping. Under systemd with Type=notify the
 * unit counts as started only once notify_ready() is sent, and a reload
 * (ExecReload) as done only once READY=1 follows RELOADING=1. Without
 * $NOTIFY_SOCKET (started by hand, by scripts/up, by the tests), or in a
 * build configured --without-systemd, every call does nothing.
 */
#ifndef ROSTER_UTIL_NOTIFY_H
#define ROSTER_UTIL_NOTIFY_H

/* READY=1: the daemon serves. Returns 1 when sent, 0 when there is no
 * service manager to tell, -1 on an error (logged once, never fatal). */
int notify_ready(void);

/* RELOADING=1 with MONOTONIC_USEC (as systemd 253's Type=notify-reload
 * asks): a reload began; notify_ready() when it is done. */
int notify_reloading(void);

/* STOPPING=1: the daemon is shutting down (draining). */
int notify_stopping(void);

#endif
