/* Unit tests for the stored log, on SQLite and, when CLEARANCE_TEST_PG names a database, on PostgreSQL with the
 * same assertions: entries are the canonical bytes, the head matches an independent tree, proofs served from the
 * stored subtrees equal proofs from the RFC definitions at every size, and a rollback leaves no trace. */
#include <stdlib.h>
#include <unistd.h>

#include "clearance/journal.h"
#include "clearance/json.h"
#include "clearance/store.h"
#include "journal_pg.h"
#include "test.h"

#define H CL_JOURNAL_HASH_BYTES

/* The leaves appended so far, as an independent model of the tree. */
struct model {
    size_t n, cap;
    uint8_t (*leaf)[H];
    char **text;
};

static void model_add(struct model *m, const char *text, size_t len)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->leaf = realloc(m->leaf, m->cap * H);
        m->text = realloc(m->text, m->cap * sizeof(char *));
    }
    cl_journal_leaf_hash(text, len, m->leaf[m->n]);
    m->text[m->n] = strndup(text, len);
    m->n++;
}

static void model_truncate(struct model *m, size_t n)
{
    while (m->n > n)
        free(m->text[--m->n]);
}

static void model_free(struct model *m)
{
    model_truncate(m, 0);
    free(m->leaf);
    free(m->text);
}

/* MTH over the model's leaves [a, b), straight from RFC 6962. */
static void mth(const struct model *m, size_t a, size_t b, uint8_t out[H])
{
    if (b == a) {
        cl_journal_empty_root(out);
        return;
    }
    if (b - a == 1) {
        memcpy(out, m->leaf[a], H);
        return;
    }
    size_t k = 1;
    while (k * 2 < b - a)
        k *= 2;
    uint8_t l[H], r[H];
    mth(m, a, a + k, l);
    mth(m, a + k, b, r);
    cl_journal_node_hash(l, r, out);
}

static enum cl_err model_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H], struct cl_error *err)
{
    (void)err;
    const struct model *m = ctx;
    mth(m, (size_t)index << level, ((size_t)index + 1) << level, out);
    return CL_OK;
}

static const cl_time base_time = 1769904000000000; /* 2026-02-01T00:00:00Z */

static json_t *make_record(size_t i)
{
    return json_pack("{s:s,s:I,s:s,s:[i,s],s:{s:b,s:n}}", "licence", i % 3 ? "L-2026-0001" : "L-2026-0002", "units",
                     (json_int_t)(i * 10 + 1), "note", i % 5 ? "plain" : "quote \" slash \\ tab\t \xc3\xa9", "list",
                     (int)i, "x", "nested", "ok", (int)(i & 1), "none");
}

/* The entry text the journal must store, built with jansson's canonical writer. */
static char *expected_entry(const char *kind, const json_t *record, cl_time at)
{
    char ts[CL_TIME_TEXT_BYTES];
    cl_time_format(at, ts);
    json_t *env = json_pack("{s:s,s:s,s:O}", "at", ts, "kind", kind, "record", record);
    char *s = cl_json_canonical(env);
    json_decref(env);
    return s;
}

static void reset(struct cl_store *st)
{
    struct cl_error e = {0};
    cl_store_exec(st, "DROP TABLE IF EXISTS journal_state", NULL, 0, NULL, &e);
    cl_store_exec(st, "DROP TABLE IF EXISTS journal_bundle", NULL, 0, NULL, &e);
    cl_store_exec(st, "DROP TABLE IF EXISTS journal_tile", NULL, 0, NULL, &e);
    cl_store_exec(st, "DROP TABLE IF EXISTS journal_checkpoint", NULL, 0, NULL, &e);
    cl_store_exec(st, "DROP TABLE IF EXISTS journal_opening", NULL, 0, NULL, &e);
    cl_store_exec(st, "DELETE FROM schema_migrations WHERE component = 'journal'", NULL, 0, NULL, &e);
}

