/* Export-control classification: effective-dated ECCN definitions and bands as data, evaluated exactly. */
#include <stdio.h>
#include <string.h>

#include "clearance/catalog.h"
#include "clearance/json.h"

#define BOUND_MAX_MILLI (1000000000LL * 1000LL)

static enum cl_err parse_bound(const json_t *obj, const char *key, const char *path, struct cl_bound *out,
                               struct cl_error *err)
{
    static const char *const keys[] = {"min", "below", NULL};
    const json_t *b = NULL;
    memset(out, 0, sizeof(*out));
    enum cl_err rc = cl_json_get_object(obj, key, path, false, &b, err);
    if (rc || !b) return rc;
    char p[CL_JSON_PATH_BYTES];
    cl_json_path_key(p, path, key);
    rc = cl_json_check_keys(b, p, keys, err);
    out->has_min = json_object_get(b, "min") != NULL;
    out->has_below = json_object_get(b, "below") != NULL;
    if (!rc) rc = cl_json_get_milli(b, "min", p, false, BOUND_MAX_MILLI, &out->min_milli, err);
    if (!rc) rc = cl_json_get_milli(b, "below", p, false, BOUND_MAX_MILLI, &out->below_milli, err);
    if (rc) return rc;
    if (!out->has_min && !out->has_below) return cl_error_set(err, CL_ERR_INPUT, "%s: needs \"min\" or \"below\"", p);
    if (out->has_min && out->has_below && out->below_milli <= out->min_milli)
        return cl_error_set(err, CL_ERR_INPUT, "%s: empty range (below must be greater than min)", p);
    return CL_OK;
}

static enum cl_err dup(struct cl_arena *a, const char *s, const char **out, struct cl_error *err)
{
    if (!s) return CL_OK;
    *out = cl_arena_strdup(a, s);
    return *out ? CL_OK : cl_error_set(err, CL_ERR_NOMEM, "out of memory");
}

static enum cl_err parse_dates(const json_t *obj, const char *path, cl_date *from, cl_date *to,
                               struct cl_error *err)
{
    *from = CL_DATE_NONE;
    *to = CL_DATE_NONE;
    enum cl_err rc = cl_json_get_date(obj, "effective_from", path, true, from, err);
    if (!rc && json_is_null(json_object_get(obj, "effective_to"))) return CL_OK;
    if (!rc) rc = cl_json_get_date(obj, "effective_to", path, false, to, err);
    if (!rc && *to != CL_DATE_NONE && *to < *from)
        rc = cl_error_set(err, CL_ERR_INPUT, "%s.effective_to: before effective_from (empty date range)", path);
    return rc;
}

