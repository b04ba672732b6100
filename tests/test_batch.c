/*
 * test_batch.c - batch scoring and the result serializer: the JSON of results and error results,
 * numbers that read back exactly, input order and identical results for any number of threads,
 * error results that never stop a batch, history observed in input order.
 */
#include "core/fj_internal.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fraud_posts[] = {
    "{\"title\":\"Data Entry Clerk - Work From Home\",\"description\":\"Earn $5000/week typing "
    "from home! Pay a one-time $99 registration fee for your starter kit. WhatsApp +1 555 0100 "
    "or email quickjobs.hr@gmail.com\",\"label\":\"fraud\"}",
    "{\"title\":\"Online Product Reviewer\",\"description\":\"Get paid $40 per review. Unlock "
    "tasks by depositing $150 first. Message us on Telegram now, limited places!\","
    "\"label\":\"fraud\"}",
    "{\"title\":\"Package Handler (Remote)\",\"description\":\"Reship packages overseas. Send "
    "your SSN and bank account details to get started. Weekly pay $3500. Email "
    "reship.team@yahoo.com\",\"label\":\"fraud\"}",
    "{\"title\":\"Customer Service Assistant - URGENT\",\"description\":\"Immediate start, "
    "$45/hour, no interview. Buy the training software ($120) before your first shift. Text "
    "555-0199 today only.\",\"label\":\"fraud\"}",
    "{\"title\":\"Mystery Shopper\",\"description\":\"We mail you a check for $2,450. Deposit "
    "it, keep $300 and wire the rest via Western Union. Reply with your bank routing number.\","
    "\"label\":\"fraud\"}",
    "{\"title\":\"Typist Needed\",\"description\":\"Typing job, $30 a page. Registration costs "
    "$75, paid upfront. WhatsApp only. Hurry, positions fill fast!!!\",\"label\":\"fraud\"}",
};

static const char *const legit_posts[] = {
    "{\"title\":\"Registered Nurse\",\"company\":\"Bellmont Regional Hospital\",\"description\":"
    "\"Night shift RN for our 32-bed Med/Surg unit, three 12-hour shifts a week. Active RN "
    "license and BLS required. Medical, dental, 403(b) match.\",\"label\":\"legit\"}",
    "{\"title\":\"Junior Software Engineer\",\"company\":\"Northwind Systems\",\"description\":"
    "\"Build and test backend services in Go and PostgreSQL, review code, join the on-call "
    "rotation after six months. $85,000-$100,000 plus equity.\",\"label\":\"legit\"}",
    "{\"title\":\"Warehouse Associate\",\"company\":\"Harbor Freight Logistics\",\"description\":"
    "\"Pick, pack and load orders with RF scanners at our Dayton center. Forklift certification "
    "provided at no cost. $18.50/hour, health insurance.\",\"label\":\"legit\"}",
    "{\"title\":\"Staff Accountant\",\"company\":\"Miller & Ross CPAs\",\"description\":\"Prepare "
    "monthly closes, reconcile accounts and assist with audits. Accounting degree required. "
    "Hybrid schedule, 401(k), paid time off.\",\"label\":\"legit\"}",
    "{\"title\":\"Math Teacher\",\"company\":\"Lincoln Unified School District\",\"description\":"
    "\"Certified teacher for algebra and geometry starting in August. Salary per district "
    "schedule, state pension, mentoring for new teachers.\",\"label\":\"legit\"}",
    "{\"title\":\"Barista (Part-Time)\",\"company\":\"Corner Bean Coffee\",\"description\":\"20-25 "
    "hours a week, weekends required. We train you on espresso. $15/hour plus tips. Apply in "
    "person.\",\"label\":\"legit\"}",
};

#define NPOSTS (sizeof fraud_posts / sizeof fraud_posts[0])

static fj_model *model;

