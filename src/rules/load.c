/* Loading and checking rule sets: rule files and country groups from a folder, strict about every field. */
#include <dirent.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "clearance/rules.h"

#define RANGE_MAX_MILLI (1000000000LL * 1000LL)

static const char *const policy_ids[] = {
#define CL_POLICY_ID(name, id, text) id,
    CL_POLICY_MAP(CL_POLICY_ID)
#undef CL_POLICY_ID
};
static const char *const policy_texts[] = {
#define CL_POLICY_TEXT(name, id, text) text,
    CL_POLICY_MAP(CL_POLICY_TEXT)
#undef CL_POLICY_TEXT
};
#define N_POLICIES (sizeof(policy_ids) / sizeof(policy_ids[0]))

const char *cl_policy_id(enum cl_policy p)
{
    return (size_t)p < N_POLICIES ? policy_ids[p] : "unknown";
}

const char *cl_policy_text(enum cl_policy p)
{
    return (size_t)p < N_POLICIES ? policy_texts[p] : "unknown";
}

bool cl_policy_parse(const char *id, enum cl_policy *out)
{
    for (size_t i = 1; i < N_POLICIES; i++) /* "none" is not a policy a rule can set */
        if (strcmp(policy_ids[i], id) == 0) {
            *out = (enum cl_policy)i;
            return true;
        }
    return false;
}

/* ---- small parsing helpers ---------------------------------------------------------------------------------- */

struct loader {
    struct cl_arena *arena;
    const char *file;
    struct cl_error *err;
};

static enum cl_err nomem(struct loader *ld)
{
    return cl_error_set(ld->err, CL_ERR_NOMEM, "%s: out of memory", ld->file);
}

static enum cl_err dup_opt(struct loader *ld, const char *s, const char **out)
{
    if (!s) return CL_OK;
    *out = cl_arena_strdup(ld->arena, s);
    return *out ? CL_OK : nomem(ld);
}

static enum cl_err get_text(struct loader *ld, const json_t *o, const char *key, const char *path, bool required,
                            size_t max, const char **out)
{
    const char *s = NULL;
    enum cl_err rc = cl_json_get_str(o, key, path, required, max, &s, ld->err);
    if (!rc) rc = dup_opt(ld, s, out);
    return rc;
}

/* A list of strings, each checked by valid (may be NULL) which returns a complaint or NULL. */
static enum cl_err get_list(struct loader *ld, const json_t *o, const char *key, const char *path,
                            const char *(*valid)(const char *), const char ***out, size_t *out_n)
{
    const json_t *arr = NULL;
    enum cl_err rc = cl_json_get_array(o, key, path, false, CL_LIMIT_CRITERIA_ITEMS, &arr, ld->err);
    if (rc || !arr) return rc;
    size_t n = json_array_size(arr);
    if (n == 0) return cl_error_set(ld->err, CL_ERR_INPUT, "%s.%s: empty list (leave the field out instead)", path, key);
    const char **v = cl_arena_alloc(ld->arena, n * sizeof(*v));
    if (!v) return nomem(ld);
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > CL_LIMIT_ID_BYTES)
            return cl_error_set(ld->err, CL_ERR_INPUT, "%s.%s[%zu]: expected a non-empty string", path, key, i);
        const char *why = valid ? valid(json_string_value(s)) : NULL;
        if (why)
            return cl_error_set(ld->err, CL_ERR_INPUT, "%s.%s[%zu]: \"%s\" %s", path, key, i, json_string_value(s),
                                why);
        v[i] = cl_arena_strdup(ld->arena, json_string_value(s));
        if (!v[i]) return nomem(ld);
    }
    *out = v;
    *out_n = n;
    return CL_OK;
}

static const char *valid_country(const char *s)
{
    if (strcmp(s, "*") == 0) return NULL;
    if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
        return "is not an ISO 3166 alpha-2 country code (two capital letters)";
    return NULL;
}

static const char *valid_transaction(const char *s)
{
    if (strcmp(s, "export") && strcmp(s, "reexport") && strcmp(s, "in_country_transfer"))
        return "is not a transaction (export, reexport, in_country_transfer)";
    return NULL;
}

