/* Unit tests for the list importers: the real files in ../shared/data/lists give the counts of its README, and
 * malformed files give errors naming file and line, all or nothing, or skipped rows when asked. */
#include <stdlib.h>
#include <unistd.h>

#include "clearance/screen.h"
#include "test.h"

#define LISTS CL_SHARED_DATA "/lists/"

static size_t count_type(const struct cl_screen_lists *l, enum cl_screen_type t)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n_entries; i++)
        n += l->entries[i].type == t;
    return n;
}

static const struct cl_screen_entry *find(const struct cl_screen_lists *l, const char *id)
{
    for (size_t i = 0; i < l->n_entries; i++)
        if (strcmp(l->entries[i].id, id) == 0) return &l->entries[i];
    return NULL;
}

static bool has_name(const struct cl_screen_entry *e, const char *name, enum cl_screen_name_kind k)
{
    for (size_t i = 0; e && i < e->n_names; i++)
        if (strcmp(e->names[i].text, name) == 0 && e->names[i].kind == k) return true;
    return false;
}

static enum cl_err read_lists(struct cl_screen_lists *l, const char *const *files, size_t n, struct cl_error *e)
{
    char paths[8][512];
    const char *p[8];
    for (size_t i = 0; i < n; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s%s", LISTS, files[i]);
        p[i] = paths[i];
    }
    return cl_screen_lists_read_files(l, p, n, NULL, e);
}

TEST(ofac_2024_sdn_counts)
{
    struct cl_screen_lists l;
    cl_screen_lists_init(&l);
    struct cl_error e = {0};
    const char *f[] = {"ofac_sdn_2024_05_03/sdn.csv"};
    CHECK_INT(read_lists(&l, f, 1, &e), CL_OK);
    CHECK_INT(l.n_entries, 14965);
    CHECK_INT(count_type(&l, CL_SCREEN_TYPE_INDIVIDUAL), 6854);
    CHECK_INT(count_type(&l, CL_SCREEN_TYPE_ENTITY), 6884);
    CHECK_INT(count_type(&l, CL_SCREEN_TYPE_VESSEL), 851);
    CHECK_INT(count_type(&l, CL_SCREEN_TYPE_AIRCRAFT), 376);
    CHECK_STR(l.files[0].format, "ofac-sdn-csv");
    const struct cl_screen_entry *bnc = find(&l, "sdn:306");
    CHECK(bnc != NULL);
    CHECK(has_name(bnc, "BANCO NACIONAL DE CUBA", CL_SCREEN_NAME_PRIMARY));
    CHECK(has_name(bnc, "BNC", CL_SCREEN_NAME_WEAK)); /* a.k.a. in the remarks */
    cl_screen_lists_release(&l);
}

TEST(ofac_2021_full_set)
{
    struct cl_screen_lists l;
    cl_screen_lists_init(&l);
    struct cl_error e = {0};
    const char *f[] = {"ofac_2021/sdn.csv", "ofac_2021/alt.csv", "ofac_2021/add.csv", "ofac_2021/sdn_comments.csv"};
    CHECK_INT(read_lists(&l, f, 4, &e), CL_OK);
    CHECK_INT(l.n_entries, 8976);
    CHECK_INT(l.files[0].rows, 8976);
    CHECK_INT(l.files[1].rows, 11910);
    CHECK_INT(l.files[2].rows, 13837);
    CHECK_INT(l.files[1].orphans, 0);
    const struct cl_screen_entry *bnc = find(&l, "sdn:306");
    CHECK(has_name(bnc, "NATIONAL BANK OF CUBA", CL_SCREEN_NAME_AKA)); /* from alt.csv */
    bool cuba = false;
    for (size_t i = 0; bnc && i < bnc->n_countries; i++)
        cuba |= strcmp(bnc->countries[i], "Switzerland") == 0;
    CHECK(cuba); /* from add.csv */
    cl_screen_lists_release(&l);
}