/* Appends n records in one transaction as batches of `batch`, adding them to the model. */
static void append_records(struct cl_store *st, struct model *m, size_t n, size_t batch)
{
    struct cl_error e = {0};
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    for (size_t done = 0; done < n;) {
        size_t k = n - done < batch ? n - done : batch;
        struct cl_journal_item *items = calloc(k, sizeof(*items));
        for (size_t j = 0; j < k; j++) {
            size_t i = m->n + j;
            /* times with and without fractions of a second, some before 1970, several per second */
            cl_time at = i % 11 == 0 ? -(cl_time)i * 999 : base_time + (cl_time)(i / 3) * 1000003;
            items[j] =
                (struct cl_journal_item){i % 2 ? "ledger.shipment" : "screen.decision", make_record(i), NULL, at};
        }
        uint64_t first = 0;
        CHECK_INT(cl_journal_append_batch(st, items, k, &first, &e), CL_OK);
        if (e.code) fprintf(stderr, "  append: %s\n", e.msg);
        CHECK_INT(first, m->n);
        for (size_t j = 0; j < k; j++) {
            char *want = expected_entry(items[j].kind, items[j].record, items[j].at);
            model_add(m, want, strlen(want));
            free(want);
            json_decref((json_t *)items[j].record);
        }
        free(items);
        done += k;
    }
    CHECK_INT(cl_store_commit(st, &e), CL_OK);
}

static void check_head(struct cl_store *st, const struct model *m)
{
    struct cl_error e = {0};
    struct cl_journal_head head;
    CHECK_INT(cl_journal_head_get(st, &head, &e), CL_OK);
    CHECK_INT(head.size, m->n);
    uint8_t want[H];
    mth(m, 0, m->n, want);
    CHECK(memcmp(head.root, want, H) == 0);
}

struct list_ctx {
    const struct model *m;
    uint64_t next;
    int mismatches;
};

static enum cl_err list_entry(void *ctx, uint64_t index, const char *text, size_t len, struct cl_error *err)
{
    (void)err;
    struct list_ctx *c = ctx;
    if (index != c->next || index >= c->m->n || strlen(c->m->text[index]) != len ||
        memcmp(c->m->text[index], text, len) != 0)
        c->mismatches++;
    c->next = index + 1;
    return CL_OK;
}

static void check_entries(struct cl_store *st, const struct model *m)
{
    struct cl_error e = {0};
    /* every entry, listed, equals the canonical bytes */
    struct list_ctx c = {m, 0, 0};
    CHECK_INT(cl_journal_entry_list(st, 0, UINT64_MAX, list_entry, &c, &e), CL_OK);
    CHECK_INT(c.mismatches, 0);
    CHECK_INT(c.next, m->n);
    /* ranges that start and end inside bundles */
    uint64_t starts[] = {1, 255, 256, 257, 1000, m->n - 1, m->n};
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        if (starts[i] > m->n) continue;
        c = (struct list_ctx){m, starts[i], 0};
        CHECK_INT(cl_journal_entry_list(st, starts[i], 300, list_entry, &c, &e), CL_OK);
        CHECK_INT(c.mismatches, 0);
        uint64_t want_end = starts[i] + 300 < m->n ? starts[i] + 300 : m->n;
        CHECK_INT(c.next, want_end);
    }
    /* inside the caller's transaction, reads see its snapshot and leave it open */
    CHECK_INT(cl_store_begin(st, CL_TX_READ, &e), CL_OK);
    struct cl_journal_proof p;
    CHECK_INT(cl_journal_inclusion_prove(st, NULL, 0, m->n, &p, &e), CL_OK);
    CHECK(cl_store_in_tx(st));
    cl_store_rollback(st);
    /* single entries */
    size_t picks[] = {0, 1, 17, 255, 256, m->n / 2, m->n - 1};
    for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
        char *text = NULL;
        size_t len = 0;
        CHECK_INT(cl_journal_entry_get(st, picks[i], &text, &len, &e), CL_OK);
        CHECK_STR(text, m->text[picks[i]]);
        CHECK_INT(len, strlen(m->text[picks[i]]));
        free(text);
    }
    char *text = NULL;
    CHECK_INT(cl_journal_entry_get(st, m->n, &text, NULL, &e), CL_ERR_NOT_FOUND);
    CHECK(text == NULL);
}

