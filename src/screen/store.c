/* Stored, versioned lists and screening subjects, through the store interface in its portable dialect: an import
 * records what each list's new version added, removed and changed, and re-screens the stored subjects against
 * that delta only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "clearance/store.h"
#include "screen_int.h"

static const struct cl_migration migrations[] = {
    {"screen", 1,
     "CREATE TABLE screen_lists (list TEXT PRIMARY KEY, version BIGINT NOT NULL, imported_at TEXT NOT NULL,"
     " files TEXT NOT NULL, entries BIGINT NOT NULL, names BIGINT NOT NULL, added BIGINT NOT NULL,"
     " removed BIGINT NOT NULL, changed BIGINT NOT NULL);"
     "CREATE TABLE screen_versions (id {{ID}}, list TEXT NOT NULL, version BIGINT NOT NULL,"
     " imported_at TEXT NOT NULL, files TEXT NOT NULL, entries BIGINT NOT NULL, added BIGINT NOT NULL,"
     " removed BIGINT NOT NULL, changed BIGINT NOT NULL, UNIQUE (list, version));"
     "CREATE TABLE screen_entries (list TEXT NOT NULL, entry_id TEXT NOT NULL, hash TEXT NOT NULL,"
     " version BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (list, entry_id));"
     "CREATE TABLE screen_changes (id {{ID}}, list TEXT NOT NULL, version BIGINT NOT NULL,"
     " entry_id TEXT NOT NULL, change TEXT NOT NULL);"
     "CREATE INDEX screen_changes_version ON screen_changes (list, version);"
     "CREATE TABLE screen_subjects (subject_key TEXT PRIMARY KEY, party TEXT NOT NULL, decision TEXT NOT NULL,"
     " score_e4 BIGINT NOT NULL, result TEXT NOT NULL, screened_at TEXT NOT NULL)"},
};

enum cl_err cl_screen_store_migrate(struct cl_store *st, struct cl_error *err)
{
    return cl_store_migrate(st, migrations, sizeof(migrations) / sizeof(migrations[0]), err);
}

void cl_screen_import_report_release(struct cl_screen_import_report *r)
{
    free(r->lists);
    free(r->subjects);
    memset(r, 0, sizeof(*r));
}

/* ---- loading ------------------------------------------------------------------------------------------------- */

struct load_ctx {
    struct cl_screen_lists *l;
};

static enum cl_err load_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct load_ctx *c = ctx;
    size_t n;
    const char *body = cl_row_text(row, 0, &n);
    json_t *j = NULL;
    enum cl_err rc = cl_json_parse(body, n, "stored entry", CL_LIMIT_JSON_DEPTH, &j, err);
    if (rc) return rc;
    rc = cl_screen_entry_from_json(c->l, j, err);
    json_decref(j);
    return rc;
}

enum cl_err cl_screen_store_load(struct cl_store *st, struct cl_screen_lists *l, struct cl_error *err)
{
    struct load_ctx c = {l};
    return cl_store_query(st, "SELECT body FROM screen_entries", NULL, 0, load_row, &c, err);
}

/* ---- status -------------------------------------------------------------------------------------------------- */

struct status_ctx {
    struct cl_screen_list_status *out;
    size_t cap, n;
};

static enum cl_err status_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct status_ctx *c = ctx;
    if (c->n < c->cap) {
        struct cl_screen_list_status *s = &c->out[c->n];
        memset(s, 0, sizeof(*s));
        cl_strlcpy(s->list, cl_row_text(row, 0, NULL), sizeof(s->list));
        s->version = cl_row_int(row, 1);
        cl_strlcpy(s->imported_at, cl_row_text(row, 2, NULL), sizeof(s->imported_at));
        cl_strlcpy(s->files, cl_row_text(row, 3, NULL), sizeof(s->files));
        s->entries = (size_t)cl_row_int(row, 4);
        s->names = (size_t)cl_row_int(row, 5);
        s->added = (size_t)cl_row_int(row, 6);
        s->removed = (size_t)cl_row_int(row, 7);
        s->changed = (size_t)cl_row_int(row, 8);
    }
    c->n++;
    return CL_OK;
}

static int status_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cl_screen_list_status *)a)->list, ((const struct cl_screen_list_status *)b)->list);
}

