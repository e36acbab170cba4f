/* libFuzzer target: a rule file, loaded with the real country groups and classification definitions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clearance/rules.h"

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
    snprintf(path, sizeof(path), "/tmp/fuzz_rules_%d.json", (int)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    const char *files[] = {CL_DATA_DIR "/rules/country_groups.json", path};
    struct cl_ruleset rs;
    struct cl_error e = {0};
    if (cl_ruleset_load_files(files, 2, &classifier, &rs, &e) == CL_OK) {
        /* a set that loads must also determine without trouble */
        struct cl_chip chip = {.name = "H200", .n_prec = 1, .data_center = true,
                               .die_area_mm2_milli = 814000, .memory_bandwidth_gbps_milli = 4800000};
        chip.prec[0] = (struct cl_precision){"FP8", 8, 1979000};
        struct cl_classification c;
        cl_classify(&classifier, &chip, 20485, &c);
        struct cl_sale sale = {.classification = &c, .destination = "CN", .headquarters = "CN", .date = 20485};
        struct cl_arena a;
        cl_arena_init(&a, 0);
        struct cl_determination d;
        if (cl_determine(&rs, &sale, &a, &d, &e) == CL_OK) json_decref(cl_determination_to_json(&d));
        cl_arena_release(&a);
        cl_ruleset_release(&rs);
    }
    return 0;
}
