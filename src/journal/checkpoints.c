/* Stored checkpoints: signing the committed tree head, refusing to sign a tree inconsistent with the last
 * checkpoint, and reading what was published. */
#include <stdlib.h>
#include <string.h>

#include "journal_int.h"

struct note_row {
    uint64_t size;
    char *note;
    size_t len;
    bool found;
};

static enum cl_err note_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct note_row *r = ctx;
    size_t len = 0;
    const char *t = cl_row_text(row, 1, &len);
    free(r->note);
    r->note = malloc(len + 1);
    if (!r->note) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    memcpy(r->note, t, len);
    r->note[len] = '\0';
    r->len = len;
    r->size = (uint64_t)cl_row_int(row, 0);
    r->found = true;
    return CL_OK;
}

static enum cl_err read_note(struct cl_store *st, const char *sql, const struct cl_val *p, size_t n, struct note_row *r,
                             struct cl_error *err)
{
    enum cl_err rc = cl_store_query(st, sql, p, n, note_row, r, err);
    if (rc) {
        free(r->note);
        r->note = NULL;
    }
    return rc;
}

enum cl_err cl_journal_checkpoint_latest(struct cl_store *st, char **out_note, size_t *out_len, struct cl_error *err)
{
    struct note_row r = {0, NULL, 0, false};
    enum cl_err rc =
        read_note(st, "SELECT size, note FROM journal_checkpoint ORDER BY size DESC LIMIT 1", NULL, 0, &r, err);
    if (rc) return rc;
    if (!r.found) return cl_error_set(err, CL_ERR_NOT_FOUND, "journal: no checkpoint has been signed yet");
    *out_note = r.note;
    if (out_len) *out_len = r.len;
    return CL_OK;
}

enum cl_err cl_journal_checkpoint_get(struct cl_store *st, uint64_t size, char **out_note, size_t *out_len,
                                      struct cl_error *err)
{
    struct note_row r = {0, NULL, 0, false};
    struct cl_val p[] = {CL_VINT(size)};
    enum cl_err rc = read_note(st, "SELECT size, note FROM journal_checkpoint WHERE size = ?", p, 1, &r, err);
    if (rc) return rc;
    if (!r.found)
        return cl_error_set(err, CL_ERR_NOT_FOUND, "journal: no checkpoint at size %llu", (unsigned long long)size);
    *out_note = r.note;
    if (out_len) *out_len = r.len;
    return CL_OK;
}

struct note_list {
    struct note_row *rows;
    size_t n, cap;
};

static enum cl_err list_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct note_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct note_row *r = realloc(l->rows, cap * sizeof(*r));
        if (!r) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        l->rows = r;
        l->cap = cap;
    }
    l->rows[l->n] = (struct note_row){0, NULL, 0, false};
    enum cl_err rc = note_row(&l->rows[l->n], row, err);
    if (!rc) l->n++;
    return rc;
}

#define LIST_PAGE 256

enum cl_err cl_journal_checkpoint_list(struct cl_store *st, cl_journal_note_fn fn, void *ctx, struct cl_error *err)
{
    int64_t after = -1;
    enum cl_err rc = CL_OK;
    for (;;) {
        struct note_list l = {NULL, 0, 0};
        struct cl_val p[] = {CL_VINT(after)};
        rc = cl_store_query(
            st, "SELECT size, note FROM journal_checkpoint WHERE size > ? ORDER BY size LIMIT " STR(LIST_PAGE), p, 1,
            list_row, &l, err);
        for (size_t i = 0; i < l.n; i++) {
            if (!rc) rc = fn(ctx, l.rows[i].size, l.rows[i].note, l.rows[i].len, err);
            free(l.rows[i].note);
        }
        size_t n = l.n;
        if (n) after = (int64_t)l.rows[n - 1].size;
        free(l.rows);
        if (rc || n < LIST_PAGE) break;
    }
    return rc;
}

