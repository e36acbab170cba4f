/* Unit tests for checkpoints, verification and tampering, on SQLite and (with CLEARANCE_TEST_PG) PostgreSQL:
 * one byte changed in one stored entry is named by its index; changed subtree hashes, checkpoints, openings and
 * removed entries are caught; a log rewritten consistently is caught by the checkpoints; key files. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clearance/journal.h"
#include "clearance/store.h"
#include "journal_pg.h"
#include "test.h"

static const cl_time t0 = 1769904000000000;

static void reset(struct cl_store *st)
{
    static const char *const tables[] = {"journal_state", "journal_bundle", "journal_tile", "journal_checkpoint",
                                         "journal_opening"};
    struct cl_error e = {0};
    for (size_t i = 0; i < 5; i++) {
        char sql[96];
        snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", tables[i]);
        cl_store_exec(st, sql, NULL, 0, NULL, &e);
    }
    cl_store_exec(st, "DELETE FROM schema_migrations WHERE component = 'journal'", NULL, 0, NULL, &e);
    cl_error_clear(&e);
    CHECK_INT(cl_journal_migrate(st, &e), CL_OK);
}

/* Appends entries [from, to) in batches of 7; entry `odd` (if in range) gets a different record. */
static void append_range(struct cl_store *st, size_t from, size_t to, size_t odd)
{
    struct cl_error e = {0};
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    for (size_t i = from; i < to;) {
        struct cl_journal_item items[7];
        size_t n = 0;
        for (; n < 7 && i < to; n++, i++) {
            json_t *r =
                json_pack("{s:s,s:I}", "licence", i % 2 ? "L-1" : "L-2", "units", (json_int_t)(i == odd ? 999 : i));
            items[n] = (struct cl_journal_item){"ledger.shipment", r, NULL, t0 + (cl_time)i};
        }
        CHECK_INT(cl_journal_append_batch(st, items, n, NULL, &e), CL_OK);
        for (size_t k = 0; k < n; k++)
            json_decref((json_t *)items[k].record);
    }
    CHECK_INT(cl_store_commit(st, &e), CL_OK);
}

struct bundle_row {
    int64_t first;
    unsigned char *data;
    size_t len;
};

static enum cl_err grab_bundle(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct bundle_row *b = ctx;
    b->first = cl_row_int(row, 0);
    const void *d = cl_row_blob(row, 1, &b->len);
    b->data = malloc(b->len);
    memcpy(b->data, d, b->len);
    return CL_OK;
}

/* Flips one byte in the middle of stored entry k (or puts it back: flipping twice restores it). */
static void flip_entry_byte(struct cl_store *st, uint64_t k)
{
    struct cl_error e = {0};
    struct bundle_row b = {0, NULL, 0};
    struct cl_val p[] = {CL_VINT(k)};
    CHECK_INT(cl_store_query(st,
                             "SELECT first_index, data FROM journal_bundle WHERE first_index <= ?"
                             " ORDER BY first_index DESC LIMIT 1",
                             p, 1, grab_bundle, &b, &e),
              CL_OK);
    size_t off = 0;
    for (uint64_t i = (uint64_t)b.first; i < k; i++) {
        size_t n =
            (size_t)b.data[off] << 24 | (size_t)b.data[off + 1] << 16 | (size_t)b.data[off + 2] << 8 | b.data[off + 3];
        off += 4 + n;
    }
    size_t n =
        (size_t)b.data[off] << 24 | (size_t)b.data[off + 1] << 16 | (size_t)b.data[off + 2] << 8 | b.data[off + 3];
    b.data[off + 4 + n / 2] ^= 0x01;
    struct cl_val q[] = {CL_VBLOB(b.data, b.len), CL_VINT(b.first)};
    CHECK_INT(cl_store_exec(st, "UPDATE journal_bundle SET data = ? WHERE first_index = ?", q, 2, NULL, &e), CL_OK);
    free(b.data);
}

static enum cl_err verify(struct cl_store *st, const struct cl_journal_verifier *v, struct cl_error *e)
{
    struct cl_journal_verify_report r;
    cl_error_clear(e);
    return cl_journal_verify(st, v, &r, e);
}

