/* Stored subtree hashes: where each complete subtree lives among the tiles, reading tiles, and proofs served
 * from them with O(log n) lookups. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "journal_int.h"

#define HASH CL_JOURNAL_HASH_BYTES

/* First slot of each row of a tile: 16 base nodes, then 8, 4 and 2 parents. */
static const unsigned row_start[TILE_HEIGHT] = {0, 16, 24, 28};
_Static_assert(TILE_HEIGHT == 4, "row_start lists one offset per row");
_Static_assert(TILE_BYTES == 960, "a tile is 30 hashes");

void cl_journal_tile_locate(unsigned level, uint64_t index, struct tile_pos *out)
{
    CL_ASSERT(level < 64);
    unsigned row = level % TILE_HEIGHT;
    out->tile_level = level / TILE_HEIGHT;
    out->row = row;
    out->tile_index = index >> (TILE_HEIGHT - row);
    out->row_offset = (unsigned)(index & ((TILE_WIDTH >> row) - 1));
    out->slot = row_start[row] + out->row_offset;
    CL_ASSERT(out->slot < TILE_HASHES);
}

bool cl_journal_tile_has(const struct tile_pos *pos, uint64_t width)
{
    return ((uint64_t)(pos->row_offset + 1) << pos->row) <= width;
}

uint64_t cl_journal_tile_width(unsigned tile_level, uint64_t tile_index, uint64_t size)
{
    uint64_t base = tile_level * TILE_HEIGHT >= 64 ? 0 : size >> (tile_level * TILE_HEIGHT);
    uint64_t first = tile_index * TILE_WIDTH;
    if (base <= first) return 0;
    return base - first >= TILE_WIDTH ? TILE_WIDTH : base - first;
}

struct tile_row {
    uint8_t *out;
    uint64_t width;
    bool found, bad;
};

/* The width and hashes of a stored tile, from columns col and col + 1; false when malformed. */
static bool tile_from_row(const struct cl_row *row, size_t col, uint8_t out[TILE_BYTES], uint64_t *out_width)
{
    size_t n = 0;
    const void *b = cl_row_blob(row, col + 1, &n);
    int64_t w = cl_row_int(row, col);
    if (n != TILE_BYTES || w < 1 || w > (int64_t)TILE_WIDTH) return false;
    *out_width = (uint64_t)w;
    memcpy(out, b, TILE_BYTES);
    return true;
}

static enum cl_err tile_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct tile_row *t = ctx;
    t->found = true;
    t->bad = !tile_from_row(row, 0, t->out, &t->width);
    return CL_OK;
}

enum cl_err cl_journal_tile_read(struct cl_store *st, unsigned tile_level, uint64_t tile_index, uint8_t out[TILE_BYTES],
                                 uint64_t *out_width, bool *out_found, struct cl_error *err)
{
    struct tile_row t = {out, 0, false, false};
    CL_ASSERT(tile_level < TILE_LEVELS);
    CL_ASSERT(tile_index < (uint64_t)1 << 59);
    struct cl_val p[] = {CL_VINT(TILE_ID(tile_level, tile_index))};
    enum cl_err rc = cl_store_query(st, "SELECT width, hashes FROM journal_tile WHERE id = ?", p, 1, tile_row, &t, err);
    if (rc) return rc;
    if (t.bad)
        return cl_error_set(err, CL_ERR_STORE, "journal: tile (%u, %llu) is malformed", tile_level,
                            (unsigned long long)tile_index);
    *out_found = t.found;
    *out_width = t.width;
    return CL_OK;
}

/* ---- the shared cache of tiles ---------------------------------------------------------------------------------- */

#define CACHE_WAYS 4

/* What says which tile a slot holds, kept apart from the hashes so that the ways of a set share a cache line: a
 * lookup touches one line of metadata and the 32 bytes it returns, not four 960-byte slots. */
struct cache_meta {
    int64_t id; /* TILE_ID, or -1 when empty */
    uint64_t used, width;
};

