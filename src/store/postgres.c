/* The PostgreSQL backend of the store, through libpq: several server nodes share one database. Placeholders
 * `?` are numbered $1..$n; write transactions are SERIALIZABLE and a serialisation failure is CL_ERR_BUSY.
 * Each statement is prepared on the server the first time the connection runs it (named cl0, cl1, ...), so the
 * server parses and plans it once rather than on every call. Prepared statements belong to the session: a pooler
 * in front of the database must keep each connection's session (PgBouncer's session mode, not transaction mode). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define PG_MAX_PARAMS 64

struct pg_store {
    struct cl_store base;
    PGconn *conn;
    struct cl_stmt_cache cache; /* tag: the number in the prepared statement's name */
    unsigned prepared;
};

/* Rewrites `?` outside quoted strings as $1, $2 ... into a new malloc'd string. */
static char *number_placeholders(const char *sql)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 4 + 1);
    if (!out) return NULL;
    size_t o = 0;
    int n = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
            out[o++] = *p;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            out[o++] = *p;
        } else if (*p == '?') {
            o += (size_t)sprintf(out + o, "$%d", ++n);
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}

static enum cl_err result_error(PGresult *res, PGconn *conn, const char *what, struct cl_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    enum cl_err code = CL_ERR_STORE;
    if (state) {
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
            code = CL_ERR_BUSY; /* serialisation failure, deadlock, lock not available */
        else if (strncmp(state, "23", 2) == 0)
            code = CL_ERR_CONFLICT; /* integrity constraint violation */
    }
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    char clean[200];
    snprintf(clean, sizeof(clean), "%s", msg && *msg ? msg : "unknown error");
    clean[strcspn(clean, "\n")] = '\0';
    return cl_error_set(err, code, "postgres: %s: %s", what, clean);
}

struct pg_row {
    PGresult *res;
    unsigned char *blob; /* the last decoded BYTEA value, freed after the row's callback */
};

static size_t row_count(const struct cl_row *r)
{
    return (size_t)PQnfields(((struct pg_row *)r->impl)->res);
}
static bool row_is_null(const struct cl_row *r, size_t c)
{
    return PQgetisnull(((struct pg_row *)r->impl)->res, r->index, (int)c);
}
static int64_t row_int(const struct cl_row *r, size_t c)
{
    PGresult *res = ((struct pg_row *)r->impl)->res;
    if (PQgetisnull(res, r->index, (int)c)) return 0;
    return strtoll(PQgetvalue(res, r->index, (int)c), NULL, 10);
}
static const char *row_text(const struct cl_row *r, size_t c, size_t *len)
{
    PGresult *res = ((struct pg_row *)r->impl)->res;
    if (len) *len = (size_t)PQgetlength(res, r->index, (int)c);
    return PQgetvalue(res, r->index, (int)c);
}
static const void *row_blob(const struct cl_row *r, size_t c, size_t *len)
{
    /* results come in text form, where BYTEA is "\\x" and hex: decode it into the row's buffer */
    struct pg_row *impl = r->impl;
    size_t n = 0;
    const char *t = row_text(r, c, &n);
    if (n < 2 || t[0] != '\\' || t[1] != 'x') {
        if (len) *len = n;
        return t;
    }
    PQfreemem(impl->blob);
    impl->blob = PQunescapeBytea((const unsigned char *)t, &n);
    if (len) *len = impl->blob ? n : 0;
    return impl->blob ? (const void *)impl->blob : "";
}
static const struct cl_row_ops pg_row_ops = {row_count, row_is_null, row_int, row_text, row_blob};

/* Prepares sql on the server under the next name and caches it in slot; false if either fails. Parameter types are
 * left for the server to infer, as for an unprepared statement. */
static bool prepare(struct pg_store *s, struct cl_stmt_slot *slot, const char *sql, size_t n)
{
    char *q = number_placeholders(sql), name[24];
    if (!q) return false;
    snprintf(name, sizeof(name), "cl%u", s->prepared);
    PGresult *res = PQprepare(s->conn, name, q, (int)n, NULL);
    free(q);
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) return false;
    s->prepared++; /* the name is taken even if caching fails */
    return cl_stmt_cache_put(&s->cache, slot, sql, NULL, s->prepared - 1);
}

