# fakejob eval: metrics of a model on a labelled corpus, JSON output, the SVG plot, --cv, and
# the exit codes. The corpus (tests/data/import/eval-en.jsonl) is hand-written; the model is
# trained on it here. Sourced by tests/cli.sh.
ev_corpus="$srcdir/tests/data/import/eval-en.jsonl"
ev_tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-eval.XXXXXX")

# bad usage: 2
t eval-bad-flag 2 "$FJ" eval --frobnicate "$ev_corpus"
t eval-bad-threshold 2 "$FJ" eval --threshold 1.5 "$ev_corpus"
expect_err eval-bad-threshold "threshold takes a number from 0 to 1"
t eval-threshold-junk 2 "$FJ" eval -t abc "$ev_corpus"
t eval-model-no-value 2 "$FJ" eval "$ev_corpus" --model
t eval-cv-with-model 2 "$FJ" eval --cv --model "$ev_tmp" "$ev_corpus"
t eval-folds-without-cv 2 "$FJ" eval --folds 3 "$ev_corpus"
t eval-C-without-cv 2 "$FJ" eval --C 1 "$ev_corpus"
expect_err eval-C-without-cv "go with --cv"
t eval-cv-bad-C 2 "$FJ" eval --cv --C 0 "$ev_corpus"
expect_err eval-cv-bad-C "--C takes a positive number, not '0'"
t eval-cv-bad-min-df 2 "$FJ" eval --cv --min-df x "$ev_corpus"
expect_err eval-cv-bad-min-df "--min-df takes a whole number from 1 to 1000000, not 'x'"
t eval-cv-kernel-no-value 2 "$FJ" eval --cv "$ev_corpus" --kernel
t eval-bad-group 2 "$FJ" eval --cv --group-by nosuchfield "$ev_corpus"
t eval-help 0 "$FJ" eval --help
expect_out eval-help "usage: fakejob eval"

# an unreadable corpus: 3 (before any model is needed)
t eval-missing-corpus 3 "$FJ" eval --model "$ev_tmp/none" "$ev_tmp/none.jsonl"
expect_err eval-missing-corpus "none\.jsonl"
# a model that cannot be loaded: 4
t eval-missing-model 4 "$FJ" eval --model "$ev_tmp/none" "$ev_corpus"
expect_err eval-missing-model "cannot load the model"
mkdir -p "$ev_tmp/broken" && echo '{"format": 99' > "$ev_tmp/broken/manifest.json"
t eval-broken-model 4 "$FJ" eval --model "$ev_tmp/broken" "$ev_corpus"
# nothing labelled to evaluate: 1
printf '{"title":"Clerk","description":"Filing and post."}\n' > "$ev_tmp/unlabelled.jsonl"
t eval-unlabelled 1 "$FJ" eval --model "$ev_tmp/none" "$ev_tmp/unlabelled.jsonl"
expect_err eval-unlabelled "no labelled postings to evaluate"