static const char *valid_eccn(const char *s)
{
    if (strcmp(s, "none") == 0) return NULL;
    if (strlen(s) < 5 || s[0] < '0' || s[0] > '9') return "is not an ECCN (\"3A090\", \"3A090.a\") or \"none\"";
    return NULL;
}

static enum cl_err get_range(struct loader *ld, const json_t *o, const char *key, const char *path,
                             struct cl_range *out)
{
    static const char *const keys[] = {"min", "below", NULL};
    const json_t *r = NULL;
    enum cl_err rc = cl_json_get_object(o, key, path, false, &r, ld->err);
    if (rc || !r) return rc;
    char p[CL_JSON_PATH_BYTES];
    cl_json_path_key(p, path, key);
    rc = cl_json_check_keys(r, p, keys, ld->err);
    out->has_min = json_object_get(r, "min") != NULL;
    out->has_below = json_object_get(r, "below") != NULL;
    if (!rc) rc = cl_json_get_milli(r, "min", p, false, RANGE_MAX_MILLI, &out->min_milli, ld->err);
    if (!rc) rc = cl_json_get_milli(r, "below", p, false, RANGE_MAX_MILLI, &out->below_milli, ld->err);
    if (rc) return rc;
    if (!out->has_min && !out->has_below)
        return cl_error_set(ld->err, CL_ERR_INPUT, "%s: needs \"min\" or \"below\"", p);
    if (out->has_min && out->has_below && out->below_milli <= out->min_milli)
        return cl_error_set(ld->err, CL_ERR_INPUT, "%s: empty range (below must be greater than min)", p);
    return CL_OK;
}

static enum cl_err get_country_set(struct loader *ld, const json_t *o, const char *key, const char *path,
                                   bool *out_has, struct cl_country_set *out)
{
    static const char *const keys[] = {"countries", "groups", "exclude_groups", "exclude_countries", NULL};
    const json_t *s = NULL;
    enum cl_err rc = cl_json_get_object(o, key, path, false, &s, ld->err);
    if (rc || !s) return rc;
    char p[CL_JSON_PATH_BYTES];
    cl_json_path_key(p, path, key);
    rc = cl_json_check_keys(s, p, keys, ld->err);
    if (!rc) rc = get_list(ld, s, "countries", p, valid_country, &out->countries, &out->n_countries);
    if (!rc) rc = get_list(ld, s, "groups", p, NULL, &out->groups, &out->n_groups);
    if (!rc) rc = get_list(ld, s, "exclude_groups", p, NULL, &out->exclude_groups, &out->n_exclude_groups);
    if (!rc) rc = get_list(ld, s, "exclude_countries", p, valid_country, &out->exclude_countries, &out->n_exclude_countries);
    if (rc) return rc;
    for (size_t i = 0; i < out->n_countries; i++)
        if (strcmp(out->countries[i], "*") == 0) out->any_country = true;
    if (!out->n_countries && !out->n_groups)
        return cl_error_set(ld->err, CL_ERR_INPUT, "%s: needs \"countries\" or \"groups\"", p);
    *out_has = true;
    return CL_OK;
}

enum criteria_level { LEVEL_TOP, LEVEL_NOT, LEVEL_ALTERNATIVE };

