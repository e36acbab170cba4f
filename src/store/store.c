/* Backend-independent parts of the store: dispatch, rows, migrations and retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

struct cl_val cl_vtext(const char *s)
{
    if (!s) return CL_VNULL;
    return (struct cl_val){.type = CL_VAL_TEXT, .p = s, .n = strlen(s)};
}

size_t cl_row_count(const struct cl_row *row)
{
    return row->ops->count(row);
}
bool cl_row_is_null(const struct cl_row *row, size_t col)
{
    return row->ops->is_null(row, col);
}
int64_t cl_row_int(const struct cl_row *row, size_t col)
{
    return row->ops->get_int(row, col);
}
const char *cl_row_text(const struct cl_row *row, size_t col, size_t *out_len)
{
    return row->ops->get_text(row, col, out_len);
}
const void *cl_row_blob(const struct cl_row *row, size_t col, size_t *out_len)
{
    return row->ops->get_blob(row, col, out_len);
}

/* ---- the statement cache ----------------------------------------------------------------------------------- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t recent_index(const char *sql)
{
    uintptr_t a = (uintptr_t)sql;
    return (size_t)((a ^ (a >> 9)) & (CL_STMT_CACHE_SLOTS - 1));
}

struct cl_stmt_slot *cl_stmt_cache_find(struct cl_stmt_cache *c, const char *sql, bool *out_found)
{
    size_t r = recent_index(sql);
    if (c->recent[r].sql == sql && c->recent[r].slot->sql && strcmp(c->recent[r].slot->sql, sql) == 0) {
        *out_found = true;
        return c->recent[r].slot;
    }
    uint64_t h = fnv1a(sql);
    size_t i = (size_t)h & (CL_STMT_CACHE_SLOTS - 1);
    *out_found = false;
    for (size_t probe = 0; probe < CL_STMT_CACHE_SLOTS; probe++, i = (i + 1) & (CL_STMT_CACHE_SLOTS - 1)) {
        struct cl_stmt_slot *s = &c->slots[i];
        if (!s->sql) {
            if (c->used >= CL_STMT_CACHE_SLOTS / 2) return NULL;
            s->hash = h;
            return s;
        }
        if (s->hash == h && strcmp(s->sql, sql) == 0) {
            c->recent[r].sql = sql;
            c->recent[r].slot = s;
            *out_found = true;
            return s;
        }
    }
    return NULL;
}

bool cl_stmt_cache_put(struct cl_stmt_cache *c, struct cl_stmt_slot *slot, const char *sql, void *stmt, unsigned tag)
{
    CL_ASSERT(!slot->sql);
    slot->sql = strdup(sql);
    if (!slot->sql) return false;
    slot->stmt = stmt;
    slot->tag = tag;
    c->used++;
    return true;
}

void cl_stmt_cache_clear(struct cl_stmt_cache *c, void (*release)(void *stmt, void *ctx), void *ctx)
{
    for (size_t i = 0; i < CL_STMT_CACHE_SLOTS; i++) {
        if (!c->slots[i].sql) continue;
        if (release) release(c->slots[i].stmt, ctx);
        free(c->slots[i].sql);
        c->slots[i].sql = NULL;
    }
    c->used = 0;
    memset(c->recent, 0, sizeof(c->recent));
}

/* ---- opening ------------------------------------------------------------------------------------------------ */

static bool is_postgres_url(const char *t)
{
    return strncmp(t, "postgres://", 11) == 0 || strncmp(t, "postgresql://", 13) == 0;
}

enum cl_err cl_store_open(const char *target, const struct cl_store_options *options, struct cl_store **out,
                          struct cl_error *err)
{
    struct cl_store_options o = {.sync = CL_SYNC_FULL, .busy_timeout_ms = 5000};
    if (options) {
        o = *options;
        if (o.busy_timeout_ms <= 0) o.busy_timeout_ms = 5000;
    }
    if (!target || !*target) return cl_error_set(err, CL_ERR_USAGE, "no database given");
    if (is_postgres_url(target)) return cl_store_postgres_open(target, &o, out, err);
    return cl_store_sqlite_open(target, &o, out, err);
}

void cl_store_remove(const char *target)
{
    if (!target || !*target || is_postgres_url(target)) return;
    char aux[4096];
    unlink(target);
    snprintf(aux, sizeof(aux), "%s-wal", target);
    unlink(aux);
    snprintf(aux, sizeof(aux), "%s-shm", target);
    unlink(aux);
}

void cl_store_close(struct cl_store *st)
{
    if (!st) return;
    if (st->in_tx) cl_store_rollback(st);
    st->ops->close(st);
}

const char *cl_store_backend(const struct cl_store *st)
{
    return st->ops->name;
}

enum cl_err cl_store_begin(struct cl_store *st, enum cl_tx_mode mode, struct cl_error *err)
{
    CL_ASSERT(!st->in_tx);
    enum cl_err rc = st->ops->begin(st, mode, err);
    if (!rc) st->in_tx = true;
    return rc;
}

enum cl_err cl_store_commit(struct cl_store *st, struct cl_error *err)
{
    CL_ASSERT(st->in_tx);
    enum cl_err rc = st->ops->commit(st, err);
    if (rc) st->ops->rollback(st);
    st->in_tx = false;
    return rc;
}

void cl_store_rollback(struct cl_store *st)
{
    if (!st->in_tx) return;
    st->ops->rollback(st);
    st->in_tx = false;
}

bool cl_store_in_tx(const struct cl_store *st)
{
    return st->in_tx;
}

enum cl_err cl_store_compact_log(struct cl_store *st, struct cl_error *err)
{
    CL_ASSERT(!st->in_tx);
    return st->ops->compact_log ? st->ops->compact_log(st, err) : CL_OK;
}

