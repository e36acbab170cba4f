/* Shipments: every gate checked and every reason collected; then the order's reservations are posted and the
 * charges the rules give on the shipment date accrue. */
#include "ledger_int.h"

int64_t cl_ledger_shipment_value(int64_t value_cents, int64_t total, int64_t shipped, int64_t quantity)
{
    CL_ASSERT(total > 0);
    CL_ASSERT(shipped >= 0);
    CL_ASSERT(quantity >= 0);
    CL_ASSERT(shipped + quantity <= total);
    __extension__ typedef __int128 i128;
    i128 after = (i128)value_cents * (shipped + quantity) / total;
    i128 before = (i128)value_cents * shipped / total;
    return (int64_t)(after - before);
}

/* The latest screening of a party, as stored. */
struct screening {
    char name[CL_LIMIT_NAME_BYTES], decision[16], at[CL_TIME_TEXT_BYTES], version[96], summary[200];
};

/* A reservation of the order with what the gates need of its authorization (and its holder's screening) or
 * pool. */
struct held {
    int64_t id, auth_id, pool_id, quantity, quantity_posted, value_cents, value_posted_cents;
    /* authorization */
    char ref[CL_LEDGER_REF_BYTES], jurisdiction[8], kind[48];
    int64_t holder_id;
    struct screening holder;
    enum cl_ledger_auth_state auth_state;
    cl_date valid_from, valid_to;
    struct lg_auth_totals totals; /* as read in this transaction */
    /* pool */
    bool follows;
    int64_t cap_quantity, counter_value, ratio_ppm, pool_reserved, pool_consumed;
};

/* Growable arrays, so the common shipment (two authorizations, a pool or two) allocates little. */
#define SHIP_RESERVATIONS_MAX 64
#define SHIP_CONDITIONS_MAX 256

struct held_set {
    struct held *h;
    size_t n, cap;
};

static enum cl_err grow(void **items, size_t *cap, size_t n, size_t size, size_t max, const char *what,
                        struct cl_error *err)
{
    if (n < *cap) return CL_OK;
    if (n >= max) return cl_error_set(err, CL_ERR_LIMIT, "more than %zu %s on one order", max, what);
    size_t next = *cap ? *cap * 2 : 4;
    void *p = realloc(*items, next * size);
    if (!p) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    *items = p;
    *cap = next;
    return CL_OK;
}

static void screening_from_row(const struct cl_row *row, size_t col, struct screening *s)
{
    lg_row_copy(row, col, s->name, sizeof(s->name));
    lg_row_copy(row, col + 1, s->decision, sizeof(s->decision));
    lg_row_copy(row, col + 2, s->at, sizeof(s->at));
    lg_row_copy(row, col + 3, s->version, sizeof(s->version));
    lg_row_copy(row, col + 4, s->summary, sizeof(s->summary));
}

static enum cl_err held_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct held_set *s = ctx;
    enum cl_err rc = grow((void **)&s->h, &s->cap, s->n, sizeof(*s->h), SHIP_RESERVATIONS_MAX, "reservations", err);
    if (rc) return rc;
    struct held *h = &s->h[s->n++];
    memset(h, 0, sizeof(*h));
    h->id = cl_row_int(row, 0);
    h->auth_id = cl_row_is_null(row, 1) ? 0 : cl_row_int(row, 1);
    h->pool_id = cl_row_is_null(row, 2) ? 0 : cl_row_int(row, 2);
    h->quantity = cl_row_int(row, 3);
    h->quantity_posted = cl_row_int(row, 4);
    h->value_cents = cl_row_int(row, 5);
    h->value_posted_cents = cl_row_int(row, 6);
    if (h->auth_id) {
        lg_row_copy(row, 7, h->ref, sizeof(h->ref));
        lg_row_copy(row, 8, h->jurisdiction, sizeof(h->jurisdiction));
        lg_row_copy(row, 9, h->kind, sizeof(h->kind));
        if (!cl_ledger_auth_state_parse(cl_row_text(row, 10, NULL), &h->auth_state))
            return cl_error_set(err, CL_ERR_INTERNAL, "authorization %s: unknown stored state", h->ref);
        h->valid_from = lg_row_date(row, 11);
        h->valid_to = lg_row_date(row, 12);
        h->holder_id = cl_row_int(row, 13);
        screening_from_row(row, 14, &h->holder);
        lg_auth_totals_from_row(row, 26, &h->totals);
    } else {
        lg_row_copy(row, 19, h->ref, sizeof(h->ref)); /* the pool's name */
        h->follows = cl_row_int(row, 20) != 0;
        h->cap_quantity = cl_row_int(row, 21);
        h->counter_value = cl_row_int(row, 22);
        h->ratio_ppm = cl_row_int(row, 23);
        h->pool_reserved = cl_row_int(row, 24);
        h->pool_consumed = cl_row_int(row, 25);
    }
    return CL_OK;
}

