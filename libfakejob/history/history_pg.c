/*
 * history_pg.c - the PostgreSQL backend of the history store (history_store.h).
 */
#include "history/history_store.h"

fj_status fj__pg_connect(fj_history *h, const char *uri, fj_error *err)
{
    (void)uri;
    return fj__errorf(err, FJ_ERR_ARGUMENT,
                      "history store %s: this libfakejob was built without PostgreSQL support "
                      "(libpq)",
                      h->name);
}
