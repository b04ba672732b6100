#!/bin/sh
# tests/serve.sh - `fakejob serve` end to end (tests/serve_test.py): every endpoint and error
# code over real sockets, results identical to the CLI, reload under load, drain on SIGTERM.
# Run by `make check` with top_srcdir, top_builddir and PYTHON3 set.
set -u
top_srcdir="${top_srcdir:-.}"
top_builddir="${top_builddir:-.}"
PYTHON3="${PYTHON3:-/usr/bin/python3}"
FAKEJOB_CLI="$top_builddir/fakejob"
FAKEJOB_SRCDIR="$top_srcdir"
PYTHONDONTWRITEBYTECODE=1
export FAKEJOB_CLI FAKEJOB_SRCDIR PYTHONDONTWRITEBYTECODE
exec "$PYTHON3" "$top_srcdir/tests/serve_test.py"
