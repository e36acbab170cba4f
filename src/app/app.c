/* The service layer: each user action in one store transaction, with the rules in force on its date. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "clearance/app.h"
#include "clearance/screen.h"

/* ---- environment and connection ----------------------------------------------------------------------------- */

/* Per connection: determinations are pure functions of the sale's facts and the rule set, which does not change
 * while the app is open, so they are kept; so are the facts of parties that never change (id, name, roles,
 * country, headquarters), forgotten on every rollback in case the party was added by what was rolled back. */
#define CACHE_RULINGS 64
#define CACHE_PARTIES 128

struct ruling {
    char key[768];
    struct cl_ledger_requirements req;
};

struct cl_app_cache {
    struct cl_arena arena; /* the rulings' arrays */
    struct ruling rulings[CACHE_RULINGS];
    size_t n_rulings;
    char party_keys[CACHE_PARTIES][CL_LIMIT_NAME_BYTES];
    struct cl_ledger_party_info parties[CACHE_PARTIES];
    size_t n_parties;
};

static void forget_parties(struct cl_app *app)
{
    app->cache->n_parties = 0;
}

enum cl_err cl_app_open(const struct cl_reference *env, const char *target, const struct cl_store_options *options,
                        struct cl_app **out, struct cl_error *err)
{
    struct cl_app *app = calloc(1, sizeof(*app));
    if (!app) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    app->cache = malloc(sizeof(*app->cache));
    if (!app->cache) {
        free(app);
        return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    cl_arena_init(&app->cache->arena, 0);
    app->cache->n_rulings = app->cache->n_parties = 0;
    app->env = env;
    enum cl_err rc = cl_store_open(target, options, &app->st, err);
    if (!rc) rc = cl_ledger_migrate(app->st, err);
    if (!rc) rc = app_journal_open(app, err);
    if (!rc) rc = cl_screen_store_migrate(app->st, err);
    if (rc) {
        cl_app_close(app);
        return rc;
    }
    *out = app;
    return CL_OK;
}

void cl_app_close(struct cl_app *app)
{
    if (!app) return;
    cl_store_close(app->st);
    json_decref(app->journal_pending);
    cl_arena_release(&app->cache->arena);
    free(app->cache);
    free(app);
}

enum cl_err cl_app_batch_begin(struct cl_app *app, struct cl_error *err)
{
    CL_ASSERT(!app->in_batch);
    enum cl_err rc = cl_store_begin(app->st, CL_TX_WRITE, err);
    if (!rc) app->in_batch = true;
    return rc;
}

enum cl_err cl_app_batch_commit(struct cl_app *app, struct cl_error *err)
{
    CL_ASSERT(app->in_batch);
    app->in_batch = false;
    /* the batch's journal entries, in one append, commit with it */
    enum cl_err rc = app->journal_pending ? app_journal_flush(app, err) : CL_OK;
    if (rc) {
        forget_parties(app);
        cl_store_rollback(app->st);
        return rc;
    }
    return cl_store_commit(app->st, err);
}

void cl_app_batch_rollback(struct cl_app *app)
{
    app->in_batch = false;
    if (app->journal_pending) app_journal_forget(app, 0);
    forget_parties(app);
    cl_store_rollback(app->st);
}

/* ---- results ------------------------------------------------------------------------------------------------ */

void cl_app_result_init(struct cl_app_result *r)
{
    /* not the whole struct: the refusal's reasons are only read up to refusal.n */
    r->object = NULL;
    r->events = NULL;
    r->refused = r->replayed = r->dry_run = false;
    cl_ledger_refusal_init(&r->refusal);
}

void cl_app_result_release(struct cl_app_result *r)
{
    json_decref(r->object);
    json_decref(r->events);
    cl_app_result_init(r);
}

json_t *cl_app_result_to_json(enum cl_app_action action, const struct cl_app_result *r, enum cl_err rc,
                              const struct cl_error *err)
{
    const char *outcome = rc == CL_OK ? "ok" : rc == CL_ERR_REFUSED && r->refused ? "refused" : "error";
    json_t *o = json_pack("{s:s, s:s}", "action", cl_app_action_id(action), "outcome", outcome);
    if (r->object) json_object_set(o, "result", r->object);
    if (r->refused) json_object_set_new(o, "reasons", cl_ledger_refusal_to_json(&r->refusal));
    if (rc && !r->refused)
        json_object_set_new(o, "error", json_pack("{s:s, s:s}", "code", cl_err_name(rc) + 7 /* "CL_ERR_" */,
                                                  "message", err && err->msg[0] ? err->msg : cl_strerror(rc)));
    if (r->replayed) json_object_set_new(o, "replayed", json_true());
    if (r->dry_run) json_object_set_new(o, "dry_run", json_true());
    json_object_set_new(o, "events", json_integer(r->events ? (json_int_t)json_array_size(r->events) : 0));
    return o;
}

/* ---- running an action -------------------------------------------------------------------------------------- */

struct run;
typedef enum cl_err (*body_fn)(struct run *run, struct cl_error *err);

struct run {
    struct cl_app *app;
    const struct cl_app_request *req;
    struct cl_app_result *out;
    struct cl_ledger_ctx cx;
    struct cl_arena arena;
    body_fn body;
    int attempts;
    struct cl_error refused; /* the refusal's message, kept across the commit */
};

static enum cl_err attempt(void *ctx, struct cl_error *err)
{
    struct run *run = ctx;
    if (run->attempts++) forget_parties(run->app); /* the previous attempt was rolled back */
    json_decref(run->out->object);
    run->out->object = NULL;
    json_decref(run->out->events);
    run->out->events = json_array();
    run->out->refused = run->out->replayed = false;
    cl_ledger_refusal_init(&run->out->refusal);
    cl_arena_release(&run->arena);
    run->cx.events = run->out->events;
    /* in a batch the savepoint's caller keeps the journal straight; alone, this attempt is the transaction */
    if (!run->app->in_batch && run->app->journal_pending) app_journal_forget(run->app, 0);
    enum cl_err rc = run->body(run, err);
    if (rc == CL_ERR_REFUSED) {
        /* the refusal is an answer, and its event is kept: commit, then report it */
        run->out->refused = true;
        cl_error_clear(&run->refused);
        cl_error_set(&run->refused, CL_ERR_REFUSED, "%s", err && err->msg[0] ? err->msg : "refused");
        if (err) cl_error_clear(err);
        rc = CL_OK;
    }
    /* the journal entries go in just before the commit that cl_store_retry makes next */
    if (!rc && !run->app->in_batch && !run->req->dry_run && run->app->journal_pending)
        rc = app_journal_flush(run->app, err);
    return rc;
}

/* One fixed savepoint name: savepoints do not nest here, and a fixed text keeps one prepared statement. */
static enum cl_err savepoint(struct cl_app *app, const char *sql, struct cl_error *err)
{
    return cl_store_exec(app->st, sql, NULL, 0, NULL, err);
}

/* Runs the action in a savepoint of the open batch, rolled back (with the journal entries it queued) when it fails,
 * or always when undo is set. */
static enum cl_err in_savepoint(struct run *run, bool undo, struct cl_error *err)
{
    struct cl_app *app = run->app;
    size_t mark = app->journal_pending ? app_journal_mark(app) : 0;
    enum cl_err rc = savepoint(app, "SAVEPOINT cl_action", err);
    if (rc) return rc;
    rc = attempt(run, err);
    struct cl_error ignored = {0};
    if (rc || undo) {
        savepoint(app, "ROLLBACK TO SAVEPOINT cl_action", &ignored);
        if (app->journal_pending) app_journal_forget(app, mark);
    }
    enum cl_err rel = savepoint(app, "RELEASE SAVEPOINT cl_action", rc ? &ignored : err);
    return rc ? rc : rel;
}

/* A dry run: the action runs as it would now, in its own transaction or a savepoint of the batch, which is then
 * undone whatever the outcome, with the journal entries and event records it made. Its answer (what it would make,
 * or every reason it would be refused) is all that is left. */
static enum cl_err dry_run(struct run *run, struct cl_error *err)
{
    struct cl_app *app = run->app;
    enum cl_err rc;
    if (app->in_batch) {
        rc = in_savepoint(run, true, err);
    } else {
        rc = cl_store_begin(app->st, CL_TX_WRITE, err);
        if (rc) return rc;
        rc = attempt(run, err);
        cl_store_rollback(app->st);
        if (app->journal_pending) app_journal_forget(app, 0);
    }
    json_decref(run->out->events);
    run->out->events = json_array();
    run->out->dry_run = true;
    return rc;
}

/* Bodies, defined below. */
static body_fn body_for(enum cl_app_action a);

enum cl_err cl_app_execute(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                           struct cl_app_result *out, struct cl_error *err)
{
    struct run run = {.app = app, .req = req, .out = out};
    cl_arena_init(&run.arena, 0);
    run.body = body_for(req->action);
    run.cx.st = app->st;
    run.cx.actor = who->name && *who->name ? who->name : "unknown";
    run.cx.at = who->at;
    run.cx.date = who->date != CL_DATE_NONE ? who->date : cl_time_date(who->at);
    run.cx.reason = who->reason;
    run.cx.hook = app->hook;
    run.cx.hook_ctx = app->hook_ctx;
    enum cl_err rc;
    if (!cl_app_action_writes(req->action)) {
        out->events = out->events ? out->events : json_array();
        rc = app->in_batch ? CL_OK : cl_store_begin(app->st, CL_TX_READ, err);
        if (!rc) rc = run.body(&run, err);
        if (!app->in_batch) cl_store_rollback(app->st);
    } else if (req->dry_run) {
        rc = dry_run(&run, err);
    } else if (app->in_batch) {
        rc = in_savepoint(&run, false, err);
    } else {
        rc = cl_store_retry(app->st, 8, attempt, &run, err);
    }
    if (!rc && out->refused) rc = cl_error_set(err, CL_ERR_REFUSED, "%s", run.refused.msg);
    if (rc && rc != CL_ERR_REFUSED) {
        /* nothing was committed: no object, no events, and no party it may have added */
        forget_parties(app);
        json_decref(out->object);
        out->object = NULL;
        json_decref(out->events);
        out->events = json_array();
        out->refused = false;
    }
    cl_arena_release(&run.arena);
    return rc;
}

/* ---- determination as plain values -------------------------------------------------------------------------- */

struct sale_facts {
    const char *product, *destination, *exported_from, *buyer, *headquarters, *end_use;
    int64_t quantity, value_cents;
};

/* Runs the rules for one sale on cx.date and converts what they require into ledger values (in the arena). */
static enum cl_err determine(struct run *run, struct cl_arena *arena, const struct sale_facts *f,
                             struct cl_ledger_requirements *out, struct cl_error *err);

static enum cl_err requirements(struct run *run, const struct sale_facts *f, struct cl_ledger_requirements *out,
                                struct cl_error *err)
{
    struct cl_app_cache *c = run->app->cache;
    char key[768], date[CL_DATE_TEXT_BYTES];
    cl_date_format(run->cx.date, date);
    int n = snprintf(key, sizeof(key), "%s|%s|%s|%s|%s|%s|%s", f->product, f->destination,
                     f->exported_from ? f->exported_from : "", f->headquarters ? f->headquarters : "",
                     f->buyer ? f->buyer : "", f->end_use ? f->end_use : "", date);
    bool cacheable = n > 0 && (size_t)n < sizeof(key);
    for (size_t i = 0; cacheable && i < c->n_rulings; i++)
        if (!strcmp(c->rulings[i].key, key)) {
            *out = c->rulings[i].req;
            return CL_OK;
        }
    if (!cacheable) return determine(run, &run->arena, f, out, err);
    if (c->n_rulings == CACHE_RULINGS) {
        cl_arena_release(&c->arena);
        c->n_rulings = 0;
    }
    enum cl_err rc = determine(run, &c->arena, f, out, err);
    if (rc) return rc;
    struct ruling *r = &c->rulings[c->n_rulings++];
    memcpy(r->key, key, (size_t)n + 1);
    r->req = *out;
    return CL_OK;
}

/* Runs the rules for one sale on cx.date; the requirements' arrays live in arena and borrow from the rule set. */
static enum cl_err determine(struct run *run, struct cl_arena *arena, const struct sale_facts *f,
                             struct cl_ledger_requirements *out, struct cl_error *err)
{
    const struct cl_reference *env = run->app->env;
    const struct cl_chip *chip = cl_catalog_find(&env->catalog, f->product);
    if (!chip) return cl_error_set(err, CL_ERR_NOT_FOUND, "product: no chip \"%s\" in the catalog", f->product);
    struct cl_classification *cls = cl_arena_alloc(&run->arena, sizeof(*cls));
    struct cl_sale *sale = cl_arena_alloc(&run->arena, sizeof(*sale));
    struct cl_determination *det = cl_arena_alloc(&run->arena, sizeof(*det));
    if (!cls || !sale || !det) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    cl_classify(&env->classifier, chip, run->cx.date, cls);
    sale->classification = cls;
    sale->destination = f->destination;
    sale->exported_from = f->exported_from ? f->exported_from : "US";
    sale->headquarters = f->headquarters;
    sale->buyer = f->buyer;
    sale->end_use = f->end_use;
    sale->transaction = "export";
    sale->quantity = f->quantity;
    sale->value_cents = f->value_cents;
    sale->date = run->cx.date;
    enum cl_err rc = cl_determine(&env->rules, sale, &run->arena, det, err);
    if (rc) return rc;
    memset(out, 0, sizeof(*out));
    out->date = run->cx.date;
    out->rules_digest = env->rules.digest;
    size_t na = 0, nc = 0, nch = 0;
    for (size_t j = 0; j < det->n_jurisdictions; j++) {
        na += det->jurisdictions[j].n_authorizations;
        nc += det->jurisdictions[j].n_conditions;
        nch += det->jurisdictions[j].n_charges;
    }
    struct cl_ledger_req_policy *pol = cl_arena_alloc(arena, (det->n_jurisdictions + 1) * sizeof(*pol));
    struct cl_ledger_req_auth *au = cl_arena_alloc(arena, (na + 1) * sizeof(*au));
    struct cl_ledger_req_condition *co = cl_arena_alloc(arena, (nc + 1) * sizeof(*co));
    struct cl_ledger_req_charge *ch = cl_arena_alloc(arena, (nch + 1) * sizeof(*ch));
    if (!pol || !au || !co || !ch) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < det->n_jurisdictions; j++) {
        const struct cl_jurisdiction_result *jr = &det->jurisdictions[j];
        pol[out->n_policies++] = (struct cl_ledger_req_policy){
            jr->jurisdiction, cl_policy_id(jr->policy), jr->policy == CL_POLICY_PROHIBITED,
            jr->policy_rule ? jr->policy_rule->id : NULL, jr->policy_rule ? jr->policy_rule->citation : NULL};
        for (size_t k = 0; k < jr->n_authorizations; k++)
            au[out->n_auths++] = (struct cl_ledger_req_auth){
                jr->jurisdiction, jr->authorizations[k].authorization->kind, jr->authorizations[k].authorization->issuer,
                jr->authorizations[k].rule->id, jr->authorizations[k].rule->citation};
        for (size_t k = 0; k < jr->n_conditions; k++) {
            const struct cl_condition_due *c = &jr->conditions[k];
            co[out->n_conditions++] = (struct cl_ledger_req_condition){
                jr->jurisdiction, c->condition->id,  c->condition->text,  c->condition->set_by,
                c->rule->id,      c->rule->citation, c->condition->final};
        }
        for (size_t k = 0; k < jr->n_charges; k++) {
            const struct cl_charge_due *c = &jr->charges[k];
            ch[out->n_charges++] = (struct cl_ledger_req_charge){
                jr->jurisdiction, c->charge->id, c->charge->kind, c->charge->collector, c->rule->id,
                c->rule->citation, c->charge->rate_ppm};
        }
    }
    out->policies = pol;
    out->auths = au;
    out->conditions = co;
    out->charges = ch;
    return CL_OK;
}

