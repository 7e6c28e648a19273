/*
 * Giving up root, the OpenBSD way: a program started as root looks up its
 * unprivileged user while it still can, does the one thing that needs
 * root (roster-fcgi binds its socket and hands it to the web server's
 * group), then drops every id for good before it reads a request or a
 * message. Started as anyone else, a program keeps who it is.
 */
#ifndef ROSTER_UTIL_PRIV_H
#define ROSTER_UTIL_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

struct priv {
	bool drop;        /* started as root: priv_drop switches to user */
	const char *user; /* ROSTER_USER */
	uid_t uid;
	gid_t gid;        /* user's primary group */
	gid_t socket_gid; /* ROSTER_SOCKET_GROUP */
	bool chgrp;       /* not root, but in socket_gid: give it the socket */
};

/*
 * Fills p. As root: looks up user (never root itself, nor uid 0) and,
 * when socket_group is not NULL, that group; returns -1 (logged, naming
 * the variable to fix) when either is missing. Otherwise p->drop is false
 * and user is not looked up; when socket_group names a group the process
 * is a member of (systemd's SupplementaryGroups=www-data, say), p->chgrp
 * is set and p->socket_gid is that group, so that the socket can be handed
 * to the web server's group without root; a group it is not in is noted
 * in the log and left alone.
 */
int priv_init(struct priv *p, const char *user, const char *socket_group);

/*
 * When p->drop: sets the supplementary groups to p->gid alone, then the
 * real, effective and saved group and user ids, and checks that root
 * cannot be regained. Returns 0 (also when there is nothing to drop), or
 * -1 (logged): the caller must then exit, never serve.
 */
int priv_drop(const struct priv *p);

#endif
