/* Roles, permissions and API keys. Keys are "clk_<id>_<secret>"; only SHA-256(secret) is stored, compared in
 * constant time, and the id (not secret) names the key in logs and records. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "clearance/access.h"

static const char *const role_ids[] = {
#define CL_ROLE_ID(name, id) id,
    CL_ROLE_MAP(CL_ROLE_ID)
#undef CL_ROLE_ID
};
static const char *const action_ids[] = {
#define CL_ACTION_ID(name, id) id,
    CL_ACTION_MAP(CL_ACTION_ID)
#undef CL_ACTION_ID
};

const char *cl_role_id(enum cl_role r)
{
    return (unsigned)r < CL_ROLE__COUNT ? role_ids[r] : "unknown";
}

bool cl_role_parse(const char *id, enum cl_role *out)
{
    for (int i = 0; i < CL_ROLE__COUNT; i++)
        if (strcmp(role_ids[i], id) == 0) {
            *out = (enum cl_role)i;
            return true;
        }
    return false;
}

const char *cl_role_jurisdiction(enum cl_role r)
{
    return r == CL_ROLE_US_REGULATOR ? "US" : r == CL_ROLE_CN_REGULATOR ? "CN" : NULL;
}

const char *cl_action_id(enum cl_action a)
{
    return (unsigned)a < CL_ACTION__COUNT ? action_ids[a] : "unknown";
}

/* Rows: actions; columns: admin, exporter, importer, us_regulator, cn_regulator, auditor. */
static const bool permissions[CL_ACTION__COUNT][CL_ROLE__COUNT] = {
    [CL_ACTION_REFERENCE_READ] = {1, 1, 1, 1, 1, 1},
    [CL_ACTION_SCREEN] = {1, 1, 0, 1, 1, 0},
    [CL_ACTION_LISTS_MANAGE] = {1, 0, 0, 0, 0, 0},
    [CL_ACTION_PARTY_READ] = {1, 1, 1, 1, 1, 0},
    [CL_ACTION_PARTY_WRITE] = {1, 1, 0, 0, 0, 0},
    [CL_ACTION_AUTH_READ] = {1, 1, 1, 1, 1, 0},
    [CL_ACTION_AUTH_APPLY] = {1, 1, 1, 0, 0, 0},
    [CL_ACTION_AUTH_DECIDE] = {1, 0, 0, 1, 1, 0},
    [CL_ACTION_POOL_READ] = {1, 1, 1, 1, 1, 0},
    [CL_ACTION_POOL_WRITE] = {1, 0, 0, 1, 1, 0},
    [CL_ACTION_ORDER_READ] = {1, 1, 1, 1, 1, 0},
    [CL_ACTION_ORDER_WRITE] = {1, 1, 0, 0, 0, 0},
    [CL_ACTION_SHIP] = {1, 1, 0, 0, 0, 0},
    [CL_ACTION_FEES_READ] = {1, 1, 0, 1, 0, 0},
    [CL_ACTION_FEES_WRITE] = {1, 1, 0, 1, 0, 0},
    [CL_ACTION_TOTALS_READ] = {1, 1, 1, 1, 1, 1},
    [CL_ACTION_JOURNAL_READ] = {1, 1, 1, 1, 1, 1},
    [CL_ACTION_JOURNAL_WRITE] = {1, 0, 0, 0, 0, 0},
    [CL_ACTION_KEYS_MANAGE] = {1, 0, 0, 0, 0, 0},
};

bool cl_access_allows(enum cl_role role, enum cl_action action)
{
    if ((unsigned)role >= CL_ROLE__COUNT || (unsigned)action >= CL_ACTION__COUNT) return false;
    return permissions[action][role];
}

const struct cl_migration cl_access_migrations[] = {
    {"access", 1,
     "CREATE TABLE access_keys ("
     " id TEXT PRIMARY KEY,"
     " secret_sha256 TEXT NOT NULL,"
     " role TEXT NOT NULL,"
     " party TEXT,"
     " label TEXT,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " revoked_at TEXT)"},
};
const size_t cl_access_n_migrations = sizeof(cl_access_migrations) / sizeof(cl_access_migrations[0]);

#define KEY_ID_BYTES 8
#define KEY_SECRET_BYTES 20

static void hash_hex(const char *secret, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)secret, len);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

