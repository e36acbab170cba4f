/* Determination: which rules in force apply to a sale, how they combine per jurisdiction, and what would
 * change the outcome. Pure: everything comes in through the sale and the rule set. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clearance/rules.h"

const char *const cl_rules_combination_text =
    "Within a jurisdiction, the most restrictive review policy among the binding rules that apply wins, except "
    "that a rule naming another in \"overrides\" displaces it where both apply. The authorizations, conditions "
    "and charges of every applying rule add up. Each jurisdiction's requirements stand on their own; the overall "
    "verdict is that of the most restrictive jurisdiction. Non-binding rules (announcements, guidance) are shown "
    "but do not count.";

/* Appends formatted text to a bounded buffer. */
static void appendf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

static bool in_list(const char **list, size_t n, const char *s)
{
    if (!s) return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0) return true;
    return false;
}

static void join(const char **list, size_t n, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) appendf(out, cap, "%s%s", i ? ", " : "", list[i]);
}

static bool set_contains(const struct cl_ruleset *rs, const struct cl_country_set *s, const char *country)
{
    if (!country) return false;
    if (in_list(s->exclude_countries, s->n_exclude_countries, country)) return false;
    for (size_t i = 0; i < s->n_exclude_groups; i++)
        if (cl_ruleset_in_group(rs, s->exclude_groups[i], country)) return false;
    if (s->any_country || in_list(s->countries, s->n_countries, country)) return true;
    for (size_t i = 0; i < s->n_groups; i++)
        if (cl_ruleset_in_group(rs, s->groups[i], country)) return true;
    return false;
}

static void describe_set(const struct cl_country_set *s, char *out, size_t cap)
{
    char a[160], b[120];
    join(s->countries, s->n_countries, a, sizeof(a));
    join(s->groups, s->n_groups, b, sizeof(b));
    snprintf(out, cap, "%s%s%s", a, a[0] && b[0] ? ", " : "", b);
    if (s->n_exclude_groups || s->n_exclude_countries) {
        join(s->exclude_groups, s->n_exclude_groups, a, sizeof(a));
        join(s->exclude_countries, s->n_exclude_countries, b, sizeof(b));
        appendf(out, cap, " (except %s%s%s)", a, a[0] && b[0] ? ", " : "", b);
    }
}

static bool eccn_matches(const char *want, const char *have)
{
    if (strcmp(want, "none") == 0) return have == NULL;
    if (!have) return false;
    size_t n = strlen(want);
    return strncmp(want, have, n) == 0 && (have[n] == '\0' || have[n] == '.');
}

static bool range_ok(const struct cl_range *r, int64_t v)
{
    if (r->has_min && v < r->min_milli) return false;
    if (r->has_below && v >= r->below_milli) return false;
    return true;
}

static void describe_range(const char *label, const struct cl_range *r, int64_t v, const char *unit, char *why,
                           size_t cap)
{
    char a[32], b[32], c[32];
    cl_milli_format(v, 2, a);
    cl_milli_format(r->min_milli, 3, b);
    cl_milli_format(r->below_milli, 3, c);
    snprintf(why, cap, "%s %s%s is outside the range%s%s%s%s%s%s", label, a, unit, r->has_min ? " >= " : "",
             r->has_min ? b : "", r->has_min ? unit : "", r->has_below ? " < " : "", r->has_below ? c : "",
             r->has_below ? unit : "");
}

