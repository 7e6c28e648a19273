/*
 * Dropping root: look the user up first, drop groups before the user id
 * (afterwards setgroups would be refused), set real, effective and saved
 * ids alike so nothing can switch back, and check that it held.
 */
#include "util/priv.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

/* Not root: whether the process may give its socket to socket_group. */
static int
priv_member(struct priv *p, const char *socket_group)
{
	gid_t groups[256];
	struct group *gr;
	int i, n;

	if (socket_group == NULL || *socket_group == '\0')
		return 0;
	if ((gr = getgrnam(socket_group)) == NULL) {
		log_info("ROSTER_SOCKET_GROUP '%s' is not a group of this "
			 "system: the socket keeps the process's group",
		    socket_group);
		return 0;
	}
	n = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			break;
	if (gr->gr_gid != getegid() && (n < 0 || i == n)) {
		log_info("not a member of ROSTER_SOCKET_GROUP '%s': the socket "
			 "keeps the process's group",
		    socket_group);
		return 0;
	}
	p->socket_gid = gr->gr_gid;
	p->chgrp = true;
	return 0;
}

int
priv_init(struct priv *p, const char *user, const char *socket_group)
{
	struct passwd *pw;
	struct group *gr;

	memset(p, 0, sizeof(*p));
	p->user = user;
	if (geteuid() != 0)
		return priv_member(p, socket_group);
	if (user == NULL || *user == '\0' || (pw = getpwnam(user)) == NULL) {
		log_err("started as root, but ROSTER_USER '%s' is not a user "
			"of this system: create it (adduser --system --group "
			"%s) or name another unprivileged user",
		    user != NULL ? user : "", user != NULL ? user : "roster");
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_err("ROSTER_USER '%s' has user or group id 0: name an "
			"unprivileged user",
		    user);
		return -1;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	p->socket_gid = p->gid;
	if (socket_group != NULL && *socket_group != '\0') {
		if ((gr = getgrnam(socket_group)) == NULL) {
			log_err("ROSTER_SOCKET_GROUP '%s' is not a group of "
				"this system",
			    socket_group);
			return -1;
		}
		p->socket_gid = gr->gr_gid;
	}
	p->drop = true;
	return 0;
}

int
priv_drop(const struct priv *p)
{
	if (!p->drop)
		return 0;
	if (setgroups(1, &p->gid) == -1 ||
	    setresgid(p->gid, p->gid, p->gid) == -1 ||
	    setresuid(p->uid, p->uid, p->uid) == -1) {
		log_err("cannot switch to user %s: %s", p->user,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) != -1 || setgid(0) != -1 || geteuid() != p->uid ||
	    getegid() != p->gid) {
		log_err("switched to user %s, but root could be regained",
		    p->user);
		return -1;
	}
	log_info("running as user %s (uid %d, gid %d)", p->user, (int)p->uid,
	    (int)p->gid);
	return 0;
}
