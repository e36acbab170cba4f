/* Selective disclosure: salted commitments to commercial fields, and the openings that reveal them. */
#include <sodium.h>
#include <string.h>

#include "journal_int.h"
#include <jansson.h>

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
