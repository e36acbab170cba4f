/* RFC 6962 Merkle hashing, the frontier, and inclusion and consistency proofs: pure functions, no storage.
 * SHA-256 comes from OpenSSL's libcrypto, whose implementation uses the CPU's SHA extensions: hashing is most of
 * an append's cost (bench/README.md). Its plain SHA256_Init/Update/Final calls avoid the provider look-ups that
 * EVP, and in OpenSSL 3 the one-shot SHA256() too, make per hash; they are marked deprecated in OpenSSL 3, hence
 * the API level below. */
#define OPENSSL_API_COMPAT 0x10100000L
#include <openssl/sha.h>
#include <sodium.h>
#include <string.h>

#include "clearance/journal.h"

#define HASH CL_JOURNAL_HASH_BYTES

void cl_journal_leaf_hash(const void *data, size_t len, uint8_t out[HASH])
{
    static const uint8_t prefix = 0x00;
    SHA256_CTX s;
    SHA256_Init(&s);
    SHA256_Update(&s, &prefix, 1);
    if (len) SHA256_Update(&s, data, len);
    SHA256_Final(out, &s);
}

void cl_journal_node_hash(const uint8_t left[HASH], const uint8_t right[HASH], uint8_t out[HASH])
{
    uint8_t buf[1 + 2 * HASH];
    buf[0] = 0x01;
    memcpy(buf + 1, left, HASH);
    memcpy(buf + 1 + HASH, right, HASH);
    SHA256_CTX s;
    SHA256_Init(&s);
    SHA256_Update(&s, buf, sizeof(buf));
    SHA256_Final(out, &s);
}

void cl_journal_empty_root(uint8_t out[HASH])
{
    SHA256_CTX s;
    SHA256_Init(&s);
    SHA256_Final(out, &s);
}

/* ---- frontier ------------------------------------------------------------------------------------------- */

void cl_journal_frontier_init(struct cl_journal_frontier *f)
{
    f->size = 0;
}

size_t cl_journal_frontier_count(const struct cl_journal_frontier *f)
{
    return (size_t)__builtin_popcountll(f->size);
}

enum cl_err cl_journal_frontier_append(struct cl_journal_frontier *f, const uint8_t leaf_hash[HASH],
                                       cl_journal_node_sink sink, void *ctx, struct cl_error *err)
{
    if (f->size >= CL_JOURNAL_SIZE_MAX)
        return cl_error_set(err, CL_ERR_LIMIT, "journal: the tree already holds the maximum of %llu leaves",
                            (unsigned long long)CL_JOURNAL_SIZE_MAX);
    size_t count = cl_journal_frontier_count(f);
    /* The new leaf closes one subtree per trailing one bit of size: those are the smallest entries of the
     * frontier, merged right to left. The frontier changes only once every sink call has succeeded. */
    unsigned merges = (unsigned)__builtin_ctzll(~f->size);
    CL_ASSERT(merges <= count);
    uint8_t cur[HASH];
    memcpy(cur, leaf_hash, HASH);
    if (sink) {
        enum cl_err rc = sink(ctx, 0, f->size, cur, err);
        if (rc) return rc;
    }
    for (unsigned j = 0; j < merges; j++) {
        cl_journal_node_hash(f->hashes[count - 1 - j], cur, cur);
        if (sink) {
            enum cl_err rc = sink(ctx, j + 1, f->size >> (j + 1), cur, err);
            if (rc) return rc;
        }
    }
    memcpy(f->hashes[count - merges], cur, HASH);
    f->size++;
    CL_ASSERT(cl_journal_frontier_count(f) == count - merges + 1);
    return CL_OK;
}

void cl_journal_frontier_root(const struct cl_journal_frontier *f, uint8_t out[HASH])
{
    size_t count = cl_journal_frontier_count(f);
    if (count == 0) {
        cl_journal_empty_root(out);
        return;
    }
    memcpy(out, f->hashes[count - 1], HASH);
    for (size_t j = count - 1; j-- > 0;)
        cl_journal_node_hash(f->hashes[j], out, out);
}

/* ---- proofs --------------------------------------------------------------------------------------------- */

static unsigned log2_floor(uint64_t x)
{
    return 63u - (unsigned)__builtin_clzll(x);
}

/* The largest power of two strictly below n (n >= 2): the split point k of RFC 6962. */
static uint64_t split_point(uint64_t n)
{
    return (uint64_t)1 << log2_floor(n - 1);
}

/* MTH(D[a:b]) for a range that is a subtree of the RFC 6962 structure (a is a multiple of the power of two at
 * or above b - a). It is the perfect subtrees of the binary decomposition of b - a, folded right to left: at most
 * 64 lookups and 63 hashes. */
