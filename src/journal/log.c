/* The stored log: its schema, appends written in the caller's transaction (entries, subtree tiles, frontier),
 * and reads of the head and the entries. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "journal_int.h"

#define HASH CL_JOURNAL_HASH_BYTES

static const struct cl_migration migrations[] = {
    {"journal", 1,
     /* the tree head: size and frontier, one row (id 1); no row is the empty tree */
     "CREATE TABLE journal_state (id BIGINT PRIMARY KEY, size BIGINT NOT NULL, frontier {{BLOB}} NOT NULL);"
     /* entries, in bundles of consecutive entries written by one append: never updated */
     "CREATE TABLE journal_bundle (first_index {{ID}}, n_entries BIGINT NOT NULL, data {{BLOB}} NOT NULL);"
     /* every complete subtree hash, 30 to a tile; id is tile level << 59 | tile index (TILE_ID) */
     "CREATE TABLE journal_tile (id {{ID}}, width BIGINT NOT NULL, hashes {{BLOB}} NOT NULL);"
     /* every checkpoint ever signed, as the signed note */
     "CREATE TABLE journal_checkpoint (size BIGINT PRIMARY KEY, note TEXT NOT NULL, created_at TEXT NOT NULL);"
     /* the salts and values behind the commitments in entries: commercial data, never hashed into the tree */
     "CREATE TABLE journal_opening (entry_index BIGINT NOT NULL, field TEXT NOT NULL, salt {{BLOB}} NOT NULL,"
     " value TEXT NOT NULL, PRIMARY KEY (entry_index, field))"},
};

enum cl_err cl_journal_migrate(struct cl_store *st, struct cl_error *err)
{
    return cl_store_migrate(st, migrations, sizeof(migrations) / sizeof(migrations[0]), err);
}

/* ---- the head --------------------------------------------------------------------------------------------- */

struct state_row {
    struct cl_journal_frontier *f;
    bool bad;
};

static enum cl_err state_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct state_row *s = ctx;
    int64_t size = cl_row_int(row, 0);
    size_t n = 0;
    const void *b = cl_row_blob(row, 1, &n);
    if (size < 0) {
        s->bad = true;
        return CL_OK;
    }
    s->f->size = (uint64_t)size;
    if (n != cl_journal_frontier_count(s->f) * HASH) {
        s->bad = true;
        return CL_OK;
    }
    memcpy(s->f->hashes, b, n);
    return CL_OK;
}

enum cl_err cl_journal_state_read(struct cl_store *st, struct cl_journal_frontier *out, struct cl_error *err)
{
    cl_journal_frontier_init(out);
    struct state_row s = {out, false};
    enum cl_err rc =
        cl_store_query(st, "SELECT size, frontier FROM journal_state WHERE id = 1", NULL, 0, state_row, &s, err);
    if (rc) return rc;
    if (s.bad) return cl_error_set(err, CL_ERR_STORE, "journal: the stored tree head is malformed");
    return CL_OK;
}

enum cl_err cl_journal_head_get(struct cl_store *st, struct cl_journal_head *out, struct cl_error *err)
{
    struct cl_journal_frontier f;
    enum cl_err rc = cl_journal_state_read(st, &f, err);
    if (rc) return rc;
    out->size = f.size;
    cl_journal_frontier_root(&f, out->root);
    return CL_OK;
}

/* ---- appending -------------------------------------------------------------------------------------------- */