/* Proofs from the store equal the RFC definitions' proofs, for the current size and earlier ones. */
static void check_proofs(struct cl_store *st, struct cl_journal_cache *cache, const struct model *m)
{
    struct cl_error e = {0};
    int bad = 0, checked = 0;
    uint64_t sizes[] = {1, 2, 3, 15, 16, 17, 31, 255, 256, 257, 1000, m->n - 1, m->n};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        uint64_t n = sizes[s];
        if (n == 0 || n > m->n) continue;
        uint8_t root[H], stored_root[H];
        mth(m, 0, n, root);
        CHECK_INT(cl_journal_root_at(st, cache, n, stored_root, &e), CL_OK);
        CHECK(memcmp(stored_root, root, H) == 0);
        for (uint64_t i = 0; i < n; i += 1 + n / 40) {
            struct cl_journal_proof got, want;
            if (cl_journal_inclusion_prove(st, cache, i, n, &got, &e) ||
                cl_journal_inclusion_build(i, n, model_node, (void *)m, &want, &e) || got.n_hashes != want.n_hashes ||
                memcmp(got.hashes, want.hashes, got.n_hashes * H) != 0 ||
                cl_journal_inclusion_verify(&got, m->leaf[i], root, &e))
                bad++;
            checked++;
        }
        for (size_t t = 0; t <= s; t++) {
            uint64_t old = sizes[t];
            if (old > n) continue;
            uint8_t old_root[H];
            mth(m, 0, old, old_root);
            struct cl_journal_proof got, want;
            if (cl_journal_consistency_prove(st, cache, old, n, &got, &e) ||
                cl_journal_consistency_build(old, n, model_node, (void *)m, &want, &e) ||
                got.n_hashes != want.n_hashes || memcmp(got.hashes, want.hashes, got.n_hashes * H) != 0 ||
                cl_journal_consistency_verify(&got, old_root, root, &e))
                bad++;
            checked++;
        }
    }
    CHECK_INT(bad, 0);
    CHECK(checked > 100);
    if (e.code) fprintf(stderr, "  proof: %s\n", e.msg);
    struct cl_journal_proof p;
    cl_error_clear(&e);
    CHECK_INT(cl_journal_inclusion_prove(st, NULL, 0, m->n + 1, &p, &e), CL_ERR_NOT_FOUND);
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
    reset(st);
    CHECK_INT(cl_journal_migrate(st, &e), CL_OK);
    struct model m = {0};
    check_head(st, &m);

    /* batches of every shape: single entries, ones that end inside tiles and bundles, large ones */
    append_records(st, &m, 1, 1);
    append_records(st, &m, 5, 1);
    append_records(st, &m, 10, 3);
    check_head(st, &m);
    append_records(st, &m, 300, 17);
    append_records(st, &m, 1000, 1000);
    append_records(st, &m, 700, 256);
    check_head(st, &m);
    check_entries(st, &m);
    check_proofs(st, NULL, &m);
    struct cl_journal_cache *cache = cl_journal_cache_new(1 << 20);
    check_proofs(st, cache, &m);
    check_proofs(st, cache, &m); /* served from the cache now */
    uint64_t hits = 0, misses = 0;
    cl_journal_cache_stats(cache, &hits, &misses);
    CHECK(hits > misses);

    /* a rollback leaves no trace: not in the head, the entries, the tiles or the next indexes */
    size_t before = m.n;
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    json_t *rec = json_pack("{s:s}", "rolled", "back");
    uint64_t idx = 0;
    for (int i = 0; i < 40; i++)
        CHECK_INT(cl_journal_append(st, "ledger.order", rec, NULL, base_time, &idx, &e), CL_OK);
    CHECK_INT(idx, before + 39);
    /* proofs inside the transaction read its tiles, full ones too, which must not stay in the cache */
    struct cl_journal_proof inside;
    CHECK_INT(cl_journal_inclusion_prove(st, cache, before + 1, before + 40, &inside, &e), CL_OK);
    CHECK_INT(cl_journal_consistency_prove(st, cache, 1, before + 40, &inside, &e), CL_OK);
    cl_store_rollback(st);
    json_decref(rec);
    check_head(st, &m);
    char *text = NULL;
    CHECK_INT(cl_journal_entry_get(st, before, &text, NULL, &e), CL_ERR_NOT_FOUND);
    cl_error_clear(&e);
    append_records(st, &m, 33, 5);
    check_head(st, &m);
    check_entries(st, &m);
    check_proofs(st, NULL, &m);
    check_proofs(st, cache, &m);
    cl_journal_cache_free(cache);

    /* refused appends */
    json_t *good = json_pack("{s:i}", "units", 1);
    CHECK_INT(cl_journal_append(st, "ledger.order", good, NULL, base_time, NULL, &e), CL_ERR_STATE);
    cl_error_clear(&e);
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    CHECK_INT(cl_journal_append(st, "Ledger", good, NULL, base_time, NULL, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "kind \"Ledger\"");
    cl_error_clear(&e);
    json_t *arr = json_pack("[i]", 1);
    CHECK_INT(cl_journal_append(st, "ledger.order", arr, NULL, base_time, NULL, &e), CL_ERR_INPUT);
    cl_error_clear(&e);
    json_t *real = json_pack("{s:{s:f}}", "value", "usd", 1.5);
    CHECK_INT(cl_journal_append(st, "ledger.order", real, NULL, base_time, NULL, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "real number at \"usd\"");
    cl_error_clear(&e);
    json_t *big = json_object();
    char *filler = calloc(1, CL_JOURNAL_ENTRY_BYTES_MAX);
    memset(filler, 'x', CL_JOURNAL_ENTRY_BYTES_MAX - 1);
    json_object_set_new(big, "filler", json_string(filler));
    CHECK_INT(cl_journal_append(st, "ledger.order", big, NULL, base_time, NULL, &e), CL_ERR_LIMIT);
    cl_error_clear(&e);
    cl_store_rollback(st);
    free(filler);
    json_decref(big);
    json_decref(real);
    json_decref(arr);
    json_decref(good);
    check_head(st, &m);

    model_free(&m);
    cl_store_close(st);
}

/* Two connections append at once: the second waits or is told to retry (SQLite refuses its write transaction,
 * PostgreSQL reports the lock time-out or the serialisation failure as CL_ERR_BUSY), and after a retry the tree
 * holds both appends in order, never one index twice. */
static void two_writers(const char *target)
{
    struct cl_error e = {0};
    struct cl_store *a = NULL, *b = NULL;
    struct cl_store_options o = {.sync = CL_SYNC_FULL, .busy_timeout_ms = 100};
    CHECK_INT(cl_store_open(target, &o, &a, &e), CL_OK);
    CHECK_INT(cl_store_open(target, &o, &b, &e), CL_OK);
    if (!a || !b) return;
    struct cl_journal_head before, after;
    CHECK_INT(cl_journal_head_get(a, &before, &e), CL_OK);
    json_t *rec = json_pack("{s:s}", "writer", "a");
    uint64_t ia = 0, ib = 0;
    CHECK_INT(cl_store_begin(a, CL_TX_WRITE, &e), CL_OK);
    CHECK_INT(cl_journal_append(a, "ledger.order", rec, NULL, base_time, &ia, &e), CL_OK);
    enum cl_err rc = cl_store_begin(b, CL_TX_WRITE, &e);
    if (rc == CL_OK) rc = cl_journal_append(b, "ledger.order", rec, NULL, base_time, &ib, &e);
    CHECK_INT(rc, CL_ERR_BUSY);
    cl_store_rollback(b);
    cl_error_clear(&e);
    CHECK_INT(cl_store_commit(a, &e), CL_OK);
    CHECK_INT(cl_store_begin(b, CL_TX_WRITE, &e), CL_OK);
    CHECK_INT(cl_journal_append(b, "ledger.order", rec, NULL, base_time, &ib, &e), CL_OK);
    CHECK_INT(cl_store_commit(b, &e), CL_OK);
    CHECK_INT(ia, before.size);
    CHECK_INT(ib, before.size + 1);
    CHECK_INT(cl_journal_head_get(a, &after, &e), CL_OK);
    CHECK_INT(after.size, before.size + 2);
    json_decref(rec);
    cl_store_close(a);
    cl_store_close(b);
}

int main(void)
{
    char path[] = "/tmp/cl_test_journal_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    exercise(path);
    two_writers(path);
    const char *pg = getenv("CLEARANCE_TEST_PG");
    char url[1024];
    if (pg && *pg && journal_pg_schema_url(pg, "journal_test_log", url, sizeof(url))) {
        fprintf(stderr, "also on PostgreSQL: %s\n", url);
        exercise(url);
        two_writers(url);
    } else {
        fprintf(stderr, "CLEARANCE_TEST_PG not set: PostgreSQL part skipped\n");
    }
    cl_store_remove(path);
    return TEST_EXIT();
}
