/* The ledger's schema, its event records, refusal reasons, and the small lookups every ledger file shares. */
#include <stdarg.h>
#include <stdlib.h>

#include "ledger_int.h"

/* Caps are also CHECK constraints, so even a bug above the store cannot over-commit an authorization or pool. */
static const struct cl_migration migrations[] = {
    {"ledger", 1,
     "CREATE TABLE ledger_parties ("
     " id {{ID}}, name TEXT NOT NULL UNIQUE, roles TEXT NOT NULL, country TEXT NOT NULL, headquarters TEXT NOT NULL,"
     " aliases TEXT NOT NULL,"
     " screening_decision TEXT, screening_at TEXT, screening_list_version TEXT, screening_summary TEXT,"
     " screening_recorded_by TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
     "CREATE TABLE ledger_party_aliases ("
     " alias TEXT NOT NULL PRIMARY KEY, party_id BIGINT NOT NULL REFERENCES ledger_parties (id));"
     "CREATE TABLE ledger_party_vetting ("
     " party_id BIGINT NOT NULL REFERENCES ledger_parties (id), jurisdiction TEXT NOT NULL, state TEXT NOT NULL,"
     " updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, reason TEXT, PRIMARY KEY (party_id, jurisdiction));"
     "CREATE TABLE ledger_auths ("
     " id {{ID}}, ref TEXT NOT NULL UNIQUE, jurisdiction TEXT NOT NULL, kind TEXT NOT NULL, authority TEXT NOT NULL,"
     " holder_id BIGINT NOT NULL REFERENCES ledger_parties (id), destination TEXT, state TEXT NOT NULL,"
     " quantity_cap BIGINT, value_cap_cents BIGINT, value_tolerance_ppm BIGINT NOT NULL, value_limit_cents BIGINT,"
     " valid_from TEXT, valid_to TEXT,"
     " quantity_reserved BIGINT NOT NULL DEFAULT 0, quantity_consumed BIGINT NOT NULL DEFAULT 0,"
     " value_reserved_cents BIGINT NOT NULL DEFAULT 0, value_consumed_cents BIGINT NOT NULL DEFAULT 0,"
     " created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL,"
     " CHECK (quantity_reserved >= 0 AND quantity_consumed >= 0),"
     " CHECK (value_reserved_cents >= 0 AND value_consumed_cents >= 0),"
     " CHECK (quantity_cap IS NULL OR quantity_reserved + quantity_consumed <= quantity_cap),"
     " CHECK (value_limit_cents IS NULL OR value_reserved_cents + value_consumed_cents <= value_limit_cents));"
     "CREATE TABLE ledger_auth_parties ("
     " auth_id BIGINT NOT NULL REFERENCES ledger_auths (id), party_id BIGINT NOT NULL REFERENCES ledger_parties (id),"
     " PRIMARY KEY (auth_id, party_id));"
     "CREATE TABLE ledger_auth_products ("
     " auth_id BIGINT NOT NULL REFERENCES ledger_auths (id), product TEXT NOT NULL, PRIMARY KEY (auth_id, product));"
     "CREATE TABLE ledger_auth_transitions ("
     " id {{ID}}, auth_id BIGINT NOT NULL REFERENCES ledger_auths (id), from_state TEXT, to_state TEXT NOT NULL,"
     " actor TEXT NOT NULL, at TEXT NOT NULL, on_date TEXT NOT NULL, reason TEXT);"
     "CREATE TABLE ledger_conditions ("
     " id {{ID}}, auth_id BIGINT NOT NULL REFERENCES ledger_auths (id), condition_id TEXT NOT NULL,"
     " text TEXT NOT NULL, set_by TEXT, final BIGINT NOT NULL, rule_id TEXT, citation TEXT, state TEXT NOT NULL,"
     " evidence TEXT, verified_by TEXT, updated_at TEXT NOT NULL, UNIQUE (auth_id, condition_id));"
     "CREATE TABLE ledger_counters ("
     " id {{ID}}, name TEXT NOT NULL UNIQUE, value BIGINT NOT NULL, updated_at TEXT NOT NULL, CHECK (value >= 0));"
     "CREATE TABLE ledger_pools ("
     " id {{ID}}, name TEXT NOT NULL UNIQUE, product TEXT, follows BIGINT NOT NULL, cap_quantity BIGINT,"
     " counter_id BIGINT REFERENCES ledger_counters (id), ratio_ppm BIGINT, valid_from TEXT, valid_to TEXT,"
     " description TEXT, quantity_reserved BIGINT NOT NULL DEFAULT 0, quantity_consumed BIGINT NOT NULL DEFAULT 0,"
     " created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
     " CHECK (quantity_reserved >= 0 AND quantity_consumed >= 0),"
     " CHECK (follows = 1 OR quantity_reserved + quantity_consumed <= cap_quantity));"
     "CREATE TABLE ledger_pool_members ("
     " pool_id BIGINT NOT NULL REFERENCES ledger_pools (id), auth_id BIGINT NOT NULL REFERENCES ledger_auths (id),"
     " PRIMARY KEY (pool_id, auth_id));"
     "CREATE TABLE ledger_orders ("
     " id {{ID}}, ref TEXT NOT NULL UNIQUE, exporter_id BIGINT NOT NULL REFERENCES ledger_parties (id),"
     " buyer_id BIGINT NOT NULL REFERENCES ledger_parties (id), product TEXT NOT NULL, destination TEXT NOT NULL,"
     " end_use TEXT, quantity BIGINT NOT NULL, value_cents BIGINT NOT NULL, order_date TEXT NOT NULL,"
     " expires_on TEXT, state TEXT NOT NULL, quantity_shipped BIGINT NOT NULL DEFAULT 0,"
     " value_shipped_cents BIGINT NOT NULL DEFAULT 0, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
     " CHECK (quantity > 0 AND value_cents >= 0),"
     " CHECK (quantity_shipped >= 0 AND quantity_shipped <= quantity));"
     "CREATE TABLE ledger_reservations ("
     " id {{ID}}, order_id BIGINT NOT NULL REFERENCES ledger_orders (id),"
     " auth_id BIGINT REFERENCES ledger_auths (id), pool_id BIGINT REFERENCES ledger_pools (id),"
     " quantity BIGINT NOT NULL, value_cents BIGINT NOT NULL, quantity_posted BIGINT NOT NULL DEFAULT 0,"
     " value_posted_cents BIGINT NOT NULL DEFAULT 0, state TEXT NOT NULL,"
     " CHECK ((auth_id IS NULL) <> (pool_id IS NULL)), CHECK (quantity_posted <= quantity));"
     "CREATE INDEX ledger_reservations_order ON ledger_reservations (order_id);"
     "CREATE INDEX ledger_orders_expiry ON ledger_orders (state, expires_on);"
     "CREATE TABLE ledger_shipments ("
     " id {{ID}}, ref TEXT NOT NULL UNIQUE, order_id BIGINT NOT NULL REFERENCES ledger_orders (id),"
     " quantity BIGINT NOT NULL, value_cents BIGINT NOT NULL, ship_date TEXT NOT NULL, rules_digest TEXT,"
     " created_at TEXT NOT NULL, created_by TEXT NOT NULL, CHECK (quantity > 0));"
     "CREATE INDEX ledger_shipments_order ON ledger_shipments (order_id);"
     "CREATE TABLE ledger_fees ("
     " id {{ID}}, shipment_id BIGINT NOT NULL REFERENCES ledger_shipments (id),"
     " payer_id BIGINT NOT NULL REFERENCES ledger_parties (id), charge_id TEXT NOT NULL, kind TEXT NOT NULL,"
     " jurisdiction TEXT NOT NULL, rule_id TEXT, citation TEXT, collector TEXT, rate_ppm BIGINT NOT NULL,"
     " base_cents BIGINT NOT NULL, amount_cents BIGINT NOT NULL, accrued_on TEXT NOT NULL);"
     "CREATE INDEX ledger_fees_shipment ON ledger_fees (shipment_id);"
     "CREATE TABLE ledger_payments ("
     " id {{ID}}, ref TEXT, payer_id BIGINT NOT NULL REFERENCES ledger_parties (id), charge_id TEXT NOT NULL,"
     " amount_cents BIGINT NOT NULL, paid_on TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
     " CHECK (amount_cents > 0));"
     "CREATE TABLE ledger_idempotency ("
     " key TEXT NOT NULL PRIMARY KEY, action TEXT NOT NULL, request TEXT NOT NULL, result TEXT NOT NULL,"
     " created_at TEXT NOT NULL);"
     "CREATE TABLE ledger_events ("
     " id {{ID}}, at TEXT NOT NULL, on_date TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
     " object_kind TEXT NOT NULL, object_ref TEXT NOT NULL, record TEXT NOT NULL)"},
    /* Lapsing orders are looked for on every order placed: index only those that can lapse, in the order they
     * lapse, so that neither the lookup nor the orders that never lapse pay for the index. */
    {"ledger", 2,
     "DROP INDEX ledger_orders_expiry;"
     "CREATE INDEX ledger_orders_lapse ON ledger_orders (expires_on, id)"
     " WHERE expires_on IS NOT NULL AND state IN ('open', 'partially_shipped')"},
    /* The next number of each table's assigned references, kept in the transaction that uses it: numbers have no
     * gaps whatever rolls back (a PostgreSQL sequence keeps what a rolled-back insert took: a dry run, a failed
     * action in a batch, a retried one), and both backends number alike. Seeded where the old rule (the newest
     * row's key plus one) would have gone on. */
    {"ledger", 3,
     "CREATE TABLE ledger_ref_counters (name TEXT NOT NULL PRIMARY KEY, next BIGINT NOT NULL, CHECK (next > 0));"
     "INSERT INTO ledger_ref_counters (name, next) SELECT 'ledger_auths', COALESCE(MAX(id), 0) + 1 FROM ledger_auths;"
     "INSERT INTO ledger_ref_counters (name, next) SELECT 'ledger_orders', COALESCE(MAX(id), 0) + 1 FROM ledger_orders;"
     "INSERT INTO ledger_ref_counters (name, next)"
     " SELECT 'ledger_shipments', COALESCE(MAX(id), 0) + 1 FROM ledger_shipments"},
};

