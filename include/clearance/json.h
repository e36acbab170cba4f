/* JSON helpers over jansson: bounded parsing, strict field checks that name the JSON path, canonical output. */
#ifndef CLEARANCE_JSON_H
#define CLEARANCE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clearance/core.h"

#define CL_JSON_PATH_BYTES 256

/* Parses len bytes of text into a new value (json_decref it). Rejects nesting deeper than max_depth before
 * parsing, and duplicate keys. Errors are CL_ERR_INPUT with "source:line:column: message"; source names the
 * input (a file name, "request body"). */
enum cl_err cl_json_parse(const char *text, size_t len, const char *source, int max_depth, json_t **out,
                          struct cl_error *err);
/* Reads and parses a file with cl_json_parse, at most max_bytes. */
enum cl_err cl_json_load_file(const char *path, size_t max_bytes, json_t **out, struct cl_error *err);

/* Path building: writes parent + ".key" or parent + "[index]" into out (CL_JSON_PATH_BYTES). */
void cl_json_path_key(char out[CL_JSON_PATH_BYTES], const char *parent, const char *key);
void cl_json_path_index(char out[CL_JSON_PATH_BYTES], const char *parent, size_t index);

/* Fails with CL_ERR_INPUT ("path.key: unknown field") if obj has a key outside allowed (NULL-terminated),
 * or ("path: expected an object") if obj is not an object. */
enum cl_err cl_json_check_keys(const json_t *obj, const char *path, const char *const *allowed,
                               struct cl_error *err);

/* Typed getters. Each names path.key in its error. When the field is absent: required gives CL_ERR_INPUT
 * ("missing field"), otherwise the out-value is left unchanged and CL_OK is returned. Strings are borrowed from
 * obj. The string getter rejects empty strings and strings longer than max_bytes. */
enum cl_err cl_json_get_str(const json_t *obj, const char *key, const char *path, bool required, size_t max_bytes,
                            const char **out, struct cl_error *err);
enum cl_err cl_json_get_int(const json_t *obj, const char *key, const char *path, bool required, int64_t min,
                            int64_t max, int64_t *out, struct cl_error *err);
enum cl_err cl_json_get_bool(const json_t *obj, const char *key, const char *path, bool required, bool *out,
                             struct cl_error *err);
/* A number (integer or real) held exactly as thousandths: 989.5 gives 989500. More than 3 decimals, negative or
 * above max_milli gives CL_ERR_INPUT. Parsed from the number's shortest text form, so no binary rounding. */
enum cl_err cl_json_get_milli(const json_t *obj, const char *key, const char *path, bool required,
                              int64_t max_milli, int64_t *out, struct cl_error *err);
enum cl_err cl_json_get_date(const json_t *obj, const char *key, const char *path, bool required, cl_date *out,
                             struct cl_error *err);
/* An array (borrowed) of at most max_items. */
enum cl_err cl_json_get_array(const json_t *obj, const char *key, const char *path, bool required,
                              size_t max_items, const json_t **out, struct cl_error *err);
enum cl_err cl_json_get_object(const json_t *obj, const char *key, const char *path, bool required,
                               const json_t **out, struct cl_error *err);

/* Canonical text: keys sorted, no insignificant white space, UTF-8 kept as is. New malloc'd string (free()),
 * NULL on allocation failure. Records that are hashed must hold no real numbers, only integers and strings. */
char *cl_json_canonical(const json_t *v);

#endif