TEST(ofac_2019_and_partial_and_nonsdn)
{
    struct cl_screen_lists l;
    cl_screen_lists_init(&l);
    struct cl_error e = {0};
    /* The README says 7,378: its counts come from line feeds, and the last row of this file has none. The file
     * holds 7,379 distinct well-formed rows. */
    const char *f[] = {"ofac_2019/sdn.csv", "ofac_2019/alt.csv", "ofac_2019/add.csv", "ofac_2019/sdn_comments.csv"};
    CHECK_INT(read_lists(&l, f, 4, &e), CL_OK);
    CHECK_INT(l.n_entries, 7379);
    cl_screen_lists_release(&l);

    cl_screen_lists_init(&l);
    const char *g[] = {"ofac_sdn_2024_05_03/sdn.csv", "ofac_2025_12_partial/alt.csv"};
    CHECK_INT(read_lists(&l, g, 2, &e), CL_OK);
    CHECK_INT(l.files[1].rows, 20107);
    CHECK(l.files[1].orphans > 0); /* aliases of entries designated after 2024-05 */
    CHECK(l.files[1].orphans < 20107);
    cl_screen_lists_release(&l);

    cl_screen_lists_init(&l);
    const char *h[] = {"ofac_nonsdn_2025_12/cons_prim.csv", "ofac_nonsdn_2025_12/cons_alt.csv",
                       "ofac_nonsdn_2025_12/cons_add.csv", "ofac_nonsdn_2025_12/cons_comments.csv"};
    CHECK_INT(read_lists(&l, h, 4, &e), CL_OK);
    CHECK_INT(l.n_entries, 442);
    CHECK_STR(l.entries[0].list, "ofac-nonsdn");
    cl_screen_lists_release(&l);

    /* aliases without their primary file are refused */
    cl_screen_lists_init(&l);
    const char *k[] = {"ofac_2025_12_partial/alt.csv"};
    CHECK_INT(read_lists(&l, k, 1, &e), CL_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "sdn.csv");
    cl_screen_lists_release(&l);
}

TEST(un_xml)
{
    struct cl_screen_lists l;
    cl_screen_lists_init(&l);
    struct cl_error e = {0};
    const char *f[] = {"un_2026_02/UN_consolidated.xml"};
    CHECK_INT(read_lists(&l, f, 1, &e), CL_OK);
    CHECK_INT(count_type(&l, CL_SCREEN_TYPE_INDIVIDUAL), 730);
    CHECK_INT(count_type(&l, CL_SCREEN_TYPE_ENTITY), 273);
    const struct cl_screen_entry *adf = find(&l, "un:CDe.001");
    CHECK(has_name(adf, "ADF", CL_SCREEN_NAME_PRIMARY));
    CHECK(has_name(adf, "Allied Democratic Forces", CL_SCREEN_NAME_AKA));
    CHECK(has_name(adf, "NALU", CL_SCREEN_NAME_FKA));
    size_t orig = 0;
    for (size_t i = 0; i < l.n_entries; i++)
        for (size_t k = 0; k < l.entries[i].n_names; k++)
            orig += l.entries[i].names[k].kind == CL_SCREEN_NAME_ORIGINAL;
    CHECK_INT(orig, 378);
    const struct cl_screen_entry *badege = find(&l, "un:CDi.001");
    CHECK(has_name(badege, "ERIC BADEGE", CL_SCREEN_NAME_PRIMARY));
    CHECK(badege && badege->n_births == 1 && strcmp(badege->births[0], "1971") == 0);
    cl_screen_lists_release(&l);
}

TEST(dpl_and_csl)
{
    struct cl_screen_lists l;
    cl_screen_lists_init(&l);
    struct cl_error e = {0};
    const char *f[] = {"bis_dpl/dpl_2019.txt"};
    CHECK_INT(read_lists(&l, f, 1, &e), CL_OK);
    /* 545 in the README, which counts line feeds; the last row has none: 546 rows (3 listed twice) */
    CHECK_INT(l.n_entries, 546);
    cl_screen_lists_release(&l);
    cl_screen_lists_init(&l);
    const char *g[] = {"bis_dpl/dpl_2022.txt"};
    CHECK_INT(read_lists(&l, g, 1, &e), CL_OK);
    CHECK_INT(l.n_entries, 581);
    CHECK_STR(l.entries[0].source, "DPL");
    cl_screen_lists_release(&l);

    cl_screen_lists_init(&l);
    const char *h[] = {"csl_samples/csl_2019_sample.csv"};
    CHECK_INT(read_lists(&l, h, 1, &e), CL_OK);
    CHECK_INT(l.n_entries, 115);
    size_t el = 0;
    for (size_t i = 0; i < l.n_entries; i++)
        el += strcmp(l.entries[i].source, "EL") == 0;
    CHECK_INT(el, 22);
    cl_screen_lists_release(&l);

    cl_screen_lists_init(&l);
    const char *k[] = {"csl_samples/consolidated_sample.csv"};
    CHECK_INT(read_lists(&l, k, 1, &e), CL_OK);
    CHECK_INT(l.n_entries, 13);
    CHECK_STR(l.files[0].format, "csl-csv-id");
    size_t meu = 0;
    bool tail = false;
    for (size_t i = 0; i < l.n_entries; i++) {
        meu += strcmp(l.entries[i].source, "MEU") == 0;
        for (size_t n = 0; n < l.entries[i].n_names; n++)
            tail |= strstr(l.entries[i].names[n].text, "successor") != NULL;
    }
    CHECK_INT(meu, 1);
    CHECK(!tail); /* "; and any successor, sub-unit, or subsidiary thereof" removed */
    CHECK(has_name(find(&l, "csl:233a4d725770c81fb561ffe3842c14010c2201971d6be62eca1e613b"),
                   "Sinobright Import and Export Company", CL_SCREEN_NAME_PRIMARY));
    cl_screen_lists_release(&l);
}