enum cl_err cl_screen_store_status(struct cl_store *st, struct cl_screen_list_status *out, size_t cap, size_t *out_n,
                                   struct cl_error *err)
{
    struct status_ctx c = {out, cap, 0};
    enum cl_err rc = cl_store_query(st,
                                    "SELECT list, version, imported_at, files, entries, names, added, removed, changed"
                                    " FROM screen_lists",
                                    NULL, 0, status_row, &c, err);
    if (rc) return rc;
    if (c.n && cap) qsort(out, c.n < cap ? c.n : cap, sizeof(*out), status_cmp);
    *out_n = c.n;
    return CL_OK;
}

/* ---- importing ----------------------------------------------------------------------------------------------- */

struct old_entry {
    char *id;
    char hash[33];
    bool seen;
};

struct old_set {
    struct old_entry *v;
    size_t n, cap;
    bool oom;
};

static enum cl_err old_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct old_set *o = ctx;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 1024;
        struct old_entry *n = realloc(o->v, cap * sizeof(*n));
        if (!n) return CL_ERR_NOMEM;
        o->v = n;
        o->cap = cap;
    }
    struct old_entry *e = &o->v[o->n];
    e->id = strdup(cl_row_text(row, 0, NULL));
    if (!e->id) return CL_ERR_NOMEM;
    cl_strlcpy(e->hash, cl_row_text(row, 1, NULL), sizeof(e->hash));
    e->seen = false;
    o->n++;
    return CL_OK;
}

static int old_cmp(const void *a, const void *b)
{
    return strcmp(((const struct old_entry *)a)->id, ((const struct old_entry *)b)->id);
}

static void old_free(struct old_set *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->v[i].id);
    free(o->v);
    memset(o, 0, sizeof(*o));
}

static struct old_entry *old_find(struct old_set *o, const char *id)
{
    struct old_entry key = {.id = (char *)id};
    if (o->n == 0) return NULL;
    return bsearch(&key, o->v, o->n, sizeof(*o->v), old_cmp);
}