enum cl_err cl_ledger_migrate(struct cl_store *st, struct cl_error *err)
{
    return cl_store_migrate(st, migrations, sizeof(migrations) / sizeof(migrations[0]), err);
}

/* ---- refusals ----------------------------------------------------------------------------------------------- */

static const char *const refusal_names[] = {
#define NAME(name, text) #name,
    CL_LEDGER_REFUSAL_MAP(NAME)
#undef NAME
};
static const char *const refusal_texts[] = {
#define TEXT(name, text) text,
    CL_LEDGER_REFUSAL_MAP(TEXT)
#undef TEXT
};

const char *cl_ledger_refusal_code_name(enum cl_ledger_refusal_code c)
{
    return (unsigned)c < CL_REFUSAL__COUNT ? refusal_names[c] : "UNKNOWN";
}

const char *cl_ledger_refusal_code_text(enum cl_ledger_refusal_code c)
{
    return (unsigned)c < CL_REFUSAL__COUNT ? refusal_texts[c] : "unknown reason";
}

void cl_ledger_refusal_init(struct cl_ledger_refusal *r)
{
    r->n = 0;
    r->dropped = 0;
}

bool cl_ledger_refusal_has(const struct cl_ledger_refusal *r, enum cl_ledger_refusal_code code)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->reasons[i].code == code) return true;
    return false;
}

