/*
 * fuzz_posting.c - libFuzzer target: one posting's JSON through the parser, then back to JSON
 * and parsed again (the round trip must succeed for anything the parser accepted).
 */
#include "fakejob.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fj_posting *p = NULL, *q = NULL;
    fj_error err;
    if (fj_posting_new(&p, &err) != FJ_OK)
        return 0;
    if (fj_posting_parse_json(p, (const char *)data, size, &err) == FJ_OK) {
        char *json = NULL;
        if (fj_posting_to_json(p, &json, &err) == FJ_OK) {
            fj_posting_new(&q, NULL);
            if (fj_posting_parse_json(q, json, strlen(json), &err) != FJ_OK)
                abort(); /* what we wrote must read back */
            fj_posting_free(q);
            free(json);
        }
    } else if (err.message[0] == '\0') {
        abort(); /* every failure says why */
    }
    fj_posting_free(p);
    return 0;
}
