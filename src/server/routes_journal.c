/* Journal routes: the tree head, signed checkpoints, entries, inclusion and consistency proofs, the public key, and
 * disclosures of commercial fields to those cleared for them. An auditor needs nothing else to check the log. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clearance/journal.h"
#include "clearance/json.h"
#include "server.h"

/* A non-negative integer from a query argument; CL_ERR_INPUT naming it otherwise. */
static enum cl_err query_u64(struct srv_req *r, const char *name, bool required, uint64_t *out, struct cl_error *err)
{
    const json_t *v = json_object_get(srv_body(r), name);
    if (!v) return required ? cl_error_set(err, CL_ERR_INPUT, "$.%s: missing (a query argument)", name) : CL_OK;
    const char *s = json_string_value(v);
    char *end = NULL;
    if (!s || !*s || *s == '-' || (*out = strtoull(s, &end, 10), *end))
        return cl_error_set(err, CL_ERR_INPUT, "$.%s: \"%s\" is not a whole number", name, s ? s : "");
    return CL_OK;
}

/* The entry index named by the path ("/v1/journal/entries/{id}"); CL_ERR_NOT_FOUND for anything else. */
static enum cl_err path_index(struct srv_req *r, uint64_t *out, struct cl_error *err)
{
    char *end = NULL;
    const char *id = srv_param(r, "id");
    *out = strtoull(id, &end, 10);
    if (!*id || *end || *id == '-') return cl_error_set(err, CL_ERR_NOT_FOUND, "no entry \"%s\"", id);
    return CL_OK;
}

static json_t *checkpoint_json(const char *note, size_t len)
{
    struct cl_journal_checkpoint cp;
    struct cl_error e = {0};
    const char *blank = strstr(note, "\n\n");
    size_t text_len = blank ? (size_t)(blank - note) + 1 : len;
    if (cl_journal_checkpoint_parse(note, text_len, &cp, &e)) return json_pack("{s:s%}", "note", note, len);
    return cl_journal_checkpoint_to_json(&cp, note, len);
}

static enum cl_err h_head(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    struct cl_journal_head h;
    enum cl_err rc = cl_journal_head_get(st, &h, err);
    if (rc) return rc;
    *out = cl_journal_head_to_json(&h);
    char *note = NULL;
    size_t len = 0;
    struct cl_error e = {0};
    if (cl_journal_checkpoint_latest(st, &note, &len, &e) == CL_OK) {
        json_object_set_new(*out, "latest_checkpoint", checkpoint_json(note, len));
        free(note);
    } else {
        json_object_set_new(*out, "latest_checkpoint", json_null());
    }
    return CL_OK;
}

static enum cl_err h_checkpoint(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    uint64_t size = 0;
    bool given = json_object_get(srv_body(r), "size") != NULL;
    enum cl_err rc = query_u64(r, "size", false, &size, err);
    char *note = NULL;
    size_t len = 0;
    if (!rc) rc = given ? cl_journal_checkpoint_get(st, size, &note, &len, err) : cl_journal_checkpoint_latest(st, &note, &len, err);
    if (rc) return rc;
    *out = checkpoint_json(note, len);
    free(note);
    return CL_OK;
}

static enum cl_err list_checkpoint(void *ctx, uint64_t size, const char *note, size_t len, struct cl_error *err)
{
    (void)size, (void)err;
    json_array_append_new(ctx, checkpoint_json(note, len));
    return CL_OK;
}

static enum cl_err h_checkpoints(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    json_t *arr = json_array();
    enum cl_err rc = cl_journal_checkpoint_list(st, list_checkpoint, arr, err);
    if (rc) json_decref(arr);
    else *out = arr;
    return rc;
}

/* Signs the committed head with the server's key (no-op when the tree has not grown). */
static enum cl_err publish(struct srv *s, struct cl_store *st, json_t **out, struct cl_error *err)
{
    if (!s->journal_key_loaded)
        return cl_error_set(err, CL_ERR_STATE, "the server has no journal signing key (%s): create one with "
                            "'clearance journal keygen' and restart", s->cfg.journal_key);
    char *note = NULL;
    size_t len = 0;
    enum cl_err rc = cl_journal_checkpoint_create(st, &s->journal_signer, cl_time_now(), &note, &len, NULL, err);
    if (rc) return rc;
    if (out) *out = checkpoint_json(note, len);
    free(note);
    return CL_OK;
}

