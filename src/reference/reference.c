/* Reference data loaded once, and the JSON-level queries the CLI, the server and remote clients share. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "clearance/json.h"
#include "clearance/reference.h"

enum cl_err cl_reference_load(const char *data_dir, const char *rules_dir, struct cl_reference *out,
                              struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->data_dir, sizeof(out->data_dir), "%s", data_dir);
    if (rules_dir) snprintf(out->rules_dir, sizeof(out->rules_dir), "%s", rules_dir);
    else snprintf(out->rules_dir, sizeof(out->rules_dir), "%s/rules", data_dir);
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/chips.json", data_dir);
    enum cl_err rc = cl_catalog_load(path, &out->catalog, err);
    if (rc) return rc;
    snprintf(path, sizeof(path), "%s/classification.json", data_dir);
    rc = cl_classifier_load(path, &out->classifier, err);
    if (rc) {
        cl_catalog_release(&out->catalog);
        return rc;
    }
    rc = cl_ruleset_load_dir(out->rules_dir, &out->classifier, &out->rules, err);
    if (rc) {
        cl_classifier_release(&out->classifier);
        cl_catalog_release(&out->catalog);
    }
    return rc;
}

void cl_reference_release(struct cl_reference *ref)
{
    cl_ruleset_release(&ref->rules);
    cl_classifier_release(&ref->classifier);
    cl_catalog_release(&ref->catalog);
}

static enum cl_err get_date(const json_t *req, const char *key, cl_date *out, struct cl_error *err)
{
    const json_t *v = json_object_get(req, key);
    if (!v || json_is_null(v)) {
        *out = cl_date_today();
        return CL_OK;
    }
    if (json_is_string(v) && strcmp(json_string_value(v), "today") == 0) {
        *out = cl_date_today();
        return CL_OK;
    }
    return cl_json_get_date(req, key, "$", true, out, err);
}

enum cl_err cl_reference_chip(const struct cl_reference *ref, const json_t *req, const char *name_field,
                              struct cl_arena *arena, struct cl_chip *spec_storage, const struct cl_chip **out,
                              struct cl_error *err)
{
    const char *name = NULL;
    const json_t *spec = NULL;
    enum cl_err rc = cl_json_get_str(req, name_field, "$", false, CL_LIMIT_ID_BYTES, &name, err);
    if (!rc) rc = cl_json_get_object(req, "spec", "$", false, &spec, err);
    if (rc) return rc;
    if (name && spec) return cl_error_set(err, CL_ERR_INPUT, "$.%s: give a chip name or a spec, not both", name_field);
    if (spec) {
        rc = cl_chip_parse(spec, NULL, "$.spec", arena, spec_storage, err);
        if (!rc) *out = spec_storage;
        return rc;
    }
    if (!name) return cl_error_set(err, CL_ERR_INPUT, "$.%s: missing field (a chip name, or a spec object)", name_field);
    *out = cl_catalog_find(&ref->catalog, name);
    if (!*out)
        return cl_error_set(err, CL_ERR_NOT_FOUND, "$.%s: no chip \"%s\" in the catalog (list them with chips; describe "
                            "others with a spec)", name_field, name);
    return CL_OK;
}

/* A country field: two letters, upper-cased into arena. */
static enum cl_err get_country(const json_t *req, const char *key, bool required, struct cl_arena *arena,
                               const char **out, struct cl_error *err)
{
    const char *s = NULL;
    enum cl_err rc = cl_json_get_str(req, key, "$", required, 64, &s, err);
    if (rc || !s) return rc;
    if (strlen(s) != 2 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1]))
        return cl_error_set(err, CL_ERR_INPUT, "$.%s: \"%s\" is not a two-letter country code (ISO 3166, e.g. CN)", key, s);
    char *c = cl_arena_alloc(arena, 3);
    if (!c) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    c[0] = (char)toupper((unsigned char)s[0]);
    c[1] = (char)toupper((unsigned char)s[1]);
    *out = c;
    return CL_OK;
}

