# fakejob train: flags, corpus errors, progress, reproducible bundles, exit codes.
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
tr_dir=/tmp/fj-cli-train.$$
mkdir -p "$tr_dir"
tr_corpus="$srcdir/tests/data/train"

t train-help 0 "$FJ" train --help
expect_out train-help "usage: fakejob train"
t train-no-output 2 "$FJ" train "$tr_corpus/en.jsonl"
expect_err train-no-output "give -o DIR"
t train-no-corpus 2 "$FJ" train -o "$tr_dir/m"
t train-bad-kernel 2 "$FJ" train -o "$tr_dir/m" --kernel poly "$tr_corpus/en.jsonl"
expect_err train-bad-kernel "linear or rbf"
t train-bad-C 2 "$FJ" train -o "$tr_dir/m" --C -1 "$tr_corpus/en.jsonl"
t train-bad-folds 2 "$FJ" train -o "$tr_dir/m" --folds 1 "$tr_corpus/en.jsonl"
t train-bad-group 2 "$FJ" train -o "$tr_dir/m" --group-by openings "$tr_corpus/en.jsonl"
t train-unknown-flag 2 "$FJ" train -o "$tr_dir/m" --frobnicate "$tr_corpus/en.jsonl"
t train-missing-value 2 "$FJ" train -o
t train-missing-file 3 "$FJ" train -q -o "$tr_dir/m" /nonexistent/corpus.jsonl
expect_err train-missing-file "/nonexistent/corpus.jsonl"
printf '%s\n' '{"title":"Clerk","description":"Filing.","label":"legit"}' \
    '{"title":"Typist","description":"Typing at home."}' >"$tr_dir/unlabelled.jsonl"
t train-unlabelled 1 "$FJ" train -q -o "$tr_dir/m" "$tr_dir/unlabelled.jsonl"
expect_err train-unlabelled "unlabelled.jsonl:2: .*label"
grep -E '"label": ?"legit"' "$tr_corpus/en.jsonl" >"$tr_dir/legit.jsonl"
t train-single-class 1 "$FJ" train -q -o "$tr_dir/m" "$tr_dir/legit.jsonl"
expect_err train-single-class "fraudulent"
t train-no-model-written 1 test -e "$tr_dir/m/manifest.json"

t train-ok 0 "$FJ" train -v -o "$tr_dir/a" --C 1 --seed 7 --name cli-test --version 2.0.1 \
    "$tr_corpus/en.jsonl" "$tr_corpus/zh.jsonl"
expect_err train-progress "\[en\] all: C=1 fold 5/5"
expect_err train-progress-summary "wrote cli-test 2.0.1 to"
expect_err train-progress-views "\[en\] view text: C=1"
t train-manifest 0 grep -q '"name": "cli-test"' "$tr_dir/a/manifest.json"
t train-bundle-files 0 test -f "$tr_dir/a/zh.weights.tsv" -a -f "$tr_dir/a/en.svm.model" \
    -a -f "$tr_dir/a/en.features.tsv" -a -f "$tr_dir/a/zh.calibration.json"
t train-quiet 0 "$FJ" train -q -o "$tr_dir/b" --C 1 --seed 7 --name cli-test --version 2.0.1 \
    "$tr_corpus/en.jsonl" "$tr_corpus/zh.jsonl"
t train-quiet-is-quiet 0 test ! -s /tmp/fj-cli.$$.err
# the same data and seed give the same weights
t train-reproducible 0 cmp "$tr_dir/a/en.weights.tsv" "$tr_dir/b/en.weights.tsv"
t train-reproducible-svm 0 cmp "$tr_dir/a/zh.svm.model" "$tr_dir/b/zh.svm.model"
t train-single-model 0 "$FJ" train -q --single-model --C 1 -o "$tr_dir/c" "$tr_corpus/en.jsonl" \
    "$tr_corpus/zh.jsonl"
t train-single-model-part 0 test -f "$tr_dir/c/all.weights.tsv"
t train-group-by-company 0 "$FJ" train -q --group-by company --folds 3 --C 1 -o "$tr_dir/d" \
    "$tr_corpus/en.jsonl" "$tr_corpus/zh.jsonl" "$tr_corpus/reposts.jsonl"
