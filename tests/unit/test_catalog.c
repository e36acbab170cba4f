/* Unit tests for the catalog: TPP and PD of every catalog chip against hand-computed values, every threshold
 * just below, at and just above its boundary, dates of the definitions, and malformed chip files. */
#include <stdlib.h>
#include <unistd.h>

#include "clearance/catalog.h"
#include "clearance/json.h"
#include "test.h"

static struct cl_catalog cat;
static struct cl_classifier cls;

static cl_date day(const char *s)
{
    cl_date d = 0;
    cl_date_parse(s, 10, &d);
    return d;
}

TEST(tpp_and_pd_of_every_catalog_chip)
{
    /* hand-computed: TPP = max(dense TOPS x bits); PD = TPP / die area, in thousandths rounded half up */
    static const struct {
        const char *name;
        int64_t tpp_milli, pd_milli;
    } want[] = {
        {"A100", 4992000, 6044},       /* 312 x 16; 4992 / 826 = 6.0436 */
        {"H100", 15832000, 19450},     /* 989.5 x 16 = 1979 x 8; 15832 / 814 = 19.4496 */
        {"H200", 15832000, 19450},
        {"H20", 2368000, 2909},        /* 148 x 16; 2368 / 814 = 2.9091 */
        {"B200", 36000000, 22500},     /* 2250 x 16 = 4500 x 8 = 9000 x 4; / 1600 */
        {"B300", 60000000, 37500},     /* 15000 x 4 */
        {"MI300X", 20919200, 8716},    /* 2614.9 x 8 beats 1307.4 x 16 = 20918.4; / 2400 */
        {"MI325X", 20919200, 8716},
        {"Ascend 910B", 5120000, 7692}, /* 320 x 16 / 665.6 */
        {"Ascend 910C", 12800000, 9617}, /* 800 x 16 / 1331 */
    };
    CHECK_INT(cat.n_chips, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct cl_chip *c = cl_catalog_find(&cat, want[i].name);
        CHECK(c != NULL);
        if (!c) continue;
        struct cl_chip_metrics m;
        cl_chip_metrics(c, &m);
        CHECK_INT(m.tpp_milli, want[i].tpp_milli);
        CHECK(m.pd_known);
        CHECK_INT(m.pd_milli, want[i].pd_milli);
    }
    CHECK(cl_catalog_find(&cat, "h200 sxm") == cl_catalog_find(&cat, "H200"));
    CHECK(cl_catalog_find(&cat, "ascend-910b") != NULL);
    CHECK(cl_catalog_find(&cat, "H300") == NULL);
}

TEST(headline_classifications)
{
    struct cl_classification c;
    cl_classify(&cls, cl_catalog_find(&cat, "H200"), day("2026-02-01"), &c);
    CHECK_STR(c.eccn, "3A090.a");
    CHECK(cl_classification_in_band(&c, "us-2026-case-by-case"));
    cl_classify(&cls, cl_catalog_find(&cat, "H20"), day("2026-02-01"), &c);
    CHECK(c.eccn == NULL);
    CHECK(!c.excluded_non_data_center);
    cl_classify(&cls, cl_catalog_find(&cat, "B200"), day("2026-02-01"), &c);
    CHECK_STR(c.eccn, "3A090.a");
    CHECK(!cl_classification_in_band(&c, "us-2026-case-by-case"));
    cl_classify(&cls, cl_catalog_find(&cat, "MI300X"), day("2026-02-01"), &c);
    CHECK(cl_classification_in_band(&c, "us-2026-case-by-case"));
    struct cl_comparison cmp;
    cl_chip_compare(cl_catalog_find(&cat, "H200"), cl_catalog_find(&cat, "H20"), &cmp);
    CHECK_INT(cmp.tpp_ratio_milli, 6686); /* 15832 / 2368 = 6.6858 */
    CHECK_INT(cmp.bandwidth_ratio_milli, 1200);
}

/* A chip with one 1-bit precision so that TPP equals the TOPS figure exactly, and a given die area. */
static struct cl_chip synth(int64_t tpp_milli, int64_t area_milli, int64_t bw_milli, bool dc)
{
    struct cl_chip c;
    memset(&c, 0, sizeof(c));
    c.name = "synthetic";
    c.n_prec = 1;
    c.prec[0] = (struct cl_precision){"X", 1, tpp_milli};
    c.die_area_mm2_milli = area_milli;
    c.memory_bandwidth_gbps_milli = bw_milli;
    c.data_center = dc;
    return c;
}

