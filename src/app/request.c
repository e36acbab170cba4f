/* Requests: the actions' names and the strict reading of their arguments from JSON (scenario steps, HTTP bodies). */
#include <stddef.h>
#include <string.h>

#include "clearance/app.h"
#include "clearance/json.h"

static const char *const action_ids[] = {
#define ID(name, id, writes) id,
    CL_APP_ACTION_MAP(ID)
#undef ID
};
static const bool action_writes[] = {
#define W(name, id, writes) writes,
    CL_APP_ACTION_MAP(W)
#undef W
};

const char *cl_app_action_id(enum cl_app_action a)
{
    return (unsigned)a < CL_APP__COUNT ? action_ids[a] : "unknown";
}

bool cl_app_action_parse(const char *id, enum cl_app_action *out)
{
    for (int i = 0; id && i < CL_APP__COUNT; i++)
        if (!strcmp(action_ids[i], id)) {
            *out = (enum cl_app_action)i;
            return true;
        }
    return false;
}

bool cl_app_action_writes(enum cl_app_action a)
{
    return (unsigned)a < CL_APP__COUNT && action_writes[a];
}

void cl_app_request_init(struct cl_app_request *req, enum cl_app_action action)
{
    memset(req, 0, sizeof(*req));
    req->action = action;
    req->valid_from = req->valid_to = req->expires_on = req->from = req->to = CL_DATE_NONE;
}

enum ftype { F_STR, F_INT, F_MONEY, F_RATE, F_DATE, F_BOOL, F_LIST, F_PRODUCTS, F_TIME };

struct field {
    const char *json;
    enum ftype type;
    size_t off;
    ptrdiff_t has_off; /* offset of the bool that says it was given, or -1 */
};

#define R(m) offsetof(struct cl_app_request, m)
static const struct field fields[] = {
    {"name", F_STR, R(name), -1},
    {"ref", F_STR, R(ref), -1},
    {"idempotency_key", F_STR, R(key), -1},
    {"roles", F_STR, R(roles), -1},
    {"country", F_STR, R(country), -1},
    {"headquarters", F_STR, R(headquarters), -1},
    {"aliases", F_LIST, R(list), -1},
    {"parties", F_LIST, R(list), -1},
    {"authorizations", F_LIST, R(list), -1},
    {"products", F_PRODUCTS, R(products), -1},
    {"jurisdiction", F_STR, R(jurisdiction), -1},
    {"kind", F_STR, R(kind), -1},
    {"authority", F_STR, R(authority), -1},
    {"holder", F_STR, R(holder), -1},
    {"destination", F_STR, R(destination), -1},
    {"state", F_STR, R(state), -1},
    {"outcome", F_STR, R(state), -1},
    {"quantity_cap", F_INT, R(quantity_cap), R(has_quantity_cap)},
    {"value_cap_usd", F_MONEY, R(value_cap_cents), R(has_value_cap)},
    {"value_tolerance", F_RATE, R(tolerance_ppm), -1},
    {"draft", F_BOOL, R(draft), -1},
    {"add", F_BOOL, R(add), -1},
    {"follows", F_STR, R(counter), R(follows)},
    {"ratio", F_RATE, R(ratio_ppm), -1},
    {"valid_from", F_DATE, R(valid_from), -1},
    {"valid_to", F_DATE, R(valid_to), -1},
    {"expires_on", F_DATE, R(expires_on), -1},
    {"from", F_DATE, R(from), -1},
    {"to", F_DATE, R(to), -1},
    {"decision", F_STR, R(decision), -1},
    {"list_version", F_STR, R(list_version), -1},
    {"summary", F_STR, R(summary), -1},
    {"screened_at", F_TIME, R(screened_at), -1},
    {"condition", F_STR, R(condition), -1},
    {"evidence", F_STR, R(evidence), -1},
    {"text", F_STR, R(text), -1},
    {"pool", F_STR, R(pool), -1},
    {"product", F_STR, R(product), -1},
    {"counter", F_STR, R(counter), -1},
    {"description", F_STR, R(description), -1},
    {"cap", F_INT, R(cap), -1},
    {"delta", F_INT, R(delta), -1},
    {"exporter", F_STR, R(exporter), -1},
    {"buyer", F_STR, R(buyer), -1},
    {"end_use", F_STR, R(end_use), -1},
    {"order", F_STR, R(order), -1},
    {"party", F_STR, R(party), -1},
    {"charge", F_STR, R(charge), -1},
    {"payment_ref", F_STR, R(payment_ref), -1},
    {"filter", F_STR, R(filter), -1},
    {"quantity", F_INT, R(quantity), -1},
    {"value_usd", F_MONEY, R(value_cents), -1},
    {"amount_usd", F_MONEY, R(amount_cents), -1},
    {"after", F_INT, R(after), -1},
    {"limit", F_INT, R(limit), -1},
    {"dry_run", F_BOOL, R(dry_run), -1},
};
#undef R

