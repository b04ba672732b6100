/*
 * test_history.c - the repost history store: reposts with small edits are found (Chinese and
 * English), unrelated postings are not, companies are counted, only earlier sightings count,
 * retention, refusal of newer formats and of files that are not stores, several processes
 * writing one store at once, and a process killed mid-write losing nothing it committed.
 */
#include "core/sha256.h"
#include "history/history_fp.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static fj_context *ctx;
static fj_history *h;
static fj_error err;
static char dir[64];
static char path[128];

static void setup(void)
{
    cr_assert_eq(fj_context_new(&ctx, &err), FJ_OK);
    snprintf(dir, sizeof dir, "/tmp/fj-history-XXXXXX");
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/store.db", dir);
    fj_error_clear(&err);
    h = NULL;
}

static void teardown(void)
{
    char f[160];
    fj_history_close(h);
    fj_context_free(ctx);
    const char *suffixes[] = {"", "-wal", "-shm", "-journal", ".key"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
        unlink(f);
    }
    const char *others[] = {"other.db", "other.key", "other.db.key", "shared.key", "pg.key"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(f, sizeof f, "%s/%s", dir, others[i]);
        unlink(f);
    }
    rmdir(dir);
}

TestSuite(history, .init = setup, .fini = teardown);

/* The PostgreSQL backend: each test gets a schema of its own in the database that
 * FJ_TEST_PG_URI names (tests/pg_server.sh starts a server), and its key file in `dir`. Without
 * FJ_TEST_PG_URI the history_pg tests are skipped. */
static bool on_pg;
static char schema[64];
static char target[1024]; /* the store's URI: FJ_TEST_PG_URI with the schema as search_path */

static PGconn *admin(void)
{
    PGconn *c = PQconnectdb(getenv("FJ_TEST_PG_URI"));
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet_notices, NULL);
    return c;
}

static void admin_sql(const char *fmt, const char *arg)
{
    char q[512];
    snprintf(q, sizeof q, fmt, arg);
    PGconn *c = admin();
    PGresult *r = PQexec(c, q);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
              "%s: %s", q, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

static void setup_pg(void)
{
    setup();
    const char *uri = getenv("FJ_TEST_PG_URI");
    on_pg = uri && *uri;
    if (!on_pg)
        return;
    snprintf(schema, sizeof schema, "fjt_%d_%ld", (int)getpid(), (long)time(NULL));
    admin_sql("CREATE SCHEMA %s", schema);
    snprintf(target, sizeof target, "%s%coptions=-csearch_path%%3D%s&application_name=%s", uri,
             strchr(uri, '?') ? '&' : '?', schema, schema);
    char key[160];
    snprintf(key, sizeof key, "%s/pg.key", dir);
    setenv("FJ_HISTORY_KEY_FILE", key, 1);
}

static void teardown_pg(void)
{
    if (on_pg) {
        fj_history_close(h);
        h = NULL;
        admin_sql("DROP SCHEMA %s CASCADE", schema);
        unsetenv("FJ_HISTORY_KEY_FILE");
    }
    teardown();
}

TestSuite(history_pg, .init = setup_pg, .fini = teardown_pg);

/* The store of the test: SQLite (in memory, or the file `path`) or the test's PostgreSQL one. */
static fj_status open_store(fj_history **out, bool memory, fj_error *e)
{
    if (on_pg)
        return fj_history_open(out, target, e);
    return fj_history_open(out, memory ? NULL : path, e);
}

/* A test of behaviour both backends must share: run as history::NAME and history_pg::NAME. */
#define BOTH(name)                                                                                 \
    static void name##_body(void);                                                                 \
    Test(history, name)                                                                            \
    {                                                                                              \
        name##_body();                                                                             \
    }                                                                                              \
    Test(history_pg, name)                                                                         \
    {                                                                                              \
        if (!on_pg)                                                                                \
            cr_skip_test("FJ_TEST_PG_URI is not set: no PostgreSQL server to test against");       \
        name##_body();                                                                             \
    }                                                                                              \
    static void name##_body(void)

/* A posting from JSON (the test owns it). */
static fj_posting *posting(const char *json)
{
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, NULL), FJ_OK);
    fj_error e;
    cr_assert_eq(fj_posting_parse_json(p, json, strlen(json), &e), FJ_OK, "%s: %s", e.message,
                 json);
    return p;
}

