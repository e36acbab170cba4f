/* The tamper-evident journal: an RFC 6962 Merkle log of every decision, appended in the caller's transaction, with
 * signed checkpoints, inclusion and consistency proofs, whole-log verification and selective disclosure.
 *
 * The Merkle part (hashing, the frontier, building and checking proofs), signed notes and checkpoints, and the
 * checking of proofs and disclosures are pure: they touch no storage and no clock. The stored log keeps to the
 * store's portable SQL (docs/internals/journal.md); the auditor's side is docs/disclosure.md. */
#ifndef CLEARANCE_JOURNAL_H
#define CLEARANCE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "clearance/core.h"
#include "clearance/store.h"

/* ---- limits ----------------------------------------------------------------------------------------------- */

/* SHA-256 output: every leaf, node and root hash. */
#define CL_JOURNAL_HASH_BYTES 32
/* Hashes in one proof. Trees hold fewer than 2^63 leaves, so an inclusion proof has at most 63 hashes and a
 * consistency proof at most 64 (one per level of the recursion of RFC 6962 section 2.1.2, and one more). */
#define CL_JOURNAL_PROOF_HASHES_MAX 64
/* Largest tree size accepted anywhere: indexes are stored as signed 64-bit integers. */
#define CL_JOURNAL_SIZE_MAX ((uint64_t)INT64_MAX)

/* ---- hashing (RFC 6962 section 2.1) ----------------------------------------------------------------------- */

/* The hash of a leaf: SHA-256(0x00 || data). data may be NULL when len is 0. */
void cl_journal_leaf_hash(const void *data, size_t len, uint8_t out[CL_JOURNAL_HASH_BYTES]);
/* The hash of an interior node: SHA-256(0x01 || left || right). out may alias left or right. */
void cl_journal_node_hash(const uint8_t left[CL_JOURNAL_HASH_BYTES], const uint8_t right[CL_JOURNAL_HASH_BYTES],
                          uint8_t out[CL_JOURNAL_HASH_BYTES]);
/* The root of the empty tree: SHA-256 of no bytes. */
void cl_journal_empty_root(uint8_t out[CL_JOURNAL_HASH_BYTES]);

/* ---- the frontier ----------------------------------------------------------------------------------------- */

/* The right edge of a tree of `size` leaves: the roots of the perfect subtrees that cover [0, size), one per set
 * bit of size, largest (leftmost) first. It is all an append needs, so appending costs O(log n) and the root is
 * a fold of at most 64 hashes. Plain data: copy it freely. */
struct cl_journal_frontier {
    uint64_t size;
    uint8_t hashes[64][CL_JOURNAL_HASH_BYTES];
};

/* Called for every subtree hash an append completes, the leaf first (level 0) and then each parent it closes:
 * (level, index) names the perfect subtree over leaves [index << level, (index + 1) << level). A non-zero return
 * stops the append and is returned by it. */
typedef enum cl_err (*cl_journal_node_sink)(void *ctx, unsigned level, uint64_t index,
                                            const uint8_t hash[CL_JOURNAL_HASH_BYTES], struct cl_error *err);

/* Fills caller memory with the frontier of the empty tree. */
void cl_journal_frontier_init(struct cl_journal_frontier *f);
/* Appends a leaf (its leaf hash) and reports every completed subtree to sink (may be NULL). On an error from sink
 * the frontier is left unchanged. Fails with CL_ERR_LIMIT when the tree already holds CL_JOURNAL_SIZE_MAX leaves. */
enum cl_err cl_journal_frontier_append(struct cl_journal_frontier *f, const uint8_t leaf_hash[CL_JOURNAL_HASH_BYTES],
                                       cl_journal_node_sink sink, void *ctx, struct cl_error *err);
/* The root hash of the tree the frontier describes (the empty root for size 0). */
void cl_journal_frontier_root(const struct cl_journal_frontier *f, uint8_t out[CL_JOURNAL_HASH_BYTES]);
/* Number of hashes in the frontier: the number of set bits of size. */
size_t cl_journal_frontier_count(const struct cl_journal_frontier *f);

