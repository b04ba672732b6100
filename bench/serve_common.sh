# bench/serve_common.sh - shell functions shared by bench/serve_bench.sh and
# bench/serve_latency.sh (sourced, not run): start a service, read wrk's summary line
# (bench/serve_wrk.lua) and the service's CPU time per thread.

# serve_setup NAME OUT: stop with a message unless wrk is installed; write corpus/'s postings to
# OUT/postings.jsonl (made) for bench/serve_wrk.lua ($top: the project)
serve_setup() {
    command -v wrk >/dev/null || { echo "$1: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
    mkdir -p "$2"
    cat "$top"/corpus/*.jsonl | grep -v '^[[:space:]]*$' > "$2/postings.jsonl"
    FJ_POSTINGS="$2/postings.jsonl"
    export FJ_POSTINGS
}

# serve_start CLI LOG [OPTIONS...]: start `CLI serve --quiet` on a free loopback port with OPTIONS;
# sets $pid and $url, or stops the script with the log when it does not come up.
serve_start() {
    _cli=$1 _log=$2
    shift 2
    _quiet=--quiet # SERVE_LOG=1: with the access log (to LOG)
    [ "${SERVE_LOG:-0}" = 1 ] && _quiet=""
    "$_cli" serve --listen 127.0.0.1:0 $_quiet "$@" 2> "$_log" &
    pid=$!
    for _ in $(seq 1200); do # up to a minute: a busy machine may take long to load the model
        grep -q '"event":"listening"' "$_log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    _addr=$(sed -n 's/.*"address":"\([^"]*\)".*/\1/p' "$_log" | head -1)
    if [ -z "$_addr" ]; then
        kill "$pid" 2>/dev/null || true
        echo "$0: the service did not start:" >&2
        cat "$_log" >&2
        exit 1
    fi
    url=http://$_addr
}

# field NAME FILE: a value of the "FJ ..." line that bench/serve_wrk.lua prints
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }

# CPU ticks (user + system) of the service ($pid), all threads
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

# "tid:ticks ..." for each of the service's threads
worker_ticks() {
    for _t in /proc/"$pid"/task/*/stat; do awk '{ printf "%s:%d ", $1, $14 + $15 }' "$_t"; done
}

# busiest_share BEFORE AFTER: the busiest thread's share of the CPU the service used between
# two worker_ticks lists ("50 %" for 2 evenly loaded workers)
busiest_share() {
    echo "$1 / $2" | tr ' ' '\n' | awk -F: '$0 == "/" { after = 1; next } NF == 2 {
        if (after) d[$1] = $2 - b[$1]; else b[$1] = $2 }
        END { for (t in d) { s += d[t]; if (d[t] > m) m = d[t] }
            printf "%.0f %%", (s ? 100 * m / s : 0) }'
}