/* True when c matches the sale; otherwise why (may be NULL) names the first criterion that did not. */
static bool criteria_match(const struct cl_ruleset *rs, const struct cl_criteria *c, const struct cl_sale *s,
                           char *why, size_t cap)
{
    char tmp[256], list[200];
    if (!why) why = tmp, cap = sizeof(tmp);
    why[0] = '\0';
    const struct cl_classification *cls = s->classification;
    const struct cl_chip *chip = cls->chip;
    if (c->n_eccn) {
        bool ok = false;
        for (size_t i = 0; i < c->n_eccn && !ok; i++) ok = eccn_matches(c->eccn[i], cls->eccn);
        if (!ok) {
            join(c->eccn, c->n_eccn, list, sizeof(list));
            snprintf(why, cap, "the product is %s, not %s", cls->eccn ? cls->eccn : "not 3A090", list);
            return false;
        }
    }
    for (size_t i = 0; i < c->n_bands; i++) {
        if (!cl_classification_in_band(cls, c->bands[i])) {
            const char *detail = "the band is not in force on this date";
            for (size_t k = 0; k < cls->n_bands; k++)
                if (strcmp(cls->bands[k].band->id, c->bands[i]) == 0) detail = cls->bands[k].detail;
            snprintf(why, cap, "the product is outside band %s (%s)", c->bands[i], detail);
            return false;
        }
    }
    if (c->n_products) {
        bool ok = false;
        for (size_t i = 0; i < c->n_products && !ok; i++) ok = cl_chip_name_matches(c->products[i], chip->name);
        if (!ok) {
            join(c->products, c->n_products, list, sizeof(list));
            snprintf(why, cap, "the product %s is not one of %s", chip->name, list);
            return false;
        }
    }
    if ((c->tpp.has_min || c->tpp.has_below) && !range_ok(&c->tpp, cls->metrics.tpp_milli)) {
        describe_range("TPP", &c->tpp, cls->metrics.tpp_milli, "", why, cap);
        return false;
    }
    if (c->memory_bandwidth_gbps.has_min || c->memory_bandwidth_gbps.has_below) {
        if (chip->memory_bandwidth_gbps_milli == 0) {
            snprintf(why, cap, "the product's memory bandwidth is unknown");
            return false;
        }
        if (!range_ok(&c->memory_bandwidth_gbps, chip->memory_bandwidth_gbps_milli)) {
            describe_range("memory bandwidth", &c->memory_bandwidth_gbps, chip->memory_bandwidth_gbps_milli, " GB/s",
                           why, cap);
            return false;
        }
    }
    if (c->data_center >= 0 && (int)chip->data_center != c->data_center) {
        snprintf(why, cap, "the product is %sdesigned for data centres", chip->data_center ? "" : "not ");
        return false;
    }
    const char *from = s->exported_from ? s->exported_from : "US";
    struct {
        bool has;
        const struct cl_country_set *set;
        const char *label;
        const char *value;
    } sets[] = {
        {c->has_destination, &c->destination, "destination", s->destination},
        {c->has_headquarters, &c->headquarters, "headquarters", s->headquarters},
        {c->has_exported_from, &c->exported_from, "exported from", from},
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        if (!sets[i].has || set_contains(rs, sets[i].set, sets[i].value)) continue;
        describe_set(sets[i].set, list, sizeof(list));
        snprintf(why, cap, "%s %s is not in %s", sets[i].label, sets[i].value ? sets[i].value : "(not given)", list);
        return false;
    }
    if (c->has_destination_or_headquarters && !set_contains(rs, &c->destination_or_headquarters, s->destination) &&
        !set_contains(rs, &c->destination_or_headquarters, s->headquarters)) {
        describe_set(&c->destination_or_headquarters, list, sizeof(list));
        snprintf(why, cap, "neither destination %s nor headquarters %s is in %s", s->destination ? s->destination : "-",
                 s->headquarters ? s->headquarters : "(not given)", list);
        return false;
    }
    if (c->n_end_uses && !in_list(c->end_uses, c->n_end_uses, s->end_use)) {
        join(c->end_uses, c->n_end_uses, list, sizeof(list));
        snprintf(why, cap, "declared end use %s is not one of %s", s->end_use ? s->end_use : "(none)", list);
        return false;
    }
    if (c->n_listed_on) {
        bool ok = false;
        for (size_t i = 0; i < s->n_listed_on && !ok; i++) ok = in_list(c->listed_on, c->n_listed_on, s->listed_on[i]);
        if (!ok) {
            join(c->listed_on, c->n_listed_on, list, sizeof(list));
            snprintf(why, cap, "no party is on %s", list);
            return false;
        }
    }
    const char *tx = s->transaction ? s->transaction : "export";
    if (c->n_transactions && !in_list(c->transactions, c->n_transactions, tx)) {
        join(c->transactions, c->n_transactions, list, sizeof(list));
        snprintf(why, cap, "the transaction is %s, not %s", tx, list);
        return false;
    }
    if (c->n_any_of) {
        bool ok = false;
        char first[256] = "";
        for (size_t i = 0; i < c->n_any_of && !ok; i++)
            ok = criteria_match(rs, &c->any_of[i], s, i == 0 ? first : NULL, sizeof(first));
        if (!ok) {
            snprintf(why, cap, "no alternative matched (first: %s)", first);
            return false;
        }
    }
    if (c->negated && criteria_match(rs, c->negated, s, NULL, 0)) {
        snprintf(why, cap, "the sale falls under the rule's exclusion");
        return false;
    }
    return true;
}

