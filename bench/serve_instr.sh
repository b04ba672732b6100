#!/bin/sh
# bench/serve_instr.sh [CLI...] - what `fakejob serve` costs per request beyond the scoring, in
# instructions (callgrind) and system calls (strace), which a shared machine's load does not
# disturb, for one or more builds side by side (default: ./fakejob).
#
# For each CLI: the service (--threads 1, access log on unless QUIET=1) under callgrind answers
# WARMUP (default 20) single-posting keep-alive requests on one connection, then, in a second
# run, WARMUP + REQUESTS (default 540: corpus/ once); the difference divided by REQUESTS is the
# instructions of one request, start-up and shutdown cancelling out. The same postings through
# `fakejob score --threads 1` (WARMUP, then WARMUP + REQUESTS postings) give the scoring's own
# instructions per posting; the service's overhead is the difference. STRACE=1 also counts the
# service's system calls per request (strace -f -c attached after start-up, REQUESTS requests;
# the log thread's futex and poll calls come with time, 100 a second, not with requests, and
# strace slows the requests down, so they look like more per request here). Prints one table; the
# callgrind files are kept in bench/out/serve-instr/ for callgrind_annotate.
#
#   sh bench/serve_instr.sh                          # about 1-2 minutes a build
#   STRACE=1 sh bench/serve_instr.sh /tmp/before/fakejob ./fakejob
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/serve-instr
W=${WARMUP:-20}
N=${REQUESTS:-540}
PY=${PYTHON:-/usr/bin/python3}
command -v valgrind >/dev/null || { echo "serve_instr.sh: valgrind is not installed" >&2; exit 2; }
[ $# -gt 0 ] || set -- "$top/fakejob"
mkdir -p "$out"
cat "$top"/corpus/*.jsonl | grep -v '^[[:space:]]*$' > "$out/postings.jsonl"
quiet=""
[ "${QUIET:-0}" = 1 ] && quiet="--quiet"
# every build scores with the same model: this tree's (a copied binary finds no default model)
export FAKEJOB_MODEL="${FAKEJOB_MODEL:-$top/models/default}"

# runner CLI: how to run CLI's real binary under a tool: through libtool when CLI is its wrapper
# script; a copied binary with its libfakejob.so.0 beside it, with that library
runner() {
    if head -c 2 "$1" | grep -q '#!' && [ -x "$(dirname "$1")/libtool" ]; then
        echo "$(dirname "$1")/libtool --mode=execute"
    elif [ -e "$(dirname "$1")/libfakejob.so.0" ]; then
        echo "env LD_LIBRARY_PATH=$(dirname "$1")"
    fi
}

# client PORT COUNT: COUNT single-posting POST /v1/score requests on one keep-alive connection
client() {
    "$PY" - "$1" "$2" "$out/postings.jsonl" <<'PY'
import http.client, sys
port, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lines = [l for l in open(path, "rb").read().split(b"\n") if l.strip()]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
for i in range(count):
    c.request("POST", "/v1/score", body=lines[i % len(lines)],
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("status %d for posting %d" % (r.status, i))
c.close()
PY
}

# serve_under TOOL... -- CLI COUNT: run the service under TOOL, send COUNT requests, stop it
serve_under() {
    _cli=$1 _count=$2 _log=$out/serve-$$-$_count.log
    shift 2
    rm -f "$_log"
    _tool="$*"
    [ "$1" != strace_attached ] || _tool=""
    $(runner "$_cli") $_tool "$_cli" serve --listen 127.0.0.1:0 --threads 1 $quiet > /dev/null 2> "$_log" &
    _pid=$!
    trap 'kill $_pid 2>/dev/null || true' EXIT
    _port=""
    for _ in $(seq 2400); do
        _port=$(sed -n 's/.*"event":"listening","address":"[^"]*:\([0-9]*\)".*/\1/p' "$_log" 2>/dev/null) || true
        [ -n "$_port" ] && break
        kill -0 "$_pid" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$_port" ] || { cat "$_log" >&2; echo "serve_instr.sh: the service did not start" >&2; exit 1; }
    [ "$1" != strace_attached ] || { strace -f -c -o "$out/strace.txt" -p "$_pid" 2>/dev/null & _spid=$!; sleep 1; }
    client "$_port" "$_count"
    [ "$1" != strace_attached ] || { kill -INT "$_spid"; wait "$_spid" || true; }
    kill -TERM "$_pid"
    wait "$_pid" || true
    trap - EXIT
    rm -f "$_log"
}

# callgrind's total instructions in FILE
total_ir() { sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$1" | head -1; }

per() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN { printf "%.0f", (b - a) / n }'; }

printf 'build\tserve_Ir_per_request\tscore_Ir_per_posting\toverhead_Ir_per_request'
[ "${STRACE:-0}" = 1 ] && printf '\tsyscalls_per_request'
printf '\n'
i=0
for cli in "$@"; do
    i=$((i + 1))
    for k in "$W" "$((W + N))"; do
        serve_under "$cli" "$k" valgrind --tool=callgrind --log-file="$out/vg.log" \
            --callgrind-out-file="$out/serve-$i-$k.cg"
        head -n "$k" "$out/postings.jsonl" > "$out/in.jsonl"
        [ "$k" -le "$(wc -l < "$out/postings.jsonl")" ] ||
            awk -v k="$k" '{ l[NR] = $0 } END { for (j = 0; j < k; j++) print l[j % NR + 1] }' \
                "$out/postings.jsonl" > "$out/in.jsonl"
        $(runner "$cli") valgrind --tool=callgrind --log-file="$out/vg.log" \
            --callgrind-out-file="$out/score-$i-$k.cg" "$cli" score --threads 1 "$out/in.jsonl" > /dev/null 2>&1
    done
    s=$(per "$(total_ir "$out/serve-$i-$W.cg")" "$(total_ir "$out/serve-$i-$((W + N)).cg")")
    c=$(per "$(total_ir "$out/score-$i-$W.cg")" "$(total_ir "$out/score-$i-$((W + N)).cg")")
    printf '%s\t%s\t%s\t%s' "$cli" "$s" "$c" "$((s - c))"
    if [ "${STRACE:-0}" = 1 ]; then
        serve_under "$cli" "$N" strace_attached
        printf '\t%s' "$(awk -v n="$N" '$NF == "total" { t = $4 / n }
            NF >= 5 && $NF != "total" && $NF != "syscall" && $4 / n >= 0.05 {
                d = d sprintf("%s%s %.2f", (d == "" ? "" : ", "), $NF, $4 / n) }
            END { printf "%.1f (%s)", t, d }' "$out/strace.txt")"
    fi
    printf '\n'
done
