/* Benchmark: place-order plus ship decisions per second with durable commits, one process: a naive baseline (each
 * decision its own transaction and fsync) beside group commit (a batch of decisions per transaction, each in its
 * own savepoint, acknowledged after the batch's one durable commit). Each is run ROUNDS times on a fresh database
 * and the best round is reported, since the machine is shared. Both run twice: with the write-ahead log compacted
 * inside commits (SQLite's default), and compacted by a background thread as the server's writer has it.
 * The ratio depends on what a flush costs the disk, so the benchmark first measures that; with --slow-flush US,
 * every file sync SQLite makes waits US microseconds more, to show the same comparison on a slower disk.
 * Usage: bench_ledger [--slow-flush US] [PAIRS] [BATCH] [DIR] [ROUNDS] */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "slow_flush.h"
#include "clearance/app.h"

#define TARGET_RATIO 10.0

static struct cl_reference env;

static void die(const char *what, const struct cl_error *e)
{
    fprintf(stderr, "bench_ledger: %s: %s\n", what, e->msg);
    exit(1);
}

static void act(struct cl_app *app, const char *date, enum cl_app_action a, const char *json)
{
    struct cl_error e = {0};
    json_error_t je;
    json_t *args = json_loads(json, 0, &je);
    struct cl_app_request req;
    if (!args || cl_app_request_from_json(a, args, "$", &req, &e)) die("setup request", &e);
    cl_date d;
    cl_date_parse(date, strlen(date), &d);
    struct cl_app_actor who = {"bench", cl_time_now(), d, NULL};
    struct cl_app_result res;
    cl_app_result_init(&res);
    if (cl_app_execute(app, &who, &req, &res, &e)) die(json, &e);
    cl_app_result_release(&res);
    json_decref(args);
}

/* A fresh database with one buyer cleared to receive: parties, both authorizations, conditions met, a pool.
 * With `background`, the connection leaves compacting its log to someone else, as the server's writer does. */
static struct cl_app *fresh(const char *path, bool background)
{
    cl_store_remove(path);
    struct cl_app *app = NULL;
    struct cl_error e = {0};
    struct cl_store_options o = {.sync = CL_SYNC_FULL, .busy_timeout_ms = 5000, .defer_log_compaction = background};
    if (cl_app_open(&env, path, &o, &app, &e)) die(path, &e);
    act(app, "2026-01-15", CL_APP_PARTY_ADD, "{\"name\": \"NVIDIA\", \"roles\": \"exporter\", \"country\": \"US\"}");
    act(app, "2026-01-15", CL_APP_PARTY_ADD, "{\"name\": \"ByteDance\", \"roles\": \"importer\", \"country\": \"CN\"}");
    act(app, "2026-01-15", CL_APP_PARTY_VET, "{\"party\": \"ByteDance\", \"jurisdiction\": \"US\", \"state\": \"vetted\"}");
    act(app, "2026-01-15", CL_APP_PARTY_SCREEN_RESULT, "{\"party\": \"ByteDance\", \"decision\": \"clear\", \"list_version\": \"v\"}");
    act(app, "2026-01-15", CL_APP_PARTY_SCREEN_RESULT, "{\"party\": \"NVIDIA\", \"decision\": \"clear\", \"list_version\": \"v\"}");
    act(app, "2026-01-20", CL_APP_AUTH_APPLY,
        "{\"ref\": \"US-1\", \"jurisdiction\": \"US\", \"holder\": \"NVIDIA\", \"parties\": [\"ByteDance\"], \"products\": [\"H200\"]}");
    act(app, "2026-01-20", CL_APP_AUTH_DECIDE, "{\"ref\": \"US-1\", \"outcome\": \"approved\"}");
    act(app, "2026-01-28", CL_APP_AUTH_APPLY,
        "{\"ref\": \"CN-1\", \"jurisdiction\": \"CN\", \"holder\": \"ByteDance\", \"products\": [\"H200\"]}");
    act(app, "2026-01-28", CL_APP_AUTH_DECIDE, "{\"ref\": \"CN-1\", \"outcome\": \"approved\"}");
    act(app, "2026-01-28", CL_APP_POOL_CREATE, "{\"name\": \"quota\", \"product\": \"H200\", \"cap\": 1000000000}");
    act(app, "2026-01-28", CL_APP_POOL_ADD, "{\"pool\": \"quota\", \"authorizations\": [\"CN-1\"]}");
    const char *conds[] = {"US-1 bis-2026-us-supply", "US-1 bis-2026-us-testing", "US-1 bis-2026-volume-cap",
                           "US-1 bis-2026-kyc", "US-1 bis-2026-end-use", "US-1 bis-2026-remote-users",
                           "US-1 bis-2026-security", "CN-1 ndrc-2026-conditions", "CN-1 ndrc-2026-domestic-quota"};
    for (int i = 0; i < 9; i++) {
        char j[256];
        snprintf(j, sizeof(j),
                 "{\"ref\": \"%.4s\", \"condition\": \"%s\", \"state\": \"satisfied\", \"evidence\": \"e\"}", conds[i],
                 conds[i] + 5);
        act(app, "2026-01-29", CL_APP_AUTH_CONDITION, j);
    }
    return app;
}