/* A party's fixed facts, from the cache or the store. */
static enum cl_err party_get(struct run *run, const char *name, struct cl_ledger_party_info *out,
                             struct cl_error *err)
{
    struct cl_app_cache *c = run->app->cache;
    for (size_t i = 0; name && i < c->n_parties; i++)
        if (!strcmp(c->party_keys[i], name)) {
            *out = c->parties[i];
            return CL_OK;
        }
    enum cl_err rc = cl_ledger_party_get(run->cx.st, name, out, err);
    if (!rc && c->n_parties < CACHE_PARTIES && strlen(name) < CL_LIMIT_NAME_BYTES) {
        memcpy(c->party_keys[c->n_parties], name, strlen(name) + 1);
        c->parties[c->n_parties++] = *out;
    }
    return rc;
}

static bool has_role(const char *roles, const char *role)
{
    size_t n = strlen(role);
    for (const char *p = roles; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, role, n)) return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* ---- bodies ------------------------------------------------------------------------------------------------- */

static enum cl_err show(struct run *run, const char *kind, const char *key, struct cl_error *err)
{
    return cl_ledger_show(run->cx.st, kind, key, &run->out->object, err);
}

static enum cl_err do_party_add(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    struct cl_ledger_party p = {q->name, q->roles, q->country, q->headquarters, q->list, q->n_list};
    enum cl_err rc = cl_ledger_party_add(&run->cx, &p, err);
    return rc ? rc : show(run, "party", q->name, err);
}

