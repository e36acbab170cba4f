/* Scenarios: a JSON list of actions with their expected outcomes, checked strictly before anything runs, then
 * played one step at a time, stopping at the first surprise. */
#include <stdlib.h>
#include <string.h>

#include "clearance/app.h"
#include "clearance/json.h"

void cl_scenario_release(struct cl_scenario *sc)
{
    json_decref(sc->root);
    free(sc->steps);
    memset(sc, 0, sizeof(*sc));
}

static enum cl_err parse_expect(const json_t *step, const char *path, struct cl_scenario_step *s, struct cl_error *err)
{
    const json_t *ex = NULL;
    enum cl_err rc = cl_json_get_object(step, "expect", path, false, &ex, err);
    s->expect_outcome = "ok";
    if (rc || !ex) return rc;
    char p[CL_JSON_PATH_BYTES];
    cl_json_path_key(p, path, "expect");
    static const char *const keys[] = {"outcome", "codes", "error", "result", NULL};
    rc = cl_json_check_keys(ex, p, keys, err);
    const char *outcome = NULL;
    if (!rc) rc = cl_json_get_str(ex, "outcome", p, false, 16, &outcome, err);
    if (!rc) rc = cl_json_get_array(ex, "codes", p, false, CL_LEDGER_REASONS_MAX, &s->expect_codes, err);
    if (!rc) rc = cl_json_get_str(ex, "error", p, false, 64, &s->expect_error, err);
    if (!rc) rc = cl_json_get_object(ex, "result", p, false, &s->expect_result, err);
    if (rc) return rc;
    if (outcome && strcmp(outcome, "ok") && strcmp(outcome, "refused") && strcmp(outcome, "error"))
        return cl_error_set(err, CL_ERR_INPUT, "%s.outcome: \"%s\" is not ok, refused or error", p, outcome);
    s->expect_outcome = outcome ? outcome : s->expect_codes ? "refused" : s->expect_error ? "error" : "ok";
    if (s->expect_codes && strcmp(s->expect_outcome, "refused"))
        return cl_error_set(err, CL_ERR_INPUT, "%s.codes: only a refusal has codes", p);
    if (s->expect_error && strcmp(s->expect_outcome, "error"))
        return cl_error_set(err, CL_ERR_INPUT, "%s.error: only an error outcome has an error code", p);
    for (size_t i = 0; s->expect_codes && i < json_array_size(s->expect_codes); i++) {
        const char *c = json_string_value(json_array_get(s->expect_codes, i));
        bool known = false;
        for (int k = 0; c && k < CL_REFUSAL__COUNT; k++)
            known = known || !strcmp(c, cl_ledger_refusal_code_name((enum cl_ledger_refusal_code)k));
        if (!known) return cl_error_set(err, CL_ERR_INPUT, "%s.codes[%zu]: not a refusal code", p, i);
    }
    if (s->expect_error) {
        const char *e = s->expect_error;
        if (!strncmp(e, "CL_ERR_", 7)) e += 7;
        bool known = false;
        for (int k = 1; k < CL_ERR__COUNT; k++) known = known || !strcmp(cl_err_name((enum cl_err)k) + 7, e);
        if (!known) return cl_error_set(err, CL_ERR_INPUT, "%s.error: \"%s\" is not an error code", p, s->expect_error);
    }
    return CL_OK;
}