static bool overrides(const struct cl_rule *a, const struct cl_rule *b)
{
    for (size_t i = 0; i < a->n_overrides; i++)
        if (strcmp(a->overrides[i], b->id) == 0) return true;
    return false;
}

static enum cl_err determine_one(const struct cl_ruleset *rs, const struct cl_sale *sale, const char *jur,
                                 struct cl_arena *arena, struct cl_jurisdiction_result *out, struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    out->jurisdiction = jur;
    size_t n = rs->n_rules;
    out->rules = cl_arena_alloc(arena, (n + 1) * sizeof(*out->rules));
    out->authorizations = cl_arena_alloc(arena, (n + 1) * sizeof(*out->authorizations));
    out->reliefs = cl_arena_alloc(arena, (n + 1) * sizeof(*out->reliefs));
    size_t max_cond = 1, max_charge = 1;
    for (size_t i = 0; i < n; i++) {
        max_cond += rs->rules[i].n_conditions;
        max_charge += rs->rules[i].n_charges;
    }
    out->conditions = cl_arena_alloc(arena, max_cond * sizeof(*out->conditions));
    out->charges = cl_arena_alloc(arena, max_charge * sizeof(*out->charges));
    if (!out->rules || !out->authorizations || !out->reliefs || !out->conditions || !out->charges)
        return cl_error_set(err, CL_ERR_NOMEM, "out of memory determining");

    for (size_t i = 0; i < n; i++) {
        const struct cl_rule *r = &rs->rules[i];
        if (strcmp(r->jurisdiction, jur) != 0 || !cl_rule_in_force(r, sale->date)) continue;
        if (!criteria_match(rs, &r->criteria, sale, NULL, 0)) continue;
        out->rules[out->n_rules++] = (struct cl_applied_rule){r, r->binding ? CL_EFFECT_APPLIED : CL_EFFECT_INFORMATIONAL, NULL};
    }
    for (size_t a = 0; a < out->n_rules; a++) {
        if (out->rules[a].effect == CL_EFFECT_INFORMATIONAL) continue;
        for (size_t b = 0; b < out->n_rules; b++)
            if (a != b && out->rules[b].effect != CL_EFFECT_INFORMATIONAL && overrides(out->rules[a].rule, out->rules[b].rule)) {
                out->rules[b].effect = CL_EFFECT_OVERRIDDEN;
                out->rules[b].overridden_by = out->rules[a].rule;
            }
    }
    for (size_t i = 0; i < out->n_rules; i++) {
        const struct cl_applied_rule *ar = &out->rules[i];
        if (ar->effect != CL_EFFECT_APPLIED) continue;
        const struct cl_rule *r = ar->rule;
        /* among equally restrictive rules the newest decides: it is the one a reader should cite */
        if (r->policy > out->policy ||
            (r->policy == out->policy && out->policy_rule && r->effective_from > out->policy_rule->effective_from)) {
            out->policy = r->policy;
            out->policy_rule = r;
        }
        if (r->has_authorization) {
            bool dup = false;
            for (size_t k = 0; k < out->n_authorizations && !dup; k++)
                dup = strcmp(out->authorizations[k].authorization->kind, r->authorization.kind) == 0 &&
                      strcmp(out->authorizations[k].authorization->issuer, r->authorization.issuer) == 0;
            if (!dup) out->authorizations[out->n_authorizations++] = (struct cl_authorization_due){&r->authorization, r};
        }
        for (size_t k = 0; k < r->n_conditions; k++) {
            bool dup = false;
            for (size_t j = 0; j < out->n_conditions && !dup; j++)
                dup = strcmp(out->conditions[j].condition->id, r->conditions[k].id) == 0;
            if (dup) continue;
            out->conditions[out->n_conditions++] = (struct cl_condition_due){&r->conditions[k], r};
            if (!r->conditions[k].final) out->conditions_pending = true;
        }
        for (size_t k = 0; k < r->n_charges; k++) {
            int64_t amount = sale->value_cents ? cl_money_apply_rate(sale->value_cents, r->charges[k].rate_ppm) : 0;
            out->charges[out->n_charges++] = (struct cl_charge_due){&r->charges[k], r, amount};
        }
    }
    /* Relief: rules in force that would displace the winning rule, had the sale matched them. */
    if (out->policy_rule) {
        for (size_t i = 0; i < n; i++) {
            const struct cl_rule *r = &rs->rules[i];
            if (strcmp(r->jurisdiction, jur) != 0 || !r->binding || !cl_rule_in_force(r, sale->date)) continue;
            if (!overrides(r, out->policy_rule)) continue;
            bool matched = false;
            for (size_t k = 0; k < out->n_rules && !matched; k++) matched = out->rules[k].rule == r;
            if (matched) continue;
            struct cl_relief *rl = &out->reliefs[out->n_reliefs++];
            rl->rule = r;
            criteria_match(rs, &r->criteria, sale, rl->why_not, sizeof(rl->why_not));
        }
    }
    /* summary */
    if (out->n_authorizations == 0 && out->policy <= CL_POLICY_NLR) {
        snprintf(out->summary, sizeof(out->summary), "%s: no authorization required%s", jur,
                 out->policy == CL_POLICY_NONE ? " (no rule in force applies)" : "");
    } else {
        snprintf(out->summary, sizeof(out->summary), "%s: ", jur);
        for (size_t k = 0; k < out->n_authorizations; k++)
            appendf(out->summary, sizeof(out->summary), "%s%s (%s)", k ? " and " : "",
                    out->authorizations[k].authorization->kind, out->authorizations[k].authorization->issuer);
        appendf(out->summary, sizeof(out->summary), "%s%s", out->n_authorizations ? ", " : "",
                cl_policy_text(out->policy));
        if (out->n_conditions)
            appendf(out->summary, sizeof(out->summary), ", %zu condition%s%s", out->n_conditions,
                    out->n_conditions == 1 ? "" : "s", out->conditions_pending ? " (some not yet final)" : "");
    }
    for (size_t k = 0; k < out->n_charges; k++) {
        char rate[16];
        cl_rate_format(out->charges[k].charge->rate_ppm, rate);
        appendf(out->summary, sizeof(out->summary), "; %s %s to %s", rate, out->charges[k].charge->kind,
                out->charges[k].charge->collector);
    }
    return CL_OK;
}

