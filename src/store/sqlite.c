/* The SQLite backend of the store: WAL, foreign keys, full sync, immediate write transactions, and a cache of
 * prepared statements keyed by SQL text. One cl_store is one connection, used by one thread at a time.
 *
 * SQLite runs RETURNING by buffering the rows in a temporary table, which costs about 9 us a statement against
 * 0.5 us for the same statement without it. The portable `INSERT INTO ... VALUES (...) RETURNING id` of one row is
 * therefore run as the plain INSERT, and the new row's key comes from sqlite3_last_insert_rowid(). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* The tag of a cached statement prepared without its " RETURNING id": the key is sqlite3_last_insert_rowid(). */
#define TAG_RETURNS_ROWID 1u

struct sqlite_store {
    struct cl_store base;
    sqlite3 *db;
    struct cl_stmt_cache cache;
};

static enum cl_err map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return CL_ERR_BUSY;
    case SQLITE_CONSTRAINT: return CL_ERR_CONFLICT;
    case SQLITE_NOMEM: return CL_ERR_NOMEM;
    default: return CL_ERR_STORE;
    }
}

static enum cl_err fail(struct sqlite_store *s, int rc, const char *what, struct cl_error *err)
{
    return cl_error_set(err, map_rc(rc), "sqlite: %s: %s", what, sqlite3_errmsg(s->db));
}

#define RETURNING_ID " RETURNING id"

/* Whether sql is `INSERT INTO t (...) VALUES (...) RETURNING id` of exactly one row of values and nothing else:
 * then the length of the INSERT without its RETURNING clause, else 0. An upsert's update or an INSERT ... SELECT
 * would not set sqlite3_last_insert_rowid() to the row it returns, and several rows would return several keys, so
 * those keep RETURNING. */
static size_t insert_returning_id(const char *sql)
{
    size_t n = strlen(sql), k = sizeof(RETURNING_ID) - 1;
    if (n <= k || strcmp(sql + n - k, RETURNING_ID) != 0 || strncmp(sql, "INSERT INTO ", 12) != 0) return 0;
    const char *v = strstr(sql, " VALUES (");
    if (!v || strstr(sql, " SELECT ") || strstr(sql, " ON CONFLICT")) return 0;
    /* the one parenthesised row of values must end right before " RETURNING id" */
    int depth = 0;
    bool quoted = false;
    const char *p = v + 8, *end = sql + n - k;
    for (; p < end; p++) {
        if (*p == '\'') quoted = !quoted;
        else if (!quoted && *p == '(') depth++;
        else if (!quoted && *p == ')' && --depth == 0) break;
    }
    return p + 1 == end ? n - k : 0;
}

/* Finds or prepares the statement for sql. Statements stay cached for the connection's life. */
static enum cl_err prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **out, bool *out_uncached,
                           bool *out_rowid, struct cl_error *err)
{
    bool found = false;
    struct cl_stmt_slot *slot = cl_stmt_cache_find(&s->cache, sql, &found);
    if (found) {
        *out = slot->stmt;
        *out_rowid = slot->tag & TAG_RETURNS_ROWID;
        *out_uncached = false;
        return CL_OK;
    }
    sqlite3_stmt *stmt = NULL;
    size_t plain = insert_returning_id(sql);
    *out_rowid = plain > 0;
    int rc = sqlite3_prepare_v3(s->db, sql, plain ? (int)plain : -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) return cl_error_set(err, map_rc(rc), "sqlite: prepare: %s: %.200s", sqlite3_errmsg(s->db), sql);
    *out = stmt;
    /* a full cache hands out an uncached statement, which the caller finalises after use */
    *out_uncached = !slot || !cl_stmt_cache_put(&s->cache, slot, sql, stmt, plain ? TAG_RETURNS_ROWID : 0);
    return CL_OK;
}

static enum cl_err bind(struct sqlite_store *s, sqlite3_stmt *stmt, const struct cl_val *p, size_t n,
                        struct cl_error *err)
{
    if ((size_t)sqlite3_bind_parameter_count(stmt) != n)
        return cl_error_set(err, CL_ERR_INTERNAL, "sqlite: statement takes %d parameters, %zu given",
                            sqlite3_bind_parameter_count(stmt), n);
    for (size_t i = 0; i < n; i++) {
        int rc, k = (int)i + 1;
        switch (p[i].type) {
        case CL_VAL_NULL: rc = sqlite3_bind_null(stmt, k); break;
        case CL_VAL_INT: rc = sqlite3_bind_int64(stmt, k, p[i].i); break;
        case CL_VAL_TEXT: rc = sqlite3_bind_text(stmt, k, p[i].p ? p[i].p : "", (int)p[i].n, SQLITE_STATIC); break;
        default: rc = sqlite3_bind_blob(stmt, k, p[i].p ? p[i].p : "", (int)p[i].n, SQLITE_STATIC); break;
        }
        if (rc != SQLITE_OK) return fail(s, rc, "bind", err);
    }
    return CL_OK;
}

static size_t row_count(const struct cl_row *r)
{
    return (size_t)sqlite3_column_count(r->impl);
}
static bool row_is_null(const struct cl_row *r, size_t c)
{
    return sqlite3_column_type(r->impl, (int)c) == SQLITE_NULL;
}
static int64_t row_int(const struct cl_row *r, size_t c)
{
    return sqlite3_column_int64(r->impl, (int)c);
}
static const char *row_text(const struct cl_row *r, size_t c, size_t *len)
{
    const unsigned char *t = sqlite3_column_text(r->impl, (int)c);
    if (len) *len = (size_t)sqlite3_column_bytes(r->impl, (int)c);
    return t ? (const char *)t : "";
}
static const void *row_blob(const struct cl_row *r, size_t c, size_t *len)
{
    const void *b = sqlite3_column_blob(r->impl, (int)c);
    if (len) *len = (size_t)sqlite3_column_bytes(r->impl, (int)c);
    return b ? b : "";
}
static const struct cl_row_ops sqlite_row_ops = {row_count, row_is_null, row_int, row_text, row_blob};