static enum cl_err range_hash(uint64_t a, uint64_t b, cl_journal_node_fn node, void *ctx, uint8_t out[HASH],
                              struct cl_error *err)
{
    CL_ASSERT(a < b);
    uint8_t parts[64][HASH];
    size_t n = 0;
    do {
        unsigned level = log2_floor(b - a);
        uint64_t width = (uint64_t)1 << level;
        CL_ASSERT(a % width == 0);
        CL_ASSERT(n < 64);
        enum cl_err rc = node(ctx, level, a >> level, parts[n], err);
        if (rc) return rc;
        n++;
        a += width;
    } while (a < b);
    memcpy(out, parts[n - 1], HASH);
    for (size_t j = n - 1; j-- > 0;)
        cl_journal_node_hash(parts[j], out, out);
    return CL_OK;
}

enum cl_err cl_journal_root_build(uint64_t size, cl_journal_node_fn node, void *ctx, uint8_t out[HASH],
                                  struct cl_error *err)
{
    if (size > CL_JOURNAL_SIZE_MAX)
        return cl_error_set(err, CL_ERR_INPUT, "tree size %llu is too large", (unsigned long long)size);
    if (size == 0) {
        cl_journal_empty_root(out);
        return CL_OK;
    }
    return range_hash(0, size, node, ctx, out, err);
}

static void reverse_hashes(struct cl_journal_proof *p)
{
    for (size_t i = 0, j = p->n_hashes; i + 1 < j; i++, j--) {
        uint8_t t[HASH];
        memcpy(t, p->hashes[i], HASH);
        memcpy(p->hashes[i], p->hashes[j - 1], HASH);
        memcpy(p->hashes[j - 1], t, HASH);
    }
}

enum cl_err cl_journal_inclusion_build(uint64_t index, uint64_t size, cl_journal_node_fn node, void *ctx,
                                       struct cl_journal_proof *out, struct cl_error *err)
{
    if (size > CL_JOURNAL_SIZE_MAX)
        return cl_error_set(err, CL_ERR_INPUT, "tree size %llu is too large", (unsigned long long)size);
    if (index >= size)
        return cl_error_set(err, CL_ERR_INPUT, "leaf %llu is not in a tree of %llu leaves", (unsigned long long)index,
                            (unsigned long long)size);
    out->kind = CL_JOURNAL_PROOF_INCLUSION;
    out->index = index;
    out->old_size = 0;
    out->size = size;
    out->n_hashes = 0;
    /* PATH(m, D[0:n]) walked from the root down: each step keeps the half holding the leaf and records the hash
     * of the other half. The hashes come out root first and are reversed at the end. */
    uint64_t offset = 0, n = size, m = index;
    enum cl_err rc = CL_OK;
    while (n > 1) {
        uint64_t k = split_point(n);
        CL_ASSERT(out->n_hashes < CL_JOURNAL_PROOF_HASHES_MAX);
        uint8_t *h = out->hashes[out->n_hashes++];
        if (m < k) {
            rc = range_hash(offset + k, offset + n, node, ctx, h, err);
            n = k;
        } else {
            rc = node(ctx, log2_floor(k), offset >> log2_floor(k), h, err);
            offset += k;
            m -= k;
            n -= k;
        }
        if (rc) return rc;
    }
    reverse_hashes(out);
    return CL_OK;
}

enum cl_err cl_journal_consistency_build(uint64_t old_size, uint64_t size, cl_journal_node_fn node, void *ctx,
                                         struct cl_journal_proof *out, struct cl_error *err)
{
    if (size > CL_JOURNAL_SIZE_MAX)
        return cl_error_set(err, CL_ERR_INPUT, "tree size %llu is too large", (unsigned long long)size);
    if (old_size > size)
        return cl_error_set(err, CL_ERR_INPUT, "a tree of %llu leaves cannot be a prefix of one of %llu",
                            (unsigned long long)old_size, (unsigned long long)size);
    out->kind = CL_JOURNAL_PROOF_CONSISTENCY;
    out->index = 0;
    out->old_size = old_size;
    out->size = size;
    out->n_hashes = 0;
    if (old_size == 0 || old_size == size) return CL_OK;
    /* SUBPROOF(m, D[0:n], b) walked from the root down; `whole` is b: still on the left edge, where the old
     * tree's root is a node of the new tree and need not be sent. */
    uint64_t offset = 0, n = size, m = old_size;
    bool whole = true;
    enum cl_err rc = CL_OK;
    while (m != n) {
        uint64_t k = split_point(n);
        CL_ASSERT(out->n_hashes < CL_JOURNAL_PROOF_HASHES_MAX);
        uint8_t *h = out->hashes[out->n_hashes++];
        if (m <= k) {
            rc = range_hash(offset + k, offset + n, node, ctx, h, err);
            n = k;
        } else {
            rc = node(ctx, log2_floor(k), offset >> log2_floor(k), h, err);
            offset += k;
            m -= k;
            n -= k;
            whole = false;
        }
        if (rc) return rc;
    }
    if (!whole) {
        CL_ASSERT(out->n_hashes < CL_JOURNAL_PROOF_HASHES_MAX);
        rc = range_hash(offset, offset + n, node, ctx, out->hashes[out->n_hashes++], err);
        if (rc) return rc;
    }
    reverse_hashes(out);
    return CL_OK;
}

