# Fail safe (issue 18): read errors are not end of input, output errors stop the stream (and the
# history store), posting text is escaped on terminals and stderr, and the rough edges a new user
# hit. (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
fs_dir=/tmp/fj-cli-failsafe.$$
mkdir -p "$fs_dir"
fs_train="$srcdir/tests/data/train"
PY=/usr/bin/python3

# ---- a read error ends the input with exit 3 and the file named, for every reading command ----
for cmd in score signals tokenize eval; do
    t "read-dir-$cmd" 3 "$FJ" "$cmd" "$fs_dir"
    expect_err "read-dir-$cmd" "cannot read '$fs_dir': Is a directory"
    t "read-closed-stdin-$cmd" 3 sh -c "exec \"$FJ\" $cmd <&-"
    expect_err "read-closed-stdin-$cmd" "cannot read '-' \(standard input\)"
done
t read-dir-train 3 "$FJ" train -o "$fs_dir/m" "$fs_dir"
expect_err read-dir-train "cannot read '$fs_dir': Is a directory"
# the postings read before the error are still answered
t read-dir-after-file 3 "$FJ" signals "$fs_train/en.jsonl" "$fs_dir" "$fs_train/zh.jsonl"
t read-dir-after-file-count 0 test "$(grep -c '"signals"' /tmp/fj-cli.$$.out)" -eq 28
# EIO in the middle of a stream (a hung-up terminal): the results so far, then exit 3
if [ -x "$PY" ]; then
    for cmd in score signals tokenize; do
        t "read-eio-$cmd" 0 "$PY" "$srcdir/tests/eio_pty.py" "$fs_dir/eio.out" "$FJ" "$cmd"
        expect_out "read-eio-$cmd" "^3 2$"
        expect_err "read-eio-$cmd" "cannot read '-' \(standard input\): Input/output error"
    done
fi

# ---- an output error stops scoring: the history store holds at most one batch (512) more
# than was delivered ----
# 560 distinct postings (more than one batch of 512): each training posting with 10 different
# numbers in its text
awk '{ for (k = 0; k < 10; k++) { l = $0; sub(/"description":"/, "\"description\":\"" k " " NR " ", l);
       print l } }' "$fs_train/en.jsonl" "$fs_train/zh.jsonl" >"$fs_dir/many.jsonl"
fs_sightings() {
    "$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from sightings").fetchone()[0])' "$1"
}
t hist-full-run 0 "$FJ" score -q --history "$fs_dir/ok.db" "$fs_dir/many.jsonl"
t hist-full-run-count 0 test "$(fs_sightings "$fs_dir/ok.db")" -eq 560
if [ -w /dev/full ]; then
    t hist-dev-full 3 sh -c "\"$FJ\" score --history \"$fs_dir/full.db\" \"$fs_dir/many.jsonl\" >/dev/full"
    expect_err hist-dev-full "cannot write the results \(stopped after 512 postings\): No space left"
    t hist-dev-full-count 0 test "$(fs_sightings "$fs_dir/full.db")" -le 512
    t eval-dev-full 3 sh -c "\"$FJ\" eval \"$fs_train/en.jsonl\" >/dev/full"
    expect_err eval-dev-full "cannot write the metrics: No space left"
    t signals-dev-full 3 sh -c "\"$FJ\" signals --history \"$fs_dir/sig.db\" \"$fs_dir/many.jsonl\" >/dev/full"
    expect_err signals-dev-full "cannot write the output: No space left"
    t signals-dev-full-count 0 test "$(fs_sightings "$fs_dir/sig.db")" -le 1
    t tokenize-dev-full 3 sh -c "\"$FJ\" tokenize \"$fs_dir/many.jsonl\" >/dev/full"
fi
# a reader that goes away: the first batch's write fails (SIGPIPE), the second is not recorded
sh -c "\"$FJ\" score --history \"$fs_dir/pipe.db\" \"$fs_dir/many.jsonl\" | head -c 100 >/dev/null"
t hist-broken-pipe-count 0 test "$(fs_sightings "$fs_dir/pipe.db")" -le 512