static enum cl_err read_text(struct cl_screen_lists *l, const char *name, const char *text, bool skip,
                             struct cl_error *e)
{
    struct cl_screen_read_options o = {skip, NULL, NULL};
    return cl_screen_lists_read_buffer(l, name, text, strlen(text), &o, e);
}

TEST(malformed_files)
{
    struct cl_screen_lists l;
    cl_screen_lists_init(&l);
    struct cl_error e = {0};
    const char *sdn = "1,\"GOOD ONE\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
                      "2,\"BAD,-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n";
    CHECK_INT(read_text(&l, "sdn.csv", sdn, false, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "sdn.csv:2");
    CHECK_INT(l.n_entries, 0); /* all or nothing */
    cl_error_clear(&e);

    const char *short_row = "1,\"GOOD ONE\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
                            "2,\"SHORT\",-0- \n"
                            "3,\"GOOD TWO\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1962.\"\n";
    CHECK_INT(read_text(&l, "sdn.csv", short_row, false, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "sdn.csv:2: 3 fields, expected 12");
    CHECK_INT(l.n_entries, 0);
    cl_error_clear(&e);
    /* asked to, the bad row is skipped and reported */
    CHECK_INT(read_text(&l, "sdn.csv", short_row, true, &e), CL_OK);
    CHECK_INT(l.n_entries, 2);
    CHECK_INT(l.n_skipped, 1);
    CHECK_CONTAINS(l.skipped[0], "sdn.csv:2");
    CHECK_INT(l.files[0].skipped, 1);
    CHECK(l.entries[1].n_births == 1 && strcmp(l.entries[1].births[0], "1962") == 0);

    const char *xml = "<?xml version=\"1.0\"?><CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>"
                      "<FIRST_NAME>A &amp; B</FIRST_NAME>\n</INDIVIDUALS></CONSOLIDATED_LIST>";
    size_t before = l.n_entries;
    CHECK_INT(read_text(&l, "un.xml", xml, false, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "un.xml:2: </INDIVIDUALS> does not close <INDIVIDUAL>");
    CHECK_INT(l.n_entries, before);
    cl_error_clear(&e);

    const char *dpl =
        "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\n\"X\"\t\"s\"\t\"c\"\t\"st\"\t\"US\"\n"
        "\"\"\t\"s\"\t\"c\"\t\"st\"\t\"US\"\n";
    CHECK_INT(read_text(&l, "dpl.txt", dpl, false, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "dpl.txt:3: empty Name");
    cl_error_clear(&e);
    CHECK_INT(read_text(&l, "mystery.bin", "hello world\n", false, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "not a list format");
    cl_error_clear(&e);
    /* a missing file names itself */
    const char *missing[] = {"/nonexistent/sdn.csv"};
    CHECK_INT(cl_screen_lists_read_files(&l, missing, 1, NULL, &e), CL_ERR_IO);
    CHECK_CONTAINS(e.msg, "/nonexistent/sdn.csv");
    cl_screen_lists_release(&l);
}

TEST(entry_json_round_trip)
{
    struct cl_screen_lists l, m;
    cl_screen_lists_init(&l);
    cl_screen_lists_init(&m);
    struct cl_error e = {0};
    const char *f[] = {"un_2026_02/UN_consolidated.xml"};
    CHECK_INT(read_lists(&l, f, 1, &e), CL_OK);
    size_t same = 0;
    for (size_t i = 0; i < l.n_entries; i++) {
        json_t *j = cl_screen_entry_to_json(&l.entries[i]);
        CHECK_INT(cl_screen_entry_from_json(&m, j, &e), CL_OK);
        json_t *k = cl_screen_entry_to_json(&m.entries[i]);
        same += json_equal(j, k) ? 1 : 0;
        json_decref(j);
        json_decref(k);
    }
    CHECK_INT(same, l.n_entries);
    cl_screen_lists_release(&l);
    cl_screen_lists_release(&m);
}

int main(void)
{
    RUN(ofac_2024_sdn_counts);
    RUN(ofac_2021_full_set);
    RUN(ofac_2019_and_partial_and_nonsdn);
    RUN(un_xml);
    RUN(dpl_and_csl);
    RUN(malformed_files);
    RUN(entry_json_round_trip);
    return TEST_EXIT();
}
