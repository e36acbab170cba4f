/* For the journal's tests: a PostgreSQL URL whose search path is a schema of the test's own, so that test programs
 * running at once (ctest -j) never drop or fill each other's journal tables in the one shared database. */
#ifndef CL_JOURNAL_PG_H
#define CL_JOURNAL_PG_H

#include <stdio.h>
#include <string.h>

#include "clearance/store.h"

/* Creates schema in the database at url and writes a URL that uses it into out. false if that fails. */
static inline bool journal_pg_schema_url(const char *url, const char *schema, char *out, size_t cap)
{
    struct cl_store *st = NULL;
    struct cl_error e = {0};
    if (cl_store_open(url, NULL, &st, &e)) {
        fprintf(stderr, "%s: %s\n", url, e.msg);
        return false;
    }
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s", schema);
    enum cl_err rc = cl_store_exec(st, sql, NULL, 0, NULL, &e);
    cl_store_close(st);
    if (rc) {
        fprintf(stderr, "%s: %s\n", sql, e.msg);
        return false;
    }
    snprintf(out, cap, "%s%soptions=-csearch_path%%3D%s", url, strchr(url, '?') ? "&" : "?", schema);
    return true;
}

#endif
