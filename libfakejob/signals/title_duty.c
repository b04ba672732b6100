/*
 * title_duty.c - the title half of title_duty_mismatch (bait-and-switch: an office or service
 * role in the title, selling, recruiting or commission-only pay in the duties).
 *
 * The duty half is a class of the clause detectors (FJ_CLS_DUTY) that signals.c scores on every
 * window of the description, requirements and benefits, with the scope rules of the other
 * detected signals (a negated duty, "no cold calling", 不需要推销, does not count). This file reads
 * the title: the whole title is one clause, scored by the detectors' title class (FJ_CLS_TITLE:
 * an office or service role that sells nothing - clerk, receptionist, assistant, customer
 * service, admin, HR, management trainee, marketing - against a title that names selling or
 * another trade), firing at TITLE_THRESHOLD at most. The title_role.txt lexicon is one of that
 * model's features, not a rule: an "assistant" that is a dental or nursing assistant, or a 客服
 * title that names the loans it sells (信贷客服), is read as the model learned it. Training also
 * uses the lexicon to pick the legitimate postings whose every clause is a negative of the duty
 * class (fj__title_role_words).
 */
#include "signals/title_duty.h"

#include <string.h>

/* The title fires at this probability when its class's threshold is higher. That threshold holds
 * the class alone to 1 % of the negative titles; here the title is half of a conjunction with a
 * selling duty clause, and a title more likely an office role than not is enough. Measured
 * (docs/signals.md): on the odd-numbered legitimate EMSCAD / ORFD postings the signal's rate goes
 * from 0.8 % / 1.1 % at the class's threshold to 1.0 % / 1.2 % at 0.6, while the corpus's
 * bait-and-switch postings found go from 13 to 16 of 17 (Chinese); the English ones stay at 8
 * of 10. */
#define TITLE_THRESHOLD 0.6

bool fj__title_office(const fj_detectors *det, fj_lang lang, const char *t, size_t len,
                      const uint32_t *orig, const fj_token *tok, size_t ntok, const fj__lexmatch *m,
                      size_t nm, fj__featvec *fv, double *prob, bool *oom)
{
    *oom = false;
    *prob = 0;
    if (!det || !t || len == 0)
        return false;
    /* a title longer than a clause is read up to the clause limit, at a character boundary */
    size_t b = len < FJ_CLS_MAX_CLAUSE_BYTES ? len : FJ_CLS_MAX_CLAUSE_BYTES;
    while (b < len && b > 0 && ((unsigned char)t[b] & 0xC0) == 0x80)
        b--;
    size_t nt = 0, nmm = 0;
    while (nt < ntok && tok[nt].end <= b)
        nt++;
    while (nmm < nm && m[nmm].end <= b)
        nmm++;
    fv->n = 0;
    if (!fj__clause_features(fv, lang, t, 0, b, orig, tok, nt, m, nmm)) {
        *oom = true;
        return false;
    }
    double p[FJ_CLS_COUNT];
    fj__detectors_score(det, lang, fv->v, fv->n, p);
    *prob = p[FJ_CLS_TITLE];
    double thr = det->lang[lang == FJ_LANG_EN ? 1 : 0].sig[FJ_CLS_TITLE].threshold;
    return *prob >= (thr < TITLE_THRESHOLD ? thr : TITLE_THRESHOLD);
}

bool fj__title_role_words(const fj__lexmatch *m, size_t nm, bool *role, bool *sells)
{
    *role = *sells = false;
    for (size_t i = 0; i < nm; i++) {
        const fj__lex_entry *le = &fj__lex_entries[m[i].entry];
        if (le->lex == FJ_LEX_TITLE_ROLE && le->tag == FJ_TAG_SALES)
            *sells = true;
        else if (le->lex == FJ_LEX_TITLE_ROLE)
            *role = true;
    }
    return *role && !*sells;
}