static enum cl_err h_publish(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    return st ? publish(r->srv, st, out, err) : err->code;
}

struct entries_ctx {
    json_t *arr;
};

static enum cl_err add_entry(void *ctx, uint64_t index, const char *text, size_t len, struct cl_error *err)
{
    (void)err;
    json_array_append_new(((struct entries_ctx *)ctx)->arr, cl_journal_entry_to_json(index, text, len));
    return CL_OK;
}

static enum cl_err h_entries(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    uint64_t from = 0, count = 100;
    enum cl_err rc = query_u64(r, "from", false, &from, err);
    if (!rc) rc = query_u64(r, "count", false, &count, err);
    if (rc) return rc;
    if (count > 1000) return cl_error_set(err, CL_ERR_LIMIT, "$.count: at most 1000 entries a request");
    struct entries_ctx c = {json_array()};
    rc = cl_journal_entry_list(st, from, count, add_entry, &c, err);
    if (rc) json_decref(c.arr);
    else *out = json_pack("{s:I, s:o}", "from", (json_int_t)from, "entries", c.arr);
    return rc;
}

static enum cl_err h_entry(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    uint64_t index = 0;
    if (path_index(r, &index, err)) return err->code;
    char *text = NULL;
    size_t len = 0;
    enum cl_err rc = cl_journal_entry_get(st, index, &text, &len, err);
    if (rc) return rc;
    *out = cl_journal_entry_to_json(index, text, len);
    free(text);
    return CL_OK;
}

/* The tree size a proof is for: ?size=, or the latest checkpoint's, or the head's. */
static enum cl_err proof_size(struct srv_req *r, struct cl_store *st, uint64_t *out, struct cl_error *err)
{
    if (json_object_get(srv_body(r), "size")) return query_u64(r, "size", true, out, err);
    struct cl_journal_head h;
    enum cl_err rc = cl_journal_head_get(st, &h, err);
    if (!rc) *out = h.size;
    return rc;
}

static enum cl_err h_inclusion(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    uint64_t index = 0, size = 0;
    enum cl_err rc = query_u64(r, "index", true, &index, err);
    if (!rc) rc = proof_size(r, st, &size, err);
    struct cl_journal_proof p;
    char *text = NULL;
    size_t len = 0;
    if (!rc) rc = cl_journal_inclusion_prove(st, NULL, index, size, &p, err);
    if (!rc) rc = cl_journal_entry_get(st, index, &text, &len, err);
    if (!rc) *out = cl_journal_proof_to_json(&p, text, len);
    free(text);
    return rc;
}

static enum cl_err h_consistency(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    uint64_t old = 0, size = 0;
    enum cl_err rc = query_u64(r, "old", true, &old, err);
    if (!rc) rc = proof_size(r, st, &size, err);
    struct cl_journal_proof p;
    if (!rc) rc = cl_journal_consistency_prove(st, NULL, old, size, &p, err);
    if (!rc) *out = cl_journal_proof_to_json(&p, NULL, 0);
    return rc;
}

static enum cl_err h_public_key(struct srv_req *r, json_t **out, struct cl_error *err)
{
    if (!r->srv->journal_key_loaded) return cl_error_set(err, CL_ERR_NOT_FOUND, "the server has no journal signing key");
    struct cl_journal_verifier v;
    char text[CL_JOURNAL_KEY_TEXT_BYTES];
    cl_journal_signer_verifier(&r->srv->journal_signer, &v);
    cl_journal_verifier_format(&v, text);
    *out = json_pack("{s:s, s:s}", "origin", v.name, "public_key", text);
    return CL_OK;
}