# ---- posting text never reaches a terminal raw ----
esc=$(printf '\033')
rlo=$(printf '\342\200\256') # U+202E RIGHT-TO-LEFT OVERRIDE
c1=$(printf '\302\233')      # U+009B CSI
cat >"$fs_dir/hostile.jsonl" <<'JSONL'
{"id":"\u001b]0;pwned\u0007x","title":"在家打字员","description":"日结300元，入职前需缴纳培训费\u001b[2J198元\u202e，加QQ\u009b123456789","contact":"QQ 1987654321"}
{"id":"bidi\u202egnp.exe","title":"Typist\u007f","description":"Typing at home \u001b[31m, pay a $50 starter kit fee first."}
JSONL
t escape-table 0 "$FJ" score --format table "$fs_dir/hostile.jsonl"
expect_out escape-table '^\\x1b\]0;pwned\\x07 +zh'
expect_out escape-table '^bidi\\u202egnp\.ex '
cp /tmp/fj-cli.$$.out "$fs_dir/table.out"
t escape-table-no-esc 1 grep -q "$esc" "$fs_dir/table.out"
t escape-table-no-bidi 1 grep -q "$rlo" "$fs_dir/table.out"
t escape-table-no-c1 1 grep -q "$c1" "$fs_dir/table.out"
t escape-tokenize 0 "$FJ" tokenize --format text "$fs_dir/hostile.jsonl"
expect_out escape-tokenize '^\\x1b\]0;pwned\\x07x	'
cp /tmp/fj-cli.$$.out "$fs_dir/tok.out"
t escape-tokenize-no-esc 1 grep -q "$esc" "$fs_dir/tok.out"
t escape-tokenize-no-bidi 1 grep -q "$rlo" "$fs_dir/tok.out"
# JSON output (score in a pipe, signals, tokenize) escapes them as \uXXXX: the same JSON values
for cmd in score signals tokenize; do
    t "escape-json-$cmd" 0 "$FJ" "$cmd" "$fs_dir/hostile.jsonl"
    expect_out "escape-json-$cmd" '\\u202e'
    cp /tmp/fj-cli.$$.out "$fs_dir/json.out"
    t "escape-json-$cmd-no-esc" 1 grep -q "$esc" "$fs_dir/json.out"
    t "escape-json-$cmd-no-bidi" 1 grep -q "$rlo" "$fs_dir/json.out"
    t "escape-json-$cmd-no-c1" 1 grep -q "$c1" "$fs_dir/json.out"
