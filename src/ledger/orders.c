/* Orders: capacity reserved on every authorization and pool that applies, all or nothing; released on
 * cancellation, lapse or revocation. Reservations are the first phase of two: shipments post them. */
#include "ledger_int.h"

/* ---- reservations of one order ------------------------------------------------------------------------------ */

#define ORDER_RESERVATIONS_MAX 64

struct resv {
    int64_t id, auth_id, pool_id, quantity, value_cents, quantity_posted, value_posted_cents;
};
struct resv_set {
    struct resv r[ORDER_RESERVATIONS_MAX];
    size_t n;
};

static enum cl_err resv_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct resv_set *s = ctx;
    if (s->n == ORDER_RESERVATIONS_MAX)
        return cl_error_set(err, CL_ERR_LIMIT, "more than %d reservations on one order", ORDER_RESERVATIONS_MAX);
    struct resv *r = &s->r[s->n++];
    r->id = cl_row_int(row, 0);
    r->auth_id = cl_row_is_null(row, 1) ? 0 : cl_row_int(row, 1);
    r->pool_id = cl_row_is_null(row, 2) ? 0 : cl_row_int(row, 2);
    r->quantity = cl_row_int(row, 3);
    r->value_cents = cl_row_int(row, 4);
    r->quantity_posted = cl_row_int(row, 5);
    r->value_posted_cents = cl_row_int(row, 6);
    return CL_OK;
}

enum cl_err lg_order_release(const struct cl_ledger_ctx *cx, int64_t order_id, const char *reservation_state,
                             struct cl_error *err)
{
    struct resv_set *s = calloc(1, sizeof(*s));
    if (!s) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    struct cl_val p[] = {CL_VINT(order_id)};
    enum cl_err rc = cl_store_query(cx->st,
                                    "SELECT id, auth_id, pool_id, quantity, value_cents, quantity_posted,"
                                    " value_posted_cents FROM ledger_reservations WHERE order_id = ? AND state = 'held'"
                                    " ORDER BY id",
                                    p, 1, resv_row, s, err);
    for (size_t i = 0; !rc && i < s->n; i++) {
        const struct resv *r = &s->r[i];
        int64_t q = r->quantity - r->quantity_posted, v = r->value_cents - r->value_posted_cents;
        CL_ASSERT(q >= 0);
        CL_ASSERT(v >= 0);
        if (r->auth_id) {
            struct cl_val u[] = {CL_VINT(q), CL_VINT(v), CL_VINT(r->auth_id)};
            rc = cl_store_exec(cx->st,
                               "UPDATE ledger_auths SET quantity_reserved = quantity_reserved - ?,"
                               " value_reserved_cents = value_reserved_cents - ? WHERE id = ?",
                               u, 3, NULL, err);
        } else {
            struct cl_val u[] = {CL_VINT(q), CL_VINT(r->pool_id)};
            rc = cl_store_exec(cx->st, "UPDATE ledger_pools SET quantity_reserved = quantity_reserved - ? WHERE id = ?",
                               u, 2, NULL, err);
        }
        if (!rc) {
            struct cl_val u[] = {CL_VTEXT(reservation_state), CL_VINT(r->id)};
            rc = cl_store_exec(cx->st, "UPDATE ledger_reservations SET state = ? WHERE id = ?", u, 2, NULL, err);
        }
        if (!rc) rc = lg_assert_target(cx->st, r->auth_id, r->pool_id, err);
    }
    free(s);
    return rc;
}

enum cl_err lg_order_close(const struct cl_ledger_ctx *cx, int64_t order_id, const char *ref, const char *state,
                           const char *action, struct cl_error *err)
{
    int64_t released = 0;
    struct cl_val p[] = {CL_VINT(order_id)};
    enum cl_err rc = cl_store_query_int(cx->st, "SELECT quantity - quantity_shipped FROM ledger_orders WHERE id = ?", p,
                                        1, &released, NULL, err);
    if (!rc) rc = lg_order_release(cx, order_id, strcmp(state, "expired") == 0 ? "expired" : "released", err);
    if (!rc) {
        struct cl_val u[] = {CL_VTEXT(state), CL_VINT(order_id)};
        rc = cl_store_exec(cx->st, "UPDATE ledger_orders SET state = ? WHERE id = ?", u, 2, NULL, err);
    }
    if (!rc)
        rc = lg_event(cx, action, "order", ref,
                      json_pack("{s:s, s:I}", "state", state, "quantity_released", (json_int_t)released), NULL, err);
    return rc;
}