static enum cl_err parse_regime(const json_t *o, const char *path, struct cl_arena *a, struct cl_regime *r,
                                struct cl_error *err)
{
    static const char *const keys[] = {"id", "citation", "url", "effective_from", "effective_to", "paragraphs",
                                       "non_data_center_exclusion", NULL};
    static const char *const pkeys[] = {"eccn", "clauses", NULL};
    static const char *const ckeys[] = {"id", "text", "tpp", "pd", NULL};
    static const char *const xkeys[] = {"tpp", "text", NULL};
    const char *id = NULL, *cit = NULL, *url = NULL;
    const json_t *paras = NULL, *excl = NULL;
    enum cl_err rc = cl_json_check_keys(o, path, keys, err);
    if (!rc) rc = cl_json_get_str(o, "id", path, true, CL_LIMIT_ID_BYTES, &id, err);
    if (!rc) rc = cl_json_get_str(o, "citation", path, true, CL_LIMIT_TEXT_BYTES, &cit, err);
    if (!rc) rc = cl_json_get_str(o, "url", path, false, CL_LIMIT_TEXT_BYTES, &url, err);
    if (!rc) rc = parse_dates(o, path, &r->effective_from, &r->effective_to, err);
    if (!rc) rc = cl_json_get_array(o, "paragraphs", path, true, 8, &paras, err);
    if (!rc) rc = cl_json_get_object(o, "non_data_center_exclusion", path, false, &excl, err);
    if (!rc) rc = dup(a, id, &r->id, err);
    if (!rc) rc = dup(a, cit, &r->citation, err);
    if (!rc) rc = dup(a, url, &r->url, err);
    if (rc) return rc;
    if (excl) {
        char xp[CL_JSON_PATH_BYTES];
        const char *text = NULL;
        cl_json_path_key(xp, path, "non_data_center_exclusion");
        rc = cl_json_check_keys(excl, xp, xkeys, err);
        if (!rc) rc = parse_bound(excl, "tpp", xp, &r->non_data_center_exclusion_tpp, err);
        if (!rc) rc = cl_json_get_str(excl, "text", xp, true, CL_LIMIT_TEXT_BYTES, &text, err);
        if (!rc) rc = dup(a, text, &r->non_data_center_text, err);
        if (rc) return rc;
    }
    r->n_paragraphs = json_array_size(paras);
    r->paragraphs = cl_arena_alloc(a, (r->n_paragraphs + 1) * sizeof(*r->paragraphs));
    if (!r->paragraphs) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    size_t total_clauses = 0;
    for (size_t i = 0; i < r->n_paragraphs; i++) {
        char pp[CL_JSON_PATH_BYTES], base[CL_JSON_PATH_BYTES];
        cl_json_path_key(base, path, "paragraphs");
        cl_json_path_index(pp, base, i);
        const json_t *po = json_array_get(paras, i);
        const json_t *clauses = NULL;
        const char *eccn = NULL;
        struct cl_paragraph *para = &r->paragraphs[i];
        rc = cl_json_check_keys(po, pp, pkeys, err);
        if (!rc) rc = cl_json_get_str(po, "eccn", pp, true, CL_LIMIT_ID_BYTES, &eccn, err);
        if (!rc) rc = cl_json_get_array(po, "clauses", pp, true, 8, &clauses, err);
        if (!rc) rc = dup(a, eccn, &para->eccn, err);
        if (rc) return rc;
        para->n_clauses = json_array_size(clauses);
        total_clauses += para->n_clauses;
        if (total_clauses > CL_CLASSIFY_MAX_CLAUSES)
            return cl_error_set(err, CL_ERR_LIMIT, "%s: more than %d clauses", path, CL_CLASSIFY_MAX_CLAUSES);
        para->clauses = cl_arena_alloc(a, (para->n_clauses + 1) * sizeof(*para->clauses));
        if (!para->clauses) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        for (size_t k = 0; k < para->n_clauses; k++) {
            char cp[CL_JSON_PATH_BYTES], cbase[CL_JSON_PATH_BYTES];
            cl_json_path_key(cbase, pp, "clauses");
            cl_json_path_index(cp, cbase, k);
            const json_t *co = json_array_get(clauses, k);
            struct cl_clause *c = &para->clauses[k];
            const char *cid = NULL, *text = NULL;
            rc = cl_json_check_keys(co, cp, ckeys, err);
            if (!rc) rc = cl_json_get_str(co, "id", cp, true, CL_LIMIT_ID_BYTES, &cid, err);
            if (!rc) rc = cl_json_get_str(co, "text", cp, true, CL_LIMIT_TEXT_BYTES, &text, err);
            if (!rc) rc = parse_bound(co, "tpp", cp, &c->tpp, err);
            if (!rc) rc = parse_bound(co, "pd", cp, &c->pd, err);
            if (!rc) rc = dup(a, cid, &c->id, err);
            if (!rc) rc = dup(a, text, &c->text, err);
            if (rc) return rc;
            if (!c->tpp.has_min && !c->tpp.has_below && !c->pd.has_min && !c->pd.has_below)
                return cl_error_set(err, CL_ERR_INPUT, "%s: a clause needs a \"tpp\" or \"pd\" bound", cp);
        }
    }
    return CL_OK;
}

static enum cl_err parse_band(const json_t *o, const char *path, struct cl_arena *a, struct cl_band *b,
                              struct cl_error *err)
{
    static const char *const keys[] = {"id", "text", "citation", "effective_from", "effective_to", "tpp",
                                       "memory_bandwidth_gbps", NULL};
    const char *id = NULL, *text = NULL, *cit = NULL;
    enum cl_err rc = cl_json_check_keys(o, path, keys, err);
    if (!rc) rc = cl_json_get_str(o, "id", path, true, CL_LIMIT_ID_BYTES, &id, err);
    if (!rc) rc = cl_json_get_str(o, "text", path, true, CL_LIMIT_TEXT_BYTES, &text, err);
    if (!rc) rc = cl_json_get_str(o, "citation", path, true, CL_LIMIT_TEXT_BYTES, &cit, err);
    if (!rc) rc = parse_dates(o, path, &b->effective_from, &b->effective_to, err);
    if (!rc) rc = parse_bound(o, "tpp", path, &b->tpp, err);
    if (!rc) rc = parse_bound(o, "memory_bandwidth_gbps", path, &b->bandwidth, err);
    if (!rc) rc = dup(a, id, &b->id, err);
    if (!rc) rc = dup(a, text, &b->text, err);
    if (!rc) rc = dup(a, cit, &b->citation, err);
    return rc;
}

