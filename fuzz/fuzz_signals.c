/*
 * fuzz_signals.c - libFuzzer target: a posting through tokenization and signal extraction.
 * The input is a posting's JSON; when it is not one, its bytes (when valid UTF-8) become the
 * description, and the first line the title, so raw text reaches the signal scanners too.
 * Each posting is run with no history and with repost statistics taken from the input.
 * Checks: every signal fired is a known name, once, with a finite non-zero value; evidence is
 * valid UTF-8 quoted verbatim from the field it names; token spans lie inside their field.
 */
#include "fakejob.h"
#include "core/fj_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_signals: check failed at line %d: %s\n", __LINE__, #cond);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static fj_context *ctx;
static fj_posting *p;

/* Whether needle[0..n) occurs in hay[0..len) (memmem is a GNU extension). */
static bool contains(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

static bool known_signal(const char *name)
{
    for (size_t i = 0; i < fj_signal_count(); i++)
        if (strcmp(fj_signal_name(i), name) == 0)
            return true;
    return false;
}

static void check_signals(const fj_signal *sig, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        CHECK(sig[i].name != NULL && known_signal(sig[i].name));
        for (size_t k = 0; k < i; k++)
            CHECK(strcmp(sig[k].name, sig[i].name) != 0); /* each signal once */
        CHECK(isfinite(sig[i].value) && sig[i].value != 0.0);
        CHECK(sig[i].field >= -1 && sig[i].field < FJ_FIELD_COUNT);
        if (!sig[i].evidence)
            continue;
        CHECK(fj__utf8_check(sig[i].evidence, sig[i].evidence_len, true) ==
              (long long)sig[i].evidence_len);
        if (sig[i].field >= 0) {
            size_t flen;
            const char *f = fj_posting_string(p, (fj_field)sig[i].field, &flen);
            if (!f)
                continue; /* a non-string field (a date, a number): evidence is a rendering */
            CHECK(sig[i].evidence_len <= flen);
            CHECK(contains(f, flen, sig[i].evidence, sig[i].evidence_len));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    fj_error err;
    if (!ctx && (fj_context_new(&ctx, NULL) != FJ_OK || fj_posting_new(&p, NULL) != FJ_OK))
        abort();
    fj_context_set_now(ctx, 1767225600); /* 2026-01-01: ages do not depend on the clock */
    if (fj_posting_parse_json(p, s, size, &err) != FJ_OK) {
        CHECK(err.message[0] != '\0');
        fj_posting_clear(p);
        if (fj__utf8_check(s, size, true) != (long long)size)
            return 0;
        const char *nl = memchr(s, '\n', size);
        size_t tlen = nl ? (size_t)(nl - s) : size;
        if (fj_posting_set_string(p, FJ_FIELD_TITLE, s, tlen, &err) != FJ_OK ||
            fj_posting_set_string(p, FJ_FIELD_DESCRIPTION, s, size, &err) != FJ_OK)
            return 0;
        if (size == 0)
            return 0;
    }

    const fj_token *toks;
    size_t n;
    fj_status st = fj_tokenize_posting(ctx, p, &toks, &n, &err);
    if (st == FJ_OK) {
        CHECK(n <= FJ_MAX_TOKENS);
        for (size_t i = 0; i < n; i++) {
            size_t flen;
            CHECK(fj_posting_string(p, (fj_field)toks[i].field, &flen) != NULL);
            CHECK(toks[i].start <= toks[i].end && toks[i].end <= flen);
            CHECK(toks[i].text && toks[i].len > 0 && toks[i].text[toks[i].len] == '\0');
        }
    } else {
        CHECK(st == FJ_ERR_LIMIT && err.message[0]);
    }

    const fj_signal *sig;
    size_t ns;
    st = fj_signals(ctx, p, NULL, &sig, &ns, &err);
    CHECK(st == FJ_OK || ((st == FJ_ERR_LIMIT || st == FJ_ERR_INPUT) && err.message[0]));
    if (st == FJ_OK)
        check_signals(sig, ns);

    /* repost statistics from the input's first bytes, extreme values included */
    fj_history_stats h = {0};
    if (size >= 8) {
        int64_t v;
        memcpy(&v, s + size - 8, 8);
        h.seen_before = v & 0xffffff;
        h.distinct_companies = (v >> 24) & 0xff;
        h.first_seen = v >> 8;
        h.last_seen = (v & 1) ? INT64_MAX : 1767225600;
    }
    st = fj_signals(ctx, p, &h, &sig, &ns, &err);
    CHECK(st == FJ_OK || ((st == FJ_ERR_LIMIT || st == FJ_ERR_INPUT) && err.message[0]));
    if (st == FJ_OK)
        check_signals(sig, ns);
    return 0;
}
