#!/bin/sh
# tests/cli.sh - the fakejob command-line tool: exit codes, stream behaviour, error results.
# Run by `make check` with top_srcdir and top_builddir set.
set -u
FJ="${top_builddir:-.}/fakejob"
srcdir="${top_srcdir:-.}"
fails=0
passes=0
t() { # t NAME EXPECTED_EXIT COMMAND...
    name=$1; want=$2; shift 2
    "$@" >/tmp/fj-cli.$$.out 2>/tmp/fj-cli.$$.err
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $name: exit $got, expected $want"; sed 's/^/  stderr: /' /tmp/fj-cli.$$.err | head -5
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
}
expect_out() { # expect_out NAME PATTERN (grep -E on the last command's stdout)
    if ! grep -Eq -- "$2" /tmp/fj-cli.$$.out; then
        echo "FAIL: $1: stdout does not match $2"; head -5 /tmp/fj-cli.$$.out | sed 's/^/  stdout: /'
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
}
expect_err() {
    if ! grep -Eq -- "$2" /tmp/fj-cli.$$.err; then
        echo "FAIL: $1: stderr does not match $2"; head -5 /tmp/fj-cli.$$.err | sed 's/^/  stderr: /'
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
}

t version 0 "$FJ" --version
expect_out version "^fakejob [0-9]+\.[0-9]+\.[0-9]+$"
t no-args 2 "$FJ"
t unknown-command 2 "$FJ" frobnicate
expect_err unknown-command "unknown command 'frobnicate'"
t help 0 "$FJ" --help
expect_out help "usage: fakejob"

# Further command tests are in tests/cli.d/*.sh, sourced here so they share t/expect_*.
# FJ_CLI_ONLY (shell patterns of file names, space-separated, e.g. '40-*' or '10-* 30-*') runs
# only those files of cli.d/: tests/tsan.sh uses it to run the multithreaded commands under
# ThreadSanitizer, tests/valgrind.sh to split the suite between two valgrind runs.
# The patterns are matched against cli.d/ only: expanded in the current folder (globbing on, as
# `make check` runs it in the build tree), the default '*' became that folder's file names, and
# no file of cli.d/ ran.
set -f
for pat in ${FJ_CLI_ONLY:-*}; do
    set +f
    for f in "$srcdir"/tests/cli.d/$pat.sh; do
        [ -f "$f" ] && . "$f"
    done
    set -f
done
set +f

rm -f /tmp/fj-cli.$$.out /tmp/fj-cli.$$.err
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
