# fakejob import: EMSCAD / ORFD CSV to corpus JSONL (tests/data/import holds hand-written CSVs in
# the two layouts). Sourced by tests/cli.sh.
imp_dir="$srcdir/tests/data/import"
imp_tmp=$(mktemp -d "${TMPDIR:-/tmp}/fj-import.XXXXXX")
lines() { grep -c . "$1" 2>/dev/null || true; } # lines of a file

# EMSCAD: row 103 has no label (skipped), row 104 (line 6) has 4 columns: exit 1, the rest written
t import-emscad 1 "$FJ" import emscad "$imp_dir/emscad-small.csv"
expect_out import-emscad-first '^\{"id":"emscad-101","lang":"en","title":"Warehouse Associate"'
expect_out import-emscad-fraud '"id":"emscad-102".*"label":"fraud".*"telecommuting":true'
expect_out import-emscad-after-bad-row '"id":"emscad-105"'
expect_err import-emscad-line 'emscad-small\.csv: line 6: 4 fields where the header has 18'
expect_err import-emscad-counts '5 rows read: 3 written, 1 skipped \(no usable label\), 1 malformed'
[ "$(lines /tmp/fj-cli.$$.out)" = 3 ] && passes=$((passes + 1)) ||
    { echo "FAIL: import-emscad: expected 3 postings"; fails=$((fails + 1)); }

t import-strict 1 "$FJ" import emscad --strict "$imp_dir/emscad-small.csv"
[ "$(lines /tmp/fj-cli.$$.out)" = 2 ] && passes=$((passes + 1)) ||
    { echo "FAIL: import-strict: expected to stop after 2 postings"; fails=$((fails + 1)); }

t import-keep-unlabelled 1 "$FJ" import emscad --keep-unlabelled -q "$imp_dir/emscad-small.csv"
expect_out import-keep-unlabelled '"id":"emscad-103"'
[ -s /tmp/fj-cli.$$.err ] && grep -q 'rows read' /tmp/fj-cli.$$.err &&
    { echo "FAIL: import -q still prints counts"; fails=$((fails + 1)); } || passes=$((passes + 1))

# ORFD (BOM, CRLF, multi-line field; labels 1 11 0 0.5 legit/fraud, 2 and empty skipped, junk)
t import-orfd 1 "$FJ" import orfd "$imp_dir/orfd-small.csv" -o "$imp_tmp/orfd.jsonl"
expect_err import-orfd-counts '7 rows read: 4 written, 2 skipped \(no usable label\), 1 malformed'
expect_err import-orfd-line "orfd-small\.csv: line 9: column 'Real/Fake'"
[ "$(lines "$imp_tmp/orfd.jsonl")" = 4 ] && [ ! -s /tmp/fj-cli.$$.out ] && passes=$((passes + 1)) ||
    { echo "FAIL: import -o: expected 4 postings in the file and nothing on stdout"; fails=$((fails + 1)); }
grep -q '"id":"orfd-9003".*"label":"fraud"' "$imp_tmp/orfd.jsonl" && passes=$((passes + 1)) ||
    { echo "FAIL: import-orfd: 0.5 should be fraud"; fails=$((fails + 1)); }
t import-orfd-stdin 1 sh -c "\"$FJ\" import orfd --keep-unlabelled - < \"$imp_dir/orfd-small.csv\""
expect_out import-orfd-stdin '"id":"orfd-9005"'
expect_err import-orfd-stdin '<stdin>: 7 rows read: 6 written, 0 skipped'

# a clean file exits 0; the output is a corpus the posting parser reads back
printf 'job_id,title,description,fraudulent\r\n1,Clerk,"Files, ""records""\r\nand mail",0\r\n2,Typist,Pay a fee first,1\r\n' \
    > "$imp_tmp/clean.csv"
t import-clean 0 "$FJ" import emscad "$imp_tmp/clean.csv"
expect_out import-clean '"description":"Files, \\"records\\"\\nand mail"'

# errors: the wrong layout, unreadable input, unwritable output, bad usage
t import-wrong-layout 1 "$FJ" import emscad "$imp_dir/orfd-small.csv"
expect_err import-wrong-layout "not an EMSCAD CSV: the header has no column 'job_id'"
t import-missing-file 3 "$FJ" import orfd "$imp_tmp/none.csv"
expect_err import-missing-file "cannot open '.*none\.csv'"
t import-unwritable 3 "$FJ" import emscad -o "$imp_tmp/no/such/dir/x.jsonl" "$imp_tmp/clean.csv"
t import-no-format 2 "$FJ" import
t import-bad-format 2 "$FJ" import kaggle "$imp_tmp/clean.csv"
expect_err import-bad-format "unknown format 'kaggle'"
t import-no-file 2 "$FJ" import emscad
t import-bad-flag 2 "$FJ" import emscad --frobnicate "$imp_tmp/clean.csv"
t import-o-no-value 2 "$FJ" import emscad "$imp_tmp/clean.csv" -o
t import-help 0 "$FJ" import --help
expect_out import-help "usage: fakejob import emscad\|orfd"

rm -rf "$imp_tmp"
