/* Authorizations of either jurisdiction: applications, the state machine of decisions, suspensions and
 * revocations (each move recorded with who, when and why), and the conditions attached to them. */
#include "ledger_int.h"

static const char *const state_ids[] = {
#define ID(name, id) id,
    CL_LEDGER_AUTH_STATE_MAP(ID)
#undef ID
};

const char *cl_ledger_auth_state_id(enum cl_ledger_auth_state s)
{
    return (unsigned)s < CL_AUTH__COUNT ? state_ids[s] : "unknown";
}

bool cl_ledger_auth_state_parse(const char *id, enum cl_ledger_auth_state *out)
{
    for (int i = 0; id && i < CL_AUTH__COUNT; i++)
        if (strcmp(state_ids[i], id) == 0) {
            *out = (enum cl_ledger_auth_state)i;
            return true;
        }
    return false;
}

/* The legal transitions: legal[from] is the set of states one may move to, as a bit mask. Denied, revoked and
 * expired are final. docs/internals/ledger.md has the same table. */
#define B(s) (1u << CL_AUTH_##s)
static const unsigned legal[CL_AUTH__COUNT] = {
    [CL_AUTH_DRAFT] = B(SUBMITTED),
    [CL_AUTH_SUBMITTED] = B(UNDER_REVIEW) | B(APPROVED) | B(APPROVED_WITH_CONDITIONS) | B(DENIED) | B(RETURNED),
    [CL_AUTH_UNDER_REVIEW] = B(APPROVED) | B(APPROVED_WITH_CONDITIONS) | B(DENIED) | B(RETURNED),
    [CL_AUTH_RETURNED] = B(SUBMITTED),
    [CL_AUTH_APPROVED] = B(SUSPENDED) | B(REVOKED) | B(EXPIRED),
    [CL_AUTH_APPROVED_WITH_CONDITIONS] = B(SUSPENDED) | B(REVOKED) | B(EXPIRED),
    [CL_AUTH_SUSPENDED] = B(REINSTATED) | B(REVOKED) | B(EXPIRED),
    [CL_AUTH_REINSTATED] = B(SUSPENDED) | B(REVOKED) | B(EXPIRED),
    [CL_AUTH_DENIED] = 0,
    [CL_AUTH_REVOKED] = 0,
    [CL_AUTH_EXPIRED] = 0,
};
#undef B
_Static_assert(CL_AUTH__COUNT <= 32, "transition masks are 32 bits");

bool cl_ledger_auth_transition_allowed(enum cl_ledger_auth_state from, enum cl_ledger_auth_state to)
{
    CL_ASSERT((unsigned)from < CL_AUTH__COUNT);
    if ((unsigned)to >= CL_AUTH__COUNT) return false;
    return (legal[from] >> to) & 1u;
}

bool cl_ledger_auth_state_usable(enum cl_ledger_auth_state s)
{
    return s == CL_AUTH_APPROVED || s == CL_AUTH_APPROVED_WITH_CONDITIONS || s == CL_AUTH_REINSTATED;
}

static enum cl_err record_transition(const struct cl_ledger_ctx *cx, int64_t id, const char *from, const char *to,
                                     struct cl_error *err)
{
    char at[CL_TIME_TEXT_BYTES], date[CL_DATE_TEXT_BYTES];
    lg_time_text(cx->at, at);
    cl_date_format(cx->date, date);
    struct cl_val v[] = {CL_VINT(id), CL_VTEXT(from), CL_VTEXT(to), CL_VTEXT(cx->actor), CL_VTEXT(at), CL_VTEXT(date),
                         CL_VTEXT(cx->reason)};
    return cl_store_exec(cx->st,
                         "INSERT INTO ledger_auth_transitions (auth_id, from_state, to_state, actor, at, on_date, reason)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)",
                         v, 7, NULL, err);
}