static void train_model(void)
{
    fj_error err;
    fj_dataset *d;
    fj_posting *p;
    cr_assert_eq(fj_dataset_new(&d, &err), FJ_OK);
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    for (size_t i = 0; i < NPOSTS; i++) {
        cr_assert_eq(fj_posting_parse_json(p, fraud_posts[i], strlen(fraud_posts[i]), &err), FJ_OK,
                     "%s", err.message);
        cr_assert_eq(fj_dataset_add(d, p, NULL, &err), FJ_OK, "%s", err.message);
        cr_assert_eq(fj_posting_parse_json(p, legit_posts[i], strlen(legit_posts[i]), &err), FJ_OK,
                     "%s", err.message);
        cr_assert_eq(fj_dataset_add(d, p, NULL, &err), FJ_OK, "%s", err.message);
    }
    fj_train_params params;
    fj_train_params_init(&params);
    params.C = 1.0;
    params.folds = 2;
    params.min_df = 1;
    params.threads = 1;
    params.name = "batch-test";
    params.version = "0.0.1";
    cr_assert_eq(fj_train(&model, d, &params, &err), FJ_OK, "%s", err.message);
    fj_posting_free(p);
    fj_dataset_free(d);
}

static void free_model(void)
{
    fj_model_free(model);
    model = NULL;
}

/* ---- the serializer ---- */

Test(result_json, writes_every_field)
{
    fj_posting *p;
    fj_error err;
    cr_assert_eq(fj_posting_new(&p, &err), FJ_OK);
    const char *j = "{\"id\":\"zh-\\\"1\\\"\",\"title\":\"t\"}";
    cr_assert_eq(fj_posting_parse_json(p, j, strlen(j), &err), FJ_OK, "%s", err.message);
    fj_reason missing[2] = {
        {.signal = "no_company_logo", .weight = 0.75, .field = -1},
        {.signal = "short_profile", .weight = 0.25, .field = -1, .label = "given"},
    };
    fj_reason reasons[3] = {
        {.signal = "upfront_fee",
         .weight = 0.5,
         .evidence = "培训费198元\n\"quoted\"",
         .evidence_len = strlen("培训费198元\n\"quoted\""),
         .field = FJ_FIELD_DESCRIPTION,
         .start = 12,
         .end = 35,
         .label = "要求求职者付费 / Asks the applicant to pay"},
        {.signal = "word:kit", .weight = -0.25, .field = -1},
        {.signal = "missing_information",
         .weight = 1,
         .field = -1,
         .missing = missing,
         .missing_count = 2},
    };
    const char *flags[2] = {"upfront_fee", "pressure_language"};
    fj_result r = {.score = 0.1,
                   .margin = 1.0 / 3.0,
                   .verdict = FJ_VERDICT_SUSPICIOUS,
                   .lang = FJ_LANG_ZH,
                   .reasons = reasons,
                   .reason_count = 3,
                   .reasons_available = 1,
                   .flags = flags,
                   .flag_count = 2};
    char *out;
    cr_assert_eq(fj_result_to_json(&r, p, NULL, &out, &err), FJ_OK);
    /* a reason without a label gets the library's (word:kit toward legit), the missing
     * information lists what is missing with labels and weights */
    cr_assert_str_eq(
        out, "{\"id\":\"zh-\\\"1\\\"\",\"lang\":\"zh\",\"score\":0.1,"
             "\"verdict\":\"suspicious\",\"margin\":0.3333333333333333,"
             "\"reasons\":[{\"signal\":\"upfront_fee\",\"label\":\"要求求职者付费 / Asks the "
             "applicant to pay\",\"weight\":0.5,\"evidence\":"
             "\"培训费198元\\n\\\"quoted\\\"\",\"field\":\"description\","
             "\"start\":12,\"end\":35},{\"signal\":\"word:kit\",\"label\":\"常见于正规招聘的用语 "
             "/ Wording often seen in genuine postings\",\"weight\":-0.25},"
             "{\"signal\":\"missing_information\",\"label\":\"信息缺失 / Missing information\","
             "\"weight\":1,\"missing\":[{\"signal\":\"no_company_logo\",\"label\":\"没有公司标志 "
             "/ No company logo\",\"weight\":0.75},{\"signal\":\"short_profile\",\"label\":"
             "\"given\",\"weight\":0.25}]}],\"flags\":[\"upfront_fee\",\"pressure_language\"]}");
    free(out);

    /* No id, no reasons (RBF), a non-finite margin. */
    r.reasons = NULL;
    r.reason_count = 0;
    r.reasons_available = 0;
    r.flags = NULL;
    r.flag_count = 0;
    r.margin = NAN;
    r.score = 0.9999999999999999;
    cr_assert_eq(fj_result_to_json(&r, NULL, NULL, &out, &err), FJ_OK);
    cr_assert_str_eq(out, "{\"id\":null,\"lang\":\"zh\",\"score\":0.9999999999999999,"
                          "\"verdict\":\"suspicious\",\"margin\":null,\"reasons\":[],"
                          "\"flags\":[],\"reasons_available\":false}");
    free(out);
    fj_posting_free(p);
}