static enum cl_err run(struct cl_store *st, const char *sql, const struct cl_val *p, size_t n, cl_row_fn fn,
                       void *ctx, int64_t *out_changes, struct cl_error *err)
{
    struct pg_store *s = (struct pg_store *)st;
    if (n > PG_MAX_PARAMS) return cl_error_set(err, CL_ERR_INTERNAL, "postgres: more than %d parameters", PG_MAX_PARAMS);
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS], formats[PG_MAX_PARAMS];
    char ints[PG_MAX_PARAMS][24];
    for (size_t i = 0; i < n; i++) {
        formats[i] = 0;
        lengths[i] = 0;
        switch (p[i].type) {
        case CL_VAL_NULL: values[i] = NULL; break;
        case CL_VAL_INT:
            snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)p[i].i);
            values[i] = ints[i];
            break;
        case CL_VAL_TEXT:
            values[i] = p[i].p ? p[i].p : "";
            lengths[i] = (int)p[i].n;
            formats[i] = 1; /* binary text: exact length, no NUL needed */
            break;
        default:
            values[i] = p[i].p ? p[i].p : "";
            lengths[i] = (int)p[i].n;
            formats[i] = 1;
            break;
        }
    }
    bool found = false;
    struct cl_stmt_slot *slot = cl_stmt_cache_find(&s->cache, sql, &found);
    if (slot && !found && !prepare(s, slot, sql, n)) slot = NULL;
    PGresult *res;
    if (slot) {
        char name[24];
        snprintf(name, sizeof(name), "cl%u", slot->tag);
        res = PQexecPrepared(s->conn, name, (int)n, values, lengths, formats, 0);
    } else {
        /* uncached (the cache is full), or the server would not prepare it: this call reports why */
        char *q = number_placeholders(sql);
        if (!q) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        res = PQexecParams(s->conn, q, (int)n, NULL, values, lengths, formats, 0);
        free(q);
    }
    enum cl_err rc = CL_OK;
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        rc = result_error(res, s->conn, "query", err);
    } else {
        struct pg_row impl = {res, NULL};
        struct cl_row row = {&pg_row_ops, &impl, 0};
        int rows = PQntuples(res);
        for (int i = 0; i < rows && !rc && fn; i++) {
            row.index = i;
            rc = fn(ctx, &row, err);
            PQfreemem(impl.blob);
            impl.blob = NULL;
        }
        if (!rc && out_changes) {
            const char *t = PQcmdTuples(res);
            *out_changes = t && *t ? strtoll(t, NULL, 10) : 0;
        }
    }
    PQclear(res);
    return rc;
}

static enum cl_err p_exec(struct cl_store *st, const char *sql, const struct cl_val *p, size_t n, int64_t *changes,
                          struct cl_error *err)
{
    return run(st, sql, p, n, NULL, NULL, changes, err);
}

static enum cl_err p_query(struct cl_store *st, const char *sql, const struct cl_val *p, size_t n, cl_row_fn fn,
                           void *ctx, struct cl_error *err)
{
    return run(st, sql, p, n, fn, ctx, NULL, err);
}

static enum cl_err p_script(struct cl_store *st, const char *sql, struct cl_error *err)
{
    struct pg_store *s = (struct pg_store *)st;
    PGresult *res = PQexec(s->conn, sql);
    enum cl_err rc = CL_OK;
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) rc = result_error(res, s->conn, "script", err);
    PQclear(res);
    return rc;
}

static enum cl_err p_begin(struct cl_store *st, enum cl_tx_mode mode, struct cl_error *err)
{
    return p_script(st, mode == CL_TX_WRITE ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN READ ONLY", err);
}

static enum cl_err p_commit(struct cl_store *st, struct cl_error *err)
{
    return p_script(st, "COMMIT", err);
}

static void p_rollback(struct cl_store *st)
{
    struct pg_store *s = (struct pg_store *)st;
    PQclear(PQexec(s->conn, "ROLLBACK"));
}

static void p_close(struct cl_store *st)
{
    struct pg_store *s = (struct pg_store *)st;
    cl_stmt_cache_clear(&s->cache, NULL, NULL); /* the server forgets the statements with the session */
    PQfinish(s->conn);
    free(s);
}

static const struct cl_store_ops pg_ops = {
    .name = "postgres",
    .close = p_close,
    .begin = p_begin,
    .commit = p_commit,
    .rollback = p_rollback,
    .exec = p_exec,
    .query = p_query,
    .script = p_script,
    .id_macro = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    .blob_macro = "BYTEA",
};

enum cl_err cl_store_postgres_open(const char *url, const struct cl_store_options *o, struct cl_store **out,
                                   struct cl_error *err)
{
    struct pg_store *s = calloc(1, sizeof(*s));
    if (!s) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    s->base.ops = &pg_ops;
    s->conn = PQconnectdb(url);
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", s->conn ? PQerrorMessage(s->conn) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        PQfinish(s->conn);
        free(s);
        return cl_error_set(err, CL_ERR_IO, "postgres: cannot connect: %s", msg);
    }
    char sql[96];
    snprintf(sql, sizeof(sql), "SET lock_timeout = %d; SET client_min_messages = warning", o->busy_timeout_ms);
    enum cl_err rc = p_script(&s->base, sql, err);
    if (!rc && o->sync == CL_SYNC_NORMAL) rc = p_script(&s->base, "SET synchronous_commit = off", err);
    if (rc) {
        p_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return CL_OK;
}
