# fakejob train-signals / eval-signals: a small clause file trains detectors that are written,
# read back and evaluated (title_duty_mismatch's classes, untrained without clauses labelled for
# them, and trained with them); bad "classes", bad flags, missing and corrupted files give the documented exit codes.
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
ts_dir=/tmp/fj-cli-train-signals.$$
mkdir -p "$ts_dir"
{
    for i in 1 2 3 4; do
        echo "{\"id\":\"zf$i\",\"lang\":\"zh\",\"text\":\"入职前需缴纳培训费${i}98元\",\"labels\":[\"upfront_fee\"],\"kind\":\"fee$i\"}"
        echo "{\"id\":\"zp$i\",\"lang\":\"zh\",\"text\":\"请把身份证正反面照片和银行卡号发我${i}\",\"labels\":[\"personal_data\"],\"kind\":\"id$i\"}"
        echo "{\"id\":\"zc$i\",\"lang\":\"zh\",\"text\":\"加我微信abc_${i}23详聊\",\"labels\":[\"offsite_contact\"],\"kind\":\"wx$i\"}"
        echo "{\"id\":\"zn$i\",\"lang\":\"zh\",\"text\":\"公司不收取任何费用，工作地点在上海${i}号\",\"labels\":[],\"kind\":\"neg$i\"}"
        echo "{\"id\":\"ef$i\",\"lang\":\"en\",\"text\":\"You must pay a \$${i}9 registration fee before training\",\"labels\":[\"upfront_fee\"],\"kind\":\"fee$i\"}"
        echo "{\"id\":\"ep$i\",\"lang\":\"en\",\"text\":\"Send your social security number and bank login ${i}\",\"labels\":[\"personal_data\"],\"kind\":\"id$i\"}"
        echo "{\"id\":\"ec$i\",\"lang\":\"en\",\"text\":\"Text me on WhatsApp at +1 555 010 ${i}234\",\"labels\":[\"offsite_contact\"],\"kind\":\"wa$i\"}"
        echo "{\"id\":\"en$i\",\"lang\":\"en\",\"text\":\"We never charge applicants; the office is on floor ${i}\",\"labels\":[],\"kind\":\"neg$i\"}"
    done
} >"$ts_dir/clauses.jsonl"

t train-signals-help 0 "$FJ" train-signals --help
expect_out train-signals-help "usage: fakejob train-signals"
t train-signals-no-output 2 "$FJ" train-signals "$ts_dir/clauses.jsonl"
expect_err train-signals-no-output "needs -o FILE"
t train-signals-bad-fpr 2 "$FJ" train-signals -o "$ts_dir/d.fjd" --target-fpr 2 "$ts_dir/clauses.jsonl"
expect_err train-signals-bad-fpr "target-fpr"
t train-signals-bad-folds 2 "$FJ" train-signals -o "$ts_dir/d.fjd" --folds 1 "$ts_dir/clauses.jsonl"
t train-signals-bad-fpr-by 2 "$FJ" train-signals -o "$ts_dir/d.fjd" \
    --target-fpr-by zh:upfront_fee=0.02,xx:personal_data=0.01 "$ts_dir/clauses.jsonl"
expect_err train-signals-bad-fpr-by "bad target_fpr_by item 'xx:personal_data=0.01'"
t train-signals-bad-fpr-by-value 2 "$FJ" train-signals -o "$ts_dir/d.fjd" \
    --target-fpr-by en:offsite_contact=1.5 "$ts_dir/clauses.jsonl"
expect_err train-signals-bad-fpr-by-value "en:offsite_contact=1.5"
t train-signals-fpr-by-twice 2 "$FJ" train-signals -o "$ts_dir/d.fjd" \
    --target-fpr-by zh:upfront_fee=0.02 --target-fpr-by en:upfront_fee=0.02 "$ts_dir/clauses.jsonl"
expect_err train-signals-fpr-by-twice "given twice"
t train-signals-missing 3 "$FJ" train-signals -o "$ts_dir/d.fjd" "$ts_dir/nonexistent.jsonl"
expect_err train-signals-missing "nonexistent.jsonl: cannot open"
printf '{"lang":"zh","text":"x","labels":["bogus"]}\n' >"$ts_dir/badlabel.jsonl"
t train-signals-bad-label 1 "$FJ" train-signals -o "$ts_dir/d.fjd" "$ts_dir/badlabel.jsonl"
expect_err train-signals-bad-label "badlabel.jsonl:1: unknown label"

