/* Concurrency: several threads, each with its own connection, place and cancel orders against one shared pool at
 * once; the pool is never over-committed and its totals equal what the threads were told they booked. On SQLite
 * (writers serialised by the lock) and on PostgreSQL (serialisable transactions, retried). */
#include <pthread.h>

#include "ledger_fixture.h"

#define THREADS 4
#define POOL_CAP 3000

static const char *target;
static const char *const buyers[THREADS] = {"ByteDance", "Alibaba", "Tencent", "Baidu"};

struct worker {
    int index;
    long long booked;    /* units of orders placed and not cancelled, as acknowledged */
    int placed, refused, cancelled, busy;
    int failures;
};

/* Runs one action with a request built here; retries the whole action when the store stays busy. */
static enum cl_err run(struct cl_app *app, const struct cl_app_request *req, int day, struct cl_app_result *res,
                       struct worker *w)
{
    struct cl_app_actor who = {buyers[w->index], cl_time_now(), cl_date_from_ymd(2026, 2, day), NULL};
    for (;;) {
        struct cl_error e = {0};
        cl_app_result_release(res);
        enum cl_err rc = cl_app_execute(app, &who, req, res, &e);
        if (rc != CL_ERR_BUSY) {
            if (rc && rc != CL_ERR_REFUSED) fprintf(stderr, "worker %d: %s\n", w->index, e.msg);
            return rc;
        }
        w->busy++;
    }
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct cl_app *app = fx_open(target);
    struct cl_app_result res;
    cl_app_result_init(&res);
    unsigned seed = 12345u + (unsigned)w->index * 7919u;
    char refs[64][CL_LEDGER_REF_BYTES];
    long long qty[64];
    int n = 0;
    for (int i = 0; i < 60; i++) {
        struct cl_app_request req;
        if (n > 0 && rand_r(&seed) % 4 == 0) {
            /* cancel one of ours: its units go back to the pool */
            int k = (int)(rand_r(&seed) % (unsigned)n);
            cl_app_request_init(&req, CL_APP_ORDER_CANCEL);
            req.ref = refs[k];
            enum cl_err rc = run(app, &req, 10, &res, w);
            if (rc) w->failures++;
            else {
                w->cancelled++;
                w->booked -= qty[k];
                memmove(&refs[k], &refs[k + 1], sizeof(refs[0]) * (size_t)(n - k - 1));
                memmove(&qty[k], &qty[k + 1], sizeof(qty[0]) * (size_t)(n - k - 1));
                n--;
            }
            continue;
        }
        cl_app_request_init(&req, CL_APP_ORDER_PLACE);
        req.exporter = "NVIDIA";
        req.buyer = buyers[w->index];
        req.product = "H200";
        req.quantity = 1 + rand_r(&seed) % 150;
        req.value_cents = req.quantity * 100;
        enum cl_err rc = run(app, &req, 10, &res, w);
        if (rc == CL_ERR_REFUSED) {
            w->refused++;
            /* the only reason may be the pool: every other gate is open */
            if (res.refusal.n != 1 || res.refusal.reasons[0].code != CL_REFUSAL_POOL_EXHAUSTED) {
                w->failures++;
                fprintf(stderr, "worker %d: refused for %s: %s\n", w->index,
                        cl_ledger_refusal_code_name(res.refusal.reasons[0].code), res.refusal.reasons[0].message);
            }
        } else if (rc) {
            w->failures++;
        } else if (n < 64) {
            snprintf(refs[n], CL_LEDGER_REF_BYTES, "%s", json_string_value(json_object_get(res.object, "ref")));
            qty[n++] = req.quantity;
            w->booked += req.quantity;
            w->placed++;
        }
    }
    cl_app_result_release(&res);
    cl_app_close(app);
    return NULL;
}

static void setup(void)
{
    struct cl_app *app = fx_open(target);
    EXPECT_OK(fx_act(app, "2026-01-15", "party.add", "{'name': 'NVIDIA', 'roles': 'exporter', 'country': 'US'}"));
    EXPECT_OK(fx_act(app, "2026-01-28", "pool.create", "{'name': 'shared', 'product': 'H200', 'cap': 3000}"));
    for (int i = 0; i < THREADS; i++) {
        char args[512];
        snprintf(args, sizeof(args), "{'name': '%s', 'roles': 'importer', 'country': 'CN'}", buyers[i]);
        EXPECT_OK(fx_act(app, "2026-01-15", "party.add", args));
        snprintf(args, sizeof(args),
                 "{'ref': 'US-%d', 'jurisdiction': 'US', 'holder': 'NVIDIA', 'parties': ['%s'], 'products': ['H200']}", i,
                 buyers[i]);
        EXPECT_OK(fx_act(app, "2026-01-20", "auth.apply", args));
        snprintf(args, sizeof(args), "{'ref': 'US-%d', 'outcome': 'approved'}", i);
        EXPECT_OK(fx_act(app, "2026-01-21", "auth.decide", args));
        snprintf(args, sizeof(args), "{'ref': 'CN-%d', 'jurisdiction': 'CN', 'holder': '%s', 'products': ['H200']}", i,
                 buyers[i]);
        EXPECT_OK(fx_act(app, "2026-01-28", "auth.apply", args));
        snprintf(args, sizeof(args), "{'ref': 'CN-%d', 'outcome': 'approved'}", i);
        EXPECT_OK(fx_act(app, "2026-01-28", "auth.decide", args));
        snprintf(args, sizeof(args), "{'pool': 'shared', 'authorizations': ['CN-%d']}", i);
        EXPECT_OK(fx_act(app, "2026-01-28", "pool.add", args));
    }
    cl_app_close(app);
}

static void race(const char *t)
{
    target = t;
    setup();
    pthread_t th[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.index = i};
        CHECK_INT(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    long long booked = 0;
    int refused = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(w[i].failures, 0);
        booked += w[i].booked;
        refused += w[i].refused;
        fprintf(stderr, "  worker %d: %d placed, %d refused, %d cancelled, %d busy retries\n", i, w[i].placed,
                w[i].refused, w[i].cancelled, w[i].busy);
    }
    /* the demand (4 x 45 orders of up to 150) is several times the cap: the pool must have filled and refused */
    CHECK(refused > 0);
    struct cl_app *app = fx_open(t);
    EXPECT_OK(fx_act(app, "2026-02-11", "pool.show", "{'name': 'shared'}"));
    CHECK_INT(fx_int("quantity_reserved"), booked);
    CHECK(fx_int("quantity_reserved") <= POOL_CAP);
    CHECK_INT(fx_int("quantity_consumed"), 0);
    EXPECT_OK(fx_act(app, "2026-02-11", "check", NULL));
    cl_app_close(app);
}

int main(void)
{
    fx_env_load();
    fprintf(stderr, "-- SQLite\n");
    race(fx_fresh(NULL, NULL));
    const char *pg = getenv("CLEARANCE_TEST_PG");
    if (pg && *pg) {
        fprintf(stderr, "-- PostgreSQL\n");
        static char url[512];
        snprintf(url, sizeof(url), "%s", fx_fresh(pg, "ledger_concurrency"));
        race(url);
    } else {
        fprintf(stderr, "CLEARANCE_TEST_PG not set: PostgreSQL part skipped\n");
    }
    cl_app_result_release(&fx_res);
    fx_cleanup();
    cl_reference_release(&fx_env);
    return TEST_EXIT();
}