static enum cl_err mismatch(struct cl_error *err, const char *what)
{
    return cl_error_set(err, CL_ERR_CRYPTO, "proof does not verify: %s", what);
}

enum cl_err cl_journal_inclusion_verify(const struct cl_journal_proof *proof, const uint8_t leaf_hash[HASH],
                                        const uint8_t root[HASH], struct cl_error *err)
{
    if (proof->kind != CL_JOURNAL_PROOF_INCLUSION) return mismatch(err, "not an inclusion proof");
    if (proof->index >= proof->size) return mismatch(err, "the leaf index is not below the tree size");
    if (proof->n_hashes > CL_JOURNAL_PROOF_HASHES_MAX) return mismatch(err, "too many hashes");
    /* RFC 9162 section 2.1.3.2: fn walks the leaf's position up, sn the last leaf's. */
    uint64_t fn = proof->index, sn = proof->size - 1;
    uint8_t r[HASH];
    memcpy(r, leaf_hash, HASH);
    for (size_t i = 0; i < proof->n_hashes; i++) {
        if (sn == 0) return mismatch(err, "more hashes than the tree has levels");
        if ((fn & 1) || fn == sn) {
            cl_journal_node_hash(proof->hashes[i], r, r);
            while (fn != 0 && !(fn & 1)) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            cl_journal_node_hash(r, proof->hashes[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) return mismatch(err, "fewer hashes than the tree has levels");
    if (sodium_memcmp(r, root, HASH) != 0) return mismatch(err, "the computed root differs from the expected root");
    return CL_OK;
}

enum cl_err cl_journal_consistency_verify(const struct cl_journal_proof *proof, const uint8_t old_root[HASH],
                                          const uint8_t root[HASH], struct cl_error *err)
{
    if (proof->kind != CL_JOURNAL_PROOF_CONSISTENCY) return mismatch(err, "not a consistency proof");
    if (proof->old_size > proof->size) return mismatch(err, "the old tree is larger than the new one");
    if (proof->n_hashes > CL_JOURNAL_PROOF_HASHES_MAX) return mismatch(err, "too many hashes");
    if (proof->old_size == proof->size) {
        if (proof->n_hashes != 0) return mismatch(err, "a proof between equal sizes must be empty");
        if (sodium_memcmp(old_root, root, HASH) != 0) return mismatch(err, "equal sizes but different roots");
        return CL_OK;
    }
    if (proof->old_size == 0) {
        if (proof->n_hashes != 0) return mismatch(err, "a proof from the empty tree must be empty");
        return CL_OK;
    }
    if (proof->n_hashes == 0) return mismatch(err, "the proof is empty");
    /* RFC 9162 section 2.1.4.2. When the old size is a power of two, its root is the implicit first hash. */
    const uint8_t *path[CL_JOURNAL_PROOF_HASHES_MAX + 1];
    size_t n = 0;
    uint64_t m = proof->old_size;
    if ((m & (m - 1)) == 0) path[n++] = old_root;
    for (size_t i = 0; i < proof->n_hashes; i++)
        path[n++] = proof->hashes[i];
    uint64_t fn = m - 1, sn = proof->size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[HASH], sr[HASH];
    memcpy(fr, path[0], HASH);
    memcpy(sr, path[0], HASH);
    for (size_t i = 1; i < n; i++) {
        if (sn == 0) return mismatch(err, "more hashes than the tree has levels");
        if ((fn & 1) || fn == sn) {
            cl_journal_node_hash(path[i], fr, fr);
            cl_journal_node_hash(path[i], sr, sr);
            while (fn != 0 && !(fn & 1)) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            cl_journal_node_hash(sr, path[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) return mismatch(err, "fewer hashes than the tree has levels");
    if (sodium_memcmp(fr, old_root, HASH) != 0)
        return mismatch(err, "the computed old root differs from the expected one");
    if (sodium_memcmp(sr, root, HASH) != 0) return mismatch(err, "the computed new root differs from the expected one");
    return CL_OK;
}