static fj_history_stats observe(const char *json)
{
    fj_posting *p = posting(json);
    fj_history_stats st;
    cr_assert_eq(fj_history_observe(h, ctx, p, &st, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
    return st;
}

static fj_history_stats query(const char *json)
{
    fj_posting *p = posting(json);
    fj_history_stats st;
    cr_assert_eq(fj_history_query(h, ctx, p, &st, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
    return st;
}

static void record(const char *json)
{
    fj_posting *p = posting(json);
    cr_assert_eq(fj_history_record(h, ctx, p, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
}

static int64_t count(void)
{
    int64_t n = -1;
    cr_assert_eq(fj_history_count(h, &n, &err), FJ_OK, "%s", err.message);
    return n;
}

/* ---- hand-written postings ---- */

#define ZH_SCAM                                                                                                                            \
    "\"title\":\"急招在家兼职打字员 日结\","                                                                                    \
    "\"description\":\"本公司因业务扩展，现招聘网络兼职打字员若干名。工作时间自由，在家就可以"          \
    "做，只需要一部手机或电脑，每天两到三小时，日结工资，多劳多得。无需经验，学历不限，宝妈学" \
    "生均可。入职前需缴纳培训费198元，培训后立即安排工作。有意者请加QQ：123456789咨询，"                 \
    "名额有限先到先得。\","                                                                                                       \
    "\"requirements\":\"年满18周岁，会基本打字，有责任心，能按时完成任务。\""

/* the same scam reposted: new QQ number, new fee, a few words changed, punctuation changed */
#define ZH_SCAM_EDITED                                                                                                                     \
    "\"title\":\"急招在家兼职打字员，日结\","                                                                                  \
    "\"description\":\"本公司因业务扩展，现招聘网络兼职打字员若干名！工作时间自由，在家就能"             \
    "做，只需要一部手机或电脑，每天两到三小时，日结工资，多劳多得。无需经验，学历不限，宝妈学" \
    "生均可。入职前需缴纳培训费298元，培训后马上安排工作。有意者请加QQ：987654321咨询，"                 \
    "名额有限先到先得！\","                                                                                                       \
    "\"requirements\":\"年满18周岁，会基本打字，有责任心，能按时完成任务。\""

#define ZH_OTHER                                                                                                                     \
    "\"title\":\"Java开发工程师\","                                                                                             \
    "\"description\":\"负责公司核心交易系统的设计与开发，参与需求分析和技术方案评审，编写高质量" \
    "的代码和单元测试，持续优化系统性能与稳定性，配合测试与运维完成上线和故障排查。\","       \
    "\"requirements\":\"计算机相关专业本科及以上学历，三年以上Java开发经验，熟悉Spring Boot、"            \
    "MySQL和Redis，具备良好的沟通能力和团队合作精神。\""

#define ZH_OTHER2                                                                                                                    \
    "\"title\":\"餐厅服务员\","                                                                                                 \
    "\"description\":\"负责餐厅日常接待和点餐服务，保持用餐区域整洁，及时为顾客添加茶水，处理"    \
    "顾客的合理需求，配合厨房做好传菜工作，完成店长安排的其他工作。包吃包住，月休四天。\"," \
    "\"requirements\":\"身体健康，吃苦耐劳，有餐饮服务经验者优先，能适应倒班。\""

#define EN_SCAM                                                                                    \
    "\"title\":\"Data Entry Clerk - Work From Home\","                                             \
    "\"description\":\"We are looking for reliable individuals to join our team as remote data "   \
    "entry clerks. No experience is needed and you can work from the comfort of your own home "    \
    "on a flexible schedule. Earn $500 per week processing simple online forms. To get started "   \
    "you must purchase our starter software kit for $89, which will be refunded with your first "  \
    "paycheck. Contact our hiring manager at hiring.manager@example.com or text 555-0142 today, "  \
    "positions are filling fast!\","                                                               \
    "\"requirements\":\"A computer with internet access, basic typing skills and the ability to "  \
    "follow instructions.\""

/* reposted: new e-mail and phone, new pay figure, a word or two changed */
#define EN_SCAM_EDITED                                                                             \
    "\"title\":\"Data Entry Clerk - Work From Home!\","                                            \
    "\"description\":\"We are looking for reliable individuals to join our team as remote data "   \
    "entry clerks. No experience is required and you can work from the comfort of your own home "  \
    "on a flexible schedule. Earn $750 per week processing simple online forms. To get started "   \
    "you must purchase our starter software kit for $99, which will be refunded with your first "  \
    "paycheck. Contact our hiring manager at jobs.desk@example.org or text 555-0199 today, "       \
    "positions are filling fast!\","                                                               \
    "\"requirements\":\"A computer with internet access, basic typing skills and the ability to "  \
    "follow instructions.\""

#define EN_OTHER                                                                                   \
    "\"title\":\"Senior Backend Engineer\","                                                       \
    "\"description\":\"Our platform team builds the services that move millions of payments "      \
    "every day. You will design and operate distributed systems in Go and PostgreSQL, review "     \
    "code, mentor engineers and take part in the on-call rotation. We value clear writing and "    \
    "careful testing.\","                                                                          \
    "\"requirements\":\"Five or more years building production backend services; experience with " \
    "message queues and observability tooling.\""

#define EN_OTHER2                                                                                  \
    "\"title\":\"Registered Nurse - Night Shift\","                                                \
    "\"description\":\"The medical surgical unit of our community hospital is hiring a "           \
    "registered "                                                                                  \
    "nurse for night shifts. You will assess patients, administer medication, coordinate with "    \
    "physicians and educate families about care after discharge. We offer tuition assistance "     \
    "and a supportive team.\","                                                                    \
    "\"requirements\":\"Current state nursing license, BLS certification and one year of acute "   \
    "care experience.\""

#define AT(t) "\"observed_at\":\"" t "\""

/* A fixed key for fingerprints computed outside a store. */
static fj__fp_key test_key(unsigned char fill)
{
    unsigned char secret[FJ__KEY_BYTES];
    memset(secret, fill, sizeof secret);
    fj__fp_key k;
    fj__fp_key_init(&k, secret);
    return k;
}

static fj__fingerprint fingerprint_of(const char *json)
{
    fj_posting *p = posting(json);
    fj__fingerprint fp;
    fj__fp_key k = test_key(7);
    cr_assert_eq(fj__fingerprint_posting(ctx, &k, NULL, p, &fp, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
    return fp;
}

/* The edited reposts below are found through their MinHash signatures, not the exact hash. */
static void assert_near_not_exact(const char *a, const char *b)
{
    fj__fingerprint fa = fingerprint_of(a), fb = fingerprint_of(b);
    cr_assert_neq(fa.exact, fb.exact, "the edit changes the text");
    cr_assert(fj__fp_near_eligible(&fa, &fj__fp_default) &&
              fj__fp_near_eligible(&fb, &fj__fp_default));
    cr_assert(fj__fp_match(&fa, &fb, NULL), "%u of %d signature values agree",
              fj__fp_agree(fa.sig, fb.sig), FJ__MH_K);
}

/* ---- near-duplicates ---- */

BOTH(chinese_repost_with_small_edits_is_found)
{
    assert_near_not_exact("{" ZH_SCAM "}", "{" ZH_SCAM_EDITED "}");
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    fj_history_stats st = observe("{" ZH_SCAM "," AT("2025-03-01") "}");
    cr_assert_eq(st.seen_before, 0);
    st = observe("{" ZH_SCAM_EDITED "," AT("2025-03-05") "}");
    cr_assert_eq(st.seen_before, 1, "an edited repost is a near-duplicate");
    cr_assert_eq(st.first_seen, 1740787200);
    st = observe("{" ZH_SCAM "," AT("2025-03-09") "}");
    cr_assert_eq(st.seen_before, 2);
    cr_assert_eq(st.first_seen, 1740787200);
    cr_assert_eq(st.last_seen, 1740787200 + 4 * 86400);
}

BOTH(traditional_characters_match_simplified)
{
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    record("{\"title\":\"在线客服专员\",\"description\":\"负责在线回复客户的问题，处理订单问题，"
           "维护客户关系，工作环境舒适，员工关系融洽，提供带薪培训和晋升机会。\"," AT(
               "2025-01-01") "}");
    fj_history_stats st =
        query("{\"title\":\"在線客服專員\",\"description\":\"負責在線回復客戶的問題，處理訂單問題，"
              "維護客戶關係，工作環境舒適，員工關係融洽，提供帶薪培訓和晉升機會。\"," AT(
                  "2025-01-02") "}");
    cr_assert_eq(st.seen_before, 1);
}

BOTH(english_repost_with_small_edits_is_found)
{
    assert_near_not_exact("{" EN_SCAM "}", "{" EN_SCAM_EDITED "}");
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    observe("{" EN_SCAM "," AT("2014-01-01") "}");
    fj_history_stats st = observe("{" EN_SCAM_EDITED "," AT("2014-01-03") "}");
    cr_assert_eq(st.seen_before, 1, "an edited repost is a near-duplicate");
    /* upper case, extra spaces and full-width letters do not hide it either */
    st = query("{\"title\":\"DATA ENTRY CLERK   -   WORK FROM HOME\","
               "\"description\":\"We are looking for reliable individuals to join our team as "
               "remote data entry clerks. No experience is needed and you can work from the "
               "comfort of your own home on a flexible schedule. Earn $500 per week processing "
               "simple online forms. To get started you must purchase our starter software kit "
               "for $89, which will be refunded with your first paycheck. Contact our hiring "
               "manager at #EMAIL_0a1b2c3d# or text #PHONE_9f8e7d6c# today, positions are "
               "filling fast!\",\"requirements\":\"A computer with internet access, basic typing "
               "skills and the ability to follow instructions.\"," AT("2014-01-04") "}");
    cr_assert_eq(st.seen_before, 2);
}

BOTH(unrelated_postings_are_not_matched)
{
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    const char *all[] = {
        "{" ZH_SCAM "," AT("2025-01-01") "}",   "{" ZH_OTHER "," AT("2025-01-02") "}",
        "{" ZH_OTHER2 "," AT("2025-01-03") "}", "{" EN_SCAM "," AT("2025-01-04") "}",
        "{" EN_OTHER "," AT("2025-01-05") "}",  "{" EN_OTHER2 "," AT("2025-01-06") "}",
    };
    for (size_t i = 0; i < 6; i++) {
        fj_history_stats st = observe(all[i]);
        cr_assert_eq(st.seen_before, 0, "posting %zu matched an unrelated one", i);
        cr_assert_eq(st.first_seen, 0);
    }
    cr_assert_eq(count(), 6);
}

Test(history, unrelated_fingerprints_are_far_apart)
{
    const char *all[] = {"{" ZH_SCAM "}", "{" ZH_OTHER "}", "{" ZH_OTHER2 "}",
                         "{" EN_SCAM "}", "{" EN_OTHER "}", "{" EN_OTHER2 "}"};
    fj__fingerprint fp[6];
    for (size_t i = 0; i < 6; i++)
        fp[i] = fingerprint_of(all[i]);
    for (size_t i = 0; i < 6; i++)
        for (size_t j = i + 1; j < 6; j++) {
            cr_assert_lt(fj__fp_agree(fp[i].sig, fp[j].sig), 8,
                         "postings %zu and %zu are unrelated", i, j);
            cr_assert_not(fj__fp_candidate(&fp[i], &fp[j]));
        }
}

Test(history, confirmation_needs_enough_agreeing_values)
{
    fj__fingerprint a = fingerprint_of("{" EN_SCAM "}");
    uint16_t sig[FJ__MH_K];
    const unsigned near = fj__fp_default.near_agree, contact = fj__fp_default.contact_agree;
    cr_assert(contact < near && near < FJ__MH_K);
    /* a stored signature agreeing in exactly `k` values */
    for (unsigned k = 0; k <= FJ__MH_K; k += 1) {
        for (unsigned i = 0; i < FJ__MH_K; i++)
            sig[i] = i < k ? a.sig[i] : (uint16_t)(a.sig[i] ^ 0x5555);
        cr_assert_eq(fj__fp_agree(a.sig, sig), k);
        cr_assert_eq(fj__fp_confirm(&a, ~a.exact, sig, false, NULL), k >= near, "k = %u", k);
        cr_assert_eq(fj__fp_confirm(&a, ~a.exact, sig, true, NULL), k >= contact, "k = %u", k);
    }
    /* the exact hash alone confirms; no signature (a short text) and no exact: no */
    cr_assert(fj__fp_confirm(&a, a.exact, NULL, false, NULL));
    cr_assert_not(fj__fp_confirm(&a, ~a.exact, NULL, true, NULL));
}

Test(history, fingerprint_ignores_contacts_digits_and_other_fields)
{
    const char *a = "{\"title\":\"仓库管理员\",\"description\":\"负责仓库货物的收发和盘点。\","
                    "\"contact\":\"13800138000\",\"company\":\"甲公司\",\"salary\":\"5000元\"}";
    const char *b = "{\"title\":\"仓库管理员\",\"description\":\"负责仓库货物的收发和盘点 。\","
                    "\"contact\":\"微信 abc_123\",\"company\":\"乙公司\",\"salary\":\"9000元\","
                    "\"company_profile\":\"我们是一家大公司\"}";
    fj_posting *pa = posting(a), *pb = posting(b);
    fj__fingerprint fa, fb;
    fj__fp_key k = test_key(7);
    cr_assert_eq(fj__fingerprint_posting(ctx, &k, NULL, pa, &fa, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj__fingerprint_posting(ctx, &k, NULL, pb, &fb, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fa.exact, fb.exact, "contact, salary, profile and punctuation are left out");
    cr_assert_eq(memcmp(fa.sig, fb.sig, sizeof fa.sig), 0);
    cr_assert_neq(fa.company, fb.company);
    cr_assert_eq(fa.ncontacts, 1, "the phone number");
    cr_assert_eq(fb.ncontacts, 1, "the WeChat id");
    cr_assert_neq(fa.contacts[0], fb.contacts[0]);
    cr_assert(fj__fp_match(&fa, &fb, NULL));
    fj_posting_free(pa);
    fj_posting_free(pb);
}

BOTH(short_postings_match_only_exactly)
{
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    record("{\"title\":\"客服专员\"," AT("2025-01-01") "}");
    cr_assert_eq(query("{\"title\":\"客服专员\"," AT("2025-01-02") "}").seen_before, 1);
    cr_assert_eq(query("{\"title\":\"客服主管\"," AT("2025-01-02") "}").seen_before, 0);
    cr_assert_eq(query("{\"title\":\"Sales\"," AT("2025-01-02") "}").seen_before, 0);
}

BOTH(posting_without_words_never_matches)
{
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    record("{\"title\":\"12345\"," AT("2025-01-01") "}");
    record("{\"title\":\"!!!\"," AT("2025-01-01") "}");
    cr_assert_eq(count(), 2);
    cr_assert_eq(query("{\"title\":\"12345\"," AT("2025-01-02") "}").seen_before, 0);
    cr_assert_eq(query("{\"title\":\"678\"," AT("2025-01-02") "}").seen_before, 0);
}

/* ---- companies and time ---- */

BOTH(distinct_companies_are_counted)
{
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    observe("{" ZH_SCAM ",\"company\":\"深圳市某某科技有限公司\"," AT("2025-01-01") "}");
    observe("{" ZH_SCAM ",\"company\":\"深圳市某某科技\"," AT("2025-01-02") "}");
    observe("{" ZH_SCAM_EDITED ",\"company\":\"广州某某网络有限公司\"," AT("2025-01-03") "}");
    observe("{" ZH_SCAM "," AT("2025-01-04") "}");
    observe("{" ZH_SCAM ",\"company\":\"\"," AT("2025-01-05") "}");
    fj_history_stats st = observe("{" ZH_SCAM ",\"company\":\"x\"," AT("2025-01-06") "}");
    cr_assert_eq(st.seen_before, 5);
    /* 某某科技 with and without 有限公司 is one company; no company (twice) is one bucket */
    cr_assert_eq(st.distinct_companies, 3);

    st = observe("{" EN_SCAM ",\"company\":\"Acme Co., Ltd.\"," AT("2025-01-01") "}");
    cr_assert_eq(st.distinct_companies, 0);
    st = observe("{" EN_SCAM ",\"company\":\"ACME\"," AT("2025-01-02") "}");
    cr_assert_eq(st.distinct_companies, 1);
    st = observe("{" EN_SCAM ",\"company\":\"Acme Holdings Inc\"," AT("2025-01-03") "}");
    cr_assert_eq(st.seen_before, 2);
    cr_assert_eq(st.distinct_companies, 1, "Acme Co., Ltd. and ACME are one company");
    st = observe("{" EN_SCAM ",\"company\":\"Acme\"," AT("2025-01-04") "}");
    cr_assert_eq(st.distinct_companies, 2);
}

BOTH(only_sightings_up_to_observed_at_count)
{
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    record("{" EN_SCAM "," AT("2014-05-10T12:00:00Z") "}");
    record("{" EN_SCAM_EDITED "," AT("2014-05-20T12:00:00Z") "}");
    fj_history_stats st = query("{" EN_SCAM "," AT("2014-05-01") "}");
    cr_assert_eq(st.seen_before, 0, "later sightings are not counted");
    cr_assert_eq(st.first_seen, 0);
    st = query("{" EN_SCAM "," AT("2014-05-15") "}");
    cr_assert_eq(st.seen_before, 1);
    cr_assert_eq(st.last_seen, 1399723200);
    st = query("{" EN_SCAM "," AT("2014-05-20T12:00:00Z") "}");
    cr_assert_eq(st.seen_before, 2, "a sighting recorded at the same second counts");
    cr_assert_eq(st.first_seen, 1399723200);
    cr_assert_eq(st.last_seen, 1399723200 + 10 * 86400);
}

BOTH(posting_without_observed_at_uses_the_context_clock)
{
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    fj_context_set_now(ctx, 1000000);
    record("{" ZH_OTHER "}");
    fj_context_set_now(ctx, 999999);
    cr_assert_eq(query("{" ZH_OTHER "}").seen_before, 0);
    fj_context_set_now(ctx, 1000001);
    fj_history_stats st = query("{" ZH_OTHER "}");
    cr_assert_eq(st.seen_before, 1);
    cr_assert_eq(st.first_seen, 1000000);
}

BOTH(retention_forgets_old_sightings)
{
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    record("{" ZH_SCAM "," AT("2025-01-01") "}");
    record("{" ZH_SCAM "," AT("2025-02-01") "}");
    record("{" ZH_SCAM "," AT("2025-03-01") "}");
    record("{" EN_OTHER "," AT("2025-01-15") "}");
    int64_t removed = -1;
    /* keep 30 days before 2025-03-01 */
    cr_assert_eq(fj_history_forget_before(h, 1740787200 - 30 * 86400, &removed, &err), FJ_OK, "%s",
                 err.message);
    cr_assert_eq(removed, 2);
    cr_assert_eq(count(), 2);
    fj_history_stats st = query("{" ZH_SCAM "," AT("2025-03-02") "}");
    cr_assert_eq(st.seen_before, 2);
    cr_assert_eq(st.first_seen, 1738368000);
    cr_assert_eq(query("{" EN_OTHER "," AT("2025-03-02") "}").seen_before, 0);
    cr_assert_eq(fj_history_forget_before(h, 0, NULL, &err), FJ_OK);
    cr_assert_eq(count(), 2);
}

/* ---- files ---- */

BOTH(store_persists_across_reopen)
{
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    record("{\"id\":\"a1\"," ZH_SCAM "," AT("2025-01-01") "}");
    fj_history_close(h);
    h = NULL;
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(count(), 1);
    cr_assert_eq(query("{" ZH_SCAM_EDITED "," AT("2025-01-02") "}").seen_before, 1);
}

static void sql(const char *file, const char *statement)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(file, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, statement, NULL, NULL, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(db));
    sqlite3_close(db);
}

Test(history, newer_format_is_refused)
{
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    fj_history_close(h);
    h = NULL;
    sql(path, "UPDATE meta SET value = '3' WHERE key = 'format_version'");
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_VERSION);
    cr_assert_null(h);
    cr_assert(strstr(err.message, path), "%s", err.message);
    cr_assert(strstr(err.message, "format version 3"), "%s", err.message);

    sql(path, "UPDATE meta SET value = '2' WHERE key = 'format_version';"
              "UPDATE meta SET value = 'minhash/9' WHERE key = 'fingerprint'");
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_VERSION, "another fingerprint scheme");
    cr_assert(strstr(err.message, "minhash/9"), "%s", err.message);

    sql(path, "UPDATE meta SET value = 'one' WHERE key = 'format_version'");
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_HISTORY);
}

/* A store as version 1 of the library wrote it (unkeyed 64-bit SimHashes). */
Test(history, version_1_store_is_refused_with_what_to_do)
{
    sql(path, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
              "INSERT INTO meta VALUES('format_version', '1'),"
              " ('fingerprint', 'simhash64/1 han3 word2 min16'), ('created_by', 'libfakejob 0.9');"
              "CREATE TABLE sightings(id INTEGER PRIMARY KEY, observed_at INTEGER NOT NULL,"
              " simhash INTEGER, exact INTEGER, company INTEGER NOT NULL, b0 INTEGER, b1 INTEGER,"
              " b2 INTEGER, b3 INTEGER, posting_id TEXT);"
              "INSERT INTO sightings VALUES(1, 1700000000, 42, 43, 0, 1, 2, 3, 4, NULL);");
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_VERSION);
    cr_assert_null(h);
    cr_assert(strstr(err.message, path), "%s", err.message);
    cr_assert(strstr(err.message, "format version 1"), "%s", err.message);
    cr_assert(strstr(err.message, "new store"), "says what to do: %s", err.message);
    char key[160];
    snprintf(key, sizeof key, "%s.key", path);
    struct stat sb;
    cr_assert_neq(stat(key, &sb), 0, "no key is made for a store that is refused");
}

/* ---- the key ---- */

Test(history, key_file_is_made_beside_the_store_readable_by_its_owner_only)
{
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    char key[160];
    snprintf(key, sizeof key, "%s.key", path);
    struct stat sb;
    cr_assert_eq(stat(key, &sb), 0, "%s", key);
    cr_assert_eq(sb.st_mode & 0777, 0600);
    cr_assert_eq(sb.st_size, 65, "64 hex digits and a newline");
    FILE *f = fopen(key, "r");
    char hex[80] = "";
    cr_assert(f && fgets(hex, sizeof hex, f));
    fclose(f);
    cr_assert_eq(strspn(hex, "0123456789abcdef"), 64);
    /* two stores get different keys */
    char other[160], other_key[176];
    snprintf(other, sizeof other, "%s/other.db", dir);
    fj_history *h2;
    cr_assert_eq(fj_history_open(&h2, other, &err), FJ_OK, "%s", err.message);
    fj_history_close(h2);
    snprintf(other_key, sizeof other_key, "%s.key", other);
    f = fopen(other_key, "r");
    char hex2[80] = "";
    cr_assert(f && fgets(hex2, sizeof hex2, f));
    fclose(f);
    cr_assert_str_neq(hex, hex2);
    unlink(other);
}

Test(history, missing_wrong_or_exposed_key_is_refused)
{
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    record("{" ZH_SCAM "," AT("2025-01-01") "}");
    fj_history_close(h);
    h = NULL;
    char key[160], saved[176];
    snprintf(key, sizeof key, "%s.key", path);
    snprintf(saved, sizeof saved, "%s/other.key", dir);
    cr_assert_eq(rename(key, saved), 0);
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_HISTORY);
    cr_assert(strstr(err.message, key) && strstr(err.message, "missing"), "%s", err.message);
    struct stat sb;
    cr_assert_neq(stat(key, &sb), 0, "no new key replaces the lost one");

    FILE *f = fopen(key, "w");
    cr_assert(f);
    fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f);
    fclose(f);
    chmod(key, 0600);
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_HISTORY);
    cr_assert(strstr(err.message, "not this store's key"), "%s", err.message);

    f = fopen(key, "w");
    fputs("not a key\n", f);
    fclose(f);
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_HISTORY);
    cr_assert(strstr(err.message, "is not a key"), "%s", err.message);

    cr_assert_eq(rename(saved, key), 0);
    chmod(key, 0644);
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_HISTORY);
    cr_assert(strstr(err.message, "chmod 600"), "%s", err.message);
    chmod(key, 0600);
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(query("{" ZH_SCAM "," AT("2025-01-02") "}").seen_before, 1);
}

