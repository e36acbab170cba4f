/* Group commit across requests: one writer thread takes every write action waiting, runs each in a savepoint of one
 * transaction, and makes the batch durable with one commit. A request is answered only after that commit, so an
 * acknowledged booking survives a crash; concurrent requests share the commit's fsync instead of queueing on the
 * database's write lock one fsync each. On a serialisation failure (PostgreSQL, several nodes) the whole batch is
 * rolled back and run again after a short random wait (backoff below). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define BATCH_MAX 256
#define BATCH_ATTEMPTS 12

/* Before running a batch again after a conflict, a random wait of up to 0.5 ms, doubling with each attempt up to
 * 32 ms: two nodes whose batches conflicted would otherwise start again together and collide again. */
static void backoff(int attempt)
{
    static __thread uint64_t x;
    if (!x) x = ((uint64_t)cl_time_now() ^ (uint64_t)(uintptr_t)&x) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    long max_us = 500L << (attempt < 6 ? attempt : 6);
    long us = (long)(x % (uint64_t)max_us);
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

static void reset(struct srv_job *j)
{
    cl_app_result_release(&j->res);
    cl_app_result_init(&j->res);
    cl_error_clear(&j->err);
    j->rc = CL_OK;
}

/* Runs jobs as one batch; every job ends with its rc, result and error set. *out_retries counts the times the whole
 * batch ran again after the database said busy (another node's transaction won). */
static void run_batch(struct cl_app *app, struct srv_job *jobs, unsigned *out_retries)
{
    for (int attempt = 0; attempt < BATCH_ATTEMPTS; attempt++) {
        *out_retries = (unsigned)attempt;
        if (attempt) backoff(attempt - 1);
        struct cl_error berr = {0};
        bool busy = false;
        enum cl_err rc = cl_app_batch_begin(app, &berr);
        if (rc == CL_OK) {
            for (struct srv_job *j = jobs; j; j = j->next) {
                reset(j);
                j->rc = cl_app_execute(app, &j->who, &j->req, &j->res, &j->err);
                if (j->rc == CL_ERR_BUSY) {
                    busy = true;
                    break;
                }
            }
            if (busy) {
                cl_app_batch_rollback(app);
                continue;
            }
            rc = cl_app_batch_commit(app, &berr);
            if (rc == CL_OK) return;
            if (rc == CL_ERR_BUSY) continue;
        } else if (rc == CL_ERR_BUSY) {
            continue;
        }
        /* the batch failed as a whole: nothing in it is durable, and every request says so */
        for (struct srv_job *j = jobs; j; j = j->next) {
            reset(j);
            j->rc = rc;
            cl_error_set(&j->err, rc, "%s", berr.msg[0] ? berr.msg : cl_strerror(rc));
        }
        return;
    }
    for (struct srv_job *j = jobs; j; j = j->next) {
        reset(j);
        j->rc = cl_error_set(&j->err, CL_ERR_BUSY, "the database stayed busy: try again");
    }
}

static void *writer_main(void *arg)
{
    struct srv *s = arg;
    struct srv_writer *w = &s->writer;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->head && !w->stopping) pthread_cond_wait(&w->wake, &w->lock);
        if (!w->head && w->stopping) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        /* take up to BATCH_MAX jobs in arrival order */
        struct srv_job *first = w->head, *last = w->head;
        size_t n = 1;
        while (last->next && n < BATCH_MAX) last = last->next, n++;
        w->head = last->next;
        if (!w->head) w->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&w->lock);

        unsigned retries;
        run_batch(w->app, first, &retries);

        pthread_mutex_lock(&w->lock);
        w->batches++;
        w->jobs += n;
        w->retries += retries;
        pthread_mutex_unlock(&w->lock);
        /* the job belongs to its request again once on_done runs: read next first */
        for (struct srv_job *j = first, *next; j; j = next) {
            next = j->next;
            j->done = true;
            j->on_done(j->on_done_ctx);
        }
    }
    return NULL;
}

enum cl_err srv_writer_start(struct srv *s, struct cl_error *err)
{
    struct srv_writer *w = &s->writer;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    /* the log is compacted in the background (the maintenance thread), never inside a batch's commit */
    struct cl_store_options o = {.sync = CL_SYNC_FULL, .busy_timeout_ms = 5000, .defer_log_compaction = true};
    enum cl_err rc = cl_app_open(&s->ref, s->cfg.db, &o, &w->app, err);
    if (rc) return rc;
    if (pthread_create(&w->thread, NULL, writer_main, s) != 0) {
        cl_app_close(w->app);
        w->app = NULL;
        return cl_error_set(err, CL_ERR_INTERNAL, "cannot start the writer thread");
    }
    w->started = true;
    return CL_OK;
}

void srv_writer_stop(struct srv *s)
{
    struct srv_writer *w = &s->writer;
    if (!w->started) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    cl_app_close(w->app);
    pthread_mutex_lock(&w->lock);
    w->started = false;
    pthread_mutex_unlock(&w->lock);
}

void srv_writer_enqueue(struct srv *s, struct srv_job *job)
{
    struct srv_writer *w = &s->writer;
    job->next = NULL;
    job->done = false;
    pthread_mutex_lock(&w->lock);
    if (w->stopping || !w->started) {
        pthread_mutex_unlock(&w->lock);
        job->rc = cl_error_set(&job->err, CL_ERR_BUSY, "the server is stopping: try again");
        job->done = true;
        job->on_done(job->on_done_ctx);
        return;
    }
    if (w->tail) w->tail->next = job;
    else w->head = job;
    w->tail = job;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}
