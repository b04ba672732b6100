#!/bin/sh
# bench/compare.sh - before/after figures of two builds in one run, against ICU's bare word break.
#
#   sh bench/compare.sh BEFORE_BUILD AFTER_BUILD TEST.jsonl [PASSES [LATENCY]]
#
# BEFORE_BUILD and AFTER_BUILD are build trees holding bench/score_bench (make bench); both score
# TEST.jsonl with the same model (FAKEJOB_MODEL, default: AFTER_BUILD's source tree's
# models/default; FAKEJOB_MODEL_BEFORE gives BEFORE_BUILD a model of its own, to compare two
# models, e.g. two Han segmentations, with one build given twice) in the order before, after,
# after, before (on the shared development machine the second of two runs in a row measured
# 10-15 % slower, whichever build it was: each build runs once in each place and its two runs
# are averaged), after AFTER_BUILD's bench/icu_break breaks the same text. Prints a Markdown
# table: CPU µs per posting, the ratio to ICU's word break, p50/p99 latency and the p99 of CPU
# time per posting (means of the two runs; the two CPU figures in brackets). CPU time is the
# figure that holds on a shared machine; run it once, not in a loop. Needs /usr/bin/python3 (or
# PYTHON).
set -eu
[ $# -ge 3 ] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
before=$1 after=$2 test=$3 passes=${4:-3} lat=${5:-2000}
PY=${PYTHON:-/usr/bin/python3}
model=${FAKEJOB_MODEL:-$(cd "$(dirname "$0")/.." && pwd)/models/default}
model_before=${FAKEJOB_MODEL_BEFORE:-$model}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
"$after/bench/icu_break" --passes "$passes" "$test" >"$tmp/icu.json"
for run in before.1 after.1 after.2 before.2; do
    build=$before m=$model_before
    [ "${run%.*}" = after ] && build=$after m=$model
    "$build/bench/score_bench" --model "$m" --passes "$passes" --latency "$lat" "$test" \
        >"$tmp/$run.json"
done
"$PY" - "$tmp" <<'PYEOF'
import json, sys
d = sys.argv[1]
icu = json.load(open(d + "/icu.json"))
print("| build | CPU µs per posting | ratio to ICU | p50 / p99 µs | p99 CPU µs |")
print("|---|---|---|---|---|")
for name in ("before", "after"):
    rs = [json.load(open("%s/%s.%d.json" % (d, name, k))) for k in (1, 2)]
    us = [1e6 / r["tput_1core_cpu"] for r in rs]
    mean = lambda key: sum(r[key] for r in rs) / 2
    cpu = sum(us) / 2
    print("| %s | %.0f (%.0f, %.0f) | %.2f× | %.0f / %.0f | %.0f |" % (
        name, cpu, us[0], us[1], cpu * icu["tput_1core_cpu"] / 1e6,
        mean("lat_p50_us"), mean("lat_p99_us"), mean("lat_cpu_p99_us")))
print("| ICU word break | %.0f | 1× | | |" % (1e6 / icu["tput_1core_cpu"]))
PYEOF