Test(history, key_file_can_be_named_by_the_environment_or_the_caller)
{
    char shared[160];
    snprintf(shared, sizeof shared, "%s/shared.key", dir);
    setenv("FJ_HISTORY_KEY_FILE", shared, 1);
    fj_status s = fj_history_open(&h, path, &err);
    unsetenv("FJ_HISTORY_KEY_FILE");
    cr_assert_eq(s, FJ_OK, "%s", err.message);
    record("{" ZH_SCAM "," AT("2025-01-01") "}");
    fj_history_close(h);
    h = NULL;
    char beside[160];
    snprintf(beside, sizeof beside, "%s.key", path);
    struct stat sb;
    cr_assert_eq(stat(shared, &sb), 0);
    cr_assert_neq(stat(beside, &sb), 0, "the key is where it was asked to be");
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_HISTORY, "not found beside the store");
    cr_assert_eq(fj_history_open_key(&h, path, shared, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(query("{" ZH_SCAM "," AT("2025-01-02") "}").seen_before, 1);
}

/* Every 64-bit value in every column of every table of the store (integers, and each 8-byte
 * window of blobs and texts), to look a dictionary up in. */
static size_t store_values(const char *file, uint64_t **out)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(file, &db), SQLITE_OK);
    sqlite3_stmt *tables;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1,
                                    &tables, NULL),
                 SQLITE_OK);
    size_t n = 0, cap = 1024;
    uint64_t *v = malloc(cap * sizeof *v);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char q[128];
        snprintf(q, sizeof q, "SELECT * FROM \"%s\"", sqlite3_column_text(tables, 0));
        sqlite3_stmt *st;
        cr_assert_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *b = NULL;
                size_t len = 0;
                uint64_t one[1];
                if (sqlite3_column_type(st, c) == SQLITE_INTEGER) {
                    one[0] = (uint64_t)sqlite3_column_int64(st, c);
                    b = (const unsigned char *)one;
                    len = 8;
                } else if (sqlite3_column_type(st, c) != SQLITE_NULL) {
                    b = sqlite3_column_blob(st, c);
                    len = (size_t)sqlite3_column_bytes(st, c);
                }
                for (size_t i = 0; b && i + 8 <= len; i++) {
                    uint64_t x = 0, y = 0;
                    for (int k = 0; k < 8; k++) {
                        x = x << 8 | b[i + (size_t)k];
                        y = y << 8 | b[i + 7 - (size_t)k];
                    }
                    if (n + 2 > cap)
                        v = realloc(v, (cap *= 2) * sizeof *v);
                    v[n++] = x;
                    v[n++] = y;
                }
            }
        sqlite3_finalize(st);
    }
    sqlite3_finalize(tables);
    sqlite3_close(db);
    *out = v;
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool holds(const uint64_t *v, size_t n, uint64_t x)
{
    return bsearch(&x, v, n, sizeof x, cmp_u64) != NULL;
}

