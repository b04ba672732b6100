#!/bin/sh
# tests/valgrind.sh - the CLI test suite (tests/cli.sh) with every fakejob run under
# `valgrind --error-exitcode=1 --leak-check=full` (VALGRIND_TRACK_ORIGINS=yes to say where an
# uninitialised value came from, at twice the cost). Run by `make check-valgrind` (opt-in: it is
# slow) with top_srcdir and top_builddir set; exits non-zero when a test fails or valgrind
# reports a memory error or a definite/indirect leak in any run.
#
# cli.sh runs "$top_builddir/fakejob"; this script gives it a shadow build directory whose
# entries link to the real one, except `fakejob`, which is a wrapper that runs the real tool
# under valgrind with one log file per process. Exit codes cannot carry valgrind's verdict
# alone (a CLI test may expect exit 1), so the logs are checked as well.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
real_builddir=$(cd "$top_builddir" && pwd)
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind.sh: valgrind not found (Debian package valgrind)" >&2
    exit 1
fi
if [ ! -x "$real_builddir/fakejob" ]; then
    echo "valgrind.sh: $real_builddir/fakejob not built (run make first)" >&2
    exit 1
fi

shadow=$(mktemp -d "${TMPDIR:-/tmp}/fj-valgrind.XXXXXX")
logs="$shadow/.valgrind-logs"
mkdir "$logs"
trap 'rm -rf "$shadow"' EXIT INT TERM
for entry in "$real_builddir"/* "$real_builddir"/.libs; do
    [ -e "$entry" ] || continue
    name=$(basename "$entry")
    [ "$name" = fakejob ] && continue
    ln -s "$entry" "$shadow/$name"
done

# When fakejob is a libtool wrapper script (linked against the shared library), libtool
# --mode=execute runs the real binary under valgrind with the right library path.
runner=
if ! head -c 4 "$real_builddir/fakejob" | grep -q ELF; then
    runner="$real_builddir/libtool --mode=execute"
fi
# The suppressions file (when present) hides reports from dependencies (ICU, SQLite)
# that are not the library's; each entry there says why it is there.
supp=
[ -f "$top_srcdir/tests/valgrind.supp" ] && supp="--suppressions=$top_srcdir/tests/valgrind.supp"
cat >"$shadow/fakejob" <<EOF
#!/bin/sh
exec $runner valgrind -q --error-exitcode=1 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
    --track-origins=${VALGRIND_TRACK_ORIGINS:-no} --num-callers=30 $supp \\
    --log-file="$logs/vg.%p.log" "$real_builddir/fakejob" "\$@"
EOF
chmod +x "$shadow/fakejob"

# The files of tests/cli.d are dealt round-robin to two cli.sh runs side by side (valgrind is
# single-threaded: two runs keep two cores busy); each run writes its own temporary files.
start=$(date +%s)
set -- "$top_srcdir"/tests/cli.d/*.sh
half1= half2= i=0
for f in "$@"; do
    name=$(basename "$f" .sh)
    if [ $((i % 2)) -eq 0 ]; then half1="$half1 $name"; else half2="$half2 $name"; fi
    i=$((i + 1))
done
FJ_CLI_ONLY="$half1" top_builddir="$shadow" top_srcdir="$top_srcdir" \
    sh "$top_srcdir/tests/cli.sh" >"$shadow/.half1.out" 2>&1 &
pid1=$!
FJ_CLI_ONLY="$half2" top_builddir="$shadow" top_srcdir="$top_srcdir" \
    sh "$top_srcdir/tests/cli.sh" >"$shadow/.half2.out" 2>&1
suite2=$?
wait "$pid1"
suite1=$?
cat "$shadow/.half1.out" "$shadow/.half2.out"
suite=$((suite1 + suite2))
runs=$(ls "$logs" | wc -l)
bad=0
for log in "$logs"/vg.*.log; do
    [ -s "$log" ] || continue
    echo "--- valgrind report ($log):"
    cat "$log"
    bad=$((bad + 1))
done
echo "valgrind.sh: $runs fakejob runs under valgrind in $(($(date +%s) - start))s;" \
    "$bad with reports; cli.sh exit $suite"
[ "$suite" -eq 0 ] && [ "$bad" -eq 0 ]