struct lapsed {
    int64_t ids[128];
    char refs[128][CL_LEDGER_REF_BYTES];
    size_t n;
};

static enum cl_err lapsed_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct lapsed *l = ctx;
    if (l->n == 128) return CL_OK; /* the next round takes the rest */
    l->ids[l->n] = cl_row_int(row, 0);
    lg_row_copy(row, 1, l->refs[l->n], CL_LEDGER_REF_BYTES);
    l->n++;
    return CL_OK;
}

/* Closes every order whose reservation lapsed before cx->date, releasing its capacity, the oldest lapse first.
 * Every order placed runs this, so it reads a partial index that holds only orders that can lapse. */
static enum cl_err expire_lapsed(const struct cl_ledger_ctx *cx, int64_t *out_count, struct cl_error *err)
{
    char date[CL_DATE_TEXT_BYTES];
    cl_date_format(cx->date, date);
    struct lapsed *l = malloc(sizeof(*l));
    if (!l) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    enum cl_err rc = CL_OK;
    int64_t count = 0;
    do {
        l->n = 0;
        struct cl_val p[] = {CL_VTEXT(date)};
        rc = cl_store_query(cx->st,
                            "SELECT id, ref FROM ledger_orders WHERE expires_on < ? AND expires_on IS NOT NULL"
                            " AND state IN ('open', 'partially_shipped') ORDER BY expires_on, id",
                            p, 1, lapsed_row, l, err);
        for (size_t i = 0; !rc && i < l->n; i++, count++)
            rc = lg_order_close(cx, l->ids[i], l->refs[i], "expired", "order.expire", err);
    } while (!rc && l->n == 128);
    free(l);
    if (out_count) *out_count = count;
    return rc;
}

/* ---- placing an order --------------------------------------------------------------------------------------- */

struct candidate {
    int64_t id;
    char ref[CL_LEDGER_REF_BYTES];
    enum cl_ledger_auth_state state;
    cl_date valid_from, valid_to;
    struct lg_auth_totals t;
};
struct candidates {
    struct candidate c[32];
    size_t n;
};

static enum cl_err candidate_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct candidates *cs = ctx;
    if (cs->n == 32) return CL_OK; /* the first 32 by id are considered */
    struct candidate *c = &cs->c[cs->n];
    c->id = cl_row_int(row, 0);
    lg_row_copy(row, 1, c->ref, sizeof(c->ref));
    if (!cl_ledger_auth_state_parse(cl_row_text(row, 2, NULL), &c->state))
        return cl_error_set(err, CL_ERR_INTERNAL, "authorization %s: unknown stored state", c->ref);
    c->valid_from = lg_row_date(row, 3);
    c->valid_to = lg_row_date(row, 4);
    lg_auth_totals_from_row(row, 5, &c->t);
    cs->n++;
    return CL_OK;
}

size_t lg_auth_state_reasons(struct cl_ledger_refusal *r, const char *ref, enum cl_ledger_auth_state state,
                             cl_date valid_from, cl_date valid_to, cl_date date)
{
    size_t before = r->n + r->dropped;
    char d[CL_DATE_TEXT_BYTES], b[CL_DATE_TEXT_BYTES];
    cl_date_format(date, d);
    struct cl_ledger_reason *x;
    switch (state) {
    case CL_AUTH_APPROVED:
    case CL_AUTH_APPROVED_WITH_CONDITIONS:
    case CL_AUTH_REINSTATED: break;
    case CL_AUTH_SUSPENDED:
        x = lg_reason(r, CL_REFUSAL_AUTH_SUSPENDED, "authorization %s", ref);
        snprintf(x->message, sizeof(x->message), "authorization %s is suspended", ref);
        snprintf(x->unblock, sizeof(x->unblock), "the issuing authority reinstates it (clearance auth reinstate %s)",
                 ref);
        break;
    case CL_AUTH_REVOKED:
        x = lg_reason(r, CL_REFUSAL_AUTH_REVOKED, "authorization %s", ref);
        snprintf(x->message, sizeof(x->message), "authorization %s is revoked", ref);
        snprintf(x->unblock, sizeof(x->unblock), "apply for a new authorization: a revocation is final");
        break;
    case CL_AUTH_EXPIRED:
        x = lg_reason(r, CL_REFUSAL_AUTH_EXPIRED, "authorization %s", ref);
        snprintf(x->message, sizeof(x->message), "authorization %s has expired", ref);
        snprintf(x->unblock, sizeof(x->unblock), "apply for a new authorization");
        break;
    default:
        x = lg_reason(r, CL_REFUSAL_AUTH_NOT_APPROVED, "authorization %s", ref);
        snprintf(x->message, sizeof(x->message), "authorization %s is %s, not approved", ref,
                 cl_ledger_auth_state_id(state));
        snprintf(x->unblock, sizeof(x->unblock), "the issuing authority approves it (clearance auth decide %s --outcome approved)",
                 ref);
        break;
    }
    if (valid_from != CL_DATE_NONE && date < valid_from) {
        cl_date_format(valid_from, b);
        x = lg_reason(r, CL_REFUSAL_AUTH_NOT_YET_VALID, "authorization %s", ref);
        snprintf(x->message, sizeof(x->message), "authorization %s is valid from %s, not on %s", ref, b, d);
        snprintf(x->unblock, sizeof(x->unblock), "wait until %s", b);
    }
    if (valid_to != CL_DATE_NONE && date > valid_to && state != CL_AUTH_EXPIRED) {
        cl_date_format(valid_to, b);
        x = lg_reason(r, CL_REFUSAL_AUTH_EXPIRED, "authorization %s", ref);
        snprintf(x->message, sizeof(x->message), "authorization %s was valid until %s, not on %s", ref, b, d);
        snprintf(x->unblock, sizeof(x->unblock), "apply for a new authorization or an extension of %s", ref);
    }
    return r->n + r->dropped - before;
}

