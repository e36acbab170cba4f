/* The candidate index and the screening of a party: every listed name normalised once into compact token records;
 * a vocabulary of matching units (tokens and joined tokens) with postings; keys for exact, deletion-neighbourhood
 * (typo) and consonant-skeleton (phonetic) retrieval; and an upper bound on each candidate's score, so that only
 * candidates that can reach the review threshold are scored. Immutable after build; per-thread scratch. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "screen_int.h"

/* A listed name in one normalised variant. */
struct rec {
    uint32_t entry;
    uint32_t tok_off; /* first token in idx->toks */
    uint16_t name;    /* index in the entry's names */
    uint8_t variant;
    uint8_t n_tok;
    uint8_t lenient;  /* the missing-middle-name rule applies (individuals, unknown types) */
    uint8_t comma;    /* "SURNAME, Given": the index of the first given name (sn_name.comma_at), or 0 */
    float wmin;       /* smallest possible weight of this side of the score's denominator */
    float init_bonus; /* most that this name's initials can add to the numerator */
};

/* What the bound needs of a record, apart and small, so that checking hundreds of candidates stays in cache. */
struct rbound {
    float wmin, init_bonus;
    uint8_t lenient, comma, variant;
};

/* A token of a record, compact. */
struct ctok {
    uint32_t str; /* offset in idx->strs */
    uint8_t len, cls, core, han, group, translit;
    float w;
};

struct vocab {
    uint32_t str;
    uint8_t len, cls, span, skel_len, translit;
    uint32_t post_off, post_n;
    uint32_t mask;
    uint64_t skel_h;
};

struct posting {
    uint32_t rec;
    float w; /* the unit's weight in that record */
};

/* One retrieval key: exact text, a deletion variant, or a skeleton, each hashed with its own seed. */
struct key {
    uint64_t h;
    uint32_t vocab;
};

/* A key as kept in the index: the 32 hash bits below the directory's, and the vocabulary unit. Half the size of a
 * full key, so more of the array stays in cache; a rare false hit only costs a similarity test. */
struct ckey {
    uint32_t lo;
    uint32_t vocab;
};
#define KEY_LO(h, dir_bits) ((uint32_t)((h) >> (64 - (dir_bits)-32)))

enum { SEED_EXACT = 3, SEED_DELETE = 1, SEED_SKELETON = 2 };
/* Directory and Bloom filter sizes grow with the number of keys, up to these (every list loaded needs the most). */
#define DIR_BITS_MAX 18
#define BLOOM_BITS_MAX 23

struct cl_screen_index {
    const struct cl_screen_lists *lists;
    struct rec *recs;
    size_t n_recs;
    struct rbound *rb; /* one per record */
    struct ctok *toks;
    size_t n_toks;
    char *strs;
    size_t n_strs, cap_strs;
    struct vocab *vocab;
    size_t n_vocab;
    struct posting *posts;
    size_t n_posts;
    struct ckey *keys; /* sorted by hash; the top dir_bits bits are the directory's */
    unsigned dir_bits, bloom_bits;
    size_t n_keys;
    uint32_t *dir;   /* dir[b] = first key whose top dir_bits bits are >= b; 2^dir_bits + 1 entries */
    uint64_t *bloom; /* two bits per key: most deletion variants of a query are in no name, and this small filter
                        says so without touching the large key array */
    uint64_t serial;
    size_t n_deletion_keys;
};

static atomic_uint_fast64_t index_serial = 1;

/* ---- building ------------------------------------------------------------------------------------------------ */

static bool reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *n = realloc(*p, c * elem);
    if (!n) return false;
    *p = n;
    *cap = c;
    return true;
}

static uint32_t str_add(struct cl_screen_index *idx, const char *s, size_t n, bool *ok)
{
    if (!reserve((void **)&idx->strs, &idx->cap_strs, idx->n_strs + n + 1, 1)) {
        *ok = false;
        return 0;
    }
    uint32_t off = (uint32_t)idx->n_strs;
    memcpy(idx->strs + off, s, n);
    idx->strs[off + n] = '\0';
    idx->n_strs += n + 1;
    return off;
}

/* Vocabulary hash used during the build only. */
struct vmap {
    uint32_t *slots; /* vocab id + 1, 0 empty */
    uint64_t *hashes;
    size_t cap;
};

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return x->vocab < y->vocab ? -1 : (x->vocab > y->vocab);
}

struct unit_ref {
    uint32_t vocab;
    uint32_t rec;
    float w;
};

static int uref_cmp(const void *a, const void *b)
{
    const struct unit_ref *x = a, *y = b;
    if (x->vocab != y->vocab) return x->vocab < y->vocab ? -1 : 1;
    return x->rec < y->rec ? -1 : (x->rec > y->rec);
}

/* Deletion variants of s with up to max deletions, each passed to fn. No recursion: positions enumerated. */
static void deletions(const char *s, size_t n, int max, void (*fn)(void *ctx, const char *v, size_t n), void *ctx)
{
    char v[SN_UNIT_BYTES];
    fn(ctx, s, n);
    if (max >= 1)
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            for (size_t j = 0; j < n; j++)
                if (j != i) v[k++] = s[j];
            fn(ctx, v, k);
        }
    if (max >= 2)
        for (size_t i = 0; i < n; i++)
            for (size_t i2 = i + 1; i2 < n; i2++) {
                size_t k = 0;
                for (size_t j = 0; j < n; j++)
                    if (j != i && j != i2) v[k++] = s[j];
                fn(ctx, v, k);
            }
}