static const char *eccn_of(int64_t tpp_milli, int64_t area_milli, bool dc)
{
    static struct cl_chip chip;
    struct cl_classification c;
    chip = synth(tpp_milli, area_milli, 1000000, dc);
    cl_classify(&cls, &chip, day("2026-02-01"), &c);
    return c.eccn ? c.eccn : "none";
}

TEST(thresholds_below_at_above)
{
    /* 3A090.a.1: TPP >= 4800; area 2000 keeps PD at 2.4, inside 3A090.b.1's PD range */
    CHECK_STR(eccn_of(4799999, 2000000, true), "3A090.b");
    CHECK_STR(eccn_of(4800000, 2000000, true), "3A090.a");
    CHECK_STR(eccn_of(4800001, 2000000, true), "3A090.a");
    /* with PD 0.48 nothing but a.1 can match */
    CHECK_STR(eccn_of(4799999, 10000000, true), "none");
    CHECK_STR(eccn_of(4800000, 10000000, true), "3A090.a");
    /* 3A090.a.2: TPP >= 1600 and PD >= 5.92: TPP 2960 with area 500 gives PD 5.92 exactly */
    CHECK_STR(eccn_of(2960000, 500001, true), "3A090.b");  /* PD 5.91999 */
    CHECK_STR(eccn_of(2960000, 500000, true), "3A090.a");  /* PD 5.92 */
    CHECK_STR(eccn_of(2960000, 499999, true), "3A090.a");
    /* the TPP >= 1600 side of a.2 and b.2: PD 6.4 with area 250 */
    CHECK_STR(eccn_of(1599999, 250000, true), "none");
    CHECK_STR(eccn_of(1600000, 250000, true), "3A090.a");
    /* 3A090.b.1: 2400 <= TPP < 4800 and 1.6 <= PD < 5.92; area 1200 gives PD 2.0 */
    CHECK_STR(eccn_of(2399999, 1200000, true), "none");
    CHECK_STR(eccn_of(2400000, 1200000, true), "3A090.b");
    CHECK_STR(eccn_of(2400001, 1200000, true), "3A090.b");
    /* the PD >= 1.6 side of b.1: TPP 3200, area 2000 gives PD 1.6 */
    CHECK_STR(eccn_of(3200000, 2000001, true), "none");
    CHECK_STR(eccn_of(3200000, 2000000, true), "3A090.b");
    /* 3A090.b.2: TPP >= 1600 and 3.2 <= PD < 5.92; TPP 1600, area 500 gives PD 3.2 */
    CHECK_STR(eccn_of(1600000, 500001, true), "none");
    CHECK_STR(eccn_of(1600000, 500000, true), "3A090.b");
    CHECK_STR(eccn_of(1600000, 499999, true), "3A090.b");
    /* the Note: not for data centres and TPP < 4800 is outside 3A090 */
    CHECK_STR(eccn_of(4799999, 500000, false), "none");
    CHECK_STR(eccn_of(4800000, 500000, false), "3A090.a");
    /* unknown die area: a.2 cannot be decided and is reported as such */
    struct cl_chip chip = synth(2000000, 0, 1000000, true);
    struct cl_classification c;
    cl_classify(&cls, &chip, day("2026-02-01"), &c);
    CHECK(c.eccn == NULL);
    CHECK(c.clauses[1].indeterminate);
    CHECK_CONTAINS(c.clauses[1].detail, "PD unknown");
}

TEST(band_boundaries)
{
    struct cl_classification c;
    struct cl_chip chip = synth(20999999, 1000000, 6499999, true);
    cl_classify(&cls, &chip, day("2026-01-15"), &c);
    CHECK(cl_classification_in_band(&c, "us-2026-case-by-case"));
    chip = synth(21000000, 1000000, 6499999, true);
    cl_classify(&cls, &chip, day("2026-01-15"), &c);
    CHECK(!cl_classification_in_band(&c, "us-2026-case-by-case"));
    CHECK_CONTAINS(c.bands[0].detail, "TPP 21000 < 21000: no");
    chip = synth(20999999, 1000000, 6500000, true);
    cl_classify(&cls, &chip, day("2026-01-15"), &c);
    CHECK(!cl_classification_in_band(&c, "us-2026-case-by-case"));
    chip = synth(20999999, 1000000, 0, true); /* unknown bandwidth is never inside */
    cl_classify(&cls, &chip, day("2026-01-15"), &c);
    CHECK(!cl_classification_in_band(&c, "us-2026-case-by-case"));
}