/* "order at most N units, " while some capacity is left; nothing when none is (ordering 0 units unblocks nothing). */
static const char *at_most(int64_t left, char out[64])
{
    if (left > 0) snprintf(out, 64, "order at most %lld units, ", (long long)left);
    else out[0] = '\0';
    return out;
}

/* Adds the reasons a candidate lacks the capacity for quantity and value. */
static size_t capacity_reasons(struct cl_ledger_refusal *r, const struct candidate *c, int64_t quantity, int64_t value)
{
    size_t before = r->n + r->dropped;
    char m1[CL_MONEY_TEXT_BYTES], m2[CL_MONEY_TEXT_BYTES];
    const struct lg_auth_totals *t = &c->t;
    if (t->has_qcap && t->qres + t->qcon + quantity > t->qcap) {
        struct cl_ledger_reason *x = lg_reason(r, CL_REFUSAL_CAP_EXCEEDED, "authorization %s", c->ref);
        int64_t left = t->qcap - t->qres - t->qcon;
        snprintf(x->message, sizeof(x->message),
                 "authorization %s has %lld of its %lld units left (%lld reserved, %lld shipped); %lld requested",
                 c->ref, (long long)(left > 0 ? left : 0), (long long)t->qcap, (long long)t->qres, (long long)t->qcon,
                 (long long)quantity);
        char most[64];
        snprintf(x->unblock, sizeof(x->unblock), "%scancel other orders on %s, or obtain an amendment raising its cap",
                 at_most(left, most), c->ref);
        lg_reason_numbers(x, "units", quantity, t->qcap, t->qres, t->qcon);
    }
    if (t->has_vlimit && t->vres + t->vcon + value > t->vlimit) {
        struct cl_ledger_reason *x = lg_reason(r, CL_REFUSAL_CAP_EXCEEDED, "authorization %s", c->ref);
        int64_t left = t->vlimit - t->vres - t->vcon;
        snprintf(x->message, sizeof(x->message), "authorization %s has USD %s of value left; USD %s requested", c->ref,
                 lg_money(left > 0 ? left : 0, m1), lg_money(value, m2));
        snprintf(x->unblock, sizeof(x->unblock), "order less value, or obtain an amendment raising the value of %s",
                 c->ref);
        lg_reason_numbers(x, "cents", value, t->vlimit, t->vres, t->vcon);
    }
    return r->n + r->dropped - before;
}

struct pool_hit {
    int64_t id;
    char name[CL_LIMIT_ID_BYTES];
    char counter[CL_LIMIT_ID_BYTES];
    bool follows;
    int64_t cap_quantity, counter_value, ratio_ppm, reserved, consumed;
};
struct pool_hits {
    struct pool_hit p[32];
    size_t n;
};

