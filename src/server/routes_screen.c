/* Screening routes: screen names and parties against the index built from the stored lists, score a pair, list
 * status, and reload. The index is built at start-up and on reload, then read by every worker without locks: a
 * reload swaps the pointer, and the index it replaces is freed only after a grace period no request outlives. */
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "clearance/screen.h"
#include "server.h"

#define RETIRE_GRACE_US (60LL * 1000000)

struct srv_screen {
    struct cl_screen_lists lists;
    struct cl_screen_index *idx;
    char version[512];
    size_t names;
    cl_time built_at, retired_at;
    struct srv_screen *next_retired;
};

static void screen_free(struct srv_screen *x)
{
    if (!x) return;
    cl_screen_index_free(x->idx);
    cl_screen_lists_release(&x->lists);
    free(x);
}

/* Builds a new index from the store's current lists; NULL index (and CL_OK) when no list is stored yet. */
static enum cl_err build(struct srv *s, struct srv_screen **out, struct cl_error *err)
{
    struct srv_screen *x = calloc(1, sizeof(*x));
    if (!x) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    cl_screen_lists_init(&x->lists);
    struct cl_store *st = NULL;
    enum cl_err rc = cl_store_open(s->cfg.db, NULL, &st, err);
    if (!rc) rc = cl_screen_store_migrate(st, err);
    if (!rc) rc = cl_store_begin(st, CL_TX_READ, err);
    if (!rc) {
        rc = cl_screen_store_load(st, &x->lists, err);
        if (!rc) rc = cl_app_lists_version(st, x->version, sizeof(x->version), err);
        cl_store_rollback(st);
    }
    cl_store_close(st);
    if (!rc && x->lists.n_entries) rc = cl_screen_index_build(&x->lists, &x->idx, err);
    if (rc) {
        screen_free(x);
        return rc;
    }
    struct cl_screen_index_stats stats = {0};
    if (x->idx) cl_screen_index_stats(x->idx, &stats);
    x->names = stats.names;
    x->built_at = cl_time_now();
    *out = x;
    return CL_OK;
}

enum cl_err srv_screen_reload(struct srv *s, struct cl_error *err)
{
    struct srv_screen *x = NULL;
    enum cl_err rc = build(s, &x, err);
    if (rc) return rc;
    struct srv_screen *old = atomic_exchange(&s->screen, x);
    pthread_mutex_lock(&s->retire_lock);
    cl_time now = cl_time_now();
    /* free what retired long enough ago, then retire the index just replaced */
    struct srv_screen **p = &s->retired;
    while (*p) {
        if (now - (*p)->retired_at > RETIRE_GRACE_US) {
            struct srv_screen *gone = *p;
            *p = gone->next_retired;
            screen_free(gone);
        } else {
            p = &(*p)->next_retired;
        }
    }
    if (old) {
        old->retired_at = now;
        old->next_retired = s->retired;
        s->retired = old;
    }
    pthread_mutex_unlock(&s->retire_lock);
    return CL_OK;
}

void srv_screen_release(struct srv *s)
{
    screen_free(atomic_exchange(&s->screen, NULL));
    while (s->retired) {
        struct srv_screen *x = s->retired;
        s->retired = x->next_retired;
        screen_free(x);
    }
}

/* The current index, or CL_ERR_STATE naming what to do when no list is loaded. */
static enum cl_err current(struct srv_req *r, const struct srv_screen **out, struct cl_error *err)
{
    const struct srv_screen *x = atomic_load(&r->srv->screen);
    if (!x || !x->idx)
        return cl_error_set(err, CL_ERR_STATE, "no restricted-party list is loaded: import lists ('clearance lists import "
                            "FILE...') and reload (POST /v1/lists/reload)");
    *out = x;
    return CL_OK;
}

/* The qualifiers of a screening request: country, year of birth, type. */
static enum cl_err party_from(const json_t *b, const char *path, struct cl_screen_party *p, struct cl_error *err)
{
    int64_t dob = 0;
    const char *type = NULL;
    enum cl_err rc = cl_json_get_str(b, "country", path, false, CL_LIMIT_NAME_BYTES, &p->country, err);
    if (!rc) rc = cl_json_get_int(b, "dob", path, false, 1000, 9999, &dob, err);
    if (!rc) rc = cl_json_get_str(b, "type", path, false, 32, &type, err);
    if (rc) return rc;
    p->birth_year = (int)dob;
    p->type = CL_SCREEN_TYPE_UNKNOWN;
    if (type && !cl_screen_type_parse(type, &p->type))
        return cl_error_set(err, CL_ERR_INPUT, "%s.type: \"%s\" is not individual, entity, vessel or aircraft", path, type);
    return CL_OK;
}

