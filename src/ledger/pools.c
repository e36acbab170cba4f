/* Quota pools shared by several authorizations, and the counters a pool's cap may follow (the BIS 50% cap: China
 * volume of a product at most half of its US end-use volume). */
#include "ledger_int.h"

int64_t lg_pool_cap(bool follows, int64_t cap_quantity, int64_t counter_value, int64_t ratio_ppm)
{
    if (!follows) return cap_quantity;
    /* Rounded down: a cap of "at most half" of 3 units is 1 unit, never 2. */
    __extension__ typedef __int128 i128;
    return (int64_t)((i128)counter_value * ratio_ppm / CL_RATE_PPM_ONE);
}

/* Finds or creates a counter (at 0). */
static enum cl_err counter_id(const struct cl_ledger_ctx *cx, const char *name, int64_t *out_id, int64_t *out_value,
                              struct cl_error *err)
{
    if (!name || !*name || strlen(name) >= CL_LIMIT_ID_BYTES)
        return cl_error_set(err, CL_ERR_INPUT, "counter: a name of at most %d bytes is needed", CL_LIMIT_ID_BYTES - 1);
    char at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    struct cl_val v[] = {CL_VTEXT(name), CL_VTEXT(at)};
    enum cl_err rc = cl_store_exec(cx->st,
                                   "INSERT INTO ledger_counters (name, value, updated_at) VALUES (?, 0, ?)"
                                   " ON CONFLICT (name) DO NOTHING",
                                   v, 2, NULL, err);
    if (!rc) rc = cl_store_query_int(cx->st, "SELECT id FROM ledger_counters WHERE name = ?", v, 1, out_id, NULL, err);
    if (!rc) rc = cl_store_query_int(cx->st, "SELECT value FROM ledger_counters WHERE name = ?", v, 1, out_value, NULL, err);
    return rc;
}

enum cl_err cl_ledger_pool_create(const struct cl_ledger_ctx *cx, const struct cl_ledger_pool_spec *s,
                                  struct cl_error *err)
{
    if (!s->name || !*s->name || strlen(s->name) >= CL_LIMIT_ID_BYTES)
        return cl_error_set(err, CL_ERR_INPUT, "pool name: empty or longer than %d bytes", CL_LIMIT_ID_BYTES - 1);
    if (!s->follows && (s->cap_quantity < 0 || s->cap_quantity > CL_LEDGER_QUANTITY_MAX))
        return cl_error_set(err, CL_ERR_INPUT, "pool %s: the cap must be between 0 and %lld units", s->name,
                            (long long)CL_LEDGER_QUANTITY_MAX);
    if (s->follows && (s->ratio_ppm <= 0 || s->ratio_ppm > CL_RATE_PPM_ONE))
        return cl_error_set(err, CL_ERR_INPUT, "pool %s: the ratio must be above 0%% and at most 100%%", s->name);
    if (s->valid_from != CL_DATE_NONE && s->valid_to != CL_DATE_NONE && s->valid_to < s->valid_from)
        return cl_error_set(err, CL_ERR_INPUT, "pool %s: the period ends before it starts", s->name);
    int64_t one = 0;
    bool found = false;
    struct cl_val n[] = {CL_VTEXT(s->name)};
    enum cl_err rc = cl_store_query_int(cx->st, "SELECT 1 FROM ledger_pools WHERE name = ?", n, 1, &one, &found, err);
    if (rc) return rc;
    if (found) return cl_error_set(err, CL_ERR_CONFLICT, "pool \"%s\" exists already", s->name);
    int64_t cid = 0, cvalue = 0;
    if (s->follows) rc = counter_id(cx, s->counter, &cid, &cvalue, err);
    if (rc) return rc;
    char at[CL_TIME_TEXT_BYTES], vf[CL_DATE_TEXT_BYTES], vt[CL_DATE_TEXT_BYTES];
    lg_time_text(cx->at, at);
    struct cl_val v[] = {CL_VTEXT(s->name),
                         CL_VTEXT(s->product),
                         CL_VINT(s->follows),
                         s->follows ? CL_VNULL : CL_VINT(s->cap_quantity),
                         s->follows ? CL_VINT(cid) : CL_VNULL,
                         s->follows ? CL_VINT(s->ratio_ppm) : CL_VNULL,
                         lg_vdate(s->valid_from, vf),
                         lg_vdate(s->valid_to, vt),
                         CL_VTEXT(s->description),
                         CL_VTEXT(at),
                         CL_VTEXT(cx->actor)};
    rc = cl_store_exec(cx->st,
                       "INSERT INTO ledger_pools (name, product, follows, cap_quantity, counter_id, ratio_ppm, valid_from,"
                       " valid_to, description, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       v, 11, NULL, err);
    if (rc) return rc;
    json_t *data = json_pack("{s:b}", "follows", s->follows);
    if (s->follows) {
        json_object_set_new(data, "counter", json_string(s->counter));
        json_object_set_new(data, "ratio_ppm", json_integer(s->ratio_ppm));
    } else {
        json_object_set_new(data, "cap_quantity", json_integer(s->cap_quantity));
    }
    if (s->product) json_object_set_new(data, "product", json_string(s->product));
    if (s->valid_from != CL_DATE_NONE) json_object_set_new(data, "valid_from", json_string(vf));
    if (s->valid_to != CL_DATE_NONE) json_object_set_new(data, "valid_to", json_string(vt));
    if (s->description) json_object_set_new(data, "description", json_string(s->description));
    return lg_event(cx, "pool.create", "pool", s->name, data, NULL, err);
}

enum cl_err cl_ledger_pool_member_add(const struct cl_ledger_ctx *cx, const char *pool, const char *auth_ref,
                                      struct cl_error *err)
{
    int64_t pool_id = 0, auth_id = 0, held = 0;
    bool found = false;
    struct cl_val n[] = {CL_VTEXT(pool)};
    enum cl_err rc = cl_store_query_int(cx->st, "SELECT id FROM ledger_pools WHERE name = ?", n, 1, &pool_id, &found, err);
    if (rc) return rc;
    if (!found) return cl_error_set(err, CL_ERR_NOT_FOUND, "no pool \"%s\" (see 'clearance pool list')", pool);
    rc = lg_auth_id(cx->st, auth_ref, &auth_id, NULL, err);
    if (rc) return rc;
    /* A pool's totals are the sums of the reservations made while the authorization was a member: joining with
     * capacity already held would put those outside the pool. */
    struct cl_val a[] = {CL_VINT(auth_id)};
    rc = cl_store_query_int(cx->st, "SELECT COUNT(*) FROM ledger_reservations WHERE auth_id = ? AND state = 'held'", a,
                            1, &held, NULL, err);
    if (rc) return rc;
    if (held)
        return cl_error_set(err, CL_ERR_STATE,
                            "authorization %s holds %lld open reservation(s): add it to pool %s before placing orders, "
                            "or once they are shipped or cancelled",
                            auth_ref, (long long)held, pool);
    int64_t changes = 0;
    struct cl_val v[] = {CL_VINT(pool_id), CL_VINT(auth_id)};
    rc = cl_store_exec(cx->st, "INSERT INTO ledger_pool_members (pool_id, auth_id) VALUES (?, ?)"
                               " ON CONFLICT (pool_id, auth_id) DO NOTHING", v, 2, &changes, err);
    if (rc || !changes) return rc;
    return lg_event(cx, "pool.member.add", "pool", pool, json_pack("{s:s}", "authorization", auth_ref), NULL, err);
}

struct follower {
    char name[CL_LIMIT_ID_BYTES];
    int64_t ratio_ppm, reserved, consumed;
};
struct followers {
    struct follower f[64];
    size_t n;
};

static enum cl_err follower_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct followers *fs = ctx;
    if (fs->n == 64) return cl_error_set(err, CL_ERR_LIMIT, "more than 64 pools follow one counter");
    struct follower *f = &fs->f[fs->n++];
    lg_row_copy(row, 0, f->name, sizeof(f->name));
    f->ratio_ppm = cl_row_int(row, 1);
    f->reserved = cl_row_int(row, 2);
    f->consumed = cl_row_int(row, 3);
    return CL_OK;
}

