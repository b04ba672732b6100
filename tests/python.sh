#!/bin/sh
# tests/python.sh - the Python bindings' pytest suite (bindings/python/tests) against the build
# tree: the package and its cffi extension built by `make` in $top_builddir/bindings/python, the
# uninstalled library, and the build tree's fakejob CLI for the comparisons.
# Run by `make check` with top_srcdir, top_builddir and PYTHON3 set; exits non-zero when a test
# fails or when no test was collected.
set -u
top_srcdir="${top_srcdir:-.}"
top_builddir="${top_builddir:-.}"
PYTHON3="${PYTHON3:-/usr/bin/python3}"

pkg="$top_builddir/bindings/python"
if ! ls "$pkg"/fakejob/_native*.so >/dev/null 2>&1; then
    echo "python.sh: the extension is not built in $pkg/fakejob (run make first)"
    exit 1
fi

PYTHONPATH="$pkg${PYTHONPATH:+:$PYTHONPATH}"
PYTHONDONTWRITEBYTECODE=1 # the source tree may be read-only (make distcheck)
PYTHONFAULTHANDLER=1      # a crash prints the Python stack
FAKEJOB_CLI="$top_builddir/fakejob"
FAKEJOB_SRCDIR="$top_srcdir"
export PYTHONPATH PYTHONDONTWRITEBYTECODE PYTHONFAULTHANDLER FAKEJOB_CLI FAKEJOB_SRCDIR

# A sanitizer build: the instrumented library needs its runtime loaded first into the
# (uninstrumented) interpreter; Python's own allocations are not leaks to report.
lib="$top_builddir/.libs/libfakejob.so"
runtime=$(ldd "$lib" 2>/dev/null | awk '/lib(asan|tsan)\.so/ { print $3; exit }')
if [ -n "$runtime" ]; then
    LD_PRELOAD="$runtime${LD_PRELOAD:+:$LD_PRELOAD}"
    ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
    TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1}"
    export LD_PRELOAD ASAN_OPTIONS TSAN_OPTIONS
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-pytest.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# each test is bounded (conftest.py: 300 s, its stack printed); the whole suite too, in case the
# interpreter itself stops answering signals
timeout -k 30 1800 "$PYTHON3" -m pytest -q -p no:cacheprovider --rootdir="$top_srcdir/bindings/python" \
    --basetemp="$tmp/pytest" "$top_srcdir/bindings/python/tests" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "python.sh: pytest collected no tests"
    exit 1
fi
exit "$rc"
