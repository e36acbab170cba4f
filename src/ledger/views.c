/* Reading the ledger: JSON views of parties, authorizations, pools, orders and shipments, the event history,
 * and the check that recomputes every invariant from the stored rows. */
#include "ledger_int.h"

/* ---- small row helpers -------------------------------------------------------------------------------------- */

static json_t *col_str(const struct cl_row *row, size_t col)
{
    if (cl_row_is_null(row, col)) return json_null();
    size_t n = 0;
    const char *t = cl_row_text(row, col, &n);
    return json_stringn(t, n);
}

static json_t *col_int(const struct cl_row *row, size_t col)
{
    return cl_row_is_null(row, col) ? json_null() : json_integer(cl_row_int(row, col));
}

/* A view: SQL whose columns are named by `names`; each row becomes an object ("#" prefix: integer column). */
struct objs {
    const char *const *names;
    json_t *arr;
};

static enum cl_err objs_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct objs *o = ctx;
    json_t *obj = json_object();
    for (size_t i = 0; o->names[i]; i++) {
        const char *n = o->names[i];
        bool is_int = n[0] == '#';
        json_object_set_new(obj, is_int ? n + 1 : n, is_int ? col_int(row, i) : col_str(row, i));
    }
    if (json_array_append_new(o->arr, obj)) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    return CL_OK;
}

static enum cl_err rows(struct cl_store *st, const char *sql, const struct cl_val *p, size_t n,
                        const char *const *names, json_t **out, struct cl_error *err)
{
    struct objs o = {names, json_array()};
    enum cl_err rc = cl_store_query(st, sql, p, n, objs_row, &o, err);
    if (rc) {
        json_decref(o.arr);
        return rc;
    }
    *out = o.arr;
    return CL_OK;
}

/* A list of the first column's text. */
static enum cl_err strs_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    json_array_append_new(ctx, col_str(row, 0));
    return CL_OK;
}

static enum cl_err strs(struct cl_store *st, const char *sql, int64_t id, json_t **out, struct cl_error *err)
{
    *out = json_array();
    struct cl_val p[] = {CL_VINT(id)};
    return cl_store_query(st, sql, p, 1, strs_row, *out, err);
}

static enum cl_err one(struct cl_store *st, const char *sql, const struct cl_val *p, size_t n,
                       const char *const *names, const char *what, const char *key, json_t **out, struct cl_error *err)
{
    json_t *arr = NULL;
    enum cl_err rc = rows(st, sql, p, n, names, &arr, err);
    if (rc) return rc;
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return cl_error_set(err, CL_ERR_NOT_FOUND, "no %s \"%s\"", what, key ? key : "");
    }
    *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return CL_OK;
}

/* ---- objects ------------------------------------------------------------------------------------------------ */

static enum cl_err party_json(struct cl_store *st, int64_t id, json_t **out, struct cl_error *err)
{
    static const char *const names[] = {"#id", "name", "roles", "country", "headquarters", "aliases",
                                        "decision", "screened_at", "list_version", "summary", "recorded_by", NULL};
    struct cl_val p[] = {CL_VINT(id)};
    json_t *o = NULL;
    enum cl_err rc = one(st,
                         "SELECT id, name, roles, country, headquarters, aliases, screening_decision, screening_at,"
                         " screening_list_version, screening_summary, screening_recorded_by FROM ledger_parties WHERE id = ?",
                         p, 1, names, "party", "", &o, err);
    if (rc) return rc;
    json_t *roles = json_array();
    const char *r = json_string_value(json_object_get(o, "roles"));
    while (r && *r) {
        size_t n = strcspn(r, ",");
        json_array_append_new(roles, json_stringn(r, n));
        r += n + (r[n] == ',');
    }
    json_object_set_new(o, "roles", roles);
    json_error_t je;
    const char *al = json_string_value(json_object_get(o, "aliases"));
    json_object_set_new(o, "aliases", al ? json_loads(al, 0, &je) : json_array());
    json_t *screening = json_object();
    static const char *const sk[] = {"decision", "screened_at", "list_version", "summary", "recorded_by"};
    for (size_t i = 0; i < 5; i++) {
        json_object_set(screening, sk[i], json_object_get(o, sk[i]));
        json_object_del(o, sk[i]);
    }
    json_object_set_new(o, "screening", json_is_null(json_object_get(screening, "decision")) ? json_null() : screening);
    if (json_is_null(json_object_get(o, "screening"))) json_decref(screening);
    json_t *vet = NULL;
    static const char *const vn[] = {"jurisdiction", "state", "updated_at", "updated_by", NULL};
    rc = rows(st, "SELECT jurisdiction, state, updated_at, updated_by FROM ledger_party_vetting WHERE party_id = ?"
                  " ORDER BY jurisdiction", p, 1, vn, &vet, err);
    if (!rc) json_object_set_new(o, "vetting", vet);
    json_object_del(o, "id");
    if (rc) json_decref(o);
    else *out = o;
    return rc;
}

