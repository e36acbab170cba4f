/* The server's HTTP layer on libmicrohttpd: a thread pool, bounded request bodies, key checks, routing, JSON
 * errors, the access log and metrics. Handlers see a parsed request and return JSON. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clearance/json.h"
#include "server.h"

int srv_http_status(enum cl_err code)
{
    switch (code) {
    case CL_OK: return 200;
    case CL_ERR_USAGE:
    case CL_ERR_INPUT: return 400;
    case CL_ERR_AUTH: return 401;
    case CL_ERR_FORBIDDEN: return 403;
    case CL_ERR_NOT_FOUND: return 404;
    case CL_ERR_CONFLICT:
    case CL_ERR_STATE: return 409;
    case CL_ERR_LIMIT: return 413;
    case CL_ERR_REFUSED:
    case CL_ERR_CRYPTO: return 422;
    case CL_ERR_BUSY:
    case CL_ERR_NOMEM:
    case CL_ERR_IO:
    case CL_ERR_STORE: return 503;
    default: return 500;
    }
}

struct cl_app *srv_app(struct srv_req *r, struct cl_error *err)
{
    struct cl_app *app = pthread_getspecific(r->srv->store_key);
    if (app) return app;
    if (cl_app_open(&r->srv->ref, r->srv->cfg.db, NULL, &app, err)) return NULL;
    pthread_setspecific(r->srv->store_key, app);
    return app;
}

struct cl_store *srv_store(struct srv_req *r, struct cl_error *err)
{
    struct cl_app *app = srv_app(r, err);
    return app ? app->st : NULL;
}

static void close_thread_app(void *p)
{
    cl_app_close(p);
}

const char *srv_param(const struct srv_req *r, const char *name)
{
    for (size_t i = 0; i < r->n_params; i++)
        if (strcmp(r->param_names[i], name) == 0) return r->param_values[i];
    return NULL;
}

const char *srv_header(const struct srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const json_t *srv_body(const struct srv_req *r)
{
    return r->json;
}

enum cl_err srv_require(const struct srv_req *r, enum cl_action action, struct cl_error *err)
{
    if (!r->authenticated) return cl_error_set(err, CL_ERR_AUTH, "an API key is required (Authorization: Bearer KEY)");
    if (!cl_access_allows(r->principal.role, action))
        return cl_error_set(err, CL_ERR_FORBIDDEN, "role %s may not %s", cl_role_id(r->principal.role),
                            cl_action_id(action));
    return CL_OK;
}

static struct srv_decision_count *find_decision(struct srv *s, size_t n, const char *kind, const char *outcome)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s->decisions[i].kind, kind) && !strcmp(s->decisions[i].outcome, outcome)) return &s->decisions[i];
    return NULL;
}

void srv_count_decision(struct srv *s, const char *kind, const char *outcome)
{
    if (!kind || !outcome) return;
    struct srv_decision_count *d = find_decision(s, atomic_load(&s->n_decisions), kind, outcome);
    if (!d) { /* a pair not seen before: add it, once */
        pthread_mutex_lock(&s->decisions_lock);
        size_t n = atomic_load(&s->n_decisions);
        d = find_decision(s, n, kind, outcome);
        if (!d && n < SRV_DECISION_KINDS) {
            d = &s->decisions[n];
            cl_strlcpy(d->kind, kind, sizeof(d->kind));
            cl_strlcpy(d->outcome, outcome, sizeof(d->outcome));
            atomic_store(&s->n_decisions, n + 1);
        }
        pthread_mutex_unlock(&s->decisions_lock);
        if (!d) return; /* the table is full: such a pair goes uncounted */
    }
    atomic_fetch_add(&d->count, 1);
}

/* ---- routing ------------------------------------------------------------------------------------------------ */