t train-rbf 0 "$FJ" train -q --kernel rbf --C 1 --gamma 0.5 -o "$tr_dir/r" "$tr_corpus/en.jsonl"
t train-rbf-no-weights 1 test -e "$tr_dir/r/en.weights.tsv"
t train-rbf-scores 0 "$FJ" score --model "$tr_dir/r" "$tr_corpus/en.jsonl"
expect_out train-rbf-scores '"reasons_available":false'
t train-unwritable 4 "$FJ" train -q --C 1 -o /dev/null/model "$tr_corpus/en.jsonl"
# two views by default, one with --single-view; per-language vocabulary settings
t train-views 0 grep -q '"view":"text","weight":' "$tr_dir/a/en.calibration.json"
t train-single-view 0 "$FJ" train -q --single-view --C 1 -o "$tr_dir/sv" "$tr_corpus/en.jsonl"
t train-single-view-one 1 grep -q '"view":"text"' "$tr_dir/sv/en.calibration.json"
t train-lang-min-df 0 "$FJ" train -q --min-df en:1 --max-features zh:50 --C 1 -o "$tr_dir/l" \
    "$tr_corpus/en.jsonl" "$tr_corpus/zh.jsonl"
t train-lang-min-df-json 0 grep -q '"min_df_lang": {' "$tr_dir/l/manifest.json"
t train-bad-lang 2 "$FJ" train -q --min-df fr:1 -o "$tr_dir/x" "$tr_corpus/en.jsonl"
expect_err train-bad-lang "LANG:N with LANG zh or en, not 'fr:1'"
t train-bad-lang-value 2 "$FJ" train -q --max-features en:0 -o "$tr_dir/x" "$tr_corpus/en.jsonl"
expect_err train-bad-lang-value "--max-features takes a whole number from 1 to 20000000 after LANG:, not 'en:0'"
t train-lang-space 2 "$FJ" train -q --min-df "en: 5" -o "$tr_dir/x" "$tr_corpus/en.jsonl"
t train-lang-empty 2 "$FJ" train -q --min-df "en:" -o "$tr_dir/x" "$tr_corpus/en.jsonl"
# --dense-weight LANG:X weighs that part's dense features (the Chinese part stays as it was)
t train-dense-weight 0 "$FJ" train -q --dense-weight en:2 --C 1 --seed 7 -o "$tr_dir/w" \
    "$tr_corpus/en.jsonl" "$tr_corpus/zh.jsonl"
t train-dense-weight-json 0 grep -q '"dense_weight":2' "$tr_dir/w/en.calibration.json"
t train-dense-weight-zh-same 0 cmp "$tr_dir/a/zh.weights.tsv" "$tr_dir/w/zh.weights.tsv"
t train-dense-weight-en-differs 1 cmp -s "$tr_dir/a/en.features.tsv" "$tr_dir/w/en.features.tsv"
t train-bad-dense-weight 2 "$FJ" train -q --dense-weight en:3 -o "$tr_dir/x" "$tr_corpus/en.jsonl"
expect_err train-bad-dense-weight "--dense-weight takes X or LANG:X with X in [(]0, 2[]]"
t train-bad-dense-weight-lang 2 "$FJ" train -q --dense-weight fr:1 -o "$tr_dir/x" "$tr_corpus/en.jsonl"
# --segmentation: recorded per part in the manifest; the shipped default (icu-dictionary) is
# what a bundle without the choice gets; han-unigram changes the Chinese words, so the features
t train-segmentation-default 0 grep -q '"segmentation": "icu-dictionary"' "$tr_dir/a/manifest.json"
t train-segmentation 0 "$FJ" train -q --segmentation han-unigram --C 1 --seed 7 -o "$tr_dir/u" \
    "$tr_corpus/en.jsonl" "$tr_corpus/zh.jsonl"
