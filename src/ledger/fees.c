/* Fees: payments against the charges accrued per shipment, and the report per period and per party. */
#include "ledger_int.h"

enum cl_err cl_ledger_fee_pay(const struct cl_ledger_ctx *cx, const char *party, const char *charge_id,
                              int64_t amount_cents, const char *payment_ref, struct cl_error *err)
{
    if (amount_cents <= 0) return cl_error_set(err, CL_ERR_INPUT, "amount: must be above zero");
    if (!charge_id || !*charge_id) return cl_error_set(err, CL_ERR_INPUT, "charge: required (e.g. sec232-25)");
    int64_t payer = 0, accrued = 0;
    enum cl_err rc = lg_party_id(cx->st, party, "payer", &payer, err);
    if (rc) return rc;
    bool found = false;
    struct cl_val k[] = {CL_VINT(payer), CL_VTEXT(charge_id)};
    rc = cl_store_query_int(cx->st, "SELECT COUNT(*) FROM ledger_fees WHERE payer_id = ? AND charge_id = ?", k, 2,
                            &accrued, &found, err);
    if (rc) return rc;
    if (!accrued)
        return cl_error_set(err, CL_ERR_INPUT, "%s owes nothing under charge %s: no fee of that charge has accrued",
                            party, charge_id);
    char at[CL_TIME_TEXT_BYTES], date[CL_DATE_TEXT_BYTES];
    lg_time_text(cx->at, at);
    cl_date_format(cx->date, date);
    struct cl_val v[] = {CL_VTEXT(payment_ref), CL_VINT(payer), CL_VTEXT(charge_id), CL_VINT(amount_cents),
                         CL_VTEXT(date), CL_VTEXT(at), CL_VTEXT(cx->actor)};
    rc = cl_store_exec(cx->st,
                       "INSERT INTO ledger_payments (ref, payer_id, charge_id, amount_cents, paid_on, created_at,"
                       " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       v, 7, NULL, err);
    if (rc) return rc;
    json_t *data = json_pack("{s:s, s:s}", "charge", charge_id, "payer", party);
    if (payment_ref) json_object_set_new(data, "payment_ref", json_string(payment_ref));
    return lg_event(cx, "fee.payment", "party", party, data,
                    json_pack("{s:I}", "amount_cents", (json_int_t)amount_cents), err);
}

struct report_ctx {
    json_t *lines;  /* key "period|party|charge" -> line */
    json_t *totals; /* key "party|charge" -> total */
    bool payments;
};

static json_t *line_for(json_t *map, const char *key, const char *period, const char *party, const char *charge)
{
    json_t *l = json_object_get(map, key);
    if (l) return l;
    l = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "party", party, "charge", charge, "accrued_cents", (json_int_t)0,
                  "base_cents", (json_int_t)0, "shipments", (json_int_t)0, "paid_cents", (json_int_t)0);
    if (period) json_object_set_new(l, "period", json_string(period));
    json_object_set_new(map, key, l);
    return l;
}

static void add_int(json_t *o, const char *key, int64_t v)
{
    json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + v));
}

static enum cl_err report_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct report_ctx *c = ctx;
    char period[8], party[CL_LIMIT_NAME_BYTES], charge[CL_LIMIT_ID_BYTES], key[700], tkey[700];
    lg_row_copy(row, 0, period, sizeof(period));
    lg_row_copy(row, 1, party, sizeof(party));
    lg_row_copy(row, 2, charge, sizeof(charge));
    snprintf(key, sizeof(key), "%s|%s|%s", period, party, charge);
    snprintf(tkey, sizeof(tkey), "%s|%s", party, charge);
    json_t *l = line_for(c->lines, key, period, party, charge), *t = line_for(c->totals, tkey, NULL, party, charge);
    if (c->payments) {
        add_int(l, "paid_cents", cl_row_int(row, 3));
        add_int(t, "paid_cents", cl_row_int(row, 3));
    } else {
        for (int i = 0; i < 2; i++) {
            json_t *o = i ? t : l;
            add_int(o, "accrued_cents", cl_row_int(row, 3));
            add_int(o, "base_cents", cl_row_int(row, 4));
            add_int(o, "shipments", cl_row_int(row, 5));
            if (!json_object_get(o, "kind")) {
                json_object_set_new(o, "kind", json_string(cl_row_text(row, 6, NULL)));
                json_object_set_new(o, "collector", json_string(cl_row_text(row, 7, NULL)));
            }
        }
    }
    return CL_OK;
}

