#!/bin/sh
# models/writers-cv.sh - leave-one-writer-out: does training on more independent writers'
# postings carry over to a writer the model has not seen?
#
# usage: models/writers-cv.sh [FAKEJOB [SHARED_DATA [OUTPUT]]]
#   (defaults: ./fakejob, ../shared/data beside the source tree, $TMPDIR/fakejob-writers)
#
# The postings of the used held-out sets tests/heldout/blind-1 ... blind-5 are folded into the
# corpus as corpus/zh-w.jsonl and corpus/en-w.jsonl (models/fold-writers.py). It trains the
# shipped recipe (models/train-default.sh) on two kinds of corpus:
#   without  the corpus without the writers' files (the recipe before they were folded in): one
#            model, which has seen none of the sets, scores every set;
#   with     for each set k, the corpus with the other four sets' postings (fold-writers.py
#            --exclude blind-k): one model per k, which has not seen set k;
# and scores set k's postings with tests/heldout/evaluate.py --verdicts-only (per language: F1
# at the fraud verdict and at fraud-or-suspicious, honest postings called fraud / suspicious,
# ROC-AUC), then prints both tables with the mean over k (evaluate.py --mean). Six trainings of
# the full recipe. Writes only into OUTPUT (the corpora, models and reports; the imported
# datasets are removed by train-default.sh); a model already in OUTPUT is reused, so a stopped
# run can be resumed.
#
# The red-flag signals of both kinds of model come from the clause detectors built into FAKEJOB.
# The shipped detectors (since this release) were trained on every writer's clauses
# (corpus/clauses/heldout-1-5.jsonl), so with them set k's signals have seen its writer's
# clauses: to hold the writer out of the detectors too, build FAKEJOB with detectors trained
# without that set (models/fold-heldout.py --exclude k --out FILE, then train-signals). The
# table in models/default/MODEL.md was measured with the detectors of before, which had seen
# none of the sets.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
fakejob=${1:-./fakejob}
shared=${2:-$srcdir/../shared/data}
out=${3:-${TMPDIR:-/tmp}/fakejob-writers}
# the used sets, as fold-writers.py folds them (USED_SETS in tests/heldout/evaluate.py)
sets=$(cd "$srcdir/tests/heldout" && /usr/bin/python3 -c 'from evaluate import USED_SETS; print(" ".join(USED_SETS))')

mkdir -p "$out/corpus-without"
for f in "$srcdir"/corpus/*.jsonl; do
    case "$f" in
    *-w.jsonl) ;;
    *) cp "$f" "$out/corpus-without/" ;;
    esac
done
if [ ! -r "$out/without/manifest.json" ]; then
    "$srcdir/models/train-default.sh" --corpus "$out/corpus-without" "$fakejob" "$shared" \
        "$out/without"
fi
for k in $sets; do
    /usr/bin/python3 "$srcdir/tests/heldout/evaluate.py" "$fakejob" "$srcdir/tests/heldout/$k" \
        --verdicts-only --model "$out/without" --json "$out/without-$k.json" >/dev/null
done
for k in $sets; do
    c="$out/corpus-$k"
    mkdir -p "$c"
    cp "$out"/corpus-without/*.jsonl "$c/"
    /usr/bin/python3 "$srcdir/models/fold-writers.py" --exclude "$k" --out "$c"
    if [ ! -r "$out/with-$k/manifest.json" ]; then
        "$srcdir/models/train-default.sh" --corpus "$c" "$fakejob" "$shared" "$out/with-$k"
    fi
    /usr/bin/python3 "$srcdir/tests/heldout/evaluate.py" "$fakejob" "$srcdir/tests/heldout/$k" \
        --verdicts-only --model "$out/with-$k" --json "$out/with-$k.json" >/dev/null
done
echo "## without the writers' postings (the recipe before)"
/usr/bin/python3 "$srcdir/tests/heldout/evaluate.py" --mean "$out"/without-blind-*.json
echo
echo "## with the other four writers' postings"
/usr/bin/python3 "$srcdir/tests/heldout/evaluate.py" --mean "$out"/with-blind-*.json