enum cl_err cl_determine(const struct cl_ruleset *rs, const struct cl_sale *sale, struct cl_arena *arena,
                         struct cl_determination *out, struct cl_error *err)
{
    CL_ASSERT(sale->classification != NULL);
    memset(out, 0, sizeof(*out));
    out->sale = sale;
    out->combination = cl_rules_combination_text;
    const char **jurs = cl_arena_alloc(arena, (rs->n_rules + 1) * sizeof(*jurs));
    if (!jurs) return cl_error_set(err, CL_ERR_NOMEM, "out of memory determining");
    /* the exporting side first, then the others in the order their rules were loaded */
    size_t nj = 0;
    const char *from = sale->exported_from ? sale->exported_from : "US";
    for (size_t i = 0; i < rs->n_rules; i++)
        if (strcmp(rs->rules[i].jurisdiction, from) == 0 && !in_list(jurs, nj, from)) jurs[nj++] = rs->rules[i].jurisdiction;
    for (size_t i = 0; i < rs->n_rules; i++)
        if (!in_list(jurs, nj, rs->rules[i].jurisdiction)) jurs[nj++] = rs->rules[i].jurisdiction;
    out->jurisdictions = cl_arena_alloc(arena, (nj + 1) * sizeof(*out->jurisdictions));
    if (!out->jurisdictions) return cl_error_set(err, CL_ERR_NOMEM, "out of memory determining");
    bool pending = false;
    for (size_t j = 0; j < nj; j++) {
        struct cl_jurisdiction_result *jr = &out->jurisdictions[out->n_jurisdictions++];
        enum cl_err rc = determine_one(rs, sale, jurs[j], arena, jr, err);
        if (rc) return rc;
        if (jr->policy > out->policy) out->policy = jr->policy;
        if (jr->n_authorizations) out->authorization_required = true;
        if (jr->conditions_pending) pending = true;
        appendf(out->summary, sizeof(out->summary), "%s%s", j ? "; " : "", jr->summary);
    }
    if (out->policy == CL_POLICY_PROHIBITED) out->verdict = "prohibited";
    else if (out->policy == CL_POLICY_DENIAL) out->verdict = "denial_expected";
    else if (out->authorization_required && pending) out->verdict = "required_conditions_pending";
    else if (out->authorization_required) out->verdict = "required";
    else out->verdict = "not_required";
    return CL_OK;
}

