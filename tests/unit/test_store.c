/* Unit tests for the store: migrations, parameters, rows, transactions and conflicts, on SQLite and, when
 * CLEARANCE_TEST_PG names a database URL, on PostgreSQL with the same assertions. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clearance/store.h"
#include "test.h"

static const struct cl_migration migs[] = {
    {"t", 1, "DROP TABLE IF EXISTS t_items; CREATE TABLE t_items (id {{ID}}, name TEXT NOT NULL UNIQUE, qty BIGINT NOT NULL, data {{BLOB}})"},
    {"t", 2, "ALTER TABLE t_items ADD COLUMN note TEXT"},
};

struct collect {
    int rows;
    char names[8][32];
    int64_t qty_sum;
};

static enum cl_err collect_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct collect *c = ctx;
    if (c->rows < 8) snprintf(c->names[c->rows], 32, "%s", cl_row_text(row, 0, NULL));
    c->qty_sum += cl_row_int(row, 1);
    c->rows++;
    return CL_OK;
}

/* Counts rows of one positive key, which reads the same as a number and as text. */
static enum cl_err count_key(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    char text[24];
    snprintf(text, sizeof(text), "%lld", (long long)cl_row_int(row, 0));
    if (cl_row_count(row) == 1 && cl_row_int(row, 0) > 0 && strcmp(cl_row_text(row, 0, NULL), text) == 0)
        *(int *)ctx += 1;
    return CL_OK;
}

static void exercise(const char *target)
{
    struct cl_error e = {0};
    struct cl_store *st = NULL;
    CHECK_INT(cl_store_open(target, NULL, &st, &e), CL_OK);
    if (!st) {
        fprintf(stderr, "open %s: %s\n", target, e.msg);
        return;
    }
    /* migrations start from scratch for this test's component */
    cl_store_exec(st, "DELETE FROM schema_migrations WHERE component = 't'", NULL, 0, NULL, &e);
    cl_error_clear(&e);
    CHECK_INT(cl_store_migrate(st, migs, 2, &e), CL_OK);
    CHECK_INT(cl_store_migrate(st, migs, 2, &e), CL_OK); /* idempotent */
    int64_t v = 0;
    CHECK_INT(cl_store_query_int(st, "SELECT COUNT(*) FROM schema_migrations WHERE component = 't'", NULL, 0, &v,
                                 NULL, &e),
              CL_OK);
    CHECK_INT(v, 2);

    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    int64_t id1 = 0, id2 = 0;
    const unsigned char blob[] = {0, 1, 2, 255};
    struct cl_val p1[] = {CL_VTEXT("alpha"), CL_VINT(5), CL_VBLOB(blob, 4)};
    CHECK_INT(cl_store_query_int(st, "INSERT INTO t_items (name, qty, data) VALUES (?, ?, ?) RETURNING id", p1, 3, &id1,
                                 NULL, &e),
              CL_OK);
    struct cl_val p2[] = {CL_VTEXT("it's ? quoted"), CL_VINT(7), CL_VNULL};
    CHECK_INT(cl_store_query_int(st, "INSERT INTO t_items (name, qty, data) VALUES (?, ?, ?) RETURNING id", p2, 3, &id2,
                                 NULL, &e),
              CL_OK);
    CHECK(id2 > id1);
    /* the key given back is the stored row's, whichever way the backend finds it */
    struct cl_val pa[] = {CL_VTEXT("alpha")};
    CHECK_INT(cl_store_query_int(st, "SELECT id FROM t_items WHERE name = ?", pa, 1, &v, NULL, &e), CL_OK);
    CHECK_INT(v, id1);
    /* an insert that inserts nothing gives no key back, not the last one */
    bool got = true;
    int64_t none = -1;
    struct cl_val pd[] = {CL_VTEXT("alpha"), CL_VINT(1), CL_VNULL};
    CHECK_INT(cl_store_query_int(st,
                                 "INSERT INTO t_items (name, qty, data) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING"
                                 " RETURNING id",
                                 pd, 3, &none, &got, &e),
              CL_OK);
    CHECK(!got);
    /* several rows give several keys */
    int keys = 0;
    struct cl_val p5[] = {CL_VTEXT("delta"), CL_VINT(0), CL_VTEXT("epsilon"), CL_VINT(0)};
    CHECK_INT(cl_store_query(st, "INSERT INTO t_items (name, qty) VALUES (?, ?), (?, ?) RETURNING id", p5, 4,
                             count_key, &keys, &e),
              CL_OK);
    CHECK_INT(keys, 2);
    keys = 0;
    struct cl_val p6[] = {CL_VTEXT("zeta"), CL_VINT(0)};
    CHECK_INT(cl_store_query(st, "INSERT INTO t_items (name, qty) VALUES (?, ?) RETURNING id", p6, 2, count_key, &keys, &e),
              CL_OK);
    CHECK_INT(keys, 1);
    CHECK_INT(cl_store_exec(st, "DELETE FROM t_items WHERE qty = 0", NULL, 0, NULL, &e), CL_OK);
    CHECK_INT(cl_store_commit(st, &e), CL_OK);

    /* a unique violation is a conflict, and the transaction can be rolled back cleanly */
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    CHECK_INT(cl_store_exec(st, "INSERT INTO t_items (name, qty) VALUES (?, ?)", p1, 2, NULL, &e), CL_ERR_CONFLICT);
    cl_store_rollback(st);
    cl_error_clear(&e);

    /* rollback discards */
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    struct cl_val p3[] = {CL_VTEXT("gamma"), CL_VINT(100)};
    CHECK_INT(cl_store_exec(st, "INSERT INTO t_items (name, qty) VALUES (?, ?)", p3, 2, NULL, &e), CL_OK);
    cl_store_rollback(st);

    struct collect c = {0};
    CHECK_INT(cl_store_query(st, "SELECT name, qty FROM t_items ORDER BY id", NULL, 0, collect_row, &c, &e), CL_OK);
    CHECK_INT(c.rows, 2);
    CHECK_STR(c.names[1], "it's ? quoted");
    CHECK_INT(c.qty_sum, 12);

    /* upsert in the portable dialect, and the count of changed rows */
    struct cl_val p4[] = {CL_VTEXT("alpha"), CL_VINT(9)};
    int64_t changes = -1;
    CHECK_INT(cl_store_exec(st,
                            "INSERT INTO t_items (name, qty) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET qty = excluded.qty",
                            p4, 2, &changes, &e),
              CL_OK);
    CHECK_INT(changes, 1);
    struct cl_val pn[] = {CL_VTEXT("alpha")};
    CHECK_INT(cl_store_query_int(st, "SELECT qty FROM t_items WHERE name = ?", pn, 1, &v, NULL, &e), CL_OK);
    CHECK_INT(v, 9);
    bool found = true;
    struct cl_val pz[] = {CL_VTEXT("zeta")};
    CHECK_INT(cl_store_query_int(st, "SELECT qty FROM t_items WHERE name = ?", pz, 1, &v, &found, &e), CL_OK);
    CHECK(!found);
    CHECK_INT(cl_store_query_int(st, "SELECT qty FROM t_items WHERE name = ?", pz, 1, &v, NULL, &e), CL_ERR_NOT_FOUND);
    cl_error_clear(&e);
    /* statements are found by their text, not where it lies: one buffer holding one query, then another, then the
     * first again, runs each (the cache keeps the buffer's address as a hint and must not trust it alone) */
    char sql[96];
    for (int round = 0; round < 3; round++) {
        bool by_name = round != 1;
        snprintf(sql, sizeof(sql), by_name ? "SELECT qty FROM t_items WHERE name = ?" : "SELECT qty + 1000 FROM t_items WHERE name = ?");
        CHECK_INT(cl_store_query_int(st, sql, pn, 1, &v, NULL, &e), CL_OK);
        CHECK_INT(v, by_name ? 9 : 1009);
    }
    /* a bad statement names itself */
    CHECK_INT(cl_store_exec(st, "SELEC nonsense", NULL, 0, NULL, &e), CL_ERR_STORE);
    CHECK(e.msg[0] != '\0');
    cl_store_close(st);
}