enum cl_err cl_classifier_load(const char *path, struct cl_classifier *cls, struct cl_error *err)
{
    static const char *const keys[] = {"regimes", "bands", "about", NULL};
    memset(cls, 0, sizeof(*cls));
    cl_arena_init(&cls->arena, 0);
    json_t *root = NULL;
    const json_t *regimes = NULL, *bands = NULL;
    enum cl_err rc = cl_json_load_file(path, CL_LIMIT_DATA_FILE_BYTES, &root, err);
    if (rc) return rc;
    rc = cl_json_check_keys(root, "$", keys, err);
    if (!rc) rc = cl_json_get_array(root, "regimes", "$", true, 64, &regimes, err);
    if (!rc) rc = cl_json_get_array(root, "bands", "$", false, CL_CLASSIFY_MAX_BANDS, &bands, err);
    if (rc) goto out;
    cls->n_regimes = json_array_size(regimes);
    cls->n_bands = bands ? json_array_size(bands) : 0;
    cls->regimes = cl_arena_alloc(&cls->arena, (cls->n_regimes + 1) * sizeof(*cls->regimes));
    cls->bands = cl_arena_alloc(&cls->arena, (cls->n_bands + 1) * sizeof(*cls->bands));
    if (!cls->regimes || !cls->bands) {
        rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < cls->n_regimes && !rc; i++) {
        char p[CL_JSON_PATH_BYTES];
        cl_json_path_index(p, "$.regimes", i);
        rc = parse_regime(json_array_get(regimes, i), p, &cls->arena, &cls->regimes[i], err);
        /* regimes may not overlap in time: a date must name one definition */
        for (size_t j = 0; j < i && !rc; j++) {
            const struct cl_regime *x = &cls->regimes[i], *y = &cls->regimes[j];
            bool x_before_y = x->effective_to != CL_DATE_NONE && x->effective_to < y->effective_from;
            bool y_before_x = y->effective_to != CL_DATE_NONE && y->effective_to < x->effective_from;
            if (!x_before_y && !y_before_x)
                rc = cl_error_set(err, CL_ERR_INPUT, "%s: dates overlap those of regime \"%s\"", p, y->id);
        }
    }
    for (size_t i = 0; i < cls->n_bands && !rc; i++) {
        char p[CL_JSON_PATH_BYTES];
        cl_json_path_index(p, "$.bands", i);
        rc = parse_band(json_array_get(bands, i), p, &cls->arena, &cls->bands[i], err);
    }
out:
    if (rc) {
        cl_error_prefix(err, "%s", path);
        cl_classifier_release(cls);
    }
    json_decref(root);
    return rc;
}

void cl_classifier_release(struct cl_classifier *cls)
{
    cl_arena_release(&cls->arena);
    cls->regimes = NULL;
    cls->bands = NULL;
    cls->n_regimes = cls->n_bands = 0;
}

const struct cl_band *cl_classifier_band(const struct cl_classifier *cls, const char *id)
{
    for (size_t i = 0; i < cls->n_bands; i++)
        if (strcmp(cls->bands[i].id, id) == 0) return &cls->bands[i];
    return NULL;
}

static bool in_force(cl_date from, cl_date to, cl_date d)
{
    return d >= from && (to == CL_DATE_NONE || d <= to);
}