struct cl_ledger_reason *lg_reason(struct cl_ledger_refusal *r, enum cl_ledger_refusal_code code, const char *fmt,
                                   ...)
{
    static _Thread_local struct cl_ledger_reason scratch;
    struct cl_ledger_reason *x = &scratch;
    if (r->n < CL_LEDGER_REASONS_MAX) x = &r->reasons[r->n++];
    else r->dropped++;
    memset(x, 0, sizeof(*x));
    x->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->object, sizeof(x->object), fmt, ap);
    va_end(ap);
    return x;
}

void lg_reason_numbers(struct cl_ledger_reason *x, const char *unit, int64_t requested, int64_t cap, int64_t reserved,
                       int64_t consumed)
{
    x->has_numbers = true;
    x->unit = unit;
    x->requested = requested;
    x->cap = cap;
    x->reserved = reserved;
    x->consumed = consumed;
    x->available = cap - reserved - consumed;
    if (x->available < 0) x->available = 0;
}

json_t *cl_ledger_refusal_to_json(const struct cl_ledger_refusal *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r->n; i++) {
        const struct cl_ledger_reason *x = &r->reasons[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "code", cl_ledger_refusal_code_name(x->code), "object",
                              x->object, "message", x->message, "unblock", x->unblock);
        if (!o) continue;
        if (x->citation[0]) json_object_set_new(o, "citation", json_string(x->citation));
        if (x->has_numbers)
            json_object_set_new(o, "numbers",
                                json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "unit", x->unit, "requested",
                                          (json_int_t)x->requested, "cap", (json_int_t)x->cap, "reserved",
                                          (json_int_t)x->reserved, "consumed", (json_int_t)x->consumed, "available",
                                          (json_int_t)x->available));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* ---- the capacity invariant --------------------------------------------------------------------------------- */