/* ---- proofs (RFC 6962 section 2.1.1 and 2.1.2; verification as in RFC 9162 section 2.1.3.2 and 2.1.4.2) --------- */

/* Supplies the hash of the perfect subtree (level, index), which the caller guarantees is complete in the tree
 * the proof is built for. Returns CL_OK, or an error (storage, corruption) that stops the proof. */
typedef enum cl_err (*cl_journal_node_fn)(void *ctx, unsigned level, uint64_t index, uint8_t out[CL_JOURNAL_HASH_BYTES],
                                          struct cl_error *err);

enum cl_journal_proof_kind { CL_JOURNAL_PROOF_INCLUSION, CL_JOURNAL_PROOF_CONSISTENCY };

/* A proof, hashes ordered from the leaves up as RFC 6962 lists them. Plain data. */
struct cl_journal_proof {
    enum cl_journal_proof_kind kind;
    uint64_t index;    /* inclusion: the leaf's index */
    uint64_t old_size; /* consistency: the size of the older tree */
    uint64_t size;     /* the size of the tree the proof is for (the newer tree for consistency) */
    size_t n_hashes;
    uint8_t hashes[CL_JOURNAL_PROOF_HASHES_MAX][CL_JOURNAL_HASH_BYTES];
};

/* Builds the inclusion proof of leaf `index` in the tree of `size` leaves, asking node for O(log size) subtree
 * hashes. Fails with CL_ERR_INPUT when index >= size or size exceeds CL_JOURNAL_SIZE_MAX, or with node's error. */
enum cl_err cl_journal_inclusion_build(uint64_t index, uint64_t size, cl_journal_node_fn node, void *ctx,
                                       struct cl_journal_proof *out, struct cl_error *err);
/* Builds the consistency proof from the tree of old_size leaves to the tree of size leaves (old_size <= size);
 * the proof is empty when old_size is 0 or equal to size. Errors as for cl_journal_inclusion_build. */
enum cl_err cl_journal_consistency_build(uint64_t old_size, uint64_t size, cl_journal_node_fn node, void *ctx,
                                         struct cl_journal_proof *out, struct cl_error *err);

/* The root of the tree of `size` leaves from the O(log size) perfect subtrees that cover it. */
enum cl_err cl_journal_root_build(uint64_t size, cl_journal_node_fn node, void *ctx, uint8_t out[CL_JOURNAL_HASH_BYTES],
                                  struct cl_error *err);

/* Checks that proof (an inclusion proof) takes leaf_hash at proof->index to root in the tree of proof->size
 * leaves. CL_OK, or CL_ERR_CRYPTO with a message saying what did not match. */
enum cl_err cl_journal_inclusion_verify(const struct cl_journal_proof *proof,
                                        const uint8_t leaf_hash[CL_JOURNAL_HASH_BYTES],
                                        const uint8_t root[CL_JOURNAL_HASH_BYTES], struct cl_error *err);
/* Checks that proof (a consistency proof) shows the tree of proof->old_size leaves with root old_root to be a
 * prefix of the tree of proof->size leaves with root `root`. CL_OK or CL_ERR_CRYPTO. */
enum cl_err cl_journal_consistency_verify(const struct cl_journal_proof *proof,
                                          const uint8_t old_root[CL_JOURNAL_HASH_BYTES],
                                          const uint8_t root[CL_JOURNAL_HASH_BYTES], struct cl_error *err);

/* ---- signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) ------------------------ */

/* Key names (and so checkpoint origins), with the terminating NUL. */
#define CL_JOURNAL_NAME_BYTES 256
/* The text form of a key: "PRIVATE+KEY+<name>+<id>+<base64>" or "<name>+<id>+<base64>", with the NUL. */
#define CL_JOURNAL_KEY_TEXT_BYTES 384
/* The largest signed note accepted, and the most signature lines in one (the format asks for at least 16). */
#define CL_JOURNAL_NOTE_BYTES_MAX (64 * 1024)
#define CL_JOURNAL_NOTE_SIGNATURES_MAX 100
/* The checkpoint origin (and key name) used when none is configured. */
#define CL_JOURNAL_ORIGIN_DEFAULT "clearance.example/journal"

