# fakejob signals: one JSON object per posting in input order, evidence quoted from the input,
# error results that keep the stream going, --now, --list, --strict, exit codes.
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
sg_dir=/tmp/fj-cli-signals.$$
mkdir -p "$sg_dir"
cat >"$sg_dir/in.jsonl" <<'JSONL'
{"id":"s1","title":"客服","company":"上海明澜网络科技有限公司","description":"入职前需缴纳培训费198元，加我微信详聊。","posted_at":"2025-01-01"}
{"id":"s2","title":5}

{"id":"s3","title":"Accountant","company":"Marlow Analytics Ltd","description":"We never charge applicants any fee.","has_company_logo":true}
{"id":"s4","title":"x","description":"y","response_rate":"high"}
JSONL
printf '{"id":"s5","title":"\344\270"}\n' >"$sg_dir/bad-utf8.jsonl"
sg_lines() { wc -l <"/tmp/fj-cli.$$.out" | tr -d ' '; }

t signals-help 0 "$FJ" signals --help
expect_out signals-help "usage: fakejob signals"
t signals-unknown-flag 2 "$FJ" signals --bogus "$sg_dir/in.jsonl"
expect_err signals-unknown-flag "unknown option '--bogus'"
t signals-now-no-value 2 "$FJ" signals --now
expect_err signals-now-no-value "needs a value"
t signals-now-bad 2 "$FJ" signals --now yesterday "$sg_dir/in.jsonl"
expect_err signals-now-bad "ISO 8601"
t signals-missing-file 3 "$FJ" signals "$sg_dir/nonexistent.jsonl"
expect_err signals-missing-file "cannot open"

t signals-list 0 "$FJ" signals --list
expect_out signals-list '^upfront_fee$'
expect_out signals-list '^repost_companies$'
sg_n=$(sg_lines)
t signals-list-count 0 test "$sg_n" -ge 9

# one line per posting (blank line skipped), errors in place, the stream goes on
t signals-run 0 "$FJ" signals --now 2025-03-01 "$sg_dir/in.jsonl"
sg_n=$(sg_lines)
sg_s3=$(sed -n 3p "/tmp/fj-cli.$$.out")
expect_out signals-fee '^\{"id":"s1","lang":"zh","signals":\[\{"signal":"upfront_fee","value":1,"evidence":"入职前需缴纳培训费198元","field":"description"\}'
expect_out signals-contact '\{"signal":"offsite_contact","value":1,"evidence":"加我微信详聊","field":"description"\}'
expect_out signals-age '\{"signal":"posting_age_days","value":59\}'
expect_out signals-error '^\{"id":null,"error":\{"code":"input",.*"field":"title","line":2\}\}$'
expect_out signals-negated '^\{"id":"s3","lang":"en","signals":\[\{"signal":"short_profile","value":1\}'
expect_out signals-bad-type '^\{"id":null,"error":\{"code":"input",.*"field":"response_rate","line":5\}\}$'
t signals-run-lines 0 test "$sg_n" -eq 4
t signals-negated-no-fee 1 expr "$sg_s3" : '.*upfront_fee'
t signals-order 0 expr "$sg_s3" : '{"id":"s3"'

# invalid UTF-8 is an error result naming the field; --strict turns it into exit 1
t signals-bad-utf8 0 "$FJ" signals "$sg_dir/bad-utf8.jsonl"
expect_out signals-bad-utf8 '"code":"input".*"field":"title"'
t signals-strict 1 "$FJ" signals --strict "$sg_dir/in.jsonl"
sg_n=$(sg_lines)
t signals-strict-stops 0 test "$sg_n" -eq 2

# standard input, and "-"
t signals-stdin 0 sh -c "\"$FJ\" signals --now 2025-03-01 <\"$sg_dir/in.jsonl\""
expect_out signals-stdin '"id":"s3"'
t signals-dash 0 sh -c "\"$FJ\" signals - <\"$sg_dir/bad-utf8.jsonl\""
expect_out signals-dash '"code":"input"'

# the hand-written cases of the unit tests run through the CLI too
t signals-cases 0 "$FJ" signals --now 2025-03-01 "$srcdir/tests/data/signals/fire.jsonl" \
    "$srcdir/tests/data/signals/nearmiss.jsonl"
expect_out signals-cases-traditional '"id":"zh-fee-traditional".*"signal":"upfront_fee","value":2'
t signals-cases-no-errors 1 grep -q '"error"' "/tmp/fj-cli.$$.out"

rm -rf "$sg_dir"
