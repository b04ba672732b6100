#!/bin/sh
# bootstrap.sh - install what libfakejob needs on Debian (bookworm) and build it in place.
# Run as root (or with sudo available). Extra arguments go to ./configure.
set -eu
cd "$(dirname "$0")"

PKGS="build-essential autoconf automake libtool pkg-config libicu-dev libsvm-dev libsvm-tools
libstemmer-dev libjansson-dev libsqlite3-dev libpq-dev libcriterion-dev python3 python3-cffi
python3-pytest python3-setuptools python3-dev clang-format libmicrohttpd-dev"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "bootstrap: installing$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure "$@"
make -j"$(nproc 2>/dev/null || echo 2)"
