#!/bin/sh
# bench/same_output.sh - check that two builds give byte-identical results (a speed change must
# not move any of them).
#
#   sh bench/same_output.sh BEFORE_BUILD AFTER_BUILD [FILE.jsonl...]
#
# BEFORE_BUILD and AFTER_BUILD are build trees holding the fakejob command (its libtool wrapper).
# Both run, with the same default model (FAKEJOB_MODEL, default: AFTER_BUILD's source tree's
# models/default), `fakejob score --reasons 5 --threads 1`, `fakejob score --reasons 0
# --threads 2`, `fakejob signals --now 2026-01-01T00:00:00Z`, `fakejob tokenize` and `fakejob
# tokenize --format text` on corpus/*.jsonl and on each FILE (for example postings imported from
# ../shared/data with `fakejob import`, kept outside the project), and `fakejob eval-signals` on
# corpus/clauses/*.jsonl. Prints one line per output compared; exits 1 when any differs (the first
# differing lines are shown), 0 when all are identical.
set -eu
[ $# -ge 2 ] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
before=$1 after=$2
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
FAKEJOB_MODEL=${FAKEJOB_MODEL:-$src/models/default}
export FAKEJOB_MODEL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-same.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
n=0
check() { # check NAME ARGS...: run fakejob ARGS with both builds, compare the outputs
    name=$1
    shift
    "$before/fakejob" "$@" >"$tmp/before" 2>/dev/null || true
    "$after/fakejob" "$@" >"$tmp/after" 2>/dev/null || true
    n=$((n + 1))
    if cmp -s "$tmp/before" "$tmp/after"; then
        echo "same      $name ($(wc -l <"$tmp/after") lines)"
    else
        echo "DIFFERENT $name"
        diff "$tmp/before" "$tmp/after" | head -n 6 | cut -c 1-300
        status=1
    fi
}
for f in "$src"/corpus/*.jsonl "$@"; do
    b=$(basename "$f")
    check "score --reasons 5 $b" score -q --reasons 5 --threads 1 "$f"
    check "score --reasons 0 --threads 2 $b" score -q --reasons 0 --threads 2 "$f"
    check "signals $b" signals --now 2026-01-01T00:00:00Z "$f"
    check "tokenize $b" tokenize "$f"
    check "tokenize --format text $b" tokenize --format text "$f"
done
check "eval-signals corpus/clauses" eval-signals "$src"/corpus/clauses/*.jsonl
[ "$status" -eq 0 ] && echo "all $n outputs identical" || echo "some of $n outputs differ"
exit "$status"