/* Matches path against pattern, capturing {name} segments into r. */
static bool route_matches(const char *pattern, const char *path, struct srv_req *r)
{
    size_t n = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/') return false;
        pattern++, path++;
        const char *pe = strchr(pattern, '/'), *qe = strchr(path, '/');
        size_t pl = pe ? (size_t)(pe - pattern) : strlen(pattern), ql = qe ? (size_t)(qe - path) : strlen(path);
        if (pl > 2 && pattern[0] == '{' && pattern[pl - 1] == '}') {
            if (ql == 0 || n == SRV_MAX_PARAMS) return false;
            if (r) {
                r->param_names[n] = pattern + 1; /* compared with its length below */
                r->param_values[n] = strndup(path, ql);
            }
            n++;
        } else if (pl != ql || strncmp(pattern, path, pl) != 0) {
            return false;
        }
        pattern += pl, path += ql;
    }
    if (*pattern || *path) return false;
    if (r) r->n_params = n;
    return true;
}

/* Param names point into the pattern ("id}/..."): make them NUL-terminated copies. */
static void fix_param_names(struct srv_req *r)
{
    for (size_t i = 0; i < r->n_params; i++) {
        const char *end = strchr(r->param_names[i], '}');
        r->param_names[i] = strndup(r->param_names[i], end ? (size_t)(end - r->param_names[i]) : strlen(r->param_names[i]));
    }
}

static const struct srv_route *find_route(struct srv *s, struct srv_req *r, bool *out_path_known)
{
    *out_path_known = false;
    for (size_t i = 0; i < s->n_routes; i++) {
        if (!route_matches(s->routes[i].pattern, r->path, NULL)) continue;
        *out_path_known = true;
        if (strcmp(s->routes[i].method, r->method) != 0) continue;
        route_matches(s->routes[i].pattern, r->path, r);
        fix_param_names(r);
        return &s->routes[i];
    }
    return NULL;
}

/* ---- requests ----------------------------------------------------------------------------------------------- */

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    json_object_set_new(cls, key, json_string(value ? value : ""));
    return MHD_YES;
}

static void free_req(struct srv_req *r)
{
    if (!r) return;
    free(r->body);
    json_decref(r->json);
    srv_app_call_free(r->call);
    for (size_t i = 0; i < r->n_params; i++) {
        free(r->param_values[i]);
        free((char *)r->param_names[i]);
    }
    free(r);
}

static void access_log(struct srv *s, const struct srv_req *r, int status, cl_time us, size_t out_bytes)
{
    if (!s->access_log) return;
    char ts[CL_TIME_TEXT_BYTES];
    cl_time_format(r->started, ts);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I}", "ts", ts, "request_id", r->request_id,
                          "method", r->method, "route", r->route ? r->route->pattern : "-", "path", r->path,
                          "status", status, "duration_us", (json_int_t)us, "bytes_in", (json_int_t)r->body_len,
                          "bytes_out", (json_int_t)out_bytes);
    if (r->authenticated) {
        json_object_set_new(o, "role", json_string(cl_role_id(r->principal.role)));
        json_object_set_new(o, "key_id", json_string(r->principal.key_id));
    }
    if (r->error_code) json_object_set_new(o, "error", json_string(r->error_code));
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!line) return;
    pthread_mutex_lock(&s->log_lock);
    fprintf(s->access_log, "%s\n", line);
    fflush(s->access_log);
    pthread_mutex_unlock(&s->log_lock);
    free(line);
}

static enum MHD_Result send_body(struct srv *s, struct srv_req *r, int status, char *body, size_t len,
                            const char *content_type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (status == 503) MHD_add_response_header(resp, "Retry-After", "1");
    if (status == 401) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    cl_time us = cl_time_now() - r->started;
    srv_metrics_record(s, r->route, status, us);
    access_log(s, r, status, us, len);
    return ok;
}

static enum MHD_Result send_json(struct srv *s, struct srv_req *r, int status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(doc);
    if (!text) return MHD_NO;
    size_t len = strlen(text);
    char *body = realloc(text, len + 2);
    if (!body) {
        free(text);
        return MHD_NO;
    }
    body[len] = '\n';
    return send_body(s, r, status, body, len + 1, "application/json");
}