static enum cl_err do_party_vet(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    enum cl_err rc = cl_ledger_party_vet(&run->cx, q->party, q->jurisdiction, q->state, err);
    return rc ? rc : show(run, "party", q->party, err);
}

static enum cl_err do_party_screen(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    struct cl_ledger_screening s = {q->decision, q->screened_at ? q->screened_at : run->cx.at, q->list_version,
                                    q->summary};
    enum cl_err rc = cl_ledger_party_screening_set(&run->cx, q->party, &s, err);
    return rc ? rc : show(run, "party", q->party, err);
}

/* The facts of a sale an authorization covers: the buyer is the holder when it imports, else the first
 * counterparty; goods leave from the exporter's country. */
static enum cl_err auth_sale(struct run *run, const char *holder, const char *counterparty, const char *destination,
                             const char *product, struct sale_facts *f, struct cl_error *err)
{
    struct cl_ledger_party_info *h = cl_arena_alloc(&run->arena, sizeof(*h));
    struct cl_ledger_party_info *c = cl_arena_alloc(&run->arena, sizeof(*c));
    if (!h || !c) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    enum cl_err rc = party_get(run, holder, h, err);
    if (!rc && counterparty && *counterparty) rc = party_get(run, counterparty, c, err);
    if (rc) return rc;
    bool have_c = counterparty && *counterparty;
    const struct cl_ledger_party_info *buyer = has_role(h->roles, "importer") || !have_c ? h : c;
    const struct cl_ledger_party_info *exporter = has_role(h->roles, "exporter") ? h
                                                  : have_c && has_role(c->roles, "exporter") ? c
                                                                                            : NULL;
    memset(f, 0, sizeof(*f));
    f->product = product;
    f->destination = destination && *destination ? destination : buyer->country;
    f->exported_from = exporter ? exporter->country : "US";
    f->buyer = buyer->name;
    f->headquarters = buyer->headquarters;
    return CL_OK;
}

