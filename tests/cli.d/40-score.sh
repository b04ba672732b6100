# fakejob score: one result per line in input order, error results, table, exit codes.
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
sc_dir=/tmp/fj-cli-score.$$
mkdir -p "$sc_dir"
sc_model="$sc_dir/model"
"$FJ" train -q --C 1 -o "$sc_model" "$srcdir"/tests/data/train/*.jsonl >/dev/null 2>&1
t score-model-trained 0 test -f "$sc_model/manifest.json"
cat >"$sc_dir/in.jsonl" <<'JSONL'
{"id":"s1","title":"在家打字员 日结","description":"手机打字，日结300元。入职前需缴纳培训费168元和押金，名额有限。","contact":"QQ 1987654321"}
this is not json

{"id":"s3","title":"Accounts Payable Clerk","company":"Riverside Medical Group","description":"Process vendor invoices and reconcile statements with the finance team. You will match purchase orders, answer supplier questions and help close the books each month.","location":"Dayton, OH","employment_type":"Full-time"}
{"id":"s4","company":"no title nor description"}
JSONL

t score-help 0 "$FJ" score --help
expect_out score-help "usage: fakejob score"
t score-unknown-flag 2 "$FJ" score --bogus
expect_err score-unknown-flag "unknown option '--bogus'"
t score-missing-value 2 "$FJ" score --model
expect_err score-missing-value "--model needs a value"
t score-bad-threshold 2 "$FJ" score --model "$sc_model" --threshold-fraud 1.5
t score-thresholds-inverted 2 "$FJ" score --model "$sc_model" --threshold-fraud 0.3 \
    --threshold-suspicious 0.6
t score-bad-format 2 "$FJ" score --model "$sc_model" --format xml
t score-bad-model 4 "$FJ" score --model /nonexistent/fakejob-model "$sc_dir/in.jsonl"
expect_err score-bad-model "/nonexistent/fakejob-model"

t score-file 0 "$FJ" score --model "$sc_model" "$sc_dir/in.jsonl"
"$FJ" score --model "$sc_model" "$sc_dir/in.jsonl" >"$sc_dir/out.jsonl" 2>/dev/null
sed 's/"score":[^,]*,//' "$sc_dir/out.jsonl" >"$sc_dir/nos.jsonl"
# one line per non-blank input line, in input order
t score-order 0 sh -c "sed -n 's/^{\"id\":\\([^,]*\\),.*/\\1/p' \"$sc_dir/out.jsonl\" | tr '\\n' ' ' \
    | grep -qx '\"s1\" null \"s3\" \"s4\" '"
t score-line-count 0 test "$(wc -l <"$sc_dir/out.jsonl")" -eq 4
t score-fields 0 grep -Eq '^\{"id":"s1","lang":"zh","score":0\.[0-9]+,"verdict":"(fraud|suspicious)","margin":[-0-9.e]+,"reasons":\[\{"signal":' "$sc_dir/out.jsonl"
t score-en-legit 0 grep -Eq '^\{"id":"s3","lang":"en",.*"verdict":"legit"' "$sc_dir/out.jsonl"
t score-error-result 0 grep -Eq '^\{"id":null,"error":\{"code":"input",.*"line":2' "$sc_dir/out.jsonl"
t score-error-field 0 grep -Eq '^\{"id":"s4","error":\{"code":"input",.*"field":"title"' "$sc_dir/out.jsonl"
t score-model-name 0 grep -q '"model":"fakejob 1.0.0"' "$sc_dir/out.jsonl"
t score-evidence 0 grep -q '"evidence":"' "$sc_dir/out.jsonl"
# every reason (and every item of a missing_information reason) has a label "中文 / English"
t score-labels 0 test "$(grep -o '"signal":"[^"]*"' "$sc_dir/out.jsonl" | wc -l)" -eq \
    "$(grep -o '"signal":"[^"]*","label":"[^"]* / [^"]*"' "$sc_dir/out.jsonl" | wc -l)"
t score-labels-some 0 grep -q '"label":"' "$sc_dir/out.jsonl"
t score-strict 1 "$FJ" score --strict --model "$sc_model" "$sc_dir/in.jsonl"
# from standard input: the same results (error messages name "-" instead of the file)
t score-stdin 0 sh -c "\"$FJ\" score --model \"$sc_model\" <\"$sc_dir/in.jsonl\" | sed 's#\"-:#\"$sc_dir/in.jsonl:#' | cmp -s - \"$sc_dir/out.jsonl\""
t score-env-model 0 sh -c "FAKEJOB_MODEL=\"$sc_model\" \"$FJ\" score \"$sc_dir/in.jsonl\" | cmp -s - \"$sc_dir/out.jsonl\""
t score-missing-file 3 "$FJ" score --model "$sc_model" /nonexistent/in.jsonl "$sc_dir/in.jsonl"
expect_out score-missing-file '"id":"s3"'
t score-table 0 "$FJ" score --model "$sc_model" --format table "$sc_dir/in.jsonl"
expect_out score-table "^ID +LANG +SCORE +VERDICT +REASONS"
expect_out score-table "^s3 +en +0\.[0-9]+ +legit"
# the table gives each reason's label in the posting's language
expect_out score-table "^s1 +zh +0\.[0-9]+ +[a-z]+ +[^ -~]"
expect_out score-table "^s3 +en +0\.[0-9]+ +legit +[A-Z][a-z]+ "
"$FJ" score --model "$sc_model" --threshold-fraud 0 --threshold-suspicious 0 \
    "$sc_dir/in.jsonl" >"$sc_dir/override.jsonl" 2>/dev/null
