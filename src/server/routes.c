/* The route table and the handlers of the reference, key, health, metrics, documentation and dashboard routes. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "server.h"

static json_t *raw_doc(const char *text, size_t len, const char *type)
{
    return json_pack("{s:s%, s:s}", "_raw", text, len, "_type", type);
}

static enum cl_err h_healthz(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    int64_t one = 0;
    if (!st || cl_store_query_int(st, "SELECT 1", NULL, 0, &one, NULL, err)) return err->code ? err->code : CL_ERR_STORE;
    *out = json_pack("{s:s, s:s, s:s, s:I}", "status", "ok", "database", cl_store_backend(st), "ruleset_digest",
                     r->srv->ref.rules.digest, "uptime_s", (json_int_t)((cl_time_now() - r->srv->started) / 1000000));
    return CL_OK;
}

/* Pool usage as gauges, read from the ledger at scrape time. */
static char *pool_gauges(struct srv_req *r)
{
    struct cl_error err = {0};
    struct cl_app *app = srv_app(r, &err);
    struct cl_app_request req;
    struct cl_app_result res;
    cl_app_request_init(&req, CL_APP_POOL_LIST);
    cl_app_result_init(&res);
    struct cl_app_actor who = {"metrics", cl_time_now(), CL_DATE_NONE, NULL};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f && app && cl_app_execute(app, &who, &req, &res, &err) == CL_OK) {
        fprintf(f, "# HELP clearance_pool_units Quota pools: cap, units reserved by open orders, units shipped.\n"
                   "# TYPE clearance_pool_units gauge\n");
        size_t i;
        json_t *p;
        json_array_foreach(res.object, i, p) {
            const char *name = json_string_value(json_object_get(p, "name"));
            static const char *const fields[][2] = {{"cap", "cap"}, {"quantity_reserved", "reserved"},
                                                    {"quantity_consumed", "shipped"}};
            for (size_t k = 0; k < 3; k++)
                fprintf(f, "clearance_pool_units{pool=\"%s\",measure=\"%s\"} %lld\n", name ? name : "", fields[k][1],
                        (long long)json_integer_value(json_object_get(p, fields[k][0])));
        }
    }
    cl_app_result_release(&res);
    if (f) fclose(f);
    return text;
}