/* An Ed25519 signing key with its note key name and key ID (the first four bytes, big-endian, of
 * SHA-256(name || 0x0A || 0x01 || public key)). Holds secret material: release it with cl_journal_signer_release. */
struct cl_journal_signer {
    char name[CL_JOURNAL_NAME_BYTES];
    uint32_t key_id;
    uint8_t public_key[32];
    uint8_t secret_key[64];
};

/* The public half: all an auditor needs to check checkpoints. Plain data. */
struct cl_journal_verifier {
    char name[CL_JOURNAL_NAME_BYTES];
    uint32_t key_id;
    uint8_t public_key[32];
};

/* Key names: 1 to 255 bytes of printable ASCII other than space and '+'. */
bool cl_journal_key_name_valid(const char *name);
/* Makes a new random key named name. CL_ERR_INPUT for a bad name, CL_ERR_CRYPTO if libsodium cannot start. */
enum cl_err cl_journal_signer_generate(const char *name, struct cl_journal_signer *out, struct cl_error *err);
/* Parses "PRIVATE+KEY+<name>+<8 hex digits>+<base64(0x01 || 32-byte Ed25519 seed)>", the signer key text of the
 * signed-note tools; the key ID must match the key. CL_ERR_INPUT otherwise. */
enum cl_err cl_journal_signer_parse(const char *text, size_t len, struct cl_journal_signer *out, struct cl_error *err);
/* Writes the signer key text (secret: mind where it goes). */
void cl_journal_signer_format(const struct cl_journal_signer *s, char out[CL_JOURNAL_KEY_TEXT_BYTES]);
/* The verifier of a signer. */
void cl_journal_signer_verifier(const struct cl_journal_signer *s, struct cl_journal_verifier *out);
/* Wipes the secret key. */
void cl_journal_signer_release(struct cl_journal_signer *s);
/* Parses a verifier key "<name>+<8 hex digits>+<base64(0x01 || 32-byte Ed25519 public key)>"; the key ID must
 * match. CL_ERR_INPUT otherwise. */
enum cl_err cl_journal_verifier_parse(const char *text, size_t len, struct cl_journal_verifier *out,
                                      struct cl_error *err);
void cl_journal_verifier_format(const struct cl_journal_verifier *v, char out[CL_JOURNAL_KEY_TEXT_BYTES]);

/* Signs a note text (UTF-8, ending in a newline, no control characters but newlines) and returns the signed note,
 * the text followed by a blank line and one signature line, as a new malloc'd NUL-terminated string (free()).
 * CL_ERR_INPUT for a malformed text. */
enum cl_err cl_journal_note_sign(const char *text, size_t len, const struct cl_journal_signer *s, char **out_note,
                                 size_t *out_len, struct cl_error *err);
/* Checks a signed note against one trusted key. Signatures by other keys are ignored; a signature by this key
 * that fails, or the absence of one, is CL_ERR_CRYPTO; a note that breaks the format (or holds more than
 * CL_JOURNAL_NOTE_SIGNATURES_MAX signatures, or exceeds CL_JOURNAL_NOTE_BYTES_MAX) is CL_ERR_INPUT.
 * On success *out_text_len is the length of the signed text, which starts at note. */
enum cl_err cl_journal_note_verify(const char *note, size_t len, const struct cl_journal_verifier *v,
                                   size_t *out_text_len, struct cl_error *err);

/* A tree head as a checkpoint states it. Plain data. */
struct cl_journal_checkpoint {
    char origin[CL_JOURNAL_NAME_BYTES];
    uint64_t size;
    uint8_t root[CL_JOURNAL_HASH_BYTES];
};
/* The largest checkpoint text: origin, size, root, three newlines and the NUL. */
#define CL_JOURNAL_CHECKPOINT_TEXT_BYTES (CL_JOURNAL_NAME_BYTES + 21 + 45 + 3)

