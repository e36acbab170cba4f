/* Request and decision metrics, rendered in the Prometheus text exposition format. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static const int status_codes[SRV_STATUS_SLOTS - 1] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503, 504};
static const cl_time bucket_us[SRV_LATENCY_BUCKETS] = {250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
                                                       250000, 500000, 1000000};

void srv_metrics_record(struct srv *s, const struct srv_route *route, int status, cl_time elapsed_us)
{
    size_t idx = route ? (size_t)(route - s->routes) : s->n_routes;
    struct srv_route_metrics *m = &s->route_metrics[idx];
    size_t slot = SRV_STATUS_SLOTS - 1; /* "other" */
    for (size_t i = 0; i < SRV_STATUS_SLOTS - 1; i++)
        if (status_codes[i] == status) slot = i;
    atomic_fetch_add(&m->by_status[slot], 1);
    size_t b = 0;
    while (b < SRV_LATENCY_BUCKETS && elapsed_us > bucket_us[b]) b++;
    atomic_fetch_add(&m->latency[b], 1);
    atomic_fetch_add(&m->latency_us_sum, (unsigned long)(elapsed_us > 0 ? elapsed_us : 0));
    atomic_fetch_add(&m->count, 1);
}

struct out {
    char *buf;
    size_t len, cap;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (o->buf && o->len + (size_t)n < o->cap) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap ? o->cap * 2 : 16384) + (size_t)n;
        char *nb = realloc(o->buf, cap);
        if (!nb) return;
        o->buf = nb;
        o->cap = cap;
    }
}

char *srv_metrics_render(struct srv *s)
{
    struct out o = {NULL, 0, 0};
    outf(&o, "# HELP clearance_http_requests_total HTTP requests by route, method and status.\n"
             "# TYPE clearance_http_requests_total counter\n");
    for (size_t i = 0; i <= s->n_routes; i++) {
        const char *route = i < s->n_routes ? s->routes[i].pattern : "unmatched";
        const char *method = i < s->n_routes ? s->routes[i].method : "any";
        for (size_t k = 0; k < SRV_STATUS_SLOTS; k++) {
            unsigned long n = atomic_load(&s->route_metrics[i].by_status[k]);
            if (!n) continue;
            char code[8];
            if (k < SRV_STATUS_SLOTS - 1) snprintf(code, sizeof(code), "%d", status_codes[k]);
            else snprintf(code, sizeof(code), "other");
            outf(&o, "clearance_http_requests_total{route=\"%s\",method=\"%s\",code=\"%s\"} %lu\n", route, method, code, n);
        }
    }
    outf(&o, "# HELP clearance_http_request_duration_seconds Time from request start to response, by route.\n"
             "# TYPE clearance_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < s->n_routes; i++) {
        struct srv_route_metrics *m = &s->route_metrics[i];
        unsigned long count = atomic_load(&m->count);
        if (!count) continue;
        unsigned long cum = 0;
        for (size_t b = 0; b <= SRV_LATENCY_BUCKETS; b++) {
            cum += atomic_load(&m->latency[b]);
            if (b < SRV_LATENCY_BUCKETS)
                outf(&o, "clearance_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %lu\n",
                     s->routes[i].pattern, s->routes[i].method, (double)bucket_us[b] / 1e6, cum);
            else
                outf(&o, "clearance_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %lu\n",
                     s->routes[i].pattern, s->routes[i].method, cum);
        }
        outf(&o, "clearance_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n", s->routes[i].pattern,
             s->routes[i].method, (double)atomic_load(&m->latency_us_sum) / 1e6);
        outf(&o, "clearance_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %lu\n", s->routes[i].pattern,
             s->routes[i].method, count);
    }
    outf(&o, "# HELP clearance_decisions_total Decisions by kind and outcome.\n# TYPE clearance_decisions_total counter\n");
    size_t nd = atomic_load(&s->n_decisions);
    for (size_t i = 0; i < nd; i++)
        outf(&o, "clearance_decisions_total{kind=\"%s\",outcome=\"%s\"} %lu\n", s->decisions[i].kind,
             s->decisions[i].outcome, atomic_load(&s->decisions[i].count));
    pthread_mutex_lock(&s->writer.lock);
    unsigned long batches = s->writer.batches, jobs = s->writer.jobs, retries = s->writer.retries;
    pthread_mutex_unlock(&s->writer.lock);
    outf(&o, "# HELP clearance_write_batches_total Durable commits of the writer thread (group commit).\n"
             "# TYPE clearance_write_batches_total counter\nclearance_write_batches_total %lu\n"
             "# HELP clearance_write_actions_total Write actions committed by those batches.\n"
             "# TYPE clearance_write_actions_total counter\nclearance_write_actions_total %lu\n"
             "# HELP clearance_write_batch_retries_total Batches run again because the database said busy (another"
             " node's conflicting transaction on PostgreSQL).\n"
             "# TYPE clearance_write_batch_retries_total counter\nclearance_write_batch_retries_total %lu\n",
         batches, jobs, retries);
    outf(&o, "# HELP clearance_uptime_seconds Seconds since the server started.\n# TYPE clearance_uptime_seconds gauge\n"
             "clearance_uptime_seconds %.0f\n",
         (double)(cl_time_now() - s->started) / 1e6);
    return o.buf;
}