/* A condition of a reserved authorization; text and citation only for those that are not met. */
struct cond {
    int64_t auth_id, row_id;
    char id[CL_LIMIT_ID_BYTES], state[16], set_by[32];
    char text[320], citation[256];
};
struct cond_set {
    struct cond *c;
    size_t n, cap;
};

static enum cl_err cond_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct cond_set *s = ctx;
    enum cl_err rc = grow((void **)&s->c, &s->cap, s->n, sizeof(*s->c), SHIP_CONDITIONS_MAX, "conditions", err);
    if (rc) return rc;
    struct cond *c = &s->c[s->n++];
    c->auth_id = cl_row_int(row, 0);
    c->row_id = cl_row_int(row, 6);
    lg_row_copy(row, 1, c->id, sizeof(c->id));
    lg_row_copy(row, 2, c->state, sizeof(c->state));
    lg_row_copy(row, 3, c->set_by, sizeof(c->set_by));
    bool met = !strcmp(c->state, "satisfied") || !strcmp(c->state, "waived");
    c->text[0] = c->citation[0] = '\0';
    if (!met) {
        lg_row_copy(row, 4, c->text, sizeof(c->text));
        lg_row_copy(row, 5, c->citation, sizeof(c->citation));
    }
    return CL_OK;
}

/* Conditions in the order they were recorded, per authorization. */
static int cond_cmp(const void *a, const void *b)
{
    const struct cond *x = a, *y = b;
    if (x->auth_id != y->auth_id) return x->auth_id < y->auth_id ? -1 : 1;
    return (x->row_id > y->row_id) - (x->row_id < y->row_id);
}

struct screened {
    int64_t ids[40];
    size_t n;
};

static enum cl_err screen_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    screening_from_row(row, 0, ctx);
    return CL_OK;
}

/* Checks one party's latest screening, once per party: as loaded with its authorization (known), or read now. */
static enum cl_err screening_gate(struct cl_store *st, struct screened *seen, int64_t party_id,
                                  const struct screening *known, const char *role, struct cl_ledger_refusal *r,
                                  struct cl_error *err)
{
    for (size_t i = 0; i < seen->n; i++)
        if (seen->ids[i] == party_id) return CL_OK;
    if (seen->n < 40) seen->ids[seen->n++] = party_id;
    struct screening read;
    if (!known) {
        memset(&read, 0, sizeof(read));
        struct cl_val p[] = {CL_VINT(party_id)};
        enum cl_err rc = cl_store_query(st,
                                        "SELECT name, screening_decision, screening_at, screening_list_version,"
                                        " screening_summary FROM ledger_parties WHERE id = ?",
                                        p, 1, screen_row, &read, err);
        if (rc) return rc;
        known = &read;
    }
    const struct screening s = *known;
    if (!strcmp(s.decision, "clear")) return CL_OK;
    struct cl_ledger_reason *x = lg_reason(r, CL_REFUSAL_SCREENING_NOT_CLEAR, "party %s", s.name);
    if (!s.decision[0]) {
        snprintf(x->message, sizeof(x->message), "%s %s has no screening result", role, s.name);
        snprintf(x->unblock, sizeof(x->unblock),
                 "screen %s against the restricted-party lists and record a clear result", s.name);
    } else {
        snprintf(x->message, sizeof(x->message), "%s %s was screened %s on %s against lists %s%s%s", role, s.name,
                 s.decision, s.at, s.version, s.summary[0] ? ": " : "", s.summary);
        snprintf(x->unblock, sizeof(x->unblock),
                 !strcmp(s.decision, "review")
                     ? "a compliance officer reviews the possible match and records a clear result"
                     : "nothing while the block stands: the party must come off the list (a new screening with a clear "
                       "result)");
    }
    return CL_OK;
}

/* Copies the first column into a char[16]. */
static enum cl_err text_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    lg_row_copy(row, 0, ctx, 16);
    return CL_OK;
}

