# shellcheck shell=bash
# Shell helpers shared by scripts/up, scripts/down, scripts/test and
# scripts/rosterctl: packages, the private PostgreSQL cluster, nginx's
# configuration, the configuration's defaults, and starting and stopping
# processes by pid file.
#
# Each of these facts lives here once. The test harness and the C tests
# reach the same functions through small programs beside this file:
# scripts/pg (the cluster) and scripts/nginx-conf (nginx's configuration).
#
# Sourced, never run. Expects bash with `set -euo pipefail`. Every wait is
# bounded; every process is stopped by the pid its starter recorded.

ROSTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# Packages a fresh Debian 12 needs to build and run Roster.
# shellcheck disable=SC2034 # used by the scripts that source this
ROSTER_PACKAGES=(build-essential autoconf automake libtool pkg-config
	libfcgi-dev libpq-dev libsodium-dev libcurl4-openssl-dev libsystemd-dev
	libjansson-dev
	postgresql postgresql-contrib nginx curl)

# The roles of a stack's cluster (docs/security.md, "Least privilege"):
# the superuser, for operators and the tests only; the owner of the schema,
# which rosterctl migrate connects as; and the programs' role, which may
# read and write rows and nothing more.
# shellcheck disable=SC2034 # used by the scripts that source this
ROSTER_PG_ADMIN=roster ROSTER_PG_OWNER=roster_owner ROSTER_PG_APP=roster_app

roster_say() { printf '%s: %s\n' "${ROSTER_PROG:-roster}" "$*"; }
roster_warn() { printf '%s: %s\n' "${ROSTER_PROG:-roster}" "$*" >&2; }
roster_die() { roster_warn "$*"; exit 1; }

roster_is_root() { [ "$(id -u)" -eq 0 ]; }

