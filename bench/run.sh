#!/bin/sh
# bench/run.sh - the benchmark, in one command: libfakejob against scikit-learn, fastText,
# libsvm's svm-predict and bare ICU word breaking, on the same postings in the same run.
#
#   sh bench/run.sh [--quick] [--full-train] [--no-build] [--no-install]
#
# Builds what it needs (BUILD_DIR when set; else the source tree when it was configured in
# place; else an out-of-tree build in bench/out/build), imports ../shared/data (FAKEJOB_DATA to
# point elsewhere) with `fakejob import` into a temporary folder outside the project, splits each dataset into training and held-out postings
# grouped by content (EMSCAD) or company (ORFD), trains every system on the training postings,
# scores the held-out ones with each, and writes bench/out/results.md (tables) and
# bench/out/chart.svg. Without ../shared/data it says so and uses the project's corpus/ instead
# (speed figures; quality on corpus/ is not comparable). bench/README.md explains every figure.
# Takes about 6-10 minutes on 2 cores; --quick does fewer passes (noisier figures). libfakejob is
# trained at C=1 (its calibration cross-validation still runs), as the peers are trained with
# fixed settings; --full-train runs `fakejob train`'s grid search of C instead (much longer).
# FJ_TRAIN_ARGS replaces the options given to `fakejob train` (default "--C 1"). --no-build uses
# the build tree as it is (its programs must exist).
# Needs (Debian): python3-sklearn python3-jieba fasttext libsvm-tools time: the missing ones are
# installed with apt-get when run as root (or with sudo) on Debian, unless --no-install. A peer
# whose tool is still missing is skipped with a message, never faked.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/bench
out=$bench/out
PY=${PYTHON:-/usr/bin/python3}
data=${FAKEJOB_DATA:-$top/../shared/data}
quick=0 nobuild=0 install=1
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    --no-install) install=0 ;;
    --full-train) FJ_TRAIN_ARGS=${FJ_TRAIN_ARGS:-} ;;
    --no-build) nobuild=1 ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    *)
        echo "bench/run.sh: unknown option '$a' (try --help)" >&2
        exit 2
        ;;
    esac
done
if [ $quick = 1 ]; then
    PASSES=2 LAT=500 FT_PASSES=3 PEER_LAT=100 ICU_PASSES=2
else
    PASSES=5 LAT=3000 FT_PASSES=10 PEER_LAT=300 ICU_PASSES=5
fi

FJ_TRAIN_ARGS=${FJ_TRAIN_ARGS---C 1}

