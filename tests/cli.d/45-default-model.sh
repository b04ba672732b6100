# The shipped model, models/default: `fakejob score` uses it when no model is named (from the
# source tree when run from the build tree), and its verdicts on the examples are plausible.
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
dm_out=/tmp/fj-cli-default.$$.jsonl
t default-model-shipped 0 test -f "$srcdir/models/default/manifest.json"
t default-model-score 0 env -u FAKEJOB_MODEL "$FJ" score "$srcdir/examples/postings.jsonl"
env -u FAKEJOB_MODEL "$FJ" score "$srcdir/examples/postings.jsonl" >"$dm_out" 2>/dev/null
expect_out default-model-score '"model":"fakejob-default [0-9]+\.[0-9]+\.[0-9]+"'
t default-model-all-scored 0 test "$(grep -c '"score":' "$dm_out")" -eq \
    "$(grep -c . "$srcdir/examples/postings.jsonl")"
# fee scams (培训费 + 刷单 + WeChat; a "starter kit" fee + $5,000/week) are fraud, in both parts
t default-model-zh-fee-scam 0 grep -Eq '^\{"id":"ex-zh-1","lang":"zh","score":(0\.[5-9][0-9]*|1),"verdict":"fraud"' "$dm_out"
t default-model-en-fee-scam 0 grep -Eq '^\{"id":"ex-en-1","lang":"en","score":(0\.[5-9][0-9]*|1),"verdict":"fraud"' "$dm_out"
# complete honest postings (written for this test) are legit, with a low score
cat >"$dm_out.honest" <<'JSONL'
{"id":"h-en","title":"Payroll Specialist","company":"Harbor Point Credit Union","company_profile":"Harbor Point Credit Union is a member-owned financial cooperative serving 48,000 members across coastal Maine since 1952. We offer checking, savings, mortgages and small-business lending from nine branches.","description":"We are looking for a Payroll Specialist to join our finance team in Portland. You will process bi-weekly payroll for 310 employees in ADP, reconcile payroll accounts to the general ledger, prepare quarterly tax filings with our external accountants and answer employee questions about deductions and benefits enrolment.","requirements":"Two or more years of payroll experience; working knowledge of ADP Workforce Now and Excel; CPP certification is a plus. Background check required after offer.","benefits":"Medical, dental and vision insurance; 401(k) with 6% match; 20 days paid time off; tuition reimbursement.","salary":"$52,000-$60,000 per year","location":"Portland, ME","employment_type":"Full-time","has_company_logo":true,"has_questions":true}
{"id":"h-zh","title":"仓库管理员","company":"苏州恒通电子科技有限公司","company_profile":"苏州恒通电子科技有限公司成立于2008年，位于苏州工业园区，主要生产电源适配器和充电器，员工约400人。","description":"负责原材料与成品的收发、入库登记和月度盘点；使用ERP系统录入出入库数据；配合生产部门按计划备料。","requirements":"高中以上学历，一年以上仓库工作经验，会使用电脑和叉车者优先。","benefits":"五险一金_包工作餐_带薪年假_年终奖","salary":"5000-6500元/月","location":"苏州工业园区","employment_type":"全职","company_size":"100-499人","company_registration":"91320594MA1MXXXX0Q"}
JSONL
env -u FAKEJOB_MODEL "$FJ" score "$dm_out.honest" >"$dm_out.h" 2>/dev/null
t default-model-en-honest 0 grep -Eq '^\{"id":"h-en","lang":"en","score":(0\.[0-3][0-9]*|[0-9.]+e-[0-9]+),"verdict":"legit"' "$dm_out.h"
t default-model-zh-honest 0 grep -Eq '^\{"id":"h-zh","lang":"zh","score":(0\.[0-3][0-9]*|[0-9.]+e-[0-9]+),"verdict":"legit"' "$dm_out.h"
# the terse honest 行政助理 example is not called fraud (a short posting may be "suspicious")
t default-model-zh-terse-honest 0 grep -Eq '^\{"id":"ex-zh-2","lang":"zh","score":0\.[0-4][0-9]*,"verdict":"(legit|suspicious)"' "$dm_out"
# the short honest English examples (an engineering job, a customer-service job, no company
# profile) are not called fraud
t default-model-en-short-honest-2 0 grep -Eq '^\{"id":"ex-en-2","lang":"en","score":(0\.[0-4][0-9]*|[0-9.]+e-[0-9]+),"verdict":"(legit|suspicious)"' "$dm_out"
t default-model-en-short-honest-3 0 grep -Eq '^\{"id":"ex-en-3","lang":"en","score":(0\.[0-4][0-9]*|[0-9.]+e-[0-9]+),"verdict":"(legit|suspicious)"' "$dm_out"
# the short English development set (corpus/eval/en-short-dev.jsonl, never trained on; 86 honest
# ads of small employers, 52 scams in the same style): at most 6 honest ones called fraud (4 as
# shipped; 47 before the corpus had short postings), every scam fraud or suspicious
# The set's postings are dated 2024-2026 and carry no updated_at: each is scored as observed when
# it was published (the observation time training gives a posting without one), so the test
# reads the text and not the age the clock would give a two-year-old ad (posting_age_days)
dm_dev="$srcdir/corpus/eval/en-short-dev.jsonl"
sed 's/"posted_at": "\([^"]*\)"/"posted_at": "\1", "observed_at": "\1"/' "$dm_dev" |
    env -u FAKEJOB_MODEL "$FJ" score -q 2>/dev/null | grep -o '"verdict":"[a-z]*"' >"$dm_out.v"
