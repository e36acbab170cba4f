/* Unit tests for stored screening lists and subjects, on SQLite and (with CLEARANCE_TEST_PG) PostgreSQL: versions
 * and their delta from the 2019 to the 2021 OFAC set, and subjects re-screened against the delta only, which must
 * agree with a full re-screen. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "clearance/screen.h"
#include "clearance/store.h"
#include "test.h"

#define LISTS CL_SHARED_DATA "/lists/"

static void read_set(struct cl_screen_lists *l, const char *dir)
{
    const char *names[] = {"sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"};
    char paths[4][512];
    const char *p[4];
    for (int i = 0; i < 4; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s%s/%s", LISTS, dir, names[i]);
        p[i] = paths[i];
    }
    struct cl_error e = {0};
    cl_screen_lists_init(l);
    CHECK_INT(cl_screen_lists_read_files(l, p, 4, NULL, &e), CL_OK);
}

static int id_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The delta computed here independently: ids only in a (removed), only in b (added). */
static void id_delta(const struct cl_screen_lists *a, const struct cl_screen_lists *b, size_t *out_removed,
                     size_t *out_added)
{
    const char **x = malloc(a->n_entries * sizeof(char *)), **y = malloc(b->n_entries * sizeof(char *));
    for (size_t i = 0; i < a->n_entries; i++)
        x[i] = a->entries[i].id;
    for (size_t i = 0; i < b->n_entries; i++)
        y[i] = b->entries[i].id;
    qsort(x, a->n_entries, sizeof(char *), id_cmp);
    qsort(y, b->n_entries, sizeof(char *), id_cmp);
    size_t i = 0, j = 0, rem = 0, add = 0;
    while (i < a->n_entries || j < b->n_entries) {
        int c = i == a->n_entries ? 1 : j == b->n_entries ? -1 : strcmp(x[i], y[j]);
        if (c < 0)
            rem++, i++;
        else if (c > 0)
            add++, j++;
        else
            i++, j++;
    }
    *out_removed = rem;
    *out_added = add;
    free(x);
    free(y);
}

/* Subjects chosen to change with the 2021 list: designated between 2019 and 2021, delisted, and never listed. */
static const char *subject_names[][2] = {
    {"s:putin", "Vladimir Putin"},          /* listed in neither set */
    {"s:bnc", "Banco Nacional de Cuba"},    /* in both */
    {"s:nobody", "Zyxw Qwerty Trading"},    /* in neither */
    {"s:kim", "Kim Jong Un"},               /* in both */
    {"s:navalny", "Alexei Navalny"},        /* never */
    {"s:bortnikov", "Aleksandr Bortnikov"}, /* designated 2021 */
};

