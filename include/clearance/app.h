/* The service layer: one function per user action. Each opens one store write transaction (retried on a
 * serialisation failure), loads what it needs, determines with the rules in force on the action's date (for a
 * shipment, the shipment date), hands the results to the ledger as plain values, and commits. The CLI, the
 * scenario runner and the HTTP server call only these functions. */
#ifndef CLEARANCE_APP_H
#define CLEARANCE_APP_H

#include <jansson.h>
#include <stdbool.h>

#include "clearance/catalog.h"
#include "clearance/core.h"
#include "clearance/ledger.h"
#include "clearance/reference.h"
#include "clearance/rules.h"
#include "clearance/store.h"

/* ---- environment and connection ----------------------------------------------------------------------------- */

/* One connection to the ledger's store. Used by one thread at a time. */
struct cl_app_cache;
struct cl_app {
    const struct cl_reference *env; /* borrowed: the catalog, classification and rules every action reads */
    struct cl_store *st;          /* owned */
    struct cl_app_cache *cache;   /* owned: what the rules require per sale (pure), and parties' fixed facts */
    cl_ledger_event_hook hook;    /* called for each event record in its transaction; may be NULL */
    void *hook_ctx;
    bool in_batch;
    json_t *journal_pending;      /* private: journal entries of the open transaction, appended just before commit */
};
/* Opens target (a SQLite path or a PostgreSQL URL), migrates the ledger's schema, and returns a new app (free
 * with cl_app_close). options may be NULL (durable commits). */
enum cl_err cl_app_open(const struct cl_reference *env, const char *target, const struct cl_store_options *options,
                        struct cl_app **out, struct cl_error *err);
void cl_app_close(struct cl_app *app); /* NULL does nothing */

/* Group commit: between begin and commit every action runs in a savepoint of one write transaction, so one
 * durable commit covers the batch. Nothing in the batch is acknowledged (durable) before cl_app_batch_commit
 * returns CL_OK. An action's error undoes only that action. On CL_ERR_BUSY from an action (a serialisation
 * failure dooms the whole transaction on PostgreSQL) call cl_app_batch_rollback and run the batch again; a failed
 * commit has already rolled it back. */
enum cl_err cl_app_batch_begin(struct cl_app *app, struct cl_error *err);
enum cl_err cl_app_batch_commit(struct cl_app *app, struct cl_error *err);
void cl_app_batch_rollback(struct cl_app *app);

/* ---- requests ----------------------------------------------------------------------------------------------- */

#define CL_APP_ACTION_MAP(X)                                                                                   \
    X(PARTY_ADD, "party.add", true)                                                                           \
    X(PARTY_VET, "party.vet", true)                                                                           \
    X(PARTY_SCREEN_RESULT, "party.screen_result", true)                                                       \
    X(AUTH_APPLY, "auth.apply", true)                                                                         \
    X(AUTH_SUBMIT, "auth.submit", true)                                                                       \
    X(AUTH_DECIDE, "auth.decide", true)                                                                       \
    X(AUTH_SUSPEND, "auth.suspend", true)                                                                     \
    X(AUTH_REINSTATE, "auth.reinstate", true)                                                                 \
    X(AUTH_REVOKE, "auth.revoke", true)                                                                       \
    X(AUTH_CONDITION, "auth.condition", true)                                                                 \
    X(POOL_CREATE, "pool.create", true)                                                                       \
    X(POOL_ADD, "pool.add", true)                                                                             \
    X(POOL_COUNTER, "pool.counter", true)                                                                     \
    X(ORDER_PLACE, "order.place", true)                                                                       \
    X(ORDER_CANCEL, "order.cancel", true)                                                                     \
    X(SHIP, "ship", true)                                                                                     \
    X(FEES_PAY, "fees.pay", true)                                                                             \
    X(SWEEP, "sweep", true)                                                                                   \
    X(PARTY_SHOW, "party.show", false)                                                                        \
    X(PARTY_LIST, "party.list", false)                                                                        \
    X(AUTH_SHOW, "auth.show", false)                                                                          \
    X(AUTH_LIST, "auth.list", false)                                                                          \
    X(POOL_SHOW, "pool.show", false)                                                                          \
    X(POOL_LIST, "pool.list", false)                                                                          \
    X(ORDER_SHOW, "order.show", false)                                                                        \
    X(ORDER_LIST, "order.list", false)                                                                        \
    X(SHIPMENT_SHOW, "shipment.show", false)                                                                  \
    X(SHIPMENT_LIST, "shipment.list", false)                                                                  \
    X(FEES_REPORT, "fees.report", false)                                                                      \
    X(EVENTS, "events", false)                                                                                \
    X(CHECK, "check", false)