static enum cl_err do_auth_apply(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    if (!q->n_products) return cl_error_set(err, CL_ERR_INPUT, "products: at least one is needed");
    size_t cap = 64;
    struct cl_ledger_req_condition *conds = cl_arena_alloc(&run->arena, cap * sizeof(*conds));
    if (!conds) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    size_t n = 0;
    const char *kind = q->kind, *authority = q->authority, *destination = q->destination;
    for (size_t i = 0; i < q->n_products; i++) {
        struct sale_facts f;
        struct cl_ledger_requirements r;
        enum cl_err rc = auth_sale(run, q->holder, q->n_list ? q->list[0] : NULL, q->destination, q->products[i], &f, err);
        if (!rc) rc = requirements(run, &f, &r, err);
        if (rc) return rc;
        if (!destination) destination = f.destination;
        for (size_t k = 0; k < r.n_auths; k++)
            if (!strcmp(r.auths[k].jurisdiction, q->jurisdiction)) {
                if (!kind) kind = r.auths[k].kind;
                if (!authority && !strcmp(r.auths[k].kind, kind)) authority = r.auths[k].issuer;
            }
        for (size_t k = 0; k < r.n_conditions; k++) {
            if (strcmp(r.conditions[k].jurisdiction, q->jurisdiction)) continue;
            bool dup = false;
            for (size_t j = 0; j < n; j++) dup = dup || !strcmp(conds[j].id, r.conditions[k].id);
            if (!dup && n < cap) conds[n++] = r.conditions[k];
        }
    }
    if (!kind || !authority) {
        char d[CL_DATE_TEXT_BYTES];
        cl_date_format(run->cx.date, d);
        return cl_error_set(err, CL_ERR_INPUT,
                            "the %s rules in force on %s require no authorization for %s to %s: give kind and authority",
                            q->jurisdiction, d, q->products[0], destination ? destination : "?");
    }
    struct cl_ledger_auth_spec s = {
        .ref = q->ref, .jurisdiction = q->jurisdiction, .kind = kind, .authority = authority, .holder = q->holder,
        .parties = q->list, .n_parties = q->n_list, .products = q->products, .n_products = q->n_products,
        .destination = destination, .has_quantity_cap = q->has_quantity_cap, .quantity_cap = q->quantity_cap,
        .has_value_cap = q->has_value_cap, .value_cap_cents = q->value_cap_cents,
        .value_tolerance_ppm = q->tolerance_ppm, .valid_from = q->valid_from, .valid_to = q->valid_to,
        .draft = q->draft, .conditions = conds, .n_conditions = n};
    char ref[CL_LEDGER_REF_BYTES];
    enum cl_err rc = cl_ledger_auth_create(&run->cx, &s, ref, err);
    return rc ? rc : show(run, "auth", ref, err);
}