static void body_hash(const char *body, char out[33])
{
    size_t n = strlen(body);
    uint64_t a = sn_hash64(body, n, 0x51ed270b27a4f3c1ull), b = sn_hash64(body, n, 0x2545f4914f6cdd1dull);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

/* The delta of an import across lists: entries added or changed (to screen against), and the ids whose old
 * matches no longer hold (removed or changed). */
struct delta {
    struct cl_screen_lists fresh; /* added and changed entries */
    char **gone;                  /* "list\tentry_id", sorted */
    size_t n_gone, cap_gone;
};

static bool gone_add(struct delta *d, const char *list, const char *id)
{
    if (d->n_gone == d->cap_gone) {
        size_t cap = d->cap_gone ? d->cap_gone * 2 : 256;
        char **n = realloc(d->gone, cap * sizeof(*n));
        if (!n) return false;
        d->gone = n;
        d->cap_gone = cap;
    }
    size_t len = strlen(list) + strlen(id) + 2;
    char *s = malloc(len);
    if (!s) return false;
    snprintf(s, len, "%s\t%s", list, id);
    d->gone[d->n_gone++] = s;
    return true;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool gone_has(const struct delta *d, const char *list, const char *id)
{
    char key[512];
    snprintf(key, sizeof(key), "%s\t%s", list, id);
    const char *k = key;
    if (d->n_gone == 0) return false;
    return bsearch(&k, d->gone, d->n_gone, sizeof(char *), str_cmp) != NULL;
}

static void delta_release(struct delta *d)
{
    for (size_t i = 0; i < d->n_gone; i++)
        free(d->gone[i]);
    free(d->gone);
    cl_screen_lists_release(&d->fresh);
}

/* Stores one list's new content. */
static enum cl_err import_list(struct cl_store *st, const struct cl_screen_lists *lists, const char *list,
                               const char *files, cl_time now, struct delta *d, struct cl_screen_list_delta *out,
                               struct cl_error *err)
{
    enum cl_err rc = CL_OK;
    struct old_set old = {0};
    char ts[CL_TIME_TEXT_BYTES];
    cl_time_format(now, ts);
    memset(out, 0, sizeof(*out));
    cl_strlcpy(out->list, list, sizeof(out->list));
    int64_t version = 0;
    bool found = false;
    struct cl_val pl[] = {CL_VTEXT(list)};
    rc = cl_store_query_int(st, "SELECT version FROM screen_lists WHERE list = ?", pl, 1, &version, &found, err);
    if (rc) return rc;
    rc = cl_store_query(st, "SELECT entry_id, hash FROM screen_entries WHERE list = ?", pl, 1, old_row, &old, err);
    if (rc) {
        old_free(&old);
        return rc == CL_ERR_NOMEM ? cl_error_set(err, rc, "out of memory") : rc;
    }
    if (old.n) qsort(old.v, old.n, sizeof(*old.v), old_cmp);
    int64_t next = version + 1;
    size_t names = 0;
    /* ids must be unique within the list's new content */
    const char **ids = malloc((lists->n_entries ? lists->n_entries : 1) * sizeof(char *));
    size_t n_ids = 0;
    if (!ids) {
        old_free(&old);
        return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < lists->n_entries; i++)
        if (strcmp(lists->entries[i].list, list) == 0) ids[n_ids++] = lists->entries[i].id;
    if (n_ids) qsort(ids, n_ids, sizeof(char *), str_cmp);
    for (size_t i = 1; i < n_ids; i++)
        if (strcmp(ids[i], ids[i - 1]) == 0) {
            rc = cl_error_set(err, CL_ERR_INPUT, "list %s: entry id %s appears twice in the import", list, ids[i]);
            break;
        }
    free(ids);
    if (!rc && n_ids == 0) rc = cl_error_set(err, CL_ERR_INPUT, "list %s: no entries read; not emptying it", list);
    for (size_t i = 0; i < lists->n_entries && !rc; i++) {
        const struct cl_screen_entry *e = &lists->entries[i];
        if (strcmp(e->list, list) != 0) continue;
        out->entries++;
        names += e->n_names;
        json_t *j = cl_screen_entry_to_json(e);
        char *body = j ? cl_json_canonical(j) : NULL;
        json_decref(j);
        if (!body) {
            rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
            break;
        }
        char h[33];
        body_hash(body, h);
        struct old_entry *o = old_find(&old, e->id);
        const char *change = NULL;
        if (!o) {
            struct cl_val p[] = {CL_VTEXT(list), CL_VTEXT(e->id), CL_VTEXT(h), CL_VINT(next), CL_VTEXT(body)};
            rc = cl_store_exec(
                st, "INSERT INTO screen_entries (list, entry_id, hash, version, body) VALUES (?, ?, ?, ?, ?)", p, 5,
                NULL, err);
            change = "added";
            out->added++;
        } else {
            o->seen = true;
            if (strcmp(o->hash, h) != 0) {
                struct cl_val p[] = {CL_VTEXT(h), CL_VINT(next), CL_VTEXT(body), CL_VTEXT(list), CL_VTEXT(e->id)};
                rc = cl_store_exec(
                    st, "UPDATE screen_entries SET hash = ?, version = ?, body = ? WHERE list = ? AND entry_id = ?", p,
                    5, NULL, err);
                change = "changed";
                out->changed++;
                if (!rc && !gone_add(d, list, e->id)) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
            }
        }
        if (!rc && change) {
            struct cl_val p[] = {CL_VTEXT(list), CL_VINT(next), CL_VTEXT(e->id), CL_VTEXT(change)};
            rc = cl_store_exec(st, "INSERT INTO screen_changes (list, version, entry_id, change) VALUES (?, ?, ?, ?)",
                               p, 4, NULL, err);
            /* the delta index gets its own copy of the entry */
            json_t *jj = NULL;
            if (!rc) rc = cl_json_parse(body, strlen(body), "entry", CL_LIMIT_JSON_DEPTH, &jj, err);
            if (!rc) rc = cl_screen_entry_from_json(&d->fresh, jj, err);
            json_decref(jj);
        }
        free(body);
    }
    for (size_t i = 0; i < old.n && !rc; i++) {
        if (old.v[i].seen) continue;
        struct cl_val p[] = {CL_VTEXT(list), CL_VTEXT(old.v[i].id)};
        rc = cl_store_exec(st, "DELETE FROM screen_entries WHERE list = ? AND entry_id = ?", p, 2, NULL, err);
        struct cl_val q[] = {CL_VTEXT(list), CL_VINT(next), CL_VTEXT(old.v[i].id), CL_VTEXT("removed")};
        if (!rc)
            rc = cl_store_exec(st, "INSERT INTO screen_changes (list, version, entry_id, change) VALUES (?, ?, ?, ?)",
                               q, 4, NULL, err);
        if (!rc && !gone_add(d, list, old.v[i].id)) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        out->removed++;
    }
    if (!rc) {
        bool changed = out->added || out->removed || out->changed || !found;
        out->version = changed ? next : version;
        if (changed) {
            struct cl_val p[] = {CL_VTEXT(list),      CL_VINT(next),         CL_VTEXT(ts),
                                 CL_VTEXT(files),     CL_VINT(out->entries), CL_VINT(names),
                                 CL_VINT(out->added), CL_VINT(out->removed), CL_VINT(out->changed)};
            rc = cl_store_exec(st,
                               "INSERT INTO screen_lists (list, version, imported_at, files, entries, names, added,"
                               " removed, changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (list) DO UPDATE SET"
                               " version = excluded.version, imported_at = excluded.imported_at, files ="
                               " excluded.files, entries = excluded.entries, names = excluded.names, added ="
                               " excluded.added, removed = excluded.removed, changed = excluded.changed",
                               p, 9, NULL, err);
            struct cl_val q[] = {CL_VTEXT(list),        CL_VINT(next),         CL_VTEXT(ts),
                                 CL_VTEXT(files),       CL_VINT(out->entries), CL_VINT(out->added),
                                 CL_VINT(out->removed), CL_VINT(out->changed)};
            if (!rc)
                rc = cl_store_exec(st,
                                   "INSERT INTO screen_versions (list, version, imported_at, files, entries, added,"
                                   " removed, changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   q, 8, NULL, err);
        }
    }
    old_free(&old);
    return rc;
}

/* ---- subjects ------------------------------------------------------------------------------------------------ */

static json_t *party_json(const struct cl_screen_party *p)
{
    json_t *o = json_object(), *names = json_array();
    if (!o || !names) {
        json_decref(o);
        json_decref(names);
        return NULL;
    }
    for (size_t i = 0; i < p->n_names; i++)
        json_array_append_new(names, json_string(p->names[i]));
    json_object_set_new(o, "names", names);
    if (p->country) json_object_set_new(o, "country", json_string(p->country));
    if (p->birth_year) json_object_set_new(o, "birth_year", json_integer(p->birth_year));
    json_object_set_new(o, "type", json_string(cl_screen_type_name(p->type)));
    return o;
}

/* A party read back from its JSON; strings borrowed from j, the names array in arena. */
static enum cl_err party_from_json(const json_t *j, struct cl_arena *arena, struct cl_screen_party *p,
                                   struct cl_error *err)
{
    memset(p, 0, sizeof(*p));
    const json_t *names = json_object_get(j, "names");
    if (!json_is_array(names) || json_array_size(names) == 0)
        return cl_error_set(err, CL_ERR_INPUT, "stored subject: no names");
    const char **v = cl_arena_alloc(arena, json_array_size(names) * sizeof(char *));
    if (!v) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    size_t i;
    const json_t *x;
    json_array_foreach(names, i, x) v[i] = json_is_string(x) ? json_string_value(x) : "";
    p->names = v;
    p->n_names = json_array_size(names);
    const json_t *c = json_object_get(j, "country");
    if (json_is_string(c)) p->country = json_string_value(c);
    const json_t *b = json_object_get(j, "birth_year");
    if (json_is_integer(b)) p->birth_year = (int)json_integer_value(b);
    const json_t *t = json_object_get(j, "type");
    if (json_is_string(t)) cl_screen_type_parse(json_string_value(t), &p->type);
    return CL_OK;
}

static enum cl_err check_subject(const struct cl_screen_subject *s, struct cl_error *err)
{
    if (!s->key || !*s->key) return cl_error_set(err, CL_ERR_USAGE, "a subject needs a key");
    if (strlen(s->key) >= CL_LIMIT_ID_BYTES)
        return cl_error_set(err, CL_ERR_LIMIT, "subject key longer than %d bytes", CL_LIMIT_ID_BYTES - 1);
    if (s->party.n_names == 0) return cl_error_set(err, CL_ERR_USAGE, "subject %s has no name", s->key);
    return CL_OK;
}

static enum cl_err store_subject(struct cl_store *st, const char *key, const json_t *party, const json_t *result,
                                 cl_time now, struct cl_error *err)
{
    char *ptext = cl_json_canonical(party), *rtext = cl_json_canonical(result);
    enum cl_err rc = CL_OK;
    if (!ptext || !rtext) {
        rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    const char *decision = json_string_value(json_object_get(result, "decision"));
    double score = json_number_value(json_object_get(result, "score"));
    char ts[CL_TIME_TEXT_BYTES];
    cl_time_format(now, ts);
    struct cl_val p[] = {CL_VTEXT(key),
                         CL_VTEXT(ptext),
                         CL_VTEXT(decision ? decision : "clear"),
                         CL_VINT((int64_t)llround(score * 10000.0)),
                         CL_VTEXT(rtext),
                         CL_VTEXT(ts)};
    rc = cl_store_exec(st,
                       "INSERT INTO screen_subjects (subject_key, party, decision, score_e4, result, screened_at)"
                       " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_key) DO UPDATE SET party = excluded.party,"
                       " decision = excluded.decision, score_e4 = excluded.score_e4, result = excluded.result,"
                       " screened_at = excluded.screened_at",
                       p, 6, NULL, err);
out:
    free(ptext);
    free(rtext);
    return rc;
}

/* The stored result keeps every match at or above the review threshold, up to the limit. */
static void storage_config(const struct cl_screen_config *c, struct cl_screen_config *out)
{
    *out = *c;
    out->max_matches = CL_LIMIT_SCREEN_MATCHES;
}

enum cl_err cl_screen_subject_put(struct cl_store *st, const struct cl_screen_index *idx,
                                  const struct cl_screen_config *config, const struct cl_screen_subject *subject,
                                  cl_time now, struct cl_arena *arena, struct cl_screen_result *out_result,
                                  struct cl_error *err)
{
    enum cl_err rc = check_subject(subject, err);
    if (rc) return rc;
    struct cl_screen_config sc;
    storage_config(config, &sc);
    struct cl_screen_result r;
    rc = cl_screen_party_screen(idx, &sc, &subject->party, false, arena, &r, err);
    if (rc) return rc;
    json_t *pj = party_json(&subject->party), *rj = cl_screen_result_to_json(&r);
    if (!pj || !rj) {
        rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    rc = cl_store_begin(st, CL_TX_WRITE, err);
    if (!rc) rc = store_subject(st, subject->key, pj, rj, now, err);
    if (!rc)
        rc = cl_store_commit(st, err);
    else
        cl_store_rollback(st);
    if (!rc && out_result) {
        *out_result = r;
        if (out_result->n_matches > config->max_matches) out_result->n_matches = config->max_matches;
    }
out:
    json_decref(pj);
    json_decref(rj);
    return rc;
}

struct subj_row {
    struct cl_arena *arena;
    struct cl_screen_subject_record *out;
    bool found;
};

static enum cl_err subject_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    struct subj_row *c = ctx;
    struct cl_screen_subject_record *o = c->out;
    c->found = true;
    size_t n;
    const char *ptext = cl_row_text(row, 1, &n);
    json_t *pj = NULL;
    enum cl_err rc = cl_json_parse(ptext, n, "stored subject", CL_LIMIT_JSON_DEPTH, &pj, err);
    if (rc) return rc;
    struct cl_screen_party p;
    rc = party_from_json(pj, c->arena, &p, err);
    if (!rc) {
        const char **names = cl_arena_alloc(c->arena, p.n_names * sizeof(char *));
        if (!names) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < p.n_names && !rc; i++)
            names[i] = cl_arena_strdup(c->arena, p.names[i]);
        o->names = names;
        o->n_names = p.n_names;
        o->country = p.country ? cl_arena_strdup(c->arena, p.country) : NULL;
        o->birth_year = p.birth_year;
        o->type = p.type;
    }
    json_decref(pj);
    if (rc) return rc;
    o->key = cl_arena_strdup(c->arena, cl_row_text(row, 0, NULL));
    cl_screen_decision_parse(cl_row_text(row, 2, NULL), &o->decision);
    o->score = (double)cl_row_int(row, 3) / 10000.0;
    const char *rtext = cl_row_text(row, 4, &n);
    rc = cl_json_parse(rtext, n, "stored result", CL_LIMIT_JSON_DEPTH, &o->result, err);
    cl_strlcpy(o->screened_at, cl_row_text(row, 5, NULL), sizeof(o->screened_at));
    return rc;
}

enum cl_err cl_screen_subject_get(struct cl_store *st, const char *key, struct cl_arena *arena,
                                  struct cl_screen_subject_record *out, struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    struct subj_row c = {arena, out, false};
    struct cl_val p[] = {CL_VTEXT(key)};
    enum cl_err rc = cl_store_query(st,
                                    "SELECT subject_key, party, decision, score_e4, result, screened_at FROM"
                                    " screen_subjects WHERE subject_key = ?",
                                    p, 1, subject_row, &c, err);
    if (rc) {
        json_decref(out->result);
        out->result = NULL;
        return rc;
    }
    if (!c.found) return cl_error_set(err, CL_ERR_NOT_FOUND, "no screening subject \"%s\"", key);
    return CL_OK;
}

/* ---- re-screening on import ---------------------------------------------------------------------------------- */

struct subj_all {
    char **keys, **parties, **results;
    size_t n, cap;
    bool oom;
};

static enum cl_err subj_all_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct subj_all *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **a = realloc(s->keys, cap * sizeof(char *));
        if (!a) return CL_ERR_NOMEM;
        s->keys = a;
        char **b = realloc(s->parties, cap * sizeof(char *));
        if (!b) return CL_ERR_NOMEM;
        s->parties = b;
        char **c = realloc(s->results, cap * sizeof(char *));
        if (!c) return CL_ERR_NOMEM;
        s->results = c;
        s->cap = cap;
    }
    s->keys[s->n] = strdup(cl_row_text(row, 0, NULL));
    s->parties[s->n] = strdup(cl_row_text(row, 1, NULL));
    s->results[s->n] = strdup(cl_row_text(row, 2, NULL));
    s->n++;
    if (!s->keys[s->n - 1] || !s->parties[s->n - 1] || !s->results[s->n - 1]) return CL_ERR_NOMEM;
    return CL_OK;
}

static void subj_all_free(struct subj_all *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->keys[i]);
        free(s->parties[i]);
        free(s->results[i]);
    }
    free(s->keys);
    free(s->parties);
    free(s->results);
}

