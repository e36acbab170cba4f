/* What the list-reader fuzz targets share: read bytes as a named list file, then build the index and screen a
 * few of the names read, so the whole path from file to decision is exercised. */
#ifndef FUZZ_SCREEN_COMMON_H
#define FUZZ_SCREEN_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/screen.h"

static void screen_some(const struct cl_screen_lists *l)
{
    struct cl_screen_index *idx = NULL;
    struct cl_error e = {0};
    if (cl_screen_index_build(l, &idx, &e)) return;
    struct cl_screen_config cfg;
    cl_screen_config_init(&cfg);
    struct cl_arena a;
    cl_arena_init(&a, 0);
    for (size_t i = 0; i < l->n_entries && i < 4; i++) {
        const char *names[1] = {l->entries[i].names[0].text};
        if (strlen(names[0]) > CL_LIMIT_NAME_BYTES) continue;
        struct cl_screen_party p = {names, 1, "Cuba", 1960, CL_SCREEN_TYPE_UNKNOWN};
        struct cl_screen_result r;
        cl_screen_party_screen(idx, &cfg, &p, false, &a, &r, &e);
        cl_arena_release(&a);
    }
    cl_screen_index_free(idx);
}

/* Reads data as the file `name` (skipping bad rows when skip_bad), and screens what was read. */
static int fuzz_screen_file(const char *name, const uint8_t *data, size_t size, bool skip_bad)
{
    struct cl_screen_lists l;
    cl_screen_lists_init(&l);
    struct cl_error e = {0};
    struct cl_screen_read_options o = {skip_bad, NULL, NULL};
    if (cl_screen_lists_read_buffer(&l, name, (const char *)data, size, &o, &e) == CL_OK) screen_some(&l);
    cl_screen_lists_release(&l);
    return 0;
}

#endif
