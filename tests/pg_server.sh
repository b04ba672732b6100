#!/bin/sh
# pg_server.sh - a throwaway PostgreSQL server for the history tests (and CI).
#
#   eval "$(sh tests/pg_server.sh start DIR)"   # initdb in DIR, start it, export FJ_TEST_PG_URI
#   sh tests/pg_server.sh stop DIR              # stop it and remove DIR
#
# The server runs as an unprivileged user (the caller, or 'nobody' when the caller is root, as
# in CI), listens only on a unix socket in DIR (no TCP port), and trusts local connections: it
# is for tests, never for data. Needs the Debian package postgresql (PostgreSQL 15 binaries).
set -eu
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg_server.sh start|stop DIR" >&2; exit 2; }
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$bin/initdb" ] || { echo "pg_server.sh: no $bin/initdb (apt-get install postgresql)" >&2; exit 1; }

user=$(id -un)
as() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
    user=nobody
    as() { runuser -u nobody -- "$@"; }
fi

case "$cmd" in
start)
    mkdir -p "$dir"
    chown "$user" "$dir" 2>/dev/null || true
    chmod 755 "$dir"
    as "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-k $dir -c listen_addresses='' -c fsync=off -c max_connections=40" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    echo "export FJ_TEST_PG_URI='postgresql:///postgres?host=$dir&user=$user'"
    ;;
stop)
    [ -d "$dir/data" ] && as "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg_server.sh start|stop DIR" >&2
    exit 2
    ;;
esac