static enum cl_err auth_json(struct cl_store *st, int64_t id, json_t **out, struct cl_error *err)
{
    static const char *const names[] = {"#id", "ref", "jurisdiction", "kind", "authority", "holder", "destination",
                                        "state", "#quantity_cap", "#quantity_reserved", "#quantity_consumed",
                                        "#value_cap_cents", "#value_tolerance_ppm", "#value_limit_cents",
                                        "#value_reserved_cents", "#value_consumed_cents", "valid_from", "valid_to",
                                        "created_at", "created_by", NULL};
    struct cl_val p[] = {CL_VINT(id)};
    json_t *o = NULL, *x = NULL;
    enum cl_err rc = one(st,
                         "SELECT a.id, a.ref, a.jurisdiction, a.kind, a.authority, h.name, a.destination, a.state,"
                         " a.quantity_cap, a.quantity_reserved, a.quantity_consumed, a.value_cap_cents,"
                         " a.value_tolerance_ppm, a.value_limit_cents, a.value_reserved_cents, a.value_consumed_cents,"
                         " a.valid_from, a.valid_to, a.created_at, a.created_by FROM ledger_auths a"
                         " JOIN ledger_parties h ON h.id = a.holder_id WHERE a.id = ?",
                         p, 1, names, "authorization", "", &o, err);
    if (rc) return rc;
    json_t *cap = json_object_get(o, "quantity_cap");
    if (json_is_integer(cap))
        json_object_set_new(o, "quantity_available",
                            json_integer(json_integer_value(cap) -
                                         json_integer_value(json_object_get(o, "quantity_reserved")) -
                                         json_integer_value(json_object_get(o, "quantity_consumed"))));
    if (!(rc = strs(st, "SELECT product FROM ledger_auth_products WHERE auth_id = ? ORDER BY product", id, &x, err)))
        json_object_set_new(o, "products", x);
    if (!rc && !(rc = strs(st, "SELECT p.name FROM ledger_auth_parties ap JOIN ledger_parties p ON p.id = ap.party_id"
                               " WHERE ap.auth_id = ? ORDER BY p.name", id, &x, err)))
        json_object_set_new(o, "parties", x);
    if (!rc && !(rc = strs(st, "SELECT p.name FROM ledger_pool_members m JOIN ledger_pools p ON p.id = m.pool_id"
                               " WHERE m.auth_id = ? ORDER BY p.name", id, &x, err)))
        json_object_set_new(o, "pools", x);
    static const char *const cn[] = {"id", "state", "text", "set_by", "#final", "rule", "citation", "evidence",
                                     "verified_by", "updated_at", NULL};
    if (!rc && !(rc = rows(st, "SELECT condition_id, state, text, set_by, final, rule_id, citation, evidence,"
                               " verified_by, updated_at FROM ledger_conditions WHERE auth_id = ? ORDER BY id",
                           p, 1, cn, &x, err)))
        json_object_set_new(o, "conditions", x);
    static const char *const tn[] = {"from", "to", "actor", "at", "date", "reason", NULL};
    if (!rc && !(rc = rows(st, "SELECT from_state, to_state, actor, at, on_date, reason FROM ledger_auth_transitions"
                               " WHERE auth_id = ? ORDER BY id", p, 1, tn, &x, err)))
        json_object_set_new(o, "transitions", x);
    json_object_del(o, "id");
    if (rc) json_decref(o);
    else *out = o;
    return rc;
}