/* Allowed arguments per action; "*" marks required ones. */
static const char *const action_args[CL_APP__COUNT] = {
    [CL_APP_PARTY_ADD] = "name* roles* country* headquarters aliases",
    [CL_APP_PARTY_VET] = "party* jurisdiction* state*",
    [CL_APP_PARTY_SCREEN_RESULT] = "party* decision* list_version* summary screened_at",
    [CL_APP_AUTH_APPLY] = "ref jurisdiction* kind authority holder* parties products* destination quantity_cap "
                          "value_cap_usd value_tolerance valid_from valid_to draft",
    [CL_APP_AUTH_SUBMIT] = "ref*",
    [CL_APP_AUTH_DECIDE] = "ref* outcome*",
    [CL_APP_AUTH_SUSPEND] = "ref*",
    [CL_APP_AUTH_REINSTATE] = "ref*",
    [CL_APP_AUTH_REVOKE] = "ref*",
    [CL_APP_AUTH_CONDITION] = "ref* condition* state evidence add text",
    [CL_APP_POOL_CREATE] = "name* product cap follows ratio valid_from valid_to description",
    [CL_APP_POOL_ADD] = "pool* authorizations*",
    [CL_APP_POOL_COUNTER] = "counter* delta*",
    [CL_APP_ORDER_PLACE] = "ref idempotency_key exporter* buyer* product* quantity* value_usd* destination end_use "
                           "expires_on dry_run",
    [CL_APP_ORDER_CANCEL] = "ref*",
    [CL_APP_SHIP] = "order* quantity* ref idempotency_key dry_run",
    [CL_APP_FEES_PAY] = "party* charge* amount_usd* payment_ref",
    [CL_APP_SWEEP] = "",
    [CL_APP_PARTY_SHOW] = "name*",
    [CL_APP_PARTY_LIST] = "filter",
    [CL_APP_AUTH_SHOW] = "ref*",
    [CL_APP_AUTH_LIST] = "filter",
    [CL_APP_POOL_SHOW] = "name*",
    [CL_APP_POOL_LIST] = "filter",
    [CL_APP_ORDER_SHOW] = "ref*",
    [CL_APP_ORDER_LIST] = "filter",
    [CL_APP_SHIPMENT_SHOW] = "ref*",
    [CL_APP_SHIPMENT_LIST] = "filter",
    [CL_APP_FEES_REPORT] = "from to party",
    [CL_APP_EVENTS] = "after limit",
    [CL_APP_CHECK] = "",
};

/* Finds word in a space-separated spec; *out_required tells whether it carries "*". */
static bool spec_has(const char *spec, const char *word, bool *out_required)
{
    size_t n = strlen(word);
    for (const char *p = spec; *p;) {
        while (*p == ' ') p++;
        size_t len = strcspn(p, " ");
        bool req = len > 0 && p[len - 1] == '*';
        if ((req ? len - 1 : len) == n && !strncmp(p, word, n)) {
            *out_required = req;
            return true;
        }
        p += len;
    }
    return false;
}

static const struct field *find_field(const char *name)
{
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (!strcmp(fields[i].json, name)) return &fields[i];
    return NULL;
}

static enum cl_err read_list(const json_t *args, const char *key, const char *path, const char **out, size_t *n,
                             struct cl_error *err)
{
    const json_t *arr = NULL;
    enum cl_err rc = cl_json_get_array(args, key, path, true, CL_APP_LIST_MAX, &arr, err);
    if (rc) return rc;
    char p[CL_JSON_PATH_BYTES];
    cl_json_path_key(p, path, key);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_string(e) || !json_string_length(e) || json_string_length(e) >= CL_LIMIT_NAME_BYTES)
            return cl_error_set(err, CL_ERR_INPUT, "%s[%zu]: expected a non-empty string", p, i);
        out[i] = json_string_value(e);
    }
    *n = json_array_size(arr);
    return CL_OK;
}