static int deletion_depth(size_t len)
{
    return len >= 8 ? 2 : (len >= 4 ? 1 : 0);
}

static bool fuzzy_class(uint8_t cls)
{
    return cls == SN_WORD || cls == SN_PARTICLE || cls == SN_GENERIC;
}

struct key_sink {
    struct key *keys;
    size_t n, cap;
    uint32_t vocab;
    bool ok;
};

static void sink_delete(void *ctx, const char *v, size_t n)
{
    struct key_sink *k = ctx;
    if (!k->ok) return;
    if (!reserve((void **)&k->keys, &k->cap, k->n + 1, sizeof(struct key))) {
        k->ok = false;
        return;
    }
    k->keys[k->n++] = (struct key){sn_hash64(v, n, SEED_DELETE), k->vocab};
}

static void sink_add(struct key_sink *k, uint64_t h)
{
    if (!k->ok) return;
    if (!reserve((void **)&k->keys, &k->cap, k->n + 1, sizeof(struct key))) {
        k->ok = false;
        return;
    }
    k->keys[k->n++] = (struct key){h, k->vocab};
}

static void rec_to_name(const struct cl_screen_index *idx, const struct rec *r, struct sn_name *out)
{
    out->n = r->n_tok;
    out->variant = r->variant;
    out->comma_at = r->comma;
    for (int i = 0; i < r->n_tok; i++) {
        const struct ctok *c = &idx->toks[r->tok_off + (uint32_t)i];
        struct sn_tok *t = &out->tok[i];
        memcpy(t->s, idx->strs + c->str, (size_t)c->len + 1);
        t->len = c->len;
        t->cls = c->cls;
        t->core = c->core;
        t->han = c->han;
        t->group = c->group;
        t->translit = c->translit;
        t->w = c->w;
    }
}

/* Smallest weight a name can put into the denominator, and the most its initials can add to the numerator. */
static void name_bounds(const struct sn_name *n, bool lenient, float *out_wmin, float *out_init)
{
    float w = 0, init = 0;
    for (int i = 0; i < n->n; i++) {
        const struct sn_tok *t = &n->tok[i];
        w += (lenient && !t->core) ? t->w * (float)SN_MIDDLE_FACTOR : t->w;
        if (t->cls == SN_INITIAL) init += (float)(SN_INITIAL_SIM * (t->w + 1.0));
    }
    *out_wmin = w;
    *out_init = init;
}

static void index_free_parts(struct cl_screen_index *idx)
{
    free(idx->recs);
    free(idx->rb);
    free(idx->toks);
    free(idx->strs);
    free(idx->vocab);
    free(idx->posts);
    free(idx->keys);
    free(idx->dir);
    free(idx->bloom);
}

void cl_screen_index_free(struct cl_screen_index *idx)
{
    if (!idx) return;
    index_free_parts(idx);
    free(idx);
}

static bool listed_lenient(enum cl_screen_type t)
{
    return t == CL_SCREEN_TYPE_INDIVIDUAL || t == CL_SCREEN_TYPE_UNKNOWN;
}

enum cl_err cl_screen_index_build(const struct cl_screen_lists *lists, struct cl_screen_index **out,
                                  struct cl_error *err)
{
    *out = NULL;
    if (lists->n_names > CL_LIMIT_LIST_ENTRIES)
        return cl_error_set(err, CL_ERR_LIMIT, "more than %d listed names", CL_LIMIT_LIST_ENTRIES);
    struct cl_screen_index *idx = calloc(1, sizeof(*idx));
    if (!idx) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    idx->lists = lists;
    idx->serial = atomic_fetch_add(&index_serial, 1);
    enum cl_err rc = CL_OK;
    size_t cap_recs = 0, cap_toks = 0, cap_refs = 0, n_refs = 0;
    struct unit_ref *refs = NULL;
    struct vmap vm = {0};
    struct key_sink ks = {.ok = true};
    bool ok = true;
    size_t cap_vocab = 0;
    struct sn_set *set = malloc(sizeof(*set));
    struct sn_unit *units = malloc(sizeof(struct sn_unit) * SN_UNITS_MAX);
    vm.cap = 1u << 16;
    vm.slots = calloc(vm.cap, sizeof(uint32_t));
    vm.hashes = calloc(vm.cap, sizeof(uint64_t));
    if (!set || !units || !vm.slots || !vm.hashes) goto nomem;