static enum cl_err vetting_gate(struct cl_store *st, int64_t buyer_id, const char *buyer, const char *jurisdiction,
                                struct cl_ledger_refusal *r, struct cl_error *err)
{
    char state[16] = "unvetted";
    struct cl_val p[] = {CL_VINT(buyer_id), CL_VTEXT(jurisdiction)};
    enum cl_err rc = cl_store_query(st, "SELECT state FROM ledger_party_vetting WHERE party_id = ? AND jurisdiction = ?",
                                    p, 2, text_row, state, err);
    if (rc) return rc;
    if (!strcmp(state, "vetted")) return CL_OK;
    struct cl_ledger_reason *x = lg_reason(r, CL_REFUSAL_PARTY_NOT_VETTED, "party %s", buyer);
    snprintf(x->message, sizeof(x->message), "buyer %s is %s in %s, not vetted", buyer, state, jurisdiction);
    snprintf(x->unblock, sizeof(x->unblock), "%s vets %s as an approved customer (clearance party vet %s --jurisdiction %s "
             "--state vetted)", jurisdiction, buyer, buyer, jurisdiction);
    return CL_OK;
}

static json_t *ship_request_json(const struct cl_ledger_ship_spec *s)
{
    return json_pack("{s:s, s:s?, s:I}", "order", s->order, "ref", s->ref, "quantity", (json_int_t)s->quantity);
}

/* Posts q units and v cents of one reservation: its authorization or pool moves them from reserved to consumed.
 * Every gate was open, so the invariant holds on the row as it now stands: as read in this transaction (serialised
 * against every other writer) less what moved, asserted without reading it again. */
static enum cl_err post(const struct cl_ledger_ctx *cx, const struct held *h, int64_t q, int64_t v, bool last,
                        struct cl_error *err)
{
    struct cl_val rv[] = {CL_VINT(q), CL_VINT(v), CL_VTEXT(last ? "posted" : "held"), CL_VINT(h->id)};
    enum cl_err rc = cl_store_exec(cx->st,
                                   "UPDATE ledger_reservations SET quantity_posted = quantity_posted + ?,"
                                   " value_posted_cents = value_posted_cents + ?, state = ? WHERE id = ?",
                                   rv, 4, NULL, err);
    if (rc) return rc;
    int64_t changed = 0;
    if (h->auth_id) {
        struct cl_val u[] = {CL_VINT(q), CL_VINT(q), CL_VINT(v), CL_VINT(v), CL_VINT(h->auth_id)};
        rc = cl_store_exec(cx->st,
                           "UPDATE ledger_auths SET quantity_reserved = quantity_reserved - ?,"
                           " quantity_consumed = quantity_consumed + ?, value_reserved_cents = value_reserved_cents - ?,"
                           " value_consumed_cents = value_consumed_cents + ? WHERE id = ?",
                           u, 5, &changed, err);
        if (!rc) {
            CL_ASSERT(changed == 1);
            lg_assert_auth_totals(&h->totals, -q, q, -v, v);
        }
    } else {
        struct cl_val u[] = {CL_VINT(q), CL_VINT(q), CL_VINT(h->pool_id)};
        rc = cl_store_exec(cx->st,
                           "UPDATE ledger_pools SET quantity_reserved = quantity_reserved - ?,"
                           " quantity_consumed = quantity_consumed + ? WHERE id = ?",
                           u, 3, &changed, err);
        if (!rc) {
            CL_ASSERT(changed == 1);
            CL_ASSERT(h->pool_reserved - q >= 0 && h->pool_consumed >= 0);
            CL_ASSERT(h->pool_reserved + h->pool_consumed <=
                      lg_pool_cap(h->follows, h->cap_quantity, h->counter_value, h->ratio_ppm));
        }
    }
    return rc;
}