enum cl_app_action {
#define CL_APP_ACTION_ENUM(name, id, writes) CL_APP_##name,
    CL_APP_ACTION_MAP(CL_APP_ACTION_ENUM)
#undef CL_APP_ACTION_ENUM
    CL_APP__COUNT
};
const char *cl_app_action_id(enum cl_app_action a); /* "order.place" */
bool cl_app_action_parse(const char *id, enum cl_app_action *out);
bool cl_app_action_writes(enum cl_app_action a);

#define CL_APP_LIST_MAX 16

/* One request, for any action: each action reads the fields it names (see cl_app_request_from_json for the
 * JSON names and which are required). Strings are borrowed; dates CL_DATE_NONE and flags false when absent. */
struct cl_app_request {
    enum cl_app_action action;
    const char *name, *ref, *key; /* key: the idempotency key */
    const char *roles, *country, *headquarters;
    const char *list[CL_APP_LIST_MAX]; /* aliases, counterparties, or authorizations (pool.add) */
    size_t n_list;
    const char *products[CL_APP_LIST_MAX];
    size_t n_products;
    const char *jurisdiction, *kind, *authority, *holder, *destination, *state;
    bool has_quantity_cap, has_value_cap, draft, add, follows;
    int64_t quantity_cap, value_cap_cents;
    int32_t tolerance_ppm, ratio_ppm;
    cl_date valid_from, valid_to, expires_on, from, to;
    const char *decision, *list_version, *summary;
    cl_time screened_at; /* 0: the action's time */
    const char *condition, *evidence, *text;
    const char *pool, *product, *counter, *description;
    int64_t cap, delta;
    const char *exporter, *buyer, *end_use, *order, *party, *charge, *payment_ref, *filter;
    int64_t quantity, value_cents, amount_cents, after, limit;
    /* order.place and ship only: run every check and the booking as they would run now, then undo it all; the
     * answer says what the action would give, with every reason if it would be refused, and the ledger keeps
     * nothing of it (no reservation, shipment, fee, event or journal entry). Takes no idempotency key. */
    bool dry_run;
};
void cl_app_request_init(struct cl_app_request *req, enum cl_app_action action);

/* Reads the arguments of `action` from a JSON object (a scenario step's "args", an HTTP body). Unknown and
 * missing required fields are errors naming path.key. Money is a string of US dollars ("1,250,000.50"), rates a
 * string ("50%"), dates "YYYY-MM-DD". Strings are borrowed from args, which must outlive out. */
enum cl_err cl_app_request_from_json(enum cl_app_action action, const json_t *args, const char *path,
                                     struct cl_app_request *out, struct cl_error *err);

/* ---- actions ------------------------------------------------------------------------------------------------ */

/* Who acts: name (from --as, $CLEARANCE_ACTOR, the OS user, or an API key's principal), when, the business date
 * of the action (CL_DATE_NONE: the date of `at`), and why (may be NULL). */
struct cl_app_actor {
    const char *name;
    cl_time at;
    cl_date date;
    const char *reason;
};

/* What an action gives back. object: what it made, changed or read (new reference, may be NULL). events: the
 * event records it wrote, in order (new reference; empty for reads). refusal: every reason, when the action
 * returned CL_ERR_REFUSED (the refusal's own event is committed). replayed: an idempotent retry returned the
 * first result and booked nothing. */
struct cl_app_result {
    json_t *object;
    json_t *events;
    bool refused, replayed, dry_run; /* dry_run: nothing was kept, events is empty */
    struct cl_ledger_refusal refusal;
};
void cl_app_result_init(struct cl_app_result *r);
void cl_app_result_release(struct cl_app_result *r);
/* {"action", "outcome": "ok" | "refused" | "error", "result"?, "reasons"?, "error"? {"code", "message"},
 * "replayed"?, "dry_run"?, "events": n} for front ends. New reference. */
json_t *cl_app_result_to_json(enum cl_app_action action, const struct cl_app_result *r, enum cl_err rc,
                              const struct cl_error *err);

/* Runs any action. Writes run in one transaction (or a savepoint of the open batch); reads in a read
 * transaction. Returns CL_OK, CL_ERR_REFUSED (reasons in out->refusal), or the error. out must be initialised
 * and is filled in every case; release it with cl_app_result_release. */
enum cl_err cl_app_execute(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                           struct cl_app_result *out, struct cl_error *err);

/* One function per user action, each cl_app_execute with its action (req->action is ignored). */
enum cl_err cl_app_party_add(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                             struct cl_app_result *out, struct cl_error *err);
enum cl_err cl_app_party_screen_result(struct cl_app *app, const struct cl_app_actor *who,
                                       const struct cl_app_request *req, struct cl_app_result *out,
                                       struct cl_error *err);