/* Adds the conditions the rules set on cx.date for an authorization that it does not record yet. */
static enum cl_err sync_conditions(struct run *run, const char *ref, struct cl_error *err)
{
    struct cl_ledger_auth_info a;
    struct sale_facts f;
    struct cl_ledger_requirements r;
    enum cl_err rc = cl_ledger_auth_get(run->cx.st, ref, &a, err);
    if (!rc) rc = auth_sale(run, a.holder, a.counterparty, a.destination, a.product, &f, err);
    if (!rc) rc = requirements(run, &f, &r, err);
    for (size_t k = 0; !rc && k < r.n_conditions; k++)
        if (!strcmp(r.conditions[k].jurisdiction, a.jurisdiction))
            rc = cl_ledger_auth_condition_add(&run->cx, ref, &r.conditions[k], err);
    return rc;
}

static enum cl_err transition(struct run *run, enum cl_ledger_auth_state to, struct cl_error *err)
{
    enum cl_err rc = cl_ledger_auth_transition(&run->cx, run->req->ref, to, err);
    if (!rc && (to == CL_AUTH_APPROVED || to == CL_AUTH_APPROVED_WITH_CONDITIONS)) rc = sync_conditions(run, run->req->ref, err);
    return rc ? rc : show(run, "auth", run->req->ref, err);
}

