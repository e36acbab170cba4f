/* Private to src/store/: the table of backend functions behind struct cl_store, and the row vtable. */
#ifndef CL_STORE_INT_H
#define CL_STORE_INT_H

#include <stdint.h>

#include "clearance/store.h"

struct cl_row_ops {
    size_t (*count)(const struct cl_row *row);
    bool (*is_null)(const struct cl_row *row, size_t col);
    int64_t (*get_int)(const struct cl_row *row, size_t col);
    const char *(*get_text)(const struct cl_row *row, size_t col, size_t *out_len);
    const void *(*get_blob)(const struct cl_row *row, size_t col, size_t *out_len);
};

struct cl_row {
    const struct cl_row_ops *ops;
    void *impl;
    int index;
};

struct cl_store_ops {
    const char *name;
    void (*close)(struct cl_store *st);
    enum cl_err (*begin)(struct cl_store *st, enum cl_tx_mode mode, struct cl_error *err);
    enum cl_err (*commit)(struct cl_store *st, struct cl_error *err);
    void (*rollback)(struct cl_store *st);
    enum cl_err (*exec)(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n,
                        int64_t *out_changes, struct cl_error *err);
    enum cl_err (*query)(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n,
                         cl_row_fn fn, void *ctx, struct cl_error *err);
    /* Runs a script of statements without parameters (migrations), with macros already expanded. */
    enum cl_err (*script)(struct cl_store *st, const char *sql, struct cl_error *err);
    enum cl_err (*compact_log)(struct cl_store *st, struct cl_error *err); /* NULL: nothing to do */
    const char *id_macro;   /* what {{ID}} becomes */
    const char *blob_macro; /* what {{BLOB}} becomes */
};

struct cl_store {
    const struct cl_store_ops *ops;
    bool in_tx;
    void *impl;
};

/* A cache of prepared statements keyed by SQL text, for one connection: open addressing over a fixed table that is
 * filled to half at most, so a lookup stays short; past that the backend runs statements uncached. Most SQL is a
 * string constant passed again and again from the same address: a direct-mapped table from that address to the
 * slot last found for it spares hashing the text (a long statement's hash cost more than running a short one);
 * the text is still compared, so a reused buffer holding other SQL is never mistaken for it. */
#define CL_STMT_CACHE_SLOTS 512 /* power of two */

struct cl_stmt_slot {
    char *sql; /* NULL: empty */
    uint64_t hash;
    void *stmt;  /* the backend's handle */
    unsigned tag; /* the backend's own flags */
};

struct cl_stmt_cache {
    struct cl_stmt_slot slots[CL_STMT_CACHE_SLOTS];
    size_t used;
    struct {
        const char *sql;           /* the caller's pointer */
        struct cl_stmt_slot *slot; /* the slot found for it */
    } recent[CL_STMT_CACHE_SLOTS];
};

/* The slot holding sql (*out_found true), or the empty slot it would go in (false), or NULL when the cache is
 * full and sql is not in it. */
struct cl_stmt_slot *cl_stmt_cache_find(struct cl_stmt_cache *c, const char *sql, bool *out_found);
/* Puts sql and its handle into the empty slot find gave; false when out of memory (nothing stored). */
bool cl_stmt_cache_put(struct cl_stmt_cache *c, struct cl_stmt_slot *slot, const char *sql, void *stmt, unsigned tag);
/* Calls release on every cached handle, then empties the cache. */
void cl_stmt_cache_clear(struct cl_stmt_cache *c, void (*release)(void *stmt, void *ctx), void *ctx);

enum cl_err cl_store_sqlite_open(const char *path, const struct cl_store_options *o, struct cl_store **out,
                                 struct cl_error *err);
enum cl_err cl_store_postgres_open(const char *url, const struct cl_store_options *o, struct cl_store **out,
                                   struct cl_error *err);

#endif
