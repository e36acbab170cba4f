/* How the service layer journals: every ledger event record goes into the Merkle journal in the transaction that
 * makes the change, with its commercial fields committed by salted hash (docs/disclosure.md); a rule set whose
 * digest differs from the last one journaled is journaled as "rules.change" before anything acts under it. */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "clearance/journal.h"
#include "clearance/json.h"

enum cl_err app_journal_event(void *ctx, struct cl_store *st, const json_t *record, struct cl_error *err)
{
    (void)st;
    struct cl_app *app = ctx;
    const char *action = json_string_value(json_object_get(record, "action"));
    const char *at_text = json_string_value(json_object_get(record, "at"));
    char kind[CL_JOURNAL_KIND_BYTES];
    snprintf(kind, sizeof(kind), "ledger.%s", action ? action : "event");
    cl_time at = 0;
    if (!at_text || cl_time_parse(at_text, strlen(at_text), &at))
        return cl_error_set(err, CL_ERR_INTERNAL, "ledger event without a valid \"at\"");
    json_t *pub = json_copy((json_t *)record);
    if (!pub) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    json_object_del(pub, "commercial");
    json_t *item = json_pack("{s:s, s:o, s:O?, s:I}", "kind", kind, "record", pub, "secret",
                             json_object_get(record, "commercial"), "at", (json_int_t)at);
    if (!item || json_array_append_new(app->journal_pending, item))
        return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    return CL_OK;
}

size_t app_journal_mark(const struct cl_app *app)
{
    return json_array_size(app->journal_pending);
}

void app_journal_forget(struct cl_app *app, size_t mark)
{
    while (json_array_size(app->journal_pending) > mark)
        json_array_remove(app->journal_pending, json_array_size(app->journal_pending) - 1);
}

enum cl_err app_journal_flush(struct cl_app *app, struct cl_error *err)
{
    size_t n = json_array_size(app->journal_pending);
    if (!n) return CL_OK;
    struct cl_journal_item *items = malloc(n * sizeof(*items));
    if (!items) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(app->journal_pending, i);
        const json_t *secret = json_object_get(it, "secret");
        items[i] = (struct cl_journal_item){json_string_value(json_object_get(it, "kind")), json_object_get(it, "record"),
                                            json_is_object(secret) ? secret : NULL,
                                            (cl_time)json_integer_value(json_object_get(it, "at"))};
    }
    enum cl_err rc = cl_journal_append_batch(app->st, items, n, NULL, err);
    free(items);
    json_array_clear(app->journal_pending);
    return rc;
}

/* The digest of the rule set last journaled, from the newest "rules.change" entry's record. */
static enum cl_err last_digest(struct cl_store *st, char out[65], struct cl_error *err)
{
    out[0] = '\0';
    int64_t found = 0;
    bool any = false;
    enum cl_err rc = cl_store_query_int(st, "SELECT entry_index FROM app_rulesets ORDER BY entry_index DESC LIMIT 1",
                                        NULL, 0, &found, &any, err);
    if (rc || !any) return rc;
    char *text = NULL;
    size_t len = 0;
    rc = cl_journal_entry_get(st, (uint64_t)found, &text, &len, err);
    if (rc) return rc;
    json_t *e = json_loadb(text, len, 0, NULL);
    const char *d = json_string_value(json_object_get(json_object_get(e, "record"), "digest"));
    if (d) snprintf(out, 65, "%s", d);
    json_decref(e);
    free(text);
    return CL_OK;
}

static enum cl_err note_ruleset(struct cl_store *st, const struct cl_reference *ref, struct cl_error *err)
{
    char previous[65];
    enum cl_err rc = last_digest(st, previous, err);
    if (rc || strcmp(previous, ref->rules.digest) == 0) return rc;
    json_t *ids = json_array();
    for (size_t i = 0; i < ref->rules.n_rules; i++) json_array_append_new(ids, json_string(ref->rules.rules[i].id));
    json_t *rec = json_pack("{s:s, s:s, s:s, s:I, s:o}", "digest", ref->rules.digest, "previous", previous,
                            "folder", ref->rules_dir, "rules_count", (json_int_t)ref->rules.n_rules, "rules", ids);
    if (!previous[0]) json_object_set_new(rec, "previous", json_null());
    uint64_t index = 0;
    rc = cl_journal_append(st, "rules.change", rec, NULL, cl_time_now(), &index, err);
    json_decref(rec);
    struct cl_val p[] = {CL_VINT((int64_t)index), CL_VTEXT(ref->rules.digest)};
    if (!rc) rc = cl_store_exec(st, "INSERT INTO app_rulesets (entry_index, digest) VALUES (?, ?)", p, 2, NULL, err);
    return rc;
}

static const struct cl_migration app_migrations[] = {
    {"app", 1, "CREATE TABLE app_rulesets (entry_index BIGINT PRIMARY KEY, digest TEXT NOT NULL)"},
};

static enum cl_err note_ruleset_tx(void *ctx, struct cl_error *err)
{
    struct cl_app *app = ctx;
    return note_ruleset(app->st, app->env, err);
}

enum cl_err app_journal_open(struct cl_app *app, struct cl_error *err)
{
    enum cl_err rc = cl_journal_migrate(app->st, err);
    if (!rc) rc = cl_store_migrate(app->st, app_migrations, sizeof(app_migrations) / sizeof(app_migrations[0]), err);
    /* every open (each command, each server thread) checks the rule set; only a new one takes a write transaction */
    char last[65] = "";
    if (!rc) {
        rc = cl_store_begin(app->st, CL_TX_READ, err);
        if (!rc) rc = last_digest(app->st, last, err);
        cl_store_rollback(app->st);
    }
    if (!rc && strcmp(last, app->env->rules.digest) != 0) rc = cl_store_retry(app->st, 5, note_ruleset_tx, app, err);
    if (!rc) {
        app->journal_pending = json_array();
        app->hook = app_journal_event;
        app->hook_ctx = app;
        if (!app->journal_pending) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    return rc;
}