static enum cl_err parse_criteria(struct loader *ld, const json_t *o, const char *path, enum criteria_level level,
                                  struct cl_criteria *c)
{
    static const char *const keys[] = {"eccn", "bands", "products", "tpp", "memory_bandwidth_gbps", "data_center",
                                       "destination", "headquarters", "destination_or_headquarters",
                                       "exported_from", "end_uses", "listed_on", "transactions", "any_of", "not",
                                       NULL};
    memset(c, 0, sizeof(*c));
    c->data_center = -1;
    enum cl_err rc = cl_json_check_keys(o, path, keys, ld->err);
    if (!rc) rc = get_list(ld, o, "eccn", path, valid_eccn, &c->eccn, &c->n_eccn);
    if (!rc) rc = get_list(ld, o, "bands", path, NULL, &c->bands, &c->n_bands);
    if (!rc) rc = get_list(ld, o, "products", path, NULL, &c->products, &c->n_products);
    if (!rc) rc = get_range(ld, o, "tpp", path, &c->tpp);
    if (!rc) rc = get_range(ld, o, "memory_bandwidth_gbps", path, &c->memory_bandwidth_gbps);
    if (!rc && json_object_get(o, "data_center")) {
        bool dc = false;
        rc = cl_json_get_bool(o, "data_center", path, true, &dc, ld->err);
        c->data_center = dc;
    }
    if (!rc) rc = get_country_set(ld, o, "destination", path, &c->has_destination, &c->destination);
    if (!rc) rc = get_country_set(ld, o, "headquarters", path, &c->has_headquarters, &c->headquarters);
    if (!rc)
        rc = get_country_set(ld, o, "destination_or_headquarters", path, &c->has_destination_or_headquarters,
                             &c->destination_or_headquarters);
    if (!rc) rc = get_country_set(ld, o, "exported_from", path, &c->has_exported_from, &c->exported_from);
    if (!rc) rc = get_list(ld, o, "end_uses", path, NULL, &c->end_uses, &c->n_end_uses);
    if (!rc) rc = get_list(ld, o, "listed_on", path, NULL, &c->listed_on, &c->n_listed_on);
    if (!rc) rc = get_list(ld, o, "transactions", path, valid_transaction, &c->transactions, &c->n_transactions);
    if (rc) return rc;

    const json_t *alts = json_object_get(o, "any_of");
    if (alts) {
        if (level == LEVEL_ALTERNATIVE)
            return cl_error_set(ld->err, CL_ERR_INPUT, "%s.any_of: alternatives may not nest", path);
        const json_t *arr = NULL;
        rc = cl_json_get_array(o, "any_of", path, true, CL_LIMIT_ANY_OF, &arr, ld->err);
        if (rc) return rc;
        if (json_array_size(arr) < 2)
            return cl_error_set(ld->err, CL_ERR_INPUT, "%s.any_of: needs at least two alternatives", path);
        c->n_any_of = json_array_size(arr);
        c->any_of = cl_arena_alloc(ld->arena, c->n_any_of * sizeof(*c->any_of));
        if (!c->any_of) return nomem(ld);
        for (size_t i = 0; i < c->n_any_of; i++) {
            char p[CL_JSON_PATH_BYTES], base[CL_JSON_PATH_BYTES];
            cl_json_path_key(base, path, "any_of");
            cl_json_path_index(p, base, i);
            rc = parse_criteria(ld, json_array_get(arr, i), p, LEVEL_ALTERNATIVE, &c->any_of[i]);
            if (rc) return rc;
        }
    }
    const json_t *neg = json_object_get(o, "not");
    if (neg) {
        if (level != LEVEL_TOP)
            return cl_error_set(ld->err, CL_ERR_INPUT, "%s.not: allowed only at the top of a rule's criteria", path);
        char p[CL_JSON_PATH_BYTES];
        cl_json_path_key(p, path, "not");
        c->negated = cl_arena_alloc(ld->arena, sizeof(*c->negated));
        if (!c->negated) return nomem(ld);
        rc = parse_criteria(ld, neg, p, LEVEL_NOT, c->negated);
        if (rc) return rc;
    }
    if (json_object_size(o) == 0)
        return cl_error_set(ld->err, CL_ERR_INPUT, "%s: empty criteria would match every sale", path);
    if (level == LEVEL_TOP) {
        c->canonical = cl_json_canonical(o);
        if (!c->canonical) return nomem(ld);
        char *copy = cl_arena_strdup(ld->arena, c->canonical);
        free(c->canonical);
        c->canonical = copy;
        if (!copy) return nomem(ld);
    }
    return CL_OK;
}