struct cl_journal_cache {
    size_t n_sets;
    uint64_t clock, hits, misses;
    struct cache_meta *meta;
    uint8_t (*hashes)[TILE_BYTES];
};

struct cl_journal_cache *cl_journal_cache_new(size_t max_bytes)
{
    size_t n_sets = max_bytes / (CACHE_WAYS * (sizeof(struct cache_meta) + TILE_BYTES));
    if (n_sets == 0) n_sets = 1;
    struct cl_journal_cache *c = malloc(sizeof(*c));
    if (!c) return NULL;
    c->meta = malloc(n_sets * CACHE_WAYS * sizeof(*c->meta));
    c->hashes = malloc(n_sets * CACHE_WAYS * sizeof(*c->hashes));
    if (!c->meta || !c->hashes) {
        cl_journal_cache_free(c);
        return NULL;
    }
    c->n_sets = n_sets;
    c->clock = c->hits = c->misses = 0;
    for (size_t i = 0; i < n_sets * CACHE_WAYS; i++)
        c->meta[i] = (struct cache_meta){-1, 0, 0};
    return c;
}

void cl_journal_cache_free(struct cl_journal_cache *c)
{
    if (!c) return;
    free(c->meta);
    free(c->hashes);
    free(c);
}

void cl_journal_cache_stats(const struct cl_journal_cache *c, uint64_t *out_hits, uint64_t *out_misses)
{
    *out_hits = c->hits;
    *out_misses = c->misses;
}

/* The first slot of the set that tile id maps to. */
static size_t cache_set(const struct cl_journal_cache *c, int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (size_t)((h ^ (h >> 32)) % c->n_sets) * CACHE_WAYS;
}

/* The slot whose cached copy of tile id holds the node at pos, or -1. A committed node never changes, so any
 * committed copy that holds it is right, however many more nodes the tile has gained since. */
static ptrdiff_t cache_way(const struct cl_journal_cache *c, int64_t id, const struct tile_pos *pos)
{
    size_t set = cache_set(c, id);
    for (size_t w = set; w < set + CACHE_WAYS; w++)
        if (c->meta[w].id == id && cl_journal_tile_has(pos, c->meta[w].width)) return (ptrdiff_t)w;
    return -1;
}

/* The cached hashes holding the node at pos, counted as a hit or a miss. */
static const uint8_t *cache_find(struct cl_journal_cache *c, int64_t id, const struct tile_pos *pos)
{
    ptrdiff_t w = cache_way(c, id, pos);
    if (w < 0) {
        c->misses++;
        return NULL;
    }
    c->meta[w].used = ++c->clock;
    c->hits++;
    return c->hashes[w];
}

/* Keeps a tile, over an older copy of it or else over the least recently used tile of its set. */
static void cache_put(struct cl_journal_cache *c, int64_t id, uint64_t width, const uint8_t hashes[TILE_BYTES])
{
    size_t set = cache_set(c, id), victim = set;
    for (size_t w = set + 1; w < set + CACHE_WAYS && c->meta[victim].id != id; w++)
        if (c->meta[w].id == id || c->meta[w].used < c->meta[victim].used) victim = w;
    c->meta[victim] = (struct cache_meta){id, ++c->clock, width};
    memcpy(c->hashes[victim], hashes, TILE_BYTES);
}

/* ---- proofs from stored tiles ----------------------------------------------------------------------------- */

#define CACHE_TILES 16

/* The tiles one proof has read so far (a proof touches a few tiles many times), and the shared cache, which only
 * takes tiles read in a transaction of our own: those hold committed hashes, which no append ever changes. */
struct tile_cache {
    struct cl_store *st;
    struct cl_journal_cache *shared;
    bool admit;
    size_t n, next;
    struct {
        unsigned level;
        uint64_t index, width;
        uint8_t hashes[TILE_BYTES];
    } t[CACHE_TILES];
};

