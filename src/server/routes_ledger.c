/* Ledger routes: every service-layer action over HTTP, scoped to the caller. An importer sees and acts only for
 * its own party; an exporter key bound to a party, likewise for its side; a regulator decides and vets only in its
 * own jurisdiction; the auditor reads unit totals and nothing commercial. Objects a caller may not see are
 * answered 404, as if absent, so their existence does not leak. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "server.h"

/* The party a key is bound to when the role acts for one side (importer, or an exporter key given a party). */
static const char *bound_party(const struct srv_req *r)
{
    if (r->principal.role != CL_ROLE_IMPORTER && r->principal.role != CL_ROLE_EXPORTER) return NULL;
    return r->principal.party[0] ? r->principal.party : NULL;
}

static bool str_eq(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static bool in_array(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (str_eq(v, s)) return true;
    return false;
}

/* May the caller see this object? */
static bool visible(const struct srv_req *r, enum cl_app_action a, const json_t *o)
{
    const char *p = bound_party(r);
    if (!p) return true;
    bool importer = r->principal.role == CL_ROLE_IMPORTER;
    switch (a) {
    case CL_APP_PARTY_SHOW:
    case CL_APP_PARTY_LIST: return !importer || str_eq(json_object_get(o, "name"), p);
    case CL_APP_AUTH_SHOW:
    case CL_APP_AUTH_LIST: return str_eq(json_object_get(o, "holder"), p) || in_array(json_object_get(o, "parties"), p);
    case CL_APP_ORDER_SHOW:
    case CL_APP_ORDER_LIST:
    case CL_APP_SHIPMENT_SHOW:
    case CL_APP_SHIPMENT_LIST: return str_eq(json_object_get(o, importer ? "buyer" : "exporter"), p);
    default: return true;
    }
}

/* Runs a read action for the server's own checks, with args (may be NULL); *out is the object it read. */
static enum cl_err read_action(struct srv_req *r, enum cl_app_action a, const json_t *args, json_t **out,
                               struct cl_error *err)
{
    struct cl_app *app = srv_app(r, err);
    if (!app) return err->code;
    struct cl_app_request req;
    struct cl_app_result res;
    cl_app_request_init(&req, a);
    cl_app_result_init(&res);
    struct cl_app_actor who = {r->principal.name, cl_time_now(), CL_DATE_NONE, NULL};
    enum cl_err rc = args ? cl_app_request_from_json(a, args, "$", &req, err) : CL_OK;
    if (!rc) rc = cl_app_execute(app, &who, &req, &res, err);
    if (!rc) *out = json_incref(res.object);
    cl_app_result_release(&res);
    return rc;
}

static enum cl_err peek(struct srv_req *r, enum cl_app_action a, const char *field, const char *value, json_t **out,
                        struct cl_error *err)
{
    json_t *args = json_pack("{s:s}", field, value ? value : "");
    enum cl_err rc = read_action(r, a, args, out, err);
    json_decref(args);
    return rc;
}

/* Checks made before an action runs: who may act on what. */
static enum cl_err check_before(struct srv_req *r, enum cl_app_action a, const json_t *args, struct cl_error *err)
{
    const char *jur = cl_role_jurisdiction(r->principal.role);
    const char *p = bound_party(r);
    json_t *o = NULL;
    enum cl_err rc = CL_OK;
    switch (a) {
    case CL_APP_AUTH_DECIDE:
    case CL_APP_AUTH_CONDITION:
    case CL_APP_AUTH_SUSPEND:
    case CL_APP_AUTH_REINSTATE:
    case CL_APP_AUTH_REVOKE:
        if (!jur) break;
        rc = peek(r, CL_APP_AUTH_SHOW, "ref", json_string_value(json_object_get(args, "ref")), &o, err);
        if (!rc && !str_eq(json_object_get(o, "jurisdiction"), jur))
            rc = cl_error_set(err, CL_ERR_FORBIDDEN, "a %s acts only on %s authorizations; %s is a %s authorization",
                              cl_role_id(r->principal.role), jur, json_string_value(json_object_get(args, "ref")),
                              json_string_value(json_object_get(o, "jurisdiction")));
        break;
    case CL_APP_PARTY_VET:
        if (jur && !str_eq(json_object_get(args, "jurisdiction"), jur))
            rc = cl_error_set(err, CL_ERR_FORBIDDEN, "$.jurisdiction: a %s vets only in %s", cl_role_id(r->principal.role), jur);
        break;
    case CL_APP_AUTH_APPLY:
        if (p && !str_eq(json_object_get(args, "holder"), p))
            rc = cl_error_set(err, CL_ERR_FORBIDDEN, "$.holder: this key applies only for %s", p);
        break;
    case CL_APP_AUTH_SUBMIT:
        if (!p) break;
        rc = peek(r, CL_APP_AUTH_SHOW, "ref", json_string_value(json_object_get(args, "ref")), &o, err);
        if (!rc && !str_eq(json_object_get(o, "holder"), p))
            rc = cl_error_set(err, CL_ERR_NOT_FOUND, "no authorization %s", json_string_value(json_object_get(args, "ref")));
        break;
    case CL_APP_ORDER_PLACE:
        if (p && !str_eq(json_object_get(args, "exporter"), p))
            rc = cl_error_set(err, CL_ERR_FORBIDDEN, "$.exporter: this key places orders only for %s", p);
        break;
    case CL_APP_ORDER_CANCEL:
    case CL_APP_SHIP: {
        if (!p) break;
        const char *ref = json_string_value(json_object_get(args, a == CL_APP_SHIP ? "order" : "ref"));
        rc = peek(r, CL_APP_ORDER_SHOW, "ref", ref, &o, err);
        if (!rc && !visible(r, CL_APP_ORDER_SHOW, o)) rc = cl_error_set(err, CL_ERR_NOT_FOUND, "no order %s", ref);
        break;
    }
    default: break;
    }
    json_decref(o);
    return rc;
}

/* Query arguments arrive as strings: numbers that the actions take as integers are converted. */
static void numeric_query_args(json_t *args)
{
    static const char *const ints[] = {"after", "limit", "quantity", "delta", "cap", NULL};
    for (const char *const *k = ints; *k; k++) {
        json_t *v = json_object_get(args, *k);
        if (!json_is_string(v)) continue;
        const char *s = json_string_value(v);
        bool digits = *s != '\0';
        for (const char *c = s; *c; c++) digits = digits && isdigit((unsigned char)*c);
        if (digits) json_object_set_new(args, *k, json_integer(strtoll(s, NULL, 10)));
    }
}

static bool creates(enum cl_app_action a)
{
    return a == CL_APP_PARTY_ADD || a == CL_APP_AUTH_APPLY || a == CL_APP_POOL_CREATE || a == CL_APP_ORDER_PLACE ||
           a == CL_APP_SHIP;
}

/* One ledger action over HTTP, from the parsed request to the answer. A write waits in the writer's queue between
 * the two halves (the connection suspended meanwhile); a read runs at once. */
struct srv_app_call {
    enum cl_app_action action;
    json_t *args; /* owned: the request borrows its strings */
    struct cl_app_request req;
    cl_date date;
    char reason[CL_LIMIT_TEXT_BYTES];
    bool has_reason;
    struct srv_job job;
};

void srv_app_call_free(struct srv_app_call *c)
{
    if (!c) return;
    json_decref(c->args);
    cl_app_result_release(&c->job.res);
    free(c);
}

/* Reads the request into c and checks who may act on what. */
static enum cl_err prepare(struct srv_req *r, struct srv_app_call *c, struct cl_error *err)
{
    enum cl_app_action a = c->action;
    c->args = json_deep_copy(srv_body(r));
    c->date = CL_DATE_NONE;
    if (!c->args) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    enum cl_err rc = CL_OK;
    /* the business date and the reason travel with the request but are not the action's arguments */
    if (json_object_get(c->args, "date")) {
        rc = cl_json_get_date(c->args, "date", "$", true, &c->date, err);
        json_object_del(c->args, "date");
    }
    const json_t *why = json_object_get(c->args, "reason");
    if (!rc && why) {
        if (!json_is_string(why)) rc = cl_error_set(err, CL_ERR_INPUT, "$.reason: expected a string");
        else c->has_reason = true, cl_strlcpy(c->reason, json_string_value(why), sizeof(c->reason));
        json_object_del(c->args, "reason");
    }
    if (strcmp(r->method, "GET") == 0) numeric_query_args(c->args);
    if (r->route->param) json_object_set_new(c->args, r->route->param, json_string(srv_param(r, "id")));
    const char *idem = srv_header(r, "Idempotency-Key");
    if (idem && (a == CL_APP_ORDER_PLACE || a == CL_APP_SHIP) && !json_object_get(c->args, "idempotency_key"))
        json_object_set_new(c->args, "idempotency_key", json_string(idem));
    if (!rc) rc = cl_app_request_from_json(a, c->args, "$", &c->req, err);
    if (!rc) rc = check_before(r, a, c->args, err);
    return rc;
}

/* Scopes what the action gave back to what the caller may see, and makes the answer. */
static enum cl_err finish(struct srv_req *r, struct srv_app_call *c, enum cl_err rc, struct cl_app_result *res,
                          json_t **out, struct cl_error *err)
{
    enum cl_app_action a = c->action;
    if (!rc || rc == CL_ERR_REFUSED) {
        if (json_is_array(res->object)) {
            size_t i = 0;
            while (i < json_array_size(res->object))
                if (!visible(r, a, json_array_get(res->object, i))) json_array_remove(res->object, i);
                else i++;
        } else if (json_is_object(res->object) && !visible(r, a, res->object)) {
            rc = cl_error_set(err, CL_ERR_NOT_FOUND, "no %s %s", cl_app_action_id(a),
                              json_string_value(json_object_get(c->args, r->route->param ? r->route->param : "ref")));
        }
    }
    if (rc && rc != CL_ERR_REFUSED) return rc;
    *out = cl_app_result_to_json(a, res, rc, err);
    if (res->dry_run) srv_count_decision(r->srv, cl_app_action_id(a), rc == CL_ERR_REFUSED ? "dry_run_refused" : "dry_run_ok");
    else if (rc == CL_ERR_REFUSED) srv_count_decision(r->srv, cl_app_action_id(a), "refused");
    else if (cl_app_action_writes(a)) srv_count_decision(r->srv, cl_app_action_id(a), res->replayed ? "replayed" : "ok");
    if (!rc && creates(a) && !res->replayed && !res->dry_run) r->status = 201;
    /* a new party is screened at once when lists are loaded; its decision is part of the answer */
    if (!rc && a == CL_APP_PARTY_ADD) {
        json_t *screening = NULL;
        struct cl_error serr = {0};
        const char *name = json_string_value(json_object_get(res->object, "name"));
        if (name && srv_screen_party(r, name, &screening, &serr) == CL_OK)
            json_object_set_new(*out, "screening", screening);
        else
            json_object_set_new(*out, "screening", json_pack("{s:s}", "not_screened", serr.msg));
    }
    return rc;
}

enum cl_err srv_h_app(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct srv_app_call *c = calloc(1, sizeof(*c));
    if (!c) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    r->call = c;
    c->action = (enum cl_app_action)(r->route->app - 1);
    cl_app_result_init(&c->job.res);
    enum cl_err rc = prepare(r, c, err);
    if (!rc && cl_app_action_writes(c->action)) {
        /* a write joins the writer's next batch: the HTTP layer suspends the connection and queues the job */
        c->job.req = c->req;
        c->job.who = (struct cl_app_actor){r->principal.name, cl_time_now(), c->date, c->has_reason ? c->reason : NULL};
        r->pending = &c->job;
        return CL_OK;
    }
    if (!rc) {
        struct cl_app *app = srv_app(r, err);
        struct cl_app_actor who = {r->principal.name, cl_time_now(), c->date, c->has_reason ? c->reason : NULL};
        rc = app ? cl_app_execute(app, &who, &c->req, &c->job.res, err) : err->code;
    }
    return finish(r, c, rc, &c->job.res, out, err);
}

enum cl_err srv_app_resume(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct srv_app_call *c = r->call;
    if (c->job.rc) cl_error_set(err, c->job.err.code ? c->job.err.code : c->job.rc, "%s", c->job.err.msg);
    return finish(r, c, c->job.rc, &c->job.res, out, err);
}

/* Copies the named fields of o. */
static json_t *pick(const json_t *o, const char *const *fields)
{
    json_t *x = json_object();
    for (const char *const *f = fields; *f; f++) {
        json_t *v = json_object_get(o, *f);
        if (v) json_object_set(x, *f, v);
    }
    return x;
}

enum cl_err srv_h_totals(struct srv_req *r, json_t **out, struct cl_error *err)
{
    static const char *const auth_fields[] = {"ref", "jurisdiction", "kind", "authority", "holder", "parties",
                                              "destination", "state", "products", "quantity_cap", "quantity_reserved",
                                              "quantity_consumed", "valid_from", "valid_to", "pools", NULL};
    static const char *const pool_fields[] = {"name", "product", "cap", "follows", "quantity_reserved",
                                              "quantity_consumed", "quantity_available", "members", NULL};
    json_t *auths = NULL, *pools = NULL;
    enum cl_err rc = read_action(r, CL_APP_AUTH_LIST, NULL, &auths, err);
    if (!rc) rc = read_action(r, CL_APP_POOL_LIST, NULL, &pools, err);
    if (rc) {
        json_decref(auths);
        return rc;
    }
    json_t *ta = json_array(), *tp = json_array();
    size_t i;
    json_t *v;
    json_int_t shipped = 0;
    json_array_foreach(auths, i, v) {
        json_array_append_new(ta, pick(v, auth_fields));
        if (str_eq(json_object_get(v, "kind"), "export_licence"))
            shipped += json_integer_value(json_object_get(v, "quantity_consumed"));
    }
    json_array_foreach(pools, i, v) json_array_append_new(tp, pick(v, pool_fields));
    json_decref(auths);
    json_decref(pools);
    *out = json_pack("{s:I, s:o, s:o, s:s}", "units_shipped_under_export_licences", shipped, "authorizations", ta,
                     "pools", tp, "note", "unit totals only: values, prices and fees are commercial and not shown");
    return CL_OK;
}
