/*
 * signals_json.c - the signals of a posting as JSON (fj_signals_to_json), the format of
 * `fakejob signals` and of the HTTP service's /v1/signals:
 *   {"id":…,"lang":"zh","signals":[{"signal":…,"value":…,"evidence":…,"field":…}, …]}
 */
#include "core/json.h"

#include <stdlib.h>
#include <string.h>

fj_status fj_signals_to_json(const fj_posting *p, fj_lang lang, const fj_signal *signals,
                             size_t count, char **out, fj_error *err)
{
    if (!out || (!signals && count))
        return fj__errorf(err, FJ_ERR_ARGUMENT, "fj_signals_to_json: NULL argument");
    *out = NULL;
    size_t id_len = 0;
    const char *id = p ? fj_posting_string(p, FJ_FIELD_ID, &id_len) : NULL;
    fj_buf b = {0};
    fj_jw w;
    fj__jw_init(&w, &b);
    fj__jw_object(&w);
    fj__jw_key(&w, "id");
    fj__jw_string(&w, id, id_len);
    fj__jw_key(&w, "lang");
    fj__jw_cstring(&w, fj_lang_name(lang));
    fj__jw_key(&w, "signals");
    fj__jw_array(&w);
    for (size_t i = 0; i < count; i++) {
        const fj_signal *s = &signals[i];
        fj__jw_object(&w);
        fj__jw_key(&w, "signal");
        fj__jw_cstring(&w, s->name ? s->name : "");
        fj__jw_key(&w, "value");
        fj__jw_double(&w, s->value);
        if (s->evidence) {
            fj__jw_key(&w, "evidence");
            fj__jw_string(&w, s->evidence, s->evidence_len);
            const char *fname = fj_field_name((fj_field)s->field);
            if (fname) {
                fj__jw_key(&w, "field");
                fj__jw_cstring(&w, fname);
            }
        }
        fj__jw_end(&w);
    }
    fj__jw_end(&w);
    fj__jw_end(&w);
    if (!w.ok) {
        fj__buf_free(&b);
        return fj__nomem(err);
    }
    *out = b.data;
    return FJ_OK;
}
