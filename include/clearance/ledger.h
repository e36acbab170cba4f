/* The authorization ledger: parties, licences and approvals of both jurisdictions with their state machine and
 * conditions, quota pools (fixed, or following a counter), orders that reserve capacity all or nothing,
 * shipments that post it when every gate is open, and the fees they accrue.
 *
 * The ledger runs inside a store transaction that its caller (the service layer, src/app/) opened; it never
 * begins or commits one. It does not run the rules engine or the screening: the caller passes what the rules
 * require on the action's date as plain values (struct cl_ledger_requirements), and the latest screening result
 * of each party is stored here through cl_ledger_party_screening_set. Every change writes an event record (who,
 * when, why, what changed) to the ledger history in the same transaction and hands it to the caller.
 * Design, state machine, gates and invariants: docs/internals/ledger.md. */
#ifndef CLEARANCE_LEDGER_H
#define CLEARANCE_LEDGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clearance/core.h"
#include "clearance/store.h"

/* ---- limits ------------------------------------------------------------------------------------------------ */

/* Length of references (authorization, order, shipment refs; idempotency keys), NUL included. */
#define CL_LEDGER_REF_BYTES 64
/* Reasons kept in one refusal; more are counted in `dropped`. */
#define CL_LEDGER_REASONS_MAX 32
/* Counterparties and products on one authorization, aliases of one party. */
#define CL_LEDGER_AUTH_PARTIES_MAX 16
#define CL_LEDGER_AUTH_PRODUCTS_MAX 16
#define CL_LEDGER_ALIASES_MAX 32
/* Largest quantity of one order, and the largest cap: room for sums without overflow. */
#define CL_LEDGER_QUANTITY_MAX ((int64_t)1000000000000)

/* ---- schema ------------------------------------------------------------------------------------------------ */

/* Creates or upgrades the ledger's tables (component "ledger"). Runs its own transactions: call it outside one. */
enum cl_err cl_ledger_migrate(struct cl_store *st, struct cl_error *err);

/* ---- the context of one change ----------------------------------------------------------------------------- */

/* Called for every event record the ledger writes, inside the same transaction (the journal appends it there).
 * record is borrowed. A non-zero return fails the change. */
typedef enum cl_err (*cl_ledger_event_hook)(void *ctx, struct cl_store *st, const json_t *record,
                                            struct cl_error *err);

/* Who acts, when, on what business date, and why; plus where event records go. Caller memory; the strings are
 * borrowed. events is an array the ledger appends each event record to (a new reference per record); the caller
 * owns the array. */
struct cl_ledger_ctx {
    struct cl_store *st; /* with an open write transaction */
    const char *actor;   /* who: a user name or an API key's principal */
    cl_time at;          /* when the change is recorded */
    cl_date date;        /* the business date of the action (a shipment's date) */
    const char *reason;  /* why; may be NULL */
    json_t *events;      /* array; may be NULL to keep no copy */
    cl_ledger_event_hook hook; /* may be NULL */
    void *hook_ctx;
};

/* ---- refusals ---------------------------------------------------------------------------------------------- */

/* X(code, what it means). Codes are stable: scenarios, clients and stored events name them. */
#define CL_LEDGER_REFUSAL_MAP(X)                                                                              \
    X(AUTH_MISSING, "no authorization of a required kind covers it")                                         \
    X(AUTH_NOT_APPROVED, "the authorization is not approved")                                                \
    X(AUTH_SUSPENDED, "the authorization is suspended")                                                      \
    X(AUTH_REVOKED, "the authorization is revoked")                                                          \
    X(AUTH_EXPIRED, "the authorization has expired")                                                         \
    X(AUTH_NOT_YET_VALID, "the authorization is not valid yet")                                              \
    X(CONDITION_PENDING, "a condition is not satisfied yet")                                                 \
    X(CONDITION_FAILED, "a condition failed")                                                                \
    X(CONDITION_MISSING, "the rules require a condition the authorization does not record")                  \
    X(SCREENING_NOT_CLEAR, "a party's latest screening is missing, under review or a block")                 \
    X(PARTY_NOT_VETTED, "the buyer is not vetted in a jurisdiction")                                         \
    X(CAP_EXCEEDED, "an authorization's quantity or value cap would be exceeded")                            \
    X(POOL_EXHAUSTED, "a quota pool has too little left")                                                    \
    X(RULES_DENY, "the rules in force on the date prohibit it")                                              \
    X(ORDER_NOT_OPEN, "the order is not open")                                                               \
    X(ORDER_QUANTITY_EXCEEDED, "more than the order has left to ship")                                       \
    X(RESERVATION_EXPIRED, "the order's reservation has expired")