enum cl_err cl_reference_sale(const struct cl_reference *ref, const json_t *req, struct cl_arena *arena,
                              struct cl_sale **out, struct cl_error *err)
{
    static const char *const keys[] = {"product", "spec", "to", "from", "headquarters", "buyer", "end_use",
                                       "transaction", "listed_on", "quantity", "value_usd", "date", NULL};
    struct cl_sale *sale = cl_arena_alloc(arena, sizeof(*sale));
    struct cl_classification *cls = cl_arena_alloc(arena, sizeof(*cls));
    struct cl_chip *spec = cl_arena_alloc(arena, sizeof(*spec));
    if (!sale || !cls || !spec) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    const struct cl_chip *chip = NULL;
    const json_t *lists = NULL;
    enum cl_err rc = cl_json_check_keys(req, "$", keys, err);
    if (!rc) rc = cl_reference_chip(ref, req, "product", arena, spec, &chip, err);
    if (!rc) rc = get_country(req, "to", true, arena, &sale->destination, err);
    if (!rc) rc = get_country(req, "from", false, arena, &sale->exported_from, err);
    if (!rc) rc = get_country(req, "headquarters", false, arena, &sale->headquarters, err);
    if (!rc) rc = cl_json_get_str(req, "buyer", "$", false, CL_LIMIT_NAME_BYTES, &sale->buyer, err);
    if (!rc) rc = cl_json_get_str(req, "end_use", "$", false, CL_LIMIT_ID_BYTES, &sale->end_use, err);
    if (!rc) rc = cl_json_get_str(req, "transaction", "$", false, CL_LIMIT_ID_BYTES, &sale->transaction, err);
    if (!rc) rc = cl_json_get_int(req, "quantity", "$", false, 0, INT64_MAX / 4, &sale->quantity, err);
    if (!rc) rc = cl_json_get_array(req, "listed_on", "$", false, CL_SALE_MAX_LISTS, &lists, err);
    if (!rc) rc = get_date(req, "date", &sale->date, err);
    if (rc) return rc;
    if (!sale->exported_from) sale->exported_from = "US";
    if (sale->transaction && strcmp(sale->transaction, "export") && strcmp(sale->transaction, "reexport") &&
        strcmp(sale->transaction, "in_country_transfer"))
        return cl_error_set(err, CL_ERR_INPUT, "$.transaction: \"%s\" is not export, reexport or in_country_transfer",
                            sale->transaction);
    const json_t *value = json_object_get(req, "value_usd");
    if (json_is_string(value)) {
        if (cl_money_parse(json_string_value(value), json_string_length(value), &sale->value_cents))
            return cl_error_set(err, CL_ERR_INPUT, "$.value_usd: \"%s\" is not an amount in US dollars (1234.56)",
                                json_string_value(value));
    } else if (json_is_integer(value)) {
        json_int_t v = json_integer_value(value);
        if (v < 0 || v > INT64_MAX / 100) return cl_error_set(err, CL_ERR_INPUT, "$.value_usd: out of range");
        sale->value_cents = v * 100;
    } else if (value && !json_is_null(value)) {
        return cl_error_set(err, CL_ERR_INPUT, "$.value_usd: expected a decimal string (\"1234.56\") or whole dollars");
    }
    for (size_t i = 0; lists && i < json_array_size(lists); i++) {
        const json_t *l = json_array_get(lists, i);
        if (!json_is_string(l) || json_string_length(l) == 0)
            return cl_error_set(err, CL_ERR_INPUT, "$.listed_on[%zu]: expected a list name", i);
        sale->listed_on[sale->n_listed_on++] = json_string_value(l);
    }
    cl_classify(&ref->classifier, chip, sale->date, cls);
    sale->classification = cls;
    *out = sale;
    return CL_OK;
}

