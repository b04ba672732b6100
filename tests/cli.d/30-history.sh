# fakejob signals --history: each posting is looked up, then recorded, in input order, so reposts
# (small edits, new contacts, other companies) get `reposts` / `repost_companies`; the store
# persists between runs; an unusable store is exit 3 naming the file.
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
hi_dir=/tmp/fj-cli-history.$$
mkdir -p "$hi_dir"
# h2 reposts h1 with a new QQ number, fee and a few words changed, under another company;
# h3 is unrelated; h4 reposts h1 with only a new QQ number, under a third company; e2 reposts e1
# with a new e-mail address and new figures.
cat >"$hi_dir/in.jsonl" <<'JSONL'
{"id":"h1","title":"急招在家兼职打字员 日结","company":"甲网络科技有限公司","description":"本公司因业务扩展，现招聘网络兼职打字员若干名。工作时间自由，在家就可以做，只需要一部手机或电脑，每天两到三小时，日结工资，多劳多得。无需经验，学历不限，宝妈学生均可。入职前需缴纳培训费198元，培训后立即安排工作。有意者请加QQ：123456789咨询。","observed_at":"2025-03-01"}
{"id":"h2","title":"急招在家兼职打字员，日结","company":"乙文化传媒","description":"本公司因业务扩展，现招聘网络兼职打字员若干名！工作时间自由，在家就能做，只需要一部手机或电脑，每天两到三小时，日结工资，多劳多得。无需经验，学历不限，宝妈学生均可。入职前需缴纳培训费298元，培训后立即安排工作。有意者请加QQ：987654321咨询。","observed_at":"2025-03-04"}
{"id":"h3","title":"餐厅服务员","company":"丙餐饮","description":"负责餐厅日常接待和点餐服务，保持用餐区域整洁，及时为顾客添加茶水，配合厨房做好传菜工作，完成店长安排的其他工作。包吃包住，月休四天。","observed_at":"2025-03-05"}
{"id":"h4","title":"急招在家兼职打字员 日结","company":"丁商贸","description":"本公司因业务扩展，现招聘网络兼职打字员若干名。工作时间自由，在家就可以做，只需要一部手机或电脑，每天两到三小时，日结工资，多劳多得。无需经验，学历不限，宝妈学生均可。入职前需缴纳培训费198元，培训后立即安排工作。有意者请加QQ：555123456咨询。","observed_at":"2025-03-09"}
{"id":"e1","title":"Data Entry Clerk - Work From Home","description":"We are looking for reliable individuals to join our team as remote data entry clerks. No experience is needed and you can work from the comfort of your own home on a flexible schedule. Earn $500 per week processing simple online forms. To get started you must purchase our starter software kit for $89. Contact hiring.manager@example.com today.","observed_at":"2025-03-01"}
{"id":"e2","title":"Data Entry Clerk - Work From Home!","description":"We are looking for reliable individuals to join our team as remote data entry clerks. No experience is needed and you can work from the comfort of your own home on a flexible schedule. Earn $750 per week processing simple online forms. To get started you must purchase our starter software kit for $99. Contact jobs.desk@example.org today.","observed_at":"2025-03-02"}
JSONL
# hi_has N PATTERN: line N of the saved output matches (grep -F)
hi_has() { sed -n "$1p" "$hi_dir/out" | grep -Fq -- "$2"; }

t history-help 0 "$FJ" signals --help
expect_out history-help "--history DB"
t history-no-value 2 "$FJ" signals --history
expect_err history-no-value "needs a value"

t history-signals 0 "$FJ" signals --history "$hi_dir/h.db" "$hi_dir/in.jsonl"
cp "/tmp/fj-cli.$$.out" "$hi_dir/out"
t history-line-count 0 test "$(wc -l <"$hi_dir/out")" -eq 6
t history-first-is-new 1 hi_has 1 '"reposts"'
t history-repost-found 0 hi_has 2 '{"signal":"reposts","value":1}'
t history-one-company-no-signal 1 hi_has 2 '"repost_companies"'
t history-unrelated 1 hi_has 3 '"reposts"'
t history-second-repost 0 hi_has 4 '{"signal":"reposts","value":2}'
t history-two-companies 0 hi_has 4 '{"signal":"repost_companies","value":2}'
t history-english-new 1 hi_has 5 '"reposts"'
t history-english 0 hi_has 6 '{"signal":"reposts","value":1}'
t history-store-file 0 test -s "$hi_dir/h.db"