enum cl_ledger_refusal_code {
#define CL_LEDGER_REFUSAL_ENUM(name, text) CL_REFUSAL_##name,
    CL_LEDGER_REFUSAL_MAP(CL_LEDGER_REFUSAL_ENUM)
#undef CL_LEDGER_REFUSAL_ENUM
    CL_REFUSAL__COUNT
};
const char *cl_ledger_refusal_code_name(enum cl_ledger_refusal_code c); /* "AUTH_SUSPENDED" */
const char *cl_ledger_refusal_code_text(enum cl_ledger_refusal_code c);

/* One reason: the code, the object concerned, the numbers involved, the citation where a rule is involved, and
 * what would unblock it. */
struct cl_ledger_reason {
    enum cl_ledger_refusal_code code;
    char object[96];    /* "authorization BIS-DS-1", "pool cn-h200-2026", "party DeepSeek" */
    char message[320];
    char unblock[320];  /* what would unblock it, as an instruction */
    char citation[256]; /* "" when no rule is involved */
    bool has_numbers;
    const char *unit;   /* "units" or "cents" */
    int64_t requested, cap, reserved, consumed, available;
};

/* Every reason a request is refused. Plain data (caller memory); cl_ledger_refusal_init clears it. */
struct cl_ledger_refusal {
    size_t n;
    size_t dropped; /* reasons beyond CL_LEDGER_REASONS_MAX */
    struct cl_ledger_reason reasons[CL_LEDGER_REASONS_MAX];
};
void cl_ledger_refusal_init(struct cl_ledger_refusal *r);
bool cl_ledger_refusal_has(const struct cl_ledger_refusal *r, enum cl_ledger_refusal_code code);
/* [{"code", "object", "message", "unblock", "citation"?, "numbers"?}...] (new reference). */
json_t *cl_ledger_refusal_to_json(const struct cl_ledger_refusal *r);

/* ---- what the rules require (plain values from the determination) ------------------------------------------ */

struct cl_ledger_req_policy {
    const char *jurisdiction;
    const char *policy;   /* "case_by_case", "prohibited" ... */
    bool prohibits;       /* the rules prohibit the transaction on this date */
    const char *rule_id;  /* the deciding rule; may be NULL */
    const char *citation; /* may be NULL */
};

struct cl_ledger_req_auth {
    const char *jurisdiction, *kind, *issuer, *rule_id, *citation;
};

struct cl_ledger_req_condition {
    const char *jurisdiction, *id, *text, *set_by, *rule_id, *citation;
    bool final;
};

struct cl_ledger_req_charge {
    const char *jurisdiction, *id, *kind, *collector, *rule_id, *citation;
    int32_t rate_ppm;
};

/* What the rules in force on `date` require of one transaction. All borrowed; arrays may be empty. */
struct cl_ledger_requirements {
    cl_date date;
    const char *rules_digest; /* of the rule set used; may be NULL */
    const struct cl_ledger_req_policy *policies;
    size_t n_policies;
    const struct cl_ledger_req_auth *auths;
    size_t n_auths;
    const struct cl_ledger_req_condition *conditions;
    size_t n_conditions;
    const struct cl_ledger_req_charge *charges;
    size_t n_charges;
};

/* ---- parties ----------------------------------------------------------------------------------------------- */

struct cl_ledger_party {
    const char *name;         /* unique; the key users refer to it by */
    const char *roles;        /* comma-separated: exporter, importer, end_user, consignee, regulator, ... */
    const char *country;      /* ISO alpha-2 */
    const char *headquarters; /* ISO alpha-2 of the headquarters or ultimate parent; NULL: same as country */
    const char *const *aliases; /* other names, original-script names included */
    size_t n_aliases;
};

/* A party as stored, for the service layer to build a determination from. Caller memory. */
struct cl_ledger_party_info {
    int64_t id;
    char name[CL_LIMIT_NAME_BYTES];
    char roles[CL_LIMIT_ID_BYTES];
    char country[3];
    char headquarters[3];
};

/* Adds a party. CL_ERR_CONFLICT when the name exists; CL_ERR_INPUT for a bad country or role. */
enum cl_err cl_ledger_party_add(const struct cl_ledger_ctx *cx, const struct cl_ledger_party *p, struct cl_error *err);
/* Loads a party by name (or alias); CL_ERR_NOT_FOUND naming it. */
enum cl_err cl_ledger_party_get(struct cl_store *st, const char *name, struct cl_ledger_party_info *out,
                                struct cl_error *err);