static enum cl_err h_screen(struct srv_req *r, json_t **out, struct cl_error *err)
{
    static const char *const keys[] = {"names", "name", "aliases", "country", "dob", "type", "review", "block",
                                       "max_matches", NULL};
    const json_t *b = srv_body(r);
    const struct srv_screen *x = NULL;
    enum cl_err rc = cl_json_check_keys(b, "$", keys, err);
    if (!rc) rc = current(r, &x, err);
    if (rc) return rc;
    struct cl_screen_config cfg = r->srv->screen_config;
    const json_t *v;
    if ((v = json_object_get(b, "review")) && json_is_number(v)) cfg.review = json_number_value(v);
    if ((v = json_object_get(b, "block")) && json_is_number(v)) cfg.block = json_number_value(v);
    if ((v = json_object_get(b, "max_matches")) && json_is_integer(v)) cfg.max_matches = (size_t)json_integer_value(v);
    if (cl_screen_config_check(&cfg, err)) return CL_ERR_INPUT;
    struct cl_screen_party party;
    memset(&party, 0, sizeof(party));
    rc = party_from(b, "$", &party, err);
    if (rc) return rc;
    /* either several names each screened alone ("names"), or one party's name and aliases together */
    const json_t *names = json_object_get(b, "names");
    const char *name = NULL;
    const json_t *aliases = NULL;
    rc = cl_json_get_str(b, "name", "$", false, CL_LIMIT_NAME_BYTES, &name, err);
    if (!rc) rc = cl_json_get_array(b, "aliases", "$", false, CL_LIMIT_NAMES_PER_QUERY, &aliases, err);
    if (rc) return rc;
    if (!names == !name) return cl_error_set(err, CL_ERR_INPUT, "$: give \"names\" (each screened alone) or \"name\" (with \"aliases\")");
    if (names && (!json_is_array(names) || json_array_size(names) == 0 || json_array_size(names) > CL_LIMIT_NAMES_PER_QUERY))
        return cl_error_set(err, CL_ERR_INPUT, "$.names: a list of 1 to %d names", CL_LIMIT_NAMES_PER_QUERY);
    size_t queries = names ? json_array_size(names) : 1;
    json_t *results = json_array();
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    for (size_t i = 0; i < queries && !rc; i++) {
        const char *list[CL_LIMIT_NAMES_PER_QUERY + 1];
        size_t n = 0;
        if (names) {
            const json_t *q = json_array_get(names, i);
            if (!json_is_string(q) || !json_string_length(q)) {
                rc = cl_error_set(err, CL_ERR_INPUT, "$.names[%zu]: expected a non-empty string", i);
                break;
            }
            list[n++] = json_string_value(q);
        } else {
            list[n++] = name;
            for (size_t k = 0; k < json_array_size(aliases); k++) {
                const json_t *a = json_array_get(aliases, k);
                if (!json_is_string(a)) {
                    rc = cl_error_set(err, CL_ERR_INPUT, "$.aliases[%zu]: expected a string", k);
                    break;
                }
                list[n++] = json_string_value(a);
            }
        }
        if (rc) break;
        party.names = list;
        party.n_names = n;
        struct cl_screen_result res;
        rc = cl_screen_party_screen(x->idx, &cfg, &party, false, &arena, &res, err);
        if (rc) break;
        json_t *o = cl_screen_result_to_json(&res);
        json_object_set_new(o, "query", json_string(list[0]));
        json_array_append_new(results, o);
        srv_count_decision(r->srv, "screen", cl_screen_decision_name(res.decision));
        cl_arena_release(&arena);
    }
    cl_arena_release(&arena);
    if (rc) {
        json_decref(results);
        return rc;
    }
    *out = json_pack("{s:s, s:o}", "list_version", x->version, "results", results);
    return CL_OK;
}

