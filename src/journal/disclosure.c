/* Selective disclosure: salted commitments to commercial fields, and the openings that reveal them. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "journal_int.h"

void cl_journal_commitment(const char *field, const uint8_t salt[CL_JOURNAL_SALT_BYTES], const char *value,
                           size_t value_len, uint8_t out[CL_JOURNAL_HASH_BYTES])
{
    static const uint8_t prefix = 0x02, sep = 0x00;
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, &prefix, 1);
    crypto_hash_sha256_update(&s, salt, CL_JOURNAL_SALT_BYTES);
    crypto_hash_sha256_update(&s, (const uint8_t *)field, strlen(field));
    crypto_hash_sha256_update(&s, &sep, 1);
    crypto_hash_sha256_update(&s, (const uint8_t *)value, value_len);
    crypto_hash_sha256_final(&s, out);
}

enum cl_err cl_journal_opening_check(const char *entry, size_t entry_len, const char *field,
                                     const uint8_t salt[CL_JOURNAL_SALT_BYTES], const char *value, size_t value_len,
                                     struct cl_error *err)
{
    json_t *e = json_loadb(entry, entry_len, JSON_REJECT_DUPLICATES, NULL);
    if (!e) return cl_error_set(err, CL_ERR_CRYPTO, "the entry is not JSON");
    enum cl_err rc = CL_OK;
    const json_t *c = json_object_get(json_object_get(e, "commit"), field);
    uint8_t want[CL_JOURNAL_HASH_BYTES], got[CL_JOURNAL_HASH_BYTES];
    if (!json_is_string(c) || !cl_journal_unhex(json_string_value(c), json_string_length(c), want, sizeof(want))) {
        rc = cl_error_set(err, CL_ERR_CRYPTO, "the entry holds no commitment to field \"%s\"", field);
        goto out;
    }
    cl_journal_commitment(field, salt, value, value_len, got);
    if (sodium_memcmp(want, got, sizeof(want)) != 0)
        rc = cl_error_set(err, CL_ERR_CRYPTO, "the revealed value of \"%s\" does not match the entry's commitment",
                          field);
out:
    json_decref(e);
    return rc;
}

struct opening_rows {
    json_t *list;
    bool bad;
};

static enum cl_err opening_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct opening_rows *r = ctx;
    size_t flen = 0, slen = 0, vlen = 0;
    const char *field = cl_row_text(row, 0, &flen);
    const uint8_t *salt = cl_row_blob(row, 1, &slen);
    const char *value = cl_row_text(row, 2, &vlen);
    if (slen != CL_JOURNAL_SALT_BYTES) {
        r->bad = true;
        return CL_OK;
    }
    char hex[2 * CL_JOURNAL_SALT_BYTES + 1];
    cl_journal_hex(salt, slen, hex);
    json_t *o = json_pack("{s:s%,s:s,s:s%}", "field", field, flen, "salt", hex, "value", value, vlen);
    if (!o || json_array_append_new(r->list, o) != 0) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    return CL_OK;
}

enum cl_err cl_journal_openings_get(struct cl_store *st, uint64_t index, const char *const *fields, size_t n_fields,
                                    json_t **out, struct cl_error *err)
{
    json_t *list = json_array();
    if (!list) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    struct opening_rows r = {list, false};
    enum cl_err rc = CL_OK;
    for (size_t i = 0; i < n_fields && !rc; i++) {
        size_t before = json_array_size(list);
        struct cl_val p[] = {CL_VINT(index), CL_VTEXT(fields[i])};
        rc = cl_store_query(st, "SELECT field, salt, value FROM journal_opening WHERE entry_index = ? AND field = ?", p,
                            2, opening_row, &r, err);
        if (!rc && r.bad)
            rc = cl_error_set(err, CL_ERR_STORE, "journal: the opening of field \"%s\" of entry %llu is malformed",
                              fields[i], (unsigned long long)index);
        if (!rc && json_array_size(list) == before)
            rc = cl_error_set(err, CL_ERR_NOT_FOUND, "journal: entry %llu commits to no field \"%s\"",
                              (unsigned long long)index, fields[i]);
    }
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return CL_OK;
}

/* ---- disclosure documents --------------------------------------------------------------------------------- */

