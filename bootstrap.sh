#!/bin/sh
# bootstrap.sh - install what libfakejob needs on Debian (bookworm) and build it in place.
# Run as root (or with sudo available). Extra arguments go to ./configure.
# Quiet unless something fails: the steps' output goes to bootstrap.log; on success one line
# says what was done, on failure the step that failed and the end of the log are printed.
set -eu
cd "$(dirname "$0")"

# (wrk: the load generator of bench/serve_bench.sh)
PKGS="build-essential autoconf automake libtool pkg-config libicu-dev libsvm-dev libsvm-tools
libstemmer-dev libjansson-dev libsqlite3-dev libpq-dev libcriterion-dev python3 python3-cffi
python3-pytest python3-setuptools python3-dev python3-venv clang-format libmicrohttpd-dev
wrk"

log=bootstrap.log
: >"$log"
run() { # run WHAT COMMAND...: the command's output to the log; on failure, the log's tail
    what=$1
    shift
    echo "+ $*" >>"$log"
    if ! "$@" >>"$log" 2>&1; then
        echo "bootstrap: $what failed; the end of $log:" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
}

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    run "apt-get update" $SUDO apt-get update -qq
    run "installing$missing" $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends $missing
fi

[ -x configure ] || run "autogen.sh" ./autogen.sh
[ -f Makefile ] || run "configure" ./configure "$@"
run "make" make -j"$(nproc 2>/dev/null || echo 2)"
echo "bootstrap: built ./fakejob${missing:+ (installed$missing)}; details in $log"