bool cl_journal_kind_valid(const char *kind)
{
    size_t n = strlen(kind);
    if (n == 0 || n >= CL_JOURNAL_KIND_BYTES || kind[0] < 'a' || kind[0] > 'z') return false;
    for (size_t i = 0; i < n; i++) {
        char c = kind[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
    }
    return true;
}

bool cl_journal_field_valid(const char *field, size_t len)
{
    if (len == 0 || len >= CL_JOURNAL_KIND_BYTES) return false;
    for (size_t i = 0; i < len; i++) {
        char c = field[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

/* The tile being filled at each tile level during one append. */
struct open_tile {
    bool open;
    uint64_t index;
    uint8_t hashes[TILE_BYTES];
};

struct appender {
    struct cl_store *st;
    uint64_t old_size;   /* the tree size before this append */
    uint64_t size_after; /* the tree size once the leaf being added is in */
    struct open_tile tiles[TILE_LEVELS];
    struct jbuf entry, value;
    struct jbuf bundle; /* entries not yet written: 4-byte big-endian length, bytes */
    uint64_t bundle_first;
    size_t bundle_count;
    /* the last whole second formatted, without its "Z": batches carry many entries per second */
    cl_time at_second;
    char at_text[CL_TIME_TEXT_BYTES];
    size_t at_len;
};

static enum cl_err tile_flush(struct appender *a, unsigned level, struct cl_error *err)
{
    struct open_tile *t = &a->tiles[level];
    uint64_t width = cl_journal_tile_width(level, t->index, a->size_after);
    CL_ASSERT(width > 0);
    struct cl_val p[] = {CL_VINT(TILE_ID(level, t->index)), CL_VINT(width), CL_VBLOB(t->hashes, TILE_BYTES)};
    t->open = false;
    return cl_store_exec(a->st,
                         "INSERT INTO journal_tile (id, width, hashes) VALUES (?, ?, ?)"
                         " ON CONFLICT (id) DO UPDATE SET width = excluded.width, hashes = excluded.hashes",
                         p, 3, NULL, err);
}

/* Makes tile (level, index) the open one at its level, reading what earlier appends stored in it. */
static enum cl_err tile_open(struct appender *a, unsigned level, uint64_t index, struct cl_error *err)
{
    struct open_tile *t = &a->tiles[level];
    uint64_t had = cl_journal_tile_width(level, index, a->old_size);
    t->open = true;
    t->index = index;
    if (had == 0) {
        memset(t->hashes, 0, TILE_BYTES);
        return CL_OK;
    }
    uint64_t width = 0;
    bool found = false;
    enum cl_err rc = cl_journal_tile_read(a->st, level, index, t->hashes, &width, &found, err);
    if (rc) return rc;
    if (!found || width != had)
        return cl_error_set(err, CL_ERR_STORE, "journal: tile (%u, %llu) %s", level, (unsigned long long)index,
                            found ? "does not match the tree size" : "is missing");
    return CL_OK;
}

/* Receives every subtree an append completes and files it in its tile. */
static enum cl_err tile_sink(void *ctx, unsigned level, uint64_t index, const uint8_t hash[HASH], struct cl_error *err)
{
    struct appender *a = ctx;
    struct tile_pos pos;
    cl_journal_tile_locate(level, index, &pos);
    struct open_tile *t = &a->tiles[pos.tile_level];
    if (!t->open || t->index != pos.tile_index) {
        enum cl_err rc = t->open ? tile_flush(a, pos.tile_level, err) : CL_OK;
        if (!rc) rc = tile_open(a, pos.tile_level, pos.tile_index, err);
        if (rc) return rc;
    }
    memcpy(t->hashes + (size_t)pos.slot * HASH, hash, HASH);
    return CL_OK;
}

static enum cl_err bundle_flush(struct appender *a, struct cl_error *err)
{
    if (a->bundle_count == 0) return CL_OK;
    struct cl_val p[] = {CL_VINT(a->bundle_first), CL_VINT(a->bundle_count), CL_VBLOB(a->bundle.p, a->bundle.len)};
    enum cl_err rc = cl_store_exec(a->st, "INSERT INTO journal_bundle (first_index, n_entries, data) VALUES (?, ?, ?)",
                                   p, 3, NULL, err);
    a->bundle_first += a->bundle_count;
    a->bundle_count = 0;
    a->bundle.len = 0;
    return rc;
}

static enum cl_err bundle_add(struct appender *a, const char *entry, size_t len, struct cl_error *err)
{
    if (a->bundle_count == BUNDLE_ENTRIES_MAX || a->bundle.len + 4 + len > BUNDLE_BYTES_MAX) {
        enum cl_err rc = bundle_flush(a, err);
        if (rc) return rc;
    }
    uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    enum cl_err rc = cl_journal_jbuf_put(&a->bundle, be, 4, err);
    if (!rc) rc = cl_journal_jbuf_put(&a->bundle, entry, len, err);
    if (!rc) a->bundle_count++;
    return rc;
}

#define PUTS(b, s)                                                                                                     \
    do {                                                                                                               \
        rc = cl_journal_jbuf_put((b), (s), strlen(s), err);                                                            \
        if (rc) return rc;                                                                                             \
    } while (0)

static int field_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Adds "commit":{...} to the entry being built and stores the openings: one salted commitment per field of the
 * secret object, in the order of the field names. */
static enum cl_err put_commitments(struct appender *a, uint64_t index, const json_t *secret, struct cl_error *err)
{
    enum cl_err rc = CL_OK;
    size_t n = json_object_size(secret);
    if (n == 0) return CL_OK;
    if (n > CL_JOURNAL_FIELDS_MAX)
        return cl_error_set(err, CL_ERR_LIMIT, "journal: more than %d committed fields", CL_JOURNAL_FIELDS_MAX);
    if (sodium_init() < 0) return cl_error_set(err, CL_ERR_CRYPTO, "libsodium could not be initialised");
    const char *names[CL_JOURNAL_FIELDS_MAX];
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)secret, key, val)
    {
        if (!cl_journal_field_valid(key, json_object_iter_key_len(json_object_key_to_iter(key))))
            return cl_error_set(err, CL_ERR_INPUT,
                                "journal: committed field \"%.64s\" must be 1 to %d of a-z, 0-9"
                                " and _",
                                key, CL_JOURNAL_KIND_BYTES - 1);
        names[i++] = key;
    }
    qsort(names, n, sizeof(names[0]), field_cmp);
    PUTS(&a->entry, "\"commit\":{");
    for (i = 0; i < n; i++) {
        a->value.len = 0;
        rc = cl_journal_canon_write(&a->value, json_object_get(secret, names[i]), err);
        if (rc) return cl_error_prefix(err, "committed field \"%s\"", names[i]);
        uint8_t salt[CL_JOURNAL_SALT_BYTES], c[HASH];
        randombytes_buf(salt, sizeof(salt));
        cl_journal_commitment(names[i], salt, a->value.p, a->value.len, c);
        char hex[2 * HASH + 1];
        cl_journal_hex(c, HASH, hex);
        if (i) PUTS(&a->entry, ",");
        PUTS(&a->entry, "\"");
        PUTS(&a->entry, names[i]);
        PUTS(&a->entry, "\":\"");
        PUTS(&a->entry, hex);
        PUTS(&a->entry, "\"");
        struct cl_val p[] = {CL_VINT(index), CL_VTEXT(names[i]), CL_VBLOB(salt, sizeof(salt)),
                             CL_VTEXTN(a->value.p, a->value.len)};
        rc = cl_store_exec(a->st, "INSERT INTO journal_opening (entry_index, field, salt, value) VALUES (?, ?, ?, ?)",
                           p, 4, NULL, err);
        sodium_memzero(salt, sizeof(salt));
        if (rc) return rc;
    }
    PUTS(&a->entry, "},");
    return CL_OK;
}

/* Writes `at` as cl_time_format does ("YYYY-MM-DDTHH:MM:SS", ".ffffff" unless the microseconds are zero, "Z"),
 * formatting each whole second once: snprintf per entry was a tenth of an append's time. */
static void format_at(struct appender *a, cl_time at, char out[CL_TIME_TEXT_BYTES])
{
    cl_time second = at / 1000000, micro = at % 1000000;
    if (micro < 0) {
        micro += 1000000;
        second--;
    }
    if (a->at_len == 0 || a->at_second != second) {
        cl_time_format(second * 1000000, a->at_text);
        a->at_len = strlen(a->at_text) - 1;
        a->at_second = second;
    }
    size_t n = a->at_len;
    memcpy(out, a->at_text, n);
    if (micro) {
        out[n++] = '.';
        for (int d = 5; d >= 0; d--) {
            out[n + (size_t)d] = (char)('0' + micro % 10);
            micro /= 10;
        }
        n += 6;
    }
    out[n++] = 'Z';
    out[n] = '\0';
}

/* Builds the entry text of item at index into a->entry: canonical JSON of
 * {"at": time, "commit": {field: commitment}, "kind": kind, "record": record}, keys in sorted order. */
static enum cl_err build_entry(struct appender *a, uint64_t index, const struct cl_journal_item *item,
                               struct cl_error *err)
{
    enum cl_err rc;
    if (!item->kind || !cl_journal_kind_valid(item->kind))
        return cl_error_set(err, CL_ERR_INPUT,
                            "journal: kind \"%.64s\" must start with a-z and hold 1 to %d of a-z,"
                            " 0-9, '.', '_' and '-'",
                            item->kind ? item->kind : "", CL_JOURNAL_KIND_BYTES - 1);
    if (!item->record || !json_is_object(item->record))
        return cl_error_set(err, CL_ERR_INPUT, "journal: the record of a %s entry must be a JSON object", item->kind);
    if (item->secret && !json_is_object(item->secret))
        return cl_error_set(err, CL_ERR_INPUT, "journal: the committed fields of a %s entry must be a JSON object",
                            item->kind);
    char at[CL_TIME_TEXT_BYTES];
    format_at(a, item->at, at);
    a->entry.len = 0;
    PUTS(&a->entry, "{\"at\":\"");
    PUTS(&a->entry, at);
    PUTS(&a->entry, "\",");
    if (item->secret) {
        rc = put_commitments(a, index, item->secret, err);
        if (rc) return rc;
    }
    PUTS(&a->entry, "\"kind\":\"");
    PUTS(&a->entry, item->kind);
    PUTS(&a->entry, "\",\"record\":");
    rc = cl_journal_canon_write(&a->entry, item->record, err);
    if (rc) return cl_error_prefix(err, "journal: %s record", item->kind);
    PUTS(&a->entry, "}");
    return CL_OK;
}

static enum cl_err write_state(struct appender *a, const struct cl_journal_frontier *f, struct cl_error *err)
{
    struct cl_val p[] = {CL_VINT(f->size), CL_VBLOB(f->hashes, cl_journal_frontier_count(f) * HASH),
                         CL_VINT(a->old_size)};
    int64_t changed = 0;
    enum cl_err rc = cl_store_exec(a->st,
                                   "INSERT INTO journal_state (id, size, frontier) VALUES (1, ?, ?)"
                                   " ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier"
                                   " WHERE journal_state.size = ?",
                                   p, 3, &changed, err);
    if (rc) return rc;
    if (changed != 1)
        return cl_error_set(err, CL_ERR_CONFLICT, "journal: the tree grew during this append; retry the transaction");
    return CL_OK;
}

enum cl_err cl_journal_append_batch(struct cl_store *st, const struct cl_journal_item *items, size_t n,
                                    uint64_t *out_first, struct cl_error *err)
{
    if (!cl_store_in_tx(st)) return cl_error_set(err, CL_ERR_STATE, "journal: append outside a write transaction");
    struct appender *a = calloc(1, sizeof(*a));
    if (!a) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    a->st = st;
    cl_journal_jbuf_init(&a->entry, CL_JOURNAL_ENTRY_BYTES_MAX);
    cl_journal_jbuf_init(&a->value, CL_JOURNAL_ENTRY_BYTES_MAX);
    cl_journal_jbuf_init(&a->bundle, BUNDLE_BYTES_MAX + 4 + CL_JOURNAL_ENTRY_BYTES_MAX);
    struct cl_journal_frontier f;
    /* Claim the head row before reading it, so concurrent appenders queue on it: on PostgreSQL the later one then
     * fails with a serialisation failure (CL_ERR_BUSY, retried by the caller) instead of colliding on the keys of
     * the entries and tiles it would write from a stale head. */
    static const uint8_t none[1] = {0};
    struct cl_val claim[] = {CL_VBLOB(none, 0)};
    enum cl_err rc = cl_store_exec(st,
                                   "INSERT INTO journal_state (id, size, frontier) VALUES (1, 0, ?)"
                                   " ON CONFLICT (id) DO UPDATE SET size = journal_state.size",
                                   claim, 1, NULL, err);
    if (!rc) rc = cl_journal_state_read(st, &f, err);
    if (rc) goto out;
    if (n > CL_JOURNAL_SIZE_MAX - f.size) {
        rc = cl_error_set(err, CL_ERR_LIMIT, "journal: full");
        goto out;
    }
    a->old_size = f.size;
    a->bundle_first = f.size;
    for (size_t i = 0; i < n; i++) {
        uint64_t index = f.size;
        rc = build_entry(a, index, &items[i], err);
        if (rc) goto out;
        uint8_t leaf[HASH];
        cl_journal_leaf_hash(a->entry.p, a->entry.len, leaf);
        a->size_after = index + 1;
        rc = cl_journal_frontier_append(&f, leaf, tile_sink, a, err);
        if (!rc) rc = bundle_add(a, a->entry.p, a->entry.len, err);
        if (rc) goto out;
    }
    rc = bundle_flush(a, err);
    for (unsigned level = 0; !rc && level < TILE_LEVELS; level++)
        if (a->tiles[level].open) rc = tile_flush(a, level, err);
    if (!rc && n) rc = write_state(a, &f, err);
    if (!rc && out_first) *out_first = a->old_size;
out:
    cl_journal_jbuf_release(&a->entry);
    cl_journal_jbuf_release(&a->value);
    cl_journal_jbuf_release(&a->bundle);
    free(a);
    return rc;
}

enum cl_err cl_journal_append(struct cl_store *st, const char *kind, const json_t *record, const json_t *secret,
                              cl_time at, uint64_t *out_index, struct cl_error *err)
{
    struct cl_journal_item item = {kind, record, secret, at};
    return cl_journal_append_batch(st, &item, 1, out_index, err);
}

/* ---- reading entries -------------------------------------------------------------------------------------- */

/* Bundles copied out of the rows, so callbacks may query the store again. */
struct bundle {
    uint64_t first, count;
    uint8_t *data;
    size_t len;
};

struct bundle_rows {
    struct bundle *b;
    size_t n, cap;
};

static enum cl_err bundle_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct bundle_rows *r = ctx;
    CL_ASSERT(r->n < r->cap);
    struct bundle *b = &r->b[r->n];
    int64_t first = cl_row_int(row, 0), count = cl_row_int(row, 1);
    size_t len = 0;
    const void *data = cl_row_blob(row, 2, &len);
    if (first < 0 || count < 1 || count > BUNDLE_ENTRIES_MAX)
        return cl_error_set(err, CL_ERR_STORE, "journal: the bundle at %lld is malformed", (long long)first);
    b->first = (uint64_t)first;
    b->count = (uint64_t)count;
    b->len = len;
    b->data = malloc(len ? len : 1);
    if (!b->data) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    memcpy(b->data, data, len);
    r->n++;
    return CL_OK;
}

static void bundles_release(struct bundle_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->b[i].data);
    r->n = 0;
}

