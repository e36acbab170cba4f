/* The HTTP/JSON front end: configuration, the route table, requests and handlers. Private to src/server/ and the
 * serve command; it uses only the library's public headers. */
#ifndef CL_SERVER_H
#define CL_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "clearance/access.h"
#include "clearance/app.h"
#include "clearance/journal.h"
#include "clearance/screen.h"
#include "clearance/core.h"
#include "clearance/reference.h"
#include "clearance/store.h"

struct srv_config {
    const char *host;      /* "127.0.0.1" */
    int port;              /* 8080; 0 picks a free port */
    const char *db;        /* SQLite path or postgres:// URL */
    const char *data_dir;
    const char *rules_dir; /* NULL: data_dir/rules */
    const char *web_dir;   /* the dashboard's files */
    const char *docs_dir;  /* docs/, for openapi.json */
    int threads;
    int timeout_s;         /* idle connection time-out */
    const char *access_log; /* file, "-" for stderr, NULL for none */
    const char *port_file; /* when set, the bound port is written there once listening */
    const char *journal_key; /* the checkpoint signing key file */
    const char *screen_config; /* screening thresholds file; NULL: the defaults */
    int checkpoint_every_s; /* publish a checkpoint this often when the tree grew; 0: only on request */
};

#define SRV_PUBLIC (-1) /* a route any caller may use, without a key */
#define SRV_AUTHENTICATED (-2) /* any valid key */
#define SRV_MAX_PARAMS 4
#define SRV_STATUS_SLOTS 16
#define SRV_LATENCY_BUCKETS 12

struct srv;
struct srv_req;

/* Handlers answer with a new JSON document in *out, or an error (and, for CL_ERR_REFUSED, the reasons in *out).
 * They may set r->status for a success other than 200 (201 Created). */
typedef enum cl_err (*srv_handler)(struct srv_req *r, json_t **out, struct cl_error *err);

struct srv_route {
    const char *method;
    const char *pattern; /* "/v1/keys/{id}" */
    int action;          /* enum cl_action, SRV_PUBLIC or SRV_AUTHENTICATED */
    srv_handler fn;
    const char *summary;
    int app;             /* for ledger routes: enum cl_app_action + 1; 0 otherwise */
    const char *param;   /* the request field the path parameter fills ("ref") */
};

/* One write action waiting for the writer thread (writer.c). The request borrows from args and the actor's
 * strings; the result and error are filled by the writer. */
struct srv_job {
    struct cl_app_request req;
    struct cl_app_actor who;
    struct cl_app_result res;
    enum cl_err rc;
    struct cl_error err;
    bool done;
    void (*on_done)(void *ctx); /* called by the writer once the job's batch committed or failed */
    void *on_done_ctx;
    struct srv_job *next;
};

struct srv_writer {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct srv_job *head, *tail;
    bool stopping, started;
    pthread_t thread;
    struct cl_app *app; /* the writer's own connection */
    unsigned long batches, jobs, retries; /* retries: batches run again after a serialisation failure */
};

/* One (kind, outcome) counter of decisions. Entries are appended, never moved: counting finds its entry without a
 * lock and increments it atomically. */
#define SRV_DECISION_KINDS 128
struct srv_decision_count {
    char kind[32], outcome[48];
    atomic_ulong count;
};

struct srv_route_metrics {
    atomic_ulong by_status[SRV_STATUS_SLOTS];
    atomic_ulong latency[SRV_LATENCY_BUCKETS + 1]; /* cumulative at render time; last is +Inf */
    atomic_ulong latency_us_sum;
    atomic_ulong count;
};

struct srv {
    struct srv_config cfg;
    struct cl_reference ref;
    const struct srv_route *routes;
    size_t n_routes;
    struct srv_route_metrics *route_metrics; /* one per route, plus one for unmatched paths */
    pthread_key_t store_key; /* this thread's struct cl_app */
    FILE *access_log;
    pthread_mutex_t log_lock;
    pthread_mutex_t decisions_lock; /* taken only to add a new (kind, outcome) pair */
    struct srv_decision_count decisions[SRV_DECISION_KINDS];
    atomic_size_t n_decisions;
    cl_time started;
    int bound_port;
    atomic_ulong next_request_id;
    struct cl_journal_signer journal_signer;
    bool journal_key_loaded;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    bool stopping;
    struct srv_screen *_Atomic screen; /* the screening index; swapped whole on reload */
    struct srv_screen *retired;         /* replaced indexes, freed after a grace period */
    pthread_mutex_t retire_lock;
    struct cl_screen_config screen_config;
    struct srv_writer writer;
};