static enum cl_err do_auth_submit(struct run *run, struct cl_error *err)
{
    return transition(run, CL_AUTH_SUBMITTED, err);
}
static enum cl_err do_auth_suspend(struct run *run, struct cl_error *err)
{
    return transition(run, CL_AUTH_SUSPENDED, err);
}
static enum cl_err do_auth_reinstate(struct run *run, struct cl_error *err)
{
    return transition(run, CL_AUTH_REINSTATED, err);
}
static enum cl_err do_auth_revoke(struct run *run, struct cl_error *err)
{
    return transition(run, CL_AUTH_REVOKED, err);
}

static enum cl_err do_auth_decide(struct run *run, struct cl_error *err)
{
    enum cl_ledger_auth_state to;
    const char *o = run->req->state;
    if (!cl_ledger_auth_state_parse(o, &to) ||
        (to != CL_AUTH_UNDER_REVIEW && to != CL_AUTH_APPROVED && to != CL_AUTH_APPROVED_WITH_CONDITIONS &&
         to != CL_AUTH_DENIED && to != CL_AUTH_RETURNED))
        return cl_error_set(err, CL_ERR_INPUT,
                            "outcome \"%s\" is not under_review, approved, approved_with_conditions, denied or returned",
                            o ? o : "");
    return transition(run, to, err);
}

/* Finds a condition by id in the rule set, for its text and citation. */
static bool rule_condition(const struct cl_ruleset *rs, const char *id, struct cl_ledger_req_condition *out)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        for (size_t k = 0; k < rs->rules[i].n_conditions; k++)
            if (!strcmp(rs->rules[i].conditions[k].id, id)) {
                const struct cl_rule_condition *c = &rs->rules[i].conditions[k];
                *out = (struct cl_ledger_req_condition){rs->rules[i].jurisdiction, c->id, c->text, c->set_by,
                                                        rs->rules[i].id, rs->rules[i].citation, c->final};
                return true;
            }
    return false;
}

static enum cl_err do_auth_condition(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    if (!q->add && !q->state) return cl_error_set(err, CL_ERR_INPUT, "give a state to set, or add to record it");
    enum cl_err rc = CL_OK;
    if (q->add) {
        struct cl_ledger_req_condition c = {NULL, q->condition, q->text, NULL, NULL, NULL, true};
        if (!rule_condition(&run->app->env->rules, q->condition, &c) && !q->text)
            return cl_error_set(err, CL_ERR_INPUT, "condition %s is in no rule: give its text", q->condition);
        if (q->text) c.text = q->text;
        rc = cl_ledger_auth_condition_add(&run->cx, q->ref, &c, err);
    }
    if (!rc && q->state) rc = cl_ledger_auth_condition_set(&run->cx, q->ref, q->condition, q->state, q->evidence, err);
    return rc ? rc : show(run, "auth", q->ref, err);
}

static enum cl_err do_pool_create(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    if (q->follows == (q->cap != 0))
        return cl_error_set(err, CL_ERR_INPUT, "pool %s: give either cap (units) or follows (a counter) and ratio",
                            q->name);
    if (q->follows && !q->ratio_ppm) return cl_error_set(err, CL_ERR_INPUT, "pool %s: ratio is required with follows", q->name);
    struct cl_ledger_pool_spec s = {q->name, q->product, q->follows, q->cap, q->counter, q->ratio_ppm,
                                    q->valid_from, q->valid_to, q->description};
    enum cl_err rc = cl_ledger_pool_create(&run->cx, &s, err);
    return rc ? rc : show(run, "pool", q->name, err);
}

static enum cl_err do_pool_add(struct run *run, struct cl_error *err)
{
    enum cl_err rc = CL_OK;
    for (size_t i = 0; !rc && i < run->req->n_list; i++)
        rc = cl_ledger_pool_member_add(&run->cx, run->req->pool, run->req->list[i], err);
    return rc ? rc : show(run, "pool", run->req->pool, err);
}