#define REPORT_LINES_MAX 4096

/* The map's values, sorted by key, with outstanding = accrued - paid; NULL past REPORT_LINES_MAX lines. */
static json_t *sorted_values(json_t *map)
{
    if (json_object_size(map) > REPORT_LINES_MAX) return NULL;
    json_t *arr = json_array();
    const char *keys[REPORT_LINES_MAX];
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v) keys[n++] = k;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object_get(map, keys[i]);
        json_object_set_new(o, "outstanding_cents",
                            json_integer(json_integer_value(json_object_get(o, "accrued_cents")) -
                                         json_integer_value(json_object_get(o, "paid_cents"))));
        json_array_append(arr, o);
    }
    return arr;
}

enum cl_err cl_ledger_fees_report(struct cl_store *st, cl_date from, cl_date to, const char *party, json_t **out,
                                  struct cl_error *err)
{
    char f[CL_DATE_TEXT_BYTES] = "0000-01-01", t[CL_DATE_TEXT_BYTES] = "9999-12-31";
    if (from != CL_DATE_NONE) cl_date_format(from, f);
    if (to != CL_DATE_NONE) cl_date_format(to, t);
    int64_t party_id = 0;
    enum cl_err rc = party ? lg_party_id(st, party, "party", &party_id, err) : CL_OK;
    if (rc) return rc;
    struct report_ctx c = {json_object(), json_object(), false};
    struct cl_val p[] = {CL_VTEXT(f), CL_VTEXT(t), CL_VINT(party_id)};
    rc = cl_store_query(st,
                        party ? "SELECT SUBSTR(f.accrued_on, 1, 7), p.name, f.charge_id, SUM(f.amount_cents),"
                                " SUM(f.base_cents), COUNT(*), MIN(f.kind), MIN(f.collector) FROM ledger_fees f"
                                " JOIN ledger_parties p ON p.id = f.payer_id WHERE f.accrued_on >= ? AND f.accrued_on <= ?"
                                " AND f.payer_id = ? GROUP BY SUBSTR(f.accrued_on, 1, 7), p.name, f.charge_id"
                              : "SELECT SUBSTR(f.accrued_on, 1, 7), p.name, f.charge_id, SUM(f.amount_cents),"
                                " SUM(f.base_cents), COUNT(*), MIN(f.kind), MIN(f.collector) FROM ledger_fees f"
                                " JOIN ledger_parties p ON p.id = f.payer_id WHERE f.accrued_on >= ? AND f.accrued_on <= ?"
                                " GROUP BY SUBSTR(f.accrued_on, 1, 7), p.name, f.charge_id",
                        p, party ? 3 : 2, report_row, &c, err);
    c.payments = true;
    if (!rc)
        rc = cl_store_query(st,
                            party ? "SELECT SUBSTR(y.paid_on, 1, 7), p.name, y.charge_id, SUM(y.amount_cents)"
                                    " FROM ledger_payments y JOIN ledger_parties p ON p.id = y.payer_id"
                                    " WHERE y.paid_on >= ? AND y.paid_on <= ? AND y.payer_id = ?"
                                    " GROUP BY SUBSTR(y.paid_on, 1, 7), p.name, y.charge_id"
                                  : "SELECT SUBSTR(y.paid_on, 1, 7), p.name, y.charge_id, SUM(y.amount_cents)"
                                    " FROM ledger_payments y JOIN ledger_parties p ON p.id = y.payer_id"
                                    " WHERE y.paid_on >= ? AND y.paid_on <= ?"
                                    " GROUP BY SUBSTR(y.paid_on, 1, 7), p.name, y.charge_id",
                            p, party ? 3 : 2, report_row, &c, err);
    json_t *lines = rc ? NULL : sorted_values(c.lines), *totals = rc ? NULL : sorted_values(c.totals);
    if (!rc && (!lines || !totals))
        rc = cl_error_set(err, CL_ERR_LIMIT, "fees report: more than %d lines; narrow it with from, to or party",
                          REPORT_LINES_MAX);
    if (rc) {
        json_decref(lines);
        json_decref(totals);
    } else {
        *out = json_pack("{s:s, s:s, s:o, s:o, s:s}", "from", f, "to", t, "periods", lines, "totals", totals, "rounding",
                         "each fee is rate x shipment value, rounded to the cent, halves away from zero, per shipment "
                         "and per charge");
        if (party) json_object_set_new(*out, "party", json_string(party));
    }
    json_decref(c.lines);
    json_decref(c.totals);
    return rc;
}