static void exercise(const char *target)
{
    struct cl_error e = {0};
    struct cl_store *st = NULL;
    CHECK_INT(cl_store_open(target, NULL, &st, &e), CL_OK);
    if (!st) {
        fprintf(stderr, "open %s: %s\n", target, e.msg);
        return;
    }
    /* a clean slate for this component */
    cl_store_exec(st, "DROP TABLE IF EXISTS screen_lists", NULL, 0, NULL, &e);
    cl_store_exec(st, "DROP TABLE IF EXISTS screen_versions", NULL, 0, NULL, &e);
    cl_store_exec(st, "DROP TABLE IF EXISTS screen_entries", NULL, 0, NULL, &e);
    cl_store_exec(st, "DROP TABLE IF EXISTS screen_changes", NULL, 0, NULL, &e);
    cl_store_exec(st, "DROP TABLE IF EXISTS screen_subjects", NULL, 0, NULL, &e);
    cl_store_exec(st, "DELETE FROM schema_migrations WHERE component = 'screen'", NULL, 0, NULL, &e);
    cl_error_clear(&e);
    CHECK_INT(cl_screen_store_migrate(st, &e), CL_OK);
    CHECK_INT(cl_screen_store_migrate(st, &e), CL_OK);

    struct cl_screen_config cfg;
    cl_screen_config_init(&cfg);
    struct cl_screen_lists l19, l21;
    read_set(&l19, "ofac_2019");
    read_set(&l21, "ofac_2021");

    struct cl_screen_import_report rep;
    CHECK_INT(cl_screen_store_import(st, &l19, &cfg, 1000000, &rep, &e), CL_OK);
    CHECK_INT(rep.n_lists, 1);
    CHECK_INT(rep.lists[0].version, 1);
    CHECK_INT(rep.lists[0].added, l19.n_entries);
    cl_screen_import_report_release(&rep);

    /* the same content again makes no new version */
    CHECK_INT(cl_screen_store_import(st, &l19, &cfg, 2000000, &rep, &e), CL_OK);
    CHECK_INT(rep.lists[0].version, 1);
    CHECK_INT(rep.lists[0].added + rep.lists[0].removed + rep.lists[0].changed, 0);
    cl_screen_import_report_release(&rep);

    /* subjects screened against the 2019 content, as loaded back from the store */
    struct cl_screen_lists stored;
    cl_screen_lists_init(&stored);
    CHECK_INT(cl_screen_store_load(st, &stored, &e), CL_OK);
    CHECK_INT(stored.n_entries, l19.n_entries);
    CHECK_INT(stored.n_names, l19.n_names);
    struct cl_screen_index *idx19 = NULL;
    CHECK_INT(cl_screen_index_build(&stored, &idx19, &e), CL_OK);
    size_t ns = sizeof(subject_names) / sizeof(subject_names[0]);
    for (size_t i = 0; i < ns; i++) {
        struct cl_arena a;
        cl_arena_init(&a, 0);
        const char *names[1] = {subject_names[i][1]};
        struct cl_screen_subject s = {subject_names[i][0], {names, 1, NULL, 0, CL_SCREEN_TYPE_UNKNOWN}};
        struct cl_screen_result r;
        CHECK_INT(cl_screen_subject_put(st, idx19, &cfg, &s, 3000000, &a, &r, &e), CL_OK);
        cl_arena_release(&a);
    }
    struct cl_arena a;
    cl_arena_init(&a, 0);
    struct cl_screen_subject_record rec;
    CHECK_INT(cl_screen_subject_get(st, "s:bnc", &a, &rec, &e), CL_OK);
    CHECK_STR(cl_screen_decision_name(rec.decision), "block");
    CHECK_STR(rec.names[0], "Banco Nacional de Cuba");
    json_decref(rec.result);
    CHECK_INT(cl_screen_subject_get(st, "s:missing", &a, &rec, &e), CL_ERR_NOT_FOUND);
    cl_error_clear(&e);

    /* 2021: the delta against 2019 */
    CHECK_INT(cl_screen_store_import(st, &l21, &cfg, 4000000, &rep, &e), CL_OK);
    size_t removed, added;
    id_delta(&l19, &l21, &removed, &added);
    CHECK_INT(rep.lists[0].version, 2);
    CHECK_INT(rep.lists[0].added, added);
    CHECK_INT(rep.lists[0].removed, removed);
    CHECK(rep.lists[0].changed > 0);
    CHECK(rep.lists[0].changed < l21.n_entries);
    CHECK_INT(rep.subjects_rescreened, ns);
    fprintf(stderr, "  2019 -> 2021: %zu added, %zu removed, %zu changed; %zu decisions changed\n", rep.lists[0].added,
            rep.lists[0].removed, rep.lists[0].changed, rep.n_subjects);
    int64_t n_changes = 0;
    struct cl_val pv[] = {CL_VTEXT("ofac-sdn"), CL_VINT(2)};
    CHECK_INT(cl_store_query_int(st, "SELECT COUNT(*) FROM screen_changes WHERE list = ? AND version = ?", pv, 2,
                                 &n_changes, NULL, &e),
              CL_OK);
    CHECK_INT(n_changes, rep.lists[0].added + rep.lists[0].removed + rep.lists[0].changed);

    /* every subject's stored result equals a full re-screen against the 2021 content */
    struct cl_screen_lists stored21;
    cl_screen_lists_init(&stored21);
    CHECK_INT(cl_screen_store_load(st, &stored21, &e), CL_OK);
    CHECK_INT(stored21.n_entries, l21.n_entries);
    struct cl_screen_index *idx21 = NULL;
    CHECK_INT(cl_screen_index_build(&stored21, &idx21, &e), CL_OK);
    size_t agree = 0, changed = 0;
    for (size_t i = 0; i < ns; i++) {
        CHECK_INT(cl_screen_subject_get(st, subject_names[i][0], &a, &rec, &e), CL_OK);
        const char *names[1] = {subject_names[i][1]};
        struct cl_screen_party p = {names, 1, NULL, 0, CL_SCREEN_TYPE_UNKNOWN};
        struct cl_screen_config big = cfg;
        big.max_matches = CL_LIMIT_SCREEN_MATCHES;
        struct cl_screen_result full;
        CHECK_INT(cl_screen_party_screen(idx21, &big, &p, false, &a, &full, &e), CL_OK);
        const json_t *m = json_object_get(rec.result, "matches");
        bool same = full.decision == rec.decision && json_array_size(m) == full.n_matches;
        for (size_t k = 0; same && k < full.n_matches; k++) {
            const json_t *x = json_array_get(m, k);
            same = strcmp(json_string_value(json_object_get(x, "entry_id")), full.matches[k].entry_id) == 0 &&
                   fabs(json_number_value(json_object_get(x, "score")) - full.matches[k].explain.score) < 1e-3;
        }
        if (!same)
            fprintf(stderr, "  %s: stored %s with %zu matches, full re-screen %s with %zu\n", subject_names[i][0],
                    cl_screen_decision_name(rec.decision), json_array_size(m), cl_screen_decision_name(full.decision),
                    full.n_matches);
        agree += same;
        json_decref(rec.result);
    }
    CHECK_INT(agree, ns);
    for (size_t i = 0; i < rep.n_subjects; i++) {
        changed++;
        CHECK(rep.subjects[i].before != rep.subjects[i].after);
    }
    CHECK(changed >= 1); /* Bortnikov was designated in 2021 */
    cl_screen_import_report_release(&rep);

    struct cl_screen_list_status ls[4];
    size_t n = 0;
    CHECK_INT(cl_screen_store_status(st, ls, 4, &n, &e), CL_OK);
    CHECK_INT(n, 1);
    CHECK_STR(ls[0].list, "ofac-sdn");
    CHECK_INT(ls[0].version, 2);
    CHECK_INT(ls[0].entries, l21.n_entries);

    cl_arena_release(&a);
    cl_screen_index_free(idx19);
    cl_screen_index_free(idx21);
    cl_screen_lists_release(&stored);
    cl_screen_lists_release(&stored21);
    cl_screen_lists_release(&l19);
    cl_screen_lists_release(&l21);
    cl_store_close(st);
}

int main(void)
{
    char path[] = "/tmp/cl_test_screen_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    exercise(path);
    const char *pg = getenv("CLEARANCE_TEST_PG");
    if (pg && *pg) {
        fprintf(stderr, "also on PostgreSQL: %s\n", pg);
        exercise(pg);
    } else {
        fprintf(stderr, "CLEARANCE_TEST_PG not set: PostgreSQL part skipped\n");
    }
    cl_store_remove(path);
    return TEST_EXIT();
}