/* Vetting states per jurisdiction: "unvetted", "pending", "vetted", "rejected". */
enum cl_err cl_ledger_party_vet(const struct cl_ledger_ctx *cx, const char *party, const char *jurisdiction,
                                const char *state, struct cl_error *err);

/* The latest screening result of a party, as the screening module gave it. */
struct cl_ledger_screening {
    const char *decision;     /* "clear", "review", "block" */
    cl_time screened_at;
    const char *list_version; /* the lists' version or digest */
    const char *summary;      /* a short reason ("no match above 0.92"); may be NULL */
};
enum cl_err cl_ledger_party_screening_set(const struct cl_ledger_ctx *cx, const char *party,
                                          const struct cl_ledger_screening *s, struct cl_error *err);

/* ---- authorizations ---------------------------------------------------------------------------------------- */

/* X(name, id). The state machine's legal moves are in cl_ledger_auth_transition_allowed. */
#define CL_LEDGER_AUTH_STATE_MAP(X)                                                                           \
    X(DRAFT, "draft")                                                                                        \
    X(SUBMITTED, "submitted")                                                                                \
    X(UNDER_REVIEW, "under_review")                                                                          \
    X(APPROVED, "approved")                                                                                  \
    X(APPROVED_WITH_CONDITIONS, "approved_with_conditions")                                                  \
    X(DENIED, "denied")                                                                                      \
    X(RETURNED, "returned")                                                                                  \
    X(SUSPENDED, "suspended")                                                                                \
    X(REINSTATED, "reinstated")                                                                              \
    X(REVOKED, "revoked")                                                                                    \
    X(EXPIRED, "expired")

enum cl_ledger_auth_state {
#define CL_LEDGER_AUTH_STATE_ENUM(name, id) CL_AUTH_##name,
    CL_LEDGER_AUTH_STATE_MAP(CL_LEDGER_AUTH_STATE_ENUM)
#undef CL_LEDGER_AUTH_STATE_ENUM
    CL_AUTH__COUNT
};
const char *cl_ledger_auth_state_id(enum cl_ledger_auth_state s);
bool cl_ledger_auth_state_parse(const char *id, enum cl_ledger_auth_state *out);
/* The one table of legal transitions. */
bool cl_ledger_auth_transition_allowed(enum cl_ledger_auth_state from, enum cl_ledger_auth_state to);
/* Approved, approved with conditions, or reinstated: a state in which goods may move. */
bool cl_ledger_auth_state_usable(enum cl_ledger_auth_state s);

struct cl_ledger_auth_spec {
    const char *ref;          /* NULL: assigned ("US-1") */
    const char *jurisdiction; /* "US", "CN" */
    const char *kind;         /* "export_licence", "purchase_approval", "licence_exception" */
    const char *authority;    /* "BIS", "MIIT/MOFCOM" */
    const char *holder;       /* party name */
    const char *const *parties; /* counterparties (consignees, end users, suppliers) by name */
    size_t n_parties;
    const char *const *products; /* catalog names */
    size_t n_products;
    const char *destination;  /* ISO alpha-2; may be NULL */
    bool has_quantity_cap;
    int64_t quantity_cap;
    bool has_value_cap;
    int64_t value_cap_cents;
    int32_t value_tolerance_ppm; /* shipping tolerance over the value cap (15 CFR 750.11); 0 for none */
    cl_date valid_from, valid_to; /* inclusive; CL_DATE_NONE for open */
    bool draft;               /* create as a draft instead of submitted */
    const struct cl_ledger_req_condition *conditions; /* the rules' conditions for it, recorded as pending */
    size_t n_conditions;
};
/* Records an application (state submitted, or draft). out_ref (CL_LEDGER_REF_BYTES) receives its reference. */
enum cl_err cl_ledger_auth_create(const struct cl_ledger_ctx *cx, const struct cl_ledger_auth_spec *spec,
                                  char *out_ref, struct cl_error *err);
/* Moves an authorization to state `to`, recording who, when and why. CL_ERR_STATE, naming the legal moves, when
 * the table does not allow it. Revocation voids the open orders reserved against it (releasing every
 * reservation they hold). */
enum cl_err cl_ledger_auth_transition(const struct cl_ledger_ctx *cx, const char *ref, enum cl_ledger_auth_state to,
                                      struct cl_error *err);
/* Adds a condition (state pending) unless one with this id is recorded (then CL_OK, nothing changes). */
enum cl_err cl_ledger_auth_condition_add(const struct cl_ledger_ctx *cx, const char *ref,
                                         const struct cl_ledger_req_condition *c, struct cl_error *err);