/* Appends "LABEL V >= MIN: yes" style text for each side of a bound; returns whether the value is inside. */
static bool check_bound(const struct cl_bound *b, const char *label, int64_t value_milli, const char *unit,
                        char *detail, size_t cap)
{
    bool ok = true;
    char v[32], t[32];
    cl_milli_format(value_milli, 2, v);
    size_t used = strlen(detail);
    if (b->has_min) {
        bool pass = value_milli >= b->min_milli;
        cl_milli_format(b->min_milli, 3, t);
        used += (size_t)snprintf(detail + used, cap > used ? cap - used : 0, "%s%s %s%s >= %s%s: %s",
                                 used ? "; " : "", label, v, unit, t, unit, pass ? "yes" : "no");
        ok = ok && pass;
    }
    if (b->has_below) {
        bool pass = value_milli < b->below_milli;
        cl_milli_format(b->below_milli, 3, t);
        snprintf(detail + used, cap > used ? cap - used : 0, "%s%s %s%s < %s%s: %s", used ? "; " : "", label, v,
                 unit, t, unit, pass ? "yes" : "no");
        ok = ok && pass;
    }
    return ok;
}

/* PD bounds compared exactly: tpp/area >= t  <=>  tpp x 1000 >= t x area (all in thousandths). */
static bool check_pd_bound(const struct cl_bound *b, const struct cl_chip *chip, const struct cl_chip_metrics *m,
                           char *detail, size_t cap)
{
    bool ok = true;
    char v[32], t[32];
    cl_milli_format(m->pd_milli, 2, v);
    size_t used = strlen(detail);
    int64_t lhs = m->tpp_milli * 1000;
    if (b->has_min) {
        bool pass = lhs >= b->min_milli * chip->die_area_mm2_milli;
        cl_milli_format(b->min_milli, 3, t);
        used += (size_t)snprintf(detail + used, cap > used ? cap - used : 0, "%sPD %s >= %s: %s", used ? "; " : "",
                                 v, t, pass ? "yes" : "no");
        ok = ok && pass;
    }
    if (b->has_below) {
        bool pass = lhs < b->below_milli * chip->die_area_mm2_milli;
        cl_milli_format(b->below_milli, 3, t);
        snprintf(detail + used, cap > used ? cap - used : 0, "%sPD %s < %s: %s", used ? "; " : "", v, t,
                 pass ? "yes" : "no");
        ok = ok && pass;
    }
    return ok;
}

void cl_classify(const struct cl_classifier *cls, const struct cl_chip *chip, cl_date date,
                 struct cl_classification *out)
{
    memset(out, 0, sizeof(*out));
    out->chip = chip;
    out->date = date;
    cl_chip_metrics(chip, &out->metrics);
    for (size_t i = 0; i < cls->n_regimes; i++)
        if (in_force(cls->regimes[i].effective_from, cls->regimes[i].effective_to, date))
            out->regime = &cls->regimes[i];

    const struct cl_regime *r = out->regime;
    if (r) {
        for (size_t p = 0; p < r->n_paragraphs; p++) {
            const struct cl_paragraph *para = &r->paragraphs[p];
            for (size_t k = 0; k < para->n_clauses; k++) {
                CL_ASSERT(out->n_clauses < CL_CLASSIFY_MAX_CLAUSES);
                const struct cl_clause *c = &para->clauses[k];
                struct cl_clause_result *cr = &out->clauses[out->n_clauses++];
                cr->eccn = para->eccn;
                cr->clause = c;
                bool ok = check_bound(&c->tpp, "TPP", out->metrics.tpp_milli, "", cr->detail, sizeof(cr->detail));
                if (c->pd.has_min || c->pd.has_below) {
                    if (!out->metrics.pd_known) {
                        size_t used = strlen(cr->detail);
                        snprintf(cr->detail + used, sizeof(cr->detail) - used, "%sPD unknown (no die area)",
                                 used ? "; " : "");
                        /* only indeterminate if the TPP part alone would not already decide it */
                        cr->indeterminate = ok;
                        ok = false;
                    } else {
                        ok = check_pd_bound(&c->pd, chip, &out->metrics, cr->detail, sizeof(cr->detail)) && ok;
                    }
                }
                cr->matched = ok;
                if (ok && !out->eccn) {
                    out->eccn = para->eccn;
                    out->matched_clause = c->id;
                }
            }
        }
        const struct cl_bound *x = &r->non_data_center_exclusion_tpp;
        if (out->eccn && !chip->data_center && r->non_data_center_text && x->has_below &&
            out->metrics.tpp_milli < x->below_milli) {
            out->excluded_non_data_center = true;
            out->eccn = NULL;
            out->matched_clause = r->non_data_center_text;
        }
    }
    for (size_t i = 0; i < cls->n_bands && out->n_bands < CL_CLASSIFY_MAX_BANDS; i++) {
        const struct cl_band *b = &cls->bands[i];
        if (!in_force(b->effective_from, b->effective_to, date)) continue;
        struct cl_band_result *br = &out->bands[out->n_bands++];
        br->band = b;
        bool ok = check_bound(&b->tpp, "TPP", out->metrics.tpp_milli, "", br->detail, sizeof(br->detail));
        if (b->bandwidth.has_min || b->bandwidth.has_below) {
            if (chip->memory_bandwidth_gbps_milli == 0) {
                size_t used = strlen(br->detail);
                snprintf(br->detail + used, sizeof(br->detail) - used, "%smemory bandwidth unknown",
                         used ? "; " : "");
                ok = false;
            } else {
                ok = check_bound(&b->bandwidth, "memory bandwidth", chip->memory_bandwidth_gbps_milli, " GB/s",
                                 br->detail, sizeof(br->detail)) && ok;
            }
        }
        br->inside = ok;
    }
}