log() { printf '%s [bench] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
die() {
    echo "bench/run.sh: $*" >&2
    exit 1
}
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
start=$(date +%s)

# The imported postings (copies of ../shared/data) live in a temporary folder outside the
# project, removed at the end (FAKEJOB_BENCH_KEEP=1 keeps it and says where).
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fakejob-bench.XXXXXX")
if [ "${FAKEJOB_BENCH_KEEP:-0}" = 1 ]; then
    trap 'echo "bench/run.sh: imported postings kept in $scratch/data" >&2' EXIT
else
    trap 'rm -rf "$scratch"' EXIT
fi
trap 'exit 1' INT TERM
mkdir -p "$scratch/data" "$out/figures" "$out/models" "$out/work"
rm -rf "$out/data"
rm -f "$out"/figures/*.json "$out/results.md" "$out/chart.svg"
warn=""
load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk "BEGIN{exit !($load1 > 0.7)}"; then
    warn="The machine was busy when the run started (load average $load1 on $ncpu CPUs): figures may be noisy."
    log "WARNING: $warn"
fi

# ---- build ----
if [ -n "${BUILD_DIR:-}" ]; then
    build=$BUILD_DIR
elif [ -f "$top/config.status" ]; then
    build=$top
else
    build=$out/build
    if [ ! -f "$build/config.status" ]; then
        if [ ! -x "$top/configure" ]; then
            log "generating configure (autogen.sh)"
            (cd "$top" && sh ./autogen.sh)
        fi
        mkdir -p "$build"
        log "configuring an out-of-tree build in $build"
        (cd "$build" && "$top/configure" -q)
    fi
fi
if [ $nobuild = 0 ]; then
    log "building in $build"
    make -C "$build" -j"$ncpu" >"$out/work/build.log" 2>&1 || {
        tail -30 "$out/work/build.log" >&2
        exit 1
    }
    make -C "$build" -j"$ncpu" bench >>"$out/work/build.log" 2>&1 || {
        tail -30 "$out/work/build.log" >&2
        exit 1
    }
fi
for p in fakejob bench/score_bench bench/icu_break bench/svm_features; do
    [ -x "$build/$p" ] || die "$build/$p is missing: build it (make && make bench)"
done
FJ=$build/fakejob
B=$build/bench
FIG() { "$PY" "$bench/figures.py" "$@"; }

# time_v OUTFILE CMD...: run CMD under /usr/bin/time -v, its stdout to OUTFILE, and set WALL
# (seconds), RSS (peak, MB) and CPU (user + system seconds); fails when CMD fails.
time_v() {
    tv_out=$1
    shift
    /usr/bin/time -v -o "$out/work/time.txt" "$@" >"$tv_out" || return 1
    # shellcheck disable=SC2046
    set -- $(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                    for (i = 1; i <= n; i++) s = s * 60 + t[i]; w = s }
                /Maximum resident set size/ { r = $2 / 1024 }
                /User time \(seconds\)|System time \(seconds\)/ { c += $2 }
                END { printf "%.3f %.1f %.3f\n", w, r, c }' "$out/work/time.txt")
    WALL=$1 RSS=$2 CPU=$3
}

# ---- peers: install what Debian packages and is missing ----
if [ $install = 1 ] && command -v apt-get >/dev/null 2>&1; then
    missing=""
    for p in python3-sklearn python3-jieba fasttext libsvm-tools time; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || { have sudo && SUDO="sudo -n"; }
        if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
            log "installing the peers:$missing"
            { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install \
                -y -qq --no-install-recommends $missing; } >"${TMPDIR:-/tmp}/fj-bench-apt.log" 2>&1 ||
                log "could not install$missing (see ${TMPDIR:-/tmp}/fj-bench-apt.log)"
        else
            log "not root: install$missing to benchmark every peer"
        fi
    fi
fi

# ---- peers available? ----
peer_sk=1 peer_ft=1 peer_svm=1
"$PY" -c 'import sklearn, numpy, scipy' 2>/dev/null || {
    peer_sk=0
    log "scikit-learn missing (Debian: python3-sklearn): its row is skipped"
}
if ! have fasttext || ! "$PY" -c 'import jieba' 2>/dev/null; then
    peer_ft=0
    log "fasttext or jieba missing (Debian: fasttext python3-jieba): its row is skipped"
fi
have svm-predict || {
    peer_svm=0
    log "svm-predict missing (Debian: libsvm-tools): its row is skipped"
}
[ -x /usr/bin/time ] || {
    echo "bench/run.sh: /usr/bin/time is needed (Debian: time)" >&2
    exit 1
}

# ---- data ----
if [ -f "$data/emscad-train.csv" ] && [ -f "$data/orfd-train.csv" ]; then
    datadesc="../shared/data (EMSCAD emscad-train.csv, ORFD orfd-train.csv) through fakejob import"
    "$FJ" import emscad -q -o "$scratch/data/emscad.jsonl" "$data/emscad-train.csv"
    "$FJ" import orfd -q -o "$scratch/data/orfd.jsonl" "$data/orfd-train.csv"
    for spec in emscad:content orfd:company; do
        "$PY" "$bench/split.py" --group "${spec#*:}" --test-groups "$scratch/data/${spec%:*}-test.groups" \
            --summary "$scratch/data/${spec%:*}-split.json" "$scratch/data/${spec%:*}.jsonl" \
            "$scratch/data/${spec%:*}-train.jsonl" "$scratch/data/${spec%:*}-test.jsonl"
    done
    datasets="emscad:en:content orfd:zh:company"
else
    msg="$data is absent: the public datasets cannot be used, so there are no quality or training figures on them. Speed figures below come from the project's own corpus/ (small; its quality figures are not comparable to the public datasets')."
    log "NOTE: $msg"
    warn="${warn:+$warn }$msg"
    datadesc="the project's corpus/ ($data absent)"
    cat "$top"/corpus/en-*.jsonl >"$scratch/data/corpus-en.jsonl"
    cat "$top"/corpus/zh-*.jsonl >"$scratch/data/corpus-zh.jsonl"
    for ds in corpus-en corpus-zh; do
        "$PY" "$bench/split.py" --group content --test-groups "$scratch/data/$ds-test.groups" \
            --summary "$scratch/data/$ds-split.json" "$scratch/data/$ds.jsonl" \
            "$scratch/data/$ds-train.jsonl" "$scratch/data/$ds-test.jsonl"
    done
    datasets="corpus-en:en:content corpus-zh:zh:content"
fi

# ---- each dataset: train every system, score the same held-out postings ----
for spec in $datasets; do
    ds=${spec%%:*}
    rest=${spec#*:}
    lang=${rest%%:*}
    group=${rest#*:}
    train=$scratch/data/$ds-train.jsonl
    test=$scratch/data/$ds-test.jsonl
    groups=$scratch/data/$ds-test.groups
    ntrain=$(grep -c . "$train")
    ff=$out/figures/$ds--libfakejob.json
    FIG merge-json "$ff" "$scratch/data/$ds-split.json"

    log "$ds: libfakejob: training on $ntrain postings"
    rm -rf "$out/models/$ds-fj"
    # shellcheck disable=SC2086
    time_v /dev/null "$FJ" train -q -o "$out/models/$ds-fj" --group-by "$group" \
        --threads "$ncpu" ${FJ_TRAIN_ARGS:-} "$train" || die "$ds: fakejob train failed"
    FIG merge "$ff" train_s="$WALL" train_rss_mb="$RSS" train_n="$ntrain" train_threads="$ncpu" \
        train_args="${FJ_TRAIN_ARGS:-(grid search)}"
    FIG size "$ff" "$out/models/$ds-fj"
    FIG merge "$ff" svm_model_bytes="$(cat "$out/models/$ds-fj"/*.svm.model | wc -c)"
    log "$ds: libfakejob: scoring"
    "$B/score_bench" --model "$out/models/$ds-fj" --passes "$PASSES" --latency "$LAT" \
        --scores "$out/work/$ds-fj.scores" "$test" >"$out/work/$ds-fj.json"
    FIG merge-json "$ff" "$out/work/$ds-fj.json"
    FIG quality "$ff" "$out/work/$ds-fj.scores"
    FIG ci "$ff" "$out/work/$ds-fj.scores" "$groups" 0.5
    time_v /dev/null "$FJ" score -q --model "$out/models/$ds-fj" --threads 1 "$test" ||
        die "$ds: fakejob score failed"
    FIG merge "$ff" cli_wall_s="$WALL" cli_rss_mb="$RSS"

    if [ $peer_svm = 1 ]; then
        log "$ds: svm-predict on libfakejob's features"
        sf=$out/figures/$ds--svm-predict.json
        set -- "$out/models/$ds-fj"/*.svm.model
        svmmodel=$1
        part=$(basename "$svmmodel" .svm.model)
        "$B/svm_features" --model "$out/models/$ds-fj" --part "$part" \
            --margins "$out/work/$ds.margins" "$test" >"$out/work/$ds.libsvm" 2>>"$out/work/svm_features.log"
        head -1 "$out/work/$ds.libsvm" >"$out/work/$ds-one.libsvm"
        time_v /dev/null svm-predict -q "$out/work/$ds-one.libsvm" "$svmmodel" \
            "$out/work/$ds-one.pred" || die "$ds: svm-predict failed"
        one=$WALL onecpu=$CPU
        time_v /dev/null svm-predict -q "$out/work/$ds.libsvm" "$svmmodel" "$out/work/$ds.pred" ||
            die "$ds: svm-predict failed"
        # its cost grows with the support vectors: repeat the postings (through a pipe, no big
        # file) until a run lasts about 2 s
        reps=$(awk "BEGIN { r = int(2 / ($WALL + 0.001)); print (r < 1 ? 1 : (r > 50 ? 50 : r)) }")
        nmany=$(($(grep -c . "$out/work/$ds.libsvm") * reps))
        rm -f "$out/work/svm.fifo"
        mkfifo "$out/work/svm.fifo"
        (
            i=0
            while [ $i -lt "$reps" ]; do
                cat "$out/work/$ds.libsvm"
                i=$((i + 1))
            done >"$out/work/svm.fifo"
        ) &
        time_v /dev/null svm-predict -q "$out/work/svm.fifo" "$svmmodel" \
            "$out/work/$ds-many.pred" || die "$ds: svm-predict failed"
        wait
        rm -f "$out/work/svm.fifo"
        FIG merge "$sf" load_ms="$(awk "BEGIN{print $one*1000}")" rss_mb="$RSS" \
            tput_1core="$(awk "BEGIN{d=$WALL-$one; if (d<=0) d=0.001; print $nmany/d}")" \
            tput_1core_cpu="$(awk "BEGIN{d=$CPU-$onecpu; if (d<=0) d=0.01; print $nmany/d}")" \
            model_bytes="$(wc -c <"$svmmodel")" bench_n="$(grep -c . "$out/work/$ds.libsvm")" \
            passes="$reps" support_vectors="$(awk '$1 == "total_sv" { print $2 }' "$svmmodel")"
        FIG svm-quality "$sf" "$out/work/$ds.libsvm" "$out/work/$ds.pred" "$out/work/$ds.margins"
    fi

    if [ $peer_sk = 1 ]; then
        log "$ds: scikit-learn: training, scoring"
        rm -f "$out/figures/$ds--sklearn.json"
        "$PY" "$bench/peers/sklearn_peer.py" train --lang "$lang" "$train" \
            "$out/models/$ds-sk.pkl" "$out/figures/$ds--sklearn.json" &&
            "$PY" "$bench/peers/sklearn_peer.py" score --passes 1 --latency "$PEER_LAT" \
                --scores-out "$out/work/$ds-sk.scores" "$out/models/$ds-sk.pkl" "$test" \
                "$out/figures/$ds--sklearn.json" &&
            FIG ci "$out/figures/$ds--sklearn.json" "$out/work/$ds-sk.scores" "$groups" ||
            log "$ds: the scikit-learn peer FAILED (its row may be incomplete)"
    fi

    if [ $peer_ft = 1 ]; then
        log "$ds: fastText: training, scoring"
        rm -f "$out/figures/$ds--fasttext.json"
        "$PY" "$bench/peers/fasttext_peer.py" train --lang "$lang" "$train" \
            "$out/models/$ds-ft" "$out/figures/$ds--fasttext.json" &&
            "$PY" "$bench/peers/fasttext_peer.py" score --lang "$lang" --passes "$FT_PASSES" \
                --latency "$PEER_LAT" --scores-out "$out/work/$ds-ft.scores" \
                "$out/models/$ds-ft.bin" "$test" "$out/figures/$ds--fasttext.json" &&
            FIG ci "$out/figures/$ds--fasttext.json" "$out/work/$ds-ft.scores" "$groups" ||
            log "$ds: the fastText peer FAILED (its row may be incomplete)"
        rm -f "$out/models/$ds-ft.bin" # 800 MB; its size is in the figures
    fi

    log "$ds: ICU word break (the floor)"
    "$B/icu_break" --passes "$ICU_PASSES" "$test" >"$out/work/$ds-icu.json"
    FIG merge-json "$out/figures/$ds--icu.json" "$out/work/$ds-icu.json"

    if [ -f "$top/models/default/manifest.json" ]; then
        log "$ds: the default model on the same postings"
        df=$out/figures/$ds--default.json
        "$B/score_bench" --model "$top/models/default" --passes "$PASSES" --latency "$LAT" \
            --loads 10 "$test" >"$out/work/$ds-default.json"
        FIG merge-json "$df" "$out/work/$ds-default.json"
        FIG size "$df" "$top/models/default"
        FIG merge "$df" svm_model_bytes="$(cat "$top/models/default"/*.svm.model | wc -c)"
        time_v /dev/null "$FJ" score -q --model "$top/models/default" --threads 1 "$test" ||
            die "$ds: fakejob score with the default model failed"
        FIG merge "$df" cli_wall_s="$WALL" cli_rss_mb="$RSS"
    fi
done

if [ -f "$top/models/default/manifest.json" ]; then
    model_any=$top/models/default
else
    msg="models/default is absent: the default-model figures (load time, size, memory) are missing."
    log "NOTE: $msg"
    warn="${warn:+$warn }$msg"
    model_any=$out/models/${datasets%%:*}-fj
fi

# ---- the other engineers' benchmarks, run as they are (their output goes in verbatim) ----
rm -f "$out"/work/other-*.txt
if [ -x "$B/tokenize_bench" ]; then
    log "tokenizer alone against ICU (bench/tokenize_bench)"
    tdata=
    [ -d "$data" ] && tdata="--data $data"
    # shellcheck disable=SC2086
    "$B/tokenize_bench" $tdata --passes 3 >"$out/work/other-tokenize.txt" 2>&1 ||
        log "tokenize_bench failed (see $out/work/other-tokenize.txt)"
fi
if [ -x "$B/history_bench" ]; then
    log "history store (bench/history_bench)"
    "$B/history_bench" --ops 2000 "$out/work/history-bench.db" >"$out/work/other-history.txt" 2>&1 ||
        log "history_bench failed (see $out/work/other-history.txt)"
fi
if [ -f "$build/bindings/python/fakejob/.built" ] && [ -f "$bench/python_bench.py" ]; then
    log "Python bindings (bench/python_bench.py) with $model_any"
    PYTHONPATH=$build/bindings/python "$PY" "$bench/python_bench.py" --fakejob "$FJ" \
        --model "$model_any" --count 4000 --repeat 2 >"$out/work/other-python.txt" 2>&1 ||
        log "python_bench failed (see $out/work/other-python.txt)"
else
    log "the Python bindings are not built in $build: their benchmark is skipped"
fi

# ---- the run ----
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -sr)
version=$("$FJ" --version | awk '{ print $2 }')
"$PY" - "$out/run.json" "$(date -u +%Y-%m-%dT%H:%MZ)" "$cpu" "$ncpu" "$os" "$version" \
    "$datadesc" "$warn" "$(($(date +%s) - start))" <<'EOF'
import json, sys
keys = ("date", "cpu", "cores", "os", "version", "data", "warning", "seconds")
json.dump(dict(zip(keys, sys.argv[2:])), open(sys.argv[1], "w"), indent=1)
EOF
"$PY" "$bench/report.py" "$out"
log "done in $(($(date +%s) - start)) s: $out/results.md, $out/chart.svg"