done
t escape-json-same-value 0 "$PY" -c 'import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8")]
assert ids[1] == "bidi\u202egnp.exe", ids' "$fs_dir/json.out"
# messages on stderr: a file name (or anything quoted) is escaped too
t escape-stderr 3 "$FJ" signals "$fs_dir/no${esc}]0;x$(printf '\007')such"
expect_err escape-stderr "no\\\\x1b\]0;x\\\\x07such"
cp /tmp/fj-cli.$$.err "$fs_dir/stderr.out"
t escape-stderr-no-esc 1 grep -q "$esc" "$fs_dir/stderr.out"
# the table is cut to the terminal's width (COLUMNS when not on a terminal)
fs_width() { # the widest line of a file, in display columns
    "$PY" -c 'import sys, unicodedata
print(max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$1"
}
COLUMNS=60 "$FJ" score --format table "$fs_train/zh.jsonl" "$fs_train/en.jsonl" >"$fs_dir/t60" 2>/dev/null
t table-width-60 0 test "$(fs_width "$fs_dir/t60")" -le 60
t table-width-60-used 0 test "$(fs_width "$fs_dir/t60")" -ge 55
env -u COLUMNS "$FJ" score --format table "$fs_train/zh.jsonl" >"$fs_dir/tnone" 2>/dev/null
t table-width-unlimited 0 test "$(fs_width "$fs_dir/tnone")" -gt 60
if script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "stty cols 50; \"$FJ\" score \"$fs_train/en.jsonl\"" /dev/null | tr -d '\r' >"$fs_dir/tty50"
    t table-tty-width 0 test "$(fs_width "$fs_dir/tty50")" -le 50
    t table-tty-is-table 0 grep -q '^ID  *LANG  *SCORE' "$fs_dir/tty50"
fi

# ---- input edges ----
printf '\357\273\277%s\n' '{"id":"bom","title":"Clerk","description":"Filing."}' >"$fs_dir/bom.jsonl"
t bom-score 0 "$FJ" score --strict "$fs_dir/bom.jsonl"
expect_out bom-score '^\{"id":"bom","lang":"en"'
{ printf '\357\273\277'; cat "$fs_train/en.jsonl" "$fs_train/zh.jsonl"; } >"$fs_dir/bom-corpus.jsonl"
t bom-train 0 "$FJ" train -q --C 1 --folds 2 -o "$fs_dir/bom-model" "$fs_dir/bom-corpus.jsonl"
printf '%s\n' '{"title":"Clerk","description":"Filing.","label":"legit"}' \
    '{"title":"Typist","description":"Typing.","label":"spam"}' >"$fs_dir/badlabel.jsonl"
t label-train 1 "$FJ" train -q -o "$fs_dir/m" "$fs_dir/badlabel.jsonl"
expect_err label-train "badlabel.jsonl:2: field 'label' must be \"fraud\" or \"legit\""
t label-eval 1 "$FJ" eval "$fs_dir/badlabel.jsonl"
expect_err label-eval "badlabel.jsonl:2: field 'label' must be \"fraud\" or \"legit\""
printf '%s\n' '{"id":"n","title":"a\u0000b"}' '{"id":"o","title":"x","openings":1.5}' >"$fs_dir/edge.jsonl"
t nul-field 0 "$FJ" signals "$fs_dir/edge.jsonl"
expect_out nul-field "\"message\":\"[^\"]*field 'title' contains a NUL character[^}]*\"field\":\"title\""
t nul-no-jansson 1 grep -q JSON_ALLOW_NUL /tmp/fj-cli.$$.out
t openings 0 "$FJ" signals "$fs_dir/edge.jsonl"
expect_out openings-whole "field 'openings' must be a whole number of 0 or more, not 1.5"
t openings-not-a-number 1 grep -q "not a number" /tmp/fj-cli.$$.out

# ---- rough edges ----
t help-score 0 "$FJ" help score
expect_out help-score "^usage: fakejob score"
t help-unknown 2 "$FJ" help frobnicate
t plot-png 2 "$FJ" eval --plot "$fs_dir/p.png" "$fs_train/en.jsonl"
expect_err plot-png "name ending in .svg"
t plot-png-not-written 1 test -e "$fs_dir/p.png"
t plot-unwritable 3 "$FJ" eval --plot /nonexistent/dir/p.svg "$fs_train/en.jsonl"
expect_err plot-unwritable "cannot write '/nonexistent/dir/p.svg'"
t plot-unwritable-no-metrics 0 test ! -s /tmp/fj-cli.$$.out
t plot-svg 0 "$FJ" eval --plot "$fs_dir/p.svg" --scores "$fs_dir/s.jsonl" "$fs_train/en.jsonl"
t plot-svg-written 0 grep -q '<svg' "$fs_dir/p.svg"
t plot-no-temporaries 0 test -z "$(ls "$fs_dir" | grep '\.tmp\.')"
t eval-scores-labels 0 grep -Eq '"label":"fraud"' "$fs_dir/s.jsonl"
t eval-scores-labels-legit 0 grep -Eq '"label":"legit"' "$fs_dir/s.jsonl"
t eval-scores-no-01 1 grep -Eq '"label":[01]' "$fs_dir/s.jsonl"
t min-df-case 0 "$FJ" train -q --C 1 --folds 2 --min-df EN:3 --max-features ZH:500 -o "$fs_dir/m2" \
    "$fs_train/en.jsonl" "$fs_train/zh.jsonl"
t min-df-bad-lang 2 "$FJ" train -q --min-df fr:3 -o "$fs_dir/m3" "$fs_train/en.jsonl"
# progress: nothing in a pipe, one rewritten line on a terminal, a line per step with -v
t progress-pipe 0 "$FJ" train --C 1 --folds 2 -o "$fs_dir/m4" "$fs_train/en.jsonl" "$fs_train/zh.jsonl"
t progress-pipe-quiet 0 test ! -s /tmp/fj-cli.$$.err
t progress-verbose 0 "$FJ" train -v --C 1 --folds 2 -o "$fs_dir/m4" "$fs_train/en.jsonl" "$fs_train/zh.jsonl"
t progress-verbose-lines 0 test "$(wc -l </tmp/fj-cli.$$.err)" -gt 10
if script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "\"$FJ\" train --C 1 --folds 2 -o \"$fs_dir/m5\" \"$fs_train/en.jsonl\" \"$fs_train/zh.jsonl\"" \
        /dev/null >"$fs_dir/tty-progress" 2>&1
    # one line on screen at the end: "wrote ..."; the steps rewrote one line (\r, erase)
    t progress-tty-one-line 0 test "$(tr -d '\r' <"$fs_dir/tty-progress" | wc -l)" -eq 1
    t progress-tty-rewritten 0 test "$(tr '\r' '\n' <"$fs_dir/tty-progress" | grep -c 'fakejob train: ')" -gt 10
    t progress-tty-wrote 0 grep -q "wrote fakejob 1.0.0 to" "$fs_dir/tty-progress"
fi
# score uses every CPU by default (like train and score_many), and the order is kept
t score-threads-default 0 "$FJ" score --help
expect_out score-threads-default "--threads N +worker threads \(default 0: one per CPU\)"
"$FJ" score --threads 1 "$fs_train/en.jsonl" "$fs_train/zh.jsonl" >"$fs_dir/one.jsonl" 2>/dev/null
"$FJ" score "$fs_train/en.jsonl" "$fs_train/zh.jsonl" >"$fs_dir/all.jsonl" 2>/dev/null
t score-threads-same 0 cmp -s "$fs_dir/one.jsonl" "$fs_dir/all.jsonl"

rm -rf "$fs_dir"
