/* Verification of the whole stored log: rebuilds the tree from the stored entries, checks every stored subtree
 * hash, the head, every checkpoint ever published and every stored opening, and names the first thing wrong. */
#include <stdlib.h>
#include <string.h>

#include "journal_int.h"

#define HASH CL_JOURNAL_HASH_BYTES

struct published {
    uint64_t size;
    uint8_t root[HASH];
};

/* The stored tile each level is being compared with. */
struct stored_tile {
    bool open, found;
    uint64_t index, width;
    uint8_t hashes[TILE_BYTES];
};

struct verify {
    struct cl_store *st;
    struct cl_journal_frontier f;
    struct published *cps;
    size_t n_cps, next_cp;
    const struct cl_journal_verifier *key;
    struct stored_tile tiles[TILE_LEVELS];
};

static enum cl_err collect_checkpoint(void *ctx, uint64_t size, const char *note, size_t len, struct cl_error *err)
{
    struct verify *v = ctx;
    struct cl_journal_checkpoint cp;
    enum cl_err rc = cl_journal_checkpoint_open(note, len, v->key, &cp, err);
    if (rc) {
        /* a stored checkpoint that does not parse was damaged: it fails verification like a bad signature */
        cl_error_prefix(err, "checkpoint at size %llu", (unsigned long long)size);
        if (rc != CL_ERR_INPUT) return rc;
        if (err) err->code = CL_ERR_CRYPTO;
        return CL_ERR_CRYPTO;
    }
    if (cp.size != size)
        return cl_error_set(err, CL_ERR_CRYPTO, "checkpoint filed under size %llu states size %llu",
                            (unsigned long long)size, (unsigned long long)cp.size);
    if (v->n_cps % 64 == 0) {
        struct published *p = realloc(v->cps, (v->n_cps + 64) * sizeof(*p));
        if (!p) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        v->cps = p;
    }
    v->cps[v->n_cps].size = cp.size;
    memcpy(v->cps[v->n_cps].root, cp.root, HASH);
    v->n_cps++;
    return CL_OK;
}

/* Checkpoints whose size the rebuilt tree has reached must state its root. */
static enum cl_err check_checkpoints(struct verify *v, struct cl_error *err)
{
    while (v->next_cp < v->n_cps && v->cps[v->next_cp].size == v->f.size) {
        uint8_t root[HASH];
        cl_journal_frontier_root(&v->f, root);
        if (memcmp(root, v->cps[v->next_cp].root, HASH) != 0) {
            uint64_t from = v->next_cp ? v->cps[v->next_cp - 1].size : 0;
            return cl_error_set(err, CL_ERR_CRYPTO,
                                "the entries do not match checkpoint %llu: an entry in [%llu, %llu) was rewritten",
                                (unsigned long long)v->f.size, (unsigned long long)from, (unsigned long long)v->f.size);
        }
        v->next_cp++;
    }
    return CL_OK;
}

/* Compares every subtree hash the rebuild completes with the stored one, as soon as it is complete: the leaf of
 * a changed entry is the first to differ, so the first message names that entry. */
static enum cl_err check_node(void *ctx, unsigned level, uint64_t index, const uint8_t hash[HASH], struct cl_error *err)
{
    struct verify *v = ctx;
    struct tile_pos pos;
    cl_journal_tile_locate(level, index, &pos);
    struct stored_tile *t = &v->tiles[pos.tile_level];
    if (!t->open || t->index != pos.tile_index) {
        enum cl_err rc =
            cl_journal_tile_read(v->st, pos.tile_level, pos.tile_index, t->hashes, &t->width, &t->found, err);
        if (rc) return rc;
        t->open = true;
        t->index = pos.tile_index;
    }
    if (!t->found || !cl_journal_tile_has(&pos, t->width))
        return cl_error_set(err, CL_ERR_CRYPTO, "the stored subtree hashes lack node (%u, %llu)", level,
                            (unsigned long long)index);
    if (memcmp(t->hashes + (size_t)pos.slot * HASH, hash, HASH) != 0) {
        if (level == 0)
            return cl_error_set(err, CL_ERR_CRYPTO, "entry %llu does not match its leaf hash: the entry was changed",
                                (unsigned long long)index);
        return cl_error_set(err, CL_ERR_CRYPTO, "stored subtree hash (%u, %llu) does not match the entries below it",
                            level, (unsigned long long)index);
    }
    return CL_OK;
}

static enum cl_err check_entry(void *ctx, uint64_t index, const char *text, size_t len, struct cl_error *err)
{
    struct verify *v = ctx;
    CL_ASSERT(index == v->f.size);
    uint8_t leaf[HASH];
    cl_journal_leaf_hash(text, len, leaf);
    enum cl_err rc = cl_journal_frontier_append(&v->f, leaf, check_node, v, err);
    if (!rc) rc = check_checkpoints(v, err);
    return rc;
}

/* ---- openings --------------------------------------------------------------------------------------------- */

struct opening {
    uint64_t index;
    char field[CL_JOURNAL_KIND_BYTES];
    uint8_t salt[CL_JOURNAL_SALT_BYTES];
    char *value;
    size_t value_len;
};

struct opening_page {
    struct opening *o;
    size_t n, cap;
    bool bad;
};