    for (size_t ei = 0; ei < lists->n_entries; ei++) {
        const struct cl_screen_entry *e = &lists->entries[ei];
        bool individual = e->type == CL_SCREEN_TYPE_INDIVIDUAL;
        for (size_t ni = 0; ni < e->n_names; ni++) {
            const char *text = e->names[ni].text;
            sn_normalize(text, strlen(text), individual, set);
            for (int v = 0; v < set->n; v++) {
                const struct sn_name *nm = &set->v[v];
                if (!reserve((void **)&idx->recs, &cap_recs, idx->n_recs + 1, sizeof(struct rec))) goto nomem;
                if (!reserve((void **)&idx->toks, &cap_toks, idx->n_toks + (size_t)nm->n, sizeof(struct ctok)))
                    goto nomem;
                uint32_t rid = (uint32_t)idx->n_recs++;
                struct rec *r = &idx->recs[rid];
                r->entry = (uint32_t)ei;
                r->name = (uint16_t)ni;
                r->variant = nm->variant;
                r->n_tok = (uint8_t)nm->n;
                r->tok_off = (uint32_t)idx->n_toks;
                r->lenient = listed_lenient(e->type);
                r->comma = nm->comma_at;
                name_bounds(nm, r->lenient, &r->wmin, &r->init_bonus);
                for (int t = 0; t < nm->n; t++) {
                    const struct sn_tok *tk = &nm->tok[t];
                    struct ctok *c = &idx->toks[idx->n_toks++];
                    c->str = str_add(idx, tk->s, tk->len, &ok);
                    c->len = tk->len;
                    c->cls = tk->cls;
                    c->core = tk->core;
                    c->han = tk->han;
                    c->group = tk->group;
                    c->translit = tk->translit;
                    c->w = tk->w;
                }
                if (!ok) goto nomem;
                int nu = sn_units(nm, units);
                for (int u = 0; u < nu; u++) {
                    const struct sn_unit *un = &units[u];
                    /* initials and legal forms are not retrieved: the bound accounts for them */
                    if (un->span == 1 && (un->cls == SN_INITIAL || un->cls == SN_LEGAL)) continue;
                    uint64_t h = sn_hash64(un->s, un->len, SEED_EXACT);
                    size_t slot = (size_t)h & (vm.cap - 1);
                    uint32_t vid = UINT32_MAX;
                    while (vm.slots[slot]) {
                        uint32_t cand = vm.slots[slot] - 1;
                        const struct vocab *vv = &idx->vocab[cand];
                        if (vm.hashes[slot] == h && vv->len == un->len && vv->span == (un->span > 1 ? 2 : 1) &&
                            vv->cls == un->cls && vv->translit == un->translit &&
                            memcmp(idx->strs + vv->str, un->s, un->len) == 0) {
                            vid = cand;
                            break;
                        }
                        slot = (slot + 1) & (vm.cap - 1);
                    }
                    if (vid == UINT32_MAX) {
                        if (!reserve((void **)&idx->vocab, &cap_vocab, idx->n_vocab + 1, sizeof(struct vocab)))
                            goto nomem;
                        vid = (uint32_t)idx->n_vocab++;
                        struct vocab *vv = &idx->vocab[vid];
                        vv->str = str_add(idx, un->s, un->len, &ok);
                        if (!ok) goto nomem;
                        vv->len = un->len;
                        vv->cls = un->cls;
                        vv->span = un->span > 1 ? 2 : 1;
                        vv->post_off = 0;
                        vv->post_n = 0;
                        vv->skel_len = un->skel_len;
                        vv->skel_h = un->skel_h;
                        vv->mask = un->mask;
                        vv->translit = un->translit;
                        vm.slots[slot] = vid + 1;
                        vm.hashes[slot] = h;
                        if (idx->n_vocab * 2 > vm.cap) {
                            /* grow the build map */
                            size_t ncap = vm.cap * 2;
                            uint32_t *ns = calloc(ncap, sizeof(uint32_t));
                            uint64_t *nh = calloc(ncap, sizeof(uint64_t));
                            if (!ns || !nh) {
                                free(ns);
                                free(nh);
                                goto nomem;
                            }
                            for (size_t s = 0; s < vm.cap; s++) {
                                if (!vm.slots[s]) continue;
                                size_t j = (size_t)vm.hashes[s] & (ncap - 1);
                                while (ns[j])
                                    j = (j + 1) & (ncap - 1);
                                ns[j] = vm.slots[s];
                                nh[j] = vm.hashes[s];
                            }
                            free(vm.slots);
                            free(vm.hashes);
                            vm.slots = ns;
                            vm.hashes = nh;
                            vm.cap = ncap;
                        }
                    }
                    if (!reserve((void **)&refs, &cap_refs, n_refs + 1, sizeof(*refs))) goto nomem;
                    refs[n_refs++] = (struct unit_ref){vid, rid, un->w};
                }
            }
        }
    }
    idx->rb = malloc((idx->n_recs ? idx->n_recs : 1) * sizeof(struct rbound));
    if (!idx->rb) goto nomem;
    for (size_t i = 0; i < idx->n_recs; i++) {
        const struct rec *r = &idx->recs[i];
        idx->rb[i] = (struct rbound){r->wmin, r->init_bonus, r->lenient, r->comma, r->variant};
    }
    /* postings, grouped by vocabulary unit */
    if (n_refs) qsort(refs, n_refs, sizeof(*refs), uref_cmp);
    idx->posts = malloc((n_refs ? n_refs : 1) * sizeof(struct posting));
    if (!idx->posts) goto nomem;
    for (size_t i = 0; i < n_refs; i++) {
        struct vocab *vv = &idx->vocab[refs[i].vocab];
        if (vv->post_n == 0) vv->post_off = (uint32_t)i;
        vv->post_n++;
        idx->posts[i] = (struct posting){refs[i].rec, refs[i].w};
    }
    idx->n_posts = n_refs;
    /* keys: exact, deletion variants of fuzzy single tokens, skeletons */
    for (size_t v = 0; v < idx->n_vocab; v++) {
        const struct vocab *vv = &idx->vocab[v];
        const char *s = idx->strs + vv->str;
        ks.vocab = (uint32_t)v;
        sink_add(&ks, sn_hash64(s, vv->len, SEED_EXACT));
        if (vv->span == 1 && fuzzy_class(vv->cls) && vv->len >= 4) {
            size_t before = ks.n;
            deletions(s, vv->len, deletion_depth(vv->len), sink_delete, &ks);
            idx->n_deletion_keys += ks.n - before;
        }
        if (vv->skel_len >= 2) sink_add(&ks, vv->skel_h);
    }
    if (!ks.ok) goto nomem;
    if (ks.n) qsort(ks.keys, ks.n, sizeof(struct key), key_cmp);
    /* drop duplicate (hash, vocab) pairs: a token's deletions often repeat ("anna" -> "ana" twice) */
    size_t w = 0;
    for (size_t i = 0; i < ks.n; i++)
        if (w == 0 || ks.keys[i].h != ks.keys[w - 1].h || ks.keys[i].vocab != ks.keys[w - 1].vocab)
            ks.keys[w++] = ks.keys[i];
    ks.n = w;
    idx->n_keys = ks.n;
    idx->keys = malloc((ks.n ? ks.n : 1) * sizeof(struct ckey));
    /* about four keys per directory entry, eight filter bits per key */
    idx->dir_bits = 8;
    while (idx->dir_bits < DIR_BITS_MAX && ((size_t)1 << (idx->dir_bits + 2)) < idx->n_keys)
        idx->dir_bits++;
    idx->bloom_bits = 12;
    while (idx->bloom_bits < BLOOM_BITS_MAX && ((size_t)1 << idx->bloom_bits) < idx->n_keys * 8)
        idx->bloom_bits++;
    idx->dir = malloc(((1u << idx->dir_bits) + 1) * sizeof(uint32_t));
    idx->bloom = calloc((1u << idx->bloom_bits) / 64, sizeof(uint64_t));
    if (!idx->keys || !idx->dir || !idx->bloom) goto nomem;
    for (size_t i = 0; i < idx->n_keys; i++) {
        uint64_t h = ks.keys[i].h;
        idx->keys[i] = (struct ckey){KEY_LO(h, idx->dir_bits), ks.keys[i].vocab};
        uint32_t mask = (1u << idx->bloom_bits) - 1, b1 = (uint32_t)h & mask, b2 = (uint32_t)(h >> 23) & mask;
        idx->bloom[b1 >> 6] |= 1ull << (b1 & 63);
        idx->bloom[b2 >> 6] |= 1ull << (b2 & 63);
    }
    size_t k = 0;
    for (size_t b = 0; b <= (1u << idx->dir_bits); b++) {
        while (k < idx->n_keys && (ks.keys[k].h >> (64 - idx->dir_bits)) < b)
            k++;
        idx->dir[b] = (uint32_t)k;
    }
    goto out;
nomem:
    rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory building the screening index");
out:
    free(refs);
    free(vm.slots);
    free(vm.hashes);
    free(ks.keys);
    free(set);
    free(units);
    if (rc) {
        cl_screen_index_free(idx);
        return rc;
    }
    *out = idx;
    return CL_OK;
}

