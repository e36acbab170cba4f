/* Private interface of the screening module: normalised names, matching units, the scorer's inner API, the
 * list-reading helpers shared by the importers. */
#ifndef CL_SCREEN_INT_H
#define CL_SCREEN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clearance/screen.h"

/* ---- normalised names ---------------------------------------------------------------------------------------- */

enum sn_class {
    SN_WORD,     /* an ordinary name token */
    SN_DIGITS,   /* contains a digit: matched exactly, never fuzzily */
    SN_INITIAL,  /* one letter */
    SN_PARTICLE, /* al, bin, de, van, of, the ... */
    SN_GENERIC,  /* company words: trading, group, technology ... (canonical spelling) */
    SN_LEGAL,    /* a legal form, canonical: ~ltd ~jsc ~corp ~co */
    SN_SCRIPT,   /* a token in its original non-Latin script: matched exactly */
};

enum sn_variant { SN_V_LATIN, SN_V_JOINED, SN_V_ORIGINAL, SN_V_KOREAN };

#define SN_TOK_BYTES 48 /* longest token kept; longer ones are cut (no real name token comes near) */

struct sn_tok {
    char s[SN_TOK_BYTES];
    uint8_t len;
    uint8_t cls;      /* enum sn_class */
    uint8_t core;     /* 1: surname or first given name (or first/last token); 0: a middle name */
    uint8_t han;      /* syllable transliterated from Han */
    uint8_t translit; /* transliterated from another alphabet (Arabic, Cyrillic, Greek, Hangul ...) */
    uint8_t group;    /* tokens of one hyphenated word share a non-zero group */
    float w;          /* weight in the score */
};

struct sn_name {
    struct sn_tok tok[CL_LIMIT_SCREEN_TOKENS];
    int n;
    uint8_t variant;  /* enum sn_variant */
    uint8_t comma_at; /* "SURNAME, Given": index of the first given-name token; 0 when there is no such comma */
};

struct sn_set {
    struct sn_name v[CL_SCREEN_VARIANTS_MAX];
    int n;
};

/* Normalises a name into its variants. comma_surname: a comma separates surname from given names (listed
 * individuals, "PUTIN, Vladimir"). Thread-safe; never fails (an empty set for a name without tokens). */
void sn_normalize(const char *s, size_t len, bool comma_surname, struct sn_set *out);
/* Writes the tokens space-separated into out (cap bytes). */
void sn_name_format(const struct sn_name *n, char *out, size_t cap);
const char *sn_variant_name(int v);

/* Consonant skeleton of an ASCII token, the phonetic key: vowels dropped (a leading vowel kept as 'a'),
 * similar consonants merged (c q g -> k, z -> s, w -> v, ph -> f), digraph h dropped, doubles collapsed.
 * Returns its length; out holds at least SN_TOK_BYTES * 3 bytes. */
size_t sn_skeleton(const char *s, size_t len, char *out);

/* ---- matching units ------------------------------------------------------------------------------------------ */

/* A unit is one token, or two or three adjacent tokens joined ("bin laden" -> "binladen"), so joined and split
 * spellings meet. Joins are made only of word, particle, initial and generic tokens; triples only across a short
 * middle token, a hyphenated word, or Han syllables. A "SURNAME, Given" name also joins its last given name to its
 * first surname token, as it is written given name first ("Sohrab SOLEIMANI" -> "sohrabsoleimani"). */
#define SN_UNIT_BYTES (SN_TOK_BYTES * 3)
#define SN_UNITS_MAX (CL_LIMIT_SCREEN_TOKENS * 3)
struct sn_unit {
    char s[SN_UNIT_BYTES];
    uint8_t len;
    uint8_t first, span; /* lowest token position covered, and how many tokens */
    uint32_t tmask;      /* the token positions covered (a join across the surname comma is not contiguous) */
    uint8_t cls;         /* the token's class; SN_WORD for a join */
    uint8_t skel_len;    /* length of the consonant skeleton; 0 when the unit has none (short, digits, script) */
    uint8_t translit;    /* transliterated from another alphabet: spellings vary more (unvowelled Arabic ...) */
    float w;             /* sum of the covered tokens' weights */
    uint32_t mask;       /* which letters and digits occur: an edit changes at most two bits */
    uint64_t skel_h;     /* hash of the consonant skeleton */
};
/* Fills the derived fields (skeleton, letter mask) from u->s, u->len and u->cls. */
void sn_unit_skeleton(struct sn_unit *u);
/* Fills units from a name; returns their count (singles first, in token order). */
int sn_units(const struct sn_name *n, struct sn_unit *units);

/* ---- scoring ------------------------------------------------------------------------------------------------- */

/* Similarity of a query unit a and a listed unit b, and how they met; 0 when they do not. Symmetric except that a
 * transliterated query gets the looser phonetic rules. The index retrieves every pair with a non-zero similarity
 * that is not through an initial or a legal form (docs/internals/screen.md). */
double sn_unit_sim(const struct sn_unit *a, const struct sn_unit *b, enum cl_screen_how *out_how);

/* Bounded edit distance (optimal string alignment: insert, delete, substitute, transpose): the distance, or
 * max + 1 when it is larger than max. */
int sn_osa_bounded(const char *a, size_t la, const char *b, size_t lb, int max);
/* The largest edit distance two single tokens may differ by and still match (0: exact only). */
int sn_edit_budget(size_t la, size_t lb);
double sn_jaro_winkler(const char *a, size_t la, const char *b, size_t lb);

/* Scores two normalised names (no qualifiers). listed_individual enables the missing-middle-name rule. When
 * arena is non-NULL the explanation is filled (tokens in arena); otherwise only the score. */