Test(result_json, numbers_read_back_exactly)
{
    const double values[] = {0.1, 0.7, 1e-300, 123456.789, -2.5e-7, 0.30000000000000004, 1.0};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        fj_result r = {.score = values[i], .margin = -values[i], .reasons_available = 1};
        char *out;
        cr_assert_eq(fj_result_to_json(&r, NULL, NULL, &out, NULL), FJ_OK);
        json_t *o = json_loads(out, 0, NULL);
        cr_assert_not_null(o, "%s", out);
        cr_assert_eq(json_number_value(json_object_get(o, "score")), values[i], "%s", out);
        cr_assert_eq(json_number_value(json_object_get(o, "margin")), -values[i], "%s", out);
        json_decref(o);
        free(out);
    }
}

Test(result_json, error_results)
{
    fj_error e;
    fj_error_clear(&e);
    fj__error(&e, FJ_ERR_INPUT, "posted_at", 4, -1, "field 'posted_at': bad \"date\"");
    char *out;
    cr_assert_eq(fj_error_result_to_json("x1", &e, 7, &out, NULL), FJ_OK);
    cr_assert_str_eq(out, "{\"id\":\"x1\",\"error\":{\"code\":\"input\",\"message\":"
                          "\"field 'posted_at': bad \\\"date\\\"\",\"field\":\"posted_at\","
                          "\"offset\":4,\"line\":7}}");
    free(out);
    cr_assert_eq(fj_error_result_to_json(NULL, NULL, 0, &out, NULL), FJ_OK);
    cr_assert_str_eq(out, "{\"id\":null,\"error\":{\"code\":\"internal\",\"message\":"
                          "\"unknown error\"}}");
    free(out);
    fj_error err;
    cr_assert_eq(fj_result_to_json(NULL, NULL, NULL, &out, &err), FJ_ERR_ARGUMENT);
    cr_assert_null(out);
    cr_assert_eq(fj_error_result_to_json("x", NULL, 0, NULL, &err), FJ_ERR_ARGUMENT);
}

/* ---- batches ---- */

TestSuite(batch, .init = train_model, .fini = free_model);

/* Split JSONL into lines (each without its newline) into a caller-freed array. */
static size_t split_lines(char *text, size_t len, char ***lines)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    *lines = calloc(n ? n : 1, sizeof **lines);
    size_t k = 0;
    char *s = text;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            text[i] = '\0';
            (*lines)[k++] = s;
            s = text + i + 1;
        }
    return n;
}

static char *run_batch(const char *const *posts, size_t n, int threads, fj_history *h,
                       size_t *out_len, size_t *errors)
{
    fj_batch_options o;
    fj_batch_options_init(&o);
    o.threads = threads;
    o.history = h;
    o.now = 1748736000; /* 2025-06-01 */
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    for (size_t i = 0; i < n; i++)
        lens[i] = posts[i] ? strlen(posts[i]) : 0;
    char *out;
    fj_error err;
    cr_assert_eq(fj_score_json_batch(model, posts, lens, n, &o, &out, out_len, errors, &err), FJ_OK,
                 "%s", err.message);
    free(lens);
    return out;
}