enum cl_err cl_store_exec(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n_params,
                          int64_t *out_changes, struct cl_error *err)
{
    return st->ops->exec(st, sql, params, n_params, out_changes, err);
}

enum cl_err cl_store_query(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n_params,
                           cl_row_fn fn, void *ctx, struct cl_error *err)
{
    return st->ops->query(st, sql, params, n_params, fn, ctx, err);
}

struct int_ctx {
    int64_t value;
    bool found;
};

static enum cl_err int_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct int_ctx *c = ctx;
    c->value = cl_row_int(row, 0);
    c->found = !cl_row_is_null(row, 0);
    return CL_OK;
}

enum cl_err cl_store_query_int(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n_params,
                               int64_t *out_value, bool *out_found, struct cl_error *err)
{
    struct int_ctx c = {0, false};
    enum cl_err rc = cl_store_query(st, sql, params, n_params, int_row, &c, err);
    if (rc) return rc;
    if (out_found) *out_found = c.found;
    else if (!c.found) return cl_error_set(err, CL_ERR_NOT_FOUND, "no row for: %.120s", sql);
    if (c.found) *out_value = c.value;
    return CL_OK;
}

/* Expands {{ID}} and {{BLOB}} for the backend into a new malloc'd string. */
static char *expand_macros(const struct cl_store *st, const char *sql)
{
    size_t cap = strlen(sql) * 2 + 256, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    for (const char *p = sql; *p;) {
        const char *rep = NULL;
        size_t skip = 0;
        if (strncmp(p, "{{ID}}", 6) == 0) rep = st->ops->id_macro, skip = 6;
        else if (strncmp(p, "{{BLOB}}", 8) == 0) rep = st->ops->blob_macro, skip = 8;
        if (rep) {
            size_t rl = strlen(rep);
            if (len + rl + 1 >= cap) {
                cap = (cap + rl) * 2;
                char *n = realloc(out, cap);
                if (!n) {
                    free(out);
                    return NULL;
                }
                out = n;
            }
            memcpy(out + len, rep, rl);
            len += rl;
            p += skip;
            continue;
        }
        if (len + 2 >= cap) {
            cap *= 2;
            char *n = realloc(out, cap);
            if (!n) {
                free(out);
                return NULL;
            }
            out = n;
        }
        out[len++] = *p++;
    }
    out[len] = '\0';
    return out;
}

/* Whether every migration is recorded as applied, read without a write transaction (false when it cannot tell,
 * e.g. before the first migration made the table). */
static bool all_applied(struct cl_store *st, const struct cl_migration *migrations, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct cl_error ignored = {0};
        bool found = false;
        int64_t one = 0;
        struct cl_val p[] = {CL_VTEXT(migrations[i].component), CL_VINT(migrations[i].version)};
        if (cl_store_query_int(st, "SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?", p, 2, &one,
                               &found, &ignored) ||
            !found)
            return false;
    }
    return true;
}

enum cl_err cl_store_migrate(struct cl_store *st, const struct cl_migration *migrations, size_t n,
                             struct cl_error *err)
{
    /* Every connection migrates when it opens (each server thread opens its own): when nothing is pending, a read
     * says so, where a write transaction per migration would queue behind the server writer's commits, for seconds
     * under load, and could time out. */
    if (!cl_store_in_tx(st) && all_applied(st, migrations, n)) return CL_OK;
    enum cl_err rc = st->ops->script(st,
                                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                     " component TEXT NOT NULL, version BIGINT NOT NULL, applied_at TEXT NOT NULL,"
                                     " PRIMARY KEY (component, version))",
                                     err);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        const struct cl_migration *m = &migrations[i];
        rc = cl_store_begin(st, CL_TX_WRITE, err);
        if (rc) return rc;
        bool found = false;
        int64_t one = 0;
        struct cl_val p[] = {CL_VTEXT(m->component), CL_VINT(m->version)};
        rc = cl_store_query_int(st, "SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?", p, 2,
                                &one, &found, err);
        if (!rc && !found) {
            char *sql = expand_macros(st, m->sql);
            if (!sql) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
            if (!rc) rc = st->ops->script(st, sql, err);
            free(sql);
            char now[CL_TIME_TEXT_BYTES];
            cl_time_format(cl_time_now(), now);
            struct cl_val q[] = {CL_VTEXT(m->component), CL_VINT(m->version), CL_VTEXT(now)};
            if (!rc)
                rc = cl_store_exec(st, "INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)",
                                   q, 3, NULL, err);
            if (rc) cl_error_prefix(err, "migration %s %d", m->component, m->version);
        }
        if (rc) {
            cl_store_rollback(st);
            return rc;
        }
        rc = cl_store_commit(st, err);
        if (rc) return rc;
    }
    return CL_OK;
}

enum cl_err cl_store_retry(struct cl_store *st, int attempts, enum cl_err (*fn)(void *ctx, struct cl_error *err),
                           void *ctx, struct cl_error *err)
{
    enum cl_err rc = CL_OK;
    for (int a = 0; a < (attempts > 0 ? attempts : 1); a++) {
        struct cl_error local = {0};
        rc = cl_store_begin(st, CL_TX_WRITE, &local);
        if (!rc) rc = fn(ctx, &local);
        if (!rc) rc = cl_store_commit(st, &local);
        else cl_store_rollback(st);
        if (rc != CL_ERR_BUSY) {
            if (rc && err) cl_error_set(err, local.code, "%s", local.msg);
            return rc;
        }
        if (a + 1 == attempts && err) cl_error_set(err, local.code, "%s", local.msg);
    }
    return rc;
}
