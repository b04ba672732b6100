#!/bin/sh
# tests/serve.sh - `fakejob serve` end to end (tests/serve_test.py): every endpoint and error
# code over real sockets, results identical to the CLI, reload under load, drain on SIGTERM.
# `serve.sh browser` runs the page's test in headless Chromium instead (tests/serve_browser.py;
# exit 77, skipped, without chromium), its screenshots going to $FAKEJOB_ARTIFACTS (default:
# tests/artifacts/ in the build tree). Run by `make check` with top_srcdir, top_builddir and
# PYTHON3 set.
set -u
top_srcdir="${top_srcdir:-.}"
top_builddir="${top_builddir:-.}"
PYTHON3="${PYTHON3:-/usr/bin/python3}"
FAKEJOB_CLI="$top_builddir/fakejob"
FAKEJOB_SRCDIR="$top_srcdir"
FAKEJOB_ARTIFACTS="${FAKEJOB_ARTIFACTS:-$top_builddir/tests/artifacts}"
PYTHONDONTWRITEBYTECODE=1
export FAKEJOB_CLI FAKEJOB_SRCDIR FAKEJOB_ARTIFACTS PYTHONDONTWRITEBYTECODE
if [ "${1:-}" = browser ]; then
    exec "$PYTHON3" "$top_srcdir/tests/serve_browser.py"
fi
exec "$PYTHON3" "$top_srcdir/tests/serve_test.py"
