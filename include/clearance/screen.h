/* Restricted-party screening: list importers, the name normaliser, the candidate index, the explained scorer,
 * stored and versioned lists, and the registry of screening subjects that other modules screen their parties in.
 *
 * The pieces, from the outside in:
 *  - cl_screen_lists: entries read from list files (OFAC CSV sets, UN XML, BIS DPL, trade.gov CSL), or loaded
 *    from the store. Owns its memory.
 *  - cl_screen_index: built once from a cl_screen_lists, immutable afterwards, read by any number of threads
 *    without locks.
 *  - cl_screen_party / cl_screen_result: one party (names, qualifiers) in, a decision and explained matches out.
 *  - the store part: migrations, versioned imports with their delta, and screening subjects re-screened against
 *    the delta of each import.
 * Design notes: docs/internals/screen.md. */
#ifndef CLEARANCE_SCREEN_H
#define CLEARANCE_SCREEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clearance/core.h"

struct cl_store;

/* ---- listed parties ------------------------------------------------------------------------------------------ */

enum cl_screen_type {
    CL_SCREEN_TYPE_UNKNOWN,
    CL_SCREEN_TYPE_INDIVIDUAL,
    CL_SCREEN_TYPE_ENTITY,
    CL_SCREEN_TYPE_VESSEL,
    CL_SCREEN_TYPE_AIRCRAFT,
};
/* "individual", "entity", "vessel", "aircraft", "unknown". */
const char *cl_screen_type_name(enum cl_screen_type t);
/* Parses those words (ASCII case ignored; "organization" and "company" are entities); false if unknown. */
bool cl_screen_type_parse(const char *s, enum cl_screen_type *out);

enum cl_screen_name_kind {
    CL_SCREEN_NAME_PRIMARY,
    CL_SCREEN_NAME_AKA,
    CL_SCREEN_NAME_FKA,
    CL_SCREEN_NAME_NKA,
    CL_SCREEN_NAME_WEAK,     /* weak or low-quality alias */
    CL_SCREEN_NAME_ORIGINAL, /* the name in its original script */
};
const char *cl_screen_name_kind_name(enum cl_screen_name_kind k); /* "primary", "aka", ... */

struct cl_screen_name {
    const char *text; /* UTF-8, as published (CSL "; and any successor..." tails removed) */
    enum cl_screen_name_kind kind;
};

/* One listed party. Every pointer is owned by the cl_screen_lists that holds the entry. */
struct cl_screen_entry {
    const char *list;   /* the versioned data set: "ofac-sdn", "ofac-nonsdn", "un", "bis-dpl", "csl" */
    const char *id;     /* unique and stable within the list: "sdn:306", "un:6908402", "csl:EL:..." */
    const char *source; /* the published list it is on: "SDN", "NS-PLC", "UN", "DPL", "EL", "MEU", ... */
    enum cl_screen_type type;
    const char *programs; /* "CUBA; IRAN" or NULL */
    const char *remarks;  /* or NULL */
    struct cl_screen_name *names;
    size_t n_names;
    const char **countries; /* as published ("Cuba", "CN"); compared through cl_screen_country_code */
    size_t n_countries;
    const char **births; /* dates of birth: "1962", "1962-03-04", "1974..1975" */
    size_t n_births;
};

/* What one file gave. */
struct cl_screen_file_report {
    const char *path;
    const char *format; /* "ofac-sdn-csv", "ofac-alt-csv", "ofac-add-csv", "ofac-comments-csv", "un-xml",
                           "bis-dpl-tsv", "csl-csv", "csl-csv-id" */
    const char *list;
    size_t rows;    /* data rows read (header excluded) */
    size_t skipped; /* malformed rows skipped (only with skip_bad_rows) */
    size_t orphans; /* alias/address/comment rows naming an entry absent from the primary file: ignored */
};

/* Entries read from list files or loaded from the store; owns everything it points to. */
struct cl_screen_lists {
    struct cl_arena arena;
    struct cl_screen_entry *entries; /* malloc'd array */
    size_t n_entries, cap_entries;
    size_t n_names; /* names over all entries */
    struct cl_screen_file_report files[CL_LIMIT_LIST_FILES];
    size_t n_files;
    const char **skipped; /* "sdn.csv:12: ..." for each row skipped, malloc'd array of arena strings */
    size_t n_skipped, cap_skipped;
};

/* Fills caller memory with an empty set. */
void cl_screen_lists_init(struct cl_screen_lists *l);
/* Frees everything the set owns; l may be used again after cl_screen_lists_init. */
void cl_screen_lists_release(struct cl_screen_lists *l);

