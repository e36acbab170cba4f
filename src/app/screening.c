/* Screening in the service layer: a ledger party is screened under its every name and recorded in the ledger
 * (party.screen_result, journaled), and a list import is journaled and carried into the ledger for every party
 * whose decision it changed. The screening module keeps each party as a subject keyed "ledger:party:<name>". */
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "clearance/journal.h"
#include "clearance/screen.h"

#define SUBJECT_PREFIX "ledger:party:"

/* "sdn@3 un@1 ...": the versions of the stored lists a decision was made against. */
enum cl_err cl_app_lists_version(struct cl_store *st, char *out, size_t cap, struct cl_error *err)
{
    struct cl_screen_list_status lists[32];
    size_t n = 0;
    out[0] = '\0';
    enum cl_err rc = cl_screen_store_status(st, lists, 32, &n, err);
    if (rc) return rc;
    size_t used = 0;
    for (size_t i = 0; i < n && i < 32; i++)
        used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%s@%lld", i ? " " : "", lists[i].list,
                                 (long long)lists[i].version);
    if (!n) snprintf(out, cap, "no lists");
    return CL_OK;
}

/* Records a decision for a party in the ledger: the party.screen_result action. */
static enum cl_err record(struct cl_app *app, const struct cl_app_actor *who, const char *party, const char *decision,
                          const char *version, const char *summary, json_t **out, struct cl_error *err)
{
    json_t *args = json_pack("{s:s, s:s, s:s, s:s}", "party", party, "decision", decision, "list_version", version,
                             "summary", summary);
    struct cl_app_request req;
    struct cl_app_result res;
    cl_app_result_init(&res);
    enum cl_err rc = cl_app_request_from_json(CL_APP_PARTY_SCREEN_RESULT, args, "$", &req, err);
    if (!rc) rc = cl_app_execute(app, who, &req, &res, err);
    if (!rc && out) *out = json_incref(res.object);
    cl_app_result_release(&res);
    json_decref(args);
    return rc;
}

static void summarize(const struct cl_screen_result *r, const struct cl_screen_config *cfg, char *out, size_t cap)
{
    if (!r->n_matches) {
        snprintf(out, cap, "no listed name scores %.2f or more (%zu candidates scored)", cfg->review, r->candidates);
        return;
    }
    const struct cl_screen_match *m = &r->matches[0];
    snprintf(out, cap, "best match %.3f: \"%s\" ~ \"%s\" on %s (entry %s)%s", m->explain.score, m->query_name,
             m->matched_name, m->list, m->entry_id, r->n_matches > 1 ? ", and others" : "");
}

enum cl_err cl_app_party_screen(struct cl_app *app, const struct cl_screen_index *idx,
                                const struct cl_screen_config *cfg, const struct cl_app_actor *who, const char *party,
                                json_t **out, struct cl_error *err)
{
    /* the party's names and facts, from the ledger */
    json_t *args = json_pack("{s:s}", "name", party);
    struct cl_app_request req;
    struct cl_app_result shown;
    cl_app_result_init(&shown);
    enum cl_err rc = cl_app_request_from_json(CL_APP_PARTY_SHOW, args, "$", &req, err);
    if (!rc) rc = cl_app_execute(app, who, &req, &shown, err);
    json_decref(args);
    if (rc) {
        cl_app_result_release(&shown);
        return rc;
    }
    const json_t *p = shown.object;
    const char *name = json_string_value(json_object_get(p, "name"));
    const json_t *aliases = json_object_get(p, "aliases");
    const char *names[CL_APP_LIST_MAX + 1];
    size_t n = 0;
    names[n++] = name;
    for (size_t i = 0; i < json_array_size(aliases) && n < CL_APP_LIST_MAX + 1; i++)
        names[n++] = json_string_value(json_array_get(aliases, i));
    char key[CL_LIMIT_ID_BYTES];
    snprintf(key, sizeof(key), SUBJECT_PREFIX "%s", name);
    struct cl_screen_subject subject = {key, {names, n, json_string_value(json_object_get(p, "country")), 0,
                                              CL_SCREEN_TYPE_UNKNOWN}};
    /* the ledger's parties are organisations: screened as entities, so a person's name is no near miss */
    subject.party.type = CL_SCREEN_TYPE_ENTITY;
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_screen_result result;
    char version[512], summary[CL_LIMIT_TEXT_BYTES];
    rc = cl_screen_subject_put(app->st, idx, cfg, &subject, who->at ? who->at : cl_time_now(), &arena, &result, err);
    if (!rc) rc = cl_app_lists_version(app->st, version, sizeof(version), err);
    json_t *recorded = NULL;
    if (!rc) {
        summarize(&result, cfg, summary, sizeof(summary));
        rc = record(app, who, name, cl_screen_decision_name(result.decision), version, summary, &recorded, err);
    }
    if (!rc) {
        *out = json_pack("{s:s, s:s, s:o, s:s, s:o}", "party", name, "list_version", version, "screening",
                         cl_screen_result_to_json(&result), "summary", summary, "party_record",
                         recorded ? recorded : json_null());
        recorded = NULL;
    }
    json_decref(recorded);
    cl_arena_release(&arena);
    cl_app_result_release(&shown);
    return rc;
}