enum cl_err cl_app_auth_apply(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                              struct cl_app_result *out, struct cl_error *err);
enum cl_err cl_app_auth_decide(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                               struct cl_app_result *out, struct cl_error *err);
enum cl_err cl_app_auth_condition(struct cl_app *app, const struct cl_app_actor *who,
                                  const struct cl_app_request *req, struct cl_app_result *out, struct cl_error *err);
enum cl_err cl_app_auth_suspend(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                                struct cl_app_result *out, struct cl_error *err);
enum cl_err cl_app_order_place(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                               struct cl_app_result *out, struct cl_error *err);
enum cl_err cl_app_order_cancel(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                                struct cl_app_result *out, struct cl_error *err);
enum cl_err cl_app_ship(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                        struct cl_app_result *out, struct cl_error *err);
enum cl_err cl_app_fee_pay(struct cl_app *app, const struct cl_app_actor *who, const struct cl_app_request *req,
                           struct cl_app_result *out, struct cl_error *err);

/* ---- screening ---------------------------------------------------------------------------------------------- */

struct cl_screen_index;
struct cl_screen_config;
struct cl_screen_import_report;

/* "sdn@3 un@1 ...": the versions of the stored restricted-party lists, into out. */
enum cl_err cl_app_lists_version(struct cl_store *st, char *out, size_t cap, struct cl_error *err);
/* Screens a ledger party now, under its name and every alias (original-script names too) and its country, with
 * idx (built from the store's current lists); keeps it as the screening subject "ledger:party:<name>" so list imports
 * re-screen it; and records the decision in the ledger (party.screen_result, journaled), where the ship gate reads
 * it. *out: {"party", "list_version", "screening": result with explained matches, "summary", "party_record"}. */
enum cl_err cl_app_party_screen(struct cl_app *app, const struct cl_screen_index *idx,
                                const struct cl_screen_config *cfg, const struct cl_app_actor *who, const char *party,
                                json_t **out, struct cl_error *err);
/* After cl_screen_store_import: records in the ledger the new decision of every party the import changed, and
 * journals the import ("screen.lists_import": lists, versions, counts, changed decisions). *out (may be NULL)
 * receives the journaled record. */
enum cl_err cl_app_lists_imported(struct cl_app *app, const struct cl_app_actor *who,
                                  const struct cl_screen_import_report *rep, json_t **out, struct cl_error *err);

/* ---- scenarios ---------------------------------------------------------------------------------------------- */

/* A scenario: a JSON list of steps, each an action with its arguments, actor, date and expected outcome:
 * {"name", "description"?, "as"?, "steps": [{"title"?, "action", "as"?, "date", "reason"?, "args"?,
 *   "expect"?: {"outcome": "ok" | "refused" | "error", "codes"?: [...], "error"?: "STATE", "result"?: {...}}}]}
 * "codes" must equal the set of refusal codes; "result" must match the result as a subset (objects by key,
 * arrays by position). Format: docs/internals/ledger.md. */
struct cl_scenario_step {
    size_t index;
    const char *title;
    const char *as;
    cl_date date;
    const char *reason;
    struct cl_app_request req;
    const char *expect_outcome;
    const json_t *expect_codes;  /* borrowed; may be NULL */
    const char *expect_error;    /* "STATE" or "CL_ERR_STATE"; may be NULL */
    const json_t *expect_result; /* borrowed; may be NULL */
};
struct cl_scenario {
    json_t *root; /* owned: every string above is borrowed from it */
    const char *name, *description;
    struct cl_scenario_step *steps;
    size_t n_steps;
};
/* Parses and checks a whole scenario (every step's arguments included) before anything runs. Errors name the
 * source and the JSON path. Release with cl_scenario_release. */
enum cl_err cl_scenario_parse(const char *text, size_t len, const char *source, struct cl_scenario *out,
                              struct cl_error *err);
void cl_scenario_release(struct cl_scenario *sc);

/* Called after each step with its result (the cl_app_result_to_json form) and the surprise, if any (NULL when the
 * step went as expected). */
typedef void (*cl_scenario_report_fn)(void *ctx, const struct cl_scenario_step *step, const json_t *result,
                                      const char *surprise);
/* Runs the steps in order; each step's actor time is its date at midnight UTC plus its index in seconds, so a
 * run is reproducible. Stops at the first surprise with CL_ERR_REFUSED naming the step. *out_ran (may be NULL)
 * receives the number of steps run. */
enum cl_err cl_scenario_run(struct cl_app *app, const struct cl_scenario *sc, const char *default_actor,
                            cl_scenario_report_fn report, void *report_ctx, size_t *out_ran, struct cl_error *err);

#endif