struct cl_screen_read_options {
    bool skip_bad_rows; /* skip malformed rows (each reported in lists->skipped) instead of failing */
    /* Called now and then while reading; bytes_done of bytes_total over all files. May be NULL. */
    void (*progress)(void *ctx, size_t bytes_done, size_t bytes_total);
    void *progress_ctx;
};

/* Reads list files into l, detecting each file's format from its content (and, for OFAC CSV sets, its name:
 * cons_*.csv is the non-SDN list). OFAC alias, address and comment files are joined to the primary file
 * (sdn.csv or cons_prim.csv) given in the same call, wherever it lives; without it they are an error.
 * All or nothing: on a malformed row (error naming file and line) l is left as it was unless
 * options->skip_bad_rows. options may be NULL. Borrows paths. Errors: CL_ERR_IO, CL_ERR_INPUT, CL_ERR_LIMIT. */
enum cl_err cl_screen_lists_read_files(struct cl_screen_lists *l, const char *const *paths, size_t n_paths,
                                       const struct cl_screen_read_options *options, struct cl_error *err);

/* Reads one file's bytes already in memory; name is used for format detection and messages (the fuzz
 * targets' entry point). OFAC alias, address and comment files read alone give their orphan counts only. */
enum cl_err cl_screen_lists_read_buffer(struct cl_screen_lists *l, const char *name, const char *buf, size_t len,
                                        const struct cl_screen_read_options *options, struct cl_error *err);

/* ---- normalisation ------------------------------------------------------------------------------------------- */

/* The normalised forms of one name, for display and tests: each variant is space-separated tokens, legal forms
 * written "~ltd", "~jsc", "~corp", "~co". Variant 0 is Latin; a Han name adds a form with its syllables joined and,
 * when every character has one, its Korean reading; a name in another script adds its original-script tokens. */
#define CL_SCREEN_VARIANTS_MAX 4
struct cl_screen_normal {
    int n_variants;
    char variant[CL_SCREEN_VARIANTS_MAX][CL_LIMIT_NAME_BYTES];
    const char *label[CL_SCREEN_VARIANTS_MAX]; /* "latin", "joined", "korean", "original" */
};
/* Normalises len bytes of UTF-8 (invalid bytes become U+FFFD). Thread-safe. Never fails on content: an empty
 * result means the name had no usable token. CL_ERR_LIMIT if len > CL_LIMIT_NAME_BYTES. */
enum cl_err cl_screen_name_normalize(const char *name, size_t len, struct cl_screen_normal *out, struct cl_error *err);

/* A country name or ISO 3166 alpha-2 code to its alpha-2 code in lower case ("Iran" and "IR" give "ir");
 * NULL if unknown. Returns static storage. */
const char *cl_screen_country_code(const char *name, size_t len);

/* ---- configuration ------------------------------------------------------------------------------------------- */

/* Thresholds and qualifier weights; scores are in [0, 1]. */
struct cl_screen_config {
    double review;           /* a best score at or above this is "review" (default 0.82) */
    double block;            /* at or above this, "block" (default 0.95) */
    size_t max_matches;      /* matches reported per party (default 10) */
    double country_match;    /* added when a given country is among the entry's (default 0.03) */
    double country_mismatch; /* subtracted when the entry names countries and none is given (default 0.05) */
    double birth_match;      /* added when the given year of birth is among the entry's (default 0.05) */
    double birth_mismatch;   /* subtracted when the entry's years of birth are all 2+ years off (default 0.15) */
    double type_mismatch;    /* subtracted when individual meets entity, vessel or aircraft (default 0.15) */
};
/* Fills the defaults. */
void cl_screen_config_init(struct cl_screen_config *c);
/* Overrides fields from a JSON object file {"review": 0.8, "block": 0.95, "max_matches": 10, "country_match":
 * ..., ...}; unknown keys are errors. Checks 0 < review <= block <= 1. */
enum cl_err cl_screen_config_load(const char *path, struct cl_screen_config *c, struct cl_error *err);
/* Checks the relationships of the thresholds; CL_ERR_INPUT naming the field. */
enum cl_err cl_screen_config_check(const struct cl_screen_config *c, struct cl_error *err);

/* ---- screening ----------------------------------------------------------------------------------------------- */

enum cl_screen_decision { CL_SCREEN_CLEAR, CL_SCREEN_REVIEW, CL_SCREEN_BLOCK };
const char *cl_screen_decision_name(enum cl_screen_decision d); /* "clear", "review", "block" */
bool cl_screen_decision_parse(const char *s, enum cl_screen_decision *out);