/* The result line of one posting scored alone with fj_score_with. */
static char *score_alone(fj_context *ctx, fj_posting *p, const char *json,
                         const fj_history_stats *hist)
{
    fj_error err;
    fj_result r;
    cr_assert_eq(fj_posting_parse_json(p, json, strlen(json), &err), FJ_OK, "%s", err.message);
    cr_assert_eq(fj_score_with(ctx, model, p, hist, NULL, &r, &err), FJ_OK, "%s", err.message);
    char *out;
    cr_assert_eq(fj_result_to_json(&r, p, model, &out, &err), FJ_OK);
    return out;
}

Test(batch, same_results_for_any_number_of_threads_in_input_order)
{
    enum { N = 300 };
    const char *posts[N];
    for (size_t i = 0; i < N; i++)
        posts[i] = i % 2 ? fraud_posts[i % NPOSTS] : legit_posts[i % NPOSTS];
    size_t len1, len4, len0, errs;
    char *one = run_batch(posts, N, 1, NULL, &len1, &errs);
    cr_assert_eq(errs, 0);
    char *four = run_batch(posts, N, 4, NULL, &len4, NULL);
    char *all = run_batch(posts, N, 0, NULL, &len0, NULL);
    cr_assert_eq(len1, strlen(one));
    cr_assert_eq(len1, len4);
    cr_assert_str_eq(one, four);
    cr_assert_str_eq(one, all);

    /* Each line is what fj_score_with + fj_result_to_json give for that posting. */
    fj_context *ctx;
    fj_posting *p;
    cr_assert_eq(fj_context_new(&ctx, NULL), FJ_OK);
    cr_assert_eq(fj_posting_new(&p, NULL), FJ_OK);
    fj_context_set_now(ctx, 1748736000);
    char **lines;
    cr_assert_eq(split_lines(one, len1, &lines), N);
    for (size_t i = 0; i < N; i++) {
        char *alone = score_alone(ctx, p, posts[i], NULL);
        cr_assert_str_eq(lines[i], alone, "posting %zu", i);
        cr_assert(strstr(lines[i], "\"model\":\"batch-test 0.0.1\""), "%s", lines[i]);
        free(alone);
    }
    free(lines);
    fj_posting_free(p);
    fj_context_free(ctx);
    free(one);
    free(four);
    free(all);
}

Test(batch, bad_postings_get_error_results_and_the_batch_goes_on)
{
    const char *posts[] = {
        fraud_posts[0],
        "{\"id\":\"broken\", \"title\": ",                       /* bad JSON */
        "{\"id\":\"typed\",\"title\":\"t\",\"openings\":\"x\"}", /* a wrong type */
        "{\"id\":\"empty\",\"company\":\"c\"}",                  /* neither title nor description */
        "",                                                      /* nothing at all */
        "{\"id\":\"utf8\",\"title\":\"\xff\"}",                  /* invalid UTF-8 */
        legit_posts[0],
    };
    size_t n = sizeof posts / sizeof posts[0], len, errs;
    char *out = run_batch(posts, n, 3, NULL, &len, &errs);
    cr_assert_eq(errs, 5);
    char **lines;
    cr_assert_eq(split_lines(out, len, &lines), n);
    cr_assert(strstr(lines[0], "\"score\":"), "%s", lines[0]);
    cr_assert(strstr(lines[6], "\"score\":"), "%s", lines[6]);
    cr_assert(strncmp(lines[1], "{\"id\":null,\"error\":{\"code\":\"input\"", 34) == 0, "%s",
              lines[1]);
    cr_assert(strncmp(lines[2], "{\"id\":\"typed\",\"error\":{\"code\":\"input\"", 37) == 0, "%s",
              lines[2]);
    cr_assert(strstr(lines[2], "\"field\":\"openings\""), "%s", lines[2]);
    cr_assert(strncmp(lines[3], "{\"id\":\"empty\",\"error\":", 22) == 0, "%s", lines[3]);
    cr_assert(strncmp(lines[4], "{\"id\":null,\"error\":{\"code\":\"input\"", 34) == 0, "%s",
              lines[4]);
    cr_assert(strstr(lines[5], "\"error\":"), "%s", lines[5]);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_loads(lines[i], 0, NULL);
        cr_assert_not_null(o, "line %zu is not JSON: %s", i, lines[i]);
        json_decref(o);
    }
    free(lines);
    free(out);
}

