/* JSON helpers over jansson: bounded parsing, strict typed getters that name the JSON path, canonical text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"

/* Finds the deepest nesting of [ and { outside strings without recursion, so a hostile document is refused
 * before jansson's recursive parser sees it. Returns false and the line of the first excess. */
static bool depth_ok(const char *s, size_t n, int max_depth, int *out_line)
{
    int depth = 0, line = 1;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n') line++;
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
            continue;
        }
        if (c == '"') in_str = true;
        else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                *out_line = line;
                return false;
            }
        } else if (c == ']' || c == '}') depth--;
    }
    return true;
}

enum cl_err cl_json_parse(const char *text, size_t len, const char *source, int max_depth, json_t **out,
                          struct cl_error *err)
{
    int line = 0;
    if (!depth_ok(text, len, max_depth, &line))
        return cl_error_set(err, CL_ERR_INPUT, "%s:%d: JSON nested deeper than %d levels", source, line, max_depth);
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) return cl_error_set(err, CL_ERR_INPUT, "%s:%d:%d: %s", source, je.line, je.column, je.text);
    *out = v;
    return CL_OK;
}

enum cl_err cl_json_load_file(const char *path, size_t max_bytes, json_t **out, struct cl_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    enum cl_err rc = cl_file_read(path, max_bytes, &buf, &len, err);
    if (rc) return rc;
    rc = cl_json_parse(buf, len, path, CL_LIMIT_JSON_DEPTH, out, err);
    free(buf);
    return rc;
}

void cl_json_path_key(char out[CL_JSON_PATH_BYTES], const char *parent, const char *key)
{
    snprintf(out, CL_JSON_PATH_BYTES, "%s.%s", parent, key);
}

void cl_json_path_index(char out[CL_JSON_PATH_BYTES], const char *parent, size_t index)
{
    snprintf(out, CL_JSON_PATH_BYTES, "%s[%zu]", parent, index);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

enum cl_err cl_json_check_keys(const json_t *obj, const char *path, const char *const *allowed,
                               struct cl_error *err)
{
    if (!json_is_object(obj))
        return cl_error_set(err, CL_ERR_INPUT, "%s: expected an object, found %s", path, type_name(obj));
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) known = true;
        if (!known) {
            char list[160] = "";
            size_t used = 0;
            for (const char *const *a = allowed; *a && used < sizeof(list) - 8; a++)
                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", *a);
            if (used >= sizeof(list) - 8) cl_strlcpy(list + sizeof(list) - 8, ", ...", 8);
            return cl_error_set(err, CL_ERR_INPUT, "%s.%s: unknown field (expected one of: %s)", path, key, list);
        }
    }
    return CL_OK;
}

static enum cl_err get_field(const json_t *obj, const char *key, const char *path, bool required, json_t **out,
                             struct cl_error *err)
{
    *out = json_object_get(obj, key);
    if (!*out && required) return cl_error_set(err, CL_ERR_INPUT, "%s.%s: missing field", path, key);
    return CL_OK;
}

enum cl_err cl_json_get_str(const json_t *obj, const char *key, const char *path, bool required, size_t max_bytes,
                            const char **out, struct cl_error *err)
{
    json_t *v;
    enum cl_err rc = get_field(obj, key, path, required, &v, err);
    if (rc || !v) return rc;
    if (!json_is_string(v))
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: expected a string, found %s", path, key, type_name(v));
    size_t n = json_string_length(v);
    if (n == 0) return cl_error_set(err, CL_ERR_INPUT, "%s.%s: must not be empty", path, key);
    if (n > max_bytes)
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: longer than %zu bytes", path, key, max_bytes);
    if (strlen(json_string_value(v)) != n)
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: contains a NUL character", path, key);
    *out = json_string_value(v);
    return CL_OK;
}

enum cl_err cl_json_get_int(const json_t *obj, const char *key, const char *path, bool required, int64_t min,
                            int64_t max, int64_t *out, struct cl_error *err)
{
    json_t *v;
    enum cl_err rc = get_field(obj, key, path, required, &v, err);
    if (rc || !v) return rc;
    if (!json_is_integer(v))
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: expected an integer, found %s", path, key, type_name(v));
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: %" PRId64 " is outside %" PRId64 "..%" PRId64, path, key,
                            (int64_t)i, min, max);
    *out = i;
    return CL_OK;
}