enum cl_err cl_access_key_create(struct cl_store *st, enum cl_role role, const char *party, const char *label,
                                 const char *created_by, char out_key[CL_KEY_TEXT_BYTES], char out_id[32],
                                 struct cl_error *err)
{
    if (sodium_init() < 0) return cl_error_set(err, CL_ERR_INTERNAL, "libsodium failed to initialise");
    unsigned char id[KEY_ID_BYTES], secret[KEY_SECRET_BYTES];
    randombytes_buf(id, sizeof(id));
    randombytes_buf(secret, sizeof(secret));
    char id_hex[2 * KEY_ID_BYTES + 1], secret_hex[2 * KEY_SECRET_BYTES + 1], h[65];
    sodium_bin2hex(id_hex, sizeof(id_hex), id, sizeof(id));
    sodium_bin2hex(secret_hex, sizeof(secret_hex), secret, sizeof(secret));
    hash_hex(secret_hex, strlen(secret_hex), h);
    char now[CL_TIME_TEXT_BYTES];
    cl_time_format(cl_time_now(), now);
    struct cl_val p[] = {CL_VTEXT(id_hex), CL_VTEXT(h), CL_VTEXT(cl_role_id(role)),
                         (party && *party) ? CL_VTEXT(party) : CL_VNULL, CL_VTEXT(label), CL_VTEXT(now),
                         CL_VTEXT(created_by ? created_by : "operator")};
    enum cl_err rc = cl_store_exec(st,
                                   "INSERT INTO access_keys (id, secret_sha256, role, party, label, created_at, created_by)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   p, 7, NULL, err);
    sodium_memzero(secret, sizeof(secret));
    if (rc) {
        sodium_memzero(secret_hex, sizeof(secret_hex));
        return rc;
    }
    snprintf(out_key, CL_KEY_TEXT_BYTES, "clk_%s_%s", id_hex, secret_hex);
    snprintf(out_id, 32, "%s", id_hex);
    sodium_memzero(secret_hex, sizeof(secret_hex));
    return CL_OK;
}

struct key_row {
    bool found;
    char hash[65];
    char role[32];
    char party[CL_LIMIT_NAME_BYTES];
    bool revoked;
};

static enum cl_err key_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct key_row *k = ctx;
    k->found = true;
    snprintf(k->hash, sizeof(k->hash), "%s", cl_row_text(row, 0, NULL));
    snprintf(k->role, sizeof(k->role), "%s", cl_row_text(row, 1, NULL));
    snprintf(k->party, sizeof(k->party), "%s", cl_row_text(row, 2, NULL));
    k->revoked = !cl_row_is_null(row, 3);
    return CL_OK;
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

enum cl_err cl_access_key_verify(struct cl_store *st, const char *key, struct cl_principal *out,
                                 struct cl_error *err)
{
    size_t id_len = 2 * KEY_ID_BYTES, secret_len = 2 * KEY_SECRET_BYTES;
    if (!key || strlen(key) != 4 + id_len + 1 + secret_len || strncmp(key, "clk_", 4) != 0 || key[4 + id_len] != '_' ||
        !is_hex(key + 4, id_len) || !is_hex(key + 5 + id_len, secret_len))
        return cl_error_set(err, CL_ERR_FORBIDDEN, "malformed API key (expected clk_<id>_<secret>)");
    char id[2 * KEY_ID_BYTES + 1];
    memcpy(id, key + 4, id_len);
    id[id_len] = '\0';
    struct key_row k = {0};
    struct cl_val p[] = {CL_VTEXT(id)};
    enum cl_err rc = cl_store_query(st, "SELECT secret_sha256, role, party, revoked_at FROM access_keys WHERE id = ?", p,
                                    1, key_row, &k, err);
    if (rc) return rc;
    char h[65];
    hash_hex(key + 5 + id_len, secret_len, h);
    if (!k.found || sodium_memcmp(h, k.hash, 64) != 0) return cl_error_set(err, CL_ERR_FORBIDDEN, "unknown API key %s", id);
    if (k.revoked) return cl_error_set(err, CL_ERR_FORBIDDEN, "API key %s is revoked", id);
    memset(out, 0, sizeof(*out));
    if (!cl_role_parse(k.role, &out->role)) return cl_error_set(err, CL_ERR_STORE, "key %s has unknown role %s", id, k.role);
    snprintf(out->key_id, sizeof(out->key_id), "%s", id);
    snprintf(out->party, sizeof(out->party), "%s", k.party);
    snprintf(out->name, sizeof(out->name), "key:%s (%s%s%s)", id, k.role, k.party[0] ? " " : "", k.party);
    return CL_OK;
}

enum cl_err cl_access_key_revoke(struct cl_store *st, const char *key_id, struct cl_error *err)
{
    char now[CL_TIME_TEXT_BYTES];
    cl_time_format(cl_time_now(), now);
    struct cl_val p[] = {CL_VTEXT(now), CL_VTEXT(key_id)};
    int64_t changes = 0;
    enum cl_err rc = cl_store_exec(st, "UPDATE access_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", p, 2,
                                   &changes, err);
    if (!rc && changes == 0) rc = cl_error_set(err, CL_ERR_NOT_FOUND, "no active API key with id %s", key_id);
    return rc;
}

static enum cl_err list_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(cl_row_text(row, 0, NULL)));
    json_object_set_new(o, "role", json_string(cl_row_text(row, 1, NULL)));
    json_object_set_new(o, "party", cl_row_is_null(row, 2) ? json_null() : json_string(cl_row_text(row, 2, NULL)));
    json_object_set_new(o, "label", cl_row_is_null(row, 3) ? json_null() : json_string(cl_row_text(row, 3, NULL)));
    json_object_set_new(o, "created_at", json_string(cl_row_text(row, 4, NULL)));
    json_object_set_new(o, "created_by", json_string(cl_row_text(row, 5, NULL)));
    json_object_set_new(o, "revoked_at", cl_row_is_null(row, 6) ? json_null() : json_string(cl_row_text(row, 6, NULL)));
    json_array_append_new(ctx, o);
    return CL_OK;
}

enum cl_err cl_access_key_list(struct cl_store *st, json_t **out, struct cl_error *err)
{
    json_t *arr = json_array();
    enum cl_err rc = cl_store_query(st,
                                    "SELECT id, role, party, label, created_at, created_by, revoked_at FROM access_keys"
                                    " ORDER BY created_at, id",
                                    NULL, 0, list_row, arr, err);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return CL_OK;
}