double sn_score_names(const struct sn_name *q, const struct sn_unit *qu, int nqu, const struct sn_name *l,
                      const struct sn_unit *lu, int nlu, bool listed_individual, struct cl_arena *arena,
                      struct cl_screen_explain *out);

/* Weights used by the index's bound: see docs/internals/screen.md. */
#define SN_MIDDLE_FACTOR 0.3   /* weight kept by an unmatched middle name when the core names match */
#define SN_INITIAL_SIM 0.7     /* similarity of an initial and a name it begins */
#define SN_LEGAL_OTHER_SIM 0.6 /* similarity of legal forms of different families */
#define SN_TOKEN_SIM_MIN 0.80  /* a fuzzy token similarity below this counts as no match */
#define SN_SURNAME_ONLY 0.85   /* the score of a bare surname query against a listed "SURNAME, Given" */

/* Qualifier adjustment of a score for one entry: the sum of the configured boosts and penalties, and a text
 * explaining it in arena (NULL when nothing applied). */
double sn_qualifiers(const struct cl_screen_config *c, const struct cl_screen_party *p, const struct cl_screen_entry *e,
                     struct cl_arena *arena, const char **out_text);
/* The largest boost qualifiers can add for this party (for the index's bound). */
double sn_qualifier_boost_max(const struct cl_screen_config *c, const struct cl_screen_party *p);
/* Years of birth an entry's birth text covers: "1962", "1962-03-04", "1974..1975". false if none. */
bool sn_birth_years(const char *text, int *out_from, int *out_to);

/* ---- reading list files -------------------------------------------------------------------------------------- */

/* A CSV or TSV reader over a buffer: RFC 4180 quoting, CRLF or LF, a trailing 0x1A ignored. */
struct sn_csv {
    const char *p, *end;
    char sep;
    size_t line; /* line of the record just read, from 1 */
    size_t next_line;
    const char *file; /* for messages */
    char *buf;        /* field text of the current record, malloc'd */
    size_t buf_cap;
    size_t *offs; /* start of each field in buf */
    size_t *lens;
    size_t n_fields, cap_fields;
};
void sn_csv_init(struct sn_csv *c, const char *file, const char *buf, size_t len, char sep);
void sn_csv_release(struct sn_csv *c);
/* Reads the next record: 1 read, 0 at end, -1 on a malformed record (message in err naming file:line; the
 * reader has moved past it, so the caller may skip it and go on). */
int sn_csv_next(struct sn_csv *c, struct cl_error *err);
/* Field i of the current record ("" past the end), NUL-terminated in the reader's buffer. */
const char *sn_csv_field(const struct sn_csv *c, size_t i, size_t *out_len);

/* Appends a new zeroed entry to l (its arrays empty). NULL on allocation failure or past the limit. */
struct cl_screen_entry *sn_lists_add_entry(struct cl_screen_lists *l);
/* Adds a name (copied into the arena, trimmed; empty names and duplicates of the entry's names are ignored). */
enum cl_err sn_entry_add_name(struct cl_screen_lists *l, struct cl_screen_entry *e, const char *text, size_t len,
                              enum cl_screen_name_kind kind);
enum cl_err sn_entry_add_country(struct cl_screen_lists *l, struct cl_screen_entry *e, const char *text, size_t len);
enum cl_err sn_entry_add_birth(struct cl_screen_lists *l, struct cl_screen_entry *e, const char *text, size_t len);
/* Copies (trimmed) into the arena; NULL for empty text or on failure (check l's arena). */
const char *sn_lists_str(struct cl_screen_lists *l, const char *text, size_t len);
/* Records a skipped row's message. */
enum cl_err sn_lists_skip(struct cl_screen_lists *l, const struct cl_error *row_err);

/* Format readers; each appends to l. rep is this file's report. */
struct sn_read_ctx {
    struct cl_screen_lists *l;
    struct cl_screen_file_report *rep;
    const struct cl_screen_read_options *opt;
    const char *file; /* base name for messages */
};
enum cl_err sn_read_un_xml(struct sn_read_ctx *rc, const char *buf, size_t len, struct cl_error *err);
enum cl_err sn_read_dpl(struct sn_read_ctx *rc, const char *buf, size_t len, struct cl_error *err);
enum cl_err sn_read_csl(struct sn_read_ctx *rc, const char *buf, size_t len, struct cl_error *err);

/* OFAC CSV files of one set (sdn or cons), joined by entry number. */
enum sn_ofac_kind { SN_OFAC_PRIMARY, SN_OFAC_ALT, SN_OFAC_ADD, SN_OFAC_COMMENTS };
struct sn_ofac_file {
    enum sn_ofac_kind kind;
    const char *buf;
    size_t len;
    struct cl_screen_file_report *rep;
    const char *file;
};
/* Reads one OFAC set: the primary file (may be absent: then the others only count their orphans) and any of the
 * alias, address and comment files. nonsdn: the non-SDN consolidated set. */
enum cl_err sn_read_ofac_set(struct cl_screen_lists *l, const struct cl_screen_read_options *opt, bool nonsdn,
                             struct sn_ofac_file *files, size_t n_files, struct cl_error *err);

/* Handles a row error: with skip_bad_rows records it and returns CL_OK (and counts rep->skipped), otherwise
 * returns the error. */
enum cl_err sn_row_error(struct sn_read_ctx *rc, struct cl_error *row_err, struct cl_error *err);

/* A 64-bit FNV-1a hash (stable across runs and machines: used in stored ids). */
uint64_t sn_hash64(const void *p, size_t n, uint64_t seed);

#endif