Test(batch, lines_and_source_in_error_results)
{
    const char *posts[] = {legit_posts[1], "{\"title\":5}"};
    size_t lens[] = {strlen(posts[0]), strlen(posts[1])};
    long long lines[] = {3, 9};
    fj_batch_options o;
    fj_batch_options_init(&o);
    o.lines = lines;
    o.source = "in.jsonl";
    char *out;
    cr_assert_eq(fj_score_json_batch(model, posts, lens, 2, &o, &out, NULL, NULL, NULL), FJ_OK);
    cr_assert(strstr(out, "\"message\":\"in.jsonl:9: "), "%s", out);
    cr_assert(strstr(out, "\"line\":9}}\n"), "%s", out);
    cr_assert(!strstr(out, "in.jsonl:3"), "%s", out);
    free(out);
}

Test(batch, history_is_observed_in_input_order)
{
    enum { N = 40 };
    const char *posts[N];
    for (size_t i = 0; i < N; i++)
        posts[i] = fraud_posts[i % 3];
    fj_history *h;
    fj_error err;
    cr_assert_eq(fj_history_open(&h, NULL, &err), FJ_OK, "%s", err.message);
    size_t len;
    char *out = run_batch(posts, N, 4, h, &len, NULL);

    /* The same stream scored one posting at a time with a fresh store. */
    fj_history *h2;
    fj_context *ctx;
    fj_posting *p;
    cr_assert_eq(fj_history_open(&h2, NULL, &err), FJ_OK);
    cr_assert_eq(fj_context_new(&ctx, NULL), FJ_OK);
    cr_assert_eq(fj_posting_new(&p, NULL), FJ_OK);
    fj_context_set_now(ctx, 1748736000);
    char **lines;
    cr_assert_eq(split_lines(out, len, &lines), N);
    for (size_t i = 0; i < N; i++) {
        fj_history_stats st;
        cr_assert_eq(fj_posting_parse_json(p, posts[i], strlen(posts[i]), &err), FJ_OK);
        cr_assert_eq(fj_history_observe(h2, ctx, p, &st, &err), FJ_OK, "%s", err.message);
        cr_assert_eq(st.seen_before, (int64_t)(i / 3));
        char *alone = score_alone(ctx, p, posts[i], &st);
        cr_assert_str_eq(lines[i], alone, "posting %zu", i);
        free(alone);
    }
    /* The batch recorded every posting. */
    fj_history_stats st;
    cr_assert_eq(fj_posting_parse_json(p, posts[0], strlen(posts[0]), &err), FJ_OK);
    cr_assert_eq(fj_history_query(h, ctx, p, &st, &err), FJ_OK);
    cr_assert_eq(st.seen_before, (N + 2) / 3);
    free(lines);
    free(out);
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_history_close(h2);
    fj_history_close(h);
}

Test(batch, empty_batches_and_bad_arguments)
{
    char *out = (char *)1;
    size_t len = 7;
    fj_error err;
    cr_assert_eq(fj_score_json_batch(model, NULL, NULL, 0, NULL, &out, &len, NULL, &err), FJ_OK);
    cr_assert_str_eq(out, "");
    cr_assert_eq(len, 0);
    free(out);

    const char *posts[] = {legit_posts[0]};
    size_t lens[] = {strlen(posts[0])};
    cr_assert_eq(fj_score_json_batch(NULL, posts, lens, 1, NULL, &out, NULL, NULL, &err),
                 FJ_ERR_ARGUMENT);
    cr_assert_null(out);
    cr_assert(strstr(err.message, "model"), "%s", err.message);
    cr_assert_eq(fj_score_json_batch(model, NULL, lens, 1, NULL, &out, NULL, NULL, &err),
                 FJ_ERR_ARGUMENT);
    cr_assert_eq(fj_score_json_batch(model, posts, lens, 1, NULL, NULL, NULL, NULL, &err),
                 FJ_ERR_ARGUMENT);
    fj_batch_options o;
    fj_batch_options_init(&o);
    o.threads = -1;
    cr_assert_eq(fj_score_json_batch(model, posts, lens, 1, &o, &out, NULL, NULL, &err),
                 FJ_ERR_ARGUMENT);
    cr_assert_null(out);
    fj_batch_options_init(NULL); /* NULL-safe */
}