# Absolute form of a path that may not exist yet, relative paths taken
# from the caller's working directory.
roster_abspath() {
	case $1 in
	/*) realpath -m -- "$1" ;;
	*) realpath -m -- "$PWD/$1" ;;
	esac
}

# Prints the packages of the arguments that are not installed.
roster_missing_packages() {
	local p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[ "$st" = "install ok installed" ] || printf '%s\n' "$p"
	done
}

# Installs the packages given (as root, with apt-get). Services that the
# packages would start (the system's own PostgreSQL and nginx) are kept
# from starting: this stack runs its own.
roster_apt_install() {
	[ $# -gt 0 ] || return 0
	roster_is_root || roster_die "missing packages: $*; install them (as root: apt-get install $*)"
	command -v apt-get >/dev/null || roster_die "missing packages: $* (and no apt-get)"
	local log rc=0
	log=$(mktemp /tmp/roster-apt.XXXXXX)
	roster_say "installing: $*"
	(
		policy=/usr/sbin/policy-rc.d
		if [ ! -e "$policy" ]; then
			trap 'rm -f "$policy"' EXIT
			printf '#!/bin/sh\nexit 101\n' >"$policy"
			chmod 755 "$policy"
		fi
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q &&
			apt-get install -y -q --no-install-recommends "$@"
	) >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$log" >&2
		rm -f "$log"
		roster_die "apt-get failed (exit $rc)"
	fi
	rm -f "$log"
}

# Installs whichever of the packages given is missing.
roster_ensure_packages() {
	local missing
	missing=$(roster_missing_packages "$@")
	# shellcheck disable=SC2086 # one package name per word
	[ -z "$missing" ] || roster_apt_install $missing
}

# ---- processes -----------------------------------------------------------

# Fields 3 and 4 of /proc/PID/stat (state and parent pid), without forking:
# sets ROSTER_STAT=(state ppid). Fails when the process does not exist.
roster_stat() {
	local line rest
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	rest=${line##*) }
	# shellcheck disable=SC2206 # split on blanks on purpose
	ROSTER_STAT=($rest)
	[ ${#ROSTER_STAT[@]} -ge 2 ]
}

# True when pid runs (a zombie does not count) and, if a name is given,
# its command line mentions that name.
roster_alive() {
	local pid=$1 name=${2:-} args
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	roster_stat "$pid" || return 1
	case ${ROSTER_STAT[0]} in Z | X) return 1 ;; esac
	[ -z "$name" ] && return 0
	{ mapfile -d "" -t args <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
	[[ "${args[*]}" == *"$name"* ]]
}

# Waits up to $2 seconds for pid $1 to end. 0 once gone, 1 on timeout.
roster_wait_gone() {
	local pid=$1 i
	for ((i = 0; i < $2 * 10; i++)); do
		roster_alive "$pid" || return 0
		sleep 0.1
	done
	! roster_alive "$pid"
}

# Pids whose parent is $1.
roster_children() {
	local d pid
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		roster_stat "$pid" || continue
		[ "${ROSTER_STAT[1]}" = "$1" ] && [ "${ROSTER_STAT[0]}" != Z ] && printf '%s\n' "$pid"
	done
	return 0
}

# Pid recorded in a pid file, if the file holds one.
roster_pidfile_pid() {
	local pid
	[ -f "$1" ] || return 1
	pid=$(head -n 1 "$1" 2>/dev/null || true)
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	printf '%s\n' "$pid"
}

# Stops the process of a pid file: signal $3 (TERM by default), up to $4
# seconds (10) to exit, then KILL for it and its children. Removes the pid
# file. A pid file of a process that is gone, or that names another
# program ($2), is just removed.
roster_stop_pidfile() {
	local pidf=$1 name=$2 sig=${3:-TERM} secs=${4:-10} pid kids
	pid=$(roster_pidfile_pid "$pidf") || { rm -f "$pidf"; return 0; }
	if roster_alive "$pid" "$name"; then
		kids=$(roster_children "$pid")
		kill -s "$sig" "$pid" 2>/dev/null || true
		if ! roster_wait_gone "$pid" "$secs"; then
			roster_warn "$name (pid $pid) did not stop within ${secs}s; killing it"
			# shellcheck disable=SC2086
			kill -s KILL "$pid" $kids 2>/dev/null || true
			roster_wait_gone "$pid" 5 || true
		fi
		roster_say "stopped $name (pid $pid)"
	fi
	rm -f "$pidf"
}

# Starts a long-running program in its own session, stdin from /dev/null,
# stdout and stderr appended to a log, and writes its pid file.
# Usage: roster_spawn LOG PIDFILE COMMAND...
roster_spawn() {
	local log=$1 pidf=$2
	shift 2
	setsid "$@" </dev/null >>"$log" 2>&1 &
	printf '%s\n' "$!" >"$pidf"
}

# ---- configuration -------------------------------------------------------

# The programs' variables and their defaults, from `rosterctl config` (the
# one table, in src/conf.c): ROSTER_DEFAULTS[NAME] is the default as
# written there ("$ROSTER_NAME" inside it stands for that variable's
# value), empty when the variable has none or a program computes it.
declare -gA ROSTER_DEFAULTS=()

# Usage: roster_config_load ROSTERCTL
roster_config_load() {
	local out line name value
	[ -x "$1" ] || roster_die "$1 is not built: run scripts/up first"
	out=$("$1" config) || roster_die "$1 config failed"
	ROSTER_DEFAULTS=()
	while IFS= read -r line; do
		[[ $line =~ ^(ROSTER_[A-Z0-9_]+)=(.*)$ ]] || continue
		name=${BASH_REMATCH[1]}
		value=${BASH_REMATCH[2]%%  # *}
		[[ $value == \(* ]] && value=
		ROSTER_DEFAULTS[$name]=$value
	done <<<"$out"
	[ ${#ROSTER_DEFAULTS[@]} -gt 0 ] || roster_die "$1 config printed no variables"
}

# The build directory of scripts/up, scripts/down and scripts/rosterctl:
# ROSTER_BUILDDIR (taken from the caller's directory), else the source
# tree itself when it was configured in place (`./configure && make`:
# a build in build/ beside that one would fail), else build/.
roster_builddir() {
	if [ -n "${ROSTER_BUILDDIR:-}" ]; then
		roster_abspath "$ROSTER_BUILDDIR"
	elif [ -f "$ROSTER_ROOT/config.status" ]; then
		printf '%s\n' "$ROSTER_ROOT"
	else
		printf '%s\n' "$ROSTER_ROOT/build"
	fi
}

# The value a program would read for variable NAME: the environment's
# when set and not empty, else the default (see roster_config_load; when
# no table is loaded yet, it is read from the rosterctl of
# roster_builddir).
roster_config_value() {
	local v=${!1:-} head='' re='^([^$]*)[$](ROSTER_[A-Z0-9_]+)(.*)$'
	if [ -n "$v" ]; then
		printf '%s\n' "$v"
		return 0
	fi
	[ ${#ROSTER_DEFAULTS[@]} -gt 0 ] ||
		roster_config_load "$(roster_builddir)/rosterctl"
	v=${ROSTER_DEFAULTS[$1]-}
	while [[ $v =~ $re ]]; do
		head+=${BASH_REMATCH[1]}$(roster_config_value "${BASH_REMATCH[2]}")
		v=${BASH_REMATCH[3]}
	done
	printf '%s\n' "$head$v"
}

# The stack's state directory, absolute: ROSTER_STATE_DIR taken from the
# caller's working directory, else the default of `ROSTERCTL config` taken
# from the repository.
# Usage: roster_state_dir ROSTERCTL
roster_state_dir() {
	if [ -n "${ROSTER_STATE_DIR:-}" ]; then
		roster_abspath "$ROSTER_STATE_DIR"
		return 0
	fi
	[ ${#ROSTER_DEFAULTS[@]} -gt 0 ] || roster_config_load "$1"
	(cd "$ROSTER_ROOT" && roster_abspath "$(roster_config_value ROSTER_STATE_DIR)")
}

# ---- HTTP ----------------------------------------------------------------

# Status code of a GET, "000" when nothing answers.
roster_http_status() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$1" 2>/dev/null || true
}

# Waits up to $2 seconds for URL $1 to answer 200.
roster_wait_http_200() {
	local i
	for ((i = 0; i < $2 * 4; i++)); do
		[ "$(roster_http_status "$1")" = 200 ] && return 0
		sleep 0.25
	done
	return 1
}

# ---- PostgreSQL ----------------------------------------------------------

# Directory of the PostgreSQL server programs (initdb, pg_ctl, postgres,
# psql, createdb): ROSTER_PG_BIN, else the newest Debian installation.
roster_pg_bin() {
	local d best=
	if [ -n "${ROSTER_PG_BIN:-}" ]; then
		printf '%s\n' "$ROSTER_PG_BIN"
		return 0
	fi
	# Versions sort numerically (9 < 15 < 16): the last one wins.
	best=$(for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && printf '%s\n' "$d"
	done | sort -V | tail -n 1)
	if [ -z "$best" ] && command -v initdb >/dev/null; then
		best=$(dirname "$(command -v initdb)")
	fi
	[ -n "$best" ] || return 1
	printf '%s\n' "$best"
}

# The OS user that runs the cluster: PostgreSQL refuses to run as root.
roster_pg_user() {
	if roster_is_root; then echo postgres; else id -un; fi
}

# Runs a command as the cluster's OS user.
roster_as_pg() {
	if roster_is_root; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# Makes sure the cluster's OS user can reach directory $1: as root, each
# parent that user cannot traverse gets o+x (and nothing more), with a note.
roster_pg_make_reachable() {
	local dir=$1 d
	roster_is_root || return 0
	id postgres >/dev/null 2>&1 || roster_die "no 'postgres' OS user: install the postgresql package"
	# From / down, so that each check sees its parents already fixed.
	d=
	local part
	local -a parts
	IFS=/ read -r -a parts <<<"${dir#/}"
	for part in "" "${parts[@]}"; do
		[ -n "$part" ] && d=$d/$part
		[ -d "${d:-/}" ] || break
		if ! runuser -u postgres -- test -x "${d:-/}" 2>/dev/null; then
			roster_say "note: adding o+x to ${d:-/} so that PostgreSQL (user postgres) can reach $dir"
			chmod o+x "${d:-/}"
		fi
	done
	runuser -u postgres -- test -x "$dir" ||
		roster_die "user postgres still cannot reach $dir; choose another ROSTER_STATE_DIR"
}

# The unprivileged OS user roster-fcgi and roster-mailer switch to when
# started as root (ROSTER_USER), and the web server's group, which gets
# the FastCGI socket and runs nginx's workers (ROSTER_SOCKET_GROUP).
roster_run_user() { roster_config_value ROSTER_USER; }
roster_web_user() { roster_config_value ROSTER_SOCKET_GROUP; }

# As root, creates the system user ROSTER_USER unless it exists (no home,
# no shell, its own group), as Debian's adduser --system --group would.
roster_ensure_run_user() {
	local user
	roster_is_root || return 0
	user=$(roster_run_user)
	id -u "$user" >/dev/null 2>&1 && return 0
	roster_say "creating the system user $user (ROSTER_USER)"
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$user" ||
		roster_die "cannot create the system user $user"
}

# The directories of a stack under STATE: log/, run/, nginx/ and tmp/ for
# whoever starts it, mail/ (the .eml files) for the mailer only: as root,
# owned by ROSTER_USER, mode 0700.
roster_state_dirs() {
	local state=$1
	mkdir -p "$state"
	chmod 755 "$state"
	mkdir -p "$state/log" "$state/run" "$state/mail" "$state/nginx" "$state/tmp"
	chmod 700 "$state/mail"
	if roster_is_root; then
		roster_ensure_run_user
		chown "$(roster_run_user):" "$state/mail"
	fi
}

# Writes who may connect to the cluster of STATE: UNIX socket only, peer
# authentication (the kernel names the connecting OS user) through the map
# "roster" of pg_ident.conf: the user who set the stack up (root, or the
# developer) may be any of the three roles; as root, ROSTER_USER may be
# the programs' role only. Anyone else is refused; no password exists.
# Reloads a running cluster.
roster_pg_auth() {
	local state=$1 pgdata=$1/pg me role
	me=$(id -un)
	{
		echo "# Written by scripts/lib.sh roster_pg_auth: Roster's private cluster."
		echo "# TYPE  DATABASE  USER  METHOD"
		echo "local   all       all   peer map=roster"
	} >"$pgdata/pg_hba.conf"
	{
		echo "# Written by scripts/lib.sh roster_pg_auth."
		echo "# MAPNAME  SYSTEM-USERNAME  PG-USERNAME"
		for role in "$ROSTER_PG_ADMIN" "$ROSTER_PG_OWNER" "$ROSTER_PG_APP"; do
			echo "roster     $me  $role"
		done
		roster_is_root && echo "roster     $(roster_run_user)  $ROSTER_PG_APP"
	} >"$pgdata/pg_ident.conf"
	if roster_is_root; then
		chown postgres: "$pgdata/pg_hba.conf" "$pgdata/pg_ident.conf"
	fi
	chmod 600 "$pgdata/pg_hba.conf" "$pgdata/pg_ident.conf"
	if roster_pg_pid "$state" >/dev/null; then
		roster_as_pg "$(roster_pg_bin)/pg_ctl" -D "$pgdata" reload >/dev/null 2>&1 ||
			roster_die "cannot reload PostgreSQL's authentication files"
	fi
}

# Creates the cluster under STATE/pg unless it exists (PG_VERSION), socket
# in STATE/pgsock, listening on no TCP address; its log is
# STATE/log/postgres.log. The cluster runs as an unprivileged user (see
# roster_pg_user); its superuser is "roster". The socket directory is
# 0700, or as root 0750 with ROSTER_USER's group (the programs); who may
# connect as whom is written each time (roster_pg_auth), so an older
# cluster is brought up to date.
# Usage: roster_pg_init STATE PORT [test]
#   ("test": a throw-away cluster: no fsync, no syncs, fewer connections)
roster_pg_init() {
	local state=$1 port=$2 mode=${3:-} bin pgdata sock log user rc=0
	bin=$(roster_pg_bin) || roster_die "PostgreSQL server programs not found (apt-get install postgresql)"
	pgdata=$state/pg sock=$state/pgsock log=$state/log/postgres.log
	user=$(roster_pg_user)
	mkdir -p "$state"
	roster_pg_make_reachable "$state"
	mkdir -p "$state/log" "$sock"
	touch "$log"
	if roster_is_root; then
		roster_ensure_run_user
		chown "postgres:$(id -gn "$(roster_run_user)")" "$sock"
		chmod 750 "$sock"
		chown postgres: "$log"
	else
		chmod 700 "$sock"
	fi
	if [ ! -f "$pgdata/PG_VERSION" ]; then
		roster_pg_initdb "$state" "$port" "$mode"
	fi
	roster_pg_auth "$state"
}

# initdb for roster_pg_init, with its settings.
roster_pg_initdb() {
	local state=$1 port=$2 mode=$3 bin pgdata=$1/pg sock=$1/pgsock rc=0
	bin=$(roster_pg_bin)
	rm -rf "$pgdata"
	mkdir -m 700 "$pgdata"
	roster_is_root && chown postgres: "$pgdata"
	# Peer authentication from the start (roster_pg_auth narrows it).
	local args=(-D "$pgdata" -U "$ROSTER_PG_ADMIN" --auth-local=peer
		--auth-host=reject -E UTF8)
	[ "$mode" = test ] && args+=(-N)
	roster_as_pg "$bin/initdb" "${args[@]}" --locale=C.UTF-8 >"$state/log/initdb.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		# Without the C.UTF-8 locale, plain C still stores UTF-8.
		rm -rf "$pgdata"
		mkdir -m 700 "$pgdata"
		roster_is_root && chown postgres: "$pgdata"
		rc=0
		roster_as_pg "$bin/initdb" "${args[@]}" --locale=C >"$state/log/initdb.log" 2>&1 || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "$state/log/initdb.log" >&2
		roster_die "initdb failed (as $(roster_pg_user)) in $pgdata"
	fi
	{
		echo
		echo "# Roster's private cluster: UNIX socket only."
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '${sock//\'/\'\'}'"
		echo "port = $port"
		if [ "$mode" = test ]; then
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
			echo "max_connections = 50"
		fi
	} >>"$pgdata/postgresql.conf"
}

# Pid of the running postmaster of STATE/pg, if any.
roster_pg_pid() {
	local pid
	pid=$(roster_pidfile_pid "$1/pg/postmaster.pid") || return 1
	roster_alive "$pid" postgres || return 1
	printf '%s\n' "$pid"
}

# Starts the cluster of STATE unless it runs. 0 on success.
roster_pg_start() {
	local state=$1 bin
	roster_pg_pid "$state" >/dev/null && return 0
	bin=$(roster_pg_bin) || roster_die "PostgreSQL server programs not found"
	if ! roster_as_pg "$bin/pg_ctl" -D "$state/pg" -l "$state/log/postgres.log" \
	    -w -t 60 start >/dev/null 2>&1; then
		tail -n 20 "$state/log/postgres.log" >&2
		roster_die "PostgreSQL did not start (log: $state/log/postgres.log)"
	fi
}

# Stops the cluster of STATE (fast shutdown), if it runs.
roster_pg_stop() {
	local state=$1 bin pid
	pid=$(roster_pg_pid "$state") || return 0
	bin=$(roster_pg_bin) || bin=
	if [ -z "$bin" ] || ! roster_as_pg "$bin/pg_ctl" -D "$state/pg" -m fast -w -t 30 \
	    stop >/dev/null 2>&1; then
		kill -s QUIT "$pid" 2>/dev/null || true
		roster_wait_gone "$pid" 10 || kill -s KILL "$pid" 2>/dev/null || true
	fi
	roster_say "stopped postgres (pid $pid)"
}

# libpq connection string of STATE's cluster, as ROLE: app (the
# programs' role, the default), owner (the schema's: rosterctl migrate,
# restores) or admin (the superuser).
roster_pg_url() {
	local role
	case ${3:-app} in
	app) role=$ROSTER_PG_APP ;;
	owner) role=$ROSTER_PG_OWNER ;;
	admin) role=$ROSTER_PG_ADMIN ;;
	*) roster_die "unknown role '${3:-}' (app, owner, admin)" ;;
	esac
	printf 'host=%s port=%s dbname=roster user=%s\n' "$1/pgsock" "$2" "$role"
}

# Creates the roles and the database "roster" unless they exist: the
# database and its schema belong to the owner role; the programs' role may
# connect and nothing more until rosterctl migrate grants it the rows;
# nobody else may connect. A database from before the roles existed is
# handed to the owner.
roster_pg_createdb() {
	local state=$1 port=$2 bin have
	bin=$(roster_pg_bin) || roster_die "PostgreSQL server programs not found"
	local psql=("$bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$state/pgsock" -p "$port"
		-U "$ROSTER_PG_ADMIN")
	"${psql[@]}" -d postgres >/dev/null <<-EOF || roster_die "cannot reach PostgreSQL at $state/pgsock"
		DO \$\$ BEGIN
		  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROSTER_PG_OWNER') THEN
		    CREATE ROLE $ROSTER_PG_OWNER LOGIN;
		  END IF;
		  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROSTER_PG_APP') THEN
		    CREATE ROLE $ROSTER_PG_APP LOGIN;
		  END IF;
		END \$\$;
		ALTER ROLE $ROSTER_PG_OWNER NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
		ALTER ROLE $ROSTER_PG_APP NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
	EOF
	have=$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'roster'") ||
		roster_die "cannot reach PostgreSQL at $state/pgsock"
	if [ "$have" != 1 ]; then
		"$bin/createdb" -h "$state/pgsock" -p "$port" -U "$ROSTER_PG_ADMIN" \
			-O "$ROSTER_PG_OWNER" roster || roster_die "createdb failed"
	fi
	"${psql[@]}" -d roster >/dev/null <<-EOF || roster_die "cannot set up the database's privileges"
		ALTER DATABASE roster OWNER TO $ROSTER_PG_OWNER;
		REVOKE ALL ON DATABASE roster FROM PUBLIC;
		GRANT CONNECT ON DATABASE roster TO $ROSTER_PG_APP;
		REVOKE ALL ON SCHEMA public FROM PUBLIC;
		DO \$\$ DECLARE r record; BEGIN
		  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
		        AND pg_get_userbyid(c.relowner) <> '$ROSTER_PG_OWNER' LOOP
		    EXECUTE format('ALTER TABLE %I OWNER TO $ROSTER_PG_OWNER', r.relname);
		  END LOOP;
		END \$\$;
	EOF
}

# Makes STATE ready for a Roster stack: its directories (roster_state_dirs),
# and its cluster created unless it exists, running, with the roles and the
# database "roster".
# Usage: roster_pg_up STATE PORT [test]
roster_pg_up() {
	roster_state_dirs "$1"
	roster_pg_init "$@"
	roster_pg_start "$1"
	roster_pg_createdb "$1" "$2"
}

# ---- nginx ---------------------------------------------------------------

# Writes the server block (nginx/roster.conf, placeholders filled in) to
# OUT: for a stack (roster_nginx_render) and for a host (scripts/nginx-conf
# --site, e.g. /etc/nginx/sites-available/roster).
# Usage: roster_nginx_site OUT LISTEN SOCKET STATIC_DIR ACCESS_LOG ERROR_LOG
roster_nginx_site() {
	local out=$1 t
	t=$(<"$ROSTER_ROOT/nginx/roster.conf")
	t=${t//@LISTEN@/"$2"}
	t=${t//@SOCKET@/"$3"}
	t=${t//@STATIC_DIR@/"$4"}
	t=${t//@ACCESS_LOG@/"$5"}
	t=${t//@ERROR_LOG@/"$6"}
	mkdir -p "$(dirname "$out")"
	printf '%s\n' "$t" >"$out"
}

# Writes a stack's nginx configuration: OUT (nginx/nginx.conf, the top
# level) including OUT's directory/roster.conf (the server block a host
# uses), listening on 127.0.0.1:PORT, logging to STATE/log/. As root,
# nginx's workers run as the web server's user (ROSTER_SOCKET_GROUP,
# www-data: the FastCGI socket's group); when that user cannot read
# STATIC_DIR (a checkout under a private home), they serve a copy in
# STATE/nginx/static.
# Usage: roster_nginx_render OUT PORT STATE SOCKET STATIC_DIR
roster_nginx_render() {
	local out=$1 port=$2 state=$3 socket=$4 static=$5 t user_line='' web site
	if roster_is_root; then
		web=$(roster_web_user)
		id -u "$web" >/dev/null 2>&1 ||
			roster_die "no user $web (ROSTER_SOCKET_GROUP) for nginx's workers"
		user_line="user $web;"
		if ! runuser -u "$web" -- test -r "$static/style.css" 2>/dev/null; then
			rm -rf "$state/nginx/static"
			cp -R "$static" "$state/nginx/static"
			chmod -R a+rX "$state/nginx/static"
			static=$state/nginx/static
		fi
	fi
	site=$(dirname "$out")/roster.conf
	roster_nginx_site "$site" "127.0.0.1:$port" "$socket" "$static" \
		"$state/log/nginx-access.log" "$state/log/nginx-error.log"
	t=$(<"$ROSTER_ROOT/nginx/nginx.conf")
	t=${t//@USER_LINE@/"$user_line"}
	t=${t//@STATE_DIR@/"$state"}
	t=${t//@SITE@/"$site"}
	mkdir -p "$(dirname "$out")"
	printf '%s\n' "$t" >"$out"
}

# The nginx command line for STATE (foreground: the caller records the pid).
# nginx writes its errors straight to STATE/log/nginx-error.log, as it does
# on a host: no filter stands between them (nginx/roster.conf keeps tokens
# out).
roster_nginx_cmd() {
	local state=$1
	# shellcheck disable=SC2034 # used by the caller
	ROSTER_NGINX_CMD=(nginx -p "$state/nginx/" -c "$state/nginx/nginx.conf"
		-e "$state/log/nginx-error.log")
}

# Stops everything a stack under STATE runs, in order: nginx, the FastCGI
# supervisor (which drains its workers), the mailer, PostgreSQL.
roster_stop_stack() {
	local state=$1
	roster_stop_pidfile "$state/run/nginx.pid" nginx QUIT 10
	roster_stop_pidfile "$state/run/roster-fcgi.pid" roster-fcgi TERM 20
	roster_stop_pidfile "$state/run/roster-mailer.pid" roster-mailer TERM 15
	roster_pg_stop "$state"
}