static enum cl_err h_metrics(struct srv_req *r, json_t **out, struct cl_error *err)
{
    char *text = srv_metrics_render(r->srv);
    char *pools = pool_gauges(r);
    if (!text) {
        free(pools);
        return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    *out = json_pack("{s:s+, s:s}", "_raw", text, pools ? pools : "", "_type", "text/plain; version=0.0.4; charset=utf-8");
    free(text);
    free(pools);
    return *out ? CL_OK : cl_error_set(err, CL_ERR_NOMEM, "out of memory");
}

/* Serves one file of a folder; name must be a single path segment. */
static enum cl_err serve_file(const char *dir, const char *name, json_t **out, struct cl_error *err)
{
    if (!dir || !name || strchr(name, '/') || strstr(name, "..") || name[0] == '.')
        return cl_error_set(err, CL_ERR_NOT_FOUND, "no such file");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char *buf = NULL;
    size_t len = 0;
    struct cl_error local = {0};
    if (cl_file_read(path, CL_LIMIT_DATA_FILE_BYTES, &buf, &len, &local))
        return cl_error_set(err, CL_ERR_NOT_FOUND, "no file %s", name);
    const char *ext = strrchr(name, '.');
    const char *type = "application/octet-stream";
    if (ext && !strcmp(ext, ".html")) type = "text/html; charset=utf-8";
    else if (ext && !strcmp(ext, ".js")) type = "text/javascript; charset=utf-8";
    else if (ext && !strcmp(ext, ".css")) type = "text/css; charset=utf-8";
    else if (ext && !strcmp(ext, ".json")) type = "application/json";
    else if (ext && !strcmp(ext, ".svg")) type = "image/svg+xml";
    *out = raw_doc(buf, len, type);
    free(buf);
    return CL_OK;
}

static enum cl_err h_openapi(struct srv_req *r, json_t **out, struct cl_error *err)
{
    return serve_file(r->srv->cfg.docs_dir, "openapi.json", out, err);
}

static enum cl_err h_index(struct srv_req *r, json_t **out, struct cl_error *err)
{
    return serve_file(r->srv->cfg.web_dir, "index.html", out, err);
}

static enum cl_err h_web(struct srv_req *r, json_t **out, struct cl_error *err)
{
    return serve_file(r->srv->cfg.web_dir, srv_param(r, "file"), out, err);
}

static enum cl_err h_whoami(struct srv_req *r, json_t **out, struct cl_error *err)
{
    (void)err;
    const struct cl_principal *p = &r->principal;
    json_t *actions = json_array();
    for (int a = 0; a < CL_ACTION__COUNT; a++)
        if (cl_access_allows(p->role, (enum cl_action)a)) json_array_append_new(actions, json_string(cl_action_id((enum cl_action)a)));
    const char *jur = cl_role_jurisdiction(p->role);
    *out = json_pack("{s:s, s:s, s:s?, s:s?, s:o}", "key_id", p->key_id, "role", cl_role_id(p->role), "party",
                     p->party[0] ? p->party : NULL, "jurisdiction", jur, "actions", actions);
    return CL_OK;
}

static enum cl_err h_chips(struct srv_req *r, json_t **out, struct cl_error *err)
{
    return cl_reference_chips(&r->srv->ref, out, err);
}

static enum cl_err h_classify(struct srv_req *r, json_t **out, struct cl_error *err)
{
    return cl_reference_classify(&r->srv->ref, srv_body(r), out, err);
}

static enum cl_err h_compare(struct srv_req *r, json_t **out, struct cl_error *err)
{
    return cl_reference_compare(&r->srv->ref, srv_body(r), out, err);
}

static enum cl_err h_rules_at(struct srv_req *r, json_t **out, struct cl_error *err)
{
    return cl_reference_rules_at(&r->srv->ref, srv_body(r), out, err);
}

static enum cl_err h_determine(struct srv_req *r, json_t **out, struct cl_error *err)
{
    enum cl_err rc = cl_reference_determine(&r->srv->ref, srv_body(r), out, err);
    if (!rc) srv_count_decision(r->srv, "determine", json_string_value(json_object_get(*out, "verdict")));
    return rc;
}

static enum cl_err h_keys_create(struct srv_req *r, json_t **out, struct cl_error *err)
{
    static const char *const keys[] = {"role", "party", "label", NULL};
    const json_t *b = srv_body(r);
    const char *role = NULL, *party = NULL, *label = NULL;
    enum cl_err rc = cl_json_check_keys(b, "$", keys, err);
    if (!rc) rc = cl_json_get_str(b, "role", "$", true, 32, &role, err);
    if (!rc) rc = cl_json_get_str(b, "party", "$", false, CL_LIMIT_NAME_BYTES, &party, err);
    if (!rc) rc = cl_json_get_str(b, "label", "$", false, CL_LIMIT_NAME_BYTES, &label, err);
    if (rc) return rc;
    enum cl_role rl;
    if (!cl_role_parse(role, &rl))
        return cl_error_set(err, CL_ERR_INPUT,
                            "$.role: \"%s\" is not one of admin, exporter, importer, us_regulator, cn_regulator, auditor", role);
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    char key[CL_KEY_TEXT_BYTES], id[32];
    rc = cl_store_begin(st, CL_TX_WRITE, err);
    if (!rc) rc = cl_access_key_create(st, rl, party, label, r->principal.name, key, id, err);
    if (!rc) rc = cl_store_commit(st, err);
    else cl_store_rollback(st);
    if (rc) return rc;
    *out = json_pack("{s:s, s:s, s:s, s:s?, s:s}", "id", id, "key", key, "role", role, "party", party, "note",
                     "the key is shown once; only its hash is stored");
    r->status = 201;
    return CL_OK;
}

static enum cl_err h_keys_list(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    return st ? cl_access_key_list(st, out, err) : err->code;
}

static enum cl_err h_keys_revoke(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    enum cl_err rc = cl_store_begin(st, CL_TX_WRITE, err);
    if (!rc) rc = cl_access_key_revoke(st, srv_param(r, "id"), err);
    if (!rc) rc = cl_store_commit(st, err);
    else cl_store_rollback(st);
    if (!rc) *out = json_pack("{s:s, s:b}", "id", srv_param(r, "id"), "revoked", 1);
    return rc;
}

const struct srv_route srv_routes[] = {
    {"GET", "/healthz", SRV_PUBLIC, h_healthz, "Liveness and database check", 0, NULL},
    {"GET", "/metrics", SRV_PUBLIC, h_metrics, "Prometheus metrics", 0, NULL},
    {"GET", "/", SRV_PUBLIC, h_index, "The dashboard", 0, NULL},
    {"GET", "/web/{file}", SRV_PUBLIC, h_web, "Dashboard assets", 0, NULL},
    {"GET", "/v1/openapi.json", SRV_PUBLIC, h_openapi, "This API's OpenAPI document", 0, NULL},
    {"GET", "/v1/whoami", SRV_AUTHENTICATED, h_whoami, "The caller's role, party and permitted actions", 0, NULL},
    {"GET", "/v1/chips", CL_ACTION_REFERENCE_READ, h_chips, "The chip catalog", 0, NULL},
    {"POST", "/v1/classify", CL_ACTION_REFERENCE_READ, h_classify, "Classify a chip", 0, NULL},
    {"POST", "/v1/compare", CL_ACTION_REFERENCE_READ, h_compare, "Compare two chips", 0, NULL},
    {"POST", "/v1/determine", CL_ACTION_REFERENCE_READ, h_determine, "What a sale needs on each side", 0, NULL},
    {"POST", "/v1/rules/at", CL_ACTION_REFERENCE_READ, h_rules_at, "Rules in force on a date", 0, NULL},
    {"GET", "/v1/rules", CL_ACTION_REFERENCE_READ, h_rules_at, "Rules in force on a date (query: date, jurisdiction)", 0, NULL},
    {"POST", "/v1/keys", CL_ACTION_KEYS_MANAGE, h_keys_create, "Create an API key (shown once)", 0, NULL},
    {"GET", "/v1/keys", CL_ACTION_KEYS_MANAGE, h_keys_list, "List API keys (never secrets)", 0, NULL},
    {"DELETE", "/v1/keys/{id}", CL_ACTION_KEYS_MANAGE, h_keys_revoke, "Revoke an API key", 0, NULL},
#define LEDGER(method, path, access, action, param, summary) \
    {method, path, CL_ACTION_##access, srv_h_app, summary, CL_APP_##action + 1, param}
    LEDGER("POST", "/v1/parties", PARTY_WRITE, PARTY_ADD, NULL, "Add a party"),
    LEDGER("GET", "/v1/parties", PARTY_READ, PARTY_LIST, NULL, "List parties"),
    LEDGER("GET", "/v1/parties/{id}", PARTY_READ, PARTY_SHOW, "name", "A party: roles, aliases, vetting, screening"),
    LEDGER("POST", "/v1/parties/{id}/vetting", AUTH_DECIDE, PARTY_VET, "party", "Record a party's vetting"),
    LEDGER("POST", "/v1/parties/{id}/screening", PARTY_WRITE, PARTY_SCREEN_RESULT, "party",
           "Record a party's latest screening result"),
    LEDGER("POST", "/v1/authorizations", AUTH_APPLY, AUTH_APPLY, NULL, "Apply for a licence or approval"),
    LEDGER("GET", "/v1/authorizations", AUTH_READ, AUTH_LIST, NULL, "List authorizations"),
    LEDGER("GET", "/v1/authorizations/{id}", AUTH_READ, AUTH_SHOW, "ref", "An authorization with its conditions"),
    LEDGER("POST", "/v1/authorizations/{id}/submit", AUTH_APPLY, AUTH_SUBMIT, "ref", "Submit an application"),
    LEDGER("POST", "/v1/authorizations/{id}/decision", AUTH_DECIDE, AUTH_DECIDE, "ref", "Decide an application"),
    LEDGER("POST", "/v1/authorizations/{id}/conditions", AUTH_DECIDE, AUTH_CONDITION, "ref",
           "Set a condition's state with evidence"),
    LEDGER("POST", "/v1/authorizations/{id}/suspension", AUTH_DECIDE, AUTH_SUSPEND, "ref", "Suspend"),
    LEDGER("POST", "/v1/authorizations/{id}/reinstatement", AUTH_DECIDE, AUTH_REINSTATE, "ref", "Reinstate"),
    LEDGER("POST", "/v1/authorizations/{id}/revocation", AUTH_DECIDE, AUTH_REVOKE, "ref", "Revoke"),
    LEDGER("POST", "/v1/pools", POOL_WRITE, POOL_CREATE, NULL, "Create a quota pool"),
    LEDGER("GET", "/v1/pools", POOL_READ, POOL_LIST, NULL, "List pools with usage"),
    LEDGER("GET", "/v1/pools/{id}", POOL_READ, POOL_SHOW, "name", "A pool: cap, reserved, consumed, members"),
    LEDGER("POST", "/v1/pools/{id}/members", POOL_WRITE, POOL_ADD, "pool", "Add authorizations to a pool"),
    LEDGER("POST", "/v1/counters/{id}", POOL_WRITE, POOL_COUNTER, "counter", "Add to a counter a pool follows"),
    LEDGER("POST", "/v1/orders", ORDER_WRITE, ORDER_PLACE, NULL, "Place an order (Idempotency-Key honoured)"),
    LEDGER("GET", "/v1/orders", ORDER_READ, ORDER_LIST, NULL, "List orders"),
    LEDGER("GET", "/v1/orders/{id}", ORDER_READ, ORDER_SHOW, "ref", "An order and its reservations"),
    LEDGER("POST", "/v1/orders/{id}/cancellation", ORDER_WRITE, ORDER_CANCEL, "ref", "Cancel an order"),
    LEDGER("POST", "/v1/shipments", SHIP, SHIP, NULL, "Ship against an order (Idempotency-Key honoured)"),
    LEDGER("GET", "/v1/shipments", ORDER_READ, SHIPMENT_LIST, NULL, "List shipments"),
    LEDGER("GET", "/v1/shipments/{id}", ORDER_READ, SHIPMENT_SHOW, "ref", "A shipment and its fees"),
    LEDGER("GET", "/v1/fees", FEES_READ, FEES_REPORT, NULL, "Fees accrued, paid and outstanding"),
    LEDGER("POST", "/v1/fees/payments", FEES_WRITE, FEES_PAY, NULL, "Record a payment against a charge"),
    LEDGER("GET", "/v1/events", EVENTS_READ, EVENTS, NULL, "The ledger's event records"),
    LEDGER("GET", "/v1/ledger/check", EVENTS_READ, CHECK, NULL, "Recompute every invariant from the rows"),
    LEDGER("POST", "/v1/ledger/sweep", POOL_WRITE, SWEEP, NULL, "Expire lapsed reservations and authorizations"),
#undef LEDGER
    {"GET", "/v1/totals", CL_ACTION_TOTALS_READ, srv_h_totals, "Unit totals per authorization and pool", 0, NULL},
};
const size_t srv_n_routes = sizeof(srv_routes) / sizeof(srv_routes[0]);

const struct srv_route *srv_routes_all(size_t *out_n)
{
    static struct srv_route *all;
    static size_t n;
    if (!all) {
        n = srv_n_routes + srv_n_screen_routes + srv_n_journal_routes;
        all = malloc(n * sizeof(*all));
        if (!all) abort();
        memcpy(all, srv_routes, srv_n_routes * sizeof(*all));
        memcpy(all + srv_n_routes, srv_screen_routes, srv_n_screen_routes * sizeof(*all));
        memcpy(all + srv_n_routes + srv_n_screen_routes, srv_journal_routes, srv_n_journal_routes * sizeof(*all));
    }
    *out_n = n;
    return all;
}
