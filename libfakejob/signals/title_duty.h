/*
 * title_duty.h - private interface of the title half of title_duty_mismatch (title_duty.c).
 * Not installed.
 */
#ifndef FJ_TITLE_DUTY_H
#define FJ_TITLE_DUTY_H

#include "signals/clauses.h"

/**
 * Whether a title names an office or service role that sells nothing, read by the detectors'
 * title class (FJ_CLS_TITLE) on the whole normalized title t[0, len) (cut at
 * FJ_CLS_MAX_CLAUSE_BYTES) with its tokens and lexicon matches (sorted by start; those past the
 * cut are left out), at the class's threshold. *prob receives the calibrated probability. `fv`
 * is scratch (overwritten). false with *oom set on allocation failure.
 */
bool fj__title_office(const fj_detectors *det, fj_lang lang, const char *t, size_t len,
                      const uint32_t *orig, const fj_token *tok, size_t ntok, const fj__lexmatch *m,
                      size_t nm, fj__featvec *fv, double *prob, bool *oom);

/** What title_role.txt finds among a title's lexicon matches m[0, nm): an office or service role
 *  (*role) and a word that names selling (*sells). Returns *role && !*sells: the title is an office
 *  role by the lexicon (training uses it to pick background negatives of the duty class). */
bool fj__title_role_words(const fj__lexmatch *m, size_t nm, bool *role, bool *sells);

#endif /* FJ_TITLE_DUTY_H */