static enum cl_err pool_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct pool_hits *ps = ctx;
    int64_t id = cl_row_int(row, 0);
    for (size_t i = 0; i < ps->n; i++)
        if (ps->p[i].id == id) return CL_OK;
    if (ps->n == 32) return cl_error_set(err, CL_ERR_LIMIT, "an order would draw on more than 32 pools");
    struct pool_hit *p = &ps->p[ps->n++];
    p->id = id;
    lg_row_copy(row, 1, p->name, sizeof(p->name));
    p->follows = cl_row_int(row, 2) != 0;
    p->cap_quantity = cl_row_int(row, 3);
    p->counter_value = cl_row_int(row, 4);
    p->ratio_ppm = cl_row_int(row, 5);
    p->reserved = cl_row_int(row, 6);
    p->consumed = cl_row_int(row, 7);
    lg_row_copy(row, 8, p->counter, sizeof(p->counter));
    return CL_OK;
}

static const char *const pool_sql =
    "SELECT p.id, p.name, p.follows, p.cap_quantity, c.value, p.ratio_ppm, p.quantity_reserved, p.quantity_consumed,"
    " c.name FROM ledger_pools p JOIN ledger_pool_members m ON m.pool_id = p.id"
    " LEFT JOIN ledger_counters c ON c.id = p.counter_id"
    " WHERE m.auth_id = ? AND (p.product IS NULL OR p.product = ?)"
    " AND (p.valid_from IS NULL OR p.valid_from <= ?) AND (p.valid_to IS NULL OR p.valid_to >= ?) ORDER BY p.id";

static void pool_reason(struct cl_ledger_refusal *r, const struct pool_hit *p, int64_t quantity)
{
    int64_t cap = lg_pool_cap(p->follows, p->cap_quantity, p->counter_value, p->ratio_ppm);
    int64_t left = cap - p->reserved - p->consumed;
    if (left < 0) left = 0;
    struct cl_ledger_reason *x = lg_reason(r, CL_REFUSAL_POOL_EXHAUSTED, "pool %s", p->name);
    char most[64];
    if (p->follows) {
        char ratio[16];
        cl_rate_format((int32_t)p->ratio_ppm, ratio);
        snprintf(x->message, sizeof(x->message),
                 "pool %s allows %s of counter %s (%lld), %lld units; %lld reserved, %lld shipped, %lld left; %lld "
                 "requested",
                 p->name, ratio, p->counter, (long long)p->counter_value, (long long)cap, (long long)p->reserved,
                 (long long)p->consumed, (long long)left, (long long)quantity);
        snprintf(x->unblock, sizeof(x->unblock), "%s%swait until counter %s grows (it follows shipments to US end users)",
                 at_most(left, most), left > 0 ? "or " : "", p->counter);
    } else {
        snprintf(x->message, sizeof(x->message),
                 "pool %s is capped at %lld units: %lld reserved, %lld shipped, %lld left; %lld requested", p->name,
                 (long long)cap, (long long)p->reserved, (long long)p->consumed, (long long)left, (long long)quantity);
        snprintf(x->unblock, sizeof(x->unblock),
                 "%swait for orders drawing on the pool to be cancelled or lapse, or obtain a larger quota",
                 at_most(left, most));
    }
    lg_reason_numbers(x, "units", quantity, cap, p->reserved, p->consumed);
}

static json_t *order_request_json(const struct cl_ledger_order_spec *s)
{
    char exp[CL_DATE_TEXT_BYTES];
    cl_date_format(s->expires_on, exp);
    return json_pack("{s:s?, s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:s}", "ref", s->ref, "exporter", s->exporter, "buyer",
                     s->buyer, "product", s->product, "destination", s->destination, "end_use", s->end_use, "quantity",
                     (json_int_t)s->quantity, "value_cents", (json_int_t)s->value_cents, "expires_on", exp);
}