static enum cl_err parse_outcome(struct loader *ld, const json_t *o, const char *path, struct cl_rule *r)
{
    static const char *const keys[] = {"authorization", "review_policy", "conditions", "charges", NULL};
    static const char *const akeys[] = {"kind", "issuer", NULL};
    static const char *const ckeys[] = {"id", "text", "final", "set_by", NULL};
    static const char *const gkeys[] = {"id", "kind", "rate", "base", "collector", "text", NULL};
    enum cl_err rc = cl_json_check_keys(o, path, keys, ld->err);
    if (rc) return rc;
    const json_t *auth = NULL, *conds = NULL, *charges = NULL;
    const char *policy = NULL;
    rc = cl_json_get_object(o, "authorization", path, false, &auth, ld->err);
    if (!rc) rc = cl_json_get_str(o, "review_policy", path, false, 64, &policy, ld->err);
    if (!rc) rc = cl_json_get_array(o, "conditions", path, false, CL_LIMIT_CONDITIONS, &conds, ld->err);
    if (!rc) rc = cl_json_get_array(o, "charges", path, false, CL_LIMIT_CHARGES, &charges, ld->err);
    if (rc) return rc;
    if (policy && !cl_policy_parse(policy, &r->policy))
        return cl_error_set(ld->err, CL_ERR_INPUT,
                            "%s.review_policy: \"%s\" is not one of no_licence_required, approve, case_by_case, "
                            "presumption_of_denial, prohibited",
                            path, policy);
    if (auth) {
        char p[CL_JSON_PATH_BYTES];
        cl_json_path_key(p, path, "authorization");
        rc = cl_json_check_keys(auth, p, akeys, ld->err);
        if (!rc) rc = get_text(ld, auth, "kind", p, true, CL_LIMIT_ID_BYTES, &r->authorization.kind);
        if (!rc) rc = get_text(ld, auth, "issuer", p, true, CL_LIMIT_ID_BYTES, &r->authorization.issuer);
        if (rc) return rc;
        r->has_authorization = true;
    }
    if (conds) {
        r->n_conditions = json_array_size(conds);
        r->conditions = cl_arena_alloc(ld->arena, (r->n_conditions + 1) * sizeof(*r->conditions));
        if (!r->conditions) return nomem(ld);
        for (size_t i = 0; i < r->n_conditions; i++) {
            char p[CL_JSON_PATH_BYTES], base[CL_JSON_PATH_BYTES];
            cl_json_path_key(base, path, "conditions");
            cl_json_path_index(p, base, i);
            const json_t *c = json_array_get(conds, i);
            struct cl_rule_condition *rc_ = &r->conditions[i];
            rc_->final = true;
            rc = cl_json_check_keys(c, p, ckeys, ld->err);
            if (!rc) rc = get_text(ld, c, "id", p, true, CL_LIMIT_ID_BYTES, &rc_->id);
            if (!rc) rc = get_text(ld, c, "text", p, true, CL_LIMIT_TEXT_BYTES, &rc_->text);
            if (!rc) rc = get_text(ld, c, "set_by", p, false, CL_LIMIT_ID_BYTES, &rc_->set_by);
            if (!rc) rc = cl_json_get_bool(c, "final", p, false, &rc_->final, ld->err);
            if (rc) return rc;
            for (size_t k = 0; k < i; k++)
                if (strcmp(r->conditions[k].id, rc_->id) == 0)
                    return cl_error_set(ld->err, CL_ERR_INPUT, "%s.id: \"%s\" appears twice in this rule", p, rc_->id);
        }
    }
    if (charges) {
        r->n_charges = json_array_size(charges);
        r->charges = cl_arena_alloc(ld->arena, (r->n_charges + 1) * sizeof(*r->charges));
        if (!r->charges) return nomem(ld);
        for (size_t i = 0; i < r->n_charges; i++) {
            char p[CL_JSON_PATH_BYTES], base[CL_JSON_PATH_BYTES];
            cl_json_path_key(base, path, "charges");
            cl_json_path_index(p, base, i);
            const json_t *g = json_array_get(charges, i);
            struct cl_rule_charge *ch = &r->charges[i];
            const char *rate = NULL;
            rc = cl_json_check_keys(g, p, gkeys, ld->err);
            if (!rc) rc = get_text(ld, g, "id", p, true, CL_LIMIT_ID_BYTES, &ch->id);
            if (!rc) rc = get_text(ld, g, "kind", p, true, CL_LIMIT_ID_BYTES, &ch->kind);
            if (!rc) rc = get_text(ld, g, "base", p, true, CL_LIMIT_ID_BYTES, &ch->base);
            if (!rc) rc = get_text(ld, g, "collector", p, true, CL_LIMIT_ID_BYTES, &ch->collector);
            if (!rc) rc = get_text(ld, g, "text", p, false, CL_LIMIT_TEXT_BYTES, &ch->text);
            if (!rc) rc = cl_json_get_str(g, "rate", p, true, 16, &rate, ld->err);
            if (rc) return rc;
            if (strcmp(ch->kind, "tariff") && strcmp(ch->kind, "revenue_share"))
                return cl_error_set(ld->err, CL_ERR_INPUT, "%s.kind: \"%s\" is not tariff or revenue_share", p, ch->kind);
            if (strcmp(ch->base, "transaction_value"))
                return cl_error_set(ld->err, CL_ERR_INPUT, "%s.base: \"%s\" is not transaction_value", p, ch->base);
            if (cl_rate_parse(rate, strlen(rate), &ch->rate_ppm))
                return cl_error_set(ld->err, CL_ERR_INPUT, "%s.rate: \"%s\" is not a rate (\"25%%\" or \"0.25\")", p, rate);
        }
    }
    return CL_OK;
}