bool cl_classification_in_band(const struct cl_classification *c, const char *band_id)
{
    for (size_t i = 0; i < c->n_bands; i++)
        if (strcmp(c->bands[i].band->id, band_id) == 0) return c->bands[i].inside;
    return false;
}

/* Thousandths as a JSON number: an integer when whole, otherwise a real with at most 3 decimals. */
static json_t *milli_json(int64_t milli)
{
    if (milli % 1000 == 0) return json_integer(milli / 1000);
    return json_real((double)milli / 1000.0);
}

json_t *cl_chip_to_json(const struct cl_chip *chip)
{
    json_t *o = json_object();
    json_t *tp = json_array();
    json_t *al = json_array();
    json_t *src = json_array();
    for (size_t i = 0; i < chip->n_prec; i++)
        json_array_append_new(tp, json_pack("{s:s, s:i, s:o}", "precision", chip->prec[i].name, "bits",
                                            chip->prec[i].bits, "dense_tops",
                                            milli_json(chip->prec[i].dense_tops_milli)));
    for (size_t i = 0; i < chip->n_aliases; i++) json_array_append_new(al, json_string(chip->aliases[i]));
    for (size_t i = 0; i < chip->n_sources; i++) json_array_append_new(src, json_string(chip->sources[i]));
    json_object_set_new(o, "name", json_string(chip->name));
    if (chip->vendor) json_object_set_new(o, "vendor", json_string(chip->vendor));
    json_object_set_new(o, "aliases", al);
    json_object_set_new(o, "data_center", json_boolean(chip->data_center));
    json_object_set_new(o, "throughput", tp);
    json_object_set_new(o, "die_area_mm2", chip->die_area_mm2_milli ? milli_json(chip->die_area_mm2_milli) : json_null());
    json_object_set_new(o, "memory_gb", chip->memory_gb_milli ? milli_json(chip->memory_gb_milli) : json_null());
    json_object_set_new(o, "memory_bandwidth_gbps",
                        chip->memory_bandwidth_gbps_milli ? milli_json(chip->memory_bandwidth_gbps_milli) : json_null());
    json_object_set_new(o, "confirmed", json_boolean(chip->confirmed));
    if (chip->notes) json_object_set_new(o, "notes", json_string(chip->notes));
    json_object_set_new(o, "sources", src);
    return o;
}