t default-model-en-short-dev-observed 0 test "$(grep -c '"observed_at"' "$dm_dev")" -eq 0
grep -o '"label": "[a-z]*"' "$dm_dev" | paste -d' ' - "$dm_out.v" >"$dm_out.lv"
t default-model-en-short-dev-all 0 test "$(grep -c . "$dm_out.lv")" -eq 138
t default-model-en-short-dev-honest 0 test "$(grep -c 'legit" "verdict":"fraud"' "$dm_out.lv")" -le 6
t default-model-en-short-dev-scams 0 test "$(grep -Ec 'fraud" "verdict":"(fraud|suspicious)"' "$dm_out.lv")" -eq 52
rm -f "$dm_out.v" "$dm_out.lv"
# $FAKEJOB_MODEL overrides the default; a missing folder there is an error naming it
t default-model-env-missing 4 env FAKEJOB_MODEL=/nonexistent/fj-model "$FJ" score \
    "$srcdir/examples/postings.jsonl"
expect_err default-model-env-missing "/nonexistent/fj-model"
rm -f "$dm_out" "$dm_out.honest" "$dm_out.h"
# eval --cv --scores: one JSON line per posting with its held-out fold (what models/baseline.py
# reads to train the text-only baseline on the same folds)
dm_cv=/tmp/fj-cli-cvscores.$$.jsonl
t eval-cv-scores 0 "$FJ" eval -q --cv --folds 2 --group-by company --scores "$dm_cv" \
    "$srcdir"/tests/data/train/en.jsonl "$srcdir"/tests/data/train/zh.jsonl
t eval-cv-scores-lines 0 test "$(grep -Ec '"fold":[01],"copy":(true|false),"score":' "$dm_cv")" -eq \
    "$(cat "$srcdir"/tests/data/train/en.jsonl "$srcdir"/tests/data/train/zh.jsonl | grep -c '"label"')"
t eval-cv-scores-fields 0 grep -Eq '^\{"id":"[^"]+","group":"[^"]*","lang":"(en|zh)","label":"(fraud|legit)","fold":[01],"copy":(true|false),"score":[0-9.e-]+,"verdict":"(legit|suspicious|fraud|insufficient)"\}$' "$dm_cv"
t eval-scores-unwritable 3 "$FJ" eval -q --cv --folds 2 --scores /nonexistent/dir/s.jsonl \
    "$srcdir"/tests/data/train/en.jsonl "$srcdir"/tests/data/train/zh.jsonl
rm -f "$dm_cv"