/* Writes the checkpoint note text "<origin>\n<size>\n<base64 root>\n" and returns its length. */
size_t cl_journal_checkpoint_format(const struct cl_journal_checkpoint *c, char out[CL_JOURNAL_CHECKPOINT_TEXT_BYTES]);
/* Parses a checkpoint note text (without signatures): origin, size in decimal without leading zeros, the root in
 * base64 of 32 bytes, then optional non-empty extension lines, which are ignored. CL_ERR_INPUT otherwise. */
enum cl_err cl_journal_checkpoint_parse(const char *text, size_t len, struct cl_journal_checkpoint *out,
                                        struct cl_error *err);
/* Formats and signs a checkpoint: a new malloc'd signed note (free()). The origin must be the signer's name. */
enum cl_err cl_journal_checkpoint_sign(const struct cl_journal_checkpoint *c, const struct cl_journal_signer *s,
                                       char **out_note, size_t *out_len, struct cl_error *err);
/* Verifies a signed checkpoint with v and parses it; its origin must be v's name. Errors as for
 * cl_journal_note_verify and cl_journal_checkpoint_parse. */
enum cl_err cl_journal_checkpoint_open(const char *note, size_t len, const struct cl_journal_verifier *v,
                                       struct cl_journal_checkpoint *out, struct cl_error *err);

/* ---- the stored log --------------------------------------------------------------------------------------- */

/* The longest entry (canonical record with its envelope), entry kinds and committed field names (with the NUL),
 * and committed fields per entry. */
#define CL_JOURNAL_ENTRY_BYTES_MAX (64 * 1024)
#define CL_JOURNAL_KIND_BYTES 64
#define CL_JOURNAL_FIELDS_MAX 32
/* Random bytes of salt behind each commitment. */
#define CL_JOURNAL_SALT_BYTES 32

/* Creates or upgrades the journal's tables (component "journal"). Runs its own transactions: call it outside one. */
enum cl_err cl_journal_migrate(struct cl_store *st, struct cl_error *err);

/* Kinds name what an entry records ("ledger.shipment", "screen.decision", "rules.change"): they start with a-z and
 * hold 1 to 63 of a-z, 0-9, '.', '_' and '-'. Committed field names hold 1 to 63 of a-z, 0-9 and '_'. */
bool cl_journal_kind_valid(const char *kind);
bool cl_journal_field_valid(const char *field, size_t len);

/* One change to journal. Borrowed by the append call. */
struct cl_journal_item {
    const char *kind;
    const json_t *record; /* an object holding integers, strings, booleans, nulls, arrays and objects: no reals */
    const json_t *secret; /* NULL, or an object of commercial fields that the entry commits to by salted hash
                           * and that are kept outside the tree, to be revealed per request (docs/disclosure.md) */
    cl_time at;           /* when the change happened: given by the caller, never read from the clock here */
};

/* Appends items as consecutive entries, inside the caller's open write transaction, so that the journal entry
 * commits or rolls back with the change it records. Each entry is the canonical JSON of
 * {"at": at, "commit": {field: hex commitment}, "kind": kind, "record": record} ("commit" only with a secret),
 * and its leaf is hashed over exactly those bytes. One call writes the entries in bundles, every subtree hash the
 * entries complete, and the frontier once: batch many items per call for throughput. *out_first (may be NULL)
 * receives the index of the first entry.
 * Errors: CL_ERR_STATE outside a transaction; CL_ERR_INPUT for a bad kind, record or field; CL_ERR_LIMIT for an
 * entry over CL_JOURNAL_ENTRY_BYTES_MAX; CL_ERR_CONFLICT if another writer grew the tree (PostgreSQL reports it as
 * CL_ERR_BUSY): retry the transaction; storage errors. After an error the transaction holds partial writes and
 * must be rolled back. */
enum cl_err cl_journal_append_batch(struct cl_store *st, const struct cl_journal_item *items, size_t n,
                                    uint64_t *out_first, struct cl_error *err);
