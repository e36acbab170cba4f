/* Shared by the ledger's tests: a fresh ledger on SQLite or in its own PostgreSQL schema, and a short way to run
 * an action from JSON written with single quotes. */
#ifndef CL_LEDGER_FIXTURE_H
#define CL_LEDGER_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clearance/app.h"
#include "test.h"

static struct cl_reference fx_env;
static char fx_target[512];
static char fx_sqlite_path[64];

/* Loads the repository's data once. */
static void fx_env_load(void)
{
    struct cl_error e = {0};
    if (cl_reference_load(CL_DATA_DIR, NULL, &fx_env, &e)) {
        fprintf(stderr, "data: %s\n", e.msg);
        exit(2);
    }
}

/* Gives a fresh database: a new SQLite file, or (pg_url not NULL) a new PostgreSQL schema named schema. */
static const char *fx_fresh(const char *pg_url, const char *schema)
{
    if (!pg_url) {
        if (fx_sqlite_path[0]) cl_store_remove(fx_sqlite_path);
        snprintf(fx_sqlite_path, sizeof(fx_sqlite_path), "/tmp/cl_test_ledger_XXXXXX");
        int fd = mkstemp(fx_sqlite_path);
        close(fd);
        unlink(fx_sqlite_path);
        snprintf(fx_target, sizeof(fx_target), "%s", fx_sqlite_path);
        return fx_target;
    }
    struct cl_store *st = NULL;
    struct cl_error e = {0};
    if (cl_store_open(pg_url, NULL, &st, &e)) {
        fprintf(stderr, "postgres: %s\n", e.msg);
        exit(2);
    }
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
    cl_store_exec(st, sql, NULL, 0, NULL, &e);
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
    if (cl_store_exec(st, sql, NULL, 0, NULL, &e)) fprintf(stderr, "postgres: %s\n", e.msg);
    cl_store_close(st);
    snprintf(fx_target, sizeof(fx_target), "%s%soptions=-csearch_path%%3D%s", pg_url, strchr(pg_url, '?') ? "&" : "?",
             schema);
    return fx_target;
}

__attribute__((unused)) static void fx_cleanup(void)
{
    if (fx_sqlite_path[0]) cl_store_remove(fx_sqlite_path);
}

static struct cl_app *fx_open(const char *target)
{
    struct cl_app *app = NULL;
    struct cl_error e = {0};
    if (cl_app_open(&fx_env, target, NULL, &app, &e)) {
        fprintf(stderr, "open %s: %s\n", target, e.msg);
        exit(2);
    }
    return app;
}

/* The last action's outcome. */
static struct cl_app_result fx_res;
static struct cl_error fx_err;
static enum cl_err fx_rc;
static unsigned fx_seq;

/* Runs action on date with args (JSON, single quotes for double quotes) as actor "tester". */
static enum cl_err fx_act(struct cl_app *app, const char *date, const char *action, const char *args_sq)
{
    char *text = strdup(args_sq ? args_sq : "{}");
    for (char *c = text; *c; c++)
        if (*c == '\'') *c = '"';
    json_error_t je;
    json_t *args = json_loads(text, 0, &je);
    free(text);
    if (!args) {
        fprintf(stderr, "bad test JSON for %s: %s\n", action, je.text);
        exit(2);
    }
    enum cl_app_action a;
    if (!cl_app_action_parse(action, &a)) {
        fprintf(stderr, "unknown action %s\n", action);
        exit(2);
    }
    struct cl_app_request req;
    cl_error_clear(&fx_err);
    cl_app_result_release(&fx_res);
    fx_rc = cl_app_request_from_json(a, args, "$", &req, &fx_err);
    if (!fx_rc) {
        cl_date d = CL_DATE_NONE;
        cl_date_parse(date, strlen(date), &d);
        struct cl_app_actor who = {"tester", (cl_time)d * 86400 * 1000000 + (cl_time)(++fx_seq) * 1000000, d, NULL};
        fx_rc = cl_app_execute(app, &who, &req, &fx_res, &fx_err);
    }
    json_decref(args);
    return fx_rc;
}

/* The result's integer field (after a dotted path like "reservations.0.quantity"); -1 when absent. */
__attribute__((unused)) static long long fx_int(const char *path)
{
    json_t *v = fx_res.object;
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *tok = strtok(buf, "."); v && tok; tok = strtok(NULL, "."))
        v = json_is_array(v) ? json_array_get(v, (size_t)atoi(tok)) : json_object_get(v, tok);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

__attribute__((unused)) static const char *fx_str(const char *path)
{
    json_t *v = fx_res.object;
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *tok = strtok(buf, "."); v && tok; tok = strtok(NULL, "."))
        v = json_is_array(v) ? json_array_get(v, (size_t)atoi(tok)) : json_object_get(v, tok);
    return json_is_string(v) ? json_string_value(v) : "(none)";
}

/* Checks the action succeeded, printing the error otherwise. */
#define EXPECT_OK(call)                                                                                           \
    do {                                                                                                          \
        enum cl_err r_ = (call);                                                                                  \
        CHECK_INT(r_, CL_OK);                                                                                     \
        if (r_) {                                                                                                 \
            fprintf(stderr, "  error: %s\n", fx_err.msg);                                                         \
            for (size_t i_ = 0; i_ < fx_res.refusal.n; i_++)                                                      \
                fprintf(stderr, "  reason %s: %s\n", cl_ledger_refusal_code_name(fx_res.refusal.reasons[i_].code), \
                        fx_res.refusal.reasons[i_].message);                                                      \
        }                                                                                                         \
    } while (0)

/* Checks the action was refused with exactly this set of codes (a space-separated list). */
__attribute__((unused)) static bool fx_codes_are(const char *codes)
{
    if (fx_rc != CL_ERR_REFUSED || !fx_res.refused) return false;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", codes);
    size_t want = 0;
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        want++;
        bool found = false;
        for (size_t i = 0; i < fx_res.refusal.n; i++)
            found = found || !strcmp(cl_ledger_refusal_code_name(fx_res.refusal.reasons[i].code), tok);
        if (!found) return false;
    }
    /* and nothing else */
    for (size_t i = 0; i < fx_res.refusal.n; i++) {
        const char *name = cl_ledger_refusal_code_name(fx_res.refusal.reasons[i].code);
        if (!strstr(codes, name)) return false;
    }
    return want > 0;
}

#define EXPECT_REFUSED(call, codes)                                                                               \
    do {                                                                                                          \
        (call);                                                                                                   \
        bool ok_ = fx_codes_are(codes);                                                                           \
        CHECK(ok_);                                                                                               \
        if (!ok_) {                                                                                               \
            fprintf(stderr, "  expected refusal %s; got rc %s: %s\n", codes, cl_err_name(fx_rc), fx_err.msg);     \
            for (size_t i_ = 0; i_ < fx_res.refusal.n; i_++)                                                      \
                fprintf(stderr, "  reason %s: %s\n", cl_ledger_refusal_code_name(fx_res.refusal.reasons[i_].code), \
                        fx_res.refusal.reasons[i_].message);                                                      \
        }                                                                                                         \
    } while (0)

#endif