enum cl_err cl_ledger_order_place(const struct cl_ledger_ctx *cx, const struct cl_ledger_order_spec *s,
                                  const struct cl_ledger_requirements *req, json_t **out_order, bool *out_replayed,
                                  struct cl_ledger_refusal *r, struct cl_error *err)
{
    *out_order = NULL;
    if (out_replayed) *out_replayed = false;
    cl_ledger_refusal_init(r);
    if (s->quantity <= 0 || s->quantity > CL_LEDGER_QUANTITY_MAX)
        return cl_error_set(err, CL_ERR_INPUT, "quantity: between 1 and %lld units", (long long)CL_LEDGER_QUANTITY_MAX);
    if (s->value_cents < 0 || s->value_cents > INT64_MAX / 4)
        return cl_error_set(err, CL_ERR_INPUT, "value: out of range");
    if (!s->product || !*s->product) return cl_error_set(err, CL_ERR_INPUT, "product: required");
    if (!s->destination || strlen(s->destination) != 2)
        return cl_error_set(err, CL_ERR_INPUT, "destination: an ISO 3166 alpha-2 code is required");
    if (s->expires_on != CL_DATE_NONE && s->expires_on < cx->date)
        return cl_error_set(err, CL_ERR_INPUT, "expires_on: before the order's date");
    enum cl_err rc = CL_OK;
    char *request = NULL;
    if (s->idempotency_key) {
        if (!*s->idempotency_key || strlen(s->idempotency_key) >= CL_LEDGER_REF_BYTES)
            return cl_error_set(err, CL_ERR_INPUT, "idempotency key: empty or longer than %d bytes",
                                CL_LEDGER_REF_BYTES - 1);
        json_t *rq = order_request_json(s);
        request = rq ? cl_json_canonical(rq) : NULL;
        json_decref(rq);
        if (!request) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        rc = lg_idem_find(cx->st, s->idempotency_key, "order.place", request, out_order, err);
        if (rc || *out_order) {
            if (!rc && out_replayed) *out_replayed = true;
            free(request);
            return rc;
        }
    }
    int64_t exporter = 0, buyer = 0;
    rc = lg_party_id(cx->st, s->exporter, "exporter", &exporter, err);
    if (!rc) rc = lg_party_id(cx->st, s->buyer, "buyer", &buyer, err);
    if (!rc) rc = expire_lapsed(cx, NULL, err);
    if (rc) goto out;

    char date[CL_DATE_TEXT_BYTES];
    cl_date_format(cx->date, date);
    for (size_t i = 0; i < req->n_policies; i++) {
        const struct cl_ledger_req_policy *p = &req->policies[i];
        if (!p->prohibits) continue;
        struct cl_ledger_reason *x = lg_reason(r, CL_REFUSAL_RULES_DENY, "rules of %s", p->jurisdiction);
        snprintf(x->message, sizeof(x->message), "%s rules in force on %s prohibit it (%s, by %s)", p->jurisdiction,
                 date, p->policy, p->rule_id ? p->rule_id : "?");
        snprintf(x->unblock, sizeof(x->unblock), "nothing in the ledger can: the rule must change or stop applying");
        snprintf(x->citation, sizeof(x->citation), "%s", p->citation ? p->citation : "");
    }