/* One entry: cl_journal_append_batch of one item. */
enum cl_err cl_journal_append(struct cl_store *st, const char *kind, const json_t *record, const json_t *secret,
                              cl_time at, uint64_t *out_index, struct cl_error *err);

/* The tree head: its size and root hash. */
struct cl_journal_head {
    uint64_t size;
    uint8_t root[CL_JOURNAL_HASH_BYTES];
};
enum cl_err cl_journal_head_get(struct cl_store *st, struct cl_journal_head *out, struct cl_error *err);

/* Entry index's exact bytes as a new malloc'd NUL-terminated string (free()). CL_ERR_NOT_FOUND past the end. */
enum cl_err cl_journal_entry_get(struct cl_store *st, uint64_t index, char **out_text, size_t *out_len,
                                 struct cl_error *err);
/* Called per entry with its bytes, borrowed for the call. A non-zero return stops the listing and is returned. */
typedef enum cl_err (*cl_journal_entry_fn)(void *ctx, uint64_t index, const char *text, size_t len,
                                           struct cl_error *err);
/* Calls fn for entries [first, first + count) that exist, in order. fn may use the store. */
enum cl_err cl_journal_entry_list(struct cl_store *st, uint64_t first, uint64_t count, cl_journal_entry_fn fn,
                                  void *ctx, struct cl_error *err);

/* A cache of tiles of subtree hashes, shared by the proofs made through one connection: with it, a proof reads
 * the store only for tiles it has not met before (in practice the one above its leaf). Only tiles read in a
 * transaction the proof opened itself are kept: they hold committed hashes, which no append ever changes (a tile
 * only gains hashes; a copy lacking a node is read again). Not thread-safe: one per connection. max_bytes bounds its
 * memory (about 1 KB per tile; 40 MB holds every tile above the leaves of a tree of ten million entries). NULL when out
 * of memory; free with cl_journal_cache_free (NULL does nothing). */
struct cl_journal_cache;
struct cl_journal_cache *cl_journal_cache_new(size_t max_bytes);
void cl_journal_cache_free(struct cl_journal_cache *c);
void cl_journal_cache_stats(const struct cl_journal_cache *c, uint64_t *out_hits, uint64_t *out_misses);

/* Inclusion proof of entry index in the tree of size entries, and consistency proof from old_size to size, from
 * the stored subtree hashes: O(log size) reads, in one read transaction unless the caller holds one. size may be
 * any size the journal has had; CL_ERR_NOT_FOUND past the current one. cache may be NULL. */
enum cl_err cl_journal_inclusion_prove(struct cl_store *st, struct cl_journal_cache *cache, uint64_t index,
                                       uint64_t size, struct cl_journal_proof *out, struct cl_error *err);
enum cl_err cl_journal_consistency_prove(struct cl_store *st, struct cl_journal_cache *cache, uint64_t old_size,
                                         uint64_t size, struct cl_journal_proof *out, struct cl_error *err);
/* The root hash the tree had when it held `size` entries, from the stored subtrees. */
enum cl_err cl_journal_root_at(struct cl_store *st, struct cl_journal_cache *cache, uint64_t size,
                               uint8_t out[CL_JOURNAL_HASH_BYTES], struct cl_error *err);

/* ---- stored checkpoints and key files --------------------------------------------------------------------- */

/* Signs the committed tree head with signer (its name is the origin), stores the signed note and returns it as a
 * new malloc'd string (free()), and the checkpoint in *out (may be NULL). Runs its own write transaction, so it
 * signs only committed entries: CL_ERR_STATE inside one. Returns the last checkpoint unchanged when the tree has
 * not grown since. Refuses (CL_ERR_CRYPTO) to sign a tree that the last checkpoint is not a prefix of, or when the
 * last checkpoint is not by this key. now is stored as the signing time. */
enum cl_err cl_journal_checkpoint_create(struct cl_store *st, const struct cl_journal_signer *signer, cl_time now,
                                         char **out_note, size_t *out_len, struct cl_journal_checkpoint *out,
                                         struct cl_error *err);