/* A party to screen. Everything is borrowed for the call. */
struct cl_screen_party {
    const char *const *names; /* primary name, aliases, original-script names: each screened, best kept */
    size_t n_names;
    const char *country;      /* optional: name or ISO alpha-2 code */
    int birth_year;           /* optional: 0 if unknown */
    enum cl_screen_type type; /* optional: CL_SCREEN_TYPE_UNKNOWN */
};

/* How one query token was matched. */
enum cl_screen_how {
    CL_SCREEN_HOW_EXACT,
    CL_SCREEN_HOW_TYPO,     /* small edit distance */
    CL_SCREEN_HOW_PHONETIC, /* same consonant skeleton (vowel and spelling variants) */
    CL_SCREEN_HOW_INITIAL,
    CL_SCREEN_HOW_JOINED, /* tokens joined or split: "bin laden" / "binladen" */
    CL_SCREEN_HOW_LEGAL,  /* legal forms of one family across languages */
    CL_SCREEN_HOW_UNMATCHED,
};
const char *cl_screen_how_name(enum cl_screen_how h);

struct cl_screen_token_match {
    const char *query;  /* the query token(s), normalised; NULL when a listed token found no partner */
    const char *listed; /* the listed token(s); NULL when a query token found no partner */
    enum cl_screen_how how;
    double similarity; /* 0..1 */
    double weight;     /* its share of the score's denominator */
};

/* One scored pair of names, with its explanation. Strings are owned by the arena given to the call. */
struct cl_screen_explain {
    double name_score;       /* before qualifiers */
    double score;            /* after qualifiers, clamped to [0, 1] */
    const char *variant;     /* which normalised forms met: "latin", "joined", "original" */
    const char *query_form;  /* the query's normalised form */
    const char *listed_form; /* the listed name's normalised form */
    struct cl_screen_token_match *tokens;
    size_t n_tokens;
    const char *qualifiers; /* "country matches (+0.03); ..." or NULL */
};

struct cl_screen_match {
    const struct cl_screen_entry *entry;  /* borrowed from the index's lists */
    const char *list, *entry_id, *source; /* copies in the result's arena, valid without the index */
    const char *matched_name;             /* the listed name that scored best */
    const char *query_name;               /* the party's name that scored best */
    struct cl_screen_explain explain;
};

struct cl_screen_result {
    enum cl_screen_decision decision;
    double best_score;
    struct cl_screen_match *matches; /* best first, at most config->max_matches, all >= config->review */
    size_t n_matches;
    size_t candidates; /* names the index proposed and the scorer scored */
};

struct cl_screen_index;

/* Builds the index over every name of every entry of lists. lists is borrowed and must outlive the index and
 * every result that points into it. The index is immutable: any number of threads may screen with it at once.
 * Free with cl_screen_index_free. Errors: CL_ERR_NOMEM, CL_ERR_LIMIT (more than CL_LIMIT_LIST_ENTRIES names). */
enum cl_err cl_screen_index_build(const struct cl_screen_lists *lists, struct cl_screen_index **out,
                                  struct cl_error *err);
void cl_screen_index_free(struct cl_screen_index *idx); /* NULL does nothing */

struct cl_screen_index_stats {
    size_t entries, names, variants, vocabulary, postings, deletion_keys;
    size_t memory_bytes;
};
void cl_screen_index_stats(const struct cl_screen_index *idx, struct cl_screen_index_stats *out);

/* Screens a party with the index. full_scan scores every listed name instead of the index's candidates (the
 * reference for measuring the index's recall). Results are allocated in arena (release it to free them).
 * Thread-safe. Errors: CL_ERR_USAGE (no name), CL_ERR_LIMIT (too many names, a name too long), CL_ERR_NOMEM. */
enum cl_err cl_screen_party_screen(const struct cl_screen_index *idx, const struct cl_screen_config *config,
                                   const struct cl_screen_party *party, bool full_scan, struct cl_arena *arena,
                                   struct cl_screen_result *out, struct cl_error *err);

/* Scores one pair of names with no list: the score of `clearance match`. entry_type is the listed side's type
 * (affects missing-middle-name handling). Results in arena. Thread-safe. */
enum cl_err cl_screen_names_match(const char *query, const char *listed, enum cl_screen_type listed_type,
                                  struct cl_arena *arena, struct cl_screen_explain *out, struct cl_error *err);

/* ---- JSON ---------------------------------------------------------------------------------------------------- */