enum cl_err cl_json_get_bool(const json_t *obj, const char *key, const char *path, bool required, bool *out,
                             struct cl_error *err)
{
    json_t *v;
    enum cl_err rc = get_field(obj, key, path, required, &v, err);
    if (rc || !v) return rc;
    if (!json_is_boolean(v))
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: expected true or false, found %s", path, key, type_name(v));
    *out = json_is_true(v);
    return CL_OK;
}

/* Shortest decimal text that reads back as the same double. */
static void shortest_text(double d, char out[40])
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 40, "%.*g", prec, d);
        if (strtod(out, NULL) == d) return;
    }
}

enum cl_err cl_json_get_milli(const json_t *obj, const char *key, const char *path, bool required,
                              int64_t max_milli, int64_t *out, struct cl_error *err)
{
    json_t *v;
    enum cl_err rc = get_field(obj, key, path, required, &v, err);
    if (rc || !v) return rc;
    int64_t milli;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > max_milli / 1000)
            return cl_error_set(err, CL_ERR_INPUT, "%s.%s: %" PRId64 " is outside 0..%" PRId64, path, key,
                                (int64_t)i, max_milli / 1000);
        milli = i * 1000;
    } else if (json_is_real(v)) {
        char text[40];
        shortest_text(json_real_value(v), text);
        if (strchr(text, 'e') || strchr(text, 'E') || text[0] == '-')
            return cl_error_set(err, CL_ERR_INPUT, "%s.%s: %s is not a plain non-negative decimal", path, key,
                                text);
        int64_t whole = 0, frac = 0;
        int nfrac = 0;
        const char *p = text;
        for (; *p && *p != '.'; p++) {
            whole = whole * 10 + (*p - '0');
            if (whole > max_milli / 1000)
                return cl_error_set(err, CL_ERR_INPUT, "%s.%s: %s is too large", path, key, text);
        }
        if (*p == '.')
            for (p++; *p; p++, nfrac++) {
                if (nfrac >= 3)
                    return cl_error_set(err, CL_ERR_INPUT, "%s.%s: %s has more than 3 decimals", path, key, text);
                frac = frac * 10 + (*p - '0');
            }
        for (; nfrac < 3; nfrac++) frac *= 10;
        milli = whole * 1000 + frac;
        if (milli > max_milli) return cl_error_set(err, CL_ERR_INPUT, "%s.%s: %s is too large", path, key, text);
    } else {
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: expected a number, found %s", path, key, type_name(v));
    }
    *out = milli;
    return CL_OK;
}

enum cl_err cl_json_get_date(const json_t *obj, const char *key, const char *path, bool required, cl_date *out,
                             struct cl_error *err)
{
    json_t *v;
    enum cl_err rc = get_field(obj, key, path, required, &v, err);
    if (rc || !v) return rc;
    if (!json_is_string(v))
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: expected a date \"YYYY-MM-DD\", found %s", path, key,
                            type_name(v));
    if (cl_date_parse(json_string_value(v), json_string_length(v), out))
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: \"%.40s\" is not a valid date (YYYY-MM-DD)", path, key,
                            json_string_value(v));
    return CL_OK;
}

enum cl_err cl_json_get_array(const json_t *obj, const char *key, const char *path, bool required,
                              size_t max_items, const json_t **out, struct cl_error *err)
{
    json_t *v;
    enum cl_err rc = get_field(obj, key, path, required, &v, err);
    if (rc || !v) return rc;
    if (!json_is_array(v))
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: expected an array, found %s", path, key, type_name(v));
    if (json_array_size(v) > max_items)
        return cl_error_set(err, CL_ERR_LIMIT, "%s.%s: more than %zu items", path, key, max_items);
    *out = v;
    return CL_OK;
}

enum cl_err cl_json_get_object(const json_t *obj, const char *key, const char *path, bool required,
                               const json_t **out, struct cl_error *err)
{
    json_t *v;
    enum cl_err rc = get_field(obj, key, path, required, &v, err);
    if (rc || !v) return rc;
    if (!json_is_object(v))
        return cl_error_set(err, CL_ERR_INPUT, "%s.%s: expected an object, found %s", path, key, type_name(v));
    *out = v;
    return CL_OK;
}

char *cl_json_canonical(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}