static enum cl_err opening_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct opening_page *p = ctx;
    CL_ASSERT(p->n < p->cap);
    struct opening *o = &p->o[p->n];
    size_t flen = 0, slen = 0, vlen = 0;
    const char *field = cl_row_text(row, 1, &flen);
    const void *salt = cl_row_blob(row, 2, &slen);
    const char *value = cl_row_text(row, 3, &vlen);
    o->index = (uint64_t)cl_row_int(row, 0);
    if (flen == 0 || flen >= sizeof(o->field) || slen != CL_JOURNAL_SALT_BYTES) {
        p->bad = true;
        snprintf(o->field, sizeof(o->field), "?");
    } else {
        memcpy(o->field, field, flen);
        o->field[flen] = '\0';
        memcpy(o->salt, salt, slen);
    }
    o->value = malloc(vlen + 1);
    if (!o->value) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    memcpy(o->value, value, vlen);
    o->value[vlen] = '\0';
    o->value_len = vlen;
    p->n++;
    return CL_OK;
}

#define OPENING_PAGE 256

static enum cl_err check_openings(struct verify *v, uint64_t *out_count, struct cl_error *err)
{
    struct opening *o = calloc(OPENING_PAGE, sizeof(*o));
    if (!o) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    int64_t after_index = -1;
    char after_field[CL_JOURNAL_KIND_BYTES] = "";
    enum cl_err rc = CL_OK;
    uint64_t count = 0;
    for (;;) {
        struct opening_page page = {o, 0, OPENING_PAGE, false};
        struct cl_val p[] = {CL_VINT(after_index), CL_VINT(after_index), CL_VTEXT(after_field)};
        rc = cl_store_query(v->st,
                            "SELECT entry_index, field, salt, value FROM journal_opening"
                            " WHERE entry_index > ? OR (entry_index = ? AND field > ?)"
                            " ORDER BY entry_index, field LIMIT " STR(OPENING_PAGE),
                            p, 3, opening_row, &page, err);
        for (size_t i = 0; i < page.n && !rc; i++) {
            struct opening *x = &o[i];
            if (page.bad) {
                rc = cl_error_set(err, CL_ERR_CRYPTO, "a stored opening of entry %llu is malformed",
                                  (unsigned long long)x->index);
                break;
            }
            char *entry = NULL;
            size_t len = 0;
            rc = cl_journal_entry_get(v->st, x->index, &entry, &len, err);
            if (rc == CL_ERR_NOT_FOUND) {
                cl_error_clear(err);
                rc = cl_error_set(err, CL_ERR_CRYPTO, "an opening refers to entry %llu, which does not exist",
                                  (unsigned long long)x->index);
            }
            if (!rc) rc = cl_journal_opening_check(entry, len, x->field, x->salt, x->value, x->value_len, err);
            if (rc) cl_error_prefix(err, "entry %llu, field \"%s\"", (unsigned long long)x->index, x->field);
            free(entry);
            count++;
        }
        size_t n = page.n;
        if (n) {
            after_index = (int64_t)o[n - 1].index;
            snprintf(after_field, sizeof(after_field), "%s", o[n - 1].field);
        }
        for (size_t i = 0; i < n; i++)
            free(o[i].value);
        if (rc || n < OPENING_PAGE) break;
    }
    free(o);
    *out_count = count;
    return rc;
}

enum cl_err cl_journal_verify(struct cl_store *st, const struct cl_journal_verifier *key,
                              struct cl_journal_verify_report *out, struct cl_error *err)
{
    struct verify *v = calloc(1, sizeof(*v));
    if (!v) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    v->st = st;
    v->key = key;
    cl_journal_frontier_init(&v->f);
    memset(out, 0, sizeof(*out));
    /* one snapshot for the whole check: appends running meanwhile neither show up half-written nor slow it down */
    bool own = false;
    enum cl_err rc = cl_journal_read_begin(st, &own, err);
    if (rc) {
        free(v);
        return rc;
    }
    struct cl_journal_frontier head;
    rc = cl_journal_state_read(st, &head, err);
    if (!rc) rc = cl_journal_checkpoint_list(st, collect_checkpoint, v, err);
    if (!rc) rc = check_checkpoints(v, err); /* a checkpoint of the empty tree */
    if (!rc) rc = cl_journal_entry_list(st, 0, UINT64_MAX, check_entry, v, err);
    if (!rc && v->f.size != head.size)
        rc = cl_error_set(err, CL_ERR_CRYPTO, "the head states %llu entries but %llu are stored",
                          (unsigned long long)head.size, (unsigned long long)v->f.size);
    if (!rc && memcmp(v->f.hashes, head.hashes, cl_journal_frontier_count(&head) * HASH) != 0)
        rc = cl_error_set(err, CL_ERR_CRYPTO, "the stored frontier does not match the entries");
    if (!rc && v->next_cp < v->n_cps)
        rc = cl_error_set(err, CL_ERR_CRYPTO,
                          "checkpoint %llu was published but the log holds only %llu entries:"
                          " entries were removed",
                          (unsigned long long)v->cps[v->next_cp].size, (unsigned long long)v->f.size);
    uint64_t openings = 0;
    if (!rc) rc = check_openings(v, &openings, err);
    if (!rc) {
        out->entries = v->f.size;
        out->checkpoints = v->n_cps;
        out->openings = openings;
        out->head.size = v->f.size;
        cl_journal_frontier_root(&v->f, out->head.root);
    }
    cl_journal_read_end(st, own);
    free(v->cps);
    free(v);
    return rc;
}
