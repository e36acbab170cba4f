/* libFuzzer target: the query normaliser and the pair scorer on arbitrary bytes (invalid UTF-8, every script). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * CL_LIMIT_NAME_BYTES) return 0;
    struct cl_screen_normal n;
    struct cl_error e = {0};
    cl_screen_name_normalize((const char *)data, size, &n, &e);
    for (int i = 0; i < n.n_variants; i++)
        CL_ASSERT(strlen(n.variant[i]) < sizeof(n.variant[i]));
    /* the two halves, as a pair */
    char a[CL_LIMIT_NAME_BYTES + 1], b[CL_LIMIT_NAME_BYTES + 1];
    size_t h = size / 2;
    if (h > CL_LIMIT_NAME_BYTES || size - h > CL_LIMIT_NAME_BYTES) return 0;
    memcpy(a, data, h);
    a[h] = '\0';
    memcpy(b, data + h, size - h);
    b[size - h] = '\0';
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_screen_explain x;
    if (cl_screen_names_match(a, b, (enum cl_screen_type)(size % 5), &arena, &x, &e) == CL_OK) {
        CL_ASSERT(x.score >= 0.0);
        CL_ASSERT(x.score <= 1.0);
        json_t *j = cl_screen_explain_to_json(&x);
        json_decref(j);
    }
    cl_arena_release(&arena);
    return 0;
}
