/* Private to src/journal/: the stored layout (tiles, bundles), the canonical JSON writer, and shared helpers. */
#ifndef CL_JOURNAL_INT_H
#define CL_JOURNAL_INT_H

#include <jansson.h>

#include "clearance/journal.h"
#include "clearance/store.h"

/* ---- stored layout (docs/internals/journal.md) ----------------------------------------------------------- */

/* A tile holds the complete subtrees of TILE_HEIGHT levels of the tree under TILE_WIDTH nodes of its base level:
 * 16 + 8 + 4 + 2 = 30 hashes. Tile (T, k) has base level 4T and covers base nodes [16k, 16k + 16). */
#define TILE_HEIGHT 4
#define TILE_WIDTH (1u << TILE_HEIGHT)
#define TILE_HASHES (2u * TILE_WIDTH - 2u)
#define TILE_BYTES (TILE_HASHES * CL_JOURNAL_HASH_BYTES)
/* Tile levels: enough for 2^64 leaves. */
#define TILE_LEVELS (64 / TILE_HEIGHT)
/* A tile's key: its level in the top bits, so each level is one contiguous run of keys. One integer key is one
 * B-tree lookup per tile read, where a (level, index) key would be two. Tile indexes stay below 2^59 because trees
 * stay below 2^63 leaves. */
#define TILE_ID(tile_level, tile_index) ((int64_t)((uint64_t)(tile_level) << 59 | (uint64_t)(tile_index)))
#define TILE_ID_LEVEL(id) ((unsigned)((uint64_t)(id) >> 59))
#define TILE_ID_INDEX(id) ((uint64_t)(id) & (((uint64_t)1 << 59) - 1))
/* A bundle row holds consecutive entries, each as a 4-byte big-endian length and the bytes. */
#define BUNDLE_ENTRIES_MAX 256
#define BUNDLE_BYTES_MAX (256u * 1024u)

/* Where the subtree (level, index) lives: tile level, tile index, and its slot among the tile's 30 hashes. */
struct tile_pos {
    unsigned tile_level;
    uint64_t tile_index;
    unsigned slot;
    unsigned row;        /* its level inside the tile, 0 to 3 */
    unsigned row_offset; /* its position in that row */
};
void cl_journal_tile_locate(unsigned level, uint64_t index, struct tile_pos *out);
/* Whether a tile whose base row holds `width` complete nodes holds the node at pos. */
bool cl_journal_tile_has(const struct tile_pos *pos, uint64_t width);
/* Number of complete base nodes of tile (tile_level, tile_index) in a tree of size leaves, 0 to TILE_WIDTH. */
uint64_t cl_journal_tile_width(unsigned tile_level, uint64_t tile_index, uint64_t size);

/* Reads tile (tile_level, tile_index): *out_found false when absent. A row of the wrong shape is CL_ERR_STORE. */
enum cl_err cl_journal_tile_read(struct cl_store *st, unsigned tile_level, uint64_t tile_index, uint8_t out[TILE_BYTES],
                                 uint64_t *out_width, bool *out_found, struct cl_error *err);

/* Opens a read transaction unless the caller holds a transaction (*out_own tells), and ends the one it opened. */
enum cl_err cl_journal_read_begin(struct cl_store *st, bool *out_own, struct cl_error *err);
void cl_journal_read_end(struct cl_store *st, bool own);

/* The stored tree head: size and frontier. An absent state row is the empty tree. */
enum cl_err cl_journal_state_read(struct cl_store *st, struct cl_journal_frontier *out, struct cl_error *err);

/* ---- canonical JSON -------------------------------------------------------------------------------------- */

/* A growable byte buffer with a maximum, and scratch space for sorting keys; reused across records. */
struct canon_key;
struct jbuf {
    char *p;
    size_t len, cap, max;
    struct canon_key *keys;
    size_t n_keys, keys_cap;
};
void cl_journal_jbuf_init(struct jbuf *b, size_t max);
void cl_journal_jbuf_release(struct jbuf *b);
enum cl_err cl_journal_jbuf_put(struct jbuf *b, const void *data, size_t n, struct cl_error *err);
/* Appends the canonical text of v (keys sorted bytewise, no insignificant white space, strings escaped as
 * jansson escapes them) to b: the same bytes as cl_json_canonical, written faster. Real numbers and strings holding
 * NUL are CL_ERR_INPUT (what is hashed has one spelling and reads back); nesting deeper than CL_LIMIT_JSON_DEPTH and
 * output past b->max are CL_ERR_LIMIT. On error b->len is unchanged. */
enum cl_err cl_journal_canon_write(struct jbuf *b, const json_t *v, struct cl_error *err);

/* ---- small helpers --------------------------------------------------------------------------------------- */

/* A numeric constant as a string literal, for page sizes written into SQL ("LIMIT " STR(PAGE)). */
#define STR_(x) #x
#define STR(x) STR_(x)

void cl_journal_hex(const uint8_t *data, size_t n, char *out); /* out holds 2n + 1 */
/* Decodes exactly n bytes of lowercase or uppercase hex; false otherwise. */
bool cl_journal_unhex(const char *s, size_t len, uint8_t *out, size_t n);

#endif
