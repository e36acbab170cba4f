/* The chip catalog: loading chip records from JSON, looking them up, and computing TPP and PD. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/catalog.h"
#include "clearance/json.h"

/* Largest figure accepted for throughput, area, memory and bandwidth: 10^9 units, in thousandths. */
#define FIGURE_MAX_MILLI (1000000000LL * 1000LL)

static enum cl_err str_array(const json_t *obj, const char *key, const char *path, struct cl_arena *arena,
                             const char ***out, size_t *out_n, struct cl_error *err)
{
    const json_t *arr = NULL;
    enum cl_err rc = cl_json_get_array(obj, key, path, false, CL_LIMIT_CRITERIA_ITEMS, &arr, err);
    if (rc || !arr) return rc;
    size_t n = json_array_size(arr);
    const char **v = cl_arena_alloc(arena, (n ? n : 1) * sizeof(*v));
    if (!v) return cl_error_set(err, CL_ERR_NOMEM, "%s.%s: out of memory", path, key);
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > CL_LIMIT_TEXT_BYTES)
            return cl_error_set(err, CL_ERR_INPUT, "%s.%s[%zu]: expected a non-empty string", path, key, i);
        v[i] = cl_arena_strdup(arena, json_string_value(s));
        if (!v[i]) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    *out = v;
    *out_n = n;
    return CL_OK;
}

static enum cl_err dup_str(struct cl_arena *arena, const char *s, const char **out, struct cl_error *err)
{
    if (!s) return CL_OK;
    *out = cl_arena_strdup(arena, s);
    return *out ? CL_OK : cl_error_set(err, CL_ERR_NOMEM, "out of memory");
}

enum cl_err cl_chip_parse(const json_t *obj, const char *source, const char *json_path, struct cl_arena *arena,
                          struct cl_chip *out, struct cl_error *err)
{
    static const char *const keys[] = {"name", "aliases", "vendor", "data_center", "throughput", "die_area_mm2",
                                       "memory_gb", "memory_bandwidth_gbps", "confirmed", "notes", "sources",
                                       NULL};
    static const char *const tkeys[] = {"precision", "bits", "dense_tops", NULL};
    const char *path = json_path;
    memset(out, 0, sizeof(*out));
    out->confirmed = true;
    const char *name = NULL, *vendor = NULL, *notes = NULL;
    const json_t *tp = NULL;
    enum cl_err rc = cl_json_check_keys(obj, path, keys, err);
    if (!rc) rc = cl_json_get_str(obj, "name", path, true, CL_LIMIT_ID_BYTES, &name, err);
    if (!rc) rc = cl_json_get_str(obj, "vendor", path, false, CL_LIMIT_ID_BYTES, &vendor, err);
    if (!rc) rc = cl_json_get_str(obj, "notes", path, false, CL_LIMIT_TEXT_BYTES, &notes, err);
    if (!rc) rc = cl_json_get_bool(obj, "data_center", path, true, &out->data_center, err);
    if (!rc) rc = cl_json_get_bool(obj, "confirmed", path, false, &out->confirmed, err);
    if (!rc) rc = cl_json_get_milli(obj, "die_area_mm2", path, false, FIGURE_MAX_MILLI, &out->die_area_mm2_milli, err);
    if (!rc) rc = cl_json_get_milli(obj, "memory_gb", path, false, FIGURE_MAX_MILLI, &out->memory_gb_milli, err);
    if (!rc)
        rc = cl_json_get_milli(obj, "memory_bandwidth_gbps", path, false, FIGURE_MAX_MILLI,
                               &out->memory_bandwidth_gbps_milli, err);
    if (!rc) rc = cl_json_get_array(obj, "throughput", path, true, CL_LIMIT_PRECISIONS, &tp, err);
    if (!rc) rc = str_array(obj, "aliases", path, arena, &out->aliases, &out->n_aliases, err);
    if (!rc) rc = str_array(obj, "sources", path, arena, &out->sources, &out->n_sources, err);
    if (!rc) rc = dup_str(arena, name, &out->name, err);
    if (!rc) rc = dup_str(arena, vendor, &out->vendor, err);
    if (!rc) rc = dup_str(arena, notes, &out->notes, err);
    if (rc) goto out;
    if (json_array_size(tp) == 0) {
        rc = cl_error_set(err, CL_ERR_INPUT, "%s.throughput: needs at least one precision", path);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(tp); i++) {
        char p[CL_JSON_PATH_BYTES], tpath[CL_JSON_PATH_BYTES];
        cl_json_path_key(tpath, path, "throughput");
        cl_json_path_index(p, tpath, i);
        const json_t *t = json_array_get(tp, i);
        const char *pname = NULL;
        int64_t bits = 0, tops = 0;
        rc = cl_json_check_keys(t, p, tkeys, err);
        if (!rc) rc = cl_json_get_str(t, "precision", p, true, 32, &pname, err);
        if (!rc) rc = cl_json_get_int(t, "bits", p, true, 1, 64, &bits, err);
        if (!rc) rc = cl_json_get_milli(t, "dense_tops", p, true, FIGURE_MAX_MILLI, &tops, err);
        if (rc) goto out;
        if (tops == 0) {
            rc = cl_error_set(err, CL_ERR_INPUT, "%s.dense_tops: must be greater than 0", p);
            goto out;
        }
        struct cl_precision *pr = &out->prec[out->n_prec++];
        pr->bits = (int)bits;
        pr->dense_tops_milli = tops;
        rc = dup_str(arena, pname, &pr->name, err);
        if (rc) goto out;
    }
out:
    if (rc && source) cl_error_prefix(err, "%s", source);
    return rc;
}

