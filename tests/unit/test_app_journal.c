/* The service layer journals exactly what it commits: one entry per ledger event, also in group commit where a
 * failed action's savepoint is rolled back, and nothing of a batch that is rolled back. */
#include <stdlib.h>
#include <unistd.h>

#include "clearance/app.h"
#include "clearance/journal.h"
#include "test.h"

static struct cl_reference ref;

static int64_t count(struct cl_store *st, const char *sql)
{
    int64_t v = -1;
    struct cl_error e = {0};
    cl_store_query_int(st, sql, NULL, 0, &v, NULL, &e);
    return v;
}

static uint64_t journal_size(struct cl_app *app)
{
    struct cl_journal_head h = {0};
    struct cl_error e = {0};
    cl_journal_head_get(app->st, &h, &e);
    return h.size;
}

static enum cl_err act(struct cl_app *app, enum cl_app_action a, const char *args_json)
{
    json_t *args = json_loads(args_json, 0, NULL);
    struct cl_app_request req;
    struct cl_app_result res;
    struct cl_error e = {0};
    cl_app_result_init(&res);
    struct cl_app_actor who = {"tester", cl_time_now(), CL_DATE_NONE, NULL};
    enum cl_err rc = cl_app_request_from_json(a, args, "$", &req, &e);
    if (!rc) rc = cl_app_execute(app, &who, &req, &res, &e);
    cl_app_result_release(&res);
    json_decref(args);
    return rc;
}

TEST(entries_match_events)
{
    char path[] = "/tmp/cl_app_journal_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    struct cl_app *app = NULL;
    struct cl_error e = {0};
    CHECK_INT(cl_app_open(&ref, path, NULL, &app, &e), CL_OK);
    if (!app) return;
    /* the rule set is journaled first */
    CHECK_INT(journal_size(app), 1);
    int64_t events0 = count(app->st, "SELECT COUNT(*) FROM ledger_events");

    /* alone: each action's events, no more */
    CHECK_INT(act(app, CL_APP_PARTY_ADD, "{\"name\": \"A\", \"roles\": \"exporter\", \"country\": \"US\"}"), CL_OK);
    CHECK_INT(act(app, CL_APP_PARTY_ADD, "{\"name\": \"A\", \"roles\": \"exporter\", \"country\": \"US\"}"), CL_ERR_CONFLICT);
    int64_t events1 = count(app->st, "SELECT COUNT(*) FROM ledger_events");
    CHECK(events1 > events0);
    CHECK_INT(journal_size(app), 1 + (uint64_t)events1);

    /* in a batch: the failing action's savepoint takes its entries with it */
    CHECK_INT(cl_app_batch_begin(app, &e), CL_OK);
    CHECK_INT(act(app, CL_APP_PARTY_ADD, "{\"name\": \"B\", \"roles\": \"importer\", \"country\": \"SG\"}"), CL_OK);
    CHECK_INT(act(app, CL_APP_AUTH_DECIDE, "{\"ref\": \"NO-SUCH\", \"outcome\": \"approved\"}"), CL_ERR_NOT_FOUND);
    CHECK_INT(act(app, CL_APP_PARTY_ADD, "{\"name\": \"C\", \"roles\": \"importer\", \"country\": \"SG\"}"), CL_OK);
    CHECK_INT(cl_app_batch_commit(app, &e), CL_OK);
    int64_t events2 = count(app->st, "SELECT COUNT(*) FROM ledger_events");
    CHECK_INT(events2, events1 + 2);
    CHECK_INT(journal_size(app), 1 + (uint64_t)events2);

    /* a batch rolled back leaves no entry */
    CHECK_INT(cl_app_batch_begin(app, &e), CL_OK);
    CHECK_INT(act(app, CL_APP_PARTY_ADD, "{\"name\": \"D\", \"roles\": \"importer\", \"country\": \"SG\"}"), CL_OK);
    cl_app_batch_rollback(app);
    CHECK_INT(count(app->st, "SELECT COUNT(*) FROM ledger_events"), events2);
    CHECK_INT(journal_size(app), 1 + (uint64_t)events2);
    CHECK_INT(act(app, CL_APP_PARTY_ADD, "{\"name\": \"D\", \"roles\": \"importer\", \"country\": \"SG\"}"), CL_OK);
    CHECK_INT(journal_size(app), 1 + (uint64_t)count(app->st, "SELECT COUNT(*) FROM ledger_events"));

    /* the journal's entries are the ledger's events, in order */
    char *text = NULL;
    size_t len = 0;
    CHECK_INT(cl_journal_entry_get(app->st, 1 + (uint64_t)events1, &text, &len, &e), CL_OK);
    CHECK_CONTAINS(text, "\"kind\":\"ledger.party.add\"");
    CHECK_CONTAINS(text, "\"B\"");
    free(text);
    cl_app_close(app);
    cl_store_remove(path);
}

int main(void)
{
    struct cl_error e = {0};
    if (cl_reference_load(CL_DATA_DIR, NULL, &ref, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    RUN(entries_match_events);
    cl_reference_release(&ref);
    return TEST_EXIT();
}