static enum cl_err pool_json(struct cl_store *st, int64_t id, json_t **out, struct cl_error *err)
{
    static const char *const names[] = {"#id", "name", "product", "#follows", "#cap_quantity", "counter",
                                        "#counter_value", "#ratio_ppm", "valid_from", "valid_to", "description",
                                        "#quantity_reserved", "#quantity_consumed", NULL};
    struct cl_val p[] = {CL_VINT(id)};
    json_t *o = NULL, *x = NULL;
    enum cl_err rc = one(st,
                         "SELECT p.id, p.name, p.product, p.follows, p.cap_quantity, c.name, c.value, p.ratio_ppm,"
                         " p.valid_from, p.valid_to, p.description, p.quantity_reserved, p.quantity_consumed"
                         " FROM ledger_pools p LEFT JOIN ledger_counters c ON c.id = p.counter_id WHERE p.id = ?",
                         p, 1, names, "pool", "", &o, err);
    if (rc) return rc;
    bool follows = json_integer_value(json_object_get(o, "follows")) != 0;
    int64_t cap = lg_pool_cap(follows, json_integer_value(json_object_get(o, "cap_quantity")),
                              json_integer_value(json_object_get(o, "counter_value")),
                              json_integer_value(json_object_get(o, "ratio_ppm")));
    int64_t used = json_integer_value(json_object_get(o, "quantity_reserved")) +
                   json_integer_value(json_object_get(o, "quantity_consumed"));
    json_object_set_new(o, "follows", json_boolean(follows));
    json_object_set_new(o, "cap", json_integer(cap));
    json_object_set_new(o, "quantity_available", json_integer(cap - used));
    if (!follows) {
        json_object_del(o, "counter");
        json_object_del(o, "counter_value");
        json_object_del(o, "ratio_ppm");
    }
    if (!(rc = strs(st, "SELECT a.ref FROM ledger_pool_members m JOIN ledger_auths a ON a.id = m.auth_id"
                        " WHERE m.pool_id = ? ORDER BY a.id", id, &x, err)))
        json_object_set_new(o, "members", x);
    json_object_del(o, "id");
    if (rc) json_decref(o);
    else *out = o;
    return rc;
}

enum cl_err lg_order_json(struct cl_store *st, int64_t id, json_t **out, struct cl_error *err)
{
    static const char *const names[] = {"#id", "ref", "state", "exporter", "buyer", "product", "destination",
                                        "end_use", "#quantity", "#value_cents", "order_date", "expires_on",
                                        "#quantity_shipped", "#value_shipped_cents", NULL};
    struct cl_val p[] = {CL_VINT(id)};
    json_t *o = NULL, *x = NULL;
    enum cl_err rc = one(st,
                         "SELECT o.id, o.ref, o.state, e.name, b.name, o.product, o.destination, o.end_use, o.quantity,"
                         " o.value_cents, o.order_date, o.expires_on, o.quantity_shipped, o.value_shipped_cents"
                         " FROM ledger_orders o JOIN ledger_parties e ON e.id = o.exporter_id"
                         " JOIN ledger_parties b ON b.id = o.buyer_id WHERE o.id = ?",
                         p, 1, names, "order", "", &o, err);
    if (rc) return rc;
    static const char *const rn[] = {"authorization", "pool", "#quantity", "#quantity_posted", "#value_cents", "state",
                                     NULL};
    rc = rows(st,
              "SELECT a.ref, p.name, r.quantity, r.quantity_posted, r.value_cents, r.state FROM ledger_reservations r"
              " LEFT JOIN ledger_auths a ON a.id = r.auth_id LEFT JOIN ledger_pools p ON p.id = r.pool_id"
              " WHERE r.order_id = ? ORDER BY r.id",
              p, 1, rn, &x, err);
    if (!rc) {
        size_t i;
        json_t *e;
        json_array_foreach(x, i, e)
        {
            json_object_del(e, json_is_null(json_object_get(e, "pool")) ? "pool" : "authorization");
            if (json_object_get(e, "pool")) json_object_del(e, "value_cents");
        }
        json_object_set_new(o, "reservations", x);
    }
    json_object_del(o, "id");
    if (rc) json_decref(o);
    else *out = o;
    return rc;
}

