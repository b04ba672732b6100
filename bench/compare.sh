#!/bin/sh
# bench/compare.sh - before/after figures of two builds in one run, against ICU's bare word break.
#
#   sh bench/compare.sh BEFORE_BUILD AFTER_BUILD TEST.jsonl [PASSES [LATENCY]]
#
# BEFORE_BUILD and AFTER_BUILD are build trees holding bench/score_bench (make bench); both score
# TEST.jsonl with the same model (FAKEJOB_MODEL, default: AFTER_BUILD's source tree's
# models/default), one after the other, then AFTER_BUILD's bench/icu_break breaks the same text.
# Prints a Markdown table: CPU µs per posting, the ratio to ICU's word break, p50/p99 latency and
# the p99 of CPU time per posting. CPU time is the figure that holds on a shared machine; run it
# once, not in a loop. Needs /usr/bin/python3 (or PYTHON).
set -eu
[ $# -ge 3 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
before=$1 after=$2 test=$3 passes=${4:-3} lat=${5:-2000}
PY=${PYTHON:-/usr/bin/python3}
model=${FAKEJOB_MODEL:-$(cd "$(dirname "$0")/.." && pwd)/models/default}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
"$after/bench/icu_break" --passes "$passes" "$test" >"$tmp/icu.json"
"$before/bench/score_bench" --model "$model" --passes "$passes" --latency "$lat" "$test" \
    >"$tmp/before.json"
"$after/bench/score_bench" --model "$model" --passes "$passes" --latency "$lat" "$test" \
    >"$tmp/after.json"
"$PY" - "$tmp" <<'PYEOF'
import json, sys
d = sys.argv[1]
icu = json.load(open(d + "/icu.json"))
print("| build | CPU µs per posting | ratio to ICU | p50 / p99 µs | p99 CPU µs |")
print("|---|---|---|---|---|")
for name in ("before", "after"):
    r = json.load(open(d + "/" + name + ".json"))
    print("| %s | %.0f | %.2f× | %.0f / %.0f | %.0f |" % (
        name, 1e6 / r["tput_1core_cpu"], icu["tput_1core_cpu"] / r["tput_1core_cpu"],
        r["lat_p50_us"], r["lat_p99_us"], r["lat_cpu_p99_us"]))
print("| ICU word break | %.0f | 1× | | |" % (1e6 / icu["tput_1core_cpu"]))
PYEOF
