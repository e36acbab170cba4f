/* Unit tests for the screening index: it loses no match that a full scan of every listed name finds at or above
 * the review threshold (perturbed list names as queries, with and without qualifiers), it is read by several
 * threads at once with the same answers, and a party's aliases are all screened. */
#include <pthread.h>
#include <stdlib.h>

#include "clearance/screen.h"
#include "test.h"

#define LISTS CL_SHARED_DATA "/lists/"

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* A listed name with one random edit, a swapped word order, or a dropped word. */
static void perturb(const char *src, char *out, size_t cap)
{
    snprintf(out, cap, "%s", src);
    size_t n = strlen(out);
    if (n < 4) return;
    size_t i = 1 + rnd((uint32_t)(n - 2));
    switch (rnd(5)) {
    case 0: out[i] = (char)('a' + rnd(26)); break;
    case 1: memmove(out + i, out + i + 1, n - i); break;
    case 2: {
        char c = out[i];
        out[i] = out[i + 1];
        out[i + 1] = c;
        break;
    }
    case 3: {
        /* last word first */
        const char *sp = strrchr(src, ' ');
        if (sp) snprintf(out, cap, "%s %.*s", sp + 1, (int)(sp - src), src);
        break;
    }
    default: {
        /* drop the first word */
        const char *sp = strchr(src, ' ');
        if (sp) snprintf(out, cap, "%s", sp + 1);
        break;
    }
    }
}

static struct cl_screen_lists lists;
static struct cl_screen_index *idx;
#define NQ 300
static char queries[NQ][CL_LIMIT_NAME_BYTES];

static void load(void)
{
    const char *files[] = {"un_2026_02/UN_consolidated.xml", "ofac_nonsdn_2025_12/cons_prim.csv",
                           "ofac_nonsdn_2025_12/cons_alt.csv", "bis_dpl/dpl_2022.txt",
                           "csl_samples/csl_2019_sample.csv"};
    char paths[5][512];
    const char *p[5];
    for (int i = 0; i < 5; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s%s", LISTS, files[i]);
        p[i] = paths[i];
    }
    struct cl_error e = {0};
    cl_screen_lists_init(&lists);
    CHECK_INT(cl_screen_lists_read_files(&lists, p, 5, NULL, &e), CL_OK);
    CHECK_INT(cl_screen_index_build(&lists, &idx, &e), CL_OK);
    for (int i = 0; i < NQ; i++) {
        const struct cl_screen_entry *en = &lists.entries[rnd((uint32_t)lists.n_entries)];
        perturb(en->names[rnd((uint32_t)en->n_names)].text, queries[i], sizeof(queries[i]));
        queries[i][CL_LIMIT_NAME_BYTES - 1] = '\0';
    }
}

static void recall_with(const struct cl_screen_party *proto, const char *label)
{
    struct cl_screen_config cfg;
    cl_screen_config_init(&cfg);
    cfg.max_matches = CL_LIMIT_SCREEN_MATCHES;
    size_t want = 0, got = 0, scored = 0;
    struct cl_arena a;
    cl_arena_init(&a, 0);
    struct cl_error e = {0};
    for (int i = 0; i < NQ; i++) {
        struct cl_screen_party p = *proto;
        const char *n[1] = {queries[i]};
        p.names = n;
        p.n_names = 1;
        struct cl_screen_result full, fast;
        CHECK_INT(cl_screen_party_screen(idx, &cfg, &p, true, &a, &full, &e), CL_OK);
        CHECK_INT(cl_screen_party_screen(idx, &cfg, &p, false, &a, &fast, &e), CL_OK);
        scored += fast.candidates;
        for (size_t k = 0; k < full.n_matches; k++) {
            want++;
            bool found = false;
            for (size_t j = 0; j < fast.n_matches && !found; j++)
                found = full.matches[k].entry == fast.matches[j].entry &&
                        full.matches[k].explain.score - fast.matches[j].explain.score < 1e-6;
            if (!found)
                fprintf(stderr, "  lost: \"%s\" ~ \"%s\" %.3f\n", queries[i], full.matches[k].matched_name,
                        full.matches[k].explain.score);
            got += found;
        }
        /* and the index finds nothing the full scan does not */
        CHECK(fast.n_matches <= full.n_matches);
        cl_arena_release(&a);
    }
    fprintf(stderr, "  %s: %zu of %zu matches found through the index (%.1f names scored per query, of %zu)\n", label,
            got, want, (double)scored / NQ, lists.n_names);
    CHECK(want > NQ / 2); /* the perturbed names mostly still match */
    CHECK(got * 1000 >= want * 999);
}