/* The one-column row that stands for `RETURNING id`: impl points at the key, as a number and as text. */
struct key_row {
    int64_t key;
    char text[24];
};
static size_t key_count(const struct cl_row *r)
{
    (void)r;
    return 1;
}
static bool key_is_null(const struct cl_row *r, size_t c)
{
    (void)r;
    return c != 0;
}
static int64_t key_int(const struct cl_row *r, size_t c)
{
    return c == 0 ? ((const struct key_row *)r->impl)->key : 0;
}
static const char *key_text(const struct cl_row *r, size_t c, size_t *len)
{
    const char *t = c == 0 ? ((const struct key_row *)r->impl)->text : "";
    if (len) *len = strlen(t);
    return t;
}
static const void *key_blob(const struct cl_row *r, size_t c, size_t *len)
{
    return key_text(r, c, len);
}
static const struct cl_row_ops key_row_ops = {key_count, key_is_null, key_int, key_text, key_blob};

static enum cl_err run(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n, cl_row_fn fn,
                       void *ctx, int64_t *out_changes, struct cl_error *err)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    sqlite3_stmt *stmt = NULL;
    bool uncached = false, rowid = false;
    enum cl_err rc = prepare(s, sql, &stmt, &uncached, &rowid, err);
    if (rc) return rc;
    rc = bind(s, stmt, params, n, err);
    struct cl_row row = {&sqlite_row_ops, stmt, 0};
    while (!rc) {
        int step = sqlite3_step(stmt);
        if (step == SQLITE_DONE && rowid && sqlite3_changes64(s->db) == 1) {
            struct key_row k = {sqlite3_last_insert_rowid(s->db), ""};
            snprintf(k.text, sizeof(k.text), "%lld", (long long)k.key);
            struct cl_row key = {&key_row_ops, &k, 0};
            if (fn) rc = fn(ctx, &key, err);
            row.index++;
        }
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = fail(s, step, "step", err);
            break;
        }
        if (fn) rc = fn(ctx, &row, err);
        row.index++;
    }
    if (!rc && out_changes) *out_changes = sqlite3_changes64(s->db);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (uncached) sqlite3_finalize(stmt);
    return rc;
}

static enum cl_err s_exec(struct cl_store *st, const char *sql, const struct cl_val *p, size_t n, int64_t *changes,
                          struct cl_error *err)
{
    return run(st, sql, p, n, NULL, NULL, changes, err);
}

static enum cl_err s_query(struct cl_store *st, const char *sql, const struct cl_val *p, size_t n, cl_row_fn fn,
                           void *ctx, struct cl_error *err)
{
    return run(st, sql, p, n, fn, ctx, NULL, err);
}

static enum cl_err s_script(struct cl_store *st, const char *sql, struct cl_error *err)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        enum cl_err e = cl_error_set(err, map_rc(rc), "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return e;
    }
    return CL_OK;
}

static enum cl_err s_begin(struct cl_store *st, enum cl_tx_mode mode, struct cl_error *err)
{
    return s_script(st, mode == CL_TX_WRITE ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

static enum cl_err s_commit(struct cl_store *st, struct cl_error *err)
{
    return s_exec(st, "COMMIT", NULL, 0, NULL, err);
}

static void s_rollback(struct cl_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static void finalize(void *stmt, void *ctx)
{
    (void)ctx;
    sqlite3_finalize(stmt);
}

static void s_close(struct cl_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    cl_stmt_cache_clear(&s->cache, finalize, NULL);
    sqlite3_close(s->db);
    free(s);
}

static enum cl_err s_compact_log(struct cl_store *st, struct cl_error *err)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) return fail(s, rc, "wal checkpoint", err);
    return CL_OK;
}

static const struct cl_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = s_close,
    .begin = s_begin,
    .commit = s_commit,
    .rollback = s_rollback,
    .exec = s_exec,
    .query = s_query,
    .script = s_script,
    .compact_log = s_compact_log,
    .id_macro = "INTEGER PRIMARY KEY",
    .blob_macro = "BLOB",
};

enum cl_err cl_store_sqlite_open(const char *path, const struct cl_store_options *o, struct cl_store **out,
                                 struct cl_error *err)
{
    struct sqlite_store *s = calloc(1, sizeof(*s));
    if (!s) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    s->base.ops = &sqlite_ops;
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        enum cl_err e = cl_error_set(err, CL_ERR_IO, "%s: cannot open database: %s", path,
                                     s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite3_close(s->db);
        free(s);
        return e;
    }
    sqlite3_busy_timeout(s->db, o->busy_timeout_ms);
    sqlite3_extended_result_codes(s->db, 1);
    enum cl_err e = s_script(&s->base, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;", err);
    if (!e)
        e = s_script(&s->base, o->sync == CL_SYNC_FULL ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                     err);
    if (!e && o->defer_log_compaction) e = s_script(&s->base, "PRAGMA wal_autocheckpoint = 0", err);
    if (e) {
        cl_error_prefix(err, "%s", path);
        s_close(&s->base);
        return e;
    }
    *out = &s->base;
    return CL_OK;
}