/* Finds entry k of a bundle. */
static enum cl_err bundle_entry(const struct bundle *b, uint64_t k, const char **out, size_t *out_len,
                                struct cl_error *err)
{
    size_t off = 0;
    for (uint64_t i = 0;; i++) {
        if (b->len - off < 4) break;
        const uint8_t *p = b->data + off;
        size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        if (n > b->len - off - 4) break;
        if (i == k) {
            *out = (const char *)p + 4;
            *out_len = n;
            return CL_OK;
        }
        off += 4 + n;
    }
    return cl_error_set(err, CL_ERR_STORE, "journal: the bundle at %llu is malformed", (unsigned long long)b->first);
}

static enum cl_err bundles_query(struct cl_store *st, const char *sql, uint64_t at, struct bundle_rows *r,
                                 struct cl_error *err)
{
    struct cl_val p[] = {CL_VINT(at)};
    enum cl_err rc = cl_store_query(st, sql, p, 1, bundle_row, r, err);
    if (rc) bundles_release(r);
    return rc;
}

enum cl_err cl_journal_entry_get(struct cl_store *st, uint64_t index, char **out_text, size_t *out_len,
                                 struct cl_error *err)
{
    struct bundle b;
    struct bundle_rows r = {&b, 0, 1};
    enum cl_err rc = bundles_query(st,
                                   "SELECT first_index, n_entries, data FROM journal_bundle WHERE first_index <= ? "
                                   "ORDER BY first_index DESC LIMIT 1",
                                   index, &r, err);
    if (rc) return rc;
    if (r.n == 0 || index >= b.first + b.count) {
        bundles_release(&r);
        return cl_error_set(err, CL_ERR_NOT_FOUND, "journal: no entry %llu", (unsigned long long)index);
    }
    const char *text = NULL;
    size_t len = 0;
    rc = bundle_entry(&b, index - b.first, &text, &len, err);
    if (!rc) {
        char *copy = malloc(len + 1);
        if (!copy) {
            rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        } else {
            memcpy(copy, text, len);
            copy[len] = '\0';
            *out_text = copy;
            if (out_len) *out_len = len;
        }
    }
    bundles_release(&r);
    return rc;
}