Test(batch, caller_contexts_are_used_and_kept)
{
    enum { N = 64 };
    const char *posts[N];
    size_t lens[N];
    for (size_t i = 0; i < N; i++) {
        posts[i] = i % 3 ? fraud_posts[i % NPOSTS] : legit_posts[i % NPOSTS];
        lens[i] = strlen(posts[i]);
    }
    size_t len;
    char *fresh = run_batch(posts, N, 2, NULL, &len, NULL);

    fj_context *ctx[2];
    cr_assert_eq(fj_context_new(&ctx[0], NULL), FJ_OK);
    cr_assert_eq(fj_context_new(&ctx[1], NULL), FJ_OK);
    fj_batch_options o;
    fj_batch_options_init(&o);
    o.threads = 2;
    o.now = 1748736000;
    o.contexts = ctx;
    fj_error err;
    for (int round = 0; round < 2; round++) { /* the second round reuses warm contexts */
        char *out;
        cr_assert_eq(fj_score_json_batch(model, posts, lens, N, &o, &out, NULL, NULL, &err), FJ_OK,
                     "%s", err.message);
        cr_assert_str_eq(out, fresh);
        free(out);
    }
    /* The contexts still work on their own: the batch did not free them. */
    fj_posting *p;
    cr_assert_eq(fj_posting_new(&p, NULL), FJ_OK);
    char *alone = score_alone(ctx[1], p, posts[0], NULL);
    cr_assert(strncmp(fresh, alone, strlen(alone)) == 0, "%s", alone);
    free(alone);
    fj_posting_free(p);

    char *out;
    o.threads = 0; /* contexts need their number */
    cr_assert_eq(fj_score_json_batch(model, posts, lens, N, &o, &out, NULL, NULL, &err),
                 FJ_ERR_ARGUMENT);
    fj_context *holes[2] = {ctx[0], NULL};
    o.threads = 2;
    o.contexts = holes;
    cr_assert_eq(fj_score_json_batch(model, posts, lens, N, &o, &out, NULL, NULL, &err),
                 FJ_ERR_ARGUMENT);
    cr_assert(strstr(err.message, "contexts[1]"), "%s", err.message);
    fj_context_free(ctx[0]);
    fj_context_free(ctx[1]);
    free(fresh);
}

Test(batch, a_null_posting_is_an_error_result_without_an_earlier_id)
{
    const char *posts[] = {"{\"id\":\"first\",\"title\":\"Barista\"}", NULL, NULL};
    size_t lens[] = {strlen(posts[0]), 5, 0};
    fj_batch_options o;
    fj_batch_options_init(&o);
    o.threads = 1;
    char *out;
    size_t errors;
    cr_assert_eq(fj_score_json_batch(model, posts, lens, 3, &o, &out, NULL, &errors, NULL), FJ_OK);
    cr_assert_eq(errors, 2);
    char **lines;
    cr_assert_eq(split_lines(out, strlen(out), &lines), 3);
    cr_assert(strncmp(lines[0], "{\"id\":\"first\",\"lang\":", 21) == 0, "%s", lines[0]);
    cr_assert(strncmp(lines[1], "{\"id\":null,\"error\":{\"code\":\"argument\"", 37) == 0, "%s",
              lines[1]);
    cr_assert(strncmp(lines[2], "{\"id\":null,\"error\":{\"code\":\"input\"", 34) == 0, "%s",
              lines[2]);
    free(lines);
    free(out);
}
