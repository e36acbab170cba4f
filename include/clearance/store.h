/* The storage interface: transactions, parameterised SQL in a portable dialect, typed rows, and per-module
 * migrations. Backends: SQLite (embedded default, src/store/sqlite.c) and PostgreSQL (src/store/postgres.c).
 *
 * The portable dialect, which every module's SQL keeps to so no backend assumption leaks upward:
 *  - placeholders are `?`; the PostgreSQL backend numbers them;
 *  - column types are BIGINT, TEXT and {{BLOB}}; an auto-assigned key is written {{ID}} in migrations, and new
 *    rows give their key back with `INSERT ... RETURNING id` (SQLite runs a one-row `INSERT INTO ... VALUES (...)
 *    RETURNING id` as the plain insert and gives sqlite3_last_insert_rowid(); any other RETURNING goes through a
 *    temporary table there, about 9 us a statement, so hot paths avoid it);
 *  - upserts are `INSERT ... ON CONFLICT (cols) DO UPDATE SET c = excluded.c` or `DO NOTHING`;
 *  - booleans are BIGINT 0/1; money and quantities are BIGINT; dates and times are ISO-8601 TEXT;
 *  - no FOR UPDATE, no backend functions: a write transaction (CL_TX_WRITE) is serialised against every other
 *    writer by the backend (SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE, and CL_ERR_BUSY on a
 *    serialisation failure, which the caller retries with cl_store_retry). */
#ifndef CLEARANCE_STORE_H
#define CLEARANCE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clearance/core.h"

struct cl_store;

enum cl_val_type { CL_VAL_NULL, CL_VAL_INT, CL_VAL_TEXT, CL_VAL_BLOB };

/* A bound parameter. Text and blob values are borrowed for the duration of the call. */
struct cl_val {
    enum cl_val_type type;
    int64_t i;
    const void *p;
    size_t n;
};
#define CL_VNULL ((struct cl_val){.type = CL_VAL_NULL})
#define CL_VINT(x) ((struct cl_val){.type = CL_VAL_INT, .i = (int64_t)(x)})
/* Text from a NUL-terminated string; NULL binds SQL NULL. */
struct cl_val cl_vtext(const char *s);
#define CL_VTEXT(s) cl_vtext(s)
#define CL_VTEXTN(s, len) ((struct cl_val){.type = CL_VAL_TEXT, .p = (s), .n = (len)})
#define CL_VBLOB(s, len) ((struct cl_val){.type = CL_VAL_BLOB, .p = (s), .n = (len)})

/* A result row, valid only inside the row callback. Columns count from 0. */
struct cl_row;
size_t cl_row_count(const struct cl_row *row);
bool cl_row_is_null(const struct cl_row *row, size_t col);
int64_t cl_row_int(const struct cl_row *row, size_t col); /* 0 for NULL */
/* Text or blob bytes, borrowed until the callback returns; "" for NULL. out_len may be NULL. */
const char *cl_row_text(const struct cl_row *row, size_t col, size_t *out_len);
const void *cl_row_blob(const struct cl_row *row, size_t col, size_t *out_len);

/* Called once per row; a non-zero return stops the query and is returned by cl_store_query. */
typedef enum cl_err (*cl_row_fn)(void *ctx, const struct cl_row *row, struct cl_error *err);

/* Durability of commits. FULL: a commit is on disk when cl_store_commit returns (the default). NORMAL: may lose
 * the last commits on power loss, never consistency (benchmarks of the naive baseline only). */
enum cl_store_sync { CL_SYNC_FULL, CL_SYNC_NORMAL };

struct cl_store_options {
    enum cl_store_sync sync;
    int busy_timeout_ms; /* how long a writer waits for another (default 5000) */
    /* Leave compacting the write-ahead log to cl_store_compact_log, called by someone else, so that no commit of
     * this connection pays for it (SQLite: no automatic WAL checkpoints on this connection). */
    bool defer_log_compaction;
};

/* Opens a store. target is a file path (SQLite; created if absent) or a "postgres://" / "postgresql://" URL.
 * options may be NULL. The new store is freed with cl_store_close. */
enum cl_err cl_store_open(const char *target, const struct cl_store_options *options, struct cl_store **out,
                          struct cl_error *err);
void cl_store_close(struct cl_store *st); /* NULL does nothing; rolls back an open transaction */
/* Deletes a SQLite database file and its write-ahead log and shared-memory files (for temporary databases; nothing
 * for a PostgreSQL URL). Call with every connection to it closed. */
void cl_store_remove(const char *target);
/* "sqlite" or "postgres". */
const char *cl_store_backend(const struct cl_store *st);

enum cl_tx_mode { CL_TX_READ, CL_TX_WRITE };
/* Transactions do not nest. A write transaction excludes every other writer until commit or rollback. */
enum cl_err cl_store_begin(struct cl_store *st, enum cl_tx_mode mode, struct cl_error *err);
enum cl_err cl_store_commit(struct cl_store *st, struct cl_error *err);
void cl_store_rollback(struct cl_store *st); /* no-op without an open transaction */
bool cl_store_in_tx(const struct cl_store *st);

/* Moves committed changes from the write-ahead log into the database without blocking writers or readers
 * (SQLite: a passive WAL checkpoint; PostgreSQL: nothing to do). Call outside a transaction. */
enum cl_err cl_store_compact_log(struct cl_store *st, struct cl_error *err);

/* Runs one statement. out_changes (may be NULL) receives the number of rows changed. */
enum cl_err cl_store_exec(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n_params,
                          int64_t *out_changes, struct cl_error *err);
/* Runs a query and calls fn for each row. */
enum cl_err cl_store_query(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n_params,
                           cl_row_fn fn, void *ctx, struct cl_error *err);
/* Runs a query expected to give at most one row of one integer column: *out_found tells whether it did.
 * out_found may be NULL, and then no row is CL_ERR_NOT_FOUND. */
enum cl_err cl_store_query_int(struct cl_store *st, const char *sql, const struct cl_val *params, size_t n_params,
                               int64_t *out_value, bool *out_found, struct cl_error *err);

/* A schema step of one module. sql may hold several statements separated by ";" and the {{ID}} / {{BLOB}}
 * macros. Versions of a component are applied in increasing order, each in its own transaction, once. */
struct cl_migration {
    const char *component; /* "ledger" */
    int version;           /* 1, 2, ... never renumbered */
    const char *sql;
};
enum cl_err cl_store_migrate(struct cl_store *st, const struct cl_migration *migrations, size_t n,
                             struct cl_error *err);

/* Runs fn(ctx) inside a write transaction, retrying up to attempts times when the backend reports
 * CL_ERR_BUSY (a serialisation failure or a lock time-out). fn must not commit or roll back itself. */
enum cl_err cl_store_retry(struct cl_store *st, int attempts, enum cl_err (*fn)(void *ctx, struct cl_error *err),
                           void *ctx, struct cl_error *err);

#endif