static enum cl_err stored_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH], struct cl_error *err)
{
    struct tile_cache *c = ctx;
    struct tile_pos pos;
    cl_journal_tile_locate(level, index, &pos);
    if (c->shared) {
        const uint8_t *cached = cache_find(c->shared, TILE_ID(pos.tile_level, pos.tile_index), &pos);
        if (cached) {
            memcpy(out, cached + (size_t)pos.slot * HASH, HASH);
            return CL_OK;
        }
    }
    size_t i = 0;
    for (; i < c->n; i++)
        if (c->t[i].level == pos.tile_level && c->t[i].index == pos.tile_index) break;
    if (i == c->n) {
        if (c->n < CACHE_TILES)
            i = c->n++;
        else
            i = c->next++ % CACHE_TILES;
        bool found = false;
        enum cl_err rc =
            cl_journal_tile_read(c->st, pos.tile_level, pos.tile_index, c->t[i].hashes, &c->t[i].width, &found, err);
        if (!rc && !found)
            rc = cl_error_set(err, CL_ERR_STORE, "journal: tile (%u, %llu) is missing", pos.tile_level,
                              (unsigned long long)pos.tile_index);
        if (rc) {
            c->t[i].level = TILE_LEVELS; /* matches no tile */
            return rc;
        }
        c->t[i].level = pos.tile_level;
        c->t[i].index = pos.tile_index;
        if (c->shared && c->admit)
            cache_put(c->shared, TILE_ID(pos.tile_level, pos.tile_index), c->t[i].width, c->t[i].hashes);
    }
    if (!cl_journal_tile_has(&pos, c->t[i].width))
        return cl_error_set(err, CL_ERR_STORE, "journal: node (%u, %llu) is missing from its tile", level,
                            (unsigned long long)index);
    memcpy(out, c->t[i].hashes + (size_t)pos.slot * HASH, HASH);
    return CL_OK;
}

static enum cl_err check_size(struct cl_store *st, uint64_t size, struct cl_error *err)
{
    struct cl_journal_frontier f;
    enum cl_err rc = cl_journal_state_read(st, &f, err);
    if (rc) return rc;
    if (size > f.size)
        return cl_error_set(err, CL_ERR_NOT_FOUND, "the journal holds %llu entries, not %llu",
                            (unsigned long long)f.size, (unsigned long long)size);
    return CL_OK;
}

enum cl_err cl_journal_read_begin(struct cl_store *st, bool *out_own, struct cl_error *err)
{
    *out_own = !cl_store_in_tx(st);
    return *out_own ? cl_store_begin(st, CL_TX_READ, err) : CL_OK;
}

void cl_journal_read_end(struct cl_store *st, bool own)
{
    if (own) cl_store_rollback(st);
}

/* ---- reading a proof's tiles in one statement ---------------------------------------------------------------- */

/* The tiles a proof will read that the shared cache does not hold, at most as many as a proof keeps. */
struct plan {
    const struct cl_journal_cache *shared;
    size_t n;
    int64_t ids[CACHE_TILES];
};

/* A node function that reads nothing: it notes the tile each node lies in and gives a zero hash. The builders ask
 * for the same nodes whatever the hashes are, so a dry run with it names the tiles the real run will read. */
static enum cl_err plan_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH], struct cl_error *err)
{
    (void)err;
    struct plan *p = ctx;
    memset(out, 0, HASH);
    struct tile_pos pos;
    cl_journal_tile_locate(level, index, &pos);
    int64_t id = TILE_ID(pos.tile_level, pos.tile_index);
    if (p->shared && cache_way(p->shared, id, &pos) >= 0) return CL_OK;
    for (size_t i = 0; i < p->n; i++)
        if (p->ids[i] == id) return CL_OK;
    if (p->n < CACHE_TILES) p->ids[p->n++] = id;
    return CL_OK;
}

static enum cl_err prefetched_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct tile_cache *c = ctx;
    int64_t id = cl_row_int(row, 0);
    unsigned level = TILE_ID_LEVEL(id);
    uint64_t index = TILE_ID_INDEX(id);
    CL_ASSERT(c->n < CACHE_TILES);
    size_t i = c->n;
    if (level >= TILE_LEVELS || !tile_from_row(row, 1, c->t[i].hashes, &c->t[i].width))
        return cl_error_set(err, CL_ERR_STORE, "journal: tile (%u, %llu) is malformed", level,
                            (unsigned long long)index);
    c->t[i].level = level;
    c->t[i].index = index;
    c->n++;
    if (c->shared && c->admit) cache_put(c->shared, id, c->t[i].width, c->t[i].hashes);
    return CL_OK;
}