/* One pair of decisions: place an order, ship it. */
static void pair(struct cl_app *app, int i)
{
    struct cl_error e = {0};
    struct cl_app_actor who = {"bench", cl_time_now(), cl_date_from_ymd(2026, 2, 10), NULL};
    struct cl_app_result res;
    cl_app_result_init(&res);
    char ref[32];
    snprintf(ref, sizeof(ref), "B-%d", i);
    struct cl_app_request req;
    cl_app_request_init(&req, CL_APP_ORDER_PLACE);
    req.ref = ref;
    req.exporter = "NVIDIA";
    req.buyer = "ByteDance";
    req.product = "H200";
    req.quantity = 10;
    req.value_cents = 30000000;
    if (cl_app_execute(app, &who, &req, &res, &e)) die("order", &e);
    cl_app_result_release(&res);
    cl_app_request_init(&req, CL_APP_SHIP);
    req.order = ref;
    req.quantity = 10;
    if (cl_app_execute(app, &who, &req, &res, &e)) die("ship", &e);
    cl_app_result_release(&res);
}

struct timing {
    double wall, cpu;
};

/* One round on a fresh database: `pairs` pairs, `batch` pairs per transaction (grouped: one durable commit per
 * batch, each decision in its own savepoint) or a transaction and fsync per decision; then the ledger's own
 * invariant check. */
static struct timing run(const char *path, int pairs, int batch, bool grouped, bool background)
{
    struct cl_error e = {0};
    struct cl_app *app = fresh(path, background);
    struct bench_compactor c = {0};
    if (background) bench_compactor_start(&c, path);
    double t0 = bench_clock(CLOCK_MONOTONIC), c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < pairs;) {
        if (grouped && cl_app_batch_begin(app, &e)) die("batch", &e);
        for (int k = 0; k < batch && i < pairs; k++, i++) pair(app, i);
        if (grouped && cl_app_batch_commit(app, &e)) die("commit", &e);
    }
    struct timing t = {bench_clock(CLOCK_MONOTONIC) - t0, bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0};
    bench_compactor_stop(&c);
    struct cl_app_request req;
    cl_app_request_init(&req, CL_APP_CHECK);
    struct cl_app_result res;
    cl_app_result_init(&res);
    struct cl_app_actor who = {"bench", cl_time_now(), cl_date_from_ymd(2026, 2, 10), NULL};
    if (cl_app_execute(app, &who, &req, &res, &e)) die("check", &e);
    cl_app_result_release(&res);
    cl_app_close(app);
    return t;
}

int main(int argc, char **argv)
{
    long slow_us = 0;
    if (argc > 2 && strcmp(argv[1], "--slow-flush") == 0) {
        slow_us = atol(argv[2]);
        argc -= 2;
        argv += 2;
    }
    int pairs = argc > 1 ? atoi(argv[1]) : 400;
    int batch = argc > 2 ? atoi(argv[2]) : 64;
    const char *dir = argc > 3 ? argv[3] : "/var/tmp";
    int rounds = argc > 4 ? atoi(argv[4]) : 3;
    if (pairs < 1 || batch < 1 || rounds < 1 || slow_us < 0 || slow_us > 1000000) {
        fprintf(stderr, "usage: bench_ledger [--slow-flush US (0 to 1000000)] [PAIRS] [BATCH] [DIR] [ROUNDS]\n");
        return 2;
    }
    double flush_p50 = 0, flush_p90 = 0;
    if (!bench_flush_latency(dir, 200, &flush_p50, &flush_p90)) {
        fprintf(stderr, "bench_ledger: %s: cannot write and flush a file there\n", dir);
        return 1;
    }
    if (slow_us && !bench_slow_flush_install(slow_us)) {
        fprintf(stderr, "bench_ledger: cannot install the slow-flush file system\n");
        return 1;
    }
    struct cl_error e = {0};
    if (cl_reference_load(CL_DATA_DIR, NULL, &env, &e)) die("data", &e);
    char path[512];
    snprintf(path, sizeof(path), "%s/bench_ledger_%d.db", dir, (int)getpid());

    printf("ledger: %d place-order + ship pairs (%d decisions), SQLite WAL, synchronous=FULL, in %s, best of %d\n",
           pairs, 2 * pairs, dir, rounds);
    printf("this disk: a 4 KiB append and fdatasync take %.3f ms (median of 200; 90th percentile %.3f ms)\n",
           flush_p50, flush_p90);
    if (slow_us)
        printf("MODEL OF A SLOWER DISK: every file sync SQLite makes waits %.3f ms more (--slow-flush %ld)\n",
               slow_us / 1000.0, slow_us);
    for (int background = 0; background < 2; background++) {
        struct timing naive = {1e9, 0}, grouped = {1e9, 0};
        for (int r = 0; r < rounds; r++) {
            /* $BENCH_SKIP_NAIVE skips the baseline, for profiling */
            if (!getenv("BENCH_SKIP_NAIVE")) {
                struct timing t = run(path, pairs, 1, false, background);
                if (t.wall < naive.wall) naive = t;
            }
            struct timing t = run(path, pairs, batch, true, background);
            if (t.wall < grouped.wall) grouped = t;
        }
        double nd = 2.0 * pairs / naive.wall, gd = 2.0 * pairs / grouped.wall;
        printf("%s\n", background ? "the log compacted by a background thread, as the server's writer has it:"
                                  : "the log compacted inside commits (SQLite's default):");
        printf("  naive (a transaction and fsync per decision): %8.1f decisions/s  (%.3f ms each, %.3f ms of CPU)\n",
               nd, 1000.0 * naive.wall / (2.0 * pairs), 1000.0 * naive.cpu / (2.0 * pairs));
        printf("  group commit (%3d pairs per transaction):     %8.1f decisions/s  (%.3f ms each, %.3f ms of CPU)\n",
               batch, gd, 1000.0 * grouped.wall / (2.0 * pairs), 1000.0 * grouped.cpu / (2.0 * pairs));
        printf("  ratio: %.1fx (target %.0fx: %s)\n", gd / nd, TARGET_RATIO,
               gd / nd >= TARGET_RATIO ? "met" : "NOT MET");
    }
    cl_store_remove(path);
    cl_reference_release(&env);
    return 0;
}