/* Two connections: the second writer waits for, then sees, the first one's commit; the second can open (migrate)
 * while the first holds the write lock (SQLite only). */
static void sqlite_writers_serialise(const char *path)
{
    struct cl_error e = {0};
    struct cl_store *a = NULL, *b = NULL;
    struct cl_store_options o = {.sync = CL_SYNC_FULL, .busy_timeout_ms = 50};
    CHECK_INT(cl_store_open(path, &o, &a, &e), CL_OK);
    CHECK_INT(cl_store_open(path, &o, &b, &e), CL_OK);
    CHECK_INT(cl_store_begin(a, CL_TX_WRITE, &e), CL_OK);
    CHECK_INT(cl_store_begin(b, CL_TX_WRITE, &e), CL_ERR_BUSY); /* a holds the write lock */
    cl_error_clear(&e);
    /* an up-to-date schema is checked without the write lock, so a connection opens beside a writer (each server
     * thread opens its own under load); a pending migration needs the lock, and says the database is busy */
    CHECK_INT(cl_store_migrate(b, migs, sizeof(migs) / sizeof(migs[0]), &e), CL_OK);
    static const struct cl_migration more[] = {{"t", 3, "ALTER TABLE t_items ADD COLUMN extra TEXT"}};
    CHECK_INT(cl_store_migrate(b, more, 1, &e), CL_ERR_BUSY);
    cl_error_clear(&e);
    cl_store_rollback(a);
    CHECK_INT(cl_store_begin(b, CL_TX_WRITE, &e), CL_OK);
    cl_store_rollback(b);
    cl_store_close(a);
    cl_store_close(b);
}

int main(void)
{
    char path[] = "/tmp/cl_test_store_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    exercise(path);
    sqlite_writers_serialise(path);
    const char *pg = getenv("CLEARANCE_TEST_PG");
    if (pg && *pg) {
        fprintf(stderr, "also on PostgreSQL: %s\n", pg);
        exercise(pg);
    } else {
        fprintf(stderr, "CLEARANCE_TEST_PG not set: PostgreSQL part skipped\n");
    }
    cl_store_remove(path);
    return TEST_EXIT();
}