static enum cl_err h_match(struct srv_req *r, json_t **out, struct cl_error *err)
{
    static const char *const keys[] = {"a", "b", "type", NULL};
    const json_t *b = srv_body(r);
    const char *qa = NULL, *qb = NULL, *type = NULL;
    enum cl_err rc = cl_json_check_keys(b, "$", keys, err);
    if (!rc) rc = cl_json_get_str(b, "a", "$", true, CL_LIMIT_NAME_BYTES, &qa, err);
    if (!rc) rc = cl_json_get_str(b, "b", "$", true, CL_LIMIT_NAME_BYTES, &qb, err);
    if (!rc) rc = cl_json_get_str(b, "type", "$", false, 32, &type, err);
    if (rc) return rc;
    enum cl_screen_type t = CL_SCREEN_TYPE_UNKNOWN;
    if (type && !cl_screen_type_parse(type, &t))
        return cl_error_set(err, CL_ERR_INPUT, "$.type: \"%s\" is not individual, entity, vessel or aircraft", type);
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_screen_explain e;
    rc = cl_screen_names_match(qa, qb, t, &arena, &e, err);
    if (!rc) *out = cl_screen_explain_to_json(&e);
    cl_arena_release(&arena);
    return rc;
}

static enum cl_err h_lists(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    struct cl_screen_list_status lists[64];
    size_t n = 0;
    enum cl_err rc = cl_screen_store_status(st, lists, 64, &n, err);
    if (rc) return rc;
    json_t *arr = json_array();
    for (size_t i = 0; i < n && i < 64; i++)
        json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "list", lists[i].list,
                                             "version", (json_int_t)lists[i].version, "entries",
                                             (json_int_t)lists[i].entries, "names", (json_int_t)lists[i].names, "added",
                                             (json_int_t)lists[i].added, "removed", (json_int_t)lists[i].removed,
                                             "changed", (json_int_t)lists[i].changed, "imported_at",
                                             lists[i].imported_at, "files", lists[i].files));
    const struct srv_screen *x = atomic_load(&r->srv->screen);
    char built[CL_TIME_TEXT_BYTES] = "";
    if (x && x->idx) cl_time_format(x->built_at, built);
    *out = json_pack("{s:o, s:s?, s:I, s:s?}", "lists", arr, "loaded_version", x && x->idx ? x->version : NULL,
                     "loaded_names", (json_int_t)(x ? x->names : 0), "loaded_at", built[0] ? built : NULL);
    return CL_OK;
}

static enum cl_err h_reload(struct srv_req *r, json_t **out, struct cl_error *err)
{
    enum cl_err rc = srv_screen_reload(r->srv, err);
    if (rc) return rc;
    const struct srv_screen *x = atomic_load(&r->srv->screen);
    *out = json_pack("{s:s, s:I}", "loaded_version", x->version, "loaded_names", (json_int_t)x->names);
    return CL_OK;
}

enum cl_err srv_screen_party(struct srv_req *r, const char *party, json_t **out, struct cl_error *err)
{
    const struct srv_screen *x = NULL;
    enum cl_err rc = current(r, &x, err);
    struct cl_app *app = rc ? NULL : srv_app(r, err);
    if (!rc && !app) rc = err->code;
    if (rc) return rc;
    struct cl_app_actor who = {r->principal.name, cl_time_now(), CL_DATE_NONE, "screened through the API"};
    return cl_app_party_screen(app, x->idx, &r->srv->screen_config, &who, party, out, err);
}

static enum cl_err h_party_screen(struct srv_req *r, json_t **out, struct cl_error *err)
{
    enum cl_err rc = srv_screen_party(r, srv_param(r, "id"), out, err);
    if (!rc) srv_count_decision(r->srv, "party.screen",
                                json_string_value(json_object_get(json_object_get(*out, "screening"), "decision")));
    return rc;
}

const struct srv_route srv_screen_routes[] = {
    {"POST", "/v1/screen", CL_ACTION_SCREEN, h_screen, "Screen names, or one party's names together", 0, NULL},
    {"POST", "/v1/match", CL_ACTION_SCREEN, h_match, "Score one pair of names and explain the score", 0, NULL},
    {"GET", "/v1/lists", CL_ACTION_SCREEN, h_lists, "Stored restricted-party lists and the loaded index", 0, NULL},
    {"POST", "/v1/lists/reload", CL_ACTION_LISTS_MANAGE, h_reload, "Rebuild the index from the stored lists", 0, NULL},
    {"POST", "/v1/parties/{id}/screen", CL_ACTION_PARTY_WRITE, h_party_screen,
     "Screen a ledger party now under every name it holds, and record the decision", 0, NULL},
};
const size_t srv_n_screen_routes = sizeof(srv_screen_routes) / sizeof(srv_screen_routes[0]);
