/* JSON forms of screening results, explanations and listed entries (for the CLI, the server and the store), and
 * the thresholds file. */
#include <math.h>
#include <string.h>

#include "clearance/json.h"
#include "screen_int.h"

/* Scores travel rounded to 4 decimals so that outputs are stable and readable. */
static json_t *score_json(double v)
{
    return json_real(round(v * 10000.0) / 10000.0);
}

static int set_new(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *cl_screen_explain_to_json(const struct cl_screen_explain *e)
{
    json_t *o = json_object();
    json_t *toks = json_array();
    if (!o || !toks) goto fail;
    for (size_t i = 0; i < e->n_tokens; i++) {
        const struct cl_screen_token_match *t = &e->tokens[i];
        json_t *j = json_object();
        if (!j || set_new(j, "query", str_or_null(t->query)) || set_new(j, "listed", str_or_null(t->listed)) ||
            set_new(j, "how", json_string(cl_screen_how_name(t->how))) ||
            set_new(j, "similarity", score_json(t->similarity)) || set_new(j, "weight", score_json(t->weight)) ||
            json_array_append_new(toks, j)) {
            json_decref(j);
            goto fail;
        }
    }
    if (set_new(o, "name_score", score_json(e->name_score)) || set_new(o, "score", score_json(e->score)) ||
        set_new(o, "variant", json_string(e->variant ? e->variant : "latin")) ||
        set_new(o, "query_form", json_string(e->query_form ? e->query_form : "")) ||
        set_new(o, "listed_form", json_string(e->listed_form ? e->listed_form : "")) ||
        set_new(o, "qualifiers", str_or_null(e->qualifiers)) || json_object_set_new(o, "tokens", toks)) {
        toks = NULL;
        goto fail;
    }
    return o;
fail:
    json_decref(toks);
    json_decref(o);
    return NULL;
}

json_t *cl_screen_match_to_json(const struct cl_screen_match *m)
{
    json_t *o = json_object();
    if (!o) return NULL;
    if (set_new(o, "score", score_json(m->explain.score)) || set_new(o, "list", json_string(m->list)) ||
        set_new(o, "source", json_string(m->source ? m->source : "")) ||
        set_new(o, "entry_id", json_string(m->entry_id)) || set_new(o, "matched_name", json_string(m->matched_name)) ||
        set_new(o, "query_name", json_string(m->query_name)) ||
        set_new(o, "type", json_string(cl_screen_type_name(m->entry ? m->entry->type : CL_SCREEN_TYPE_UNKNOWN))) ||
        set_new(o, "explanation", cl_screen_explain_to_json(&m->explain))) {
        json_decref(o);
        return NULL;
    }
    if (m->entry && m->entry->programs) json_object_set_new(o, "programs", json_string(m->entry->programs));
    return o;
}

json_t *cl_screen_result_to_json(const struct cl_screen_result *r)
{
    json_t *o = json_object();
    json_t *arr = json_array();
    if (!o || !arr) goto fail;
    for (size_t i = 0; i < r->n_matches; i++)
        if (json_array_append_new(arr, cl_screen_match_to_json(&r->matches[i]))) goto fail;
    if (set_new(o, "decision", json_string(cl_screen_decision_name(r->decision))) ||
        set_new(o, "score", score_json(r->best_score)) ||
        set_new(o, "candidates", json_integer((json_int_t)r->candidates)) || json_object_set_new(o, "matches", arr)) {
        arr = NULL;
        goto fail;
    }
    return o;
fail:
    json_decref(arr);
    json_decref(o);
    return NULL;
}

static json_t *str_array(const char *const *v, size_t n)
{
    json_t *a = json_array();
    if (!a) return NULL;
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(a, json_string(v[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

json_t *cl_screen_entry_to_json(const struct cl_screen_entry *e)
{
    json_t *o = json_object();
    json_t *names = json_array();
    if (!o || !names) goto fail;
    for (size_t i = 0; i < e->n_names; i++) {
        json_t *n = json_object();
        if (!n || set_new(n, "name", json_string(e->names[i].text)) ||
            set_new(n, "kind", json_string(cl_screen_name_kind_name(e->names[i].kind))) ||
            json_array_append_new(names, n)) {
            json_decref(n);
            goto fail;
        }
    }
    if (set_new(o, "list", json_string(e->list)) || set_new(o, "id", json_string(e->id)) ||
        set_new(o, "source", str_or_null(e->source)) || set_new(o, "type", json_string(cl_screen_type_name(e->type))) ||
        set_new(o, "programs", str_or_null(e->programs)) || set_new(o, "remarks", str_or_null(e->remarks)) ||
        json_object_set_new(o, "names", names)) {
        names = NULL;
        goto fail;
    }
    if (set_new(o, "countries", str_array(e->countries, e->n_countries)) ||
        set_new(o, "births", str_array(e->births, e->n_births)))
        goto fail;
    return o;
fail:
    json_decref(names);
    json_decref(o);
    return NULL;
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

enum cl_err cl_screen_entry_from_json(struct cl_screen_lists *l, const json_t *j, struct cl_error *err)
{
    const char *list = jstr(j, "list"), *id = jstr(j, "id");
    const json_t *names = json_object_get(j, "names");
    if (!list || !id || !json_is_array(names))
        return cl_error_set(err, CL_ERR_INPUT, "stored entry: missing list, id or names");
    struct cl_screen_entry *e = sn_lists_add_entry(l);
    if (!e) return cl_error_set(err, CL_ERR_LIMIT, "more than %d entries", CL_LIMIT_LIST_ENTRIES);
    /* list names are few and constant: keep one copy each */
    static const char *const known[] = {"ofac-sdn", "ofac-nonsdn", "un", "bis-dpl", "csl"};
    e->list = NULL;
    for (size_t i = 0; i < 5; i++)
        if (strcmp(list, known[i]) == 0) e->list = known[i];
    if (!e->list) e->list = sn_lists_str(l, list, strlen(list));
    e->id = sn_lists_str(l, id, strlen(id));
    const char *s;
    if ((s = jstr(j, "source"))) e->source = sn_lists_str(l, s, strlen(s));
    if ((s = jstr(j, "programs"))) e->programs = sn_lists_str(l, s, strlen(s));
    if ((s = jstr(j, "remarks"))) e->remarks = sn_lists_str(l, s, strlen(s));
    if ((s = jstr(j, "type"))) cl_screen_type_parse(s, &e->type);
    enum cl_err rc = CL_OK;
    size_t i;
    const json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *n = jstr(v, "name"), *k = jstr(v, "kind");
        if (!n) return cl_error_set(err, CL_ERR_INPUT, "stored entry %s: names[%zu] has no name", id, i);
        enum cl_screen_name_kind kind = CL_SCREEN_NAME_AKA;
        for (int kk = CL_SCREEN_NAME_PRIMARY; kk <= CL_SCREEN_NAME_ORIGINAL && k; kk++)
            if (strcmp(k, cl_screen_name_kind_name((enum cl_screen_name_kind)kk)) == 0)
                kind = (enum cl_screen_name_kind)kk;
        if ((rc = sn_entry_add_name(l, e, n, strlen(n), kind))) break;
    }
    const json_t *arr = json_object_get(j, "countries");
    json_array_foreach(arr, i, v)
    {
        if (rc || !json_is_string(v)) break;
        rc = sn_entry_add_country(l, e, json_string_value(v), strlen(json_string_value(v)));
    }
    arr = json_object_get(j, "births");
    json_array_foreach(arr, i, v)
    {
        if (rc || !json_is_string(v)) break;
        rc = sn_entry_add_birth(l, e, json_string_value(v), strlen(json_string_value(v)));
    }
    if (rc || !e->id) return cl_error_set(err, rc ? rc : CL_ERR_NOMEM, "stored entry %s: %s", id, cl_strerror(rc));
    return CL_OK;
}

enum cl_err cl_screen_config_load(const char *path, struct cl_screen_config *c, struct cl_error *err)
{
    json_t *j = NULL;
    enum cl_err rc = cl_json_load_file(path, CL_LIMIT_DATA_FILE_BYTES, &j, err);
    if (rc) return rc;
    static const char *const keys[] = {
        "review",         "block",         "max_matches", "country_match", "country_mismatch", "birth_match",
        "birth_mismatch", "type_mismatch", NULL};
    double *fields[] = {
        &c->review,         &c->block,        NULL, &c->country_match, &c->country_mismatch, &c->birth_match,
        &c->birth_mismatch, &c->type_mismatch};
    rc = cl_json_check_keys(j, path, keys, err);
    for (size_t i = 0; keys[i] && !rc; i++) {
        json_t *v = json_object_get(j, keys[i]);
        if (!v) continue;
        if (!json_is_number(v)) {
            rc = cl_error_set(err, CL_ERR_INPUT, "%s: %s: expected a number", path, keys[i]);
            break;
        }
        if (fields[i]) {
            *fields[i] = json_number_value(v);
        } else {
            double m = json_number_value(v);
            if (m < 1 || m > CL_LIMIT_SCREEN_MATCHES || m != floor(m)) {
                rc = cl_error_set(err, CL_ERR_INPUT, "%s: max_matches: an integer from 1 to %d", path,
                                  CL_LIMIT_SCREEN_MATCHES);
                break;
            }
            c->max_matches = (size_t)m;
        }
    }
    json_decref(j);
    if (!rc) {
        rc = cl_screen_config_check(c, err);
        if (rc) cl_error_prefix(err, "%s", path);
    }
    return rc;
}