void cl_screen_index_stats(const struct cl_screen_index *idx, struct cl_screen_index_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->entries = idx->lists->n_entries;
    out->names = idx->lists->n_names;
    out->variants = idx->n_recs;
    out->vocabulary = idx->n_vocab;
    out->postings = idx->n_posts;
    out->deletion_keys = idx->n_deletion_keys;
    out->memory_bytes = idx->n_recs * (sizeof(struct rec) + sizeof(struct rbound)) + idx->n_toks * sizeof(struct ctok) +
                        idx->n_strs + idx->n_vocab * sizeof(struct vocab) + idx->n_posts * sizeof(struct posting) +
                        idx->n_keys * sizeof(struct ckey) + ((1u << idx->dir_bits) + 1) * sizeof(uint32_t) +
                        (1u << idx->bloom_bits) / 8;
}

/* ---- per-thread scratch -------------------------------------------------------------------------------------- */

struct vhit {
    uint32_t vocab;
    float sim;
};

struct acc {
    uint32_t stamp;
    uint16_t unit;
    uint8_t ntok; /* query tokens that met this record */
    float cur;    /* best contribution of the current query unit */
    float sum;    /* contributions of earlier query units */
};

/* The keys of one query unit to look up (see probe_all): the exact key, the skeleton, and at most 1 + n + n(n-1)/2
 * deletion variants of a token of n <= SN_TOK_BYTES - 1 letters. */
#define PROBES_MAX (2 + (SN_TOK_BYTES - 1) + (SN_TOK_BYTES - 1) * (SN_TOK_BYTES - 2) / 2 + 1)
struct probes {
    uint64_t h[PROBES_MAX];
    int n;
};