t train-segmentation-recorded 0 grep -q '"segmentation": "han-unigram"' "$tr_dir/u/manifest.json"
t train-segmentation-zh-differs 1 cmp -s "$tr_dir/a/zh.features.tsv" "$tr_dir/u/zh.features.tsv"
t train-segmentation-scores 0 "$FJ" score --model "$tr_dir/u" "$tr_corpus/zh.jsonl"
t train-bad-segmentation 2 "$FJ" train -q --segmentation jieba -o "$tr_dir/x" "$tr_corpus/en.jsonl"
expect_err train-bad-segmentation "--segmentation takes icu-dictionary or han-unigram, not 'jieba'"
sed 's/"segmentation": "han-unigram"/"segmentation": "jieba"/' "$tr_dir/u/manifest.json" \
    >"$tr_dir/u/manifest.new" && mv "$tr_dir/u/manifest.new" "$tr_dir/u/manifest.json"
t train-segmentation-unknown 4 "$FJ" score --model "$tr_dir/u" "$tr_corpus/zh.jsonl"
expect_err train-segmentation-unknown "unknown \"segmentation\" 'jieba'"
# --other-source: a file among the corpus files, given once; its part records the sources, and a
# part without postings of it trains as it does without the flag
t train-other-not-corpus 2 "$FJ" train -q -o "$tr_dir/x" --other-source "$tr_corpus/zh.jsonl" \
    "$tr_corpus/en.jsonl"
expect_err train-other-not-corpus "is not one of the corpus files"
t train-other-twice 2 "$FJ" train -q -o "$tr_dir/x" --other-source "$tr_corpus/zh.jsonl" \
    --other-source "$tr_corpus/zh.jsonl" "$tr_corpus/zh.jsonl"
expect_err train-other-twice "given twice"
t train-bad-source-mode 2 "$FJ" train -q -o "$tr_dir/x" --source-mode mix "$tr_corpus/en.jsonl"
expect_err train-bad-source-mode "augment, shared-meta, augment-text, intercept, pool or route"
t train-other-source 0 "$FJ" train -q -o "$tr_dir/s" --C 1 --seed 7 --name cli-test \
    --version 2.0.1 --other-source "$tr_corpus/reposts.jsonl" --source-mode shared-meta \
    "$tr_corpus/en.jsonl" "$tr_corpus/zh.jsonl" "$tr_corpus/reposts.jsonl"
t train-other-source-recorded 0 grep -q '"sources": *{"mode": *"shared-meta", *"other": *6, *"reference": *28}' \
    "$tr_dir/s/zh.calibration.json"
t train-other-source-en-unchanged 0 cmp "$tr_dir/a/en.weights.tsv" "$tr_dir/s/en.weights.tsv"
t eval-cv-other-source 0 "$FJ" eval --cv -q --C 1 --folds 3 --other-source "$tr_corpus/reposts.jsonl" \
    "$tr_corpus/zh.jsonl" "$tr_corpus/reposts.jsonl"
# --source-mode route: cross-validation only; the postings carrying applicants and
# response_rate (here every other Chinese posting) are scored by the pooled model, the others by
# the model of the other files alone
sed '1~2s/^{/{"applicants": 5, "response_rate": 0.5, /' "$tr_corpus/zh.jsonl" > "$tr_dir/zh-platform.jsonl"
t train-route-refused 2 "$FJ" train -q -o "$tr_dir/x" --other-source "$tr_corpus/reposts.jsonl" \
    --source-mode route "$tr_dir/zh-platform.jsonl" "$tr_corpus/reposts.jsonl"
expect_err train-route-refused "for fakejob eval --cv only"
t eval-cv-route 0 "$FJ" eval --cv -q --C 1 --folds 3 --json --scores "$tr_dir/route.jsonl" \
    --other-source "$tr_corpus/reposts.jsonl" --source-mode route "$tr_dir/zh-platform.jsonl" \
    "$tr_corpus/reposts.jsonl"
t eval-cv-route-scored 0 test "$(grep -c '"score"' "$tr_dir/route.jsonl")" = 34
# without postings carrying the metadata, the route scores nothing: the scores are those of the
# model trained without the other file
t eval-cv-route-no-platform 0 "$FJ" eval --cv -q --C 1 --folds 3 --json --scores \
    "$tr_dir/route0.jsonl" --other-source "$tr_corpus/reposts.jsonl" --source-mode route \
    "$tr_corpus/zh.jsonl" "$tr_corpus/reposts.jsonl"
rm -rf "$tr_dir"