static enum cl_err insert_condition(const struct cl_ledger_ctx *cx, int64_t auth_id,
                                    const struct cl_ledger_req_condition *c, bool *out_added, struct cl_error *err)
{
    if (!c->id || !*c->id || strlen(c->id) >= CL_LIMIT_ID_BYTES)
        return cl_error_set(err, CL_ERR_INPUT, "condition id: empty or too long");
    if (!c->text || !*c->text) return cl_error_set(err, CL_ERR_INPUT, "condition %s: no text", c->id);
    char at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    int64_t changes = 0;
    struct cl_val v[] = {CL_VINT(auth_id), CL_VTEXT(c->id),      CL_VTEXT(c->text), CL_VTEXT(c->set_by),
                         CL_VINT(c->final), CL_VTEXT(c->rule_id), CL_VTEXT(c->citation), CL_VTEXT(at)};
    enum cl_err rc = cl_store_exec(cx->st,
                                   "INSERT INTO ledger_conditions (auth_id, condition_id, text, set_by, final, rule_id,"
                                   " citation, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)"
                                   " ON CONFLICT (auth_id, condition_id) DO NOTHING",
                                   v, 8, &changes, err);
    if (out_added) *out_added = changes > 0;
    return rc;
}

enum cl_err cl_ledger_auth_create(const struct cl_ledger_ctx *cx, const struct cl_ledger_auth_spec *s, char *out_ref,
                                  struct cl_error *err)
{
    if (!s->jurisdiction || !*s->jurisdiction || strlen(s->jurisdiction) > 7)
        return cl_error_set(err, CL_ERR_INPUT, "jurisdiction: expected a code such as US or CN");
    if (!s->kind || !*s->kind) return cl_error_set(err, CL_ERR_INPUT, "kind: required");
    if (!s->authority || !*s->authority) return cl_error_set(err, CL_ERR_INPUT, "authority: required");
    if (s->n_products == 0 || s->n_products > CL_LEDGER_AUTH_PRODUCTS_MAX)
        return cl_error_set(err, CL_ERR_INPUT, "products: between 1 and %d are needed", CL_LEDGER_AUTH_PRODUCTS_MAX);
    if (s->n_parties > CL_LEDGER_AUTH_PARTIES_MAX)
        return cl_error_set(err, CL_ERR_LIMIT, "parties: more than %d", CL_LEDGER_AUTH_PARTIES_MAX);
    if (s->has_quantity_cap && (s->quantity_cap < 0 || s->quantity_cap > CL_LEDGER_QUANTITY_MAX))
        return cl_error_set(err, CL_ERR_INPUT, "quantity cap: out of range");
    if (s->has_value_cap && s->value_cap_cents < 0) return cl_error_set(err, CL_ERR_INPUT, "value cap: negative");
    if (s->value_tolerance_ppm < 0 || s->value_tolerance_ppm > CL_RATE_PPM_ONE)
        return cl_error_set(err, CL_ERR_INPUT, "value tolerance: between 0 and 100%%");
    if (s->valid_from != CL_DATE_NONE && s->valid_to != CL_DATE_NONE && s->valid_to < s->valid_from)
        return cl_error_set(err, CL_ERR_INPUT, "validity: ends before it starts");
    int64_t holder = 0, ids[CL_LEDGER_AUTH_PARTIES_MAX];
    enum cl_err rc = lg_party_id(cx->st, s->holder, "holder", &holder, err);
    for (size_t i = 0; !rc && i < s->n_parties; i++) rc = lg_party_id(cx->st, s->parties[i], "party", &ids[i], err);
    if (rc) return rc;
    char ref[CL_LEDGER_REF_BYTES], prefix[16];
    snprintf(prefix, sizeof(prefix), "%s-", s->jurisdiction);
    rc = lg_ref(cx->st, "ledger_auths", s->ref, prefix, ref, err);
    if (rc) return rc;
    /* The tolerance widens the value cap, rounded down so the limit is never above what it allows. */
    int64_t limit = 0;
    if (s->has_value_cap) {
        __extension__ typedef __int128 i128;
        limit = s->value_cap_cents + (int64_t)((i128)s->value_cap_cents * s->value_tolerance_ppm / CL_RATE_PPM_ONE);
    }
    const char *state = s->draft ? "draft" : "submitted";
    char at[CL_TIME_TEXT_BYTES], vf[CL_DATE_TEXT_BYTES], vt[CL_DATE_TEXT_BYTES];
    lg_time_text(cx->at, at);
    int64_t id = 0;
    struct cl_val v[] = {CL_VTEXT(ref),
                         CL_VTEXT(s->jurisdiction),
                         CL_VTEXT(s->kind),
                         CL_VTEXT(s->authority),
                         CL_VINT(holder),
                         CL_VTEXT(s->destination),
                         CL_VTEXT(state),
                         s->has_quantity_cap ? CL_VINT(s->quantity_cap) : CL_VNULL,
                         s->has_value_cap ? CL_VINT(s->value_cap_cents) : CL_VNULL,
                         CL_VINT(s->value_tolerance_ppm),
                         s->has_value_cap ? CL_VINT(limit) : CL_VNULL,
                         lg_vdate(s->valid_from, vf),
                         lg_vdate(s->valid_to, vt),
                         CL_VTEXT(at),
                         CL_VTEXT(cx->actor),
                         CL_VTEXT(at)};
    rc = cl_store_query_int(cx->st,
                            "INSERT INTO ledger_auths (ref, jurisdiction, kind, authority, holder_id, destination, state,"
                            " quantity_cap, value_cap_cents, value_tolerance_ppm, value_limit_cents, valid_from, valid_to,"
                            " created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                            " RETURNING id",
                            v, 16, &id, NULL, err);
    json_t *products = json_array(), *parties = json_array(), *conds = json_array();
    for (size_t i = 0; !rc && i < s->n_products; i++) {
        if (!s->products[i] || !*s->products[i]) {
            rc = cl_error_set(err, CL_ERR_INPUT, "products[%zu]: empty", i);
            break;
        }
        struct cl_val p[] = {CL_VINT(id), CL_VTEXT(s->products[i])};
        rc = cl_store_exec(cx->st, "INSERT INTO ledger_auth_products (auth_id, product) VALUES (?, ?)"
                                   " ON CONFLICT (auth_id, product) DO NOTHING", p, 2, NULL, err);
        json_array_append_new(products, json_string(s->products[i]));
    }
    for (size_t i = 0; !rc && i < s->n_parties; i++) {
        struct cl_val p[] = {CL_VINT(id), CL_VINT(ids[i])};
        rc = cl_store_exec(cx->st, "INSERT INTO ledger_auth_parties (auth_id, party_id) VALUES (?, ?)"
                                   " ON CONFLICT (auth_id, party_id) DO NOTHING", p, 2, NULL, err);
        json_array_append_new(parties, json_string(s->parties[i]));
    }
    for (size_t i = 0; !rc && i < s->n_conditions; i++) {
        rc = insert_condition(cx, id, &s->conditions[i], NULL, err);
        json_array_append_new(conds, json_string(s->conditions[i].id));
    }
    if (!rc) rc = record_transition(cx, id, NULL, state, err);
    if (rc) {
        json_decref(products);
        json_decref(parties);
        json_decref(conds);
        return rc;
    }
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "jurisdiction", s->jurisdiction, "kind",
                             s->kind, "authority", s->authority, "holder", s->holder, "state", state, "products",
                             products, "parties", parties, "conditions", conds);
    if (s->destination) json_object_set_new(data, "destination", json_string(s->destination));
    if (s->valid_from != CL_DATE_NONE) json_object_set_new(data, "valid_from", json_string(vf));
    if (s->valid_to != CL_DATE_NONE) json_object_set_new(data, "valid_to", json_string(vt));
    if (s->has_quantity_cap) json_object_set_new(data, "quantity_cap", json_integer(s->quantity_cap));
    json_t *commercial = NULL;
    if (s->has_value_cap)
        commercial = json_pack("{s:I, s:I, s:I}", "value_cap_cents", (json_int_t)s->value_cap_cents,
                               "value_tolerance_ppm", (json_int_t)s->value_tolerance_ppm, "value_limit_cents",
                               (json_int_t)limit);
    rc = lg_event(cx, "auth.apply", "authorization", ref, data, commercial, err);
    if (!rc && out_ref) snprintf(out_ref, CL_LEDGER_REF_BYTES, "%s", ref);
    return rc;
}