struct srv_req {
    struct srv *srv;
    const char *method;
    const char *path;
    const struct srv_route *route;
    void *conn;            /* struct MHD_Connection */
    char *body;
    size_t body_len;
    bool body_too_big;
    json_t *json;          /* the body (POST/PUT) or the query arguments (GET), as an object */
    struct cl_principal principal;
    bool authenticated;
    const char *param_names[SRV_MAX_PARAMS];
    char *param_values[SRV_MAX_PARAMS];
    size_t n_params;
    char request_id[24];
    const char *error_code; /* the answer's error (CL_ERR_...), for the access log; NULL when none */
    cl_time started;
    int status;            /* success status a handler may set */
    struct srv_app_call *call; /* a ledger action under way (routes_ledger.c); freed with the request */
    struct srv_job *pending;   /* set by a handler whose write waits for the writer: the connection is suspended */
};

/* The tables of routes: reference, keys, ledger (routes.c) and journal (routes_journal.c). The server serves
 * them all as one table, built at start-up by srv_routes_all(). */
extern const struct srv_route srv_routes[];
extern const size_t srv_n_routes;
extern const struct srv_route srv_journal_routes[];
extern const size_t srv_n_journal_routes;
extern const struct srv_route srv_screen_routes[];
extern const size_t srv_n_screen_routes;
struct srv_screen;
/* Builds the screening index from the stored lists and swaps it in (routes_screen.c). */
enum cl_err srv_screen_reload(struct srv *s, struct cl_error *err);
void srv_screen_release(struct srv *s);
/* Screens a ledger party with the loaded index and records the decision; CL_ERR_STATE when no list is loaded. */
enum cl_err srv_screen_party(struct srv_req *r, const char *party, json_t **out, struct cl_error *err);
/* Every route, in one array (a new allocation the first time, then the same). */
const struct srv_route *srv_routes_all(size_t *out_n);
/* The housekeeping thread: log compaction, and a journal checkpoint every cfg.checkpoint_every_s seconds. */
void *srv_maintenance_thread(void *arg);

/* Runs the server until SIGINT or SIGTERM. Returns an exit status. */
int srv_run(const struct srv_config *cfg);

/* This thread's service-layer connection (and its store), opened on first use. */
struct cl_app *srv_app(struct srv_req *r, struct cl_error *err);
struct cl_store *srv_store(struct srv_req *r, struct cl_error *err);
/* The handler of every ledger route: runs the route's action with the body (or query) and the path parameter,
 * scoped to the caller's role and party (routes_ledger.c). */
enum cl_err srv_h_app(struct srv_req *r, json_t **out, struct cl_error *err);
/* The second half of a write srv_h_app queued: the answer once its batch committed. */
enum cl_err srv_app_resume(struct srv_req *r, json_t **out, struct cl_error *err);
struct srv_app_call;
void srv_app_call_free(struct srv_app_call *c);
/* Unit totals per authorization and pool, with no commercial field (routes_ledger.c). */
enum cl_err srv_h_totals(struct srv_req *r, json_t **out, struct cl_error *err);
/* A path parameter ("{id}"), or NULL. */
const char *srv_param(const struct srv_req *r, const char *name);
/* A request header, or NULL. */
const char *srv_header(const struct srv_req *r, const char *name);
/* The request document: never NULL for routes that take one (an empty object when there was no body). */
const json_t *srv_body(const struct srv_req *r);
/* Starts and stops the writer thread. srv_writer_enqueue queues a job and returns at once; when the job's batch has
 * committed (or failed) the writer sets job->rc, job->res and job->err and calls job->on_done. Stopping drains the
 * queue; a job queued after that fails with CL_ERR_BUSY at once. */
enum cl_err srv_writer_start(struct srv *s, struct cl_error *err);
void srv_writer_stop(struct srv *s);
void srv_writer_enqueue(struct srv *s, struct srv_job *job);

/* Counts a decision for /metrics ("determine", "required"). */
void srv_count_decision(struct srv *s, const char *kind, const char *outcome);
/* Fails with CL_ERR_FORBIDDEN unless the principal may take action. */
enum cl_err srv_require(const struct srv_req *r, enum cl_action action, struct cl_error *err);

/* The one map from error codes to HTTP statuses. */
int srv_http_status(enum cl_err code);

/* Renders /metrics in the Prometheus text format into a new malloc'd string. */
char *srv_metrics_render(struct srv *s);
void srv_metrics_record(struct srv *s, const struct srv_route *route, int status, cl_time elapsed_us);

#endif