enum cl_err lg_shipment_json(struct cl_store *st, int64_t id, json_t **out, struct cl_error *err)
{
    static const char *const names[] = {"#id", "ref", "order", "exporter", "buyer", "product", "#quantity",
                                        "#value_cents", "date", "rules_digest", "created_by", NULL};
    struct cl_val p[] = {CL_VINT(id)};
    json_t *o = NULL, *x = NULL;
    enum cl_err rc = one(st,
                         "SELECT s.id, s.ref, o.ref, e.name, b.name, o.product, s.quantity, s.value_cents, s.ship_date,"
                         " s.rules_digest, s.created_by FROM ledger_shipments s JOIN ledger_orders o ON o.id = s.order_id"
                         " JOIN ledger_parties b ON b.id = o.buyer_id JOIN ledger_parties e ON e.id = o.exporter_id"
                         " WHERE s.id = ?",
                         p, 1, names, "shipment", "", &o, err);
    if (rc) return rc;
    static const char *const fn[] = {"charge", "kind", "jurisdiction", "rule", "citation", "collector", "#rate_ppm",
                                     "#base_cents", "#amount_cents", "payer", NULL};
    rc = rows(st,
              "SELECT f.charge_id, f.kind, f.jurisdiction, f.rule_id, f.citation, f.collector, f.rate_ppm, f.base_cents,"
              " f.amount_cents, p.name FROM ledger_fees f JOIN ledger_parties p ON p.id = f.payer_id"
              " WHERE f.shipment_id = ? ORDER BY f.id",
              p, 1, fn, &x, err);
    if (!rc) json_object_set_new(o, "fees", x);
    json_object_del(o, "id");
    if (rc) json_decref(o);
    else *out = o;
    return rc;
}

/* ---- show and list ------------------------------------------------------------------------------------------ */

typedef enum cl_err (*object_fn)(struct cl_store *st, int64_t id, json_t **out, struct cl_error *err);

struct kind_desc {
    const char *kind, *what, *find_sql, *list_sql, *list_filtered_sql;
    object_fn fn;
};