static enum cl_err parse_rule(struct loader *ld, const json_t *o, const char *path, const char *jurisdiction,
                              struct cl_rule *r)
{
    static const char *const keys[] = {"id", "title", "kind", "citation", "url", "binding", "confirmed",
                                       "effective_from", "effective_to", "criteria", "outcome", "overrides",
                                       "notes", NULL};
    memset(r, 0, sizeof(*r));
    r->binding = true;
    r->confirmed = true;
    r->jurisdiction = jurisdiction;
    r->file = ld->file;
    r->effective_to = CL_DATE_NONE;
    const json_t *crit = NULL, *outcome = NULL;
    enum cl_err rc = cl_json_check_keys(o, path, keys, ld->err);
    if (!rc) rc = get_text(ld, o, "id", path, true, CL_LIMIT_ID_BYTES, &r->id);
    if (!rc) rc = get_text(ld, o, "title", path, true, CL_LIMIT_TEXT_BYTES, &r->title);
    if (!rc) rc = get_text(ld, o, "kind", path, true, CL_LIMIT_ID_BYTES, &r->kind);
    if (!rc) rc = get_text(ld, o, "citation", path, true, CL_LIMIT_TEXT_BYTES, &r->citation);
    if (!rc) rc = get_text(ld, o, "url", path, false, CL_LIMIT_TEXT_BYTES, &r->url);
    if (!rc) rc = get_text(ld, o, "notes", path, false, CL_LIMIT_TEXT_BYTES, &r->notes);
    if (!rc) rc = cl_json_get_bool(o, "binding", path, false, &r->binding, ld->err);
    if (!rc) rc = cl_json_get_bool(o, "confirmed", path, false, &r->confirmed, ld->err);
    if (!rc) rc = cl_json_get_date(o, "effective_from", path, true, &r->effective_from, ld->err);
    if (!rc && !json_is_null(json_object_get(o, "effective_to")))
        rc = cl_json_get_date(o, "effective_to", path, false, &r->effective_to, ld->err);
    if (!rc && r->effective_to != CL_DATE_NONE && r->effective_to < r->effective_from) {
        char f[CL_DATE_TEXT_BYTES], t[CL_DATE_TEXT_BYTES];
        cl_date_format(r->effective_from, f);
        cl_date_format(r->effective_to, t);
        rc = cl_error_set(ld->err, CL_ERR_INPUT, "%s.effective_to: %s is before effective_from %s (empty date range)",
                          path, t, f);
    }
    if (!rc) rc = cl_json_get_object(o, "criteria", path, true, &crit, ld->err);
    if (!rc) rc = cl_json_get_object(o, "outcome", path, true, &outcome, ld->err);
    if (!rc) rc = get_list(ld, o, "overrides", path, NULL, &r->overrides, &r->n_overrides);
    if (rc) return rc;
    char p[CL_JSON_PATH_BYTES];
    cl_json_path_key(p, path, "criteria");
    rc = parse_criteria(ld, crit, p, LEVEL_TOP, &r->criteria);
    if (rc) return rc;
    cl_json_path_key(p, path, "outcome");
    rc = parse_outcome(ld, outcome, p, r);
    if (rc) return rc;
    if (r->binding && !r->has_authorization && r->policy == CL_POLICY_NONE && r->n_charges == 0 && r->n_conditions == 0)
        return cl_error_set(ld->err, CL_ERR_INPUT,
                            "%s.outcome: a binding rule needs an authorization, a review_policy, conditions or "
                            "charges (or set \"binding\": false)",
                            path);
    return CL_OK;
}