/* Sets a condition's state ("pending", "satisfied", "waived", "failed") with its evidence reference (required
 * for satisfied and waived). The actor is recorded as who verified it. */
enum cl_err cl_ledger_auth_condition_set(const struct cl_ledger_ctx *cx, const char *ref, const char *condition_id,
                                         const char *state, const char *evidence, struct cl_error *err);
/* Facts of an authorization the service layer needs to run the rules for it. Caller memory. */
struct cl_ledger_auth_info {
    int64_t id;
    char ref[CL_LEDGER_REF_BYTES];
    char jurisdiction[8];
    enum cl_ledger_auth_state state;
    char product[CL_LIMIT_ID_BYTES]; /* the first product */
    char destination[3];
    char holder[CL_LIMIT_NAME_BYTES];
    char counterparty[CL_LIMIT_NAME_BYTES]; /* the first counterparty, or "" */
};
enum cl_err cl_ledger_auth_get(struct cl_store *st, const char *ref, struct cl_ledger_auth_info *out,
                               struct cl_error *err);

/* ---- pools and counters ------------------------------------------------------------------------------------ */

/* A quota shared by several authorizations. Its cap is fixed, or follows a counter: floor(counter x ratio). */
struct cl_ledger_pool_spec {
    const char *name;
    const char *product;     /* only orders of this product draw on it; NULL for every product */
    bool follows;            /* false: cap_quantity; true: counter x ratio_ppm */
    int64_t cap_quantity;
    const char *counter;     /* the counter followed (created at 0 if absent) */
    int32_t ratio_ppm;       /* 500000 for "at most half" */
    cl_date valid_from, valid_to; /* the period orders must fall in; CL_DATE_NONE for open */
    const char *description;
};
enum cl_err cl_ledger_pool_create(const struct cl_ledger_ctx *cx, const struct cl_ledger_pool_spec *spec,
                                  struct cl_error *err);
enum cl_err cl_ledger_pool_member_add(const struct cl_ledger_ctx *cx, const char *pool, const char *auth_ref,
                                      struct cl_error *err);
/* Adds delta (may be negative: a correction) to a counter, creating it at 0. Refused with CL_ERR_REFUSED (and
 * reasons in out_refusal, which may be NULL) when a pool following it would then hold more than its cap, or when
 * the counter would go below 0 (CL_ERR_INPUT). */
enum cl_err cl_ledger_counter_add(const struct cl_ledger_ctx *cx, const char *counter, int64_t delta,
                                  struct cl_ledger_refusal *out_refusal, struct cl_error *err);

/* ---- orders and shipments ---------------------------------------------------------------------------------- */

struct cl_ledger_order_spec {
    const char *ref;             /* NULL: assigned ("O-1") */
    const char *idempotency_key; /* NULL: none */
    const char *exporter, *buyer; /* party names */
    const char *product;
    const char *destination;     /* ISO alpha-2 */
    const char *end_use;         /* may be NULL */
    int64_t quantity;            /* 1 .. CL_LEDGER_QUANTITY_MAX */
    int64_t value_cents;         /* the order's total value */
    cl_date expires_on;          /* the reservation lapses after this date; CL_DATE_NONE: never */
};

/* Places an order on cx->date: finds, for each authorization the rules require, one usable authorization that
 * covers the product, buyer and exporter, and every pool those authorizations belong to, and reserves the
 * quantity (and value) on all of them, or on none. First releases the reservations of orders that lapsed before
 * cx->date. With an idempotency key already used for the same request, returns the first result (*out_replayed
 * true) and books nothing; for a different request, CL_ERR_CONFLICT.
 * On success *out_order is a new JSON object (json_decref). When refused, returns CL_ERR_REFUSED with every
 * reason in out_refusal and writes an "order.refused" event, which the caller may commit. */
enum cl_err cl_ledger_order_place(const struct cl_ledger_ctx *cx, const struct cl_ledger_order_spec *spec,
                                  const struct cl_ledger_requirements *req, json_t **out_order, bool *out_replayed,
                                  struct cl_ledger_refusal *out_refusal, struct cl_error *err);
/* Cancels an open or partly shipped order: voids what is still reserved. CL_ERR_STATE when it is closed. */
enum cl_err cl_ledger_order_cancel(const struct cl_ledger_ctx *cx, const char *ref, struct cl_error *err);