    /* One authorization per required kind and jurisdiction (several rules may require the same licence). */
    struct candidates *cs = malloc(sizeof(*cs));
    struct pool_hits *pools = malloc(sizeof(*pools));
    struct candidate chosen[16]; /* as read in this transaction */
    size_t n_chosen = 0;
    if (!cs || !pools) {
        rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        goto out_free;
    }
    cs->n = pools->n = 0;
    for (size_t i = 0; !rc && i < req->n_auths; i++) {
        const struct cl_ledger_req_auth *a = &req->auths[i];
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup = dup || (!strcmp(req->auths[j].jurisdiction, a->jurisdiction) && !strcmp(req->auths[j].kind, a->kind));
        if (dup) continue;
        cs->n = 0;
        struct cl_val p[] = {CL_VTEXT(a->jurisdiction), CL_VTEXT(a->kind), CL_VTEXT(s->product),
                             CL_VTEXT(s->destination), CL_VINT(buyer), CL_VINT(buyer), CL_VINT(exporter),
                             CL_VINT(exporter)};
        rc = cl_store_query(
            cx->st,
            "SELECT a.id, a.ref, a.state, a.valid_from, a.valid_to, a.quantity_cap, a.quantity_reserved,"
            " a.quantity_consumed, a.value_limit_cents, a.value_reserved_cents, a.value_consumed_cents"
            " FROM ledger_auths a WHERE a.jurisdiction = ? AND a.kind = ?"
            " AND EXISTS (SELECT 1 FROM ledger_auth_products ap WHERE ap.auth_id = a.id AND ap.product = ?)"
            " AND (a.destination IS NULL OR a.destination = ?)"
            " AND (a.holder_id = ? OR EXISTS (SELECT 1 FROM ledger_auth_parties x WHERE x.auth_id = a.id AND x.party_id = ?))"
            " AND (a.holder_id = ? OR EXISTS (SELECT 1 FROM ledger_auth_parties x WHERE x.auth_id = a.id AND x.party_id = ?)"
            "  OR NOT (EXISTS (SELECT 1 FROM ledger_parties h WHERE h.id = a.holder_id AND h.roles LIKE '%exporter%')"
            "   OR EXISTS (SELECT 1 FROM ledger_auth_parties x JOIN ledger_parties y ON y.id = x.party_id"
            "    WHERE x.auth_id = a.id AND y.roles LIKE '%exporter%')))"
            " ORDER BY a.id",
            p, 8, candidate_row, cs, err);
        if (rc) break;
        const struct candidate *pick = NULL;
        struct cl_ledger_refusal scratch;
        for (size_t k = 0; k < cs->n && !pick; k++) {
            const struct candidate *c = &cs->c[k];
            cl_ledger_refusal_init(&scratch);
            if (!lg_auth_state_reasons(&scratch, c->ref, c->state, c->valid_from, c->valid_to, cx->date) &&
                !capacity_reasons(&scratch, c, s->quantity, s->value_cents))
                pick = c;
        }
        if (pick) {
            if (n_chosen == 16) {
                rc = cl_error_set(err, CL_ERR_LIMIT, "more than 16 authorizations required");
                break;
            }
            chosen[n_chosen++] = *pick;
            continue;
        }
        if (cs->n == 0) {
            struct cl_ledger_reason *x = lg_reason(r, CL_REFUSAL_AUTH_MISSING, "%s %s", a->jurisdiction, a->kind);
            snprintf(x->message, sizeof(x->message),
                     "the %s rules require a %s (%s); none covers %s to %s from %s", a->jurisdiction, a->kind,
                     a->issuer ? a->issuer : "?", s->product, s->buyer, s->exporter);
            snprintf(x->unblock, sizeof(x->unblock),
                     "apply for a %s from %s covering %s for %s (clearance auth apply), and have it approved", a->kind,
                     a->issuer ? a->issuer : "the authority", s->product, s->buyer);
            snprintf(x->citation, sizeof(x->citation), "%s", a->citation ? a->citation : "");
            continue;
        }
        /* no candidate can carry it: every one's reasons */
        for (size_t k = 0; k < cs->n; k++) {
            lg_auth_state_reasons(r, cs->c[k].ref, cs->c[k].state, cs->c[k].valid_from, cs->c[k].valid_to, cx->date);
            capacity_reasons(r, &cs->c[k], s->quantity, s->value_cents);
        }
    }
    for (size_t i = 0; !rc && i < n_chosen; i++) {
        struct cl_val p[] = {CL_VINT(chosen[i].id), CL_VTEXT(s->product), CL_VTEXT(date), CL_VTEXT(date)};
        rc = cl_store_query(cx->st, pool_sql, p, 4, pool_row, pools, err);
    }
    for (size_t i = 0; !rc && i < pools->n; i++) {
        const struct pool_hit *p = &pools->p[i];
        int64_t cap = lg_pool_cap(p->follows, p->cap_quantity, p->counter_value, p->ratio_ppm);
        if (p->reserved + p->consumed + s->quantity > cap) pool_reason(r, p, s->quantity);
    }
    if (rc) goto out_free;

    if (r->n) {
        json_t *codes = json_array();
        for (size_t i = 0; i < r->n; i++)
            json_array_append_new(codes, json_string(cl_ledger_refusal_code_name(r->reasons[i].code)));
        json_t *data = json_pack("{s:s, s:s, s:s, s:I, s:o, s:o}", "exporter", s->exporter, "buyer", s->buyer, "product",
                                 s->product, "quantity", (json_int_t)s->quantity, "codes", codes, "reasons",
                                 cl_ledger_refusal_to_json(r));
        rc = lg_event(cx, "order.refused", "order", s->ref ? s->ref : "-", data,
                      json_pack("{s:I}", "value_cents", (json_int_t)s->value_cents), err);
        if (!rc) rc = cl_error_set(err, CL_ERR_REFUSED, "order refused: %s", r->reasons[0].message);
        goto out_free;
    }