static enum cl_err parse_groups(struct loader *ld, const json_t *arr, struct cl_ruleset *rs)
{
    static const char *const keys[] = {"id", "name", "citation", "members", NULL};
    size_t n = json_array_size(arr);
    if (rs->n_groups + n > CL_LIMIT_GROUPS)
        return cl_error_set(ld->err, CL_ERR_LIMIT, "more than %d country groups", CL_LIMIT_GROUPS);
    for (size_t i = 0; i < n; i++) {
        char p[CL_JSON_PATH_BYTES];
        cl_json_path_index(p, "$.country_groups", i);
        const json_t *g = json_array_get(arr, i);
        struct cl_country_group *cg = &rs->groups[rs->n_groups];
        memset(cg, 0, sizeof(*cg));
        enum cl_err rc = cl_json_check_keys(g, p, keys, ld->err);
        if (!rc) rc = get_text(ld, g, "id", p, true, CL_LIMIT_ID_BYTES, &cg->id);
        if (!rc) rc = get_text(ld, g, "name", p, false, CL_LIMIT_TEXT_BYTES, &cg->name);
        if (!rc) rc = get_text(ld, g, "citation", p, true, CL_LIMIT_TEXT_BYTES, &cg->citation);
        if (!rc) rc = get_list(ld, g, "members", p, valid_country, &cg->members, &cg->n_members);
        if (rc) return rc;
        if (!cg->members) return cl_error_set(ld->err, CL_ERR_INPUT, "%s.members: missing field", p);
        for (size_t k = 0; k < rs->n_groups; k++)
            if (strcmp(rs->groups[k].id, cg->id) == 0)
                return cl_error_set(ld->err, CL_ERR_INPUT, "%s.id: group \"%s\" is defined twice", p, cg->id);
        rs->n_groups++;
    }
    return CL_OK;
}

static enum cl_err load_file(const char *path, struct cl_ruleset *rs, crypto_hash_sha256_state *digest,
                             struct cl_error *err)
{
    json_t *root = NULL;
    enum cl_err rc = cl_json_load_file(path, CL_LIMIT_DATA_FILE_BYTES, &root, err);
    if (rc) return rc;
    char *file = cl_arena_strdup(&rs->arena, path);
    struct loader ld = {&rs->arena, file ? file : path, err};
    if (!file) {
        rc = nomem(&ld);
        goto out;
    }
    char *canon = cl_json_canonical(root);
    if (canon) {
        crypto_hash_sha256_update(digest, (const unsigned char *)canon, strlen(canon));
        free(canon);
    }
    if (json_object_get(root, "country_groups")) {
        static const char *const keys[] = {"about", "country_groups", NULL};
        const json_t *arr = NULL;
        rc = cl_json_check_keys(root, "$", keys, err);
        if (!rc) rc = cl_json_get_array(root, "country_groups", "$", true, CL_LIMIT_GROUPS, &arr, err);
        if (!rc) rc = parse_groups(&ld, arr, rs);
    } else {
        static const char *const keys[] = {"about", "jurisdiction", "rules", NULL};
        const json_t *arr = NULL;
        const char *jur = NULL;
        rc = cl_json_check_keys(root, "$", keys, err);
        if (!rc) rc = cl_json_get_array(root, "rules", "$", true, CL_LIMIT_RULES, &arr, err);
        if (!rc) rc = get_text(&ld, root, "jurisdiction", "$", true, 8, &jur);
        if (!rc && rs->n_rules + json_array_size(arr) > CL_LIMIT_RULES)
            rc = cl_error_set(err, CL_ERR_LIMIT, "more than %d rules in the set", CL_LIMIT_RULES);
        for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
            char p[CL_JSON_PATH_BYTES];
            cl_json_path_index(p, "$.rules", i);
            rc = parse_rule(&ld, json_array_get(arr, i), p, jur, &rs->rules[rs->n_rules]);
            if (!rc) rs->n_rules++;
        }
    }
