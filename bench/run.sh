#!/bin/sh
# bench/run.sh - the benchmark, in one command: libfakejob against scikit-learn, fastText,
# libsvm's svm-predict and bare ICU word breaking, on the same postings in the same run.
#
#   sh bench/run.sh [--quick]
#
# Builds what it needs (BUILD_DIR when set; else the source tree when it was configured in
# place; else an out-of-tree build in bench/out/build), imports ../shared/data (FAKEJOB_DATA to
# point elsewhere) with `fakejob import`, splits each dataset into training and held-out postings
# grouped by content (EMSCAD) or company (ORFD), trains every system on the training postings,
# scores the held-out ones with each, and writes bench/out/results.md (tables) and
# bench/out/chart.svg. Without ../shared/data it says so and uses the project's corpus/ instead
# (speed figures; quality on corpus/ is not comparable). bench/README.md explains every figure.
# Takes about 6-10 minutes on 2 cores; --quick does fewer passes (noisier figures) and trains
# libfakejob at C=1 instead of its grid search. FJ_TRAIN_ARGS adds options to `fakejob train`.
# Needs (Debian): python3-sklearn python3-jieba fasttext libsvm-tools time. A peer whose tool is
# missing is skipped with a message, never faked.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/bench
out=$bench/out
PY=${PYTHON:-/usr/bin/python3}
data=${FAKEJOB_DATA:-$top/../shared/data}
quick=0
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    -h | --help)
        sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
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
    FJ_TRAIN_ARGS=${FJ_TRAIN_ARGS---C 1}
else
    PASSES=5 LAT=3000 FT_PASSES=10 PEER_LAT=300 ICU_PASSES=5
fi

log() { printf '%s [bench] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
start=$(date +%s)

mkdir -p "$out/data" "$out/figures" "$out/models" "$out/work"
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
log "building in $build"
make -C "$build" -j"$ncpu" >"$out/work/build.log" 2>&1 || {
    tail -30 "$out/work/build.log" >&2
    exit 1
}
make -C "$build" -j"$ncpu" bench >>"$out/work/build.log" 2>&1 || {
    tail -30 "$out/work/build.log" >&2
    exit 1
}
FJ=$build/fakejob
B=$build/bench
FIG() { "$PY" "$bench/figures.py" "$@"; }

# time_v OUTFILE CMD...: run CMD under /usr/bin/time -v, its stdout to OUTFILE; prints
# "WALL_SECONDS RSS_MB"
time_v() {
    tv_out=$1
    shift
    /usr/bin/time -v -o "$out/work/time.txt" "$@" >"$tv_out"
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                    for (i = 1; i <= n; i++) s = s * 60 + t[i]; w = s }
                /Maximum resident set size/ { r = $2 / 1024 }
                END { printf "%.3f %.1f\n", w, r }' "$out/work/time.txt"
}

# ---- peers available? ----
peer_sk=1 peer_ft=1 peer_svm=1
"$PY" -c 'import sklearn, numpy, scipy' 2>/dev/null || {
    peer_sk=0
    log "scikit-learn missing (Debian: python3-sklearn): its row is skipped"
}
have fasttext && "$PY" -c 'import jieba' 2>/dev/null || {
    peer_ft=0
    log "fasttext or jieba missing (Debian: fasttext python3-jieba): its row is skipped"
}
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
    "$FJ" import emscad -q -o "$out/data/emscad.jsonl" "$data/emscad-train.csv"
    "$FJ" import orfd -q -o "$out/data/orfd.jsonl" "$data/orfd-train.csv"
    "$PY" "$bench/split.py" --group content "$out/data/emscad.jsonl" \
        "$out/data/emscad-train.jsonl" "$out/data/emscad-test.jsonl"
    "$PY" "$bench/split.py" --group company "$out/data/orfd.jsonl" \
        "$out/data/orfd-train.jsonl" "$out/data/orfd-test.jsonl"
    datasets="emscad:en:content orfd:zh:company"
else
    msg="$data is absent: the public datasets cannot be used, so there are no quality or training figures on them. Speed figures below come from the project's own corpus/ (small; its quality figures are not comparable to the public datasets')."
    log "NOTE: $msg"
    warn="${warn:+$warn }$msg"
    datadesc="the project's corpus/ ($data absent)"
    cat "$top"/corpus/en-*.jsonl >"$out/data/corpus-en.jsonl"
    cat "$top"/corpus/zh-*.jsonl >"$out/data/corpus-zh.jsonl"
    for ds in corpus-en corpus-zh; do
        "$PY" "$bench/split.py" --group content "$out/data/$ds.jsonl" \
            "$out/data/$ds-train.jsonl" "$out/data/$ds-test.jsonl"
    done
    datasets="corpus-en:en:content corpus-zh:zh:content"
fi

