/* Reference data and the queries over it, JSON in and JSON out: the chip catalog, the classification
 * definitions and the rule set loaded once, then classify, compare, chips, rules in force and determine.
 * The CLI, the server and the CLI's remote mode all call these, so a request means the same thing everywhere
 * and errors name the request field ("$.to: ..."). Loaded state is read-only: many threads may query it. */
#ifndef CLEARANCE_REFERENCE_H
#define CLEARANCE_REFERENCE_H

#include <jansson.h>

#include "clearance/catalog.h"
#include "clearance/rules.h"

struct cl_reference {
    struct cl_catalog catalog;
    struct cl_classifier classifier;
    struct cl_ruleset rules;
    char data_dir[1024];
    char rules_dir[1024];
};

/* Loads data_dir/chips.json, data_dir/classification.json and the rules folder (rules_dir, or data_dir/rules
 * when NULL). Release with cl_reference_release. */
enum cl_err cl_reference_load(const char *data_dir, const char *rules_dir, struct cl_reference *out,
                              struct cl_error *err);
void cl_reference_release(struct cl_reference *ref);

/* Finds the chip a request names: "product" (or "chip") as a catalog name, or "spec" as an inline chip object.
 * Strings of a spec chip live in arena. CL_ERR_NOT_FOUND names the field when the catalog has no such chip. */
enum cl_err cl_reference_chip(const struct cl_reference *ref, const json_t *req, const char *name_field,
                              struct cl_arena *arena, struct cl_chip *spec_storage, const struct cl_chip **out,
                              struct cl_error *err);

/* The sale a request describes, classified on its date: fields product|spec, to, from, headquarters, buyer,
 * end_use, transaction, listed_on (array), quantity, value_usd (string "1234.56" or integer dollars), date
 * (default today). Everything lives in arena or borrows from req and ref. */
enum cl_err cl_reference_sale(const struct cl_reference *ref, const json_t *req, struct cl_arena *arena,
                              struct cl_sale **out, struct cl_error *err);

/* Queries. Each returns a new JSON document in *out. */
/* {"chip": NAME | "spec": {...}, "date": D} -> the classification */
enum cl_err cl_reference_classify(const struct cl_reference *ref, const json_t *req, json_t **out,
                                  struct cl_error *err);
/* {"a": NAME, "b": NAME} -> ratios */
enum cl_err cl_reference_compare(const struct cl_reference *ref, const json_t *req, json_t **out,
                                 struct cl_error *err);
/* {} -> the catalog with TPP and PD */
enum cl_err cl_reference_chips(const struct cl_reference *ref, json_t **out, struct cl_error *err);
/* {"date": D, "jurisdiction": J} -> rules in force */
enum cl_err cl_reference_rules_at(const struct cl_reference *ref, const json_t *req, json_t **out,
                                  struct cl_error *err);
/* a sale (see cl_reference_sale) -> the determination, with the rule set's digest */
enum cl_err cl_reference_determine(const struct cl_reference *ref, const json_t *req, json_t **out,
                                   struct cl_error *err);

#endif