t score-override-no-legit 1 grep -q '"verdict":"legit"' "$sc_dir/override.jsonl"
t score-override-fraud 0 grep -q '"id":"s3".*"verdict":"fraud"' "$sc_dir/override.jsonl"
# --prior: the score moves to the given fraud rate, the verdict and margin stay
t score-prior-bad 2 "$FJ" score --model "$sc_model" --prior 1 "$sc_dir/in.jsonl"
expect_err score-prior-bad "--prior takes a fraud rate"
t score-prior-zero 2 "$FJ" score --model "$sc_model" --prior 0 "$sc_dir/in.jsonl"
"$FJ" score --model "$sc_model" --prior 0.001 "$sc_dir/in.jsonl" >"$sc_dir/prior.jsonl" 2>/dev/null
sc_score() { sed -n "s/^{\"id\":\"$2\".*\"score\":\([^,]*\),.*/\1/p" "$1"; }
sc_lower() { awk -v a="$(sc_score "$1" "$3")" -v b="$(sc_score "$2" "$3")" \
    'BEGIN { exit !(a != "" && b != "" && a + 0 < b + 0) }'; }
t score-prior-lower 0 sc_lower "$sc_dir/prior.jsonl" "$sc_dir/out.jsonl" s1
t score-prior-lower-legit 0 sc_lower "$sc_dir/prior.jsonl" "$sc_dir/out.jsonl" s3
t score-prior-same-verdicts 0 sh -c "sed 's/\"score\":[^,]*,//' \"$sc_dir/prior.jsonl\" | cmp -s - \"$sc_dir/nos.jsonl\""
# too little text to judge
t score-insufficient 0 sh -c "echo '{\"id\":\"short\",\"title\":\"ok\"}' | \"$FJ\" score --model \"$sc_model\" | grep -q '\"verdict\":\"insufficient\"'"
t score-no-reasons 0 "$FJ" score --model "$sc_model" --reasons 0 "$sc_dir/in.jsonl"
expect_out score-no-reasons '"reasons":\[\]'
# a history store counts reposts across runs
t score-history 0 "$FJ" score --model "$sc_model" --history "$sc_dir/hist.db" \
    "$srcdir/tests/data/train/reposts.jsonl"
t score-history-file 0 test -s "$sc_dir/hist.db"
t score-history-bad 3 "$FJ" score --model "$sc_model" --history /nonexistent/dir/h.db \
    "$sc_dir/in.jsonl"
# --threads: the same lines whatever the number of threads, chunk after chunk (contexts reused)
for i in $(seq 1 150); do sed "s/\"id\":\"s\([0-9]\)\"/\"id\":\"s\1-$i\"/" "$sc_dir/in.jsonl"; done \
    >"$sc_dir/many.jsonl"
"$FJ" score -q --model "$sc_model" --threads 1 "$sc_dir/many.jsonl" >"$sc_dir/t1.jsonl"
"$FJ" score -q --model "$sc_model" --threads 2 "$sc_dir/many.jsonl" >"$sc_dir/t2.jsonl"
"$FJ" score -q --model "$sc_model" --threads 0 "$sc_dir/many.jsonl" >"$sc_dir/t0.jsonl"
t score-threads-lines 0 test "$(wc -l <"$sc_dir/t1.jsonl")" -eq 600
t score-threads-distinct-ids 0 test "$(grep -c '"id":"s3-150"' "$sc_dir/t1.jsonl")" -eq 1
t score-threads-1-vs-2 0 cmp "$sc_dir/t1.jsonl" "$sc_dir/t2.jsonl"
t score-threads-1-vs-all 0 cmp "$sc_dir/t1.jsonl" "$sc_dir/t0.jsonl"
t score-threads-bad 2 "$FJ" score --model "$sc_model" --threads -1 "$sc_dir/in.jsonl"
# through a pipe, line by line: the same results (error messages name "-" for the file)
cat "$sc_dir/many.jsonl" | "$FJ" score -q --model "$sc_model" --threads 2 \
    | sed "s|\"-:|\"$sc_dir/many.jsonl:|" >"$sc_dir/pipe.jsonl"
t score-pipe-same 0 cmp "$sc_dir/t1.jsonl" "$sc_dir/pipe.jsonl"
rm -rf "$sc_dir"