# ---- each dataset: train every system, score the same held-out postings ----
for spec in $datasets; do
    ds=${spec%%:*}
    rest=${spec#*:}
    lang=${rest%%:*}
    group=${rest#*:}
    train=$out/data/$ds-train.jsonl
    test=$out/data/$ds-test.jsonl
    ntrain=$(grep -c . "$train")
    ff=$out/figures/$ds--libfakejob.json

    log "$ds: libfakejob: training on $ntrain postings"
    rm -rf "$out/models/$ds-fj"
    # shellcheck disable=SC2086
    set -- $(time_v /dev/null "$FJ" train -q -o "$out/models/$ds-fj" --group-by "$group" \
        --threads "$ncpu" ${FJ_TRAIN_ARGS:-} "$train")
    FIG merge "$ff" train_s="$1" train_rss_mb="$2" train_n="$ntrain" train_threads="$ncpu" \
        train_args="${FJ_TRAIN_ARGS:-grid search}"
    FIG size "$ff" "$out/models/$ds-fj"
    log "$ds: libfakejob: scoring"
    "$B/score_bench" --model "$out/models/$ds-fj" --passes "$PASSES" --latency "$LAT" \
        --scores "$out/work/$ds-fj.scores" "$test" >"$out/work/$ds-fj.json"
    FIG merge-json "$ff" "$out/work/$ds-fj.json"
    FIG quality "$ff" "$out/work/$ds-fj.scores"
    set -- $(time_v /dev/null "$FJ" score -q --model "$out/models/$ds-fj" --threads 1 "$test")
    FIG merge "$ff" cli_wall_s="$1" cli_rss_mb="$2"

    if [ $peer_svm = 1 ]; then
        log "$ds: svm-predict on libfakejob's features"
        sf=$out/figures/$ds--svm-predict.json
        svmmodel=$(ls "$out/models/$ds-fj"/*.svm.model | head -1)
        part=$(basename "$svmmodel" .svm.model)
        "$B/svm_features" --model "$out/models/$ds-fj" --part "$part" \
            --margins "$out/work/$ds.margins" "$test" >"$out/work/$ds.libsvm" 2>/dev/null
        head -1 "$out/work/$ds.libsvm" >"$out/work/$ds-one.libsvm"
        : >"$out/work/$ds-many.libsvm"
        i=0
        while [ $i -lt "$PASSES" ]; do
            cat "$out/work/$ds.libsvm" >>"$out/work/$ds-many.libsvm"
            i=$((i + 1))
        done
        nmany=$(grep -c . "$out/work/$ds-many.libsvm")
        set -- $(time_v /dev/null svm-predict -q "$out/work/$ds-one.libsvm" "$svmmodel" \
            "$out/work/$ds-one.pred")
        one=$1
        set -- $(time_v /dev/null svm-predict -q "$out/work/$ds-many.libsvm" "$svmmodel" \
            "$out/work/$ds-many.pred")
        FIG merge "$sf" load_ms="$(awk "BEGIN{print $one*1000}")" rss_mb="$2" \
            tput_1core="$(awk "BEGIN{d=$1-$one; if (d<=0) d=0.001; print $nmany/d}")" \
            model_bytes="$(wc -c <"$svmmodel")" bench_n="$(grep -c . "$out/work/$ds.libsvm")"
        svm-predict -q "$out/work/$ds.libsvm" "$svmmodel" "$out/work/$ds.pred" >/dev/null
        FIG svm-quality "$sf" "$out/work/$ds.libsvm" "$out/work/$ds.pred" "$out/work/$ds.margins"
    fi

    if [ $peer_sk = 1 ]; then
        log "$ds: scikit-learn: training, scoring"
        rm -f "$out/figures/$ds--sklearn.json"
        "$PY" "$bench/peers/sklearn_peer.py" train --lang "$lang" "$train" \
            "$out/models/$ds-sk.pkl" "$out/figures/$ds--sklearn.json"
        "$PY" "$bench/peers/sklearn_peer.py" score --passes 1 --latency "$PEER_LAT" \
            "$out/models/$ds-sk.pkl" "$test" "$out/figures/$ds--sklearn.json"
    fi

    if [ $peer_ft = 1 ]; then
        log "$ds: fastText: training, scoring"
        "$PY" "$bench/peers/fasttext_peer.py" train --lang "$lang" "$train" \
            "$out/models/$ds-ft" "$out/figures/$ds--fasttext.json"
        "$PY" "$bench/peers/fasttext_peer.py" score --lang "$lang" --passes "$FT_PASSES" \
            --latency "$PEER_LAT" "$out/models/$ds-ft.bin" "$test" \
            "$out/figures/$ds--fasttext.json"
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
        set -- $(time_v /dev/null "$FJ" score -q --model "$top/models/default" --threads 1 "$test")
        FIG merge "$df" cli_wall_s="$1" cli_rss_mb="$2"
    fi
done

if [ ! -f "$top/models/default/manifest.json" ]; then
    msg="models/default is absent: the default-model figures (load time, size, memory) are missing."
    log "NOTE: $msg"
    warn="${warn:+$warn }$msg"
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