# trains, writes the file, prints the report; deterministic
t train-signals-run 0 "$FJ" train-signals --folds 2 -o "$ts_dir/d.fjd" "$ts_dir/clauses.jsonl"
expect_out train-signals-run '"lang":"zh","signal":"upfront_fee"'
expect_out train-signals-run '"lang":"en","signal":"offsite_contact"'
# no clause is labelled for title_duty_mismatch's classes: they are left untrained, and say so
expect_out train-signals-run '"lang":"zh","signal":"sales_duty","clauses":0,"trained":false'
expect_out train-signals-run '"lang":"en","signal":"office_title","clauses":0,"trained":false'
t train-signals-again 0 "$FJ" train-signals --folds 2 -o "$ts_dir/d2.fjd" "$ts_dir/clauses.jsonl"
t train-signals-deterministic 0 cmp "$ts_dir/d.fjd" "$ts_dir/d2.fjd"
# per language and signal targets reach the report; the others keep --target-fpr
t train-signals-fpr-by 0 "$FJ" train-signals --folds 2 --target-fpr 0.2 \
    --target-fpr-by zh:personal_data=0.05,en:upfront_fee=0.1 -o "$ts_dir/d3.fjd" "$ts_dir/clauses.jsonl"
expect_out train-signals-fpr-by '"lang":"zh","signal":"personal_data","clauses":16,"positives":4,"C":[0-9.]*,"target_fpr":0.05,'
expect_out train-signals-fpr-by '"lang":"en","signal":"upfront_fee","clauses":16,"positives":4,"C":[0-9.]*,"target_fpr":0.1,'
expect_out train-signals-fpr-by '"lang":"zh","signal":"upfront_fee","clauses":16,"positives":4,"C":[0-9.]*,"target_fpr":0.2,'


# title_duty_mismatch's classes: clauses labelled for them ("classes") train them too
{
    cat "$ts_dir/clauses.jsonl"
    for i in 1 2 3; do
        c='"classes":["sales_duty","office_title"]'
        echo "{\"lang\":\"zh\",\"text\":\"每天给客户打电话推销贷款产品${i}\",\"labels\":[\"sales_duty\"],\"kind\":\"ds$i\",$c}"
        echo "{\"lang\":\"zh\",\"text\":\"负责文件整理和会议安排${i}\",\"labels\":[],\"kind\":\"dn$i\",$c}"
        echo "{\"lang\":\"zh\",\"text\":\"行政文员${i}\",\"labels\":[\"office_title\"],\"kind\":\"to$i\",$c}"
        echo "{\"lang\":\"zh\",\"text\":\"保险销售顾问${i}\",\"labels\":[],\"kind\":\"ts$i\",$c}"
        echo "{\"lang\":\"en\",\"text\":\"Cold call leads and sell debt relief plans ${i}\",\"labels\":[\"sales_duty\"],\"kind\":\"ds$i\",$c}"
        echo "{\"lang\":\"en\",\"text\":\"Schedule meetings and file records ${i}\",\"labels\":[],\"kind\":\"dn$i\",$c}"
        echo "{\"lang\":\"en\",\"text\":\"Administrative Assistant ${i}\",\"labels\":[\"office_title\"],\"kind\":\"to$i\",$c}"
        echo "{\"lang\":\"en\",\"text\":\"Insurance Sales Agent ${i}\",\"labels\":[],\"kind\":\"ts$i\",$c}"
    done
} >"$ts_dir/td.jsonl"
t train-signals-title-duty 0 "$FJ" train-signals --folds 2 -o "$ts_dir/td.fjd" "$ts_dir/td.jsonl"
expect_out train-signals-title-duty '"lang":"en","signal":"sales_duty","clauses":12,"positives":3'
expect_out train-signals-title-duty '"lang":"zh","signal":"office_title","clauses":12,"positives":3'
printf '{"lang":"zh","text":"x","labels":["sales_duty"],"classes":["office_title"]}\n' >"$ts_dir/badcls.jsonl"
t train-signals-label-not-in-classes 1 "$FJ" train-signals -o "$ts_dir/d.fjd" "$ts_dir/badcls.jsonl"
expect_err train-signals-label-not-in-classes "badcls.jsonl:1: a label that is not among"
printf '{"lang":"zh","text":"x","labels":[],"classes":["bogus"]}\n' >"$ts_dir/badcls2.jsonl"
t train-signals-unknown-class 1 "$FJ" train-signals -o "$ts_dir/d.fjd" "$ts_dir/badcls2.jsonl"
expect_err train-signals-unknown-class "badcls2.jsonl:1: unknown class"