    char ref[CL_LEDGER_REF_BYTES], at[CL_TIME_TEXT_BYTES], exp[CL_DATE_TEXT_BYTES];
    rc = lg_ref(cx->st, "ledger_orders", s->ref, "O-", ref, err);
    if (rc) goto out_free;
    lg_time_text(cx->at, at);
    int64_t order_id = 0;
    struct cl_val ov[] = {CL_VTEXT(ref),         CL_VINT(exporter),         CL_VINT(buyer),
                          CL_VTEXT(s->product),  CL_VTEXT(s->destination),  CL_VTEXT(s->end_use),
                          CL_VINT(s->quantity),  CL_VINT(s->value_cents),   CL_VTEXT(date),
                          lg_vdate(s->expires_on, exp), CL_VTEXT(at),       CL_VTEXT(cx->actor)};
    rc = cl_store_query_int(cx->st,
                            "INSERT INTO ledger_orders (ref, exporter_id, buyer_id, product, destination, end_use,"
                            " quantity, value_cents, order_date, expires_on, state, created_at, created_by)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id",
                            ov, 12, &order_id, NULL, err);
    /* Reserve: each guarded update re-checks the cap in the same statement, so even a writer that slipped past
     * the check above could not over-commit, and the tables' CHECK constraints hold the invariant in storage. The
     * invariant is asserted on the row as it now stands: as read in this transaction (serialised against every
     * other writer) plus this order, without reading it again, which costs PostgreSQL a round trip each. */
    int64_t q = s->quantity, v = s->value_cents;
    for (size_t i = 0; !rc && i < n_chosen; i++) {
        const struct candidate *c = &chosen[i];
        struct cl_val rv[] = {CL_VINT(order_id), CL_VINT(c->id), CL_VINT(q), CL_VINT(v)};
        rc = cl_store_exec(cx->st,
                           "INSERT INTO ledger_reservations (order_id, auth_id, quantity, value_cents, state)"
                           " VALUES (?, ?, ?, ?, 'held')",
                           rv, 4, NULL, err);
        int64_t changed = 0;
        struct cl_val uv[] = {CL_VINT(q), CL_VINT(v), CL_VINT(c->id), CL_VINT(q), CL_VINT(v)};
        if (!rc)
            rc = cl_store_exec(cx->st,
                               "UPDATE ledger_auths SET quantity_reserved = quantity_reserved + ?,"
                               " value_reserved_cents = value_reserved_cents + ? WHERE id = ?"
                               " AND (quantity_cap IS NULL OR quantity_reserved + quantity_consumed + ? <= quantity_cap)"
                               " AND (value_limit_cents IS NULL OR value_reserved_cents + value_consumed_cents + ?"
                               " <= value_limit_cents)",
                               uv, 5, &changed, err);
        if (!rc && changed != 1) rc = cl_error_set(err, CL_ERR_BUSY, "authorization capacity changed: try again");
        if (!rc) lg_assert_auth_totals(&c->t, q, 0, v, 0);
    }
    for (size_t i = 0; !rc && i < pools->n; i++) {
        const struct pool_hit *p = &pools->p[i];
        struct cl_val rv[] = {CL_VINT(order_id), CL_VINT(p->id), CL_VINT(q)};
        rc = cl_store_exec(cx->st,
                           "INSERT INTO ledger_reservations (order_id, pool_id, quantity, value_cents, state)"
                           " VALUES (?, ?, ?, 0, 'held')",
                           rv, 3, NULL, err);
        int64_t changed = 0, cap = lg_pool_cap(p->follows, p->cap_quantity, p->counter_value, p->ratio_ppm);
        struct cl_val uv[] = {CL_VINT(q), CL_VINT(p->id), CL_VINT(q), CL_VINT(cap)};
        if (!rc)
            rc = cl_store_exec(cx->st,
                               "UPDATE ledger_pools SET quantity_reserved = quantity_reserved + ? WHERE id = ?"
                               " AND quantity_reserved + quantity_consumed + ? <= ?",
                               uv, 4, &changed, err);
        if (!rc && changed != 1) rc = cl_error_set(err, CL_ERR_BUSY, "pool capacity changed: try again");
        if (!rc) CL_ASSERT(p->reserved >= 0 && p->consumed >= 0 && p->reserved + q + p->consumed <= cap);
    }
    if (!rc) rc = lg_order_json(cx->st, order_id, out_order, err);
    if (!rc) {
        json_t *data = json_deep_copy(*out_order);
        json_t *commercial = json_pack("{s:I}", "value_cents", (json_int_t)s->value_cents);
        json_object_del(data, "value_cents");
        json_object_del(data, "value_shipped_cents");
        json_t *resv = json_object_get(data, "reservations");
        size_t k;
        json_t *e;
        json_array_foreach(resv, k, e) json_object_del(e, "value_cents");
        rc = lg_event(cx, "order.place", "order", ref, data, commercial, err);
    }
    if (!rc && s->idempotency_key) rc = lg_idem_store(cx, s->idempotency_key, "order.place", request, *out_order, err);
out_free:
    free(cs);
    free(pools);
out:
    free(request);
    if (rc && *out_order) {
        json_decref(*out_order);
        *out_order = NULL;
    }
    return rc;
}

