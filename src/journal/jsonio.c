/* JSON forms of the journal's values for the CLI and the HTTP server, and the strict parser of proof files. */
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "journal_int.h"

#define HASH CL_JOURNAL_HASH_BYTES

static json_t *hash_json(const uint8_t h[HASH])
{
    char hex[2 * HASH + 1];
    cl_journal_hex(h, HASH, hex);
    return json_string(hex);
}

/* Sets key to value (taking it); on a NULL value or failure, frees obj and returns NULL. */
static json_t *set(json_t *obj, const char *key, json_t *value)
{
    if (!obj) {
        json_decref(value);
        return NULL;
    }
    if (!value || json_object_set_new(obj, key, value) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

json_t *cl_journal_head_to_json(const struct cl_journal_head *h)
{
    json_t *o = json_object();
    o = set(o, "tree_size", json_integer((json_int_t)h->size));
    return set(o, "root_hash", hash_json(h->root));
}

json_t *cl_journal_entry_to_json(uint64_t index, const char *text, size_t len)
{
    uint8_t leaf[HASH];
    cl_journal_leaf_hash(text, len, leaf);
    json_t *entry = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (!entry) entry = json_stringn(text, len); /* a damaged entry is shown as the text it holds */
    json_t *o = json_object();
    o = set(o, "index", json_integer((json_int_t)index));
    o = set(o, "leaf_hash", hash_json(leaf));
    return set(o, "entry", entry);
}

json_t *cl_journal_checkpoint_to_json(const struct cl_journal_checkpoint *c, const char *note, size_t len)
{
    json_t *o = json_object();
    o = set(o, "origin", json_string(c->origin));
    o = set(o, "tree_size", json_integer((json_int_t)c->size));
    o = set(o, "root_hash", hash_json(c->root));
    return set(o, "note", json_stringn(note, len));
}

json_t *cl_journal_proof_to_json(const struct cl_journal_proof *p, const char *entry, size_t entry_len)
{
    json_t *hashes = json_array();
    for (size_t i = 0; hashes && i < p->n_hashes; i++)
        if (json_array_append_new(hashes, hash_json(p->hashes[i])) != 0) {
            json_decref(hashes);
            hashes = NULL;
        }
    json_t *o = json_object();
    if (p->kind == CL_JOURNAL_PROOF_INCLUSION) {
        o = set(o, "type", json_string("inclusion"));
        o = set(o, "index", json_integer((json_int_t)p->index));
    } else {
        o = set(o, "type", json_string("consistency"));
        o = set(o, "old_size", json_integer((json_int_t)p->old_size));
    }
    o = set(o, "tree_size", json_integer((json_int_t)p->size));
    o = set(o, "hashes", hashes);
    if (entry && p->kind == CL_JOURNAL_PROOF_INCLUSION) o = set(o, "entry", json_stringn(entry, entry_len));
    return o;
}

void cl_journal_proof_doc_release(struct cl_journal_proof_doc *d)
{
    if (!d) return;
    free(d->entry);
    d->entry = NULL;
}

static enum cl_err get_size(const json_t *o, const char *key, bool required, uint64_t *out, struct cl_error *err)
{
    int64_t v = 0;
    bool present = json_object_get(o, key) != NULL;
    enum cl_err rc = cl_json_get_int(o, key, "proof", required, 0, INT64_MAX, &v, err);
    if (!rc && present) *out = (uint64_t)v;
    return rc;
}

static enum cl_err get_hash(const json_t *v, const char *path, uint8_t out[HASH], struct cl_error *err)
{
    if (!json_is_string(v) || !cl_journal_unhex(json_string_value(v), json_string_length(v), out, HASH))
        return cl_error_set(err, CL_ERR_INPUT, "%s: expected 64 hexadecimal digits", path);
    return CL_OK;
}

enum cl_err cl_journal_proof_doc_from_json(const json_t *o, struct cl_journal_proof_doc *out, struct cl_error *err)
{
    static const char *const inclusion_keys[] = {"type", "index", "tree_size", "hashes", "entry", "leaf_hash", NULL};
    static const char *const consistency_keys[] = {"type", "old_size", "tree_size", "hashes", NULL};
    memset(out, 0, sizeof(*out));
    const char *type = NULL;
    enum cl_err rc = cl_json_get_str(o, "type", "proof", true, 32, &type, err);
    if (rc) return rc;
    struct cl_journal_proof *p = &out->proof;
    if (strcmp(type, "inclusion") == 0) {
        p->kind = CL_JOURNAL_PROOF_INCLUSION;
        rc = cl_json_check_keys(o, "proof", inclusion_keys, err);
        if (!rc) rc = get_size(o, "index", true, &p->index, err);
    } else if (strcmp(type, "consistency") == 0) {
        p->kind = CL_JOURNAL_PROOF_CONSISTENCY;
        rc = cl_json_check_keys(o, "proof", consistency_keys, err);
        if (!rc) rc = get_size(o, "old_size", true, &p->old_size, err);
    } else {
        return cl_error_set(err, CL_ERR_INPUT, "proof.type: expected \"inclusion\" or \"consistency\"");
    }
    if (!rc) rc = get_size(o, "tree_size", true, &p->size, err);
    const json_t *hashes = NULL;
    if (!rc) rc = cl_json_get_array(o, "hashes", "proof", true, CL_JOURNAL_PROOF_HASHES_MAX, &hashes, err);
    if (rc) return rc;
    for (size_t i = 0; i < json_array_size(hashes); i++) {
        char path[CL_JSON_PATH_BYTES];
        cl_json_path_index(path, "proof.hashes", i);
        rc = get_hash(json_array_get(hashes, i), path, p->hashes[i], err);
        if (rc) return rc;
    }
    p->n_hashes = json_array_size(hashes);
    const json_t *leaf = json_object_get(o, "leaf_hash");
    if (leaf) {
        rc = get_hash(leaf, "proof.leaf_hash", out->leaf_hash, err);
        if (rc) return rc;
        out->has_leaf_hash = true;
    }
    const json_t *entry = json_object_get(o, "entry");
    if (entry) {
        if (!json_is_string(entry) || json_string_length(entry) > CL_JOURNAL_ENTRY_BYTES_MAX)
            return cl_error_set(err, CL_ERR_INPUT, "proof.entry: expected the entry's text, at most %d bytes",
                                CL_JOURNAL_ENTRY_BYTES_MAX);
        out->entry_len = json_string_length(entry);
        out->entry = malloc(out->entry_len + 1);
        if (!out->entry) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        memcpy(out->entry, json_string_value(entry), out->entry_len + 1);
        uint8_t h[HASH];
        cl_journal_leaf_hash(out->entry, out->entry_len, h);
        if (out->has_leaf_hash && memcmp(h, out->leaf_hash, HASH) != 0) {
            cl_journal_proof_doc_release(out);
            return cl_error_set(err, CL_ERR_INPUT, "proof: leaf_hash is not the hash of entry");
        }
        memcpy(out->leaf_hash, h, HASH);
        out->has_leaf_hash = true;
    }
    return CL_OK;
}

enum cl_err cl_journal_proof_doc_parse(const char *text, size_t len, struct cl_journal_proof_doc *out,
                                       struct cl_error *err)
{
    json_t *o = NULL;
    enum cl_err rc = cl_json_parse(text, len, "proof", CL_LIMIT_JSON_DEPTH, &o, err);
    if (rc) return rc;
    rc = cl_journal_proof_doc_from_json(o, out, err);
    json_decref(o);
    return rc;
}