static const struct kind_desc kinds[] = {
    {"party", "party", "SELECT id FROM ledger_parties WHERE name = ?", "SELECT id FROM ledger_parties ORDER BY name",
     "SELECT id FROM ledger_parties WHERE roles LIKE '%' || ? || '%' ORDER BY name", party_json},
    {"auth", "authorization", "SELECT id FROM ledger_auths WHERE ref = ?", "SELECT id FROM ledger_auths ORDER BY id",
     "SELECT a.id FROM ledger_auths a JOIN ledger_parties h ON h.id = a.holder_id WHERE a.state = ? OR h.name = ?"
     " OR a.jurisdiction = ? OR EXISTS (SELECT 1 FROM ledger_auth_parties x JOIN ledger_parties y ON y.id = x.party_id"
     " WHERE x.auth_id = a.id AND y.name = ?) ORDER BY a.id",
     auth_json},
    {"pool", "pool", "SELECT id FROM ledger_pools WHERE name = ?", "SELECT id FROM ledger_pools ORDER BY name",
     "SELECT id FROM ledger_pools WHERE product = ? ORDER BY name", pool_json},
    {"order", "order", "SELECT id FROM ledger_orders WHERE ref = ?", "SELECT id FROM ledger_orders ORDER BY id",
     "SELECT o.id FROM ledger_orders o JOIN ledger_parties e ON e.id = o.exporter_id JOIN ledger_parties b"
     " ON b.id = o.buyer_id WHERE o.state = ? OR e.name = ? OR b.name = ? ORDER BY o.id",
     lg_order_json},
    {"shipment", "shipment", "SELECT id FROM ledger_shipments WHERE ref = ?",
     "SELECT id FROM ledger_shipments ORDER BY id",
     "SELECT s.id FROM ledger_shipments s JOIN ledger_orders o ON o.id = s.order_id WHERE o.ref = ? ORDER BY s.id",
     lg_shipment_json},
};

static const struct kind_desc *find_kind(const char *kind, struct cl_error *err)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (kind && !strcmp(kinds[i].kind, kind)) return &kinds[i];
    cl_error_set(err, CL_ERR_USAGE, "unknown kind \"%s\" (party, auth, pool, order, shipment)", kind ? kind : "");
    return NULL;
}

enum cl_err cl_ledger_show(struct cl_store *st, const char *kind, const char *key, json_t **out, struct cl_error *err)
{
    const struct kind_desc *k = find_kind(kind, err);
    if (!k) return CL_ERR_USAGE;
    int64_t id = 0;
    bool found = false;
    enum cl_err rc;
    if (!strcmp(kind, "party")) {
        rc = lg_party_id(st, key, "party", &id, err);
        found = !rc;
        if (rc) return rc;
    } else {
        struct cl_val p[] = {CL_VTEXT(key)};
        rc = cl_store_query_int(st, k->find_sql, p, 1, &id, &found, err);
        if (rc) return rc;
    }
    if (!found) return cl_error_set(err, CL_ERR_NOT_FOUND, "no %s \"%s\" (see 'clearance %s list')", k->what, key, kind);
    return k->fn(st, id, out, err);
}

struct ids {
    int64_t *v;
    size_t n, cap;
};
static enum cl_err ids_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct ids *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int64_t *v = realloc(s->v, cap * sizeof(*v));
        if (!v) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = cl_row_int(row, 0);
    return CL_OK;
}

enum cl_err cl_ledger_list(struct cl_store *st, const char *kind, const char *filter, json_t **out,
                           struct cl_error *err)
{
    const struct kind_desc *k = find_kind(kind, err);
    if (!k) return CL_ERR_USAGE;
    struct ids ids = {0};
    struct cl_val p[] = {CL_VTEXT(filter), CL_VTEXT(filter), CL_VTEXT(filter), CL_VTEXT(filter)};
    size_t np = 0;
    if (filter) {
        for (const char *c = k->list_filtered_sql; *c; c++) np += *c == '?';
    }
    enum cl_err rc = cl_store_query(st, filter ? k->list_filtered_sql : k->list_sql, p, np, ids_row, &ids, err);
    json_t *arr = json_array();
    for (size_t i = 0; !rc && i < ids.n; i++) {
        json_t *o = NULL;
        rc = k->fn(st, ids.v[i], &o, err);
        if (!rc) json_array_append_new(arr, o);
    }
    free(ids.v);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return CL_OK;
}

/* ---- history ------------------------------------------------------------------------------------------------ */