enum cl_err cl_journal_disclosure_build(struct cl_store *st, uint64_t index, uint64_t size, const char *const *fields,
                                        size_t n_fields, json_t **out, struct cl_error *err)
{
    char *note = NULL, *entry = NULL;
    size_t note_len = 0, entry_len = 0;
    json_t *openings = NULL, *doc = NULL;
    struct cl_journal_proof proof;
    enum cl_err rc = cl_journal_checkpoint_get(st, size, &note, &note_len, err);
    if (!rc) rc = cl_journal_inclusion_prove(st, NULL, index, size, &proof, err);
    if (!rc) rc = cl_journal_entry_get(st, index, &entry, &entry_len, err);
    if (!rc) rc = cl_journal_openings_get(st, index, fields, n_fields, &openings, err);
    if (!rc) {
        doc = json_pack("{s:s,s:s%,s:o,s:O}", "type", "disclosure", "checkpoint", note, note_len, "proof",
                        cl_journal_proof_to_json(&proof, entry, entry_len), "openings", openings);
        if (!doc) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    json_decref(openings);
    free(note);
    free(entry);
    if (!rc) *out = doc;
    return rc;
}

void cl_journal_disclosure_release(struct cl_journal_disclosure *d)
{
    if (!d) return;
    free(d->note);
    cl_journal_proof_doc_release(&d->proof);
    for (size_t i = 0; i < d->n_openings; i++)
        free(d->openings[i].value);
    memset(d, 0, sizeof(*d));
}

static enum cl_err parse_opening(const json_t *o, const char *path, struct cl_journal_opening *out,
                                 struct cl_error *err)
{
    static const char *const keys[] = {"field", "salt", "value", NULL};
    const char *field = NULL, *salt = NULL, *value = NULL;
    enum cl_err rc = cl_json_check_keys(o, path, keys, err);
    if (!rc) rc = cl_json_get_str(o, "field", path, true, CL_JOURNAL_KIND_BYTES - 1, &field, err);
    if (!rc) rc = cl_json_get_str(o, "salt", path, true, 2 * CL_JOURNAL_SALT_BYTES, &salt, err);
    if (!rc) rc = cl_json_get_str(o, "value", path, true, CL_JOURNAL_ENTRY_BYTES_MAX, &value, err);
    if (rc) return rc;
    if (!cl_journal_field_valid(field, strlen(field)))
        return cl_error_set(err, CL_ERR_INPUT, "%s.field: 1 to %d of a-z, 0-9 and _", path, CL_JOURNAL_KIND_BYTES - 1);
    if (!cl_journal_unhex(salt, strlen(salt), out->salt, CL_JOURNAL_SALT_BYTES))
        return cl_error_set(err, CL_ERR_INPUT, "%s.salt: expected %d hexadecimal digits", path,
                            2 * CL_JOURNAL_SALT_BYTES);
    snprintf(out->field, sizeof(out->field), "%s", field);
    out->value_len = strlen(value);
    out->value = malloc(out->value_len + 1);
    if (!out->value) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    memcpy(out->value, value, out->value_len + 1);
    return CL_OK;
}

enum cl_err cl_journal_disclosure_parse(const char *text, size_t len, struct cl_journal_disclosure *out,
                                        struct cl_error *err)
{
    static const char *const keys[] = {"type", "checkpoint", "proof", "openings", NULL};
    memset(out, 0, sizeof(*out));
    json_t *o = NULL;
    enum cl_err rc = cl_json_parse(text, len, "disclosure", CL_LIMIT_JSON_DEPTH, &o, err);
    if (rc) return rc;
    const char *type = NULL, *note = NULL;
    const json_t *proof = NULL, *openings = NULL;
    rc = cl_json_check_keys(o, "disclosure", keys, err);
    if (!rc) rc = cl_json_get_str(o, "type", "disclosure", true, 32, &type, err);
    if (!rc && strcmp(type, "disclosure") != 0)
        rc = cl_error_set(err, CL_ERR_INPUT, "disclosure.type: expected \"disclosure\"");
    if (!rc) rc = cl_json_get_str(o, "checkpoint", "disclosure", true, CL_JOURNAL_NOTE_BYTES_MAX, &note, err);
    if (!rc) rc = cl_json_get_object(o, "proof", "disclosure", true, &proof, err);
    if (!rc) rc = cl_json_get_array(o, "openings", "disclosure", true, CL_JOURNAL_FIELDS_MAX, &openings, err);
    if (!rc) {
        out->note_len = strlen(note);
        out->note = malloc(out->note_len + 1);
        if (!out->note)
            rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        else
            memcpy(out->note, note, out->note_len + 1);
    }
    if (!rc) {
        rc = cl_journal_proof_doc_from_json(proof, &out->proof, err);
        if (rc) cl_error_prefix(err, "disclosure");
    }
    if (!rc && (out->proof.proof.kind != CL_JOURNAL_PROOF_INCLUSION || !out->proof.entry))
        rc = cl_error_set(err, CL_ERR_INPUT, "disclosure.proof: expected an inclusion proof carrying the entry");
    for (size_t i = 0; !rc && i < json_array_size(openings); i++) {
        char path[CL_JSON_PATH_BYTES];
        cl_json_path_index(path, "disclosure.openings", i);
        rc = parse_opening(json_array_get(openings, i), path, &out->openings[i], err);
        if (!rc) out->n_openings++;
    }
    json_decref(o);
    if (rc) cl_journal_disclosure_release(out);
    return rc;
}

enum cl_err cl_journal_disclosure_verify(const struct cl_journal_disclosure *d, const struct cl_journal_verifier *key,
                                         struct cl_journal_checkpoint *out, struct cl_error *err)
{
    struct cl_journal_checkpoint cp;
    enum cl_err rc = cl_journal_checkpoint_open(d->note, d->note_len, key, &cp, err);
    if (rc) return cl_error_prefix(err, "disclosure.checkpoint");
    const struct cl_journal_proof *p = &d->proof.proof;
    if (p->kind != CL_JOURNAL_PROOF_INCLUSION || !d->proof.entry)
        return cl_error_set(err, CL_ERR_INPUT, "disclosure.proof: expected an inclusion proof carrying the entry");
    if (p->size != cp.size)
        return cl_error_set(err, CL_ERR_CRYPTO, "disclosure: the proof is for %llu entries, the checkpoint for %llu",
                            (unsigned long long)p->size, (unsigned long long)cp.size);
    rc = cl_journal_inclusion_verify(p, d->proof.leaf_hash, cp.root, err);
    if (rc) return cl_error_prefix(err, "disclosure: entry %llu", (unsigned long long)p->index);
    for (size_t i = 0; i < d->n_openings; i++) {
        const struct cl_journal_opening *o = &d->openings[i];
        rc = cl_journal_opening_check(d->proof.entry, d->proof.entry_len, o->field, o->salt, o->value, o->value_len,
                                      err);
        if (rc) return rc;
    }
    if (out) *out = cp;
    return CL_OK;
}