/* Facts of an order the service layer needs to run the rules for a shipment. Caller memory. */
struct cl_ledger_order_info {
    int64_t id;
    char ref[CL_LEDGER_REF_BYTES];
    char state[24];
    char exporter[CL_LIMIT_NAME_BYTES], buyer[CL_LIMIT_NAME_BYTES];
    char product[CL_LIMIT_ID_BYTES];
    char destination[3];
    char end_use[32];
    int64_t quantity, value_cents, quantity_shipped, value_shipped_cents;
    int64_t exporter_id, buyer_id;
    cl_date order_date, expires_on; /* expires_on CL_DATE_NONE: never */
};
enum cl_err cl_ledger_order_get(struct cl_store *st, const char *ref, struct cl_ledger_order_info *out,
                                struct cl_error *err);

struct cl_ledger_ship_spec {
    const char *order;           /* the order's ref */
    const struct cl_ledger_order_info *known; /* the order as loaded in this transaction, or NULL to load it */
    const char *ref;             /* NULL: assigned ("S-1") */
    const char *idempotency_key; /* NULL: none */
    int64_t quantity;            /* this shipment's units; the value is the order's, pro rata (see docs) */
};
/* Ships part or all of an order on cx->date when every gate is open: the rules on the date do not prohibit it and
 * require no authorization or condition the order does not hold; every authorization it reserved is usable and
 * valid on the date; their conditions are satisfied or waived; the exporter, buyer and holders are screened clear;
 * the buyer is vetted where needed; the order is open, not lapsed, and has the quantity left; no following pool's
 * cap is exceeded. Then posts the reservations and accrues each charge in req at rate x value, rounded half away
 * from zero to the cent. Idempotency as for orders. Refusal as for orders, with a "shipment.held" event. */
enum cl_err cl_ledger_ship(const struct cl_ledger_ctx *cx, const struct cl_ledger_ship_spec *spec,
                           const struct cl_ledger_requirements *req, json_t **out_shipment, bool *out_replayed,
                           struct cl_ledger_refusal *out_refusal, struct cl_error *err);
/* The value of a shipment of `quantity` units after `shipped` units of an order of `total` units worth
 * `value_cents`: floor(value x (shipped + quantity) / total) - floor(value x shipped / total). The shipments of an
 * order thus add up to its value exactly. */
int64_t cl_ledger_shipment_value(int64_t value_cents, int64_t total, int64_t shipped, int64_t quantity);

/* Expires what lapsed before cx->date: orders whose reservation expired (their capacity is released) and usable
 * authorizations whose validity ended. Counts go to out_orders and out_auths (may be NULL). */
enum cl_err cl_ledger_sweep(const struct cl_ledger_ctx *cx, int64_t *out_orders, int64_t *out_auths,
                            struct cl_error *err);

/* ---- fees -------------------------------------------------------------------------------------------------- */

/* Records a payment of amount_cents by a party against a charge id ("sec232-25"). */
enum cl_err cl_ledger_fee_pay(const struct cl_ledger_ctx *cx, const char *party, const char *charge_id,
                              int64_t amount_cents, const char *payment_ref, struct cl_error *err);
/* Fees accrued and paid from `from` to `to` (inclusive; CL_DATE_NONE for open), per period (calendar month of
 * the shipment or payment) and per party and charge, with totals. party may be NULL for all. New JSON object. */
enum cl_err cl_ledger_fees_report(struct cl_store *st, cl_date from, cl_date to, const char *party, json_t **out,
                                  struct cl_error *err);

/* ---- reading and checking ---------------------------------------------------------------------------------- */

/* JSON views of what is stored (new references). kind: "party", "auth", "pool", "order", "shipment". show finds
 * one by name or ref (CL_ERR_NOT_FOUND); list gives every one, filtered by `filter` (a party name for parties'
 * authorizations and orders, a state for authorizations; may be NULL). */
enum cl_err cl_ledger_show(struct cl_store *st, const char *kind, const char *key, json_t **out, struct cl_error *err);
enum cl_err cl_ledger_list(struct cl_store *st, const char *kind, const char *filter, json_t **out,
                           struct cl_error *err);
/* Event records with id > after_id, oldest first, at most limit: [{"id": n, "record": {...}}...]. */
enum cl_err cl_ledger_events(struct cl_store *st, int64_t after_id, int64_t limit, json_t **out,
                             struct cl_error *err);

/* Recomputes every invariant from the stored rows: for each authorization and pool, reserved + consumed <= cap
 * and the reserved and consumed totals equal the sums of open reservations and of what was posted; each order's
 * shipped quantity and value equal its shipments, every reservation of it posted exactly what shipped, and only
 * open orders hold reservations; every fee equals rate x base exactly, its base being its shipment's value.
 * CL_OK with a summary in *out (new object), or CL_ERR_INTERNAL naming the first breach. */
enum cl_err cl_ledger_check(struct cl_store *st, json_t **out, struct cl_error *err);

#endif