struct scratch {
    uint64_t serial; /* the index the arrays are sized for */
    struct acc *acc;
    size_t n_acc;
    uint32_t *vstamp;
    size_t n_vstamp;
    uint32_t stamp; /* accumulators: one stamp per query variant */
    uint32_t vcur;  /* vocabulary: one stamp per query unit */
    uint32_t *touched;
    size_t n_touched, cap_touched;
    struct vhit *vhits; /* vocabulary units met by the query's units, with their similarity */
    size_t n_vhits, cap_vhits;
    struct probes probes;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    struct scratch *s = p;
    if (!s) return;
    free(s->acc);
    free(s->vstamp);
    free(s->touched);
    free(s->vhits);
    free(s);
}

static void scratch_key_make(void)
{
    CL_ASSERT(pthread_key_create(&scratch_key, scratch_free) == 0);
}

static struct scratch *thread_scratch(const struct cl_screen_index *idx)
{
    pthread_once(&scratch_once, scratch_key_make);
    struct scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s) return NULL;
        pthread_setspecific(scratch_key, s);
    }
    if (s->serial != idx->serial) {
        free(s->acc);
        free(s->vstamp);
        s->acc = calloc(idx->n_recs ? idx->n_recs : 1, sizeof(struct acc));
        s->vstamp = calloc(idx->n_vocab ? idx->n_vocab : 1, sizeof(uint32_t));
        s->n_acc = idx->n_recs;
        s->n_vstamp = idx->n_vocab;
        s->stamp = 0;
        s->vcur = 0;
        if (!s->acc || !s->vstamp) {
            free(s->acc);
            free(s->vstamp);
            s->acc = NULL;
            s->vstamp = NULL;
            s->serial = 0;
            return NULL;
        }
        s->serial = idx->serial;
    }
    return s;
}

static void next_stamp(struct scratch *s)
{
    if (++s->stamp == 0) {
        memset(s->acc, 0, s->n_acc * sizeof(struct acc));
        s->stamp = 1;
    }
}

static void next_vstamp(struct scratch *s)
{
    if (++s->vcur == 0) {
        memset(s->vstamp, 0, s->n_vstamp * sizeof(uint32_t));
        s->vcur = 1;
    }
}

/* ---- retrieval ----------------------------------------------------------------------------------------------- */

/* Retrieval runs in two passes. First, each query unit finds the vocabulary units it meets (exact, deletion
 * variants, skeleton) and their similarity. Then, token by token, the postings of those vocabulary units give each
 * record the best contribution of any unit covering that token, a join's contribution shared equally among the
 * tokens it covers. Summed over tokens this bounds the score's numerator: the scorer's units do not overlap, so
 * each one's contribution is at most the sum of its tokens' shares. */

struct retr {
    const struct cl_screen_index *idx;
    struct scratch *s;
    const struct sn_unit *u;
    bool oom;
};

static void visit_vocab(struct retr *r, uint32_t vid)
{
    struct scratch *s = r->s;
    if (s->vstamp[vid] == s->vcur) return;
    s->vstamp[vid] = s->vcur;
    const struct cl_screen_index *idx = r->idx;
    const struct vocab *vv = &idx->vocab[vid];
    const struct sn_unit *q = r->u;
    /* most deletion-variant hits are near misses: reject them from the vocabulary record alone */
    if (vv->len != q->len || vv->span != (q->span > 1 ? 2 : 1)) {
        bool skel = q->skel_len >= 2 && q->skel_len == vv->skel_len && q->skel_h == vv->skel_h;
        int budget = (q->span == 1 && vv->span == 1) ? sn_edit_budget(q->len, vv->len) : 0;
        int ld = (int)q->len - (int)vv->len;
        bool edit = budget > 0 && ld <= budget && -ld <= budget && __builtin_popcount(q->mask ^ vv->mask) <= 2 * budget;
        if (!skel && !edit) return;
    }
    struct sn_unit vu;
    memcpy(vu.s, idx->strs + vv->str, (size_t)vv->len + 1);
    vu.len = vv->len;
    vu.cls = vv->cls;
    vu.span = vv->span;
    vu.first = 0;
    vu.tmask = vv->span == 1 ? 1u : 3u;
    vu.w = 1.0f;
    vu.skel_len = vv->skel_len;
    vu.skel_h = vv->skel_h;
    vu.mask = vv->mask;
    vu.translit = vv->translit;
    double sim = sn_unit_sim(r->u, &vu, NULL);
    if (sim <= 0.0) return;
    if (!reserve((void **)&s->vhits, &s->cap_vhits, s->n_vhits + 1, sizeof(struct vhit))) {
        r->oom = true;
        return;
    }
    s->vhits[s->n_vhits++] = (struct vhit){vid, (float)sim};
}

/* The keys of one query unit, gathered first and looked up together: each probe touches three large arrays (filter,
 * directory, keys) and then the vocabulary; issuing the loads of all probes before using any lets them overlap. */

