#!/bin/sh
# tests/serve_browser.sh - the page of `fakejob serve` in headless Chromium (tests/serve_browser.py);
# skipped (77) when chromium, chromium-driver or python3-selenium is missing. The screenshots go
# to tests/artifacts/ in the build tree.
set -u
top_srcdir="${top_srcdir:-.}"
top_builddir="${top_builddir:-.}"
PYTHON3="${PYTHON3:-/usr/bin/python3}"
FAKEJOB_CLI="$top_builddir/fakejob"
FAKEJOB_SRCDIR="$top_srcdir"
FAKEJOB_ARTIFACTS="$top_builddir/tests/artifacts"
PYTHONDONTWRITEBYTECODE=1
export FAKEJOB_CLI FAKEJOB_SRCDIR FAKEJOB_ARTIFACTS PYTHONDONTWRITEBYTECODE
exec "$PYTHON3" "$top_srcdir/tests/serve_browser.py"
