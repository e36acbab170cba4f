/* What the benchmarks share: a clock in seconds, and compacting a database's write-ahead log from a background
 * thread twice a second, as the server's housekeeping thread does. */
#ifndef CL_BENCH_H
#define CL_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "clearance/store.h"

/* Seconds on a clock: CLOCK_MONOTONIC for wall time, CLOCK_PROCESS_CPUTIME_ID or CLOCK_THREAD_CPUTIME_ID for CPU
 * time (the machine is shared: wall time also counts other processes' turns). */
static inline double bench_clock(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

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