/* New JSON values (json_decref them); NULL on allocation failure. */
json_t *cl_screen_explain_to_json(const struct cl_screen_explain *e);
json_t *cl_screen_match_to_json(const struct cl_screen_match *m);
/* {"decision", "score", "candidates", "matches": [...]} */
json_t *cl_screen_result_to_json(const struct cl_screen_result *r);
json_t *cl_screen_entry_to_json(const struct cl_screen_entry *e);
/* Reads back an entry written by cl_screen_entry_to_json, its strings copied into lists' arena and appended to
 * lists. CL_ERR_INPUT naming the field. */
enum cl_err cl_screen_entry_from_json(struct cl_screen_lists *lists, const json_t *j, struct cl_error *err);

/* ---- storage ------------------------------------------------------------------------------------------------- */

/* Creates or upgrades the module's tables (component "screen"). */
enum cl_err cl_screen_store_migrate(struct cl_store *st, struct cl_error *err);

/* What an import changed in one list. */
struct cl_screen_list_delta {
    char list[32];
    int64_t version; /* the new version number of the list */
    size_t entries, added, removed, changed;
};
/* A subject whose decision changed on an import. */
struct cl_screen_subject_change {
    char key[CL_LIMIT_ID_BYTES];
    enum cl_screen_decision before, after;
    double score_before, score_after;
};
/* Everything an import did. Owns its arrays: release with cl_screen_import_report_release. */
struct cl_screen_import_report {
    struct cl_screen_list_delta *lists;
    size_t n_lists;
    struct cl_screen_subject_change *subjects; /* decisions that changed */
    size_t n_subjects;
    size_t subjects_rescreened;
};
void cl_screen_import_report_release(struct cl_screen_import_report *r);

/* Stores lists as the new version of each list they hold, in one write transaction of its own: entries added,
 * removed and changed against the stored version are recorded; a list whose content did not change gets no new
 * version. Then every stored subject is re-screened against the delta only (entries added or changed, and
 * matches on removed or changed entries dropped), and its stored result updated. now is the import time.
 * Borrows lists; fills out (release it). Errors: CL_ERR_STORE, CL_ERR_BUSY, CL_ERR_NOMEM. */
enum cl_err cl_screen_store_import(struct cl_store *st, const struct cl_screen_lists *lists,
                                   const struct cl_screen_config *config, cl_time now,
                                   struct cl_screen_import_report *out, struct cl_error *err);

/* Loads the current version of every stored list into l (initialised by the caller). */
enum cl_err cl_screen_store_load(struct cl_store *st, struct cl_screen_lists *l, struct cl_error *err);

/* One stored list, for status. */
struct cl_screen_list_status {
    char list[32];
    int64_t version;
    size_t entries, names;
    size_t added, removed, changed; /* by the latest version */
    char imported_at[CL_TIME_TEXT_BYTES];
    char files[CL_LIMIT_TEXT_BYTES]; /* the files the latest version came from */
};
/* Fills out[] with at most cap lists, sorted by name; *out_n is how many there are. */
enum cl_err cl_screen_store_status(struct cl_store *st, struct cl_screen_list_status *out, size_t cap, size_t *out_n,
                                   struct cl_error *err);

/* ---- screening subjects -------------------------------------------------------------------------------------- */

/* A party another module wants screened now and re-screened on every list import. */
struct cl_screen_subject {
    const char *key; /* caller's choice, e.g. "party:17"; at most CL_LIMIT_ID_BYTES - 1 bytes */
    struct cl_screen_party party;
};

/* A subject's latest stored result, in the caller's arena. */
struct cl_screen_subject_record {
    const char *key;
    const char **names;
    size_t n_names;
    const char *country;
    int birth_year;
    enum cl_screen_type type;
    enum cl_screen_decision decision;
    double score;
    char screened_at[CL_TIME_TEXT_BYTES];
    json_t *result; /* the stored result (cl_screen_result_to_json form); owned: json_decref it */
};

/* Registers or updates a subject and screens it with idx (which must hold the store's current lists), storing
 * the result with time now, in a write transaction of its own. Fills out_result (may be NULL) from arena.
 * Errors: CL_ERR_USAGE (bad key, no names), CL_ERR_LIMIT, CL_ERR_STORE, CL_ERR_BUSY. */
enum cl_err cl_screen_subject_put(struct cl_store *st, const struct cl_screen_index *idx,
                                  const struct cl_screen_config *config, const struct cl_screen_subject *subject,
                                  cl_time now, struct cl_arena *arena, struct cl_screen_result *out_result,
                                  struct cl_error *err);
/* Reads a subject's latest result into out (strings in arena, out->result owned by the caller).
 * CL_ERR_NOT_FOUND if no such key. */
enum cl_err cl_screen_subject_get(struct cl_store *st, const char *key, struct cl_arena *arena,
                                  struct cl_screen_subject_record *out, struct cl_error *err);

#endif