static enum cl_err h_disclosure(struct srv_req *r, json_t **out, struct cl_error *err)
{
    struct cl_store *st = srv_store(r, err);
    if (!st) return err->code;
    uint64_t index = 0;
    if (path_index(r, &index, err)) return err->code;
    const char *fields_text = json_string_value(json_object_get(srv_body(r), "fields"));
    if (!fields_text || !*fields_text)
        return cl_error_set(err, CL_ERR_INPUT, "$.fields: name the committed fields to reveal (fields=a,b)");
    char buf[1024];
    cl_strlcpy(buf, fields_text, sizeof(buf));
    const char *fields[CL_JOURNAL_FIELDS_MAX];
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && n < CL_JOURNAL_FIELDS_MAX; tok = strtok_r(NULL, ",", &save))
        fields[n++] = tok;
    /* against the latest published checkpoint that holds the entry */
    char *note = NULL;
    size_t len = 0;
    enum cl_err rc = cl_journal_checkpoint_latest(st, &note, &len, err);
    if (rc == CL_ERR_NOT_FOUND) return cl_error_set(err, CL_ERR_NOT_FOUND, "no checkpoint is published yet: a disclosure needs one");
    if (rc) return rc;
    json_t *cp = checkpoint_json(note, len);
    free(note);
    uint64_t size = (uint64_t)json_integer_value(json_object_get(cp, "tree_size"));
    json_decref(cp);
    if (index >= size)
        return cl_error_set(err, CL_ERR_NOT_FOUND, "entry %llu is not yet under a published checkpoint (size %llu)",
                            (unsigned long long)index, (unsigned long long)size);
    return cl_journal_disclosure_build(st, index, size, fields, n, out, err);
}

const struct srv_route srv_journal_routes[] = {
    {"GET", "/v1/journal", CL_ACTION_JOURNAL_READ, h_head, "The tree head and the latest checkpoint", 0, NULL},
    {"GET", "/v1/journal/checkpoint", CL_ACTION_JOURNAL_READ, h_checkpoint, "The latest signed checkpoint (or ?size=N)", 0, NULL},
    {"GET", "/v1/journal/checkpoints", CL_ACTION_JOURNAL_READ, h_checkpoints, "Every published checkpoint", 0, NULL},
    {"POST", "/v1/journal/checkpoints", CL_ACTION_JOURNAL_WRITE, h_publish, "Sign and publish a checkpoint now", 0, NULL},
    {"GET", "/v1/journal/entries", CL_ACTION_JOURNAL_READ, h_entries, "Entries (?from=&count=), commercial fields as commitments", 0, NULL},
    {"GET", "/v1/journal/entries/{id}", CL_ACTION_JOURNAL_READ, h_entry, "One entry", 0, NULL},
    {"GET", "/v1/journal/entries/{id}/disclosure", CL_ACTION_EVENTS_READ, h_disclosure,
     "Reveal committed fields of an entry (?fields=a,b) with their proof", 0, NULL},
    {"GET", "/v1/journal/proofs/inclusion", CL_ACTION_JOURNAL_READ, h_inclusion, "Inclusion proof (?index=&size=)", 0, NULL},
    {"GET", "/v1/journal/proofs/consistency", CL_ACTION_JOURNAL_READ, h_consistency, "Consistency proof (?old=&size=)", 0, NULL},
    {"GET", "/v1/journal/public-key", SRV_PUBLIC, h_public_key, "The key that signs checkpoints", 0, NULL},
};
const size_t srv_n_journal_routes = sizeof(srv_journal_routes) / sizeof(srv_journal_routes[0]);

/* The server's housekeeping: compacts the database's log twice a second (so the writer's commits never pay for it),
 * and publishes a journal checkpoint every cfg.checkpoint_every_s seconds when the server holds a key and the tree
 * grew. */
void *srv_maintenance_thread(void *arg)
{
    struct srv *s = arg;
    struct cl_store *st = NULL;
    struct cl_error err = {0};
    if (cl_store_open(s->cfg.db, NULL, &st, &err)) {
        fprintf(stderr, "clearance serve: maintenance: %s\n", err.msg);
        return NULL;
    }
    bool checkpoints = s->journal_key_loaded && s->cfg.checkpoint_every_s > 0;
    cl_time next_checkpoint = cl_time_now() + (cl_time)s->cfg.checkpoint_every_s * 1000000;
    pthread_mutex_lock(&s->stop_lock);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 500L * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &until);
        if (s->stopping) break;
        pthread_mutex_unlock(&s->stop_lock);
        cl_error_clear(&err);
        if (cl_store_compact_log(st, &err)) fprintf(stderr, "clearance serve: log compaction: %s\n", err.msg);
        if (checkpoints && cl_time_now() >= next_checkpoint) {
            cl_error_clear(&err);
            if (publish(s, st, NULL, &err)) fprintf(stderr, "clearance serve: checkpoint: %s\n", err.msg);
            next_checkpoint = cl_time_now() + (cl_time)s->cfg.checkpoint_every_s * 1000000;
        }
        pthread_mutex_lock(&s->stop_lock);
    }
    pthread_mutex_unlock(&s->stop_lock);
    cl_store_close(st);
    return NULL;
}
