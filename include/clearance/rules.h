/* The rules engine: effective-dated rules per jurisdiction kept as data, checked strictly, and a pure
 * determination of what a sale needs on each side, with the citation of every line. No storage, no clock. */
#ifndef CLEARANCE_RULES_H
#define CLEARANCE_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clearance/catalog.h"
#include "clearance/core.h"

/* Review policies, from least to most restrictive; the order is how rules combine. */
#define CL_POLICY_MAP(X)                                                                                        \
    X(NONE, "none", "no rule sets a review policy")                                                          \
    X(NLR, "no_licence_required", "no licence or approval required")                                         \
    X(APPROVE, "approve", "presumption of approval")                                                         \
    X(CASE_BY_CASE, "case_by_case", "case-by-case review")                                                    \
    X(DENIAL, "presumption_of_denial", "presumption of denial")                                              \
    X(PROHIBITED, "prohibited", "prohibited")
enum cl_policy {
#define CL_POLICY_ENUM(name, id, text) CL_POLICY_##name,
    CL_POLICY_MAP(CL_POLICY_ENUM)
#undef CL_POLICY_ENUM
};
const char *cl_policy_id(enum cl_policy p);   /* "case_by_case" */
const char *cl_policy_text(enum cl_policy p); /* "case-by-case review" */
bool cl_policy_parse(const char *id, enum cl_policy *out);

/* A set of countries: ISO 3166 alpha-2 codes and country groups, minus excluded groups. */
struct cl_country_set {
    const char **countries;
    size_t n_countries;
    const char **groups;
    size_t n_groups;
    const char **exclude_groups;
    size_t n_exclude_groups;
    const char **exclude_countries;
    size_t n_exclude_countries;
    bool any_country; /* countries ["*"]: every country, minus the exclusions */
};

/* A numeric range: value >= min (has_min) and value < below (has_below), in thousandths. */
struct cl_range {
    bool has_min, has_below;
    int64_t min_milli, below_milli;
};

/* What a rule applies to. Every field given must match (AND); a list matches when any element does (OR);
 * any_of holds alternatives of which at least one must match (they may not nest). */
struct cl_criteria {
    const char **eccn; /* "3A090.a", or "3A090" for any paragraph, or "none" for not classified */
    size_t n_eccn;
    const char **bands; /* ids of bands the chip must be inside */
    size_t n_bands;
    const char **products; /* named products (catalog names) */
    size_t n_products;
    struct cl_range tpp, memory_bandwidth_gbps;
    int data_center; /* -1 any, 0 not designed for data centres, 1 designed for them */
    bool has_destination, has_headquarters, has_destination_or_headquarters, has_exported_from;
    struct cl_country_set destination, headquarters, destination_or_headquarters, exported_from;
    const char **end_uses; /* declared end use is one of these */
    size_t n_end_uses;
    const char **listed_on; /* a party is on one of these lists */
    size_t n_listed_on;
    const char **transactions; /* "export", "reexport", "in_country_transfer" */
    size_t n_transactions;
    struct cl_criteria *any_of;
    size_t n_any_of;
    struct cl_criteria *negated; /* "not": criteria that must not match (may hold any_of, nothing deeper) */
    char *canonical; /* canonical JSON of the criteria, to find identical criteria */
};

struct cl_rule_condition {
    const char *id;
    const char *text;
    bool final;            /* false: the text is not final yet (the NDRC conditions of 2026-01) */
    const char *set_by;    /* "BIS", "NDRC" */
};

/* A tariff or revenue share: rate x base, owed to collector. */
struct cl_rule_charge {
    const char *id;
    const char *kind; /* "tariff", "revenue_share" */
    int32_t rate_ppm;
    const char *base; /* "transaction_value" */
    const char *collector;
    const char *text;
};

struct cl_rule_authorization {
    const char *kind;   /* "export_licence", "purchase_approval", "licence_exception" */
    const char *issuer; /* "BIS", "MOFCOM/MIIT" */
};

struct cl_rule {
    const char *id;
    const char *jurisdiction; /* "US", "CN" */
    const char *title;
    const char *kind;         /* "regulation", "letter", "announcement", "proclamation", "arrangement", ... */
    const char *citation;
    const char *url;
    bool binding;             /* false: listed for information only (an announcement before the rule) */
    bool confirmed;           /* false: no official text; reported */
    cl_date effective_from, effective_to; /* inclusive; effective_to CL_DATE_NONE when open */
    struct cl_criteria criteria;
    /* outcome */
    bool has_authorization;
    struct cl_rule_authorization authorization;
    enum cl_policy policy; /* CL_POLICY_NONE: the rule sets none */
    struct cl_rule_condition *conditions;
    size_t n_conditions;
    struct cl_rule_charge *charges;
    size_t n_charges;
    const char **overrides; /* rule ids whose outcome this rule displaces where both apply */
    size_t n_overrides;
    const char *notes;
    const char *file;       /* the file it was loaded from, for messages */
};

struct cl_country_group {
    const char *id; /* "D:5" */
    const char *name;
    const char *citation;
    const char **members;
    size_t n_members;
};

/* A rule set: every rule file and the country groups of one rules folder. */
struct cl_ruleset {
    struct cl_rule *rules;
    size_t n_rules;
    struct cl_country_group *groups;
    size_t n_groups;
    char digest[65]; /* SHA-256 hex over the canonical content of every file, in file-name order */
    struct cl_arena arena;
};

