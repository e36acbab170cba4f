/* What the database benchmarks share: compacting a database's write-ahead log from a background thread twice a
 * second, as the server's housekeeping thread does. */
#ifndef CL_BENCH_DB_H
#define CL_BENCH_DB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "clearance/store.h"

struct bench_compactor {
    const char *path;
    bool stop, running;
    pthread_t thread;
};

static inline void *bench_compact_loop(void *arg)
{
    struct bench_compactor *c = arg;
    struct cl_store *st = NULL;
    struct cl_error e = {0};
    if (cl_store_open(c->path, NULL, &st, &e)) return NULL;
    while (!__atomic_load_n(&c->stop, __ATOMIC_SEQ_CST)) {
        struct timespec ts = {0, 500 * 1000 * 1000};
        nanosleep(&ts, NULL);
        cl_error_clear(&e);
        cl_store_compact_log(st, &e);
    }
    cl_store_close(st);
    return NULL;
}

static inline void bench_compactor_start(struct bench_compactor *c, const char *path)
{
    c->path = path;
    c->stop = false;
    c->running = pthread_create(&c->thread, NULL, bench_compact_loop, c) == 0;
}

static inline void bench_compactor_stop(struct bench_compactor *c)
{
    if (!c->running) return;
    __atomic_store_n(&c->stop, true, __ATOMIC_SEQ_CST);
    pthread_join(c->thread, NULL);
    c->running = false;
}

#endif