static void probe_add(struct probes *p, uint64_t h)
{
    for (int i = p->n - 1; i >= 0 && i >= p->n - 8; i--)
        if (p->h[i] == h) return; /* repeated letters give repeated variants, usually close together */
    CL_ASSERT(p->n < PROBES_MAX);
    p->h[p->n++] = h;
}

static void probe_delete(void *ctx, const char *v, size_t n)
{
    probe_add(ctx, sn_hash64(v, n, SEED_DELETE));
}

static void probe_all(struct retr *r, struct probes *p)
{
    const struct cl_screen_index *idx = r->idx;
    uint32_t mask = (1u << idx->bloom_bits) - 1;
    for (int i = 0; i < p->n; i++) {
        uint64_t h = p->h[i];
        __builtin_prefetch(&idx->bloom[((uint32_t)h & mask) >> 6]);
        __builtin_prefetch(&idx->bloom[((uint32_t)(h >> 23) & mask) >> 6]);
    }
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        uint64_t h = p->h[i];
        uint32_t b1 = (uint32_t)h & mask, b2 = (uint32_t)(h >> 23) & mask;
        if (!(idx->bloom[b1 >> 6] & (1ull << (b1 & 63))) || !(idx->bloom[b2 >> 6] & (1ull << (b2 & 63)))) continue;
        p->h[k++] = h;
        __builtin_prefetch(&idx->dir[h >> (64 - idx->dir_bits)]);
    }
    p->n = k;
    uint32_t from[PROBES_MAX], to[PROBES_MAX];
    for (int i = 0; i < p->n; i++) {
        size_t b = (size_t)(p->h[i] >> (64 - idx->dir_bits));
        from[i] = idx->dir[b];
        to[i] = idx->dir[b + 1];
        if (from[i] < to[i]) __builtin_prefetch(&idx->keys[from[i]]);
    }
    uint32_t vids[256];
    int nv = 0;
    for (int i = 0; i < p->n; i++) {
        uint32_t lo = KEY_LO(p->h[i], idx->dir_bits);
        for (uint32_t k2 = from[i]; k2 < to[i]; k2++) {
            if (idx->keys[k2].lo != lo) continue;
            if (nv == (int)(sizeof(vids) / sizeof(vids[0]))) { /* full: visit what we have, go on */
                for (int j = 0; j < nv; j++)
                    visit_vocab(r, vids[j]);
                nv = 0;
            }
            vids[nv++] = idx->keys[k2].vocab;
            __builtin_prefetch(&idx->vocab[idx->keys[k2].vocab]);
            __builtin_prefetch(&r->s->vstamp[idx->keys[k2].vocab]);
        }
    }
    for (int i = 0; i < nv; i++)
        visit_vocab(r, vids[i]);
}

static bool retrievable(const struct sn_unit *u)
{
    return !(u->span == 1 && (u->cls == SN_INITIAL || u->cls == SN_LEGAL));
}

/* Fills the accumulators of every record that meets a retrievable query unit. Returns false if the query has no
 * retrievable unit. */
static bool retrieve(const struct cl_screen_index *idx, struct scratch *s, int n_tok, const struct sn_unit *qu, int nqu,
                     bool *oom)
{
    struct retr r = {idx, s, NULL, false};
    uint32_t off[SN_UNITS_MAX + 1];
    bool any = false;
    s->n_vhits = 0;
    for (int i = 0; i < nqu; i++) {
        const struct sn_unit *u = &qu[i];
        off[i] = (uint32_t)s->n_vhits;
        if (!retrievable(u)) continue;
        any = true;
        r.u = u;
        next_vstamp(s); /* a vocabulary unit is visited once per query unit */
        struct probes *p = &s->probes;
        p->n = 0;
        probe_add(p, sn_hash64(u->s, u->len, SEED_EXACT));
        if (u->span == 1 && fuzzy_class(u->cls) && u->len >= 4)
            deletions(u->s, u->len, deletion_depth(u->len), probe_delete, p);
        if (u->skel_len >= 2) probe_add(p, u->skel_h);
        probe_all(&r, p);
    }
    off[nqu] = (uint32_t)s->n_vhits;
    for (int t = 0; t < n_tok && !r.oom; t++) {
        uint16_t tok_no = (uint16_t)(t + 1);
        for (int i = 0; i < nqu; i++) {
            const struct sn_unit *u = &qu[i];
            if (!(u->tmask & (1u << t))) continue;
            for (uint32_t h = off[i]; h < off[i + 1]; h++) {
                const struct vocab *vv = &idx->vocab[s->vhits[h].vocab];
                float sim = s->vhits[h].sim, share = 1.0f / (float)u->span;
                for (uint32_t p = vv->post_off; p < vv->post_off + vv->post_n; p++) {
                    const struct posting *po = &idx->posts[p];
                    struct acc *a = &s->acc[po->rec];
                    float c = sim * (u->w + po->w) * share;
                    if (a->stamp != s->stamp) {
                        a->stamp = s->stamp;
                        a->unit = tok_no;
                        a->cur = c;
                        a->sum = 0;
                        a->ntok = 1;
                        if (!reserve((void **)&s->touched, &s->cap_touched, s->n_touched + 1, sizeof(uint32_t))) {
                            r.oom = true;
                            break;
                        }
                        s->touched[s->n_touched++] = po->rec;
                    } else if (a->unit != tok_no) {
                        a->sum += a->cur;
                        a->cur = c;
                        a->unit = tok_no;
                        a->ntok++;
                    } else if (c > a->cur) {
                        a->cur = c;
                    }
                }
            }
        }
    }
    *oom = r.oom;
    return any;
}