enum cl_err cl_ledger_counter_add(const struct cl_ledger_ctx *cx, const char *counter, int64_t delta,
                                  struct cl_ledger_refusal *out_refusal, struct cl_error *err)
{
    if (delta < -CL_LEDGER_QUANTITY_MAX || delta > CL_LEDGER_QUANTITY_MAX)
        return cl_error_set(err, CL_ERR_INPUT, "counter %s: change out of range", counter ? counter : "");
    int64_t id = 0, value = 0;
    enum cl_err rc = counter_id(cx, counter, &id, &value, err);
    if (rc) return rc;
    int64_t next = value + delta;
    if (next < 0)
        return cl_error_set(err, CL_ERR_INPUT, "counter %s is %lld: it cannot go down by %lld", counter,
                            (long long)value, (long long)-delta);
    if (next > CL_LEDGER_QUANTITY_MAX) return cl_error_set(err, CL_ERR_LIMIT, "counter %s: too large", counter);
    struct followers *fs = calloc(1, sizeof(*fs));
    if (!fs) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    struct cl_val c[] = {CL_VINT(id)};
    rc = cl_store_query(cx->st,
                        "SELECT name, ratio_ppm, quantity_reserved, quantity_consumed FROM ledger_pools"
                        " WHERE follows = 1 AND counter_id = ? ORDER BY id",
                        c, 1, follower_row, fs, err);
    struct cl_ledger_refusal local;
    struct cl_ledger_refusal *r = out_refusal ? out_refusal : &local;
    cl_ledger_refusal_init(r);
    for (size_t i = 0; !rc && i < fs->n; i++) {
        const struct follower *f = &fs->f[i];
        int64_t cap = lg_pool_cap(true, 0, next, f->ratio_ppm);
        if (f->reserved + f->consumed <= cap) continue;
        struct cl_ledger_reason *x = lg_reason(r, CL_REFUSAL_POOL_EXHAUSTED, "pool %s", f->name);
        snprintf(x->message, sizeof(x->message),
                 "counter %s at %lld would cap pool %s at %lld units, below the %lld already reserved or shipped",
                 counter, (long long)next, f->name, (long long)cap, (long long)(f->reserved + f->consumed));
        snprintf(x->unblock, sizeof(x->unblock), "cancel orders drawing on pool %s first, or correct the counter by less",
                 f->name);
        lg_reason_numbers(x, "units", 0, cap, f->reserved, f->consumed);
    }
    free(fs);
    if (rc) return rc;
    if (r->n) return cl_error_set(err, CL_ERR_REFUSED, "counter %s: %s", counter, r->reasons[0].message);
    char at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    struct cl_val v[] = {CL_VINT(next), CL_VTEXT(at), CL_VINT(id)};
    rc = cl_store_exec(cx->st, "UPDATE ledger_counters SET value = ?, updated_at = ? WHERE id = ?", v, 3, NULL, err);
    if (rc) return rc;
    return lg_event(cx, "counter.add", "counter", counter,
                    json_pack("{s:I, s:I}", "delta", (json_int_t)delta, "value", (json_int_t)next), NULL, err);
}
