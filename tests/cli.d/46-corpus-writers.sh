# corpus/zh-w.jsonl and corpus/en-w.jsonl are generated from the used held-out sets' postings by
# models/fold-writers.py (corpus/README.md): the committed files are what it writes, every
# posting is readable, and a set can be left out (models/writers-cv.sh).
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
cw_dir=$(mktemp -d /tmp/fj-cli-writers.XXXXXX)
t corpus-writers-current 0 /usr/bin/python3 "$srcdir/models/fold-writers.py" --check
t corpus-writers-readable 0 "$FJ" score --strict -q "$srcdir/corpus/zh-w.jsonl" \
    "$srcdir/corpus/en-w.jsonl"
# every posting of the five sets, ids kept, the sets' annotations under extra
t corpus-writers-count 0 test "$(cat "$srcdir"/tests/heldout/blind-[1-5]/postings-*.jsonl | grep -c .)" \
    -eq "$(cat "$srcdir"/corpus/zh-w.jsonl "$srcdir"/corpus/en-w.jsonl | grep -c .)"
t corpus-writers-extra 0 grep -q '^{"id": "b4z-p-001", .*"extra": {"set": "blind-4", "expect": \["personal_data", "pay_anomaly", "telecommuting"\], "kind": "personal_data:account_rental"}}$' \
    "$srcdir/corpus/zh-w.jsonl"
# leaving a set out: none of its postings, all of the others'
t corpus-writers-exclude 0 /usr/bin/python3 "$srcdir/models/fold-writers.py" --exclude blind-3 \
    --out "$cw_dir"
t corpus-writers-excluded 1 grep -q '"set": "blind-3"' "$cw_dir/zh-w.jsonl" "$cw_dir/en-w.jsonl"
t corpus-writers-kept 0 test "$(grep -c '"set": "blind-4"' "$cw_dir/zh-w.jsonl")" -eq 167
# --check notices a file that is not what the sets give
t corpus-writers-stale 1 /usr/bin/python3 "$srcdir/models/fold-writers.py" --check --out "$cw_dir"
expect_err corpus-writers-stale "zh-w.jsonl is not what the held-out sets give"
t corpus-writers-bad-set 2 /usr/bin/python3 "$srcdir/models/fold-writers.py" --exclude blind-9 \
    --out "$cw_dir"
expect_err corpus-writers-bad-set "blind-9"
# the clauses: models/fold-heldout.py writes what is committed, leaves a used set out only into
# another file, and refuses a set that is not used up or an unknown argument
t clauses-heldout-current 0 /usr/bin/python3 "$srcdir/models/fold-heldout.py" --out "$cw_dir/h.jsonl"
t clauses-heldout-same 0 cmp "$cw_dir/h.jsonl" "$srcdir/corpus/clauses/heldout-1-5.jsonl"
t clauses-heldout-exclude 0 /usr/bin/python3 "$srcdir/models/fold-heldout.py" --exclude 3 \
    --out "$cw_dir/h3.jsonl"
t clauses-heldout-excluded 1 grep -q '"writer": "blind-3"' "$cw_dir/h3.jsonl"
t clauses-heldout-subset-in-corpus 2 /usr/bin/python3 "$srcdir/models/fold-heldout.py" --exclude 3
expect_err clauses-heldout-subset-in-corpus "not the corpus file"
t clauses-heldout-blind 2 /usr/bin/python3 "$srcdir/models/fold-heldout.py" --exclude 6 \
    --out "$cw_dir/h6.jsonl"
expect_err clauses-heldout-blind "not one of the used sets"
t clauses-heldout-bad-arg 2 /usr/bin/python3 "$srcdir/models/fold-heldout.py" 1 2
expect_err clauses-heldout-bad-arg "unknown argument '1'"
rm -rf "$cw_dir"
# tests/heldout/evaluate.py: the verdicts alone (no clause figures) and the mean of reports, as
# models/writers-cv.sh uses them
cw_dir=$(mktemp -d /tmp/fj-cli-writers.XXXXXX)
t heldout-verdicts-only 0 /usr/bin/python3 "$srcdir/tests/heldout/evaluate.py" "$FJ" \
    "$srcdir/tests/heldout/blind-2" --verdicts-only --json "$cw_dir/b2.json"
expect_out heldout-verdicts-only '^\| zh \| [0-9.]+ / [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ / [0-9.]+ \| [0-9]+ / [0-9]+ \(30\) \| [0-9.]+ \|$'
cp /tmp/fj-cli.$$.out "$cw_dir/verdicts.md"
t heldout-no-signals 1 grep -q '^| lang | signal' "$cw_dir/verdicts.md"
t heldout-verdict-rows 0 test "$(grep -c '^| \(zh\|en\) |' "$cw_dir/verdicts.md")" -eq 2
cp "$cw_dir/b2.json" "$cw_dir/b2-again.json"
t heldout-mean 0 /usr/bin/python3 "$srcdir/tests/heldout/evaluate.py" --mean "$cw_dir/b2.json" \
    "$cw_dir/b2-again.json"
expect_out heldout-mean '^\| zh: \*\*mean of 2\*\* \|.*\| [0-9]+\.[0-9] / [0-9]+\.[0-9] \(30\.0\) \|'
cp /tmp/fj-cli.$$.out "$cw_dir/mean.md"
t heldout-mean-rows 0 test "$(grep -c '^| en: b2' "$cw_dir/mean.md")" -eq 2
# the mean of a report and its copy is the report's row
zh_row=$(grep '^| zh: b2.json ' "$cw_dir/mean.md" | cut -d'|' -f3-4)
t heldout-mean-value 0 test "$(grep '^| zh: \*\*mean of 2\*\* ' "$cw_dir/mean.md" | cut -d'|' -f3-4)" = "$zh_row"
t heldout-mean-bad 2 /usr/bin/python3 "$srcdir/tests/heldout/evaluate.py" --mean "$cw_dir/none.json"
expect_err heldout-mean-bad "none.json"
rm -rf "$cw_dir"