/* ---- screening ----------------------------------------------------------------------------------------------- */

struct hit {
    uint32_t rec;
    uint16_t qname;
    uint8_t qvariant;
    float score; /* with qualifiers */
    float name_score;
};

static int hit_cmp(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->rec < y->rec ? -1 : (x->rec > y->rec);
}

/* Per-thread query state (the sets are large). */
struct qstate {
    struct sn_set qs;
    struct sn_name ln;
    struct sn_unit qu[SN_UNITS_MAX], lu[SN_UNITS_MAX];
};
static _Thread_local struct qstate *qstate_tls;
static pthread_key_t qstate_key;
static pthread_once_t qstate_once = PTHREAD_ONCE_INIT;
static void qstate_key_make(void)
{
    CL_ASSERT(pthread_key_create(&qstate_key, free) == 0);
}
static struct qstate *thread_qstate(void)
{
    if (qstate_tls) return qstate_tls;
    pthread_once(&qstate_once, qstate_key_make);
    qstate_tls = malloc(sizeof(struct qstate));
    if (qstate_tls) pthread_setspecific(qstate_key, qstate_tls);
    return qstate_tls;
}

static bool variants_meet(int qv, int lv)
{
    return (qv == SN_V_ORIGINAL) == (lv == SN_V_ORIGINAL);
}

static double qside_wmin(const struct sn_name *q)
{
    double w = 0;
    for (int i = 0; i < q->n; i++)
        w += q->tok[i].core ? q->tok[i].w : q->tok[i].w * SN_MIDDLE_FACTOR;
    return w;
}

static double qside_wfull(const struct sn_name *q)
{
    double w = 0;
    for (int i = 0; i < q->n; i++)
        w += q->tok[i].w;
    return w;
}

static double q_extra(const struct sn_unit *qu, int nqu)
{
    double x = 0;
    for (int i = 0; i < nqu; i++) {
        if (qu[i].span != 1) continue;
        if (qu[i].cls == SN_INITIAL) x += SN_INITIAL_SIM * (qu[i].w + 1.0);
        if (qu[i].cls == SN_LEGAL) x += 1.0 * (qu[i].w + 0.15);
    }
    return x;
}

struct hits {
    struct hit *v;
    size_t n, cap;
};

static bool hits_add(struct hits *h, struct hit x)
{
    if (!reserve((void **)&h->v, &h->cap, h->n + 1, sizeof(struct hit))) return false;
    h->v[h->n++] = x;
    return true;
}

static enum cl_err score_rec(const struct cl_screen_index *idx, const struct cl_screen_config *cfg,
                             const struct cl_screen_party *party, struct qstate *st, const struct sn_name *qn, int nqu,
                             uint32_t rid, uint16_t qname, uint8_t qv, struct hits *hits, size_t *scored)
{
    const struct rec *r = &idx->recs[rid];
    rec_to_name(idx, r, &st->ln);
    int nlu = sn_units(&st->ln, st->lu);
    double s = sn_score_names(qn, st->qu, nqu, &st->ln, st->lu, nlu, r->lenient, NULL, NULL);
    (*scored)++;
    const struct cl_screen_entry *e = &idx->lists->entries[r->entry];
    const char *txt;
    double adj = sn_qualifiers(cfg, party, e, NULL, &txt);
    double f = s + adj;
    if (f > 1.0) f = 1.0;
    if (f < 0.0) f = 0.0;
    if (f + 1e-9 < cfg->review) return CL_OK;
    if (!hits_add(hits, (struct hit){rid, qname, qv, (float)f, (float)s})) return CL_ERR_NOMEM;
    return CL_OK;
}

