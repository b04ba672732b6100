# Hostile input through the command line: an over-long line, NUL bytes, deep nesting, invalid
# UTF-8 and binary junk in a stream each give an error result naming the limit or the problem,
# and the stream goes on; a corrupted model is refused naming the file. `make check-valgrind`
# runs these under valgrind too (docs/robustness.md).
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
rb_dir=/tmp/fj-cli-robust.$$
mkdir -p "$rb_dir"
rb_model="$rb_dir/model"
"$FJ" train -q --C 1 --folds 2 -o "$rb_model" "$srcdir/tests/data/train/en.jsonl" \
    "$srcdir/tests/data/train/zh.jsonl" >/dev/null 2>&1
t robust-model-trained 0 test -f "$rb_model/manifest.json"

# line 1 fine, 2 over FJ_MAX_POSTING_BYTES, 3 a NUL byte, 4 nested 100000 deep, 5 invalid UTF-8,
# 6 binary junk, 7 (after a blank line) fine
{
    printf '{"id":"first","title":"Bookkeeper","description":"Keep the accounts of a small firm."}\n'
    printf '{"id":"huge","title":"x","description":"'
    head -c 1100000 /dev/zero | tr '\0' 'a'
    printf '"}\n'
    printf '{"id":"nul","title":"a\000b"}\n'
    printf '{"id":"deep","title":"x","extra":'
    head -c 100000 /dev/zero | tr '\0' '['
    printf '\n'
    printf '{"id":"utf8","title":"caf\303 \300\257"}\n'
    printf '\377\376\001\002{"\033[31m\n'
    printf '\n'
    printf '{"id":"last","title":"Nurse","description":"Night shifts on a surgical ward."}\n'
} >"$rb_dir/hostile.jsonl"

t robust-score-stream 0 "$FJ" score --model "$rb_model" "$rb_dir/hostile.jsonl"
expect_out robust-score-first '^\{"id":"first","lang":"en","score":'
expect_out robust-score-huge '"code":"limit".*FJ_MAX_POSTING_BYTES.*"line":2'
expect_out robust-score-nul '^\{"id":null,"error":\{"code":"input",.*NUL.*"line":3'
expect_out robust-score-deep '"code":"limit".*FJ_MAX_JSON_DEPTH.*"line":4'
expect_out robust-score-utf8 '"code":"input".*"field":"title".*"line":5'
expect_out robust-score-junk '"code":"input".*"line":6'
expect_out robust-score-last '^\{"id":"last","lang":"en","score":'
t robust-score-lines 0 test "$(wc -l </tmp/fj-cli.$$.out)" -eq 7
t robust-score-strict 1 "$FJ" score --strict --model "$rb_model" "$rb_dir/hostile.jsonl"

t robust-signals-stream 0 "$FJ" signals "$rb_dir/hostile.jsonl"
t robust-signals-lines 0 test "$(wc -l </tmp/fj-cli.$$.out)" -eq 7
t robust-tokenize-stream 0 "$FJ" tokenize "$rb_dir/hostile.jsonl"
t robust-tokenize-lines 0 test "$(wc -l </tmp/fj-cli.$$.out)" -eq 7

# plain text: a megabyte of one character is one token; one byte more is the limit
head -c 1048576 /dev/zero | tr '\0' 'a' >"$rb_dir/mega.txt"
printf '\n' >>"$rb_dir/mega.txt"
t robust-tokenize-mega 0 "$FJ" tokenize --text "$rb_dir/mega.txt"
t robust-tokenize-mega-one 0 test "$(grep -o '"kind":"word"' /tmp/fj-cli.$$.out | wc -l)" -eq 1

# a corrupted model is refused (exit 4) naming the damaged file
cp -r "$rb_model" "$rb_dir/bad-model"
for f in "$rb_dir"/bad-model/*.weights.tsv; do
    head -c 100 "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done
t robust-corrupt-model 4 "$FJ" score --model "$rb_dir/bad-model" "$rb_dir/hostile.jsonl"
expect_err robust-corrupt-model 'weights\.tsv'
printf '{"format": 99, "kind": "fakejob-model"}' >"$rb_dir/bad-model/manifest.json"
t robust-newer-model 4 "$FJ" score --model "$rb_dir/bad-model" "$rb_dir/hostile.jsonl"
expect_err robust-newer-model 'newer'

rm -rf "$rb_dir"