out:
    if (rc) cl_error_prefix(err, "%s", path);
    json_decref(root);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum cl_err cl_ruleset_load_files(const char *const *paths, size_t n, const struct cl_classifier *classifier,
                                  struct cl_ruleset *out, struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    cl_arena_init(&out->arena, 0);
    if (sodium_init() < 0) return cl_error_set(err, CL_ERR_INTERNAL, "libsodium failed to initialise");
    out->rules = cl_arena_alloc(&out->arena, CL_LIMIT_RULES * sizeof(*out->rules));
    out->groups = cl_arena_alloc(&out->arena, CL_LIMIT_GROUPS * sizeof(*out->groups));
    if (!out->rules || !out->groups) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    crypto_hash_sha256_state digest;
    crypto_hash_sha256_init(&digest);
    enum cl_err rc = CL_OK;
    for (size_t i = 0; i < n && !rc; i++) rc = load_file(paths[i], out, &digest, err);
    if (!rc) rc = cl_ruleset_check(out, err);
    if (!rc && classifier) {
        for (size_t i = 0; i < out->n_rules && !rc; i++) {
            const struct cl_criteria *c = &out->rules[i].criteria;
            for (size_t k = 0; k < c->n_bands && !rc; k++)
                if (!cl_classifier_band(classifier, c->bands[k]))
                    rc = cl_error_set(err, CL_ERR_INPUT, "%s: rule \"%s\": criteria.bands: unknown band \"%s\"",
                                      out->rules[i].file, out->rules[i].id, c->bands[k]);
        }
    }
    if (rc) {
        cl_ruleset_release(out);
        return rc;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&digest, h);
    sodium_bin2hex(out->digest, sizeof(out->digest), h, sizeof(h));
    return CL_OK;
}

enum cl_err cl_ruleset_load_dir(const char *dir, const struct cl_classifier *classifier, struct cl_ruleset *out,
                                struct cl_error *err)
{
    DIR *d = opendir(dir);
    if (!d) return cl_error_set(err, CL_ERR_IO, "%s: cannot open rules folder", dir);
    char **names = calloc(CL_LIMIT_RULE_FILES, sizeof(char *));
    size_t n = 0;
    enum cl_err rc = names ? CL_OK : cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.') continue;
        if (n == CL_LIMIT_RULE_FILES) {
            rc = cl_error_set(err, CL_ERR_LIMIT, "%s: more than %d rule files", dir, CL_LIMIT_RULE_FILES);
            break;
        }
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        names[n] = strdup(path);
        if (!names[n]) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        else n++;
    }
    closedir(d);
    if (!rc && n == 0) rc = cl_error_set(err, CL_ERR_INPUT, "%s: no *.json rule files", dir);
    if (!rc) {
        qsort(names, n, sizeof(char *), cmp_str);
        rc = cl_ruleset_load_files((const char *const *)names, n, classifier, out, err);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

void cl_ruleset_release(struct cl_ruleset *rs)
{
    cl_arena_release(&rs->arena);
    memset(rs, 0, sizeof(*rs));
}

const struct cl_rule *cl_ruleset_find(const struct cl_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (strcmp(rs->rules[i].id, id) == 0) return &rs->rules[i];
    return NULL;
}

bool cl_rule_in_force(const struct cl_rule *r, cl_date d)
{
    return d >= r->effective_from && (r->effective_to == CL_DATE_NONE || d <= r->effective_to);
}

static const struct cl_country_group *find_group(const struct cl_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_groups; i++)
        if (strcmp(rs->groups[i].id, id) == 0) return &rs->groups[i];
    return NULL;
}

bool cl_ruleset_in_group(const struct cl_ruleset *rs, const char *group, const char *country)
{
    const struct cl_country_group *g = find_group(rs, group);
    if (!g || !country) return false;
    for (size_t i = 0; i < g->n_members; i++)
        if (strcmp(g->members[i], country) == 0) return true;
    return false;
}