# without --history nothing is counted
t history-without 0 "$FJ" signals "$hi_dir/in.jsonl"
t history-without-reposts 1 grep -q '"reposts"' "/tmp/fj-cli.$$.out"

# the store persists: a second run sees the first run's sightings at or before each posting's
# observed_at (h1: its own first-run sighting; h4: h1, h2, h4 of the first run and h1, h2 now)
t history-rerun 0 "$FJ" signals --history "$hi_dir/h.db" "$hi_dir/in.jsonl"
cp "/tmp/fj-cli.$$.out" "$hi_dir/out"
t history-rerun-first 0 hi_has 1 '{"signal":"reposts","value":1}'
t history-rerun-fourth 0 hi_has 4 '{"signal":"reposts","value":5}'
t history-rerun-unrelated 0 hi_has 3 '{"signal":"reposts","value":1}'

# the key: made beside the store, readable by its owner only; a store without it is refused
t history-key-made 0 test -s "$hi_dir/h.db.key"
t history-key-mode 0 test "$(stat -c %a "$hi_dir/h.db.key")" = 600
mv "$hi_dir/h.db.key" "$hi_dir/moved.key"
t history-key-missing 3 "$FJ" signals --history "$hi_dir/h.db" "$hi_dir/in.jsonl"
expect_err history-key-missing "h.db.key is missing"
t history-key-option 0 "$FJ" signals --history "$hi_dir/h.db" --history-key "$hi_dir/moved.key" "$hi_dir/in.jsonl"
t history-key-env 0 env FJ_HISTORY_KEY_FILE="$hi_dir/moved.key" "$FJ" signals --history "$hi_dir/h.db" "$hi_dir/in.jsonl"

# the same stream against PostgreSQL (when tests/pg_server.sh runs one) gives the same output
if [ -n "${FJ_TEST_PG_URI:-}" ]; then
    hi_schema="fjcli_$$"
    psql -q "$FJ_TEST_PG_URI" -c "CREATE SCHEMA $hi_schema" >/dev/null 2>&1
    hi_uri="$FJ_TEST_PG_URI&options=-csearch_path%3D$hi_schema"
    "$FJ" signals --history "$hi_dir/lite.db" "$hi_dir/in.jsonl" >"$hi_dir/lite.out" 2>&1
    t history-pg 0 "$FJ" signals --history "$hi_uri" --history-key "$hi_dir/lite.db.key" "$hi_dir/in.jsonl"
    cp "/tmp/fj-cli.$$.out" "$hi_dir/pg.out"
    t history-pg-same 0 cmp "$hi_dir/pg.out" "$hi_dir/lite.out"
    t history-pg-no-key 3 "$FJ" signals --history "$hi_uri" "$hi_dir/in.jsonl"
    expect_err history-pg-no-key "FJ_HISTORY_KEY_FILE"
    psql -q "$FJ_TEST_PG_URI" -c "DROP SCHEMA $hi_schema CASCADE" >/dev/null 2>&1
fi

# an unusable store: exit 3 before any output, the message names the file
head -c 4096 /dev/urandom >"$hi_dir/junk.db"
t history-junk 3 "$FJ" signals --history "$hi_dir/junk.db" "$hi_dir/in.jsonl"
expect_err history-junk "junk.db.*not a history store"
t history-junk-no-output 0 test ! -s "/tmp/fj-cli.$$.out"
t history-unopenable 3 "$FJ" signals --history /nonexistent/dir/h.db "$hi_dir/in.jsonl"
expect_err history-unopenable "/nonexistent/dir/h.db"

rm -rf "$hi_dir"