/* The ways one might hash a phone number without the store's key. */
static void plain_hashes(const char *phone, uint64_t out[6])
{
    unsigned char d[32];
    fj_sha256 s;
    fj__sha256_init(&s);
    fj__sha256_update(&s, phone, strlen(phone));
    fj__sha256_final(&s, d);
    uint64_t be = 0, le = 0;
    for (int i = 0; i < 8; i++) {
        be = be << 8 | d[i];
        le = le << 8 | d[7 - i];
    }
    uint64_t fnv = 0xcbf29ce484222325ULL;
    for (const char *c = phone; *c; c++)
        fnv = (fnv ^ (unsigned char)*c) * 0x100000001b3ULL;
    out[0] = be;
    out[1] = le;
    out[2] = fnv;
    out[3] = strtoull(phone, NULL, 10); /* the number itself */
    fj__fp_key zero = test_key(0), wrong = test_key(0x5a);
    unsigned char msg[32];
    msg[0] = FJ_TOK_PHONE;
    memcpy(msg + 1, phone, strlen(phone));
    out[4] = fj__fp_keyed(&zero, 'k', msg, strlen(phone) + 1);
    out[5] = fj__fp_keyed(&wrong, 'k', msg, strlen(phone) + 1);
}

Test(history, store_holds_nothing_a_phone_number_dictionary_matches)
{
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    /* postings with phone numbers in their contact field and text, under company names */
    for (int i = 0; i < 50; i++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"title\":\"仓库管理员 %d\",\"company\":\"甲乙丙公司\",\"contact\":\"电话 "
                 "138%08d\",\"description\":\"负责仓库货物的收发和盘点，请致电138%08d。\"," AT(
                     "2025-01-01") "}",
                 i, 10001000 + i, 10001000 + i);
        record(json);
    }
    fj_history_close(h);
    h = NULL;
    uint64_t *v;
    size_t n = store_values(path, &v);
    qsort(v, n, sizeof *v, cmp_u64);
    /* a dictionary of 100,000 numbers around the real ones, hashed six ways without the key */
    size_t hits = 0;
    for (int i = 0; i < 100000; i++) {
        char phone[16];
        snprintf(phone, sizeof phone, "138%08d", 10000000 + i);
        uint64_t x[6];
        plain_hashes(phone, x);
        for (int k = 0; k < 6; k++)
            hits += holds(v, n, x[k]);
    }
    cr_assert_eq(hits, 0, "%zu dictionary values found in the store", hits);
    /* the control: with the store's key, the numbers are there (the test can fail) */
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    fj__fingerprint fp;
    fj_posting *p = posting("{\"title\":\"x\",\"contact\":\"电话 13810001007\"}");
    cr_assert_eq(fj__fingerprint_posting(ctx, fj__history_key(h), NULL, p, &fp, &err), FJ_OK);
    fj_posting_free(p);
    cr_assert_eq(fp.ncontacts, 1);
    cr_assert(holds(v, n, fp.contacts[0]), "the keyed hash is stored");
    free(v);
}