TEST(definitions_are_effective_dated)
{
    struct cl_classification c;
    const struct cl_chip *h200 = cl_catalog_find(&cat, "H200");
    cl_classify(&cls, h200, day("2023-11-16"), &c);
    CHECK(c.regime == NULL);
    CHECK(c.eccn == NULL);
    cl_classify(&cls, h200, day("2023-11-17"), &c);
    CHECK_STR(c.eccn, "3A090.a");
    cl_classify(&cls, h200, day("2026-01-14"), &c);
    CHECK_INT(c.n_bands, 0);
    cl_classify(&cls, h200, day("2026-01-15"), &c);
    CHECK_INT(c.n_bands, 1);
}

/* Each malformed chip file is rejected with a message naming the file and the JSON path. */
TEST(malformed_chip_files)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"data_center\": true, \"throughput\": [{\"precision\": \"FP8\", \"bits\": 8, \"dense_tops\": 1}]}",
         "$.name: missing field"},
        {"{\"name\": \"X\", \"data_center\": true, \"colour\": \"red\", \"throughput\": []}", "$.colour: unknown field"},
        {"{\"name\": \"X\", \"data_center\": true, \"throughput\": []}", "$.throughput: needs at least one precision"},
        {"{\"name\": \"X\", \"data_center\": true, \"throughput\": [{\"precision\": \"FP8\", \"bits\": 0, \"dense_tops\": 1}]}",
         "$.throughput[0].bits: 0 is outside 1..64"},
        {"{\"name\": \"X\", \"data_center\": true, \"throughput\": [{\"precision\": \"FP8\", \"bits\": 8, \"dense_tops\": \"lots\"}]}",
         "$.throughput[0].dense_tops: expected a number, found a string"},
        {"{\"name\": \"X\", \"data_center\": true, \"throughput\": [{\"precision\": \"FP8\", \"bits\": 8, \"dense_tops\": -3}]}",
         "$.throughput[0].dense_tops: -3 is outside"},
        {"{\"name\": \"X\", \"data_center\": true, \"throughput\": [{\"precision\": \"FP8\", \"bits\": 8, \"dense_tops\": 1.0005}]}",
         "more than 3 decimals"},
        {"{\"name\": \"X\", \"data_center\": \"yes\", \"throughput\": []}", "$.data_center: expected true or false"},
        {"{\"name\": \"X\",\n \"data_center\": true,\n \"throughput\": [}", ".json:3:"},
        {"{\"name\": \"X\", \"name\": \"Y\"}", "duplicate object key"},
        {"[1, 2]", "$: expected an object, found an array"},
    };
    char path[] = "/tmp/cl_chip_XXXXXX.json";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int fd = mkstemps(path, 5);
        if (write(fd, cases[i].text, strlen(cases[i].text)) < 0) CHECK(0);
        close(fd);
        struct cl_arena a;
        cl_arena_init(&a, 0);
        struct cl_chip chip;
        struct cl_error e = {0};
        CHECK_INT(cl_chip_load_spec(path, &a, &chip, &e), CL_ERR_INPUT);
        CHECK_CONTAINS(e.msg, cases[i].want);
        CHECK_CONTAINS(e.msg, "/tmp/cl_chip_");
        cl_arena_release(&a);
        unlink(path);
        memcpy(path + strlen(path) - 11, "XXXXXX", 6);
    }
    struct cl_error e = {0};
    struct cl_catalog c2;
    CHECK_INT(cl_catalog_load("/nonexistent/chips.json", &c2, &e), CL_ERR_IO);
    CHECK_CONTAINS(e.msg, "/nonexistent/chips.json: cannot open");
}

int main(void)
{
    struct cl_error e = {0};
    if (cl_catalog_load(CL_DATA_DIR "/chips.json", &cat, &e) ||
        cl_classifier_load(CL_DATA_DIR "/classification.json", &cls, &e)) {
        fprintf(stderr, "cannot load data: %s\n", e.msg);
        return 1;
    }
    RUN(tpp_and_pd_of_every_catalog_chip);
    RUN(headline_classifications);
    RUN(thresholds_below_at_above);
    RUN(band_boundaries);
    RUN(definitions_are_effective_dated);
    RUN(malformed_chip_files);
    cl_catalog_release(&cat);
    cl_classifier_release(&cls);
    return TEST_EXIT();
}
