/* libFuzzer target: a chip spec file (the same object as a catalog entry), then its classification. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clearance/catalog.h"

static struct cl_classifier classifier;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct cl_error e = {0};
    if (cl_classifier_load(CL_DATA_DIR "/classification.json", &classifier, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        abort();
    }
    snprintf(path, sizeof(path), "/tmp/fuzz_chip_%d.json", (int)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    struct cl_arena a;
    cl_arena_init(&a, 0);
    struct cl_chip chip;
    struct cl_error e = {0};
    if (cl_chip_load_spec(path, &a, &chip, &e) == CL_OK) {
        struct cl_classification c;
        cl_classify(&classifier, &chip, 20485, &c);
        json_decref(cl_classification_to_json(&c));
        json_decref(cl_chip_to_json(&chip));
    }
    /* the catalog loader reads the same objects inside {"chips": [...]} */
    struct cl_catalog cat;
    cl_error_clear(&e);
    if (cl_catalog_load(path, &cat, &e) == CL_OK) cl_catalog_release(&cat);
    cl_arena_release(&a);
    return 0;
}
