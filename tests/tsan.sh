#!/bin/sh
# tests/tsan.sh [BUILD_DIR] - the thread tests under ThreadSanitizer.
#
# Configures a ThreadSanitizer build of this source tree in BUILD_DIR (default: a temporary
# folder, removed afterwards; when the source tree is itself configured in place, a copy made by
# `make distdir`), builds it, and runs the tests that can run under TSan: the
# multi-threaded scoring test (tests/test_threads: 8 threads sharing one model, batch scoring,
# concurrent loading and training), the CLI suite (tests/cli.sh, whose batch scoring runs
# worker threads) and the HTTP service's suite (tests/serve.sh: its worker threads, reloads under
# load, drain; a race makes a service exit 66, which the suite checks). The Criterion suites cannot: Criterion's runner fails to start under TSan
# ("Could not initialize inheritable arena", Criterion issue #274). Python is left out
# (a TSan-instrumented library cannot be loaded into an uninstrumented interpreter).
#
# Fails when a test fails or ThreadSanitizer reports anything. Needs gcc or clang with TSan.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}
cleanup=
if [ -z "$build" ]; then
    build=$(mktemp -d "${TMPDIR:-/tmp}/fj-tsan.XXXXXX")
    cleanup=$build
fi
mkdir -p "$build" || exit 1
cd "$build" || exit 1
start=$(date +%s)
if [ ! -f Makefile ]; then
    src=$srcdir
    if [ -f "$srcdir/config.status" ]; then
        # the source tree is configured in place (as CI does): configure cannot build it out
        # of tree, so build from a clean copy of the distributed sources instead
        (cd "$srcdir" && make -s distdir distdir="$build/src") >distdir.log 2>&1 || {
            tail -20 distdir.log; exit 1; }
        src=$build/src
    fi
    "$src/configure" -q --enable-sanitizers=thread --disable-python >configure.log 2>&1 || {
        tail -20 configure.log; exit 1; }
fi
make -j"${JOBS:-2}" >build.log 2>&1 || { tail -40 build.log; exit 1; }
make -j"${JOBS:-2}" tests/test_threads >>build.log 2>&1 || { tail -40 build.log; exit 1; }
built=$(date +%s)

# halt_on_error: the first race fails the run; exitcode 66 tells a race from a test failure.
TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 history_size=4"
export TSAN_OPTIONS
status=0
# the CLI suite's general part and its scoring file (score --threads, batches, history), not
# all of it: under ThreadSanitizer the whole CLI suite takes minutes of single-threaded work
FJ_CLI_ONLY='40-*' make check TESTS="tests/test_threads tests/cli.sh tests/serve.sh" \
    >check.log 2>&1 || status=1
if grep -l "WARNING: ThreadSanitizer" tests/*.log 2>/dev/null; then
    status=1
fi
if [ "$status" -ne 0 ]; then
    for f in tests/test_threads.log tests/cli.log tests/serve.log; do
        [ -f "$f" ] && { echo "--- $f"; tail -80 "$f"; }
    done
else
    grep -h -E "identical|passed|serve tests failed" tests/test_threads.log tests/cli.log \
        tests/serve.log 2>/dev/null
fi
echo "tsan.sh: build $((built - start))s, tests $(($(date +%s) - built))s:" \
    "$([ "$status" -eq 0 ] && echo clean || echo FAILED)"
[ -n "$cleanup" ] && [ "$status" -eq 0 ] && rm -rf "$cleanup"
exit "$status"