static enum cl_err journal_import(struct cl_store *st, const json_t *rec, struct cl_error *err)
{
    enum cl_err rc = cl_store_begin(st, CL_TX_WRITE, err);
    if (!rc) rc = cl_journal_append(st, "screen.lists_import", rec, NULL, cl_time_now(), NULL, err);
    if (!rc) rc = cl_store_commit(st, err);
    else cl_store_rollback(st);
    return rc;
}

enum cl_err cl_app_lists_imported(struct cl_app *app, const struct cl_app_actor *who,
                                  const struct cl_screen_import_report *rep, json_t **out, struct cl_error *err)
{
    json_t *lists = json_array(), *changes = json_array();
    for (size_t i = 0; i < rep->n_lists; i++) {
        const struct cl_screen_list_delta *d = &rep->lists[i];
        json_array_append_new(lists, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "list", d->list, "version",
                                               (json_int_t)d->version, "entries", (json_int_t)d->entries, "added",
                                               (json_int_t)d->added, "removed", (json_int_t)d->removed, "changed",
                                               (json_int_t)d->changed));
    }
    char version[512];
    enum cl_err rc = cl_app_lists_version(app->st, version, sizeof(version), err);
    for (size_t i = 0; !rc && i < rep->n_subjects; i++) {
        const struct cl_screen_subject_change *c = &rep->subjects[i];
        json_array_append_new(changes, json_pack("{s:s, s:s, s:s}", "subject", c->key, "before",
                                                 cl_screen_decision_name(c->before), "after",
                                                 cl_screen_decision_name(c->after)));
        if (strncmp(c->key, SUBJECT_PREFIX, strlen(SUBJECT_PREFIX)) != 0) continue;
        char summary[256];
        snprintf(summary, sizeof(summary), "re-screened on a list import: %s (%.3f) became %s (%.3f)",
                 cl_screen_decision_name(c->before), c->score_before, cl_screen_decision_name(c->after), c->score_after);
        rc = record(app, who, c->key + strlen(SUBJECT_PREFIX), cl_screen_decision_name(c->after), version, summary,
                    NULL, err);
        if (rc == CL_ERR_NOT_FOUND) { /* a subject kept for a party since removed from the ledger */
            cl_error_clear(err);
            rc = CL_OK;
        }
    }
    json_t *rec = json_pack("{s:s, s:s, s:o, s:I, s:O}", "actor", who->name, "list_version", version, "lists", lists,
                            "subjects_rescreened", (json_int_t)rep->subjects_rescreened, "decisions_changed", changes);
    if (!rc && rep->n_lists) rc = journal_import(app->st, rec, err);
    if (!rc && out) *out = json_incref(rec);
    json_decref(rec);
    json_decref(changes);
    return rc;
}
