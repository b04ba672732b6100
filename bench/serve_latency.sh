#!/bin/sh
# bench/serve_latency.sh [CLI...] - the latency of `fakejob serve` under paced load, for one or
# more builds side by side in one run (default: ./fakejob), so that builds are compared as
# ratios on a machine whose load comes and goes.
#
# Each round (ROUNDS, default 3) takes the CLIs in turn: a service with --threads THREADS
# (default 2), warmed up, then one connection pausing DELAY_MS (default 5) ms before each request
# (the baseline: nothing queued beside it), then CONNS (default 8) connections with the same
# pause (about half the maximum rate of 2 workers on a 2-CPU machine); DURATION (default 5)
# seconds each, wrk with bench/serve_wrk.lua. Prints one line a run (rate, p50, p99, the busiest
# worker thread's share of the service's CPU, the load average) and the median p99 of each CLI
# over the rounds. PRIO=rt runs the services and wrk under SCHED_FIFO (chrt -f 10, root only), so
# that the part of the tail that is other processes' claim on the CPUs drops out.
#
#   sh bench/serve_latency.sh /tmp/before/fakejob ./fakejob
#   PRIO=rt ROUNDS=2 sh bench/serve_latency.sh ./fakejob
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/serve-latency
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
DELAY=${DELAY_MS:-5}
CONNS=${CONNS:-8}
DUR=${DURATION:-5}
LUA=$top/bench/serve_wrk.lua
[ $# -gt 0 ] || set -- "$top/fakejob"
run=""
[ "${PRIO:-}" = rt ] && run="chrt -f 10"
. "$top/bench/serve_common.sh"
serve_setup serve_latency.sh "$out"
: > "$out/runs.tsv"
pid=""
trap '[ -z "$pid" ] || kill $pid 2>/dev/null || true' EXIT
printf 'round\tcli\tconnections\trate\tp50_ms\tp99_ms\tbusiest\tload\n'
for r in $(seq "$ROUNDS"); do
    i=0
    for cli in "$@"; do
        i=$((i + 1))
        serve_start "$cli" "$out/serve.log" --threads "$THREADS"
        [ -z "$run" ] || chrt -f -a -p 10 "$pid" > /dev/null
        FJ_DELAY_MS=0 FJ_LIMIT=0 $run wrk -t1 -c"$CONNS" -d1s -s "$LUA" "$url" > /dev/null
        for c in 1 "$CONNS"; do
            w0=$(worker_ticks)
            FJ_DELAY_MS=$DELAY FJ_LIMIT=0 $run wrk -t1 -c"$c" -d"${DUR}s" --latency -s "$LUA" "$url" > "$out/wrk.txt"
            line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$r" "$i" "$c" "$(field rate "$out/wrk.txt")" \
                "$(field p50_ms "$out/wrk.txt")" "$(field p99_ms "$out/wrk.txt")" \
                "$(busiest_share "$w0" "$(worker_ticks)" | tr -d ' ')" "$(cut -d' ' -f1 /proc/loadavg)")
            echo "$line" | tee -a "$out/runs.tsv"
        done
        kill -TERM "$pid"
        wait "$pid" || true
        pid=""
    done
done
echo
i=0
for cli in "$@"; do
    i=$((i + 1))
    for c in 1 "$CONNS"; do
        awk -F'\t' -v i="$i" -v c="$c" -v name="$cli" '$2 == i && $3 == c { p[++n] = $6; q[n] = $5 }
            END { # medians over the rounds
                for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) {
                    if (p[b] < p[a]) { t = p[a]; p[a] = p[b]; p[b] = t }
                    if (q[b] < q[a]) { t = q[a]; q[a] = q[b]; q[b] = t } }
                m = int(n / 2) + 1 # the upper median when n is even
                printf "%s, %d connection(s): median over %d rounds p50 %.3f ms, p99 %.3f ms\n",
                    name, c, n, q[m], p[m] }' "$out/runs.tsv"
    done
done