/* ---- JSON --------------------------------------------------------------------------------------------------- */

static json_t *date_json(cl_date d)
{
    if (d == CL_DATE_NONE) return json_null();
    char b[CL_DATE_TEXT_BYTES];
    cl_date_format(d, b);
    return json_string(b);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *cl_rule_to_json(const struct cl_rule *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "jurisdiction", json_string(r->jurisdiction));
    json_object_set_new(o, "title", json_string(r->title));
    json_object_set_new(o, "kind", json_string(r->kind));
    json_object_set_new(o, "citation", json_string(r->citation));
    json_object_set_new(o, "url", str_or_null(r->url));
    json_object_set_new(o, "binding", json_boolean(r->binding));
    json_object_set_new(o, "confirmed", json_boolean(r->confirmed));
    json_object_set_new(o, "effective_from", date_json(r->effective_from));
    json_object_set_new(o, "effective_to", date_json(r->effective_to));
    json_object_set_new(o, "review_policy", r->policy ? json_string(cl_policy_id(r->policy)) : json_null());
    json_object_set_new(o, "notes", str_or_null(r->notes));
    json_object_set_new(o, "file", str_or_null(r->file));
    return o;
}

static json_t *charge_json(const struct cl_charge_due *c, bool with_amount)
{
    char rate[16], amount[CL_MONEY_TEXT_BYTES];
    cl_rate_format(c->charge->rate_ppm, rate);
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "id", c->charge->id, "kind", c->charge->kind,
                          "rate", rate, "rate_ppm", (json_int_t)c->charge->rate_ppm, "base", c->charge->base,
                          "collector", c->charge->collector, "rule", c->rule->id, "citation", c->rule->citation);
    if (c->charge->text) json_object_set_new(o, "text", json_string(c->charge->text));
    if (with_amount) {
        cl_money_format(c->amount_cents, false, amount);
        json_object_set_new(o, "amount_usd", json_string(amount));
        json_object_set_new(o, "amount_cents", json_integer(c->amount_cents));
    }
    return o;
}