enum cl_err cl_app_request_from_json(enum cl_app_action action, const json_t *args, const char *path,
                                     struct cl_app_request *out, struct cl_error *err)
{
    CL_ASSERT((unsigned)action < CL_APP__COUNT);
    cl_app_request_init(out, action);
    const char *spec = action_args[action];
    json_t *empty = NULL;
    if (!args) args = empty = json_object();
    if (!json_is_object(args)) return cl_error_set(err, CL_ERR_INPUT, "%s: expected an object", path);
    const char *key;
    json_t *value;
    enum cl_err rc = CL_OK;
    char p[CL_JSON_PATH_BYTES];
    json_object_foreach((json_t *)args, key, value)
    {
        bool required;
        const struct field *f = spec_has(spec, key, &required) ? find_field(key) : NULL;
        cl_json_path_key(p, path, key);
        if (!f) {
            rc = cl_error_set(err, CL_ERR_INPUT, "%s: unknown field for %s (fields: %s)", p, cl_app_action_id(action),
                              *spec ? spec : "none");
            break;
        }
        char *dst = (char *)out + f->off;
        const char *s = NULL;
        int64_t i64 = 0;
        switch (f->type) {
        case F_STR:
            rc = cl_json_get_str(args, key, path, true, CL_LIMIT_TEXT_BYTES, &s, err);
            if (!rc) memcpy(dst, &s, sizeof(s));
            break;
        case F_INT:
            rc = cl_json_get_int(args, key, path, true, -CL_LEDGER_QUANTITY_MAX, CL_LEDGER_QUANTITY_MAX, &i64, err);
            if (!rc) memcpy(dst, &i64, sizeof(i64));
            break;
        case F_MONEY:
            rc = cl_json_get_str(args, key, path, true, 64, &s, err);
            if (!rc && cl_money_parse(s, strlen(s), &i64))
                rc = cl_error_set(err, CL_ERR_INPUT, "%s: \"%s\" is not an amount in US dollars (\"1,250,000.50\")", p, s);
            if (!rc) memcpy(dst, &i64, sizeof(i64));
            break;
        case F_RATE: {
            int32_t ppm = 0;
            rc = cl_json_get_str(args, key, path, true, 32, &s, err);
            if (!rc && cl_rate_parse(s, strlen(s), &ppm))
                rc = cl_error_set(err, CL_ERR_INPUT, "%s: \"%s\" is not a rate (\"50%%\")", p, s);
            if (!rc) memcpy(dst, &ppm, sizeof(ppm));
            break;
        }
        case F_DATE: {
            cl_date d = CL_DATE_NONE;
            rc = cl_json_get_date(args, key, path, true, &d, err);
            if (!rc) memcpy(dst, &d, sizeof(d));
            break;
        }
        case F_TIME: {
            cl_time t = 0;
            rc = cl_json_get_str(args, key, path, true, 64, &s, err);
            if (!rc && cl_time_parse(s, strlen(s), &t))
                rc = cl_error_set(err, CL_ERR_INPUT, "%s: \"%s\" is not a time (\"2026-02-01T09:00:00Z\")", p, s);
            if (!rc) memcpy(dst, &t, sizeof(t));
            break;
        }
        case F_BOOL: {
            bool b = false;
            rc = cl_json_get_bool(args, key, path, true, &b, err);
            if (!rc) memcpy(dst, &b, sizeof(b));
            break;
        }
        case F_LIST: rc = read_list(args, key, path, out->list, &out->n_list, err); break;
        case F_PRODUCTS: rc = read_list(args, key, path, out->products, &out->n_products, err); break;
        }
        if (rc) break;
        if (f->has_off >= 0) *((bool *)((char *)out + f->has_off)) = true;
    }
    /* required fields */
    for (const char *q = spec; !rc && *q;) {
        while (*q == ' ') q++;
        size_t len = strcspn(q, " ");
        if (len > 1 && q[len - 1] == '*') {
            char name[48];
            snprintf(name, sizeof(name), "%.*s", (int)(len - 1), q);
            if (!json_object_get(args, name)) {
                cl_json_path_key(p, path, name);
                rc = cl_error_set(err, CL_ERR_INPUT, "%s: missing field (required by %s)", p, cl_app_action_id(action));
            }
        }
        q += len;
    }
    if (!rc && out->dry_run && out->key) {
        cl_json_path_key(p, path, "dry_run");
        rc = cl_error_set(err, CL_ERR_INPUT, "%s: a dry run books nothing, so it takes no idempotency key", p);
    }
    json_decref(empty);
    return rc;
}