static enum cl_err event_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    size_t n = 0;
    const char *t = cl_row_text(row, 1, &n);
    json_error_t je;
    json_t *rec = json_loadb(t, n, 0, &je);
    if (!rec) return cl_error_set(err, CL_ERR_INTERNAL, "event %lld: stored record unreadable", (long long)cl_row_int(row, 0));
    json_array_append_new(ctx, json_pack("{s:I, s:o}", "id", (json_int_t)cl_row_int(row, 0), "record", rec));
    return CL_OK;
}

enum cl_err cl_ledger_events(struct cl_store *st, int64_t after_id, int64_t limit, json_t **out, struct cl_error *err)
{
    *out = json_array();
    struct cl_val p[] = {CL_VINT(after_id), CL_VINT(limit > 0 ? limit : INT64_MAX)};
    enum cl_err rc = cl_store_query(st, "SELECT id, record FROM ledger_events WHERE id > ? ORDER BY id LIMIT ?", p, 2,
                                    event_row, *out, err);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- invariants --------------------------------------------------------------------------------------------- */

struct breach {
    char what[256];
    int64_t count;
};
static enum cl_err breach_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct breach *b = ctx;
    if (!b->count) lg_row_copy(row, 0, b->what, sizeof(b->what));
    b->count++;
    return CL_OK;
}

struct pool_check {
    struct breach *b;
};
static enum cl_err pool_check_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct breach *b = ctx;
    int64_t cap = lg_pool_cap(cl_row_int(row, 1) != 0, cl_row_int(row, 2), cl_row_int(row, 3), cl_row_int(row, 4));
    if (cl_row_int(row, 5) + cl_row_int(row, 6) > cap && !b->count++)
        snprintf(b->what, sizeof(b->what), "pool %s: %lld reserved + %lld shipped exceed its cap of %lld",
                 cl_row_text(row, 0, NULL), (long long)cl_row_int(row, 5), (long long)cl_row_int(row, 6),
                 (long long)cap);
    return CL_OK;
}

static enum cl_err fee_check_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct breach *b = ctx;
    int64_t rate = cl_row_int(row, 1), base = cl_row_int(row, 2), amount = cl_row_int(row, 3);
    if ((rate < 0 || rate > CL_RATE_PPM_ONE || cl_money_apply_rate(base, (int32_t)rate) != amount ||
         base != cl_row_int(row, 4)) &&
        !b->count++)
        snprintf(b->what, sizeof(b->what), "fee %lld: %lld cents is not %lld ppm of the shipment's %lld cents",
                 (long long)cl_row_int(row, 0), (long long)amount, (long long)rate, (long long)cl_row_int(row, 4));
    return CL_OK;
}