json_t *cl_classification_to_json(const struct cl_classification *c)
{
    char date[CL_DATE_TEXT_BYTES];
    cl_date_format(c->date, date);
    json_t *o = json_object();
    json_object_set_new(o, "chip", json_string(c->chip->name));
    json_object_set_new(o, "date", json_string(date));
    json_object_set_new(o, "tpp", milli_json(c->metrics.tpp_milli));
    json_object_set_new(o, "tpp_precision", c->metrics.tpp_precision ? json_string(c->metrics.tpp_precision) : json_null());
    json_object_set_new(o, "performance_density", c->metrics.pd_known ? milli_json(c->metrics.pd_milli) : json_null());
    json_object_set_new(o, "memory_bandwidth_gbps", c->chip->memory_bandwidth_gbps_milli
                                                        ? milli_json(c->chip->memory_bandwidth_gbps_milli)
                                                        : json_null());
    json_object_set_new(o, "data_center", json_boolean(c->chip->data_center));
    json_object_set_new(o, "eccn", c->eccn ? json_string(c->eccn) : json_null());
    json_object_set_new(o, "classification", json_string(c->eccn ? c->eccn : (c->regime ? "not 3A090" : "no regime in force")));
    json_object_set_new(o, "matched", c->matched_clause ? json_string(c->matched_clause) : json_null());
    json_object_set_new(o, "excluded_non_data_center", json_boolean(c->excluded_non_data_center));
    json_object_set_new(o, "confirmed", json_boolean(c->chip->confirmed));
    if (c->regime) {
        json_object_set_new(o, "regime", json_pack("{s:s, s:s, s:s?}", "id", c->regime->id, "citation",
                                                   c->regime->citation, "url", c->regime->url));
    } else {
        json_object_set_new(o, "regime", json_null());
    }
    json_t *clauses = json_array();
    for (size_t i = 0; i < c->n_clauses; i++) {
        const struct cl_clause_result *r = &c->clauses[i];
        json_array_append_new(clauses, json_pack("{s:s, s:s, s:s, s:b, s:b, s:s}", "eccn", r->eccn, "clause",
                                                 r->clause->id, "text", r->clause->text, "matched", r->matched,
                                                 "indeterminate", r->indeterminate, "detail", r->detail));
    }
    json_object_set_new(o, "clauses", clauses);
    json_t *bands = json_array();
    for (size_t i = 0; i < c->n_bands; i++) {
        const struct cl_band_result *b = &c->bands[i];
        json_array_append_new(bands, json_pack("{s:s, s:s, s:s, s:b, s:s}", "id", b->band->id, "text", b->band->text,
                                               "citation", b->band->citation, "inside", b->inside, "detail",
                                               b->detail));
    }
    json_object_set_new(o, "bands", bands);
    return o;
}

static int64_t ratio_milli(int64_t a, int64_t b)
{
    if (b <= 0) return 0;
    return (a * 1000 + b / 2) / b;
}

void cl_chip_compare(const struct cl_chip *a, const struct cl_chip *b, struct cl_comparison *out)
{
    memset(out, 0, sizeof(*out));
    out->a = a;
    out->b = b;
    cl_chip_metrics(a, &out->ma);
    cl_chip_metrics(b, &out->mb);
    out->tpp_ratio_milli = ratio_milli(out->ma.tpp_milli, out->mb.tpp_milli);
    out->bandwidth_ratio_milli = ratio_milli(a->memory_bandwidth_gbps_milli, b->memory_bandwidth_gbps_milli);
    out->memory_ratio_milli = ratio_milli(a->memory_gb_milli, b->memory_gb_milli);
    if (out->ma.pd_known && out->mb.pd_known) out->pd_ratio_milli = ratio_milli(out->ma.pd_milli, out->mb.pd_milli);
}

json_t *cl_comparison_to_json(const struct cl_comparison *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "a", json_string(c->a->name));
    json_object_set_new(o, "b", json_string(c->b->name));
    json_object_set_new(o, "tpp", json_pack("{s:o, s:o, s:o}", "a", milli_json(c->ma.tpp_milli), "b",
                                            milli_json(c->mb.tpp_milli), "ratio",
                                            c->tpp_ratio_milli ? milli_json(c->tpp_ratio_milli) : json_null()));
    json_object_set_new(o, "memory_bandwidth_gbps",
                        json_pack("{s:o, s:o, s:o}", "a", milli_json(c->a->memory_bandwidth_gbps_milli), "b",
                                  milli_json(c->b->memory_bandwidth_gbps_milli), "ratio",
                                  c->bandwidth_ratio_milli ? milli_json(c->bandwidth_ratio_milli) : json_null()));
    json_object_set_new(o, "memory_gb", json_pack("{s:o, s:o, s:o}", "a", milli_json(c->a->memory_gb_milli), "b",
                                                  milli_json(c->b->memory_gb_milli), "ratio",
                                                  c->memory_ratio_milli ? milli_json(c->memory_ratio_milli)
                                                                        : json_null()));
    json_object_set_new(o, "performance_density",
                        json_pack("{s:o, s:o, s:o}", "a", c->ma.pd_known ? milli_json(c->ma.pd_milli) : json_null(),
                                  "b", c->mb.pd_known ? milli_json(c->mb.pd_milli) : json_null(), "ratio",
                                  c->pd_ratio_milli ? milli_json(c->pd_ratio_milli) : json_null()));
    return o;
}