/* Lists the states one may move to from `from`, for messages. */
static void legal_moves(enum cl_ledger_auth_state from, char *out, size_t cap)
{
    out[0] = '\0';
    size_t used = 0;
    for (int s = 0; s < CL_AUTH__COUNT; s++) {
        if (!cl_ledger_auth_transition_allowed(from, (enum cl_ledger_auth_state)s)) continue;
        int n = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", state_ids[s]);
        if (n < 0 || (size_t)n >= cap - used) break;
        used += (size_t)n;
    }
    if (!used) snprintf(out, cap, "none: %s is final", state_ids[from]);
}

#define VOID_ROUND 128

struct order_ids {
    int64_t ids[VOID_ROUND];
    char refs[VOID_ROUND][CL_LEDGER_REF_BYTES];
    size_t n;
};

static enum cl_err order_id_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct order_ids *o = ctx;
    if (o->n == VOID_ROUND) return CL_OK; /* the next round takes the rest */
    o->ids[o->n] = cl_row_int(row, 0);
    lg_row_copy(row, 1, o->refs[o->n], CL_LEDGER_REF_BYTES);
    o->n++;
    return CL_OK;
}

enum cl_err cl_ledger_auth_transition(const struct cl_ledger_ctx *cx, const char *ref, enum cl_ledger_auth_state to,
                                      struct cl_error *err)
{
    int64_t id = 0;
    enum cl_ledger_auth_state from;
    enum cl_err rc = lg_auth_id(cx->st, ref, &id, &from, err);
    if (rc) return rc;
    if (!cl_ledger_auth_transition_allowed(from, to)) {
        char moves[256];
        legal_moves(from, moves, sizeof(moves));
        return cl_error_set(err, CL_ERR_STATE, "authorization %s is %s: it cannot become %s (it may become: %s)", ref,
                            state_ids[from], cl_ledger_auth_state_id(to), moves);
    }
    char at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    int64_t changes = 0;
    struct cl_val v[] = {CL_VTEXT(state_ids[to]), CL_VTEXT(at), CL_VINT(id), CL_VTEXT(state_ids[from])};
    rc = cl_store_exec(cx->st, "UPDATE ledger_auths SET state = ?, updated_at = ? WHERE id = ? AND state = ?", v, 4,
                       &changes, err);
    if (rc) return rc;
    CL_ASSERT(changes == 1);
    rc = record_transition(cx, id, state_ids[from], state_ids[to], err);
    if (!rc)
        rc = lg_event(cx, "auth.transition", "authorization", ref,
                      json_pack("{s:s, s:s}", "from", state_ids[from], "to", state_ids[to]), NULL, err);
    if (rc || to != CL_AUTH_REVOKED) return rc;
    /* A revoked authorization can never ship again: void the orders that hold capacity on it, so the pools they
     * share with other holders are freed. */
    struct order_ids *orders = malloc(sizeof(*orders));
    if (!orders) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    do { /* in rounds: a closed order no longer holds a reservation, so each round finds the next ones */
        orders->n = 0;
        struct cl_val q[] = {CL_VINT(id)};
        rc = cl_store_query(cx->st,
                            "SELECT DISTINCT o.id, o.ref FROM ledger_orders o JOIN ledger_reservations r"
                            " ON r.order_id = o.id WHERE r.auth_id = ? AND r.state = 'held' ORDER BY o.id",
                            q, 1, order_id_row, orders, err);
        for (size_t i = 0; !rc && i < orders->n; i++)
            rc = lg_order_close(cx, orders->ids[i], orders->refs[i], "voided", "order.void", err);
    } while (!rc && orders->n == VOID_ROUND);
    free(orders);
    return rc;
}