void lg_auth_totals_from_row(const struct cl_row *row, size_t col, struct lg_auth_totals *out)
{
    out->has_qcap = !cl_row_is_null(row, col);
    out->qcap = cl_row_int(row, col);
    out->qres = cl_row_int(row, col + 1);
    out->qcon = cl_row_int(row, col + 2);
    out->has_vlimit = !cl_row_is_null(row, col + 3);
    out->vlimit = cl_row_int(row, col + 3);
    out->vres = cl_row_int(row, col + 4);
    out->vcon = cl_row_int(row, col + 5);
}

void lg_assert_auth_totals(const struct lg_auth_totals *t, int64_t dq_res, int64_t dq_con, int64_t dv_res,
                           int64_t dv_con)
{
    int64_t qres = t->qres + dq_res, qcon = t->qcon + dq_con, vres = t->vres + dv_res, vcon = t->vcon + dv_con;
    CL_ASSERT(qres >= 0 && qcon >= 0 && vres >= 0 && vcon >= 0);
    CL_ASSERT(!t->has_qcap || qres + qcon <= t->qcap);
    CL_ASSERT(!t->has_vlimit || vres + vcon <= t->vlimit);
}

struct target_row {
    bool found;
    struct lg_auth_totals auth;
    int64_t pool[6];
};

static enum cl_err auth_target_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct target_row *t = ctx;
    t->found = true;
    lg_auth_totals_from_row(row, 0, &t->auth);
    return CL_OK;
}

static enum cl_err pool_target_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct target_row *t = ctx;
    t->found = true;
    for (size_t i = 0; i < 6; i++) t->pool[i] = cl_row_int(row, i);
    return CL_OK;
}

enum cl_err lg_assert_target(struct cl_store *st, int64_t auth_id, int64_t pool_id, struct cl_error *err)
{
    struct target_row t = {0};
    enum cl_err rc;
    if (auth_id) {
        struct cl_val p[] = {CL_VINT(auth_id)};
        rc = cl_store_query(st,
                            "SELECT quantity_cap, quantity_reserved, quantity_consumed, value_limit_cents,"
                            " value_reserved_cents, value_consumed_cents FROM ledger_auths WHERE id = ?",
                            p, 1, auth_target_row, &t, err);
        if (rc) return rc;
        CL_ASSERT(t.found);
        lg_assert_auth_totals(&t.auth, 0, 0, 0, 0);
    } else {
        struct cl_val p[] = {CL_VINT(pool_id)};
        rc = cl_store_query(st,
                            "SELECT p.follows, p.cap_quantity, c.value, p.ratio_ppm, p.quantity_reserved,"
                            " p.quantity_consumed FROM ledger_pools p LEFT JOIN ledger_counters c ON c.id = p.counter_id"
                            " WHERE p.id = ?",
                            p, 1, pool_target_row, &t, err);
        if (rc) return rc;
        CL_ASSERT(t.found);
        CL_ASSERT(t.pool[4] >= 0);
        CL_ASSERT(t.pool[5] >= 0);
        CL_ASSERT(t.pool[4] + t.pool[5] <= lg_pool_cap(t.pool[0] != 0, t.pool[1], t.pool[2], t.pool[3]));
    }
    return CL_OK;
}

/* ---- events ------------------------------------------------------------------------------------------------- */

void lg_time_text(cl_time t, char out[CL_TIME_TEXT_BYTES])
{
    cl_time_format(t, out);
}

