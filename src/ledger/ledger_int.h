/* Private to src/ledger/: helpers shared by the ledger's files (events, reasons, lookups, row copying). */
#ifndef CL_LEDGER_INT_H
#define CL_LEDGER_INT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "clearance/ledger.h"

/* Writes one event record to ledger_events, appends it to cx->events and hands it to cx->hook. data and
 * commercial (the values and prices, kept apart so they can be committed by salted hash) are taken over; either
 * may be NULL. */
enum cl_err lg_event(const struct cl_ledger_ctx *cx, const char *action, const char *kind, const char *ref,
                     json_t *data, json_t *commercial, struct cl_error *err);

/* Adds a reason to r and returns it for the caller to fill in (a scratch slot, counted in r->dropped, when r is
 * full). object is formatted. */
struct cl_ledger_reason *lg_reason(struct cl_ledger_refusal *r, enum cl_ledger_refusal_code code, const char *fmt,
                                   ...) __attribute__((format(printf, 3, 4)));
void lg_reason_numbers(struct cl_ledger_reason *x, const char *unit, int64_t requested, int64_t cap,
                       int64_t reserved, int64_t consumed);

/* Looks up a party's id by name or alias; CL_ERR_NOT_FOUND names it with `role` ("holder"). */
enum cl_err lg_party_id(struct cl_store *st, const char *name, const char *role, int64_t *out_id,
                        struct cl_error *err);
/* The id of an authorization by ref, with its state; CL_ERR_NOT_FOUND naming it. */
enum cl_err lg_auth_id(struct cl_store *st, const char *ref, int64_t *out_id, enum cl_ledger_auth_state *out_state,
                       struct cl_error *err);

/* Chooses a reference for a new row of table: given (checked unique), or prefix + the table's next number, which
 * it takes (ledger_ref_counters, in the caller's transaction: assigned numbers have no gaps). */
enum cl_err lg_ref(struct cl_store *st, const char *table, const char *given, const char *prefix,
                   char out[CL_LEDGER_REF_BYTES], struct cl_error *err);

/* Text of a date ("" for CL_DATE_NONE, which binds NULL through lg_vdate) and of a time. */
struct cl_val lg_vdate(cl_date d, char buf[CL_DATE_TEXT_BYTES]);
void lg_time_text(cl_time t, char out[CL_TIME_TEXT_BYTES]);
/* Parses a stored date column (NULL gives CL_DATE_NONE). */
cl_date lg_row_date(const struct cl_row *row, size_t col);
/* Copies a text column into a bounded buffer. */
void lg_row_copy(const struct cl_row *row, size_t col, char *out, size_t cap);

/* Idempotency: finds key; when found with the same action and request, *out_result is the stored result (new
 * reference); with a different one, CL_ERR_CONFLICT. */
enum cl_err lg_idem_find(struct cl_store *st, const char *key, const char *action, const char *request,
                         json_t **out_result, struct cl_error *err);
enum cl_err lg_idem_store(const struct cl_ledger_ctx *cx, const char *key, const char *action, const char *request,
                          const json_t *result, struct cl_error *err);

/* Releases what is still held by the reservations of an order and sets their state; writes no event. */
enum cl_err lg_order_release(const struct cl_ledger_ctx *cx, int64_t order_id, const char *reservation_state,
                             struct cl_error *err);
/* Closes an order (state cancelled, expired or voided), releasing its reservations, with an event. */
enum cl_err lg_order_close(const struct cl_ledger_ctx *cx, int64_t order_id, const char *ref, const char *state,
                           const char *action, struct cl_error *err);

/* Adds the reasons an authorization cannot carry goods on date (its state, its validity) to r; returns how many. */
size_t lg_auth_state_reasons(struct cl_ledger_refusal *r, const char *ref, enum cl_ledger_auth_state state,
                             cl_date valid_from, cl_date valid_to, cl_date date);

/* Current cap of a pool: its fixed cap, or floor(counter x ratio). */
int64_t lg_pool_cap(bool follows, int64_t cap_quantity, int64_t counter_value, int64_t ratio_ppm);
/* An authorization's caps and totals: quantity (units) and value (cents), each capped or not. */
struct lg_auth_totals {
    bool has_qcap, has_vlimit;
    int64_t qcap, qres, qcon, vlimit, vres, vcon;
};
/* Reads the six columns from col on: quantity_cap, quantity_reserved, quantity_consumed, value_limit_cents,
 * value_reserved_cents, value_consumed_cents. */
void lg_auth_totals_from_row(const struct cl_row *row, size_t col, struct lg_auth_totals *out);
/* Asserts the invariant on t once reserved and consumed have moved by the deltas: nothing negative, reserved +
 * consumed within each cap. */
void lg_assert_auth_totals(const struct lg_auth_totals *t, int64_t dq_res, int64_t dq_con, int64_t dv_res,
                           int64_t dv_con);
/* Asserts the invariant on one authorization's (auth_id) or pool's (pool_id) row as stored, after a change. */
enum cl_err lg_assert_target(struct cl_store *st, int64_t auth_id, int64_t pool_id, struct cl_error *err);

/* JSON of one object by id (new reference), for results and idempotent replays. */
enum cl_err lg_order_json(struct cl_store *st, int64_t id, json_t **out, struct cl_error *err);
enum cl_err lg_shipment_json(struct cl_store *st, int64_t id, json_t **out, struct cl_error *err);

/* Formats money for messages ("1,234.56"). */
const char *lg_money(int64_t cents, char out[CL_MONEY_TEXT_BYTES]);

#endif