/* Loads every *.json of dir: rule files ({"jurisdiction": ..., "rules": [...]}) and country group files
 * ({"country_groups": [...]}). Then checks the whole set (see cl_ruleset_check). classifier may be NULL; when
 * given, band ids in criteria must exist in it. Errors name the file and JSON path. Release with
 * cl_ruleset_release. */
enum cl_err cl_ruleset_load_dir(const char *dir, const struct cl_classifier *classifier, struct cl_ruleset *out,
                                struct cl_error *err);
/* Loads the given files as one set (rules check FILE...). */
enum cl_err cl_ruleset_load_files(const char *const *paths, size_t n, const struct cl_classifier *classifier,
                                  struct cl_ruleset *out, struct cl_error *err);
void cl_ruleset_release(struct cl_ruleset *rs);
/* Cross-rule checks: unique ids, known groups and overridden ids, and no contradiction: two binding rules of
 * one jurisdiction with identical criteria, overlapping dates and different review policies, neither overriding
 * the other. */
enum cl_err cl_ruleset_check(const struct cl_ruleset *rs, struct cl_error *err);
const struct cl_rule *cl_ruleset_find(const struct cl_ruleset *rs, const char *id);
bool cl_rule_in_force(const struct cl_rule *r, cl_date d);
/* True when country is in group (by the group's member list). */
bool cl_ruleset_in_group(const struct cl_ruleset *rs, const char *group, const char *country);

/* ---- determination ------------------------------------------------------------------------------------------ */

#define CL_SALE_MAX_LISTS 8

/* The facts of one sale. Strings are borrowed. */
struct cl_sale {
    const struct cl_classification *classification; /* the product, classified on the sale's date */
    const char *destination;    /* ISO alpha-2 */
    const char *exported_from;  /* ISO alpha-2; default "US" */
    const char *headquarters;   /* buyer's headquarters or ultimate parent, ISO alpha-2; may be NULL */
    const char *buyer;          /* may be NULL */
    const char *end_use;        /* "civil", "military", "wmd", "intelligence", "cloud_iaas" ...; may be NULL */
    const char *transaction;    /* "export" (default), "reexport", "in_country_transfer" */
    const char *listed_on[CL_SALE_MAX_LISTS]; /* lists a party is on ("entity_list", "meu_list", "sdn") */
    size_t n_listed_on;
    int64_t quantity;           /* 0 when not given */
    int64_t value_cents;        /* 0 when not given */
    cl_date date;
};

enum cl_rule_effect {
    CL_EFFECT_APPLIED,       /* in force, matched, binding: its outcome counts */
    CL_EFFECT_OVERRIDDEN,    /* matched, but displaced by a rule that overrides it */
    CL_EFFECT_INFORMATIONAL, /* matched, not binding: shown, does not count */
};

struct cl_applied_rule {
    const struct cl_rule *rule;
    enum cl_rule_effect effect;
    const struct cl_rule *overridden_by;
};

/* A rule in force that would have changed the outcome had the sale been different: the relief a user can aim
 * for ("a chip inside band us-2026-case-by-case would be reviewed case by case"). */
struct cl_relief {
    const struct cl_rule *rule;
    char why_not[256]; /* the first criterion that did not match, in words */
};

struct cl_charge_due {
    const struct cl_rule_charge *charge;
    const struct cl_rule *rule;
    int64_t amount_cents; /* rate x value when the value was given, rounded as cl_money_apply_rate */
};

struct cl_condition_due {
    const struct cl_rule_condition *condition;
    const struct cl_rule *rule;
};

struct cl_authorization_due {
    const struct cl_rule_authorization *authorization;
    const struct cl_rule *rule;
};

struct cl_jurisdiction_result {
    const char *jurisdiction;
    enum cl_policy policy;
    const struct cl_rule *policy_rule; /* the rule whose policy won; NULL when none */
    struct cl_authorization_due *authorizations;
    size_t n_authorizations;
    struct cl_condition_due *conditions;
    size_t n_conditions;
    bool conditions_pending; /* some condition's text is not final */
    struct cl_charge_due *charges;
    size_t n_charges;
    struct cl_applied_rule *rules;
    size_t n_rules;
    struct cl_relief *reliefs;
    size_t n_reliefs;
    char summary[256];
};

struct cl_determination {
    const struct cl_sale *sale;
    struct cl_jurisdiction_result *jurisdictions;
    size_t n_jurisdictions;
    enum cl_policy policy; /* most restrictive over jurisdictions */
    bool authorization_required;
    const char *verdict;   /* "not_required", "required", "required_conditions_pending", "denial_expected", "prohibited" */
    char summary[512];
    const char *combination; /* how rules combined, in words */
};

/* How rules combine, in words: printed with every determination and in docs. */
extern const char *const cl_rules_combination_text;

/* Determines what sale needs under rs. Pure: the date is in the sale. Results live in arena and borrow from rs
 * and sale, which must outlive out. */
enum cl_err cl_determine(const struct cl_ruleset *rs, const struct cl_sale *sale, struct cl_arena *arena,
                         struct cl_determination *out, struct cl_error *err);

/* JSON forms (new references) for the CLI and the server. */
json_t *cl_determination_to_json(const struct cl_determination *d);
json_t *cl_rule_to_json(const struct cl_rule *r);

#endif