enum cl_err cl_ledger_ship(const struct cl_ledger_ctx *cx, const struct cl_ledger_ship_spec *s,
                           const struct cl_ledger_requirements *req, json_t **out_shipment, bool *out_replayed,
                           struct cl_ledger_refusal *r, struct cl_error *err)
{
    *out_shipment = NULL;
    if (out_replayed) *out_replayed = false;
    cl_ledger_refusal_init(r);
    if (s->quantity <= 0 || s->quantity > CL_LEDGER_QUANTITY_MAX)
        return cl_error_set(err, CL_ERR_INPUT, "quantity: between 1 and %lld units", (long long)CL_LEDGER_QUANTITY_MAX);
    enum cl_err rc = CL_OK;
    char *request = NULL;
    struct held_set *hs = NULL;
    struct cond_set *cs = NULL;
    if (s->idempotency_key) {
        if (!*s->idempotency_key || strlen(s->idempotency_key) >= CL_LEDGER_REF_BYTES)
            return cl_error_set(err, CL_ERR_INPUT, "idempotency key: empty or longer than %d bytes",
                                CL_LEDGER_REF_BYTES - 1);
        json_t *rq = ship_request_json(s);
        request = rq ? cl_json_canonical(rq) : NULL;
        json_decref(rq);
        if (!request) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        rc = lg_idem_find(cx->st, s->idempotency_key, "ship", request, out_shipment, err);
        if (rc || *out_shipment) {
            if (!rc && out_replayed) *out_replayed = true;
            free(request);
            return rc;
        }
    }
    struct cl_ledger_order_info loaded;
    const struct cl_ledger_order_info *known = s->known;
    if (!known || strcmp(known->ref, s->order)) {
        rc = cl_ledger_order_get(cx->st, s->order, &loaded, err);
        if (rc) goto out;
        known = &loaded;
    }
    const struct cl_ledger_order_info o = *known;
    struct cl_val op[] = {CL_VINT(o.id)};
    if (cx->date < o.order_date) {
        rc = cl_error_set(err, CL_ERR_INPUT, "order %s was placed after the shipment date", o.ref);
        goto out;
    }
    char date[CL_DATE_TEXT_BYTES], b[CL_DATE_TEXT_BYTES];
    cl_date_format(cx->date, date);
    struct cl_ledger_reason *x;

    /* the order itself */
    bool open = !strcmp(o.state, "open") || !strcmp(o.state, "partially_shipped");
    int64_t left = o.quantity - o.quantity_shipped;
    if (!open) {
        x = lg_reason(r, CL_REFUSAL_ORDER_NOT_OPEN, "order %s", o.ref);
        snprintf(x->message, sizeof(x->message), "order %s is %s", o.ref, o.state);
        snprintf(x->unblock, sizeof(x->unblock), "place a new order");
    } else if (o.expires_on != CL_DATE_NONE && cx->date > o.expires_on) {
        cl_date_format(o.expires_on, b);
        x = lg_reason(r, CL_REFUSAL_RESERVATION_EXPIRED, "order %s", o.ref);
        snprintf(x->message, sizeof(x->message), "the reservation of order %s lapsed after %s", o.ref, b);
        snprintf(x->unblock, sizeof(x->unblock), "place the order again: its capacity is released at the next sweep");
    }
    if (open && s->quantity > left) {
        x = lg_reason(r, CL_REFUSAL_ORDER_QUANTITY_EXCEEDED, "order %s", o.ref);
        snprintf(x->message, sizeof(x->message), "order %s has %lld of %lld units left to ship; %lld requested", o.ref,
                 (long long)left, (long long)o.quantity, (long long)s->quantity);
        snprintf(x->unblock, sizeof(x->unblock), "ship at most %lld units, or place a further order", (long long)left);
        lg_reason_numbers(x, "units", s->quantity, o.quantity, 0, o.quantity_shipped);
    }

    /* the rules on the shipment date */
    for (size_t i = 0; i < req->n_policies; i++) {
        const struct cl_ledger_req_policy *p = &req->policies[i];
        if (!p->prohibits) continue;
        x = lg_reason(r, CL_REFUSAL_RULES_DENY, "rules of %s", p->jurisdiction);
        snprintf(x->message, sizeof(x->message), "%s rules in force on %s prohibit it (%s, by %s)", p->jurisdiction, date,
                 p->policy, p->rule_id ? p->rule_id : "?");
        snprintf(x->unblock, sizeof(x->unblock), "nothing in the ledger can: the rule must change or stop applying");
        snprintf(x->citation, sizeof(x->citation), "%s", p->citation ? p->citation : "");
    }