/* {"error": {code, status, message, field}} and, for refusals, the reasons the handler gave. */
static enum MHD_Result send_error(struct srv *s, struct srv_req *r, const struct cl_error *err, json_t *detail)
{
    int status = srv_http_status(err->code);
    json_t *e = json_pack("{s:s, s:i, s:s}", "code", cl_err_name(err->code), "status", status, "message",
                          err->msg[0] ? err->msg : cl_strerror(err->code));
    if (strncmp(err->msg, "$", 1) == 0) {
        size_t n = strcspn(err->msg, ": ");
        json_object_set_new(e, "field", json_stringn(err->msg, n));
    }
    json_t *doc = json_is_object(detail) ? json_incref(detail) : json_object();
    json_object_set_new(doc, "error", e);
    r->error_code = cl_err_name(err->code); /* a code, never the message: the log holds no request data */
    json_object_set_new(doc, "request_id", json_string(r->request_id));
    json_decref(detail);
    return send_json(s, r, status, doc);
}

static enum MHD_Result respond(struct srv *s, struct srv_req *r, enum cl_err rc, json_t *out, struct cl_error *err);

/* The writer's callback: the job is done, let the connection run again (on_request then answers). */
static void resume(void *ctx)
{
    struct srv_req *r = ctx;
    MHD_resume_connection(r->conn);
}

static const char *bearer_key(struct srv_req *r)
{
    const char *h = srv_header(r, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0) return h + 7;
    return srv_header(r, "X-API-Key");
}

/* Verified keys are remembered per thread for KEY_CACHE_US, so a busy client costs one database lookup a second;
 * a revoked key stops working within that time. Entries hold a hash of the key, never the key. */
#define KEY_CACHE_SLOTS 64
#define KEY_CACHE_US 1000000
struct key_cache_entry {
    unsigned char digest[32];
    struct cl_principal principal;
    cl_time verified_at;
};
static __thread struct key_cache_entry key_cache[KEY_CACHE_SLOTS];

static enum cl_err verify_key(struct srv_req *r, const char *key, struct cl_error *err)
{
    unsigned char d[32];
    crypto_hash_sha256(d, (const unsigned char *)key, strlen(key));
    struct key_cache_entry *e = &key_cache[d[0] % KEY_CACHE_SLOTS];
    cl_time now = cl_time_now();
    if (e->verified_at && now - e->verified_at < KEY_CACHE_US && memcmp(e->digest, d, sizeof(d)) == 0) {
        r->principal = e->principal;
        return CL_OK;
    }
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    enum cl_err rc = cl_access_key_verify(st, key, &r->principal, err);
    if (rc) return rc;
    memcpy(e->digest, d, sizeof(d));
    e->principal = r->principal;
    e->verified_at = now;
    return CL_OK;
}

static enum MHD_Result handle(struct srv *s, struct srv_req *r)
{
    struct cl_error err = {0};
    bool path_known = false;
    r->route = find_route(s, r, &path_known);
    if (!r->route) {
        if (path_known) cl_error_set(&err, CL_ERR_NOT_FOUND, "%s is not allowed on %s", r->method, r->path);
        else cl_error_set(&err, CL_ERR_NOT_FOUND, "no route %s", r->path);
        int status = path_known ? 405 : 404;
        json_t *doc = json_pack("{s:{s:s, s:i, s:s}, s:s}", "error", "code", cl_err_name(err.code), "status", status,
                                "message", err.msg, "request_id", r->request_id);
        return send_json(s, r, status, doc);
    }
    if (r->body_too_big) {
        cl_error_set(&err, CL_ERR_LIMIT, "request body larger than %u bytes", CL_LIMIT_BODY_BYTES);
        return send_error(s, r, &err, NULL);
    }
    /* the key, when given, is checked even on public routes so a bad key never passes silently */
    const char *key = bearer_key(r);
    if (key) {
        if (verify_key(r, key, &err)) {
            if (err.code == CL_ERR_FORBIDDEN) err.code = CL_ERR_AUTH;
            return send_error(s, r, &err, NULL);
        }
        r->authenticated = true;
    }
    if (r->route->action != SRV_PUBLIC) {
        if (!r->authenticated) {
            cl_error_set(&err, CL_ERR_AUTH, "an API key is required (Authorization: Bearer KEY)");
            return send_error(s, r, &err, NULL);
        }
        if (r->route->action >= 0 && srv_require(r, (enum cl_action)r->route->action, &err))
            return send_error(s, r, &err, NULL);
    }
    /* the request document: the JSON body, or the query arguments of a GET */
    if (r->body_len) {
        if (cl_json_parse(r->body, r->body_len, "request body", CL_LIMIT_JSON_DEPTH, &r->json, &err))
            return send_error(s, r, &err, NULL);
        if (!json_is_object(r->json)) {
            cl_error_set(&err, CL_ERR_INPUT, "$: the request body must be a JSON object");
            return send_error(s, r, &err, NULL);
        }
    } else {
        r->json = json_object();
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_query_arg, r->json);
    }
    json_t *out = NULL;
    r->status = 200;
    enum cl_err rc = r->route->fn(r, &out, &err);
    if (!rc && r->pending) {
        /* a write waits for the writer's next batch: park the connection, queue the job, and serve others meanwhile;
         * the writer resumes the connection and on_request answers */
        MHD_suspend_connection(r->conn);
        r->pending->on_done = resume;
        r->pending->on_done_ctx = r;
        srv_writer_enqueue(s, r->pending);
        return MHD_YES;
    }
    return respond(s, r, rc, out, &err);
}