static enum cl_err do_pool_counter(struct run *run, struct cl_error *err)
{
    enum cl_err rc = cl_ledger_counter_add(&run->cx, run->req->counter, run->req->delta, &run->out->refusal, err);
    if (!rc)
        run->out->object = json_pack("{s:s, s:I}", "counter", run->req->counter, "delta", (json_int_t)run->req->delta);
    return rc;
}

static enum cl_err do_order_place(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    struct cl_ledger_party_info *e = cl_arena_alloc(&run->arena, sizeof(*e));
    struct cl_ledger_party_info *b = cl_arena_alloc(&run->arena, sizeof(*b));
    if (!e || !b) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    enum cl_err rc = party_get(run, q->exporter, e, err);
    if (!rc) rc = party_get(run, q->buyer, b, err);
    if (rc) return rc;
    struct sale_facts f = {q->product, q->destination ? q->destination : b->country, e->country, b->name,
                           b->headquarters, q->end_use, q->quantity, q->value_cents};
    struct cl_ledger_requirements r;
    rc = requirements(run, &f, &r, err);
    if (rc) return rc;
    struct cl_ledger_order_spec s = {q->ref, q->key, e->name, b->name, q->product, f.destination, q->end_use,
                                     q->quantity, q->value_cents, q->expires_on};
    return cl_ledger_order_place(&run->cx, &s, &r, &run->out->object, &run->out->replayed, &run->out->refusal, err);
}

static enum cl_err do_order_cancel(struct run *run, struct cl_error *err)
{
    enum cl_err rc = cl_ledger_order_cancel(&run->cx, run->req->ref, err);
    return rc ? rc : show(run, "order", run->req->ref, err);
}

static enum cl_err do_ship(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    struct cl_ledger_order_info *o = cl_arena_alloc(&run->arena, sizeof(*o));
    struct cl_ledger_party_info *e = cl_arena_alloc(&run->arena, sizeof(*e));
    struct cl_ledger_party_info *b = cl_arena_alloc(&run->arena, sizeof(*b));
    if (!o || !e || !b) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    enum cl_err rc = cl_ledger_order_get(run->cx.st, q->order, o, err);
    if (!rc) rc = party_get(run, o->exporter, e, err);
    if (!rc) rc = party_get(run, o->buyer, b, err);
    if (rc) return rc;
    int64_t left = o->quantity - o->quantity_shipped;
    int64_t value = q->quantity > 0 && q->quantity <= left
                        ? cl_ledger_shipment_value(o->value_cents, o->quantity, o->quantity_shipped, q->quantity)
                        : 0;
    /* the rules in force on the shipment date decide, not those of the order's date */
    struct sale_facts f = {o->product, o->destination, e->country, b->name, b->headquarters,
                           o->end_use[0] ? o->end_use : NULL, q->quantity, value};
    struct cl_ledger_requirements r;
    rc = requirements(run, &f, &r, err);
    if (rc) return rc;
    struct cl_ledger_ship_spec s = {.order = q->order, .known = o, .ref = q->ref, .idempotency_key = q->key, .quantity = q->quantity};
    return cl_ledger_ship(&run->cx, &s, &r, &run->out->object, &run->out->replayed, &run->out->refusal, err);
}

static enum cl_err do_fees_pay(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    enum cl_err rc = cl_ledger_fee_pay(&run->cx, q->party, q->charge, q->amount_cents, q->payment_ref, err);
    return rc ? rc : cl_ledger_fees_report(run->cx.st, CL_DATE_NONE, CL_DATE_NONE, q->party, &run->out->object, err);
}

static enum cl_err do_sweep(struct run *run, struct cl_error *err)
{
    int64_t orders = 0, auths = 0;
    enum cl_err rc = cl_ledger_sweep(&run->cx, &orders, &auths, err);
    if (!rc)
        run->out->object = json_pack("{s:I, s:I}", "orders_expired", (json_int_t)orders, "authorizations_expired",
                                     (json_int_t)auths);
    return rc;
}

static enum cl_err do_show(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    switch (q->action) {
    case CL_APP_PARTY_SHOW: return show(run, "party", q->name, err);
    case CL_APP_POOL_SHOW: return show(run, "pool", q->name, err);
    case CL_APP_AUTH_SHOW: return show(run, "auth", q->ref, err);
    case CL_APP_ORDER_SHOW: return show(run, "order", q->ref, err);
    default: return show(run, "shipment", q->ref, err);
    }
}