static void tampering(const char *target, const char *target2)
{
    struct cl_error e = {0};
    struct cl_store *st = NULL, *st2 = NULL;
    CHECK_INT(cl_store_open(target, NULL, &st, &e), CL_OK);
    if (!st) return;
    reset(st);
    struct cl_journal_signer key;
    struct cl_journal_verifier pub;
    CHECK_INT(cl_journal_signer_generate("clearance.example/journal", &key, &e), CL_OK);
    cl_journal_signer_verifier(&key, &pub);

    /* an empty log verifies, and so does its checkpoint */
    char *note = NULL;
    size_t len = 0;
    struct cl_journal_checkpoint cp;
    CHECK_INT(verify(st, &pub, &e), CL_OK);
    CHECK_INT(cl_journal_checkpoint_create(st, &key, t0, &note, &len, &cp, &e), CL_OK);
    CHECK_INT(cp.size, 0);
    free(note);

    append_range(st, 0, 100, SIZE_MAX);
    CHECK_INT(cl_journal_checkpoint_create(st, &key, t0, &note, &len, &cp, &e), CL_OK);
    CHECK_INT(cp.size, 100);
    char *again = NULL;
    CHECK_INT(cl_journal_checkpoint_create(st, &key, t0, &again, &len, &cp, &e), CL_OK);
    CHECK_STR(again, note); /* nothing new: the same checkpoint */
    free(again);
    free(note);
    append_range(st, 100, 150, SIZE_MAX);
    CHECK_INT(cl_journal_checkpoint_create(st, &key, t0, &note, &len, &cp, &e), CL_OK);
    free(note);
    append_range(st, 150, 157, SIZE_MAX);
    struct cl_journal_verify_report r;
    CHECK_INT(cl_journal_verify(st, &pub, &r, &e), CL_OK);
    CHECK_INT(r.entries, 157);
    CHECK_INT(r.checkpoints, 3);
    struct cl_journal_head head;
    CHECK_INT(cl_journal_head_get(st, &head, &e), CL_OK);
    CHECK(memcmp(head.root, r.head.root, 32) == 0);

    /* a checkpoint is never signed inside a transaction */
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    CHECK_INT(cl_journal_checkpoint_create(st, &key, t0, &note, &len, &cp, &e), CL_ERR_STATE);
    cl_store_rollback(st);
    cl_error_clear(&e);

    /* one byte of one entry: verify names exactly that entry, wherever it sits in bundles and tiles */
    uint64_t picks[] = {0, 1, 15, 16, 99, 100, 149, 150, 156};
    for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
        flip_entry_byte(st, picks[i]);
        CHECK_INT(verify(st, &pub, &e), CL_ERR_CRYPTO);
        char want[64];
        snprintf(want, sizeof(want), "entry %llu does not match its leaf hash", (unsigned long long)picks[i]);
        CHECK_CONTAINS(e.msg, want);
        flip_entry_byte(st, picks[i]);
    }
    /* two changed entries: the first is named */
    flip_entry_byte(st, 120);
    flip_entry_byte(st, 40);
    CHECK_INT(verify(st, &pub, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "entry 40 does not");
    flip_entry_byte(st, 40);
    flip_entry_byte(st, 120);
    CHECK_INT(verify(st, &pub, &e), CL_OK);

    /* a stored interior hash (level 5, which lives in the second tile level) */
    /* tile (1, 0): its key holds the level in the top bits, as journal_int.h defines */
    struct cl_val tp[] = {CL_VINT((int64_t)1 << 59)};
    uint8_t tile[960];
    uint64_t width = 0;
    bool found = false;
    {
        struct cl_error te = {0};
        /* read, alter slot 16 (level 5, index 0) and write back through SQL */
        struct bundle_row b = {0, NULL, 0};
        CHECK_INT(
            cl_store_query(st, "SELECT width, hashes FROM journal_tile WHERE id = ?", tp, 1, grab_bundle, &b, &te),
            CL_OK);
        CHECK_INT(b.len, 960);
        width = (uint64_t)b.first;
        memcpy(tile, b.data, 960);
        free(b.data);
        found = true;
        tile[16 * 32] ^= 0x80;
        struct cl_val q[] = {CL_VBLOB(tile, 960), CL_VINT((int64_t)1 << 59)};
        CHECK_INT(cl_store_exec(st, "UPDATE journal_tile SET hashes = ? WHERE id = ?", q, 2, NULL, &te), CL_OK);
    }
    CHECK(found && width == 9); /* 157 >> 4 = 9 complete level-4 nodes */
    CHECK_INT(verify(st, &pub, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "stored subtree hash (5, 0)");
    /* proofs served from the damaged tile do not verify against the checkpoint: entry 40's path holds (5, 0) */
    struct cl_journal_proof proof;
    char *cp_note = NULL;
    CHECK_INT(cl_journal_checkpoint_get(st, 150, &cp_note, &len, &e), CL_OK);
    struct cl_journal_checkpoint c150;
    CHECK_INT(cl_journal_checkpoint_open(cp_note, len, &pub, &c150, &e), CL_OK);
    CHECK_INT(cl_journal_inclusion_prove(st, NULL, 40, 150, &proof, &e), CL_OK);
    char *text = NULL;
    CHECK_INT(cl_journal_entry_get(st, 40, &text, &len, &e), CL_OK);
    uint8_t leaf[32];
    cl_journal_leaf_hash(text, len, leaf);
    CHECK_INT(cl_journal_inclusion_verify(&proof, leaf, c150.root, &e), CL_ERR_CRYPTO);
    cl_error_clear(&e);
    free(text);
    tile[16 * 32] ^= 0x80;
    /* a proof names a tile it cannot use: cut short (read with the others a proof needs, in one statement), or gone */
    struct cl_val cut[] = {CL_VBLOB(tile, 959), CL_VINT((int64_t)1 << 59)};
    CHECK_INT(cl_store_exec(st, "UPDATE journal_tile SET hashes = ? WHERE id = ?", cut, 2, NULL, &e), CL_OK);
    CHECK_INT(cl_journal_inclusion_prove(st, NULL, 40, 150, &proof, &e), CL_ERR_STORE);
    CHECK_CONTAINS(e.msg, "tile (1, 0) is malformed");
    cl_error_clear(&e);
    CHECK_INT(cl_store_exec(st, "DELETE FROM journal_tile WHERE id = ?", tp, 1, NULL, &e), CL_OK);
    CHECK_INT(cl_journal_inclusion_prove(st, NULL, 40, 150, &proof, &e), CL_ERR_STORE);
    CHECK_CONTAINS(e.msg, "tile (1, 0) is missing");
    cl_error_clear(&e);
    CHECK_INT(cl_journal_inclusion_prove(st, NULL, 3, 5, &proof, &e), CL_OK); /* below it: tile (0, 0) alone */
    struct cl_val q[] = {CL_VINT((int64_t)1 << 59), CL_VINT((int64_t)width), CL_VBLOB(tile, 960)};
    CHECK_INT(cl_store_exec(st, "INSERT INTO journal_tile (id, width, hashes) VALUES (?, ?, ?)", q, 3, NULL, &e), CL_OK);
    CHECK_INT(cl_journal_inclusion_prove(st, NULL, 40, 150, &proof, &e), CL_OK);
    CHECK_INT(verify(st, &pub, &e), CL_OK);

    /* a changed checkpoint no longer carries a valid signature */
    char *bad = strdup(cp_note);
    bad[strlen("clearance.example/journal\n")] = '4'; /* "150" becomes "450" */
    struct cl_val cq[] = {CL_VTEXT(bad), CL_VINT(150)};
    CHECK_INT(cl_store_exec(st, "UPDATE journal_checkpoint SET note = ? WHERE size = ?", cq, 2, NULL, &e), CL_OK);
    CHECK_INT(verify(st, &pub, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "checkpoint at size 150");
    struct cl_val cr[] = {CL_VTEXT(cp_note), CL_VINT(150)};
    CHECK_INT(cl_store_exec(st, "UPDATE journal_checkpoint SET note = ? WHERE size = ?", cr, 2, NULL, &e), CL_OK);
    free(bad);
    /* another key's view: its checkpoints are not ours */
    struct cl_journal_signer other;
    struct cl_journal_verifier other_pub;
    CHECK_INT(cl_journal_signer_generate("clearance.example/journal", &other, &e), CL_OK);
    cl_journal_signer_verifier(&other, &other_pub);
    CHECK_INT(verify(st, &other_pub, &e), CL_ERR_CRYPTO);
    cl_error_clear(&e);
    CHECK_INT(cl_journal_checkpoint_create(st, &other, t0, &note, &len, &cp, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "refusing to sign");
    cl_error_clear(&e);

    /* removed entries: the newest bundle, then everything after a checkpoint's size */
    CHECK_INT(cl_store_exec(st, "DELETE FROM journal_bundle WHERE first_index >= 150", NULL, 0, NULL, &e), CL_OK);
    CHECK_INT(verify(st, &pub, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "the head states 157 entries but 150 are stored");
    CHECK_INT(cl_store_exec(st, "DELETE FROM journal_bundle WHERE first_index >= 140", NULL, 0, NULL, &e), CL_OK);
    CHECK_INT(verify(st, &pub, &e), CL_ERR_CRYPTO);

    /* a log rewritten consistently from entry 5 on, under the old checkpoints: the checkpoints catch it */
    CHECK_INT(cl_store_open(target2, NULL, &st2, &e), CL_OK);
    if (st2) {
        reset(st2);
        append_range(st2, 0, 157, 5);
        CHECK_INT(verify(st2, &pub, &e), CL_OK); /* no checkpoints: nothing to contradict */
        CHECK_INT(cl_journal_checkpoint_get(st, 100, &note, &len, &e), CL_OK);
        struct cl_val ins[] = {CL_VINT(100), CL_VTEXTN(note, len), CL_VTEXT("2026-02-01")};
        CHECK_INT(cl_store_exec(st2, "INSERT INTO journal_checkpoint (size, note, created_at) VALUES (?, ?, ?)", ins, 3,
                                NULL, &e),
                  CL_OK);
        free(note);
        CHECK_INT(verify(st2, &pub, &e), CL_ERR_CRYPTO);
        CHECK_CONTAINS(e.msg, "the entries do not match checkpoint 100: an entry in [0, 100) was rewritten");
        /* and the log refuses to sign the rewritten tree */
        cl_error_clear(&e);
        CHECK_INT(cl_journal_checkpoint_create(st2, &key, t0, &note, &len, &cp, &e), CL_ERR_CRYPTO);
        CHECK_CONTAINS(e.msg, "not consistent with checkpoint 100");
        cl_store_close(st2);
    }
    free(cp_note);
    cl_journal_signer_release(&key);
    cl_journal_signer_release(&other);
    cl_store_close(st);
}

/* Openings: stored beside the entry, checked by verify, served per field. */
static void openings(const char *target)
{
    struct cl_error e = {0};
    struct cl_store *st = NULL;
    CHECK_INT(cl_store_open(target, NULL, &st, &e), CL_OK);
    if (!st) return;
    reset(st);
    struct cl_journal_signer key;
    struct cl_journal_verifier pub;
    CHECK_INT(cl_journal_signer_generate("clearance.example/journal", &key, &e), CL_OK);
    cl_journal_signer_verifier(&key, &pub);
    json_t *rec = json_pack("{s:s,s:i}", "licence", "L-2026-0001", "units", 400);
    json_t *secret = json_pack("{s:I,s:s,s:{s:s}}", "value_cents", (json_int_t)3200000000, "customer", "ByteDance",
                               "terms", "incoterm", "FCA");
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    uint64_t idx = 0;
    CHECK_INT(cl_journal_append(st, "ledger.shipment", rec, secret, t0, &idx, &e), CL_OK);
    CHECK_INT(cl_journal_append(st, "ledger.shipment", rec, NULL, t0, NULL, &e), CL_OK);
    CHECK_INT(cl_store_commit(st, &e), CL_OK);
    char *text = NULL;
    size_t len = 0;
    CHECK_INT(cl_journal_entry_get(st, idx, &text, &len, &e), CL_OK);
    /* the entry holds commitments, never the values */
    CHECK(strstr(text, "ByteDance") == NULL);
    CHECK(strstr(text, "3200000000") == NULL);
    CHECK(strncmp(text, "{\"at\":\"2026-02-01T00:00:00Z\",\"commit\":{\"customer\":\"", 51) == 0);
    struct cl_journal_verify_report r;
    CHECK_INT(cl_journal_verify(st, &pub, &r, &e), CL_OK);
    CHECK_INT(r.openings, 3);
    const char *fields[] = {"value_cents", "terms"};
    json_t *open = NULL;
    CHECK_INT(cl_journal_openings_get(st, idx, fields, 2, &open, &e), CL_OK);
    CHECK_INT(json_array_size(open), 2);
    const json_t *o = json_array_get(open, 1);
    CHECK_STR(json_string_value(json_object_get(o, "field")), "terms");
    CHECK_STR(json_string_value(json_object_get(o, "value")), "{\"incoterm\":\"FCA\"}");
    /* each opening checks against the entry; a changed value or salt does not */
    for (size_t i = 0; i < 2; i++) {
        const json_t *x = json_array_get(open, i);
        const char *field = json_string_value(json_object_get(x, "field"));
        const char *salt_hex = json_string_value(json_object_get(x, "salt"));
        const char *value = json_string_value(json_object_get(x, "value"));
        uint8_t salt[32];
        for (int k = 0; k < 32; k++) {
            unsigned v = 0;
            sscanf(salt_hex + 2 * k, "%2x", &v);
            salt[k] = (uint8_t)v;
        }
        CHECK_INT(cl_journal_opening_check(text, len, field, salt, value, strlen(value), &e), CL_OK);
        salt[0] ^= 1;
        CHECK_INT(cl_journal_opening_check(text, len, field, salt, value, strlen(value), &e), CL_ERR_CRYPTO);
        cl_error_clear(&e);
        salt[0] ^= 1;
        CHECK_INT(cl_journal_opening_check(text, len, field, salt, "0", 1, &e), CL_ERR_CRYPTO);
        cl_error_clear(&e);
        CHECK_INT(cl_journal_opening_check(text, len, "units", salt, value, strlen(value), &e), CL_ERR_CRYPTO);
        CHECK_CONTAINS(e.msg, "no commitment to field \"units\"");
        cl_error_clear(&e);
    }
    /* a disclosure document checks with the public key alone, and not once anything in it is changed */
    char *note = NULL;
    CHECK_INT(cl_journal_checkpoint_create(st, &key, t0, &note, &len, NULL, &e), CL_OK);
    free(note);
    json_t *doc = NULL;
    CHECK_INT(cl_journal_disclosure_build(st, idx, 2, fields, 2, &doc, &e), CL_OK);
    char *doc_text = json_dumps(doc, JSON_COMPACT);
    struct cl_journal_disclosure d;
    struct cl_journal_checkpoint dcp;
    CHECK_INT(cl_journal_disclosure_parse(doc_text, strlen(doc_text), &d, &e), CL_OK);
    CHECK_INT(d.n_openings, 2);
    CHECK_INT(cl_journal_disclosure_verify(&d, &pub, &dcp, &e), CL_OK);
    CHECK_INT(dcp.size, 2);
    d.openings[0].value[0] = '4'; /* 3200000000 -> 4200000000 */
    CHECK_INT(cl_journal_disclosure_verify(&d, &pub, &dcp, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "\"value_cents\" does not match");
    cl_error_clear(&e);
    d.openings[0].value[0] = '3';
    d.proof.proof.hashes[0][5] ^= 4;
    CHECK_INT(cl_journal_disclosure_verify(&d, &pub, &dcp, &e), CL_ERR_CRYPTO);
    cl_error_clear(&e);
    d.proof.proof.hashes[0][5] ^= 4;
    struct cl_journal_signer stranger;
    struct cl_journal_verifier stranger_pub;
    CHECK_INT(cl_journal_signer_generate("clearance.example/journal", &stranger, &e), CL_OK);
    cl_journal_signer_verifier(&stranger, &stranger_pub);
    CHECK_INT(cl_journal_disclosure_verify(&d, &stranger_pub, &dcp, &e), CL_ERR_CRYPTO);
    cl_error_clear(&e);
    CHECK_INT(cl_journal_disclosure_verify(&d, &pub, &dcp, &e), CL_OK);
    cl_journal_disclosure_release(&d);
    cl_journal_signer_release(&stranger);
    /* the parser names what is wrong */
    const char *bad_docs[] = {
        "{\"type\":\"disclosure\"}",
        "{\"type\":\"proof\",\"checkpoint\":\"x\",\"proof\":{},\"openings\":[]}",
        ("{\"type\":\"disclosure\",\"checkpoint\":\"x\",\"proof\":{\"type\":\"consistency\",\"old_size\":1,"
         "\"tree_size\":2,\"hashes\":[]},\"openings\":[]}"),
        "[]",
    };
    for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
        cl_error_clear(&e);
        CHECK_INT(cl_journal_disclosure_parse(bad_docs[i], strlen(bad_docs[i]), &d, &e), CL_ERR_INPUT);
    }
    free(doc_text);
    json_decref(doc);
    cl_error_clear(&e);

    const char *missing[] = {"units"};
    json_t *none = NULL;
    CHECK_INT(cl_journal_openings_get(st, idx, missing, 1, &none, &e), CL_ERR_NOT_FOUND);
    cl_error_clear(&e);
    /* a changed stored opening fails verification, naming entry and field */
    struct cl_val p[] = {CL_VTEXT("3100000000"), CL_VINT(idx), CL_VTEXT("value_cents")};
    CHECK_INT(
        cl_store_exec(st, "UPDATE journal_opening SET value = ? WHERE entry_index = ? AND field = ?", p, 3, NULL, &e),
        CL_OK);
    CHECK_INT(verify(st, &pub, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "entry 0, field \"value_cents\"");
    /* committed fields: names checked, reals refused */
    json_t *bad_name = json_pack("{s:i}", "Value", 1), *real = json_pack("{s:f}", "price", 2.5);
    CHECK_INT(cl_store_begin(st, CL_TX_WRITE, &e), CL_OK);
    cl_error_clear(&e);
    CHECK_INT(cl_journal_append(st, "ledger.shipment", rec, bad_name, t0, NULL, &e), CL_ERR_INPUT);
    cl_error_clear(&e);
    CHECK_INT(cl_journal_append(st, "ledger.shipment", rec, real, t0, NULL, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "committed field \"price\"");
    cl_store_rollback(st);
    json_decref(bad_name);
    json_decref(real);
    json_decref(open);
    json_decref(rec);
    json_decref(secret);
    free(text);
    cl_journal_signer_release(&key);
    cl_store_close(st);
}

TEST(key_files)
{
    struct cl_error e = {0};
    char dir[] = "/tmp/cl_test_keys_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], pub_path[160];
    snprintf(path, sizeof(path), "%s/k", dir);
    cl_journal_public_key_path(path, pub_path, sizeof(pub_path));
    struct cl_journal_verifier made, loaded;
    CHECK_INT(cl_journal_key_create(path, "audit.example/log", &made, &e), CL_OK);
    struct stat sb;
    CHECK_INT(stat(path, &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    CHECK_INT(cl_journal_key_create(path, "audit.example/log", NULL, &e), CL_ERR_CONFLICT);
    cl_error_clear(&e);
    struct cl_journal_signer s;
    CHECK_INT(cl_journal_signer_load(path, &s, &e), CL_OK);
    CHECK_INT(cl_journal_verifier_load(pub_path, &loaded, &e), CL_OK);
    CHECK(memcmp(&made, &loaded, sizeof(made)) == 0);
    CHECK_INT(s.key_id, made.key_id);
    cl_journal_signer_release(&s);
    chmod(path, 0640);
    CHECK_INT(cl_journal_signer_load(path, &s, &e), CL_ERR_FORBIDDEN);
    cl_error_clear(&e);
    CHECK_INT(cl_journal_key_create(path, "bad name", NULL, &e), CL_ERR_INPUT);
    cl_error_clear(&e);
    char nope[160];
    snprintf(nope, sizeof(nope), "%s/absent", dir);
    CHECK_INT(cl_journal_signer_load(nope, &s, &e), CL_ERR_NOT_FOUND);
    unlink(path);
    unlink(pub_path);
    rmdir(dir);
}

int main(void)
{
    char a[] = "/tmp/cl_test_jverify_a_XXXXXX", b[] = "/tmp/cl_test_jverify_b_XXXXXX";
    close(mkstemp(a));
    close(mkstemp(b));
    RUN(key_files);
    tampering(a, b);
    openings(a);
    fprintf(stderr, "SQLite done\n");
    const char *pg = getenv("CLEARANCE_TEST_PG");
    char url[1024];
    if (pg && *pg && journal_pg_schema_url(pg, "journal_test_verify", url, sizeof(url))) {
        /* the second database of the rewrite test stays on SQLite */
        fprintf(stderr, "also on PostgreSQL: %s\n", url);
        tampering(url, b);
        openings(url);
    } else {
        fprintf(stderr, "CLEARANCE_TEST_PG not set: PostgreSQL part skipped\n");
    }
    cl_store_remove(a);
    cl_store_remove(b);
    return TEST_EXIT();
}
