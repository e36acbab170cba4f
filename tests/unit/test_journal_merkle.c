/* Unit tests for the pure Merkle core: RFC 6962 known answers, the 8-leaf reference tree published with the
 * transparency-dev/merkle test data (roots for every size, node hashes, inclusion and consistency proofs), every
 * proof of small trees against a naive reading of RFC 6962, and proofs that must not verify. */
#include <stdlib.h>
#include <string.h>

#include "clearance/journal.h"
#include "test.h"

#define H CL_JOURNAL_HASH_BYTES

static void unhex(const char *s, uint8_t *out)
{
    size_t n = strlen(s) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void to_hex(const uint8_t *h, char out[2 * H + 1])
{
    for (size_t i = 0; i < H; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

#define CHECK_HASH(actual, expected_hex)                                                                               \
    do {                                                                                                               \
        char got_[2 * H + 1];                                                                                          \
        to_hex((actual), got_);                                                                                        \
        CHECK_STR(got_, (expected_hex));                                                                               \
    } while (0)

/* ---- the published reference tree ---------------------------------------------------------------------- */

static const char *const ref_leaf_inputs[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};
/* Node hashes of every complete subtree, by level. */
static const char *const ref_level0[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
};
static const char *const ref_level1[4] = {
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
};
static const char *const ref_level2[2] = {
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
};
static const char *const ref_level3 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
/* Roots for sizes 0 to 8. */
static const char *const ref_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct published_proof {
    uint64_t a, size; /* inclusion: leaf index (0-based); consistency: old size */
    size_t n;
    const char *hashes[3];
};
/* The inclusion proofs published with the reference tree (their indexes there are 1-based). */
static const struct published_proof ref_inclusion[] = {
    {0,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {0, 1, 0, {NULL}},
};
static const struct published_proof ref_consistency[] = {
    {1, 1, 0, {NULL}},
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

/* ---- a naive tree, read straight from the RFC 6962 definitions ---------------------------------------- */

struct tree {
    size_t n;
    uint8_t (*leaf)[H]; /* leaf hashes */
    int lookups;
};

/* MTH(D[a:b]), recursively. */
static void mth(const struct tree *t, size_t a, size_t b, uint8_t out[H])
{
    if (b == a) {
        cl_journal_empty_root(out);
        return;
    }
    if (b - a == 1) {
        memcpy(out, t->leaf[a], H);
        return;
    }
    size_t k = 1;
    while (k * 2 < b - a)
        k *= 2;
    uint8_t l[H], r[H];
    mth(t, a, a + k, l);
    mth(t, a + k, b, r);
    cl_journal_node_hash(l, r, out);
}

/* PATH(m, D[a:b]) appended to out (leaves first). */
static void path(const struct tree *t, size_t m, size_t a, size_t b, uint8_t (*out)[H], size_t *n)
{
    if (b - a <= 1) return;
    size_t k = 1;
    while (k * 2 < b - a)
        k *= 2;
    if (m < k) {
        path(t, m, a, a + k, out, n);
        mth(t, a + k, b, out[(*n)++]);
    } else {
        path(t, m - k, a + k, b, out, n);
        mth(t, a, a + k, out[(*n)++]);
    }
}

/* SUBPROOF(m, D[a:b], whole) appended to out. */
static void subproof(const struct tree *t, size_t m, size_t a, size_t b, int whole, uint8_t (*out)[H], size_t *n)
{
    if (m == b - a) {
        if (!whole) mth(t, a, b, out[(*n)++]);
        return;
    }
    size_t k = 1;
    while (k * 2 < b - a)
        k *= 2;
    if (m <= k) {
        subproof(t, m, a, a + k, whole, out, n);
        mth(t, a + k, b, out[(*n)++]);
    } else {
        subproof(t, m - k, a + k, b, 0, out, n);
        mth(t, a, a + k, out[(*n)++]);
    }
}

static enum cl_err tree_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H], struct cl_error *err)
{
    struct tree *t = ctx;
    size_t a = (size_t)index << level, b = a + ((size_t)1 << level);
    if (b > t->n)
        return cl_error_set(err, CL_ERR_INTERNAL, "node (%u, %llu) is not complete", level, (unsigned long long)index);
    t->lookups++;
    mth(t, a, b, out);
    return CL_OK;
}

static void tree_init(struct tree *t, size_t n)
{
    t->n = n;
    t->lookups = 0;
    t->leaf = calloc(n ? n : 1, H);
    for (size_t i = 0; i < n; i++) {
        char data[32];
        int len = snprintf(data, sizeof(data), "leaf %zu", i);
        cl_journal_leaf_hash(data, (size_t)len, t->leaf[i]);
    }
}

static struct tree ref_tree(void)
{
    struct tree t = {8, calloc(8, H), 0};
    for (size_t i = 0; i < 8; i++) {
        uint8_t in[16];
        unhex(ref_leaf_inputs[i], in);
        cl_journal_leaf_hash(in, strlen(ref_leaf_inputs[i]) / 2, t.leaf[i]);
    }
    return t;
}

/* ---- tests ------------------------------------------------------------------------------------------------ */

TEST(rfc6962_known_answers)
{
    uint8_t h[H];
    cl_journal_empty_root(h);
    CHECK_HASH(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cl_journal_leaf_hash(NULL, 0, h); /* an empty leaf is not the empty tree */
    CHECK_HASH(h, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    cl_journal_leaf_hash("L123456", 7, h);
    CHECK_HASH(h, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
    /* node hashes: the reference tree's level 1 from its leaves */
    struct tree t = ref_tree();
    for (size_t i = 0; i < 4; i++) {
        cl_journal_node_hash(t.leaf[2 * i], t.leaf[2 * i + 1], h);
        CHECK_HASH(h, ref_level1[i]);
    }
    uint8_t a[H], b[H];
    cl_journal_node_hash(t.leaf[0], t.leaf[1], a);
    cl_journal_node_hash(t.leaf[1], t.leaf[0], b);
    CHECK(memcmp(a, b, H) != 0); /* order matters */
    free(t.leaf);
}

static enum cl_err record_node(void *ctx, unsigned level, uint64_t index, const uint8_t hash[H], struct cl_error *err)
{
    (void)err;
    const char *expect = NULL;
    if (level == 0 && index < 8) expect = ref_level0[index];
    if (level == 1 && index < 4) expect = ref_level1[index];
    if (level == 2 && index < 2) expect = ref_level2[index];
    if (level == 3 && index == 0) expect = ref_level3;
    CHECK(expect != NULL);
    if (expect) CHECK_HASH(hash, expect);
    (*(int *)ctx)++;
    return CL_OK;
}

TEST(reference_tree_roots_and_nodes)
{
    struct tree t = ref_tree();
    struct cl_journal_frontier f;
    cl_journal_frontier_init(&f);
    uint8_t root[H];
    cl_journal_frontier_root(&f, root);
    CHECK_HASH(root, ref_roots[0]);
    int nodes = 0;
    struct cl_error e = {0};
    for (size_t i = 0; i < 8; i++) {
        CHECK_INT(cl_journal_frontier_append(&f, t.leaf[i], record_node, &nodes, &e), CL_OK);
        cl_journal_frontier_root(&f, root);
        CHECK_HASH(root, ref_roots[i + 1]);
        CHECK_INT(cl_journal_frontier_count(&f), __builtin_popcount((unsigned)(i + 1)));
    }
    CHECK_INT(nodes, 15); /* 8 leaves and 7 interior nodes, each reported once */
    /* the frontier of size 7 is the published compact tree {level 2 [0], level 1 [2], level 0 [6]} */
    cl_journal_frontier_init(&f);
    for (size_t i = 0; i < 7; i++)
        cl_journal_frontier_append(&f, t.leaf[i], NULL, NULL, &e);
    CHECK_HASH(f.hashes[0], ref_level2[0]);
    CHECK_HASH(f.hashes[1], ref_level1[2]);
    CHECK_HASH(f.hashes[2], ref_level0[6]);
    free(t.leaf);
}

static enum cl_err failing_sink(void *ctx, unsigned level, uint64_t index, const uint8_t hash[H], struct cl_error *err)
{
    (void)ctx;
    (void)hash;
    if (level == 2) return cl_error_set(err, CL_ERR_STORE, "refused node (%u, %llu)", level, (unsigned long long)index);
    return CL_OK;
}

TEST(frontier_unchanged_when_sink_fails)
{
    struct tree t = ref_tree();
    struct cl_journal_frontier f, before;
    struct cl_error e = {0};
    cl_journal_frontier_init(&f);
    for (size_t i = 0; i < 3; i++)
        cl_journal_frontier_append(&f, t.leaf[i], NULL, NULL, &e);
    before = f;
    /* the fourth leaf closes a level-2 subtree, which the sink refuses */
    CHECK_INT(cl_journal_frontier_append(&f, t.leaf[3], failing_sink, NULL, &e), CL_ERR_STORE);
    CHECK_CONTAINS(e.msg, "refused node (2, 0)");
    CHECK_INT(f.size, 3);
    CHECK(memcmp(f.hashes, before.hashes, 3 * H) == 0);
    free(t.leaf);
}

static void check_published(const struct published_proof *p, const struct cl_journal_proof *got)
{
    CHECK_INT(got->n_hashes, p->n);
    for (size_t i = 0; i < p->n && i < got->n_hashes; i++)
        CHECK_HASH(got->hashes[i], p->hashes[i]);
}

TEST(reference_tree_published_proofs)
{
    struct tree t = ref_tree();
    struct cl_error e = {0};
    struct cl_journal_proof p;
    for (size_t i = 0; i < sizeof(ref_inclusion) / sizeof(ref_inclusion[0]); i++) {
        const struct published_proof *v = &ref_inclusion[i];
        struct tree sub = t;
        sub.n = v->size;
        CHECK_INT(cl_journal_inclusion_build(v->a, v->size, tree_node, &sub, &p, &e), CL_OK);
        check_published(v, &p);
        uint8_t root[H];
        unhex(ref_roots[v->size], root);
        CHECK_INT(cl_journal_inclusion_verify(&p, t.leaf[v->a], root, &e), CL_OK);
    }
    for (size_t i = 0; i < sizeof(ref_consistency) / sizeof(ref_consistency[0]); i++) {
        const struct published_proof *v = &ref_consistency[i];
        struct tree sub = t;
        sub.n = v->size;
        CHECK_INT(cl_journal_consistency_build(v->a, v->size, tree_node, &sub, &p, &e), CL_OK);
        check_published(v, &p);
        uint8_t r1[H], r2[H];
        unhex(ref_roots[v->a], r1);
        unhex(ref_roots[v->size], r2);
        CHECK_INT(cl_journal_consistency_verify(&p, r1, r2, &e), CL_OK);
    }
    if (e.code) fprintf(stderr, "  %s\n", e.msg);
    free(t.leaf);
}

/* Every inclusion and consistency proof of every tree up to 70 leaves equals the naive recursion, verifies,
 * and asks for O(log n) subtree hashes. */
TEST(all_small_trees_match_the_rfc_definitions)
{
    struct tree t;
    tree_init(&t, 70);
    struct cl_error e = {0};
    int bad = 0;
    for (size_t n = 1; n <= 70; n++) {
        struct tree sub = t;
        sub.n = n;
        uint8_t root[H];
        mth(&t, 0, n, root);
        for (size_t m = 0; m < n; m++) {
            struct cl_journal_proof p;
            uint8_t want[64][H];
            size_t nw = 0;
            path(&t, m, 0, n, want, &nw);
            sub.lookups = 0;
            if (cl_journal_inclusion_build(m, n, tree_node, &sub, &p, &e) || p.n_hashes != nw ||
                memcmp(p.hashes, want, nw * H) != 0 || cl_journal_inclusion_verify(&p, t.leaf[m], root, &e) ||
                sub.lookups > 2 * 7 + 1)
                bad++;
        }
        for (size_t m = 0; m <= n; m++) {
            struct cl_journal_proof p;
            uint8_t want[64][H], old_root[H];
            size_t nw = 0;
            if (m > 0 && m < n) subproof(&t, m, 0, n, 1, want, &nw);
            mth(&t, 0, m, old_root);
            if (cl_journal_consistency_build(m, n, tree_node, &sub, &p, &e) || p.n_hashes != nw ||
                memcmp(p.hashes, want, nw * H) != 0 || cl_journal_consistency_verify(&p, old_root, root, &e))
                bad++;
        }
    }
    CHECK_INT(bad, 0);
    if (e.code) fprintf(stderr, "  last error: %s\n", e.msg);
    free(t.leaf);
}

static int verifies_inclusion(struct cl_journal_proof p, uint64_t index, uint64_t size, const uint8_t leaf[H],
                              const uint8_t root[H])
{
    struct cl_error e = {0};
    p.index = index;
    p.size = size;
    enum cl_err rc = cl_journal_inclusion_verify(&p, leaf, root, &e);
    if (rc) CHECK_INT(rc, CL_ERR_CRYPTO);
    return rc == CL_OK;
}

static void insert_hash(struct cl_journal_proof *p, size_t at, const uint8_t h[H])
{
    memmove(p->hashes[at + 1], p->hashes[at], (p->n_hashes - at) * H);
    memcpy(p->hashes[at], h, H);
    p->n_hashes++;
}

/* The corruptions of the reference test suite: every one must be refused. */
TEST(negative_inclusion_proofs)
{
    struct tree t;
    tree_init(&t, 64);
    struct cl_error e = {0};
    uint8_t some[H], empty[H];
    unhex("abacaba000000000000000000000000000000000000000000060061e00123456", some);
    cl_journal_empty_root(empty);
    int accepted = 0, checked = 0;
    for (size_t n = 1; n <= 40; n++) {
        struct tree sub = t;
        sub.n = n;
        uint8_t root[H];
        mth(&t, 0, n, root);
        for (size_t m = 0; m < n; m++) {
            struct cl_journal_proof p;
            CHECK_INT(cl_journal_inclusion_build(m, n, tree_node, &sub, &p, &e), CL_OK);
            CHECK(verifies_inclusion(p, m, n, t.leaf[m], root));
            /* wrong index; an index that hashes the same way is accepted only if it is the same leaf */
            if (m > 0) accepted += verifies_inclusion(p, m - 1, n, t.leaf[m], root);
            accepted += verifies_inclusion(p, m + 1, n, t.leaf[m], root);
            if ((m ^ 2) != m) accepted += verifies_inclusion(p, m ^ 2, n, t.leaf[m], root);
            /* wrong size */
            accepted += verifies_inclusion(p, m, n * 2, t.leaf[m], root);
            if (n / 2 != n) accepted += verifies_inclusion(p, m, n / 2, t.leaf[m], root);
            /* wrong leaf or root */
            accepted += verifies_inclusion(p, m, n, some, root);
            accepted += verifies_inclusion(p, m, n, t.leaf[m], empty);
            accepted += verifies_inclusion(p, m, n, t.leaf[m], some);
            /* garbage at either end */
            struct cl_journal_proof q = p;
            insert_hash(&q, q.n_hashes, root);
            accepted += verifies_inclusion(q, m, n, t.leaf[m], root);
            q = p;
            insert_hash(&q, 0, root);
            accepted += verifies_inclusion(q, m, n, t.leaf[m], root);
            /* one flipped bit in each hash */
            for (size_t i = 0; i < p.n_hashes; i++) {
                q = p;
                q.hashes[i][0] ^= 8;
                accepted += verifies_inclusion(q, m, n, t.leaf[m], root);
            }
            /* a hash removed, a hash inserted */
            if (p.n_hashes > 0) {
                q = p;
                q.n_hashes--;
                accepted += verifies_inclusion(q, m, n, t.leaf[m], root);
            }
            if (p.n_hashes > 1) {
                q = p;
                insert_hash(&q, 1, some);
                accepted += verifies_inclusion(q, m, n, t.leaf[m], root);
            }
            checked++;
        }
    }
    CHECK_INT(accepted, 0);
    CHECK(checked == 40 * 41 / 2);
    /* building rejects a leaf outside the tree */
    struct cl_journal_proof p;
    CHECK_INT(cl_journal_inclusion_build(5, 5, tree_node, &t, &p, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "leaf 5 is not in a tree of 5 leaves");
    free(t.leaf);
}

static int verifies_consistency(struct cl_journal_proof p, uint64_t m, uint64_t n, const uint8_t r1[H],
                                const uint8_t r2[H])
{
    struct cl_error e = {0};
    p.old_size = m;
    p.size = n;
    enum cl_err rc = cl_journal_consistency_verify(&p, r1, r2, &e);
    if (rc) CHECK_INT(rc, CL_ERR_CRYPTO);
    return rc == CL_OK;
}

TEST(negative_consistency_proofs)
{
    struct tree t;
    tree_init(&t, 64);
    struct cl_error e = {0};
    uint8_t some[H];
    unhex("abacaba000000000000000000000000000000000000000000060061e00123456", some);
    int accepted = 0;
    for (size_t n = 2; n <= 40; n++) {
        struct tree sub = t;
        sub.n = n;
        uint8_t r2[H];
        mth(&t, 0, n, r2);
        for (size_t m = 1; m < n; m++) {
            uint8_t r1[H];
            mth(&t, 0, m, r1);
            struct cl_journal_proof p, q;
            CHECK_INT(cl_journal_consistency_build(m, n, tree_node, &sub, &p, &e), CL_OK);
            CHECK(verifies_consistency(p, m, n, r1, r2));
            accepted += verifies_consistency(p, m - 1, n, r1, r2);
            accepted += verifies_consistency(p, m + 1, n, r1, r2);
            if ((m ^ 2) != m) accepted += verifies_consistency(p, m ^ 2, n, r1, r2);
            accepted += verifies_consistency(p, m, n * 2, r1, r2);
            accepted += verifies_consistency(p, m, n / 2, r1, r2);
            accepted += verifies_consistency(p, m, n, some, r2);
            accepted += verifies_consistency(p, m, n, r1, some);
            accepted += verifies_consistency(p, m, n, r2, r1);
            q = p;
            q.n_hashes = 0;
            accepted += verifies_consistency(q, m, n, r1, r2);
            q = p;
            insert_hash(&q, q.n_hashes, r1);
            accepted += verifies_consistency(q, m, n, r1, r2);
            q = p;
            insert_hash(&q, q.n_hashes, r2);
            accepted += verifies_consistency(q, m, n, r1, r2);
            q = p;
            insert_hash(&q, 0, r1);
            accepted += verifies_consistency(q, m, n, r1, r2);
            q = p;
            insert_hash(&q, 0, r2);
            accepted += verifies_consistency(q, m, n, r1, r2);
            q = p;
            insert_hash(&q, 0, p.hashes[0]);
            accepted += verifies_consistency(q, m, n, r1, r2);
            q = p;
            q.n_hashes--;
            accepted += verifies_consistency(q, m, n, r1, r2);
            for (size_t i = 0; i < p.n_hashes; i++) {
                q = p;
                q.hashes[i][0] ^= 16;
                accepted += verifies_consistency(q, m, n, r1, r2);
            }
        }
    }
    CHECK_INT(accepted, 0);
    /* the trivial cases */
    struct cl_journal_proof p = {.kind = CL_JOURNAL_PROOF_CONSISTENCY, .old_size = 3, .size = 3, .n_hashes = 0};
    uint8_t r[H];
    mth(&t, 0, 3, r);
    CHECK(verifies_consistency(p, 3, 3, r, r));
    CHECK(!verifies_consistency(p, 3, 3, r, some));
    CHECK(!verifies_consistency(p, 4, 3, r, r)); /* time travel */
    CHECK(verifies_consistency(p, 0, 3, some, r));
    p.n_hashes = 1;
    memcpy(p.hashes[0], r, H);
    CHECK(!verifies_consistency(p, 3, 3, r, r)); /* equal sizes need an empty proof */
    CHECK(!verifies_consistency(p, 0, 3, some, r));
    CHECK_INT(cl_journal_consistency_build(4, 3, tree_node, &t, &p, &e), CL_ERR_INPUT);
    free(t.leaf);
}

/* A node source that answers with a made-up hash, counting lookups. */
static enum cl_err counter(void *ctx, unsigned level, uint64_t index, uint8_t out[H], struct cl_error *err)
{
    (void)err;
    (*(int *)ctx)++;
    memset(out, (int)(level + index), H);
    return CL_OK;
}

/* A proof for a large tree asks for O(log n) subtree hashes. */
TEST(proofs_are_logarithmic)
{
    struct cl_error e = {0};
    struct cl_journal_proof p;
    uint64_t size = ((uint64_t)1 << 40) + 12345;
    int lookups = 0;
    CHECK_INT(cl_journal_inclusion_build(size - 1, size, counter, &lookups, &p, &e), CL_OK);
    CHECK(p.n_hashes <= 41);
    CHECK(lookups <= 2 * 41);
    lookups = 0;
    CHECK_INT(cl_journal_consistency_build(size / 3, size, counter, &lookups, &p, &e), CL_OK);
    CHECK(p.n_hashes <= 42);
    CHECK(lookups <= 3 * 42);
}

int main(void)
{
    RUN(rfc6962_known_answers);
    RUN(reference_tree_roots_and_nodes);
    RUN(frontier_unchanged_when_sink_fails);
    RUN(reference_tree_published_proofs);
    RUN(all_small_trees_match_the_rfc_definitions);
    RUN(negative_inclusion_proofs);
    RUN(negative_consistency_proofs);
    RUN(proofs_are_logarithmic);
    return TEST_EXIT();
}