#define LIST_PAGE 16

enum cl_err cl_journal_entry_list(struct cl_store *st, uint64_t first, uint64_t count, cl_journal_entry_fn fn,
                                  void *ctx, struct cl_error *err)
{
    if (first > CL_JOURNAL_SIZE_MAX) return CL_OK;
    struct bundle page[LIST_PAGE];
    struct bundle_rows r = {page, 0, 1};
    uint64_t next = first, end = count > CL_JOURNAL_SIZE_MAX - first ? CL_JOURNAL_SIZE_MAX : first + count;
    /* the bundle holding `first`, then the bundles after it, a page at a time */
    enum cl_err rc = bundles_query(st,
                                   "SELECT first_index, n_entries, data FROM journal_bundle WHERE first_index <= ? "
                                   "ORDER BY first_index DESC LIMIT 1",
                                   first, &r, err);
    if (rc) return rc;
    int64_t after = (int64_t)first - 1;
    while (next < end) {
        for (size_t i = 0; i < r.n && !rc && next < end; i++) {
            struct bundle *b = &page[i];
            if (b->first + b->count <= next) continue; /* ends before `first` */
            if (b->first > next) {
                rc = cl_error_set(err, CL_ERR_STORE, "journal: entries %llu to %llu are missing",
                                  (unsigned long long)next, (unsigned long long)b->first - 1);
                break;
            }
            for (uint64_t k = next - b->first; k < b->count && b->first + k < end && !rc; k++) {
                const char *text = NULL;
                size_t len = 0;
                rc = bundle_entry(b, k, &text, &len, err);
                if (!rc) rc = fn(ctx, b->first + k, text, len, err);
            }
            next = b->first + b->count;
        }
        if (r.n) after = (int64_t)page[r.n - 1].first;
        bundles_release(&r);
        if (rc || next >= end) break;
        r.cap = LIST_PAGE;
        struct cl_val p[] = {CL_VINT(after)};
        rc = cl_store_query(st,
                            "SELECT first_index, n_entries, data FROM journal_bundle WHERE first_index > ?"
                            " ORDER BY first_index LIMIT " STR(LIST_PAGE),
                            p, 1, bundle_row, &r, err);
        if (rc || r.n == 0) break;
    }
    bundles_release(&r);
    return rc;
}
