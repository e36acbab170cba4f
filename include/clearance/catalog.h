/* The chip catalog and export-control classification: TPP and PD from specs, ECCN paragraphs and bands from
 * effective-dated definitions kept as data. Pure: no storage, no clock. */
#ifndef CLEARANCE_CATALOG_H
#define CLEARANCE_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clearance/core.h"

/* One precision a chip computes in: dense peak throughput (no sparsity) in thousandths of TOPS/TFLOPS. */
struct cl_precision {
    const char *name; /* "FP8", "BF16", "INT8" */
    int bits;
    int64_t dense_tops_milli;
};

/* A chip from the catalog or a spec file. Quantities are thousandths (milli) so no floating point is needed;
 * 0 means unknown for die area, memory and bandwidth. Strings are owned by the catalog's arena. */
struct cl_chip {
    const char *name;
    const char *vendor;
    const char **aliases;
    size_t n_aliases;
    struct cl_precision prec[CL_LIMIT_PRECISIONS];
    size_t n_prec;
    int64_t die_area_mm2_milli;        /* all logic dies on a non-planar process: the PD denominator */
    int64_t memory_gb_milli;
    int64_t memory_bandwidth_gbps_milli;
    bool data_center;                  /* designed or marketed for data centres */
    bool confirmed;                    /* false when any figure is disputed or estimated */
    const char *notes;
    const char **sources;
    size_t n_sources;
};

struct cl_catalog {
    struct cl_chip *chips;
    size_t n_chips;
    struct cl_arena arena;
};

/* Loads a catalog file ({"chips": [...]}) into cat (caller memory; free with cl_catalog_release). Errors name the
 * file and JSON path. */
enum cl_err cl_catalog_load(const char *path, struct cl_catalog *cat, struct cl_error *err);
void cl_catalog_release(struct cl_catalog *cat);
/* Finds a chip by name or alias, ignoring case, spaces and hyphens ("h200", "H200 SXM"); NULL if absent.
 * The result is borrowed from cat. */
const struct cl_chip *cl_catalog_find(const struct cl_catalog *cat, const char *name);
/* True when two chip names are the same ignoring case, spaces, hyphens and underscores ("h200 sxm" = "H200-SXM"). */
bool cl_chip_name_matches(const char *a, const char *b);
/* Reads one chip from a spec file: the same object as a catalog entry. Strings live in arena. */
enum cl_err cl_chip_load_spec(const char *path, struct cl_arena *arena, struct cl_chip *out, struct cl_error *err);
/* Parses one chip object found at json_path inside source (for error messages). Strings live in arena. */
enum cl_err cl_chip_parse(const json_t *obj, const char *source, const char *json_path, struct cl_arena *arena,
                          struct cl_chip *out, struct cl_error *err);

/* TPP and PD. TPP = max over precisions of dense TOPS x bit length; PD = TPP / die area. */
struct cl_chip_metrics {
    int64_t tpp_milli;
    const char *tpp_precision; /* the precision that gave the maximum (borrowed from the chip) */
    bool pd_known;             /* false when the die area is unknown */
    int64_t pd_milli;          /* PD rounded to thousandths, for display only: comparisons are exact */
};
void cl_chip_metrics(const struct cl_chip *chip, struct cl_chip_metrics *out);

/* ---- classification definitions ---------------------------------------------------------------------------- */

/* A numeric bound on TPP, PD or memory bandwidth: value >= min (when has_min) and value < below (has_below). */
struct cl_bound {
    bool has_min, has_below;
    int64_t min_milli, below_milli;
};

/* One clause of an ECCN paragraph: all its bounds must hold. */
struct cl_clause {
    const char *id;   /* "3A090.a.2" */
    const char *text; /* "TPP >= 1600 and PD >= 5.92" */
    struct cl_bound tpp, pd;
};

struct cl_paragraph {
    const char *eccn; /* "3A090.a" */
    struct cl_clause *clauses;
    size_t n_clauses;
};

/* A band named by rules ("us-2026-case-by-case"): bounds on TPP and memory bandwidth. */
struct cl_band {
    const char *id;
    const char *text;
    const char *citation;
    cl_date effective_from, effective_to; /* inclusive; CL_DATE_NONE for an open end */
    struct cl_bound tpp, bandwidth;
};

/* One effective-dated control text (the 2023 3A090 rule): its paragraphs in order, checked first to last. */
struct cl_regime {
    const char *id;
    const char *citation;
    const char *url;
    cl_date effective_from, effective_to;
    struct cl_paragraph *paragraphs;
    size_t n_paragraphs;
    /* Items not designed or marketed for data centres below this TPP are outside the regime. */
    struct cl_bound non_data_center_exclusion_tpp;
    const char *non_data_center_text;
};

struct cl_classifier {
    struct cl_regime *regimes;
    size_t n_regimes;
    struct cl_band *bands;
    size_t n_bands;
    struct cl_arena arena;
};

/* Loads classification definitions ({"regimes": [...], "bands": [...]}); free with cl_classifier_release. */
enum cl_err cl_classifier_load(const char *path, struct cl_classifier *cls, struct cl_error *err);
void cl_classifier_release(struct cl_classifier *cls);
const struct cl_band *cl_classifier_band(const struct cl_classifier *cls, const char *id);

/* ---- classification results -------------------------------------------------------------------------------- */

#define CL_CLASSIFY_MAX_CLAUSES 16
#define CL_CLASSIFY_MAX_BANDS 16

struct cl_clause_result {
    const char *eccn;
    const struct cl_clause *clause;
    bool matched;
    bool indeterminate;  /* PD needed but the die area is unknown */
    char detail[192];    /* "TPP 15832 >= 4800: yes" */
};

struct cl_band_result {
    const struct cl_band *band;
    bool inside;
    char detail[192];    /* "TPP 15832 < 21000: yes; bandwidth 4800 GB/s < 6500 GB/s: yes" */
};

struct cl_classification {
    const struct cl_chip *chip;     /* borrowed */
    cl_date date;
    struct cl_chip_metrics metrics;
    const struct cl_regime *regime; /* NULL when no regime is in force on date */
    const char *eccn;               /* "3A090.a", "3A090.b", or NULL: not 3A090 */
    const char *matched_clause;     /* clause id, or the exclusion's reason */
    bool excluded_non_data_center;
    struct cl_clause_result clauses[CL_CLASSIFY_MAX_CLAUSES];
    size_t n_clauses;
    struct cl_band_result bands[CL_CLASSIFY_MAX_BANDS];
    size_t n_bands;
};

/* Classifies chip under the definitions in force on date. Borrows chip and cls, which must outlive out. */
void cl_classify(const struct cl_classifier *cls, const struct cl_chip *chip, cl_date date,
                 struct cl_classification *out);
/* True when the classification is inside the band with this id (and the band is in force). */
bool cl_classification_in_band(const struct cl_classification *c, const char *band_id);

/* JSON forms, shared by the CLI and the server. Return new references (json_decref), NULL on allocation failure. */
json_t *cl_chip_to_json(const struct cl_chip *chip);
json_t *cl_classification_to_json(const struct cl_classification *c);

/* Ratios of a over b, in thousandths (6.686 -> 6686); 0 when b's figure is unknown. */
struct cl_comparison {
    const struct cl_chip *a, *b;
    struct cl_chip_metrics ma, mb;
    int64_t tpp_ratio_milli, bandwidth_ratio_milli, memory_ratio_milli, pd_ratio_milli;
};
void cl_chip_compare(const struct cl_chip *a, const struct cl_chip *b, struct cl_comparison *out);
json_t *cl_comparison_to_json(const struct cl_comparison *c);

#endif