enum cl_err cl_catalog_load(const char *path, struct cl_catalog *cat, struct cl_error *err)
{
    memset(cat, 0, sizeof(*cat));
    cl_arena_init(&cat->arena, 0);
    json_t *root = NULL;
    const json_t *chips = NULL;
    static const char *const keys[] = {"chips", "about", NULL};
    enum cl_err rc = cl_json_load_file(path, CL_LIMIT_DATA_FILE_BYTES, &root, err);
    if (rc) return rc;
    rc = cl_json_check_keys(root, "$", keys, err);
    if (!rc) rc = cl_json_get_array(root, "chips", "$", true, CL_LIMIT_CHIPS, &chips, err);
    if (rc) {
        cl_error_prefix(err, "%s", path);
        goto out;
    }
    cat->n_chips = json_array_size(chips);
    cat->chips = cl_arena_alloc(&cat->arena, (cat->n_chips ? cat->n_chips : 1) * sizeof(*cat->chips));
    if (!cat->chips) {
        rc = cl_error_set(err, CL_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    for (size_t i = 0; i < cat->n_chips; i++) {
        char p[CL_JSON_PATH_BYTES];
        cl_json_path_index(p, "$.chips", i);
        rc = cl_chip_parse(json_array_get(chips, i), path, p, &cat->arena, &cat->chips[i], err);
        if (rc) goto out;
        struct cl_catalog earlier = {.chips = cat->chips, .n_chips = i};
        if (cl_catalog_find(&earlier, cat->chips[i].name)) {
            rc = cl_error_set(err, CL_ERR_INPUT, "%s: %s.name: \"%s\" is already in the catalog", path, p,
                              cat->chips[i].name);
            goto out;
        }
    }
out:
    json_decref(root);
    if (rc) cl_catalog_release(cat);
    return rc;
}

void cl_catalog_release(struct cl_catalog *cat)
{
    cl_arena_release(&cat->arena);
    cat->chips = NULL;
    cat->n_chips = 0;
}

bool cl_chip_name_matches(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '-' || *a == '_') a++;
        while (*b == ' ' || *b == '-' || *b == '_') b++;
        if (!*a || !*b) return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
        a++;
        b++;
    }
}

const struct cl_chip *cl_catalog_find(const struct cl_catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->n_chips; i++) {
        const struct cl_chip *c = &cat->chips[i];
        if (cl_chip_name_matches(c->name, name)) return c;
        for (size_t k = 0; k < c->n_aliases; k++)
            if (cl_chip_name_matches(c->aliases[k], name)) return c;
    }
    return NULL;
}

enum cl_err cl_chip_load_spec(const char *path, struct cl_arena *arena, struct cl_chip *out, struct cl_error *err)
{
    json_t *root = NULL;
    enum cl_err rc = cl_json_load_file(path, CL_LIMIT_DATA_FILE_BYTES, &root, err);
    if (rc) return rc;
    rc = cl_chip_parse(root, path, "$", arena, out, err);
    json_decref(root);
    return rc;
}

void cl_chip_metrics(const struct cl_chip *chip, struct cl_chip_metrics *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < chip->n_prec; i++) {
        int64_t tpp = chip->prec[i].dense_tops_milli * chip->prec[i].bits;
        if (tpp > out->tpp_milli) {
            out->tpp_milli = tpp;
            out->tpp_precision = chip->prec[i].name;
        }
    }
    if (chip->die_area_mm2_milli > 0) {
        out->pd_known = true;
        /* PD in thousandths, rounded half up: (tpp/area) x 1000 */
        out->pd_milli = (out->tpp_milli * 1000 + chip->die_area_mm2_milli / 2) / chip->die_area_mm2_milli;
    }
}
