#!/bin/sh
# tests/docs.sh - every example of every README and docs/*.md runs and prints what the document
# says (tests/doc_examples.py explains the rules and the tolerance), and the runner itself fails
# when an example drifts. Run by `make check` with top_srcdir and top_builddir set.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
PY=${PYTHON3:-/usr/bin/python3}
[ -n "$PY" ] || PY=/usr/bin/python3
run() { "$PY" "$srcdir/tests/doc_examples.py" "$@"; }

# A sanitizer build: Python and the examples' programs need the sanitizer runtime (as in
# tests/python.sh); leaks of the interpreter are not the project's.
lib="$builddir/.libs/libfakejob.so"
runtime=$(ldd "$lib" 2>/dev/null | awk '/lib(asan|tsan)\.so/ { print $3; exit }')
if [ -n "$runtime" ]; then
    DOC_PRELOAD=$runtime
    ASAN_OPTIONS=detect_leaks=0
    export DOC_PRELOAD ASAN_OPTIONS
fi
ls "$builddir"/bindings/python/fakejob/_native*.so >/dev/null 2>&1 || {
    DOC_SKIP_PYTHON="the Python extension is not built"
    export DOC_SKIP_PYTHON
}

fails=0
# the runner catches drift: a score far off, a changed word, a missing line; and it allows a
# figure that moved within the tolerance
d=$(mktemp -d /tmp/fj-docs.XXXXXX)
trap 'rm -rf "$d"' EXIT
cmd='echo '"'"'{"id":"x","title":"打字员","description":"日结300，入职前需缴纳培训费198元"}'"'"' | ./fakejob score --reasons 1'
real=$(cd "$builddir" && sh -c "$cmd")
score=$(printf '%s\n' "$real" | sed 's/.*"score":\([0-9.]*\).*/\1/')
near=$(awk -v s="$score" 'BEGIN { printf "%.4f", s - 0.03 }')
far=$(awk -v s="$score" 'BEGIN { printf "%.4f", s - 0.3 }')
for case in exact near far word; do
    out=$real
    case $case in
    near) out=$(printf '%s\n' "$real" | sed "s/\"score\":[0-9.]*/\"score\":$near/") ;;
    far) out=$(printf '%s\n' "$real" | sed "s/\"score\":[0-9.]*/\"score\":$far/") ;;
    word) out=$(printf '%s\n' "$real" | sed 's/"lang":"zh"/"lang":"en"/') ;;
    esac
    printf '# t\n\n```console\n$ %s\n%s\n```\n' "$cmd" "$out" >"$d/$case.md"
    run "$d/$case.md" >"$d/$case.log" 2>&1
    rc=$?
    want=1
    [ $case = exact ] || [ $case = near ] && want=0
    if { [ $want = 0 ] && [ $rc -ne 0 ]; } || { [ $want = 1 ] && [ $rc -eq 0 ]; }; then
        echo "FAIL: the runner on a $case example: exit $rc"
        cat "$d/$case.log"
        fails=$((fails + 1))
    fi
done
printf '# t\n\n```sh\necho one\necho two\n```\n\n```output\none\n```\n' >"$d/lines.md"
if run "$d/lines.md" >"$d/lines.log" 2>&1; then
    echo "FAIL: the runner accepted a missing line"
    fails=$((fails + 1))
fi
printf '# t\n\n```python\nprint(1)\n```\n' >"$d/nodoctest.md"
if run "$d/nodoctest.md" >"$d/nd.log" 2>&1; then
    echo "FAIL: the runner accepted a Python example that is not a doctest"
    fails=$((fails + 1))
fi

# the documents
docs=""
for f in README.md bindings/python/README.md bench/README.md libfakejob/README.md \
    corpus/README.md models/default/MODEL.md docs/*.md; do
    [ -f "$srcdir/$f" ] && docs="$docs $f"
done
# shellcheck disable=SC2086
(cd "$srcdir" && run $docs) || fails=$((fails + 1))
[ $fails -eq 0 ]