enum cl_err cl_screen_party_screen(const struct cl_screen_index *idx, const struct cl_screen_config *cfg,
                                   const struct cl_screen_party *party, bool full_scan, struct cl_arena *arena,
                                   struct cl_screen_result *out, struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    if (party->n_names == 0) return cl_error_set(err, CL_ERR_USAGE, "a party to screen needs a name");
    if (party->n_names > CL_LIMIT_NAMES_PER_QUERY)
        return cl_error_set(err, CL_ERR_LIMIT, "more than %d names in one party", CL_LIMIT_NAMES_PER_QUERY);
    for (size_t i = 0; i < party->n_names; i++)
        if (strlen(party->names[i]) > CL_LIMIT_NAME_BYTES)
            return cl_error_set(err, CL_ERR_LIMIT, "name %zu is longer than %u bytes", i + 1,
                                (unsigned)CL_LIMIT_NAME_BYTES);
    struct qstate *st = thread_qstate();
    struct scratch *s = full_scan ? NULL : thread_scratch(idx);
    if (!st || (!full_scan && !s)) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    struct hits hits = {0};
    enum cl_err rc = CL_OK;
    size_t scored = 0;
    double boost = sn_qualifier_boost_max(cfg, party);
    bool individual_q = party->type == CL_SCREEN_TYPE_INDIVIDUAL;
    for (size_t ni = 0; ni < party->n_names && !rc; ni++) {
        const char *name = party->names[ni];
        sn_normalize(name, strlen(name), individual_q, &st->qs);
        for (int v = 0; v < st->qs.n && !rc; v++) {
            const struct sn_name *qn = &st->qs.v[v];
            int nqu = sn_units(qn, st->qu);
            bool scan = full_scan;
            if (!scan) {
                next_stamp(s);
                s->n_touched = 0;
                bool oom = false;
                bool any = retrieve(idx, s, qn->n, st->qu, nqu, &oom);
                if (oom) {
                    rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
                    break;
                }
                if (!any) {
                    scan = true; /* only initials and legal forms: nothing to retrieve with */
                } else {
                    double wq_min = qside_wmin(qn), wq_full = qside_wfull(qn), extra = q_extra(st->qu, nqu);
                    int retrievable_toks = 0;
                    for (int t = 0; t < qn->n; t++)
                        retrievable_toks += qn->tok[t].cls != SN_INITIAL && qn->tok[t].cls != SN_LEGAL;
                    for (size_t t = 0; t < s->n_touched && !rc; t++) {
                        uint32_t rid = s->touched[t];
                        struct acc *a = &s->acc[rid];
                        const struct rbound *r = &idx->rb[rid];
                        if (!variants_meet(qn->variant, r->variant)) continue;
                        double num = a->sum + a->cur + extra + r->init_bonus;
                        double den = (r->lenient ? wq_min : wq_full) + r->wmin;
                        double ub = den > 0 ? num / den : 0;
                        if (r->comma && a->ntok >= retrievable_toks && ub < SN_SURNAME_ONLY) ub = SN_SURNAME_ONLY;
                        if (ub > 1.0) ub = 1.0;
                        if (ub + boost + 1e-6 < cfg->review) continue;
                        rc = score_rec(idx, cfg, party, st, qn, nqu, rid, (uint16_t)ni, (uint8_t)v, &hits, &scored);
                    }
                }
            }
            if (scan) {
                for (size_t rid = 0; rid < idx->n_recs && !rc; rid++) {
                    if (!variants_meet(qn->variant, idx->recs[rid].variant)) continue;
                    rc = score_rec(idx, cfg, party, st, qn, nqu, (uint32_t)rid, (uint16_t)ni, (uint8_t)v, &hits,
                                   &scored);
                }
            }
        }
    }
    if (rc) {
        free(hits.v);
        if (rc == CL_ERR_NOMEM) return cl_error_set(err, rc, "out of memory");
        return rc;
    }
    out->candidates = scored;
    /* best hit per entry, best first */
    if (hits.n) qsort(hits.v, hits.n, sizeof(struct hit), hit_cmp);
    size_t keep = 0;
    for (size_t i = 0; i < hits.n; i++) {
        uint32_t e = idx->recs[hits.v[i].rec].entry;
        bool dup = false;
        for (size_t j = 0; j < keep && !dup; j++)
            dup = idx->recs[hits.v[j].rec].entry == e;
        if (!dup) hits.v[keep++] = hits.v[i];
        if (keep >= cfg->max_matches) break;
    }
    out->decision = CL_SCREEN_CLEAR;
    if (keep) {
        out->best_score = hits.v[0].score;
        out->decision = out->best_score >= cfg->block ? CL_SCREEN_BLOCK : CL_SCREEN_REVIEW;
        out->matches = cl_arena_alloc(arena, keep * sizeof(*out->matches));
        if (!out->matches) {
            free(hits.v);
            return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < keep; i++) {
        const struct hit *h = &hits.v[i];
        const struct rec *r = &idx->recs[h->rec];
        const struct cl_screen_entry *e = &idx->lists->entries[r->entry];
        struct cl_screen_match *m = &out->matches[out->n_matches++];
        m->entry = e;
        m->list = cl_arena_strdup(arena, e->list);
        m->entry_id = cl_arena_strdup(arena, e->id);
        m->source = cl_arena_strdup(arena, e->source ? e->source : "");
        m->matched_name = cl_arena_strdup(arena, e->names[r->name].text);
        m->query_name = cl_arena_strdup(arena, party->names[h->qname]);
        /* the explanation, recomputed for the few reported */
        const char *q = party->names[h->qname];
        if (party->n_names > 1) sn_normalize(q, strlen(q), individual_q, &st->qs); /* else still the one name's */
        const struct sn_name *qn = &st->qs.v[h->qvariant < st->qs.n ? h->qvariant : 0];
        int nqu = sn_units(qn, st->qu);
        rec_to_name(idx, r, &st->ln);
        int nlu = sn_units(&st->ln, st->lu);
        sn_score_names(qn, st->qu, nqu, &st->ln, st->lu, nlu, r->lenient, arena, &m->explain);
        sn_qualifiers(cfg, party, e, arena, &m->explain.qualifiers);
        m->explain.score = h->score;
        m->explain.name_score = h->name_score;
        if (!m->list || !m->entry_id || !m->matched_name || !m->query_name) {
            free(hits.v);
            return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        }
    }
    free(hits.v);
    return CL_OK;
}
