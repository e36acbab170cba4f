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

static enum cl_err h_metrics(struct srv_req *r, json_t **out, struct cl_error *err)
{
    char *text = srv_metrics_render(r->srv);
    if (!text) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    *out = raw_doc(text, strlen(text), "text/plain; version=0.0.4; charset=utf-8");
    free(text);
    return CL_OK;
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
    {"GET", "/healthz", SRV_PUBLIC, h_healthz, "Liveness and database check"},
    {"GET", "/metrics", SRV_PUBLIC, h_metrics, "Prometheus metrics"},
    {"GET", "/", SRV_PUBLIC, h_index, "The dashboard"},
    {"GET", "/web/{file}", SRV_PUBLIC, h_web, "Dashboard assets"},
    {"GET", "/v1/openapi.json", SRV_PUBLIC, h_openapi, "This API's OpenAPI document"},
    {"GET", "/v1/whoami", SRV_AUTHENTICATED, h_whoami, "The caller's role, party and permitted actions"},
    {"GET", "/v1/chips", CL_ACTION_REFERENCE_READ, h_chips, "The chip catalog"},
    {"POST", "/v1/classify", CL_ACTION_REFERENCE_READ, h_classify, "Classify a chip"},
    {"POST", "/v1/compare", CL_ACTION_REFERENCE_READ, h_compare, "Compare two chips"},
    {"POST", "/v1/determine", CL_ACTION_REFERENCE_READ, h_determine, "What a sale needs on each side"},
    {"POST", "/v1/rules/at", CL_ACTION_REFERENCE_READ, h_rules_at, "Rules in force on a date"},
    {"GET", "/v1/rules", CL_ACTION_REFERENCE_READ, h_rules_at, "Rules in force on a date (query: date, jurisdiction)"},
    {"POST", "/v1/keys", CL_ACTION_KEYS_MANAGE, h_keys_create, "Create an API key (shown once)"},
    {"GET", "/v1/keys", CL_ACTION_KEYS_MANAGE, h_keys_list, "List API keys (never secrets)"},
    {"DELETE", "/v1/keys/{id}", CL_ACTION_KEYS_MANAGE, h_keys_revoke, "Revoke an API key"},
};
const size_t srv_n_routes = sizeof(srv_routes) / sizeof(srv_routes[0]);