    hs = calloc(1, sizeof(*hs));
    cs = calloc(1, sizeof(*cs));
    if (!hs || !cs) {
        rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    rc = cl_store_query(cx->st,
                        "SELECT r.id, r.auth_id, r.pool_id, r.quantity, r.quantity_posted, r.value_cents,"
                        " r.value_posted_cents, a.ref, a.jurisdiction, a.kind, a.state, a.valid_from, a.valid_to,"
                        " a.holder_id, h.name, h.screening_decision, h.screening_at, h.screening_list_version,"
                        " h.screening_summary, p.name, p.follows, p.cap_quantity, c.value, p.ratio_ppm,"
                        " p.quantity_reserved, p.quantity_consumed, a.quantity_cap, a.quantity_reserved,"
                        " a.quantity_consumed, a.value_limit_cents, a.value_reserved_cents, a.value_consumed_cents"
                        " FROM ledger_reservations r"
                        " LEFT JOIN ledger_auths a ON a.id = r.auth_id LEFT JOIN ledger_parties h ON h.id = a.holder_id"
                        " LEFT JOIN ledger_pools p ON p.id = r.pool_id LEFT JOIN ledger_counters c ON c.id = p.counter_id"
                        " WHERE r.order_id = ? AND r.state = 'held' ORDER BY r.id",
                        op, 1, held_row, hs, err);
    /* the conditions of every reserved authorization at once (sorted here: an ORDER BY would cost SQLite a
     * temporary table on every shipment) */
    if (!rc)
        rc = cl_store_query(cx->st,
                            "SELECT c.auth_id, c.condition_id, c.state, c.set_by, c.text, c.citation, c.id"
                            " FROM ledger_conditions c JOIN ledger_reservations r ON r.auth_id = c.auth_id"
                            " WHERE r.order_id = ? AND r.state = 'held'",
                            op, 1, cond_row, cs, err);
    if (rc) goto out;
    if (cs->n > 1) qsort(cs->c, cs->n, sizeof(*cs->c), cond_cmp);

    /* authorizations the rules require on the date, each held by the order */
    for (size_t i = 0; i < req->n_auths; i++) {
        const struct cl_ledger_req_auth *a = &req->auths[i];
        bool dup = false, held = false;
        for (size_t j = 0; j < i; j++)
            dup = dup || (!strcmp(req->auths[j].jurisdiction, a->jurisdiction) && !strcmp(req->auths[j].kind, a->kind));
        for (size_t k = 0; k < hs->n; k++)
            held = held || (hs->h[k].auth_id && !strcmp(hs->h[k].jurisdiction, a->jurisdiction) &&
                            !strcmp(hs->h[k].kind, a->kind));
        if (dup || held || !open) continue;
        x = lg_reason(r, CL_REFUSAL_AUTH_MISSING, "%s %s", a->jurisdiction, a->kind);
        snprintf(x->message, sizeof(x->message),
                 "on %s the %s rules require a %s (%s), and order %s reserved none", date, a->jurisdiction, a->kind,
                 a->issuer ? a->issuer : "?", o.ref);
        snprintf(x->unblock, sizeof(x->unblock),
                 "obtain a %s covering %s for %s, cancel order %s and place it again", a->kind, o.product, o.buyer,
                 o.ref);
        snprintf(x->citation, sizeof(x->citation), "%s", a->citation ? a->citation : "");
    }

    /* each reserved authorization: state, validity, conditions, vetting of the buyer; each following pool */
    struct screened seen = {.n = 0};
    for (size_t k = 0; !rc && k < hs->n; k++) {
        const struct held *h = &hs->h[k];
        if (!h->auth_id) {
            int64_t cap = lg_pool_cap(h->follows, h->cap_quantity, h->counter_value, h->ratio_ppm);
            if (h->pool_reserved + h->pool_consumed > cap) {
                x = lg_reason(r, CL_REFUSAL_POOL_EXHAUSTED, "pool %s", h->ref);
                snprintf(x->message, sizeof(x->message), "pool %s holds %lld units over its cap of %lld", h->ref,
                         (long long)(h->pool_reserved + h->pool_consumed - cap), (long long)cap);
                snprintf(x->unblock, sizeof(x->unblock), "wait until its counter grows");
                lg_reason_numbers(x, "units", s->quantity, cap, h->pool_reserved, h->pool_consumed);
            }
            continue;
        }
        lg_auth_state_reasons(r, h->ref, h->auth_state, h->valid_from, h->valid_to, cx->date);
        for (size_t c = 0; !rc && c < cs->n; c++) {
            const struct cond *cd = &cs->c[c];
            if (cd->auth_id != h->auth_id) continue;
            if (!strcmp(cd->state, "satisfied") || !strcmp(cd->state, "waived")) continue;
            bool failed = !strcmp(cd->state, "failed");
            x = lg_reason(r, failed ? CL_REFUSAL_CONDITION_FAILED : CL_REFUSAL_CONDITION_PENDING, "condition %s of %s",
                          cd->id, h->ref);
            snprintf(x->message, sizeof(x->message), "%s condition %s of authorization %s is %s: %s",
                     cd->set_by[0] ? cd->set_by : h->jurisdiction, cd->id, h->ref, cd->state, cd->text);
            if (failed)
                snprintf(x->unblock, sizeof(x->unblock),
                         "remedy it and have %s verify it again (clearance auth condition %s %s --state satisfied "
                         "--evidence REF), or have it waived",
                         cd->set_by[0] ? cd->set_by : "the authority", h->ref, cd->id);
            else
                snprintf(x->unblock, sizeof(x->unblock),
                         "mark it satisfied with evidence (clearance auth condition %s %s --state satisfied "
                         "--evidence REF)",
                         h->ref, cd->id);
            snprintf(x->citation, sizeof(x->citation), "%s", cd->citation);
        }
        /* the rules' conditions on the date must be recorded on the authorization of their jurisdiction */
        for (size_t q = 0; !rc && q < req->n_conditions; q++) {
            const struct cl_ledger_req_condition *rq = &req->conditions[q];
            if (strcmp(rq->jurisdiction, h->jurisdiction)) continue;
            bool recorded = false;
            for (size_t c = 0; c < cs->n; c++) recorded = recorded || (cs->c[c].auth_id == h->auth_id && !strcmp(cs->c[c].id, rq->id));
            if (recorded) continue;
            x = lg_reason(r, CL_REFUSAL_CONDITION_MISSING, "condition %s of %s", rq->id, h->ref);
            snprintf(x->message, sizeof(x->message), "on %s the rules set condition %s (%s), not recorded on %s: %s",
                     date, rq->id, rq->set_by ? rq->set_by : h->jurisdiction, h->ref, rq->text);
            snprintf(x->unblock, sizeof(x->unblock),
                     "record it on %s (clearance auth condition %s %s --add) and mark it satisfied with evidence",
                     h->ref, h->ref, rq->id);
            snprintf(x->citation, sizeof(x->citation), "%s", rq->citation ? rq->citation : "");
        }
        if (!rc && h->holder_id != o.buyer_id) rc = vetting_gate(cx->st, o.buyer_id, o.buyer, h->jurisdiction, r, err);
        if (!rc) rc = screening_gate(cx->st, &seen, h->holder_id, &h->holder, "holder", r, err);
    }
    if (!rc) rc = screening_gate(cx->st, &seen, o.exporter_id, NULL, "exporter", r, err);
    if (!rc) rc = screening_gate(cx->st, &seen, o.buyer_id, NULL, "buyer", r, err);
    if (rc) goto out;

    if (r->n) {
        json_t *codes = json_array();
        for (size_t i = 0; i < r->n; i++)
            json_array_append_new(codes, json_string(cl_ledger_refusal_code_name(r->reasons[i].code)));
        json_t *data = json_pack("{s:s, s:I, s:o, s:o}", "order", o.ref, "quantity", (json_int_t)s->quantity, "codes",
                                 codes, "reasons", cl_ledger_refusal_to_json(r));
        rc = lg_event(cx, "shipment.held", "order", o.ref, data, NULL, err);
        if (!rc) rc = cl_error_set(err, CL_ERR_REFUSED, "shipment held: %s", r->reasons[0].message);
        goto out;
    }

    /* every gate is open: book it */
    bool last = s->quantity == left;
    int64_t value = cl_ledger_shipment_value(o.value_cents, o.quantity, o.quantity_shipped, s->quantity);
    char ref[CL_LEDGER_REF_BYTES], at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    rc = lg_ref(cx->st, "ledger_shipments", s->ref, "S-", ref, err);
    int64_t ship_id = 0;
    if (!rc) {
        struct cl_val v[] = {CL_VTEXT(ref), CL_VINT(o.id), CL_VINT(s->quantity), CL_VINT(value), CL_VTEXT(date),
                             CL_VTEXT(req->rules_digest), CL_VTEXT(at), CL_VTEXT(cx->actor)};
        rc = cl_store_query_int(cx->st,
                                "INSERT INTO ledger_shipments (ref, order_id, quantity, value_cents, ship_date,"
                                " rules_digest, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                v, 8, &ship_id, NULL, err);
    }
    for (size_t k = 0; !rc && k < hs->n; k++) {
        const struct held *h = &hs->h[k];
        CL_ASSERT(h->quantity - h->quantity_posted == left);
        /* every authorization reserved the order's whole value; the last shipment posts what remains of it */
        int64_t v = h->auth_id ? (last ? h->value_cents - h->value_posted_cents : value) : 0;
        if (h->auth_id) CL_ASSERT(v == value);
        rc = post(cx, h, s->quantity, v, last, err);
    }
    if (!rc) {
        struct cl_val u[] = {CL_VINT(s->quantity), CL_VINT(value), CL_VTEXT(last ? "shipped" : "partially_shipped"),
                             CL_VINT(o.id)};
        rc = cl_store_exec(cx->st,
                           "UPDATE ledger_orders SET quantity_shipped = quantity_shipped + ?,"
                           " value_shipped_cents = value_shipped_cents + ?, state = ? WHERE id = ?",
                           u, 4, NULL, err);
    }
    /* fees: one per charge id the rules give on the date, payable by the exporter */
    json_t *fees_public = json_array(), *fees_commercial = json_array();
    for (size_t i = 0; !rc && i < req->n_charges; i++) {
        const struct cl_ledger_req_charge *c = &req->charges[i];
        bool dup = false;
        for (size_t j = 0; j < i; j++) dup = dup || !strcmp(req->charges[j].id, c->id);
        if (dup) continue;
        int64_t amount = cl_money_apply_rate(value, c->rate_ppm);
        /* the rounding contract: |amount x 10^6 - value x rate| <= 10^6 / 2 */
        __extension__ typedef __int128 i128;
        i128 diff = (i128)amount * CL_RATE_PPM_ONE - (i128)value * c->rate_ppm;
        CL_ASSERT(diff <= CL_RATE_PPM_ONE / 2);
        CL_ASSERT(-diff <= CL_RATE_PPM_ONE / 2);
        struct cl_val fv[] = {CL_VINT(ship_id),     CL_VINT(o.exporter_id), CL_VTEXT(c->id),
                              CL_VTEXT(c->kind),    CL_VTEXT(c->jurisdiction), CL_VTEXT(c->rule_id),
                              CL_VTEXT(c->citation), CL_VTEXT(c->collector), CL_VINT(c->rate_ppm),
                              CL_VINT(value),       CL_VINT(amount),          CL_VTEXT(date)};
        rc = cl_store_exec(cx->st,
                           "INSERT INTO ledger_fees (shipment_id, payer_id, charge_id, kind, jurisdiction, rule_id,"
                           " citation, collector, rate_ppm, base_cents, amount_cents, accrued_on)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           fv, 12, NULL, err);
        json_array_append_new(fees_public, json_pack("{s:s, s:s, s:I, s:s?}", "charge", c->id, "kind", c->kind,
                                                     "rate_ppm", (json_int_t)c->rate_ppm, "rule", c->rule_id));
        json_array_append_new(fees_commercial, json_pack("{s:s, s:I, s:I}", "charge", c->id, "base_cents",
                                                         (json_int_t)value, "amount_cents", (json_int_t)amount));
    }
    if (!rc) rc = lg_shipment_json(cx->st, ship_id, out_shipment, err);
    if (!rc) {
        json_t *data = json_pack("{s:s, s:s, s:I, s:b, s:o}", "order", o.ref, "product", o.product, "quantity",
                                 (json_int_t)s->quantity, "completes_order", last, "fees", fees_public);
        fees_public = NULL;
        if (req->rules_digest) json_object_set_new(data, "rules_digest", json_string(req->rules_digest));
        json_t *commercial = json_pack("{s:I, s:o}", "value_cents", (json_int_t)value, "fees", fees_commercial);
        fees_commercial = NULL;
        rc = lg_event(cx, "shipment.create", "shipment", ref, data, commercial, err);
    }
    json_decref(fees_public);
    json_decref(fees_commercial);
    if (!rc && s->idempotency_key) rc = lg_idem_store(cx, s->idempotency_key, "ship", request, *out_shipment, err);
out:
    if (hs) free(hs->h);
    if (cs) free(cs->c);
    free(hs);
    free(cs);
    free(request);
    if (rc && *out_shipment) {
        json_decref(*out_shipment);
        *out_shipment = NULL;
    }
    return rc;
}