Test(history, file_of_random_bytes_is_refused)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    unsigned x = 12345;
    for (int i = 0; i < 8192; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 16) & 0xff, f);
    }
    fclose(f);
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_ERR_HISTORY);
    cr_assert_null(h);
    cr_assert(strstr(err.message, path), "%s", err.message);
    cr_assert(strstr(err.message, "not a history store"), "%s", err.message);
}

Test(history, corrupted_store_is_refused)
{
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    for (int i = 0; i < 300; i++) {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"title\":\"posting number %c%c%c\",\"observed_at\":\"2025-01-01\"}",
                 'a' + i % 26, 'a' + i / 26 % 26, 'a' + i / 676);
        record(json);
    }
    fj_history_close(h);
    h = NULL;
    /* overwrite the middle of the file: the schema page survives, the b-trees do not */
    int fd = open(path, O_WRONLY);
    cr_assert(fd >= 0);
    struct stat sb;
    cr_assert_eq(fstat(fd, &sb), 0);
    cr_assert(sb.st_size > 8192);
    char junk[4096];
    memset(junk, 0x5a, sizeof junk);
    cr_assert_eq(pwrite(fd, junk, sizeof junk, 4096), (ssize_t)sizeof junk);
    close(fd);
    /* refused at open, or by the first call that reads the damaged pages */
    fj_status s = fj_history_open(&h, path, &err);
    if (s == FJ_OK) {
        int64_t n;
        s = fj_history_count(h, &n, &err);
    }
    if (s == FJ_OK) {
        fj_posting *p = posting("{\"title\":\"posting number aaa\"}");
        fj_history_stats st;
        s = fj_history_query(h, ctx, p, &st, &err);
        fj_posting_free(p);
    }
    cr_assert_eq(s, FJ_ERR_HISTORY, "corruption is reported: %s", err.message);
    cr_assert(strstr(err.message, path), "%s", err.message);
}