static enum cl_err do_list(struct run *run, struct cl_error *err)
{
    const char *kind = run->req->action == CL_APP_PARTY_LIST  ? "party"
                       : run->req->action == CL_APP_AUTH_LIST ? "auth"
                       : run->req->action == CL_APP_POOL_LIST ? "pool"
                       : run->req->action == CL_APP_ORDER_LIST ? "order"
                                                               : "shipment";
    return cl_ledger_list(run->cx.st, kind, run->req->filter, &run->out->object, err);
}

static enum cl_err do_fees_report(struct run *run, struct cl_error *err)
{
    const struct cl_app_request *q = run->req;
    return cl_ledger_fees_report(run->cx.st, q->from, q->to, q->party, &run->out->object, err);
}

static enum cl_err do_events(struct run *run, struct cl_error *err)
{
    return cl_ledger_events(run->cx.st, run->req->after, run->req->limit, &run->out->object, err);
}

static enum cl_err do_check(struct run *run, struct cl_error *err)
{
    return cl_ledger_check(run->cx.st, &run->out->object, err);
}

static body_fn body_for(enum cl_app_action a)
{
    static const body_fn bodies[CL_APP__COUNT] = {
        [CL_APP_PARTY_ADD] = do_party_add,
        [CL_APP_PARTY_VET] = do_party_vet,
        [CL_APP_PARTY_SCREEN_RESULT] = do_party_screen,
        [CL_APP_AUTH_APPLY] = do_auth_apply,
        [CL_APP_AUTH_SUBMIT] = do_auth_submit,
        [CL_APP_AUTH_DECIDE] = do_auth_decide,
        [CL_APP_AUTH_SUSPEND] = do_auth_suspend,
        [CL_APP_AUTH_REINSTATE] = do_auth_reinstate,
        [CL_APP_AUTH_REVOKE] = do_auth_revoke,
        [CL_APP_AUTH_CONDITION] = do_auth_condition,
        [CL_APP_POOL_CREATE] = do_pool_create,
        [CL_APP_POOL_ADD] = do_pool_add,
        [CL_APP_POOL_COUNTER] = do_pool_counter,
        [CL_APP_ORDER_PLACE] = do_order_place,
        [CL_APP_ORDER_CANCEL] = do_order_cancel,
        [CL_APP_SHIP] = do_ship,
        [CL_APP_FEES_PAY] = do_fees_pay,
        [CL_APP_SWEEP] = do_sweep,
        [CL_APP_PARTY_SHOW] = do_show,
        [CL_APP_PARTY_LIST] = do_list,
        [CL_APP_AUTH_SHOW] = do_show,
        [CL_APP_AUTH_LIST] = do_list,
        [CL_APP_POOL_SHOW] = do_show,
        [CL_APP_POOL_LIST] = do_list,
        [CL_APP_ORDER_SHOW] = do_show,
        [CL_APP_ORDER_LIST] = do_list,
        [CL_APP_SHIPMENT_SHOW] = do_show,
        [CL_APP_SHIPMENT_LIST] = do_list,
        [CL_APP_FEES_REPORT] = do_fees_report,
        [CL_APP_EVENTS] = do_events,
        [CL_APP_CHECK] = do_check,
    };
    CL_ASSERT((unsigned)a < CL_APP__COUNT);
    CL_ASSERT(bodies[a] != NULL);
    return bodies[a];
}

/* ---- one function per action -------------------------------------------------------------------------------- */

#define ACTION_FN(fn, act)                                                                                   \
    enum cl_err fn(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,        \
                   struct cl_app_result *out, struct cl_error *err)                                             \
    {                                                                                                           \
        struct cl_app_request q = *req;                                                                         \
        q.action = act;                                                                                         \
        return cl_app_execute(app, who, &q, out, err);                                                          \
    }
ACTION_FN(cl_app_party_add, CL_APP_PARTY_ADD)
ACTION_FN(cl_app_party_screen_result, CL_APP_PARTY_SCREEN_RESULT)
ACTION_FN(cl_app_auth_apply, CL_APP_AUTH_APPLY)
ACTION_FN(cl_app_auth_decide, CL_APP_AUTH_DECIDE)
ACTION_FN(cl_app_auth_condition, CL_APP_AUTH_CONDITION)
ACTION_FN(cl_app_auth_suspend, CL_APP_AUTH_SUSPEND)
ACTION_FN(cl_app_order_place, CL_APP_ORDER_PLACE)
ACTION_FN(cl_app_order_cancel, CL_APP_ORDER_CANCEL)
ACTION_FN(cl_app_ship, CL_APP_SHIP)
ACTION_FN(cl_app_fee_pay, CL_APP_FEES_PAY)
#undef ACTION_FN