enum cl_err cl_reference_classify(const struct cl_reference *ref, const json_t *req, json_t **out,
                                  struct cl_error *err)
{
    static const char *const keys[] = {"chip", "spec", "date", NULL};
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_chip spec;
    const struct cl_chip *chip = NULL;
    cl_date date;
    enum cl_err rc = cl_json_check_keys(req, "$", keys, err);
    if (!rc) rc = cl_reference_chip(ref, req, "chip", &arena, &spec, &chip, err);
    if (!rc) rc = get_date(req, "date", &date, err);
    if (!rc) {
        struct cl_classification c;
        cl_classify(&ref->classifier, chip, date, &c);
        *out = cl_classification_to_json(&c);
        json_object_set_new(*out, "chip_data", cl_chip_to_json(chip));
        if (!*out) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    cl_arena_release(&arena);
    return rc;
}

enum cl_err cl_reference_compare(const struct cl_reference *ref, const json_t *req, json_t **out,
                                 struct cl_error *err)
{
    static const char *const keys[] = {"a", "b", NULL};
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_chip sa, sb;
    const struct cl_chip *a = NULL, *b = NULL;
    enum cl_err rc = cl_json_check_keys(req, "$", keys, err);
    if (!rc) rc = cl_reference_chip(ref, req, "a", &arena, &sa, &a, err);
    if (!rc) rc = cl_reference_chip(ref, req, "b", &arena, &sb, &b, err);
    if (!rc) {
        struct cl_comparison c;
        cl_chip_compare(a, b, &c);
        *out = cl_comparison_to_json(&c);
    }
    cl_arena_release(&arena);
    return rc;
}

enum cl_err cl_reference_chips(const struct cl_reference *ref, json_t **out, struct cl_error *err)
{
    (void)err;
    json_t *arr = json_array();
    for (size_t i = 0; i < ref->catalog.n_chips; i++) {
        const struct cl_chip *c = &ref->catalog.chips[i];
        struct cl_chip_metrics m;
        cl_chip_metrics(c, &m);
        json_t *o = cl_chip_to_json(c);
        json_object_set_new(o, "tpp", m.tpp_milli % 1000 ? json_real((double)m.tpp_milli / 1000) : json_integer(m.tpp_milli / 1000));
        json_object_set_new(o, "performance_density", m.pd_known ? json_real((double)m.pd_milli / 1000) : json_null());
        json_array_append_new(arr, o);
    }
    *out = arr;
    return CL_OK;
}

enum cl_err cl_reference_rules_at(const struct cl_reference *ref, const json_t *req, json_t **out,
                                  struct cl_error *err)
{
    static const char *const keys[] = {"date", "jurisdiction", NULL};
    cl_date date;
    const char *jur = NULL;
    enum cl_err rc = cl_json_check_keys(req, "$", keys, err);
    if (!rc) rc = get_date(req, "date", &date, err);
    if (!rc) rc = cl_json_get_str(req, "jurisdiction", "$", false, 8, &jur, err);
    if (rc) return rc;
    json_t *arr = json_array();
    for (size_t i = 0; i < ref->rules.n_rules; i++) {
        const struct cl_rule *r = &ref->rules.rules[i];
        if (!cl_rule_in_force(r, date) || (jur && strcasecmp(jur, r->jurisdiction) != 0)) continue;
        json_array_append_new(arr, cl_rule_to_json(r));
    }
    char d[CL_DATE_TEXT_BYTES];
    cl_date_format(date, d);
    *out = json_pack("{s:s, s:s, s:o}", "date", d, "ruleset_digest", ref->rules.digest, "rules", arr);
    return CL_OK;
}

enum cl_err cl_reference_determine(const struct cl_reference *ref, const json_t *req, json_t **out,
                                   struct cl_error *err)
{
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_sale *sale = NULL;
    struct cl_determination det;
    enum cl_err rc = cl_reference_sale(ref, req, &arena, &sale, err);
    if (!rc) rc = cl_determine(&ref->rules, sale, &arena, &det, err);
    if (!rc) {
        *out = cl_determination_to_json(&det);
        json_object_set_new(*out, "ruleset_digest", json_string(ref->rules.digest));
    }
    cl_arena_release(&arena);
    return rc;
}