/* The latest checkpoint, or the one of a given size, as a new malloc'd signed note. CL_ERR_NOT_FOUND if none. */
enum cl_err cl_journal_checkpoint_latest(struct cl_store *st, char **out_note, size_t *out_len, struct cl_error *err);
enum cl_err cl_journal_checkpoint_get(struct cl_store *st, uint64_t size, char **out_note, size_t *out_len,
                                      struct cl_error *err);
/* Calls fn for every stored checkpoint by increasing size; the note is borrowed for the call. */
typedef enum cl_err (*cl_journal_note_fn)(void *ctx, uint64_t size, const char *note, size_t len, struct cl_error *err);
enum cl_err cl_journal_checkpoint_list(struct cl_store *st, cl_journal_note_fn fn, void *ctx, struct cl_error *err);

/* Creates a new signing key named name in a file created with mode 0600 (never overwriting one: CL_ERR_CONFLICT)
 * and its verifier key beside it (cl_journal_public_key_path), returned in *out (may be NULL). */
enum cl_err cl_journal_key_create(const char *path, const char *name, struct cl_journal_verifier *out,
                                  struct cl_error *err);
/* Where the public key of signing key file key_path lives: key_path + ".pub". */
void cl_journal_public_key_path(const char *key_path, char *out, size_t cap);
/* Loads a signing key file; CL_ERR_FORBIDDEN if group or others may read it, CL_ERR_NOT_FOUND if it is absent.
 * Release the key with cl_journal_signer_release. */
enum cl_err cl_journal_signer_load(const char *path, struct cl_journal_signer *out, struct cl_error *err);
/* Loads a verifier key file (one line, "<name>+<id>+<key>"). */
enum cl_err cl_journal_verifier_load(const char *path, struct cl_journal_verifier *out, struct cl_error *err);

/* ---- verification ----------------------------------------------------------------------------------------- */

struct cl_journal_verify_report {
    uint64_t entries, checkpoints, openings;
    struct cl_journal_head head; /* the tree rebuilt from the entries */
};

/* Rebuilds the tree from every stored entry and checks, stopping at the first failure: each stored subtree hash
 * against the rebuilt one (a changed entry is named by its index), the stored head, every checkpoint ever
 * published (signature by key, and root at its size), and every stored opening against its entry's commitment.
 * CL_ERR_CRYPTO names what does not match; CL_ERR_STORE means the log cannot be read as a log (rows missing or
 * malformed), also named. Reads in pages: memory does not grow with the log. */
enum cl_err cl_journal_verify(struct cl_store *st, const struct cl_journal_verifier *key,
                              struct cl_journal_verify_report *out, struct cl_error *err);

/* ---- JSON forms ------------------------------------------------------------------------------------------- */

/* New values (json_decref), or NULL when out of memory. Hashes are lowercase hex. */
json_t *cl_journal_head_to_json(const struct cl_journal_head *h);
/* {"index", "leaf_hash", "entry"}: the entry parsed, or its text when it does not parse. */
json_t *cl_journal_entry_to_json(uint64_t index, const char *text, size_t len);
/* {"origin", "tree_size", "root_hash", "note"}: note is the signed note text. */
json_t *cl_journal_checkpoint_to_json(const struct cl_journal_checkpoint *c, const char *note, size_t len);
/* A proof file: {"type": "inclusion", "index", "tree_size", "hashes", "entry"} or
 * {"type": "consistency", "old_size", "tree_size", "hashes"}. entry (may be NULL) is the proven entry's exact text,
 * from which a verifier computes the leaf hash. */
json_t *cl_journal_proof_to_json(const struct cl_journal_proof *p, const char *entry, size_t entry_len);

/* A parsed proof file. entry is a malloc'd copy (NULL when absent); leaf_hash is the entry's leaf hash, or the
 * file's "leaf_hash" when it carries no entry. Release with cl_journal_proof_doc_release. */