enum cl_err lg_event(const struct cl_ledger_ctx *cx, const char *action, const char *kind, const char *ref,
                     json_t *data, json_t *commercial, struct cl_error *err)
{
    char at[CL_TIME_TEXT_BYTES], date[CL_DATE_TEXT_BYTES];
    lg_time_text(cx->at, at);
    cl_date_format(cx->date, date);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "action", action, "actor", cx->actor, "at", at,
                            "date", date, "object", "kind", kind, "ref", ref);
    if (!rec) {
        json_decref(data);
        json_decref(commercial);
        return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    if (cx->reason) json_object_set_new(rec, "reason", json_string(cx->reason));
    json_object_set_new(rec, "data", data ? data : json_object());
    if (commercial) json_object_set_new(rec, "commercial", commercial);
    char *text = cl_json_canonical(rec);
    enum cl_err rc = CL_OK;
    if (!text) {
        rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    struct cl_val p[] = {CL_VTEXT(at), CL_VTEXT(date), CL_VTEXT(cx->actor), CL_VTEXT(action),
                         CL_VTEXT(kind), CL_VTEXT(ref), CL_VTEXT(text)};
    rc = cl_store_exec(cx->st,
                       "INSERT INTO ledger_events (at, on_date, actor, action, object_kind, object_ref, record)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)",
                       p, 7, NULL, err);
    free(text);
    if (rc) goto out;
    if (cx->hook) rc = cx->hook(cx->hook_ctx, cx->st, rec, err);
    if (rc) goto out;
    if (cx->events) json_array_append(cx->events, rec);
out:
    json_decref(rec);
    return rc;
}

/* ---- lookups ------------------------------------------------------------------------------------------------ */

enum cl_err lg_party_id(struct cl_store *st, const char *name, const char *role, int64_t *out_id, struct cl_error *err)
{
    if (!name || !*name) return cl_error_set(err, CL_ERR_INPUT, "%s: no party given", role);
    bool found = false;
    struct cl_val p[] = {CL_VTEXT(name)};
    enum cl_err rc = cl_store_query_int(st, "SELECT id FROM ledger_parties WHERE name = ?", p, 1, out_id, &found, err);
    if (!rc && !found)
        rc = cl_store_query_int(st, "SELECT party_id FROM ledger_party_aliases WHERE alias = ?", p, 1, out_id, &found,
                                err);
    if (!rc && !found)
        return cl_error_set(err, CL_ERR_NOT_FOUND, "%s: no party \"%s\" (add it with 'clearance party add')", role,
                            name);
    return rc;
}

struct auth_id_ctx {
    int64_t id;
    enum cl_ledger_auth_state state;
    bool found;
};

static enum cl_err auth_id_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct auth_id_ctx *c = ctx;
    c->id = cl_row_int(row, 0);
    c->found = cl_ledger_auth_state_parse(cl_row_text(row, 1, NULL), &c->state);
    return c->found ? CL_OK : cl_error_set(err, CL_ERR_INTERNAL, "stored state \"%s\" unknown", cl_row_text(row, 1, NULL));
}

enum cl_err lg_auth_id(struct cl_store *st, const char *ref, int64_t *out_id, enum cl_ledger_auth_state *out_state,
                       struct cl_error *err)
{
    if (!ref || !*ref) return cl_error_set(err, CL_ERR_INPUT, "no authorization given");
    struct auth_id_ctx c = {0, CL_AUTH_DRAFT, false};
    struct cl_val p[] = {CL_VTEXT(ref)};
    enum cl_err rc = cl_store_query(st, "SELECT id, state FROM ledger_auths WHERE ref = ?", p, 1, auth_id_row, &c, err);
    if (rc) return rc;
    if (!c.found)
        return cl_error_set(err, CL_ERR_NOT_FOUND, "no authorization \"%s\" (see 'clearance auth list')", ref);
    *out_id = c.id;
    if (out_state) *out_state = c.state;
    return CL_OK;
}