/* Reads the planned tiles into the proof's own table with one statement: on PostgreSQL one round trip instead of
 * one per tile. A tile not found is looked for again, and reported, when the proof needs it. */
static enum cl_err prefetch(struct tile_cache *c, const struct plan *p, struct cl_error *err)
{
    if (p->n == 0) return CL_OK;
    /* a lookup by key per tile, joined by UNION ALL: SQLite would build a temporary index for an IN list */
    static const char one[] = "SELECT id, width, hashes FROM journal_tile WHERE id = ?";
    char sql[CACHE_TILES * (sizeof(one) + 11)];
    size_t len = 0;
    for (size_t i = 0; i < p->n; i++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s", i ? " UNION ALL " : "", one);
    struct cl_val v[CACHE_TILES];
    for (size_t i = 0; i < p->n; i++) v[i] = CL_VINT(p->ids[i]);
    return cl_store_query(c->st, sql, v, p->n, prefetched_row, c, err);
}

enum proof_kind { PROVE_INCLUSION, PROVE_CONSISTENCY, PROVE_ROOT };

static enum cl_err build(enum proof_kind kind, uint64_t a, uint64_t size, cl_journal_node_fn node, void *ctx,
                         struct cl_journal_proof *out, uint8_t root[HASH], struct cl_error *err)
{
    if (kind == PROVE_INCLUSION) return cl_journal_inclusion_build(a, size, node, ctx, out, err);
    if (kind == PROVE_CONSISTENCY) return cl_journal_consistency_build(a, size, node, ctx, out, err);
    return cl_journal_root_build(size, node, ctx, root, err);
}

/* Builds a proof or a root from the stored tiles, in one read transaction: one snapshot, and on SQLite one lock
 * for all the reads instead of one per read (half the time of a proof). A dry run first names the tiles it needs,
 * which are then read in one statement. */
static enum cl_err prove(struct cl_store *st, struct cl_journal_cache *cache, enum proof_kind kind, uint64_t a,
                         uint64_t size, struct cl_journal_proof *out, uint8_t root[HASH], struct cl_error *err)
{
    struct plan plan = {cache, 0, {0}};
    struct cl_journal_proof dry;
    uint8_t dry_root[HASH];
    enum cl_err rc = build(kind, a, size, plan_node, &plan, &dry, dry_root, err);
    if (rc) return rc;
    bool own = false;
    rc = cl_journal_read_begin(st, &own, err);
    if (rc) return rc;
    rc = check_size(st, size, err);
    struct tile_cache c;
    c.st = st;
    c.shared = cache;
    c.admit = own;
    c.n = c.next = 0;
    if (!rc) rc = prefetch(&c, &plan, err);
    if (!rc) rc = build(kind, a, size, stored_node, &c, out, root, err);
    cl_journal_read_end(st, own);
    return rc;
}

enum cl_err cl_journal_inclusion_prove(struct cl_store *st, struct cl_journal_cache *cache, uint64_t index,
                                       uint64_t size, struct cl_journal_proof *out, struct cl_error *err)
{
    return prove(st, cache, PROVE_INCLUSION, index, size, out, NULL, err);
}

enum cl_err cl_journal_consistency_prove(struct cl_store *st, struct cl_journal_cache *cache, uint64_t old_size,
                                         uint64_t size, struct cl_journal_proof *out, struct cl_error *err)
{
    return prove(st, cache, PROVE_CONSISTENCY, old_size, size, out, NULL, err);
}

enum cl_err cl_journal_root_at(struct cl_store *st, struct cl_journal_cache *cache, uint64_t size, uint8_t out[HASH],
                               struct cl_error *err)
{
    return prove(st, cache, PROVE_ROOT, 0, size, NULL, out, err);
}
