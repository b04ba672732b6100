/*
 * fuzz_serve.c - libFuzzer target: the request handler of `fakejob serve` (tools/serve_handler.c)
 * without sockets. The first four bytes choose the method, the route, the content type and the
 * headers (an allowed or foreign Origin, a preflight method, a right or wrong API key, an
 * oversized body); the rest is the body. Every answer must be a known status with a body, and a
 * JSON error object for every 4xx/5xx.
 */
#include "serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static srv S;
static fj_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    srv_init(&S);
    fj_error err;
    srv_model *m = srv_model_load(FJ_SOURCE_MODELDIR "/default", &S, &err);
    if (!m || fj_context_new(&ctx, &err) != FJ_OK) {
        fprintf(stderr, "fuzz_serve: %s\n", err.message);
        abort();
    }
    srv_model_swap(&S, m);
    static char origin[] = "chrome-extension://fuzz";
    static char *origins[] = {origin};
    S.cors = NULL; /* srv_destroy would free it: never called here */
    S.cors = origins;
    S.ncors = 1;
    S.keys = calloc(1, sizeof *S.keys);
    srv_sha256("fuzz-key", 8, S.keys[0]);
    S.nkeys = 1;
    S.max_postings = 64;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "OPTIONS", "HEAD", "PUT", ""};
    static const char *const paths[] = {"/v1/score", "/v1/signals", "/v1/model", "/v1/feedback",
                                        "/healthz",  "/readyz",     "/metrics",  "/",
                                        "/page.js",  "/v1/score/",  "/nope"};
    static const char *const types[] = {"application/json", "application/x-ndjson",
                                        "application/json; charset=utf-8", "text/plain", NULL};
    if (size < 4)
        return 0;
    srv_request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    rq.path = paths[data[1] % (sizeof paths / sizeof paths[0])];
    rq.content_type = types[data[2] % (sizeof types / sizeof types[0])];
    uint8_t h = data[3];
    rq.origin = h & 1 ? "chrome-extension://fuzz" : h & 2 ? "https://other.example" : NULL;
    rq.acr_method = h & 4 ? "POST" : NULL;
    rq.authorization = h & 8 ? "Bearer fuzz-key" : h & 16 ? "Bearer wrong" : NULL;
    rq.body_too_large = (h & 0xe0) == 0xe0;
    rq.body = (const char *)data + 4;
    rq.body_len = size - 4;
    rq.ctx = ctx;
    srv_response rs;
    srv_handle(&S, &rq, &rs);
    if (rs.status < 200 || rs.status > 599 || (!rs.body && rs.body_len))
        abort();
    if (rs.status >= 400 && (!rs.body || strncmp(rs.body, "{\"id\":", 6) != 0 ||
                             !strstr(rs.body, "\"error\":{\"code\":\"")))
        abort(); /* every refusal is an error object */
    srv_response_free(&rs);
    return 0;
}