Test(history, other_sqlite_database_is_refused)
{
    char other[160];
    snprintf(other, sizeof other, "%s/other.db", dir);
    sql(other, "CREATE TABLE resumes(name TEXT)");
    cr_assert_eq(fj_history_open(&h, other, &err), FJ_ERR_HISTORY);
    cr_assert(strstr(err.message, "not a history store"), "%s", err.message);
}

Test(history, unopenable_path_is_an_io_error)
{
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no/such/dir/store.db", dir);
    cr_assert_eq(fj_history_open(&h, bad, &err), FJ_ERR_IO);
    cr_assert(strstr(err.message, bad), "%s", err.message);
    cr_assert_eq(fj_history_open(&h, "", &err), FJ_ERR_ARGUMENT);
}

BOTH(bad_arguments_and_postings)
{
    cr_assert_eq(fj_history_open(NULL, NULL, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(open_store(&h, true, &err), FJ_OK, "%s", err.message);
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, NULL), FJ_OK);
    cr_assert_eq(fj_posting_set_string(p, FJ_FIELD_COMPANY, "x", 1, NULL), FJ_OK);
    fj_history_stats st = {.seen_before = 7};
    cr_assert_eq(fj_history_observe(h, ctx, p, &st, &err), FJ_ERR_INPUT);
    cr_assert_eq(st.seen_before, 0);
    cr_assert_eq(fj_history_record(h, NULL, p, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_history_query(NULL, ctx, p, &st, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_history_forget_before(NULL, 0, NULL, &err), FJ_ERR_ARGUMENT);
    cr_assert_eq(count(), 0, "nothing was recorded");
    fj_posting_free(p);
    fj_history_close(NULL);
}

/* ---- several processes ---- */

/* A posting unique to (writer, i): distinct words so no two are near-duplicates. */
static void unique_posting(char *json, size_t size, int writer, int i)
{
    static const char *const words[] = {
        "alpha",  "bravo",   "charlie", "delta", "echo",    "foxtrot",  "golf",    "hotel",
        "india",  "juliett", "kilo",    "lima",  "mike",    "november", "oscar",   "papa",
        "quebec", "romeo",   "sierra",  "tango", "uniform", "victor",   "whiskey", "xray",
    };
    int n = writer * 1000 + i;
    snprintf(json, size,
             "{\"id\":\"w%d-%d\",\"title\":\"%s %s %s %s\",\"observed_at\":\"2025-01-01\"}", writer,
             i, words[n % 24], words[n / 24 % 24], words[n / 576 % 24], words[writer]);
}

static int writer_process(int writer, int n, int report_fd)
{
    fj_context *c;
    fj_history *store;
    fj_posting *p;
    fj_error e;
    if (fj_context_new(&c, &e) || fj_posting_new(&p, &e) || open_store(&store, false, &e)) {
        fprintf(stderr, "writer %d: %s\n", writer, e.message);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char json[256];
        unique_posting(json, sizeof json, writer, i);
        fj_history_stats st;
        if (fj_posting_parse_json(p, json, strlen(json), &e) ||
            fj_history_observe(store, c, p, &st, &e)) {
            fprintf(stderr, "writer %d posting %d: %s\n", writer, i, e.message);
            return 1;
        }
        if (report_fd >= 0 && write(report_fd, &i, sizeof i) != (ssize_t)sizeof i)
            return 1;
    }
    fj_history_close(store);
    fj_posting_free(p);
    fj_context_free(c);
    return 0;
}

/* `writers` processes each observing `each` postings of their own into the test's store. */
static void run_writers(int writers, int each)
{
    pid_t pid[8];
    cr_assert(writers <= 8);
    for (int w = 0; w < writers; w++) {
        pid[w] = fork();
        cr_assert(pid[w] >= 0);
        if (pid[w] == 0)
            _exit(writer_process(w, each, -1));
    }
    for (int w = 0; w < writers; w++) {
        int status;
        cr_assert_eq(waitpid(pid[w], &status, 0), pid[w]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", w);
    }
}

BOTH(several_processes_write_one_store_without_losing_any)
{
    enum { WRITERS = 4, EACH = 500 };
    run_writers(WRITERS, EACH);
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(count(), WRITERS * EACH);
    /* every writer's postings are there, each once */
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < EACH; i++) {
            char json[256];
            unique_posting(json, sizeof json, w, i);
            cr_assert_eq(query(json).seen_before, 1, "writer %d posting %d", w, i);
        }
}

BOTH(kill_mid_write_keeps_every_committed_sighting)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(writer_process(0, 1000000, fds[1]));
    }
    close(fds[1]);
    int committed = -1, i;
    while (committed < 400 && read(fds[0], &i, sizeof i) == (ssize_t)sizeof i)
        committed = i;
    kill(pid, SIGKILL);
    /* drain what the writer reported before it died */
    while (read(fds[0], &i, sizeof i) == (ssize_t)sizeof i)
        committed = i;
    close(fds[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status), "the writer was killed");

    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    int64_t n = count();
    /* each reported posting was committed; at most one more may have committed unreported */
    cr_assert(n == committed + 1 || n == committed + 2, "%lld rows, %d reported committed",
              (long long)n, committed + 1);
    char json[256];
    unique_posting(json, sizeof json, 0, committed);
    cr_assert_eq(query(json).seen_before, 1);
    unique_posting(json, sizeof json, 0, 0);
    cr_assert_eq(observe(json).seen_before, 1, "the store still takes writes");
}