enum cl_err cl_scenario_parse(const char *text, size_t len, const char *source, struct cl_scenario *out,
                              struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    enum cl_err rc = cl_json_parse(text, len, source, CL_LIMIT_JSON_DEPTH, &out->root, err);
    if (rc) return rc;
    static const char *const keys[] = {"name", "description", "as", "steps", NULL};
    const json_t *steps = NULL;
    const char *default_as = NULL;
    rc = cl_json_check_keys(out->root, "$", keys, err);
    if (!rc) rc = cl_json_get_str(out->root, "name", "$", true, CL_LIMIT_NAME_BYTES, &out->name, err);
    if (!rc) rc = cl_json_get_str(out->root, "description", "$", false, CL_LIMIT_TEXT_BYTES, &out->description, err);
    if (!rc) rc = cl_json_get_str(out->root, "as", "$", false, CL_LIMIT_NAME_BYTES, &default_as, err);
    if (!rc) rc = cl_json_get_array(out->root, "steps", "$", true, CL_LIMIT_SCENARIO_STEPS, &steps, err);
    if (!rc && json_array_size(steps)) {
        out->steps = calloc(json_array_size(steps), sizeof(*out->steps));
        if (!out->steps) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    static const char *const step_keys[] = {"title", "action", "as", "date", "reason", "args", "expect", NULL};
    for (size_t i = 0; !rc && i < json_array_size(steps); i++) {
        const json_t *step = json_array_get(steps, i);
        struct cl_scenario_step *s = &out->steps[i];
        char path[CL_JSON_PATH_BYTES], ap[CL_JSON_PATH_BYTES];
        cl_json_path_index(path, "$.steps", i);
        s->index = i;
        const char *action = NULL;
        const json_t *args = NULL;
        rc = cl_json_check_keys(step, path, step_keys, err);
        if (!rc) rc = cl_json_get_str(step, "title", path, false, CL_LIMIT_TEXT_BYTES, &s->title, err);
        if (!rc) rc = cl_json_get_str(step, "action", path, true, 64, &action, err);
        s->as = default_as;
        if (!rc) rc = cl_json_get_str(step, "as", path, false, CL_LIMIT_NAME_BYTES, &s->as, err);
        if (!rc) rc = cl_json_get_date(step, "date", path, true, &s->date, err);
        if (!rc) rc = cl_json_get_str(step, "reason", path, false, CL_LIMIT_TEXT_BYTES, &s->reason, err);
        if (!rc) rc = cl_json_get_object(step, "args", path, false, &args, err);
        enum cl_app_action a = CL_APP_CHECK;
        if (!rc && !cl_app_action_parse(action, &a))
            rc = cl_error_set(err, CL_ERR_INPUT, "%s.action: \"%s\" is not an action", path, action);
        cl_json_path_key(ap, path, "args");
        if (!rc) rc = cl_app_request_from_json(a, args, ap, &s->req, err);
        if (!rc) rc = parse_expect(step, path, s, err);
        if (!rc && !s->as) rc = cl_error_set(err, CL_ERR_INPUT, "%s.as: missing (and no scenario-wide \"as\")", path);
        out->n_steps = i + 1;
    }
    if (rc) {
        cl_error_prefix(err, "%s", source);
        cl_scenario_release(out);
    }
    return rc;
}

/* Whether actual matches expected as a subset: objects by key, arrays by position and length, the rest equal.
 * Depth is bounded by the parser's nesting limit. On a mismatch, describes it in msg. */
static bool subset(const json_t *expected, const json_t *actual, const char *path, char *msg, size_t cap)
{
    char p[CL_JSON_PATH_BYTES];
    if (json_is_object(expected)) {
        if (!json_is_object(actual)) {
            snprintf(msg, cap, "%s: expected an object", path);
            return false;
        }
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)expected, k, v)
        {
            cl_json_path_key(p, path, k);
            if (!subset(v, json_object_get(actual, k), p, msg, cap)) return false;
        }
        return true;
    }
    if (json_is_array(expected)) {
        if (!json_is_array(actual) || json_array_size(actual) != json_array_size(expected)) {
            snprintf(msg, cap, "%s: expected %zu elements, got %zu", path, json_array_size(expected),
                     json_is_array(actual) ? json_array_size(actual) : 0);
            return false;
        }
        for (size_t i = 0; i < json_array_size(expected); i++) {
            cl_json_path_index(p, path, i);
            if (!subset(json_array_get(expected, i), json_array_get(actual, i), p, msg, cap)) return false;
        }
        return true;
    }
    if (actual && json_equal((json_t *)expected, (json_t *)actual)) return true;
    char *e = json_dumps(expected, JSON_ENCODE_ANY | JSON_COMPACT);
    char *a = actual ? json_dumps(actual, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    snprintf(msg, cap, "%s: expected %.80s, got %.80s", path, e ? e : "?", a ? a : "nothing");
    free(e);
    free(a);
    return false;
}