/* ---- reading, cancelling, sweeping -------------------------------------------------------------------------- */

static enum cl_err order_info_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct cl_ledger_order_info *o = ctx;
    o->id = cl_row_int(row, 0);
    lg_row_copy(row, 1, o->ref, sizeof(o->ref));
    lg_row_copy(row, 2, o->state, sizeof(o->state));
    lg_row_copy(row, 3, o->exporter, sizeof(o->exporter));
    lg_row_copy(row, 4, o->buyer, sizeof(o->buyer));
    lg_row_copy(row, 5, o->product, sizeof(o->product));
    lg_row_copy(row, 6, o->destination, sizeof(o->destination));
    lg_row_copy(row, 7, o->end_use, sizeof(o->end_use));
    o->quantity = cl_row_int(row, 8);
    o->value_cents = cl_row_int(row, 9);
    o->quantity_shipped = cl_row_int(row, 10);
    o->value_shipped_cents = cl_row_int(row, 11);
    o->exporter_id = cl_row_int(row, 12);
    o->buyer_id = cl_row_int(row, 13);
    o->order_date = lg_row_date(row, 14);
    o->expires_on = lg_row_date(row, 15);
    return CL_OK;
}

enum cl_err cl_ledger_order_get(struct cl_store *st, const char *ref, struct cl_ledger_order_info *out,
                                struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    struct cl_val p[] = {CL_VTEXT(ref)};
    enum cl_err rc = cl_store_query(st,
                                    "SELECT o.id, o.ref, o.state, e.name, b.name, o.product, o.destination, o.end_use,"
                                    " o.quantity, o.value_cents, o.quantity_shipped, o.value_shipped_cents,"
                                    " o.exporter_id, o.buyer_id, o.order_date, o.expires_on"
                                    " FROM ledger_orders o JOIN ledger_parties e ON e.id = o.exporter_id"
                                    " JOIN ledger_parties b ON b.id = o.buyer_id WHERE o.ref = ?",
                                    p, 1, order_info_row, out, err);
    if (!rc && !out->id)
        rc = cl_error_set(err, CL_ERR_NOT_FOUND, "no order \"%s\" (see 'clearance order list')", ref ? ref : "");
    return rc;
}

enum cl_err cl_ledger_order_cancel(const struct cl_ledger_ctx *cx, const char *ref, struct cl_error *err)
{
    struct cl_ledger_order_info o;
    enum cl_err rc = cl_ledger_order_get(cx->st, ref, &o, err);
    if (rc) return rc;
    if (strcmp(o.state, "open") && strcmp(o.state, "partially_shipped"))
        return cl_error_set(err, CL_ERR_STATE, "order %s is %s: only open or partly shipped orders can be cancelled",
                            ref, o.state);
    return lg_order_close(cx, o.id, o.ref, "cancelled", "order.cancel", err);
}

struct expiring {
    char refs[128][CL_LEDGER_REF_BYTES];
    size_t n;
};

static enum cl_err expiring_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct expiring *e = ctx;
    if (e->n < 128) lg_row_copy(row, 0, e->refs[e->n++], CL_LEDGER_REF_BYTES);
    return CL_OK;
}

enum cl_err cl_ledger_sweep(const struct cl_ledger_ctx *cx, int64_t *out_orders, int64_t *out_auths,
                            struct cl_error *err)
{
    enum cl_err rc = expire_lapsed(cx, out_orders, err);
    if (rc) return rc;
    char date[CL_DATE_TEXT_BYTES];
    cl_date_format(cx->date, date);
    struct expiring *e = malloc(sizeof(*e));
    if (!e) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    int64_t count = 0;
    do {
        e->n = 0;
        struct cl_val p[] = {CL_VTEXT(date)};
        rc = cl_store_query(cx->st,
                            "SELECT ref FROM ledger_auths WHERE state IN ('approved', 'approved_with_conditions',"
                            " 'reinstated', 'suspended') AND valid_to IS NOT NULL AND valid_to < ? ORDER BY id",
                            p, 1, expiring_row, e, err);
        for (size_t i = 0; !rc && i < e->n; i++, count++) rc = cl_ledger_auth_transition(cx, e->refs[i], CL_AUTH_EXPIRED, err);
    } while (!rc && e->n == 128);
    free(e);
    if (out_auths) *out_auths = count;
    return rc;
}
