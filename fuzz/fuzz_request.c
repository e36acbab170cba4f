/* libFuzzer target: an HTTP request body, read the way the server reads it (bounded JSON parse), then answered by
 * every reference query and read as the arguments of every service-layer action. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "clearance/app.h"
#include "clearance/json.h"
#include "clearance/reference.h"

static struct cl_reference ref;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct cl_error e = {0};
    if (cl_reference_load(CL_DATA_DIR, NULL, &ref, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CL_LIMIT_BODY_BYTES) return 0;
    json_t *body = NULL;
    struct cl_error e = {0};
    if (cl_json_parse((const char *)data, size, "request body", CL_LIMIT_JSON_DEPTH, &body, &e)) return 0;
    if (json_is_object(body)) {
        enum cl_err (*const queries[])(const struct cl_reference *, const json_t *, json_t **, struct cl_error *) = {
            cl_reference_classify, cl_reference_compare, cl_reference_rules_at, cl_reference_determine};
        for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
            json_t *out = NULL;
            cl_error_clear(&e);
            if (queries[i](&ref, body, &out, &e) == CL_OK) json_decref(out);
        }
        for (int a = 0; a < CL_APP__COUNT; a++) {
            struct cl_app_request req;
            cl_error_clear(&e);
            cl_app_request_from_json((enum cl_app_action)a, body, "$", &req, &e);
        }
    }
    json_decref(body);
    return 0;
}