static int match_json_cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double sx = json_number_value(json_object_get(x, "score")), sy = json_number_value(json_object_get(y, "score"));
    if (sx != sy) return sx > sy ? -1 : 1;
    int c = strcmp(json_string_value(json_object_get(x, "list")), json_string_value(json_object_get(y, "list")));
    if (c) return c;
    return strcmp(json_string_value(json_object_get(x, "entry_id")), json_string_value(json_object_get(y, "entry_id")));
}

/* The subject's new result: its old matches that still hold, and its matches among the fresh entries. When the
 * old result was cut at the limit, a dropped match may hide another: then the full index is used. */
static enum cl_err rescreen_one(const struct cl_screen_config *sc, const struct delta *d,
                                const struct cl_screen_index *fresh_idx, const struct cl_screen_index *full_idx,
                                const struct cl_screen_party *party, const json_t *old, json_t **out,
                                bool *out_needs_full, struct cl_error *err)
{
    *out = NULL;
    *out_needs_full = false;
    const json_t *old_matches = json_object_get(old, "matches");
    size_t n_old = json_array_size(old_matches);
    bool dropped = false;
    json_t *kept = json_array();
    if (!kept) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    size_t i;
    const json_t *m;
    json_array_foreach(old_matches, i, m)
    {
        const char *list = json_string_value(json_object_get(m, "list"));
        const char *id = json_string_value(json_object_get(m, "entry_id"));
        if (!list || !id || gone_has(d, list, id)) {
            dropped = true;
            continue;
        }
        json_array_append(kept, (json_t *)m);
    }
    const struct cl_screen_index *use = fresh_idx;
    if (dropped && n_old >= CL_LIMIT_SCREEN_MATCHES) {
        if (!full_idx) {
            json_decref(kept);
            *out_needs_full = true;
            return CL_OK;
        }
        use = full_idx;
        json_array_clear(kept);
    }
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_screen_result r;
    enum cl_err rc = cl_screen_party_screen(use, sc, party, false, &arena, &r, err);
    json_t *fresh = rc ? NULL : cl_screen_result_to_json(&r);
    cl_arena_release(&arena);
    if (rc || !fresh) {
        json_decref(kept);
        return rc ? rc : cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    json_t *fm = json_object_get(fresh, "matches");
    json_array_foreach(fm, i, m) json_array_append(kept, (json_t *)m);
    /* best first, one match per entry, at most the limit */
    size_t n = json_array_size(kept);
    json_t **v = malloc((n ? n : 1) * sizeof(json_t *));
    if (!v) {
        json_decref(kept);
        json_decref(fresh);
        return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    for (i = 0; i < n; i++)
        v[i] = json_array_get(kept, i);
    if (n) qsort(v, n, sizeof(json_t *), match_json_cmp);
    json_t *merged = json_array();
    for (i = 0; i < n && json_array_size(merged) < CL_LIMIT_SCREEN_MATCHES; i++) {
        bool dup = false;
        for (size_t k = 0; k < json_array_size(merged) && !dup; k++) {
            const json_t *p = json_array_get(merged, k);
            dup = strcmp(json_string_value(json_object_get(p, "list")),
                         json_string_value(json_object_get(v[i], "list"))) == 0 &&
                  strcmp(json_string_value(json_object_get(p, "entry_id")),
                         json_string_value(json_object_get(v[i], "entry_id"))) == 0;
        }
        if (!dup) json_array_append(merged, v[i]);
    }
    free(v);
    double best = json_array_size(merged) ? json_number_value(json_object_get(json_array_get(merged, 0), "score")) : 0;
    enum cl_screen_decision dec = CL_SCREEN_CLEAR;
    if (json_array_size(merged)) dec = best >= sc->block ? CL_SCREEN_BLOCK : CL_SCREEN_REVIEW;
    json_t *res = json_object();
    json_object_set_new(res, "decision", json_string(cl_screen_decision_name(dec)));
    json_object_set_new(res, "score", json_real(best));
    json_object_set(res, "candidates", json_object_get(fresh, "candidates"));
    json_object_set_new(res, "matches", merged);
    json_decref(kept);
    json_decref(fresh);
    *out = res;
    return CL_OK;
}

static enum cl_err rescreen_subjects(struct cl_store *st, const struct cl_screen_config *config, struct delta *d,
                                     cl_time now, struct cl_screen_import_report *rep, struct cl_error *err)
{
    struct subj_all all = {0};
    enum cl_err rc =
        cl_store_query(st, "SELECT subject_key, party, result FROM screen_subjects", NULL, 0, subj_all_row, &all, err);
    if (rc) {
        subj_all_free(&all);
        return rc == CL_ERR_NOMEM ? cl_error_set(err, rc, "out of memory") : rc;
    }
    if (all.n == 0) {
        subj_all_free(&all);
        return CL_OK;
    }
    if (d->n_gone) qsort(d->gone, d->n_gone, sizeof(char *), str_cmp);
    struct cl_screen_index *fresh_idx = NULL, *full_idx = NULL;
    struct cl_screen_lists full;
    cl_screen_lists_init(&full);
    rc = cl_screen_index_build(&d->fresh, &fresh_idx, err);
    struct cl_screen_config sc;
    storage_config(config, &sc);
    size_t cap_changes = 0;
    for (size_t i = 0; i < all.n && !rc; i++) {
        json_t *pj = NULL, *old = NULL, *res = NULL;
        struct cl_arena arena;
        cl_arena_init(&arena, 0);
        struct cl_screen_party party;
        rc = cl_json_parse(all.parties[i], strlen(all.parties[i]), "stored subject", CL_LIMIT_JSON_DEPTH, &pj, err);
        if (!rc)
            rc = cl_json_parse(all.results[i], strlen(all.results[i]), "stored result", CL_LIMIT_JSON_DEPTH, &old, err);
        if (!rc) rc = party_from_json(pj, &arena, &party, err);
        bool needs_full = false;
        if (!rc) rc = rescreen_one(&sc, d, fresh_idx, full_idx, &party, old, &res, &needs_full, err);
        if (!rc && needs_full) {
            /* the whole current content, as this transaction sees it */
            rc = cl_screen_store_load(st, &full, err);
            if (!rc) rc = cl_screen_index_build(&full, &full_idx, err);
            if (!rc) rc = rescreen_one(&sc, d, fresh_idx, full_idx, &party, old, &res, &needs_full, err);
        }
        if (!rc) rc = store_subject(st, all.keys[i], pj, res, now, err);
        if (!rc) {
            rep->subjects_rescreened++;
            enum cl_screen_decision before = CL_SCREEN_CLEAR, after = CL_SCREEN_CLEAR;
            cl_screen_decision_parse(json_string_value(json_object_get(old, "decision")), &before);
            cl_screen_decision_parse(json_string_value(json_object_get(res, "decision")), &after);
            if (before != after) {
                if (rep->n_subjects == cap_changes) {
                    size_t cap = cap_changes ? cap_changes * 2 : 16;
                    struct cl_screen_subject_change *n = realloc(rep->subjects, cap * sizeof(*n));
                    if (!n)
                        rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
                    else {
                        rep->subjects = n;
                        cap_changes = cap;
                    }
                }
                if (!rc) {
                    struct cl_screen_subject_change *c = &rep->subjects[rep->n_subjects++];
                    cl_strlcpy(c->key, all.keys[i], sizeof(c->key));
                    c->before = before;
                    c->after = after;
                    c->score_before = json_number_value(json_object_get(old, "score"));
                    c->score_after = json_number_value(json_object_get(res, "score"));
                }
            }
        }
        json_decref(pj);
        json_decref(old);
        json_decref(res);
        cl_arena_release(&arena);
    }
    cl_screen_index_free(fresh_idx);
    cl_screen_index_free(full_idx);
    cl_screen_lists_release(&full);
    subj_all_free(&all);
    return rc;
}

enum cl_err cl_screen_store_import(struct cl_store *st, const struct cl_screen_lists *lists,
                                   const struct cl_screen_config *config, cl_time now,
                                   struct cl_screen_import_report *out, struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    struct delta d;
    memset(&d, 0, sizeof(d));
    cl_screen_lists_init(&d.fresh);
    /* the lists this import holds, and the files each came from */
    const char *names[16];
    char files[16][CL_LIMIT_TEXT_BYTES];
    size_t n = 0;
    for (size_t i = 0; i < lists->n_files; i++) {
        const char *l = lists->files[i].list;
        if (!l) continue;
        size_t k = 0;
        while (k < n && strcmp(names[k], l) != 0)
            k++;
        if (k == n) {
            if (n == 16) break;
            names[n] = l;
            files[n][0] = '\0';
            n++;
        }
        size_t used = strlen(files[k]);
        const char *base = strrchr(lists->files[i].path, '/');
        snprintf(files[k] + used, sizeof(files[k]) - used, "%s%s", used ? " " : "",
                 base ? base + 1 : lists->files[i].path);
    }
    /* entries whose list came from no file (built by hand): their list names */
    for (size_t i = 0; i < lists->n_entries && n < 16; i++) {
        size_t k = 0;
        while (k < n && strcmp(names[k], lists->entries[i].list) != 0)
            k++;
        if (k == n) {
            names[n] = lists->entries[i].list;
            cl_strlcpy(files[n], "(in memory)", sizeof(files[n]));
            n++;
        }
    }
    out->lists = calloc(n ? n : 1, sizeof(*out->lists));
    if (!out->lists) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    enum cl_err rc = cl_store_begin(st, CL_TX_WRITE, err);
    for (size_t k = 0; k < n && !rc; k++) {
        rc = import_list(st, lists, names[k], files[k], now, &d, &out->lists[k], err);
        if (!rc) out->n_lists++;
    }
    if (!rc) rc = rescreen_subjects(st, config, &d, now, out, err);
    if (!rc)
        rc = cl_store_commit(st, err);
    else
        cl_store_rollback(st);
    delta_release(&d);
    if (rc) {
        cl_screen_import_report_release(out);
        return rc;
    }
    return CL_OK;
}