struct cl_journal_proof_doc {
    struct cl_journal_proof proof;
    char *entry;
    size_t entry_len;
    bool has_leaf_hash;
    uint8_t leaf_hash[CL_JOURNAL_HASH_BYTES];
};
/* Parses a proof file strictly (unknown fields, bad hex, more than CL_JOURNAL_PROOF_HASHES_MAX hashes, an entry
 * whose hash differs from a given leaf_hash are CL_ERR_INPUT naming the field). */
enum cl_err cl_journal_proof_doc_parse(const char *text, size_t len, struct cl_journal_proof_doc *out,
                                       struct cl_error *err);
enum cl_err cl_journal_proof_doc_from_json(const json_t *v, struct cl_journal_proof_doc *out, struct cl_error *err);
void cl_journal_proof_doc_release(struct cl_journal_proof_doc *d);

/* ---- selective disclosure (docs/disclosure.md) ------------------------------------------------------------ */

/* The commitment to one field: SHA-256(0x02 || salt || field || 0x00 || canonical JSON of the value). The 0x02
 * prefix keeps commitments apart from leaf (0x00) and node (0x01) hashes. Pure. */
void cl_journal_commitment(const char *field, const uint8_t salt[CL_JOURNAL_SALT_BYTES], const char *value,
                           size_t value_len, uint8_t out[CL_JOURNAL_HASH_BYTES]);
/* Checks an opening (field, salt, value: the exact canonical text committed to) against the commitment that entry
 * holds under "commit". CL_OK, or CL_ERR_CRYPTO when the entry has no such commitment or it does not match. Pure. */
enum cl_err cl_journal_opening_check(const char *entry, size_t entry_len, const char *field,
                                     const uint8_t salt[CL_JOURNAL_SALT_BYTES], const char *value, size_t value_len,
                                     struct cl_error *err);
/* The stored openings of the named fields of entry index, as a new array of {"field", "salt" (hex), "value" (the
 * committed canonical text)} in the order asked. CL_ERR_NOT_FOUND names a field the entry does not commit to. These
 * are commercial data: callers decide who may see them. */
enum cl_err cl_journal_openings_get(struct cl_store *st, uint64_t index, const char *const *fields, size_t n_fields,
                                    json_t **out, struct cl_error *err);

/* A disclosure document, all an auditor needs to see fields of one entry and check them with the public key:
 * {"type": "disclosure", "checkpoint": signed note, "proof": inclusion proof file carrying the entry,
 *  "openings": [{"field", "salt", "value"}]}. Built against the published checkpoint of `size` entries
 * (CL_ERR_NOT_FOUND if there is none): a new value (json_decref). */
enum cl_err cl_journal_disclosure_build(struct cl_store *st, uint64_t index, uint64_t size, const char *const *fields,
                                        size_t n_fields, json_t **out, struct cl_error *err);

/* One revealed field. */
struct cl_journal_opening {
    char field[CL_JOURNAL_KIND_BYTES];
    uint8_t salt[CL_JOURNAL_SALT_BYTES];
    char *value; /* the committed canonical JSON text, malloc'd */
    size_t value_len;
};
/* A parsed disclosure document; release with cl_journal_disclosure_release. */
struct cl_journal_disclosure {
    char *note; /* the signed checkpoint */
    size_t note_len;
    struct cl_journal_proof_doc proof;
    size_t n_openings;
    struct cl_journal_opening openings[CL_JOURNAL_FIELDS_MAX];
};
/* Parses a disclosure document strictly; CL_ERR_INPUT names the field at fault. */
enum cl_err cl_journal_disclosure_parse(const char *text, size_t len, struct cl_journal_disclosure *out,
                                        struct cl_error *err);
void cl_journal_disclosure_release(struct cl_journal_disclosure *d);
/* Checks a disclosure with nothing but the log's public key: the checkpoint's signature, the entry's inclusion in
 * the checkpointed tree, and every opening against the entry's commitment. The checkpoint goes to *out (may be
 * NULL). CL_ERR_CRYPTO names what does not verify. Pure. */
enum cl_err cl_journal_disclosure_verify(const struct cl_journal_disclosure *d, const struct cl_journal_verifier *key,
                                         struct cl_journal_checkpoint *out, struct cl_error *err);

#endif
