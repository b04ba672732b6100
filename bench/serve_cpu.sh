#!/bin/sh
# bench/serve_cpu.sh [CLI...] - the service's requests per CPU-second at its maximum rate, for
# builds side by side in one run (default: ./fakejob), so that a change's effect on the CPU cost
# of a request can be told from the machine's load: ROUNDS (default 3) rounds, each starting
# every build's service in turn (--threads THREADS, default 2; with the access log to a file and
# with --quiet), warming it up for 2 s, then wrk -t1 -c8 for DURATION (default 8) seconds
# (bench/serve_wrk.lua, corpus/ postings). Prints one line a run and each build's median. A copied
# binary works if its libfakejob.so.0 is beside it.
#
#   sh bench/serve_cpu.sh /tmp/before/fakejob ./fakejob
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/serve-cpu
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
DUR=${DURATION:-8}
LUA=$top/bench/serve_wrk.lua
[ $# -gt 0 ] || set -- "$top/fakejob"
. "$top/bench/serve_common.sh"
serve_setup serve_cpu.sh "$out"
export FAKEJOB_MODEL="${FAKEJOB_MODEL:-$top/models/default}"
TCK=$(getconf CLK_TCK)
base_ld=${LD_LIBRARY_PATH:-}
pid=""
trap '[ -z "$pid" ] || kill $pid 2>/dev/null || true' EXIT
: > "$out/runs.tsv"
printf 'round\tcli\tlog\trequests\tper_cpu_second\tload\n'
for r in $(seq "$ROUNDS"); do
    i=0
    for cli in "$@"; do
        i=$((i + 1))
        for mode in log quiet; do
            log=0
            [ "$mode" = log ] && log=1
            LD_LIBRARY_PATH=$base_ld
            [ -e "$(dirname "$cli")/libfakejob.so.0" ] && LD_LIBRARY_PATH="$(dirname "$cli")${base_ld:+:$base_ld}"
            export LD_LIBRARY_PATH
            SERVE_LOG=$log
            serve_start "$cli" "$out/serve.log" --threads "$THREADS"
            FJ_DELAY_MS=0 FJ_LIMIT=0 wrk -t1 -c8 -d2s -s "$LUA" "$url" > /dev/null
            c0=$(cpu_ticks)
            FJ_DELAY_MS=0 FJ_LIMIT=0 wrk -t1 -c8 -d"${DUR}s" -s "$LUA" "$url" > "$out/wrk.txt"
            c1=$(cpu_ticks)
            req=$(field requests "$out/wrk.txt")
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$i" "$mode" "$req" \
                "$(awk -v r="$req" -v t="$((c1 - c0))" -v k="$TCK" 'BEGIN { printf "%.0f", r / (t / k) }')" \
                "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/runs.tsv"
            kill -TERM "$pid"
            wait "$pid" || true
            pid=""
        done
    done
done
echo
i=0
for cli in "$@"; do
    i=$((i + 1))
    for mode in log quiet; do
        awk -F'\t' -v i="$i" -v m="$mode" -v name="$cli" '$2 == i && $3 == m { p[++n] = $5 }
            END { for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++)
                    if (p[b] < p[a]) { t = p[a]; p[a] = p[b]; p[b] = t }
                printf "%s, %s: median over %d rounds %d requests per CPU-second (range %d-%d)\n",
                    name, m, n, p[int(n / 2) + 1], p[1], p[n] }' "$out/runs.tsv"
    done
done