enum cl_err cl_ledger_auth_condition_add(const struct cl_ledger_ctx *cx, const char *ref,
                                         const struct cl_ledger_req_condition *c, struct cl_error *err)
{
    int64_t id = 0;
    enum cl_ledger_auth_state state;
    enum cl_err rc = lg_auth_id(cx->st, ref, &id, &state, err);
    if (rc) return rc;
    if (state == CL_AUTH_DENIED || state == CL_AUTH_REVOKED || state == CL_AUTH_EXPIRED)
        return cl_error_set(err, CL_ERR_STATE, "authorization %s is %s: its conditions are closed", ref,
                            state_ids[state]);
    bool added = false;
    rc = insert_condition(cx, id, c, &added, err);
    if (rc || !added) return rc;
    json_t *data = json_pack("{s:s, s:s, s:b}", "condition", c->id, "text", c->text, "final", c->final);
    if (c->set_by) json_object_set_new(data, "set_by", json_string(c->set_by));
    if (c->rule_id) json_object_set_new(data, "rule", json_string(c->rule_id));
    return lg_event(cx, "auth.condition.add", "authorization", ref, data, NULL, err);
}

enum cl_err cl_ledger_auth_condition_set(const struct cl_ledger_ctx *cx, const char *ref, const char *condition_id,
                                         const char *state, const char *evidence, struct cl_error *err)
{
    static const char *const states[] = {"pending", "satisfied", "waived", "failed", NULL};
    bool ok = false;
    for (size_t i = 0; state && states[i]; i++) ok = ok || strcmp(states[i], state) == 0;
    if (!ok)
        return cl_error_set(err, CL_ERR_INPUT, "condition state \"%s\" is not pending, satisfied, waived or failed",
                            state ? state : "");
    if ((!strcmp(state, "satisfied") || !strcmp(state, "waived")) && (!evidence || !*evidence))
        return cl_error_set(err, CL_ERR_INPUT, "condition %s: an evidence reference is required to mark it %s",
                            condition_id, state);
    int64_t id = 0;
    enum cl_ledger_auth_state astate;
    enum cl_err rc = lg_auth_id(cx->st, ref, &id, &astate, err);
    if (rc) return rc;
    if (astate == CL_AUTH_DENIED || astate == CL_AUTH_REVOKED || astate == CL_AUTH_EXPIRED)
        return cl_error_set(err, CL_ERR_STATE, "authorization %s is %s: its conditions are closed", ref,
                            state_ids[astate]);
    struct cl_val k[] = {CL_VINT(id), CL_VTEXT(condition_id)};
    bool found = false;
    int64_t cond_row = 0;
    rc = cl_store_query_int(cx->st, "SELECT id FROM ledger_conditions WHERE auth_id = ? AND condition_id = ?", k, 2,
                            &cond_row, &found, err);
    if (rc) return rc;
    if (!found)
        return cl_error_set(err, CL_ERR_NOT_FOUND,
                            "authorization %s has no condition \"%s\" (see 'clearance auth show %s')", ref, condition_id,
                            ref);
    char at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    struct cl_val v[] = {CL_VTEXT(state), CL_VTEXT(evidence), CL_VTEXT(cx->actor), CL_VTEXT(at), CL_VINT(cond_row)};
    rc = cl_store_exec(cx->st,
                       "UPDATE ledger_conditions SET state = ?, evidence = ?, verified_by = ?, updated_at = ? WHERE id = ?",
                       v, 5, NULL, err);
    if (rc) return rc;
    json_t *data = json_pack("{s:s, s:s}", "condition", condition_id, "state", state);
    if (evidence) json_object_set_new(data, "evidence", json_string(evidence));
    return lg_event(cx, "auth.condition.set", "authorization", ref, data, NULL, err);
}