# evaluation with those detectors and with the compiled-in ones
t eval-signals-run 0 "$FJ" eval-signals --detectors "$ts_dir/d.fjd" "$ts_dir/clauses.jsonl"
expect_out eval-signals-run '"clauses":32'
expect_out eval-signals-run '"lang":"zh","signal":"upfront_fee","positives":4,"negatives":12'
t eval-signals-default 0 "$FJ" eval-signals "$ts_dir/clauses.jsonl"
expect_out eval-signals-default '"clause_figures":\['
printf '{"id":"p1","label":"fraud","expect":["upfront_fee"],"description":"入职前需缴纳培训费198元，名额有限"}\n{"id":"p2","label":"legit","description":"公司承担体检费用，不收取任何费用"}\n' >"$ts_dir/postings.jsonl"
t eval-signals-postings 0 "$FJ" eval-signals "$ts_dir/postings.jsonl"
expect_out eval-signals-postings '"lang":"zh","signal":"upfront_fee","expected":1,"found":1,"recall":1.0000,"legit":1,"on_legit":0'
t eval-signals-no-files 2 "$FJ" eval-signals
t eval-signals-missing 3 "$FJ" eval-signals "$ts_dir/nonexistent.jsonl"

# corrupted, truncated and missing detector files are refused (exit 4 / 3)
head -c 100 "$ts_dir/d.fjd" >"$ts_dir/trunc.fjd"
t eval-signals-truncated 4 "$FJ" eval-signals --detectors "$ts_dir/trunc.fjd" "$ts_dir/clauses.jsonl"
expect_err eval-signals-truncated "truncated"
cp "$ts_dir/d.fjd" "$ts_dir/flip.fjd"
printf 'X' | dd of="$ts_dir/flip.fjd" bs=1 seek=200 conv=notrunc 2>/dev/null
t eval-signals-corrupt 4 "$FJ" eval-signals --detectors "$ts_dir/flip.fjd" "$ts_dir/clauses.jsonl"
expect_err eval-signals-corrupt "checksum mismatch"
t eval-signals-no-detectors 3 "$FJ" eval-signals --detectors "$ts_dir/none.fjd" "$ts_dir/clauses.jsonl"

# `fakejob signals --detectors`: detectors whose models never fire (the lexicon-only file of
# models/cv-detectors.py: threshold 1) miss the fee ask the compiled-in model finds; broken
# files are refused as by eval-signals
printf '{"id":"q1","lang":"en","description":"Getting started costs just $59 for the Success Pack."}\n' >"$ts_dir/q.jsonl"
t signals-detectors-default 0 "$FJ" signals "$ts_dir/q.jsonl"
expect_out signals-detectors-default '"signal":"upfront_fee"'
/usr/bin/env python3 -c 'import hashlib,struct,sys
p=b"".join(struct.pack("<I",0)+struct.pack("<25f",*([0,0,0,1,0]*5)) for _ in range(2))
r=b"{}"; p+=struct.pack("<I",len(r))+r
open(sys.argv[1],"wb").write(b"FJCLSDET"+struct.pack("<IIQ",2,20,len(p))+hashlib.sha256(p).digest()+p)' "$ts_dir/never.fjd"
t signals-detectors-never 0 "$FJ" signals --detectors "$ts_dir/never.fjd" "$ts_dir/q.jsonl"
expect_out signals-detectors-never '"signal":"vague_company"'
if grep -q upfront_fee "/tmp/fj-cli.$$.out"; then
    echo "FAIL: signals-detectors-never: upfront_fee fired"
    fails=$((fails + 1))
fi
t signals-detectors-corrupt 4 "$FJ" signals --detectors "$ts_dir/flip.fjd" "$ts_dir/q.jsonl"
expect_err signals-detectors-corrupt "checksum mismatch"
t signals-detectors-missing 3 "$FJ" signals --detectors "$ts_dir/none.fjd" "$ts_dir/q.jsonl"
t signals-detectors-no-value 2 "$FJ" signals --detectors

rm -rf "$ts_dir"