enum cl_err cl_ledger_check(struct cl_store *st, json_t **out, struct cl_error *err)
{
    static const struct {
        const char *sql;
    } checks[] = {
        {"SELECT 'authorization ' || ref || ': reserved + consumed exceed its cap' FROM ledger_auths WHERE"
         " (quantity_cap IS NOT NULL AND quantity_reserved + quantity_consumed > quantity_cap) OR (value_limit_cents"
         " IS NOT NULL AND value_reserved_cents + value_consumed_cents > value_limit_cents)"},
        {"SELECT 'authorization ' || a.ref || ': reserved totals differ from its open reservations' FROM ledger_auths a"
         " WHERE a.quantity_reserved <> COALESCE((SELECT SUM(r.quantity - r.quantity_posted) FROM ledger_reservations r"
         " WHERE r.auth_id = a.id AND r.state = 'held'), 0) OR a.value_reserved_cents <> COALESCE((SELECT"
         " SUM(r.value_cents - r.value_posted_cents) FROM ledger_reservations r WHERE r.auth_id = a.id AND"
         " r.state = 'held'), 0)"},
        {"SELECT 'authorization ' || a.ref || ': consumed totals differ from what was posted' FROM ledger_auths a"
         " WHERE a.quantity_consumed <> COALESCE((SELECT SUM(r.quantity_posted) FROM ledger_reservations r"
         " WHERE r.auth_id = a.id), 0) OR a.value_consumed_cents <> COALESCE((SELECT SUM(r.value_posted_cents)"
         " FROM ledger_reservations r WHERE r.auth_id = a.id), 0)"},
        {"SELECT 'pool ' || p.name || ': totals differ from its reservations' FROM ledger_pools p WHERE"
         " p.quantity_reserved <> COALESCE((SELECT SUM(r.quantity - r.quantity_posted) FROM ledger_reservations r"
         " WHERE r.pool_id = p.id AND r.state = 'held'), 0) OR p.quantity_consumed <> COALESCE((SELECT"
         " SUM(r.quantity_posted) FROM ledger_reservations r WHERE r.pool_id = p.id), 0)"},
        {"SELECT 'order ' || o.ref || ': shipped totals differ from its shipments' FROM ledger_orders o WHERE"
         " o.quantity_shipped <> COALESCE((SELECT SUM(s.quantity) FROM ledger_shipments s WHERE s.order_id = o.id), 0)"
         " OR o.value_shipped_cents <> COALESCE((SELECT SUM(s.value_cents) FROM ledger_shipments s"
         " WHERE s.order_id = o.id), 0) OR o.quantity_shipped > o.quantity"},
        {"SELECT 'order ' || o.ref || ': a reservation posted other than what shipped' FROM ledger_orders o"
         " JOIN ledger_reservations r ON r.order_id = o.id WHERE r.quantity_posted <> o.quantity_shipped"
         " OR r.quantity <> o.quantity"},
        {"SELECT 'order ' || o.ref || ': open but holds no capacity, or closed and still holds some' FROM ledger_orders o"
         " WHERE (o.state IN ('open', 'partially_shipped') AND EXISTS (SELECT 1 FROM ledger_reservations r"
         " WHERE r.order_id = o.id AND r.state <> 'held')) OR (o.state NOT IN ('open', 'partially_shipped')"
         " AND EXISTS (SELECT 1 FROM ledger_reservations r WHERE r.order_id = o.id AND r.state = 'held'))"},
    };
    struct breach b = {{0}, 0};
    enum cl_err rc = CL_OK;
    for (size_t i = 0; !rc && !b.count && i < sizeof(checks) / sizeof(checks[0]); i++)
        rc = cl_store_query(st, checks[i].sql, NULL, 0, breach_row, &b, err);
    if (!rc && !b.count)
        rc = cl_store_query(st,
                            "SELECT p.name, p.follows, p.cap_quantity, c.value, p.ratio_ppm, p.quantity_reserved,"
                            " p.quantity_consumed FROM ledger_pools p LEFT JOIN ledger_counters c ON c.id = p.counter_id",
                            NULL, 0, pool_check_row, &b, err);
    if (!rc && !b.count)
        rc = cl_store_query(st,
                            "SELECT f.id, f.rate_ppm, f.base_cents, f.amount_cents, s.value_cents FROM ledger_fees f"
                            " JOIN ledger_shipments s ON s.id = f.shipment_id",
                            NULL, 0, fee_check_row, &b, err);
    if (rc) return rc;
    if (b.count) return cl_error_set(err, CL_ERR_INTERNAL, "ledger invariant broken: %s (%lld breach%s)", b.what,
                                     (long long)b.count, b.count == 1 ? "" : "es");
    static const char *const tables[] = {"ledger_auths", "ledger_pools", "ledger_orders", "ledger_shipments",
                                         "ledger_fees", "ledger_events"};
    static const char *const keys[] = {"authorizations", "pools", "orders", "shipments", "fees", "events"};
    *out = json_pack("{s:b}", "ok", 1);
    for (size_t i = 0; !rc && i < 6; i++) {
        char sql[96];
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i]);
        int64_t n = 0;
        rc = cl_store_query_int(st, sql, NULL, 0, &n, NULL, err);
        json_object_set_new(*out, keys[i], json_integer(n));
    }
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}