static enum cl_err check_set_groups(const struct cl_ruleset *rs, const struct cl_rule *r,
                                    const struct cl_country_set *s, struct cl_error *err)
{
    const char **lists[] = {s->groups, s->exclude_groups};
    size_t ns[] = {s->n_groups, s->n_exclude_groups};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < ns[l]; i++)
            if (!find_group(rs, lists[l][i]))
                return cl_error_set(err, CL_ERR_INPUT, "%s: rule \"%s\": unknown country group \"%s\"", r->file, r->id,
                                    lists[l][i]);
    return CL_OK;
}

static enum cl_err check_criteria_groups(const struct cl_ruleset *rs, const struct cl_rule *r,
                                         const struct cl_criteria *c, struct cl_error *err)
{
    enum cl_err rc = CL_OK;
    if (c->has_destination) rc = check_set_groups(rs, r, &c->destination, err);
    if (!rc && c->has_headquarters) rc = check_set_groups(rs, r, &c->headquarters, err);
    if (!rc && c->has_destination_or_headquarters) rc = check_set_groups(rs, r, &c->destination_or_headquarters, err);
    if (!rc && c->has_exported_from) rc = check_set_groups(rs, r, &c->exported_from, err);
    for (size_t i = 0; i < c->n_any_of && !rc; i++) rc = check_criteria_groups(rs, r, &c->any_of[i], err);
    if (!rc && c->negated) rc = check_criteria_groups(rs, r, c->negated, err);
    return rc;
}

static bool overrides(const struct cl_rule *a, const struct cl_rule *b)
{
    for (size_t i = 0; i < a->n_overrides; i++)
        if (strcmp(a->overrides[i], b->id) == 0) return true;
    return false;
}

static bool dates_overlap(const struct cl_rule *a, const struct cl_rule *b)
{
    bool a_before = a->effective_to != CL_DATE_NONE && a->effective_to < b->effective_from;
    bool b_before = b->effective_to != CL_DATE_NONE && b->effective_to < a->effective_from;
    return !a_before && !b_before;
}

enum cl_err cl_ruleset_check(const struct cl_ruleset *rs, struct cl_error *err)
{
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct cl_rule *r = &rs->rules[i];
        enum cl_err rc = check_criteria_groups(rs, r, &r->criteria, err);
        if (rc) return rc;
        for (size_t k = 0; k < r->n_overrides; k++) {
            const struct cl_rule *o = cl_ruleset_find(rs, r->overrides[k]);
            if (!o)
                return cl_error_set(err, CL_ERR_INPUT, "%s: rule \"%s\": overrides unknown rule \"%s\"", r->file, r->id,
                                    r->overrides[k]);
            if (o == r) return cl_error_set(err, CL_ERR_INPUT, "%s: rule \"%s\" overrides itself", r->file, r->id);
            if (strcmp(o->jurisdiction, r->jurisdiction) != 0)
                return cl_error_set(err, CL_ERR_INPUT, "%s: rule \"%s\" (%s) overrides \"%s\" of another jurisdiction (%s)",
                                    r->file, r->id, r->jurisdiction, o->id, o->jurisdiction);
        }
        for (size_t j = 0; j < i; j++) {
            const struct cl_rule *q = &rs->rules[j];
            if (strcmp(q->id, r->id) == 0)
                return cl_error_set(err, CL_ERR_INPUT, "%s: rule id \"%s\" is already used in %s", r->file, r->id,
                                    q->file);
            if (!r->binding || !q->binding || strcmp(q->jurisdiction, r->jurisdiction) != 0) continue;
            if (r->policy == q->policy || r->policy == CL_POLICY_NONE || q->policy == CL_POLICY_NONE) continue;
            if (strcmp(q->criteria.canonical, r->criteria.canonical) != 0 || !dates_overlap(q, r)) continue;
            if (overrides(q, r) || overrides(r, q)) continue;
            char f[CL_DATE_TEXT_BYTES];
            cl_date_format(r->effective_from > q->effective_from ? r->effective_from : q->effective_from, f);
            return cl_error_set(err, CL_ERR_INPUT,
                                "%s: rule \"%s\" contradicts \"%s\" (%s): same criteria, both in force from %s, "
                                "review policies %s and %s; separate their dates or say which overrides the other",
                                r->file, r->id, q->id, q->file, f, cl_policy_id(r->policy), cl_policy_id(q->policy));
        }
    }
    return CL_OK;
}