enum cl_err lg_ref(struct cl_store *st, const char *table, const char *given, const char *prefix,
                   char out[CL_LEDGER_REF_BYTES], struct cl_error *err)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE ref = ?", table);
    int64_t one = 0;
    bool found = false;
    if (given) {
        if (!*given || strlen(given) >= CL_LEDGER_REF_BYTES)
            return cl_error_set(err, CL_ERR_INPUT, "reference \"%.80s\" is empty or longer than %d bytes", given,
                                CL_LEDGER_REF_BYTES - 1);
        struct cl_val p[] = {CL_VTEXT(given)};
        enum cl_err rc = cl_store_query_int(st, sql, p, 1, &one, &found, err);
        if (rc) return rc;
        if (found) return cl_error_set(err, CL_ERR_CONFLICT, "reference \"%s\" is already used", given);
        snprintf(out, CL_LEDGER_REF_BYTES, "%s", given);
        return CL_OK;
    }
    /* the table's counter (ledger migration 3), past any number a given reference took */
    struct cl_val t[] = {CL_VTEXT(table)};
    int64_t n = 0;
    enum cl_err rc = cl_store_query_int(st, "SELECT next FROM ledger_ref_counters WHERE name = ?", t, 1, &n, NULL, err);
    for (; !rc; n++) {
        snprintf(out, CL_LEDGER_REF_BYTES, "%s%lld", prefix, (long long)n);
        struct cl_val p[] = {CL_VTEXT(out)};
        rc = cl_store_query_int(st, sql, p, 1, &one, &found, err);
        if (!rc && !found) break;
    }
    if (rc) return rc;
    struct cl_val u[] = {CL_VINT(n + 1), CL_VTEXT(table)};
    int64_t changed = 0;
    rc = cl_store_exec(st, "UPDATE ledger_ref_counters SET next = ? WHERE name = ?", u, 2, &changed, err);
    if (!rc) CL_ASSERT(changed == 1);
    return rc;
}

struct cl_val lg_vdate(cl_date d, char buf[CL_DATE_TEXT_BYTES])
{
    if (d == CL_DATE_NONE) return CL_VNULL;
    cl_date_format(d, buf);
    return CL_VTEXT(buf);
}

cl_date lg_row_date(const struct cl_row *row, size_t col)
{
    if (cl_row_is_null(row, col)) return CL_DATE_NONE;
    size_t n = 0;
    const char *t = cl_row_text(row, col, &n);
    cl_date d = CL_DATE_NONE;
    if (cl_date_parse(t, n, &d)) return CL_DATE_NONE;
    return d;
}

void lg_row_copy(const struct cl_row *row, size_t col, char *out, size_t cap)
{
    size_t n = 0;
    const char *t = cl_row_text(row, col, &n);
    if (n >= cap) n = cap - 1;
    memcpy(out, t, n);
    out[n] = '\0';
}

const char *lg_money(int64_t cents, char out[CL_MONEY_TEXT_BYTES])
{
    cl_money_format(cents, true, out);
    return out;
}

/* ---- idempotency -------------------------------------------------------------------------------------------- */

struct idem_ctx {
    bool found;
    char action[32];
    char *request;
    json_t *result;
};

static enum cl_err idem_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct idem_ctx *c = ctx;
    c->found = true;
    lg_row_copy(row, 0, c->action, sizeof(c->action));
    size_t n = 0;
    const char *req = cl_row_text(row, 1, &n);
    c->request = strndup(req, n);
    const char *res = cl_row_text(row, 2, &n);
    json_error_t je;
    c->result = json_loadb(res, n, 0, &je);
    if (!c->request || !c->result) return cl_error_set(err, CL_ERR_INTERNAL, "stored idempotent result unreadable");
    return CL_OK;
}

enum cl_err lg_idem_find(struct cl_store *st, const char *key, const char *action, const char *request,
                         json_t **out_result, struct cl_error *err)
{
    *out_result = NULL;
    struct idem_ctx c = {0};
    struct cl_val p[] = {CL_VTEXT(key)};
    enum cl_err rc = cl_store_query(st, "SELECT action, request, result FROM ledger_idempotency WHERE key = ?", p, 1,
                                    idem_row, &c, err);
    if (!rc && c.found) {
        if (strcmp(c.action, action) != 0 || strcmp(c.request, request) != 0)
            rc = cl_error_set(err, CL_ERR_CONFLICT,
                              "idempotency key \"%s\" was used for a different request (%s); use a new key", key,
                              c.action);
        else {
            *out_result = c.result;
            c.result = NULL;
        }
    }
    free(c.request);
    json_decref(c.result);
    return rc;
}

enum cl_err lg_idem_store(const struct cl_ledger_ctx *cx, const char *key, const char *action, const char *request,
                          const json_t *result, struct cl_error *err)
{
    char *text = cl_json_canonical(result);
    if (!text) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    char at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    struct cl_val p[] = {CL_VTEXT(key), CL_VTEXT(action), CL_VTEXT(request), CL_VTEXT(text), CL_VTEXT(at)};
    enum cl_err rc = cl_store_exec(cx->st,
                                   "INSERT INTO ledger_idempotency (key, action, request, result, created_at)"
                                   " VALUES (?, ?, ?, ?, ?)",
                                   p, 5, NULL, err);
    free(text);
    return rc;
}