/* Sends the answer of a handler: its JSON, a raw document, or the error (with a refusal's reasons). */
static enum MHD_Result respond(struct srv *s, struct srv_req *r, enum cl_err rc, json_t *out, struct cl_error *err)
{
    if (rc) {
        if (!err->msg[0]) cl_error_set(err, rc, "%s", cl_strerror(rc));
        err->code = rc;
        return send_error(s, r, err, out);
    }
    /* raw documents (metrics, pages) travel as {"_raw": text, "_type": content type} */
    json_t *raw = json_object_get(out, "_raw");
    if (json_is_string(raw)) {
        size_t len = json_string_length(raw);
        char *body = malloc(len + 1);
        const char *type = json_string_value(json_object_get(out, "_type"));
        char ctype[96];
        snprintf(ctype, sizeof(ctype), "%s", type ? type : "text/plain; charset=utf-8");
        if (!body) {
            json_decref(out);
            return MHD_NO;
        }
        memcpy(body, json_string_value(raw), len);
        json_decref(out);
        return send_body(s, r, r->status, body, len, ctype);
    }
    return send_json(s, r, r->status, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct srv *s = cls;
    struct srv_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r) return MHD_NO;
        r->srv = s;
        r->conn = conn;
        r->method = method;
        r->path = url;
        r->started = cl_time_now();
        snprintf(r->request_id, sizeof(r->request_id), "%lx-%lx", (unsigned long)(r->started / 1000000),
                 (unsigned long)atomic_fetch_add(&s->next_request_id, 1));
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > CL_LIMIT_BODY_BYTES) r->body_too_big = true;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->body_too_big) {
            if (r->body_len + *upload_data_size > CL_LIMIT_BODY_BYTES) {
                r->body_too_big = true;
            } else {
                char *nb = realloc(r->body, r->body_len + *upload_data_size + 1);
                if (!nb) return MHD_NO;
                memcpy(nb + r->body_len, upload_data, *upload_data_size);
                r->body = nb;
                r->body_len += *upload_data_size;
                r->body[r->body_len] = '\0';
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    r->conn = conn;
    if (r->pending) {
        /* back from the writer: the write's batch committed (or failed) */
        if (!r->pending->done) return MHD_YES; /* a spurious call before the resume */
        r->pending = NULL;
        struct cl_error err = {0};
        json_t *out = NULL;
        enum cl_err rc = srv_app_resume(r, &out, &err);
        return respond(s, r, rc, out, &err);
    }
    return handle(s, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    free_req(*con_cls);
    *con_cls = NULL;
}

static enum cl_err migrate_all(struct cl_store *st, struct cl_error *err)
{
    return cl_store_migrate(st, cl_access_migrations, cl_access_n_migrations, err);
}

int srv_run(const struct srv_config *cfg)
{
    static struct srv s; /* one server a process; signal handling is process-wide */
    memset(&s, 0, sizeof(s));
    s.cfg = *cfg;
    s.routes = srv_routes_all(&s.n_routes);
    pthread_mutex_init(&s.stop_lock, NULL);
    pthread_cond_init(&s.stop_cond, NULL);
    pthread_mutex_init(&s.retire_lock, NULL);
    cl_screen_config_init(&s.screen_config);
    s.started = cl_time_now();
    pthread_mutex_init(&s.log_lock, NULL);
    pthread_mutex_init(&s.decisions_lock, NULL);
    struct cl_error err = {0};
    if (cl_reference_load(cfg->data_dir, cfg->rules_dir, &s.ref, &err)) {
        fprintf(stderr, "clearance serve: %s\n", err.msg);
        return 65;
    }
    struct cl_app *app = NULL;
    if (cl_app_open(&s.ref, cfg->db, NULL, &app, &err) || migrate_all(app->st, &err)) {
        fprintf(stderr, "clearance serve: %s\n", err.msg);
        cl_app_close(app);
        return 74;
    }
    cl_app_close(app);
    if (cfg->screen_config && cl_screen_config_load(cfg->screen_config, &s.screen_config, &err)) {
        fprintf(stderr, "clearance serve: %s\n", err.msg);
        return 65;
    }
    if (srv_screen_reload(&s, &err)) {
        fprintf(stderr, "clearance serve: screening index: %s\n", err.msg);
        return 74;
    }
    if (srv_writer_start(&s, &err)) {
        fprintf(stderr, "clearance serve: %s\n", err.msg);
        return 74;
    }
    s.route_metrics = calloc(s.n_routes + 1, sizeof(*s.route_metrics));
    if (!s.route_metrics) return 70;
    if (cfg->access_log) {
        s.access_log = strcmp(cfg->access_log, "-") == 0 ? stderr : fopen(cfg->access_log, "a");
        if (!s.access_log) {
            fprintf(stderr, "clearance serve: %s: %s\n", cfg->access_log, strerror(errno));
            return 74;
        }
    }
    pthread_key_create(&s.store_key, close_thread_app);
    if (cfg->journal_key) {
        struct cl_error kerr = {0};
        if (cl_journal_signer_load(cfg->journal_key, &s.journal_signer, &kerr) == CL_OK) s.journal_key_loaded = true;
        else fprintf(stderr, "clearance serve: no checkpoints will be signed: %s\n", kerr.msg);
    }

    /* SIGINT and SIGTERM stop the server: block them here (workers inherit the mask) and wait below */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->host, &addr.sin_addr) != 1) {
        fprintf(stderr, "clearance serve: --listen: \"%s\" is not an IPv4 address\n", cfg->host);
        return 2;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
        (uint16_t)cfg->port, NULL, NULL,
        on_request, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)(cfg->threads > 0 ? cfg->threads : 2), MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)(cfg->timeout_s > 0 ? cfg->timeout_s : 30), MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "clearance serve: cannot listen on %s:%d\n", cfg->host, cfg->port);
        return 74;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    s.bound_port = info ? info->port : cfg->port;
    fprintf(stderr, "clearance serve: listening on http://%s:%d/ (database %s, %d threads)\n", cfg->host,
            s.bound_port, cfg->db, cfg->threads > 0 ? cfg->threads : 2);
    if (cfg->port_file) {
        FILE *f = fopen(cfg->port_file, "w");
        if (f) {
            fprintf(f, "%d\n", s.bound_port);
            fclose(f);
        }
    }
    pthread_t maintenance;
    bool maintaining = pthread_create(&maintenance, NULL, srv_maintenance_thread, &s) == 0;
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "clearance serve: stopping (signal %d)\n", sig);
    /* drain the writer first: every suspended write is answered, so no connection is parked when MHD stops */
    srv_writer_stop(&s);
    MHD_stop_daemon(d);
    if (maintaining) {
        pthread_mutex_lock(&s.stop_lock);
        s.stopping = true;
        pthread_cond_signal(&s.stop_cond);
        pthread_mutex_unlock(&s.stop_lock);
        pthread_join(maintenance, NULL);
    }
    if (s.journal_key_loaded) cl_journal_signer_release(&s.journal_signer);
    if (s.access_log && s.access_log != stderr) fclose(s.access_log);
    cl_reference_release(&s.ref);
    srv_screen_release(&s);
    free(s.route_metrics);
    return 0;
}