json_t *cl_determination_to_json(const struct cl_determination *d)
{
    const struct cl_sale *s = d->sale;
    json_t *o = json_object();
    json_object_set_new(o, "date", date_json(s->date));
    json_t *sale = json_object();
    json_object_set_new(sale, "product", json_string(s->classification->chip->name));
    json_object_set_new(sale, "eccn", str_or_null(s->classification->eccn));
    json_object_set_new(sale, "destination", str_or_null(s->destination));
    json_object_set_new(sale, "exported_from", json_string(s->exported_from ? s->exported_from : "US"));
    json_object_set_new(sale, "headquarters", str_or_null(s->headquarters));
    json_object_set_new(sale, "buyer", str_or_null(s->buyer));
    json_object_set_new(sale, "end_use", str_or_null(s->end_use));
    json_object_set_new(sale, "transaction", json_string(s->transaction ? s->transaction : "export"));
    json_t *lists = json_array();
    for (size_t i = 0; i < s->n_listed_on; i++) json_array_append_new(lists, json_string(s->listed_on[i]));
    json_object_set_new(sale, "listed_on", lists);
    if (s->quantity) json_object_set_new(sale, "quantity", json_integer(s->quantity));
    if (s->value_cents) {
        char v[CL_MONEY_TEXT_BYTES];
        cl_money_format(s->value_cents, false, v);
        json_object_set_new(sale, "value_usd", json_string(v));
    }
    json_object_set_new(o, "sale", sale);
    json_object_set_new(o, "classification", cl_classification_to_json(s->classification));
    json_object_set_new(o, "verdict", json_string(d->verdict));
    json_object_set_new(o, "review_policy", json_string(cl_policy_id(d->policy)));
    json_object_set_new(o, "authorization_required", json_boolean(d->authorization_required));
    json_object_set_new(o, "summary", json_string(d->summary));
    json_object_set_new(o, "combination", json_string(d->combination));
    json_t *jurs = json_array();
    for (size_t j = 0; j < d->n_jurisdictions; j++) {
        const struct cl_jurisdiction_result *jr = &d->jurisdictions[j];
        json_t *jo = json_object();
        json_object_set_new(jo, "jurisdiction", json_string(jr->jurisdiction));
        json_object_set_new(jo, "review_policy", json_string(cl_policy_id(jr->policy)));
        json_object_set_new(jo, "review_policy_text", json_string(cl_policy_text(jr->policy)));
        json_object_set_new(jo, "decided_by", jr->policy_rule ? json_string(jr->policy_rule->id) : json_null());
        json_object_set_new(jo, "summary", json_string(jr->summary));
        json_t *auths = json_array();
        for (size_t k = 0; k < jr->n_authorizations; k++)
            json_array_append_new(auths, json_pack("{s:s, s:s, s:s, s:s}", "kind",
                                                   jr->authorizations[k].authorization->kind, "issuer",
                                                   jr->authorizations[k].authorization->issuer, "rule",
                                                   jr->authorizations[k].rule->id, "citation",
                                                   jr->authorizations[k].rule->citation));
        json_object_set_new(jo, "authorizations", auths);
        json_t *conds = json_array();
        for (size_t k = 0; k < jr->n_conditions; k++) {
            const struct cl_condition_due *c = &jr->conditions[k];
            json_array_append_new(conds, json_pack("{s:s, s:s, s:s, s:b, s:s?, s:s, s:s}", "id", c->condition->id,
                                                   "text", c->condition->text, "status",
                                                   c->condition->final ? "required" : "pending_definition", "final",
                                                   c->condition->final, "set_by", c->condition->set_by, "rule",
                                                   c->rule->id, "citation", c->rule->citation));
        }
        json_object_set_new(jo, "conditions", conds);
        json_object_set_new(jo, "conditions_pending", json_boolean(jr->conditions_pending));
        json_t *charges = json_array();
        for (size_t k = 0; k < jr->n_charges; k++)
            json_array_append_new(charges, charge_json(&jr->charges[k], s->value_cents != 0));
        json_object_set_new(jo, "charges", charges);
        json_t *rules = json_array();
        for (size_t k = 0; k < jr->n_rules; k++) {
            const struct cl_applied_rule *ar = &jr->rules[k];
            json_t *ro = cl_rule_to_json(ar->rule);
            static const char *const effects[] = {"applied", "overridden", "informational"};
            json_object_set_new(ro, "effect", json_string(effects[ar->effect]));
            if (ar->overridden_by) json_object_set_new(ro, "overridden_by", json_string(ar->overridden_by->id));
            json_array_append_new(rules, ro);
        }
        json_object_set_new(jo, "rules", rules);
        json_t *reliefs = json_array();
        for (size_t k = 0; k < jr->n_reliefs; k++) {
            const struct cl_relief *rl = &jr->reliefs[k];
            json_array_append_new(reliefs, json_pack("{s:s, s:s, s:s, s:s, s:s}", "rule", rl->rule->id, "citation",
                                                     rl->rule->citation, "would_give",
                                                     cl_policy_id(rl->rule->policy), "title", rl->rule->title,
                                                     "does_not_apply_because", rl->why_not));
        }
        json_object_set_new(jo, "what_would_change_it", reliefs);
        json_array_append_new(jurs, jo);
    }
    json_object_set_new(o, "jurisdictions", jurs);
    return o;
}
