# fakejob tokenize: JSON and text output, offsets, fields, plain-text input, error results that
# keep the stream going, exit codes. (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
tk_dir=/tmp/fj-cli-tokenize.$$
mkdir -p "$tk_dir"
cat >"$tk_dir/in.jsonl" <<'JSONL'
{"id":"t1","title":"客服","contact":"ＱＱ：１２３４５６７８９"}
{"id":"t2","title":5}

{"id":"t3","title":"Data Entry","description":"Earn $500/week","salary":"3000-5000"}
JSONL
# line 2 is invalid UTF-8 (a truncated sequence); line 3 is Traditional Chinese (誠聘)
printf 'Earn $500 a day\n\344\270 broken\n\350\252\240\350\201\230 QQ 12345678\n' >"$tk_dir/in.txt"
tk_lines() { wc -l <"/tmp/fj-cli.$$.out" | tr -d ' '; }

t tokenize-help 0 "$FJ" tokenize --help
expect_out tokenize-help "usage: fakejob tokenize"
t tokenize-unknown-flag 2 "$FJ" tokenize --bogus "$tk_dir/in.jsonl"
expect_err tokenize-unknown-flag "unknown option '--bogus'"
t tokenize-bad-format 2 "$FJ" tokenize --format xml "$tk_dir/in.jsonl"
expect_err tokenize-bad-format "json or text"
t tokenize-format-no-value 2 "$FJ" tokenize --format
expect_err tokenize-format-no-value "needs a value"
t tokenize-bad-field 2 "$FJ" tokenize --field nosuch "$tk_dir/in.jsonl"
expect_err tokenize-bad-field "'nosuch' is not a text field"
t tokenize-non-text-field 2 "$FJ" tokenize --field openings "$tk_dir/in.jsonl"

# JSON: one line per input line (blank lines skipped), errors in place, offsets into the field
t tokenize-json 0 "$FJ" tokenize "$tk_dir/in.jsonl"
tk_n=$(tk_lines)
tk_third=$(sed -n 3p "/tmp/fj-cli.$$.out")
expect_out tokenize-json-first '^\{"id":"t1","lang":"zh","tokens":\[\{"text":"客","kind":"word","field":"title","start":0,"end":3\},\{"text":"客服","kind":"bigram","field":"title","start":0,"end":6\}'
expect_out tokenize-json-qq '\{"text":"123456789","kind":"qq","field":"contact","start":9,"end":36\}'
expect_out tokenize-json-error '^\{"id":null,"error":\{"code":"input",.*"field":"title","line":2\}\}$'
expect_out tokenize-json-money '\{"text":"\$500/week","kind":"money","field":"description","start":5,"end":14\}'
expect_out tokenize-json-salary '\{"text":"3000-5000","kind":"money","field":"salary","start":0,"end":9\}'
t tokenize-json-lines 0 test "$tk_n" -eq 3
t tokenize-json-order 0 expr "$tk_third" : '{"id":"t3"'

# stdin, and "-" among files
t tokenize-stdin 0 "$FJ" tokenize <"$tk_dir/in.jsonl"
expect_out tokenize-stdin '"id":"t3"'
t tokenize-dash 0 "$FJ" tokenize - <"$tk_dir/in.jsonl"
expect_out tokenize-dash '"id":"t1"'

# text format: ID TAB LANG TAB tokens
t tokenize-text-format 0 "$FJ" tokenize --format text "$tk_dir/in.jsonl"
expect_out tokenize-text-format '^t1	zh	客 bigram:客服 服 qq qq:123456789$'
expect_out tokenize-text-format '^t3	en	data entri earn money:\$500/week money:3000-5000$'

# one field only
t tokenize-field 0 "$FJ" tokenize --field=salary --format text "$tk_dir/in.jsonl"
expect_out tokenize-field '^t3	en	money:3000-5000$'
expect_out tokenize-field '^t1	zh	$'

# plain text lines: an invalid line is an error result naming the byte, the others go on
t tokenize-plain 0 "$FJ" tokenize --text "$tk_dir/in.txt"
tk_n=$(tk_lines)
expect_out tokenize-plain '^\{"id":null,"line":1,"lang":"en","tokens":\[\{"text":"earn"'
expect_out tokenize-plain '"text":"\$500/day","kind":"money","field":"description","start":5,"end":15'
expect_out tokenize-plain '"code":"input","message":"[^"]*in.txt:2: invalid UTF-8 at byte 0".*"line":2'
expect_out tokenize-plain '^\{"id":null,"line":3,"lang":"zh",.*"text":"诚聘","kind":"bigram","field":"description","start":0,"end":6'
t tokenize-plain-lines 0 test "$tk_n" -eq 3
t tokenize-strict 1 "$FJ" tokenize --text --strict "$tk_dir/in.txt"

# a missing file: reported, the other files still read, exit 3
t tokenize-missing-file 3 "$FJ" tokenize "$tk_dir/nope.jsonl" "$tk_dir/in.jsonl"
expect_err tokenize-missing-file "cannot open '$tk_dir/nope.jsonl'"
expect_out tokenize-missing-file '"id":"t3"'

# the README quick start: the bundled examples tokenize without an error
t tokenize-examples 0 "$FJ" tokenize --strict "$srcdir/examples/postings.jsonl"
expect_out tokenize-examples '"kind":"wechat"'
tk_n=$(grep -c '"tokens":\[{' "/tmp/fj-cli.$$.out")
t tokenize-examples-count 0 test "$tk_n" -ge 5

rm -rf "$tk_dir"