TEST(index_recall_equals_full_scan)
{
    struct cl_screen_party none = {0};
    recall_with(&none, "no qualifiers");
    struct cl_screen_party q = {0};
    q.country = "Iraq";
    q.birth_year = 1960;
    recall_with(&q, "country and year of birth");
}

struct thread_arg {
    int from, to;
    double scores[NQ];
    int decisions[NQ];
};

static void *screen_range(void *arg)
{
    struct thread_arg *t = arg;
    struct cl_screen_config cfg;
    cl_screen_config_init(&cfg);
    struct cl_arena a;
    cl_arena_init(&a, 0);
    struct cl_error e = {0};
    for (int i = t->from; i < t->to; i++) {
        const char *n[1] = {queries[i]};
        struct cl_screen_party p = {n, 1, NULL, 0, CL_SCREEN_TYPE_UNKNOWN};
        struct cl_screen_result r;
        if (cl_screen_party_screen(idx, &cfg, &p, false, &a, &r, &e))
            t->decisions[i] = -1;
        else {
            t->decisions[i] = (int)r.decision;
            t->scores[i] = r.best_score;
        }
        cl_arena_release(&a);
    }
    return NULL;
}

TEST(index_read_by_threads)
{
    static struct thread_arg one, two[4];
    one.from = 0;
    one.to = NQ;
    screen_range(&one);
    pthread_t th[4];
    for (int k = 0; k < 4; k++) {
        two[k].from = 0;
        two[k].to = NQ; /* every thread screens every query at once */
        pthread_create(&th[k], NULL, screen_range, &two[k]);
    }
    for (int k = 0; k < 4; k++)
        pthread_join(th[k], NULL);
    int same = 0;
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < NQ; i++)
            same += two[k].decisions[i] == one.decisions[i] && two[k].scores[i] == one.scores[i];
    CHECK_INT(same, 4 * NQ);
}

TEST(party_aliases_and_qualifiers)
{
    struct cl_screen_config cfg;
    cl_screen_config_init(&cfg);
    struct cl_arena a;
    cl_arena_init(&a, 0);
    struct cl_error e = {0};
    /* an unlisted name with a listed alias: the alias decides */
    const char *names[] = {"Zyxwv Qutrop", "Allied Democratic Forces"};
    struct cl_screen_party p = {names, 2, NULL, 0, CL_SCREEN_TYPE_UNKNOWN};
    struct cl_screen_result r;
    CHECK_INT(cl_screen_party_screen(idx, &cfg, &p, false, &a, &r, &e), CL_OK);
    CHECK_INT(r.decision, CL_SCREEN_BLOCK);
    CHECK(r.n_matches >= 1 && strcmp(r.matches[0].entry_id, "un:CDe.001") == 0);
    CHECK_STR(r.matches[0].query_name, "Allied Democratic Forces");
    /* a qualifier that contradicts the listing lowers the score */
    const char *one[] = {"ERIC BADEGE"};
    struct cl_screen_party q = {one, 1, NULL, 0, CL_SCREEN_TYPE_UNKNOWN};
    CHECK_INT(cl_screen_party_screen(idx, &cfg, &q, false, &a, &r, &e), CL_OK);
    double plain = r.best_score;
    q.birth_year = 1990;
    CHECK_INT(cl_screen_party_screen(idx, &cfg, &q, false, &a, &r, &e), CL_OK);
    CHECK(r.best_score < plain);
    CHECK(r.n_matches == 0 || r.matches[0].explain.qualifiers != NULL);
    q.birth_year = 1971;
    q.type = CL_SCREEN_TYPE_INDIVIDUAL;
    CHECK_INT(cl_screen_party_screen(idx, &cfg, &q, false, &a, &r, &e), CL_OK);
    CHECK(r.n_matches >= 1);
    CHECK(r.matches[0].explain.qualifiers && strstr(r.matches[0].explain.qualifiers, "1971"));
    /* no name is a usage error */
    struct cl_screen_party empty = {NULL, 0, NULL, 0, CL_SCREEN_TYPE_UNKNOWN};
    CHECK_INT(cl_screen_party_screen(idx, &cfg, &empty, false, &a, &r, &e), CL_ERR_USAGE);
    json_t *j = NULL;
    cl_error_clear(&e);
    CHECK_INT(cl_screen_party_screen(idx, &cfg, &p, false, &a, &r, &e), CL_OK);
    j = cl_screen_result_to_json(&r);
    CHECK(j && strcmp(json_string_value(json_object_get(j, "decision")), "block") == 0);
    json_decref(j);
    cl_arena_release(&a);
}

int main(void)
{
    load();
    RUN(index_recall_equals_full_scan);
    RUN(index_read_by_threads);
    RUN(party_aliases_and_qualifiers);
    cl_screen_index_free(idx);
    cl_screen_lists_release(&lists);
    return TEST_EXIT();
}