Test(history, writer_waits_for_the_lock_then_fails_clearly)
{
    cr_assert_eq(fj_history_open(&h, path, &err), FJ_OK, "%s", err.message);
    fj_history *other;
    cr_assert_eq(fj_history_open(&other, path, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj__history_begin(other, &err), FJ_OK, "%s", err.message);
    fj_posting *p = posting("{" ZH_SCAM "}");
    time_t t0 = time(NULL);
    cr_assert_eq(fj_history_record(h, ctx, p, &err), FJ_ERR_HISTORY);
    cr_assert(time(NULL) - t0 >= 4, "the busy timeout is 5 s");
    cr_assert(strstr(err.message, "locked"), "%s", err.message);
    /* readers are not blocked by a writer */
    fj_history_stats st;
    cr_assert_eq(fj_history_query(h, ctx, p, &st, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj__history_commit(other, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_history_record(h, ctx, p, &err), FJ_OK, "%s", err.message);
    fj_history_close(other);
    fj_posting_free(p);
}

/* ---- PostgreSQL only ---- */

#define NEED_PG()                                                                                  \
    do {                                                                                           \
        if (!on_pg)                                                                                \
            cr_skip_test("FJ_TEST_PG_URI is not set: no PostgreSQL server to test against");       \
    } while (0)

/* Terminate the server process serving this test's store connections. */
static int terminate_store_backends(void)
{
    PGconn *c = admin();
    const char *v[1] = {schema};
    PGresult *r = PQexecParams(c,
                               "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE application_name = $1",
                               1, NULL, v, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    int n = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return n;
}

Test(history_pg, lost_connection_is_an_error_for_that_posting_then_the_stream_goes_on)
{
    NEED_PG();
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    int errors = 0;
    for (int i = 0; i < 40; i++) {
        if (i == 20)
            cr_assert_eq(terminate_store_backends(), 1, "the store's connection");
        char json[256];
        unique_posting(json, sizeof json, 1, i);
        fj_posting *p = posting(json);
        fj_history_stats st;
        fj_status s = fj_history_observe(h, ctx, p, &st, &err);
        fj_posting_free(p);
        if (i == 20) {
            cr_assert_eq(s, FJ_ERR_HISTORY, "the posting after the loss fails: %s", err.message);
            cr_assert(strstr(err.message, "connection"), "%s", err.message);
            errors++;
        } else {
            cr_assert_eq(s, FJ_OK, "posting %d: %s", i, err.message);
        }
    }
    cr_assert_eq(errors, 1);
    cr_assert_eq(count(), 39, "every posting but the failed one is recorded, once");
    char json[256];
    unique_posting(json, sizeof json, 1, 20);
    cr_assert_eq(query(json).seen_before, 0, "the failed posting was not recorded");
    unique_posting(json, sizeof json, 1, 21);
    cr_assert_eq(query(json).seen_before, 1);
}

Test(history_pg, a_lock_held_by_a_stuck_session_fails_that_posting_then_the_stream_goes_on)
{
    NEED_PG();
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    char json[256];
    unique_posting(json, sizeof json, 1, 0);
    cr_assert_eq(query(json).seen_before, 0);
    /* another client opens a transaction that blocks every insert, then sits idle in it */
    PGconn *c = admin();
    char q[256];
    snprintf(q, sizeof q, "BEGIN; LOCK TABLE \"%s\".fj_sightings IN EXCLUSIVE MODE", schema);
    PGresult *r = PQexec(c, q);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    PQclear(r);
    fj_posting *p = posting(json);
    fj_history_stats st;
    fj_status s = fj_history_observe(h, ctx, p, &st, &err);
    cr_assert_eq(s, FJ_ERR_HISTORY, "the posting waits for the lock, then fails");
    cr_assert(strstr(err.message, "lock"), "%s", err.message);
    PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    /* the lock is gone: the same store records the next posting */
    cr_assert_eq(fj_history_observe(h, ctx, p, &st, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
    cr_assert_eq(count(), 1, "recorded once, after the lock was released");
}

Test(history_pg, unreachable_server_is_a_clear_error)
{
    NEED_PG();
    char uri[256];
    snprintf(uri, sizeof uri, "postgresql:///postgres?host=%s/nowhere&connect_timeout=2", dir);
    cr_assert_eq(fj_history_open(&h, uri, &err), FJ_ERR_HISTORY);
    cr_assert_null(h);
    cr_assert(strstr(err.message, "cannot connect"), "%s", err.message);
    unsetenv("FJ_HISTORY_KEY_FILE");
    cr_assert_eq(fj_history_open(&h, target, &err), FJ_ERR_ARGUMENT, "no key file named");
    cr_assert(strstr(err.message, "FJ_HISTORY_KEY_FILE"), "%s", err.message);
}

Test(history_pg, missing_or_wrong_key_is_refused)
{
    NEED_PG();
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    record("{" ZH_SCAM "," AT("2025-01-01") "}");
    fj_history_close(h);
    h = NULL;
    char other[160];
    snprintf(other, sizeof other, "%s/other.key", dir);
    cr_assert_eq(fj_history_open_key(&h, target, other, &err), FJ_ERR_HISTORY);
    cr_assert(strstr(err.message, "missing"), "%s", err.message);
    FILE *f = fopen(other, "w");
    cr_assert(f);
    fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f);
    fclose(f);
    chmod(other, 0600);
    cr_assert_eq(fj_history_open_key(&h, target, other, &err), FJ_ERR_HISTORY);
    cr_assert(strstr(err.message, "not this store's key"), "%s", err.message);
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message);
    cr_assert_eq(query("{" ZH_SCAM_EDITED "," AT("2025-01-02") "}").seen_before, 1);
}

Test(history_pg, same_answers_as_sqlite)
{
    NEED_PG();
    const char *stream[] = {
        "{" ZH_SCAM ",\"company\":\"甲公司\"," AT("2025-01-01") "}",
        "{" EN_SCAM "," AT("2025-01-02") "}",
        "{" ZH_SCAM_EDITED ",\"company\":\"乙公司\"," AT("2025-01-03") "}",
        "{" ZH_OTHER "," AT("2025-01-04") "}",
        "{" EN_SCAM_EDITED "," AT("2025-01-05") "}",
        "{" ZH_SCAM ",\"company\":\"丙公司\"," AT("2025-01-09") "}",
        "{" ZH_SCAM ",\"company\":\"丁公司\"," AT("2024-12-30") "}",
        "{\"title\":\"客服专员\"," AT("2025-01-06") "}",
        "{\"title\":\"客服专员\"," AT("2025-01-07") "}",
        "{" EN_OTHER2 ",\"contact\":\"call 555-0142\"," AT("2025-01-08") "}",
    };
    fj_history *lite;
    cr_assert_eq(fj_history_open(&lite, path, &err), FJ_OK, "%s", err.message);
    /* the same key, so that the two stores hold the same values */
    char key[160];
    snprintf(key, sizeof key, "%s.key", path);
    cr_assert_eq(fj_history_open_key(&h, target, key, &err), FJ_OK, "%s", err.message);
    for (size_t i = 0; i < sizeof stream / sizeof stream[0]; i++) {
        fj_posting *p = posting(stream[i]);
        fj_history_stats a, b;
        cr_assert_eq(fj_history_observe(lite, ctx, p, &a, &err), FJ_OK, "%s", err.message);
        cr_assert_eq(fj_history_observe(h, ctx, p, &b, &err), FJ_OK, "%s", err.message);
        fj_posting_free(p);
        cr_assert(a.seen_before == b.seen_before && a.distinct_companies == b.distinct_companies &&
                      a.first_seen == b.first_seen && a.last_seen == b.last_seen,
                  "posting %zu: SQLite %lld/%lld, PostgreSQL %lld/%lld", i,
                  (long long)a.seen_before, (long long)a.distinct_companies,
                  (long long)b.seen_before, (long long)b.distinct_companies);
        if (i == 5) /* the original and its edited copy under another company */
            cr_assert(b.seen_before == 2 && b.distinct_companies == 2, "%lld seen, %lld companies",
                      (long long)b.seen_before, (long long)b.distinct_companies);
        if (i == 6)
            cr_assert_eq(b.seen_before, 0, "only sightings at or before its observed_at count");
    }
    int64_t n1, n2, removed1, removed2;
    cr_assert_eq(fj_history_forget_before(lite, 1735776000, &removed1, &err), FJ_OK);
    cr_assert_eq(fj_history_forget_before(h, 1735776000, &removed2, &err), FJ_OK, "%s",
                 err.message);
    cr_assert_eq(removed1, removed2);
    cr_assert_eq(fj_history_count(lite, &n1, &err), FJ_OK);
    cr_assert_eq(fj_history_count(h, &n2, &err), FJ_OK);
    cr_assert_eq(n1, n2);
    fj_history_close(lite);
}

Test(history_pg, four_processes_record_each_posting_exactly_once)
{
    NEED_PG();
    enum { WRITERS = 4, EACH = 300 };
    run_writers(WRITERS, EACH);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*), count(DISTINCT posting_id) FROM %s.fj_sightings",
             schema);
    PGconn *c = admin();
    PGresult *r = PQexec(c, q);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    cr_assert_eq(atoi(PQgetvalue(r, 0, 0)), WRITERS * EACH);
    cr_assert_eq(atoi(PQgetvalue(r, 0, 1)), WRITERS * EACH, "no posting twice");
    PQclear(r);
    PQfinish(c);
}

/* Four processes observing copies of one posting at once: the observes are serialized, so the
 * counts they get are 0, 1, 2, ... each exactly once (no two saw the same store, none missed a
 * committed copy). */
BOTH(concurrent_reposts_count_each_other_exactly_once)
{
    enum { WRITERS = 4, EACH = 40 };
    cr_assert_eq(open_store(&h, false, &err), FJ_OK, "%s", err.message); /* made before forking */
    fj_history_close(h);
    h = NULL;
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pid[w] = fork();
        cr_assert(pid[w] >= 0);
        if (pid[w] == 0) {
            close(fds[0]);
            fj_context *c;
            fj_history *store;
            fj_posting *p;
            fj_error e;
            if (fj_context_new(&c, &e) || fj_posting_new(&p, &e) || open_store(&store, false, &e))
                _exit(1);
            for (int i = 0; i < EACH; i++) {
                char json[2048];
                snprintf(json, sizeof json, "{\"id\":\"w%d-%d\"," EN_SCAM "," AT("2025-01-01") "}",
                         w, i);
                fj_history_stats st;
                if (fj_posting_parse_json(p, json, strlen(json), &e) ||
                    fj_history_observe(store, c, p, &st, &e))
                    _exit(2);
                int n = (int)st.seen_before;
                if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n)
                    _exit(3);
            }
            fj_history_close(store);
            _exit(0);
        }
    }
    close(fds[1]);
    static int seen[WRITERS * EACH];
    int n, got = 0;
    while (read(fds[0], &n, sizeof n) == (ssize_t)sizeof n) {
        cr_assert(n >= 0 && n < WRITERS * EACH, "count %d", n);
        seen[n]++;
        got++;
    }
    close(fds[0]);
    for (int w = 0; w < WRITERS; w++) {
        int status;
        cr_assert_eq(waitpid(pid[w], &status, 0), pid[w]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", w);
    }
    cr_assert_eq(got, WRITERS * EACH);
    for (int k = 0; k < WRITERS * EACH; k++)
        cr_assert_eq(seen[k], 1, "count %d was given %d times", k, seen[k]);
}