/* The surprise of one step, or "" when it went as expected. */
static void judge(const struct cl_scenario_step *s, const json_t *res, char *msg, size_t cap)
{
    msg[0] = '\0';
    const char *outcome = json_string_value(json_object_get(res, "outcome"));
    if (strcmp(outcome, s->expect_outcome)) {
        const json_t *e = json_object_get(res, "error");
        const json_t *reasons = json_object_get(res, "reasons");
        char detail[200] = "";
        if (e) snprintf(detail, sizeof(detail), ": %s", json_string_value(json_object_get(e, "message")));
        else if (reasons && json_array_size(reasons))
            snprintf(detail, sizeof(detail), ": %s %s",
                     json_string_value(json_object_get(json_array_get(reasons, 0), "code")),
                     json_string_value(json_object_get(json_array_get(reasons, 0), "message")));
        snprintf(msg, cap, "expected %s, got %s%s", s->expect_outcome, outcome, detail);
        return;
    }
    if (s->expect_codes) {
        const json_t *reasons = json_object_get(res, "reasons");
        /* the set of codes given must equal the set of codes seen */
        for (size_t i = 0; i < json_array_size(s->expect_codes); i++) {
            const char *want = json_string_value(json_array_get(s->expect_codes, i));
            bool seen = false;
            for (size_t k = 0; k < json_array_size(reasons); k++)
                seen = seen || !strcmp(want, json_string_value(json_object_get(json_array_get(reasons, k), "code")));
            if (!seen) {
                snprintf(msg, cap, "expected refusal code %s, which was not given", want);
                return;
            }
        }
        for (size_t k = 0; k < json_array_size(reasons); k++) {
            const char *got = json_string_value(json_object_get(json_array_get(reasons, k), "code"));
            bool expected = false;
            for (size_t i = 0; i < json_array_size(s->expect_codes); i++)
                expected = expected || !strcmp(got, json_string_value(json_array_get(s->expect_codes, i)));
            if (!expected) {
                snprintf(msg, cap, "refused also for %s: %s", got,
                         json_string_value(json_object_get(json_array_get(reasons, k), "message")));
                return;
            }
        }
    }
    if (s->expect_error) {
        const char *want = s->expect_error, *got = json_string_value(json_object_get(json_object_get(res, "error"), "code"));
        if (!strncmp(want, "CL_ERR_", 7)) want += 7;
        if (!got || strcmp(want, got)) {
            snprintf(msg, cap, "expected error %s, got %s", want, got ? got : "none");
            return;
        }
    }
    if (s->expect_result) subset(s->expect_result, json_object_get(res, "result"), "result", msg, cap);
}

enum cl_err cl_scenario_run(struct cl_app *app, const struct cl_scenario *sc, const char *default_actor,
                            cl_scenario_report_fn report, void *report_ctx, size_t *out_ran, struct cl_error *err)
{
    if (out_ran) *out_ran = 0;
    for (size_t i = 0; i < sc->n_steps; i++) {
        const struct cl_scenario_step *s = &sc->steps[i];
        struct cl_app_actor who = {s->as ? s->as : default_actor, (cl_time)s->date * 86400 * 1000000 + (cl_time)i * 1000000,
                                   s->date, s->reason};
        struct cl_app_result res;
        cl_app_result_init(&res);
        struct cl_error local = {0};
        enum cl_err rc = cl_app_execute(app, &who, &s->req, &res, &local);
        json_t *j = cl_app_result_to_json(s->req.action, &res, rc, &local);
        char surprise[512];
        judge(s, j, surprise, sizeof(surprise));
        if (report) report(report_ctx, s, j, surprise[0] ? surprise : NULL);
        json_decref(j);
        cl_app_result_release(&res);
        if (out_ran) *out_ran = i + 1;
        if (surprise[0])
            return cl_error_set(err, CL_ERR_REFUSED, "step %zu (%s%s%s): %s", i + 1, cl_app_action_id(s->req.action),
                                s->title ? ", " : "", s->title ? s->title : "", surprise);
    }
    return CL_OK;
}