static enum cl_err auth_info_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct cl_ledger_auth_info *o = ctx;
    o->id = cl_row_int(row, 0);
    lg_row_copy(row, 1, o->ref, sizeof(o->ref));
    lg_row_copy(row, 2, o->jurisdiction, sizeof(o->jurisdiction));
    if (!cl_ledger_auth_state_parse(cl_row_text(row, 3, NULL), &o->state))
        return cl_error_set(err, CL_ERR_INTERNAL, "authorization %s: unknown stored state", o->ref);
    lg_row_copy(row, 4, o->destination, sizeof(o->destination));
    lg_row_copy(row, 5, o->holder, sizeof(o->holder));
    lg_row_copy(row, 6, o->product, sizeof(o->product));
    lg_row_copy(row, 7, o->counterparty, sizeof(o->counterparty));
    return CL_OK;
}

enum cl_err cl_ledger_auth_get(struct cl_store *st, const char *ref, struct cl_ledger_auth_info *out,
                               struct cl_error *err)
{
    int64_t id = 0;
    enum cl_err rc = lg_auth_id(st, ref, &id, NULL, err);
    if (rc) return rc;
    memset(out, 0, sizeof(*out));
    struct cl_val p[] = {CL_VINT(id)};
    return cl_store_query(st,
                          "SELECT a.id, a.ref, a.jurisdiction, a.state, a.destination, h.name,"
                          " (SELECT MIN(product) FROM ledger_auth_products WHERE auth_id = a.id),"
                          " (SELECT MIN(p.name) FROM ledger_auth_parties ap JOIN ledger_parties p ON p.id = ap.party_id"
                          "  WHERE ap.auth_id = a.id)"
                          " FROM ledger_auths a JOIN ledger_parties h ON h.id = a.holder_id WHERE a.id = ?",
                          p, 1, auth_info_row, out, err);
}