# a real model
t eval-train 0 "$FJ" train -q --folds 2 -o "$ev_tmp/model" "$ev_corpus"
if [ -f "$ev_tmp/model/manifest.json" ]; then
    t eval-table 0 "$FJ" eval --model "$ev_tmp/model" --plot "$ev_tmp/curves.svg" "$ev_corpus"
    expect_out eval-table "^16 postings: 8 fraud, 8 legit"
    expect_out eval-table "score >= 0.5 +[0-9.]+ +[0-9.]+ +[0-9.]+"
    expect_out eval-table "verdict fraud or suspicious"
    expect_out eval-table "ROC-AUC +[01]\.[0-9]{3}"
    expect_out eval-table "recall at 1% FPR"
    expect_out eval-table "actual fraud +[0-9]+ +[0-9]+"
    # evaluated on its own training postings: a warning with how many
    expect_err eval-table "16 of 16 evaluated postings were in the model's training data"
    # postings it has not seen (each description rewritten): no warning
    sed 's/"description":"/"description":"Reposted with a new text and other words. /' \
        "$ev_corpus" > "$ev_tmp/heldout.jsonl"
    head -4 "$ev_corpus" >> "$ev_tmp/heldout.jsonl"
    t eval-heldout 0 "$FJ" eval --model "$ev_tmp/model" "$ev_tmp/heldout.jsonl"
    expect_err eval-heldout "^fakejob eval: 4 of 20 evaluated postings were in the model's training data"
    grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$ev_tmp/curves.svg" &&
        grep -q 'ROC-AUC = [01]\.[0-9][0-9][0-9]' "$ev_tmp/curves.svg" &&
        grep -q 'PR-AUC (AP) = [01]\.[0-9][0-9][0-9]' "$ev_tmp/curves.svg" &&
        passes=$((passes + 1)) || { echo "FAIL: eval --plot: no SVG with the AUCs"; fails=$((fails + 1)); }
    if command -v xmllint >/dev/null 2>&1; then
        t eval-svg-well-formed 0 xmllint --noout "$ev_tmp/curves.svg"
    fi

    t eval-json 0 "$FJ" eval --model "$ev_tmp/model" --json --threshold 0.3 "$ev_corpus"
    expect_out eval-json '^\{"evaluated":"model [^"]*","metrics":\{"count":16,"fraud":8,"legit":8,"threshold":0.3,'
    expect_out eval-json '"roc_auc":[01](\.[0-9]+)?,'
    expect_out eval-json '"verdicts":\{"legit":\{'
    if [ -n "${PYTHON3:-}" ]; then
        cp /tmp/fj-cli.$$.out "$ev_tmp/metrics.json"
        t eval-json-parses 0 "$PYTHON3" -c 'import json,sys; json.load(open(sys.argv[1]))' "$ev_tmp/metrics.json"
    fi

    # unreadable and unlabelled lines are skipped with a warning, or stop the run with --strict
    { cat "$ev_corpus"; echo '{"title": 5}'; echo '{"title":"Clerk","description":"x"}'; } \
        > "$ev_tmp/mixed.jsonl"
    t eval-skips-bad-lines 0 "$FJ" eval --model "$ev_tmp/model" "$ev_tmp/mixed.jsonl"
    expect_err eval-skips-bad-lines "mixed\.jsonl:17: .*title.*; skipped"
    expect_err eval-skips-bad-lines "mixed\.jsonl:18: no label; skipped"
    expect_out eval-skips-bad-lines "^16 postings"
    t eval-strict 1 "$FJ" eval --strict --model "$ev_tmp/model" "$ev_tmp/mixed.jsonl"

    # a single class: metrics with n/a, and no plot (exit 1)
    grep '"legit"' "$ev_corpus" > "$ev_tmp/legit.jsonl"
    t eval-one-class 1 "$FJ" eval --model "$ev_tmp/model" --plot "$ev_tmp/one.svg" "$ev_tmp/legit.jsonl"
    expect_out eval-one-class "ROC-AUC +n/a"
    expect_err eval-one-class "no plot: .*all 8 postings are labelled legit"
    t eval-plot-unwritable 3 "$FJ" eval --model "$ev_tmp/model" --plot "$ev_tmp/no/dir/x.svg" "$ev_corpus"
fi

# cross-validation of training, without a model
t eval-cv 0 "$FJ" eval --cv --folds 2 -q "$ev_corpus"
expect_out eval-cv "^2-fold cross-validation grouped by content"
expect_out eval-cv "ROC-AUC +[01]\.[0-9]{3}"
# the training options of fakejob train apply to the models --cv trains: a one-feature text
# vocabulary at a fixed C gives other scores than the default grid
t eval-cv-options 0 "$FJ" eval --cv --folds 2 --C 1 --max-features 1 --min-df 1 --single-model \
    -q --scores "$ev_tmp/opt.jsonl" "$ev_corpus"
t eval-cv-default-scores 0 "$FJ" eval --cv --folds 2 -q --scores "$ev_tmp/def.jsonl" "$ev_corpus"
if cmp -s "$ev_tmp/opt.jsonl" "$ev_tmp/def.jsonl"; then
    echo "FAIL: eval-cv-options: the training options did not change the cross-validated scores"
    fails=$((fails + 1))
fi

rm -rf "$ev_tmp"
# eval --cv --group-by near: near-copies joined to one group, so none is in another fold
ev_near=/tmp/fj-cli-near.$$.jsonl
t eval-cv-near 0 "$FJ" eval --cv --folds 2 --C 1 --single-view --group-by near --scores "$ev_near" \
    "$srcdir"/tests/data/train/en.jsonl "$srcdir"/tests/data/train/zh.jsonl \
    "$srcdir"/tests/data/train/reposts.jsonl
expect_err eval-cv-near "near-copies joined [1-9][0-9]* groups"
expect_err eval-cv-near " 0 of [0-9]+ held-out postings have a near-copy in their training part"
t eval-cv-near-no-copies 1 grep -q '"copy":true' "$ev_near"
# one posting a group: the repost chains' edited copies straddle folds and are counted
t eval-cv-content 0 "$FJ" eval --cv --folds 2 --C 1 --single-view --group-by id --scores "$ev_near" \
    "$srcdir"/tests/data/train/en.jsonl "$srcdir"/tests/data/train/zh.jsonl \
    "$srcdir"/tests/data/train/reposts.jsonl
expect_err eval-cv-content " [1-9][0-9]* of [0-9]+ held-out postings have a near-copy"
t eval-cv-content-copies 0 grep -q '"copy":true' "$ev_near"
t eval-group-by-bad 2 "$FJ" eval --cv --group-by nearby "$srcdir"/tests/data/train/en.jsonl
t eval-prior-with-cv 2 "$FJ" eval --cv --prior 0.1 "$srcdir"/tests/data/train/en.jsonl
rm -f "$ev_near"