/* Inside the checkpoint's transaction: signs the head unless the last checkpoint already has its size. */
struct create_ctx {
    struct cl_store *st;
    const struct cl_journal_signer *signer;
    cl_time now;
    char *note;
    size_t len;
    struct cl_journal_checkpoint cp;
};

static enum cl_err create_tx(void *ctx, struct cl_error *err)
{
    struct create_ctx *c = ctx;
    free(c->note); /* from an attempt whose commit failed */
    c->note = NULL;
    struct cl_journal_head head;
    enum cl_err rc = cl_journal_head_get(c->st, &head, err);
    if (rc) return rc;
    struct cl_journal_verifier v;
    cl_journal_signer_verifier(c->signer, &v);
    char *last = NULL;
    size_t last_len = 0;
    rc = cl_journal_checkpoint_latest(c->st, &last, &last_len, err);
    if (rc == CL_ERR_NOT_FOUND) {
        cl_error_clear(err);
        rc = CL_OK;
    } else if (rc) {
        return rc;
    } else {
        /* never sign a tree that the last published checkpoint is not a prefix of */
        struct cl_journal_checkpoint prev;
        struct cl_journal_proof proof;
        rc = cl_journal_checkpoint_open(last, last_len, &v, &prev, err);
        if (rc) cl_error_prefix(err, "journal: the last checkpoint was not signed by this key");
        if (!rc && prev.size > head.size)
            rc = cl_error_set(err, CL_ERR_CRYPTO, "journal: the last checkpoint has %llu entries but the log has %llu",
                              (unsigned long long)prev.size, (unsigned long long)head.size);
        if (!rc) rc = cl_journal_consistency_prove(c->st, NULL, prev.size, head.size, &proof, err);
        if (!rc) rc = cl_journal_consistency_verify(&proof, prev.root, head.root, err);
        if (rc) {
            cl_error_prefix(err, "refusing to sign: the log is not consistent with checkpoint %llu",
                            (unsigned long long)prev.size);
            free(last);
            return rc;
        }
        if (prev.size == head.size) {
            c->note = last;
            c->len = last_len;
            c->cp = prev;
            return CL_OK;
        }
        free(last);
    }
    struct cl_journal_checkpoint cp;
    memset(&cp, 0, sizeof(cp));
    memcpy(cp.origin, c->signer->name, sizeof(cp.origin));
    cp.size = head.size;
    memcpy(cp.root, head.root, sizeof(cp.root));
    char *note = NULL;
    size_t len = 0;
    rc = cl_journal_checkpoint_sign(&cp, c->signer, &note, &len, err);
    if (rc) return rc;
    char at[CL_TIME_TEXT_BYTES];
    cl_time_format(c->now, at);
    struct cl_val p[] = {CL_VINT(cp.size), CL_VTEXTN(note, len), CL_VTEXT(at)};
    rc = cl_store_exec(c->st, "INSERT INTO journal_checkpoint (size, note, created_at) VALUES (?, ?, ?)", p, 3, NULL,
                       err);
    if (rc) {
        free(note);
        return rc;
    }
    c->note = note;
    c->len = len;
    c->cp = cp;
    return CL_OK;
}

enum cl_err cl_journal_checkpoint_create(struct cl_store *st, const struct cl_journal_signer *signer, cl_time now,
                                         char **out_note, size_t *out_len, struct cl_journal_checkpoint *out,
                                         struct cl_error *err)
{
    if (cl_store_in_tx(st))
        return cl_error_set(err, CL_ERR_STATE,
                            "journal: a checkpoint must sign committed entries: call it outside a"
                            " transaction");
    struct create_ctx c = {st, signer, now, NULL, 0, {{0}, 0, {0}}};
    enum cl_err rc = cl_store_retry(st, 3, create_tx, &c, err);
    if (rc) {
        free(c.note);
        return rc;
    }
    *out_note = c.note;
    if (out_len) *out_len = c.len;
    if (out) *out = c.cp;
    return CL_OK;
}
