/* Unit tests for the ledger and its service layer: the state machine (every transition, legal and illegal), every
 * gate open and shut, pools shared by several holders, partial shipments, cancellation and expiry releasing
 * capacity, the 50% pool following its counter, fee rounding, idempotency, events and the invariant check; on
 * SQLite and, when CLEARANCE_TEST_PG names a database, on PostgreSQL with the same assertions. */
#include "clearance/journal.h"
#include "clearance/json.h"
#include "clearance/ledger.h"
#include "ledger_fixture.h"

static const char *const bis_conditions[] = {"bis-2026-us-supply", "bis-2026-us-testing", "bis-2026-volume-cap",
                                             "bis-2026-kyc",       "bis-2026-end-use",    "bis-2026-remote-users",
                                             "bis-2026-security"};
static const char *const ndrc_conditions[] = {"ndrc-2026-conditions", "ndrc-2026-domestic-quota"};

static const char *pg_url;
static int run_no;

static struct cl_app *fresh(void)
{
    char schema[32];
    snprintf(schema, sizeof(schema), "ledger_unit_%d", ++run_no);
    return fx_open(fx_fresh(pg_url, schema));
}

/* NVIDIA and four Chinese buyers, screened clear and vetted by the US. */
static void world(struct cl_app *app)
{
    EXPECT_OK(fx_act(app, "2026-01-15", "party.add", "{'name': 'NVIDIA', 'roles': 'exporter', 'country': 'US'}"));
    const char *buyers[] = {"DeepSeek", "ByteDance", "Alibaba", "Tencent"};
    const char *scripts[] = {"深度求索", "字节跳动", "阿里巴巴", "腾讯"};
    char args[256];
    for (int i = 0; i < 4; i++) {
        snprintf(args, sizeof(args), "{'name': '%s', 'roles': 'importer,end_user', 'country': 'CN', 'aliases': ['%s']}",
                 buyers[i], scripts[i]);
        EXPECT_OK(fx_act(app, "2026-01-15", "party.add", args));
        snprintf(args, sizeof(args), "{'party': '%s', 'jurisdiction': 'US', 'state': 'vetted'}", buyers[i]);
        EXPECT_OK(fx_act(app, "2026-01-15", "party.vet", args));
    }
    const char *all[] = {"NVIDIA", "DeepSeek", "ByteDance", "Alibaba", "Tencent"};
    for (int i = 0; i < 5; i++) {
        snprintf(args, sizeof(args), "{'party': '%s', 'decision': 'clear', 'list_version': 'csl-2026-01-14'}", all[i]);
        EXPECT_OK(fx_act(app, "2026-01-15", "party.screen_result", args));
    }
}

/* A US licence for buyer (BIS conditions recorded pending), approved with conditions; satisfied when asked. */
static void us_licence(struct cl_app *app, const char *ref, const char *buyer, long long cap, bool satisfy)
{
    char args[512];
    snprintf(args, sizeof(args),
             "{'ref': '%s', 'jurisdiction': 'US', 'holder': 'NVIDIA', 'parties': ['%s'], 'products': ['H200'],"
             " 'quantity_cap': %lld, 'valid_from': '2026-01-20', 'valid_to': '2030-01-19'}",
             ref, buyer, cap);
    EXPECT_OK(fx_act(app, "2026-01-20", "auth.apply", args));
    CHECK_STR(fx_str("state"), "submitted");
    CHECK_STR(fx_str("authority"), "BIS");
    CHECK_STR(fx_str("kind"), "export_licence");
    CHECK_INT(json_array_size(json_object_get(fx_res.object, "conditions")), 7);
    snprintf(args, sizeof(args), "{'ref': '%s', 'outcome': 'approved_with_conditions'}", ref);
    EXPECT_OK(fx_act(app, "2026-01-25", "auth.decide", args));
    for (size_t i = 0; satisfy && i < 7; i++) {
        snprintf(args, sizeof(args), "{'ref': '%s', 'condition': '%s', 'state': 'satisfied', 'evidence': 'doc-%zu'}",
                 ref, bis_conditions[i], i);
        EXPECT_OK(fx_act(app, "2026-01-26", "auth.condition", args));
    }
}

/* A Chinese purchase approval held by buyer (NDRC conditions pending), approved with conditions. */
static void cn_approval(struct cl_app *app, const char *ref, const char *buyer, bool satisfy)
{
    char args[512];
    snprintf(args, sizeof(args),
             "{'ref': '%s', 'jurisdiction': 'CN', 'holder': '%s', 'products': ['H200'], 'valid_from': '2026-01-28'}",
             ref, buyer);
    EXPECT_OK(fx_act(app, "2026-01-28", "auth.apply", args));
    CHECK_STR(fx_str("kind"), "purchase_approval");
    CHECK_STR(fx_str("authority"), "MIIT/MOFCOM");
    CHECK_INT(json_array_size(json_object_get(fx_res.object, "conditions")), 2);
    snprintf(args, sizeof(args), "{'ref': '%s', 'outcome': 'approved_with_conditions'}", ref);
    EXPECT_OK(fx_act(app, "2026-01-30", "auth.decide", args));
    for (size_t i = 0; satisfy && i < 2; i++) {
        snprintf(args, sizeof(args), "{'ref': '%s', 'condition': '%s', 'state': 'satisfied', 'evidence': 'ndrc-%zu'}",
                 ref, ndrc_conditions[i], i);
        EXPECT_OK(fx_act(app, "2026-02-05", "auth.condition", args));
    }
}

/* Legal moves as the test states them, independently of the code's table. */
static bool expected_legal(const char *from, const char *to)
{
    static const char *const legal[][2] = {
        {"draft", "submitted"},
        {"submitted", "under_review"},
        {"submitted", "approved"},
        {"submitted", "approved_with_conditions"},
        {"submitted", "denied"},
        {"submitted", "returned"},
        {"under_review", "approved"},
        {"under_review", "approved_with_conditions"},
        {"under_review", "denied"},
        {"under_review", "returned"},
        {"returned", "submitted"},
        {"approved", "suspended"},
        {"approved", "revoked"},
        {"approved", "expired"},
        {"approved_with_conditions", "suspended"},
        {"approved_with_conditions", "revoked"},
        {"approved_with_conditions", "expired"},
        {"suspended", "reinstated"},
        {"suspended", "revoked"},
        {"suspended", "expired"},
        {"reinstated", "suspended"},
        {"reinstated", "revoked"},
        {"reinstated", "expired"},
    };
    for (size_t i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
        if (!strcmp(legal[i][0], from) && !strcmp(legal[i][1], to)) return true;
    return false;
}

TEST(state_machine_every_transition)
{
    struct cl_app *app = fresh();
    world(app);
    /* one authorization brought to each state by legal moves */
    static const char *const paths[CL_AUTH__COUNT][4] = {
        [CL_AUTH_DRAFT] = {NULL},
        [CL_AUTH_SUBMITTED] = {"submitted"},
        [CL_AUTH_UNDER_REVIEW] = {"submitted", "under_review"},
        [CL_AUTH_APPROVED] = {"submitted", "approved"},
        [CL_AUTH_APPROVED_WITH_CONDITIONS] = {"submitted", "approved_with_conditions"},
        [CL_AUTH_DENIED] = {"submitted", "denied"},
        [CL_AUTH_RETURNED] = {"submitted", "returned"},
        [CL_AUTH_SUSPENDED] = {"submitted", "approved", "suspended"},
        [CL_AUTH_REINSTATED] = {"submitted", "approved", "suspended", "reinstated"},
        [CL_AUTH_REVOKED] = {"submitted", "approved", "revoked"},
        [CL_AUTH_EXPIRED] = {"submitted", "approved", "expired"},
    };
    struct cl_ledger_ctx cx = {.st = app->st, .actor = "tester", .at = 0, .reason = "test"};
    struct cl_error e = {0};
    for (int s = 0; s < CL_AUTH__COUNT; s++) {
        char ref[32], args[256];
        snprintf(ref, sizeof(ref), "SM-%d", s);
        snprintf(args, sizeof(args),
                 "{'ref': '%s', 'jurisdiction': 'US', 'holder': 'NVIDIA', 'parties': ['DeepSeek'], 'products': ['H200'],"
                 " 'draft': true}", ref);
        EXPECT_OK(fx_act(app, "2026-01-20", "auth.apply", args));
        CHECK_STR(fx_str("state"), "draft");
        cx.date = cl_date_from_ymd(2026, 2, 1);
        for (int k = 0; k < 4 && paths[s][k]; k++) {
            enum cl_ledger_auth_state to;
            CHECK(cl_ledger_auth_state_parse(paths[s][k], &to));
            CHECK_INT(cl_store_begin(app->st, CL_TX_WRITE, &e), CL_OK);
            CHECK_INT(cl_ledger_auth_transition(&cx, ref, to, &e), CL_OK);
            CHECK_INT(cl_store_commit(app->st, &e), CL_OK);
        }
        struct cl_ledger_auth_info info;
        CHECK_INT(cl_ledger_auth_get(app->st, ref, &info, &e), CL_OK);
        CHECK_INT(info.state, s);
        /* every move from here, each tried in a transaction rolled back afterwards */
        for (int t = 0; t < CL_AUTH__COUNT; t++) {
            const char *from = cl_ledger_auth_state_id((enum cl_ledger_auth_state)s);
            const char *to = cl_ledger_auth_state_id((enum cl_ledger_auth_state)t);
            bool legal = expected_legal(from, to);
            CHECK_INT(cl_ledger_auth_transition_allowed((enum cl_ledger_auth_state)s, (enum cl_ledger_auth_state)t),
                      legal);
            CHECK_INT(cl_store_begin(app->st, CL_TX_WRITE, &e), CL_OK);
            cl_error_clear(&e);
            enum cl_err rc = cl_ledger_auth_transition(&cx, ref, (enum cl_ledger_auth_state)t, &e);
            CHECK_INT(rc, legal ? CL_OK : CL_ERR_STATE);
            if (rc != (legal ? CL_OK : CL_ERR_STATE)) fprintf(stderr, "  %s -> %s: %s\n", from, to, e.msg);
            if (!legal) CHECK_CONTAINS(e.msg, "cannot become");
            struct cl_ledger_auth_info after;
            CHECK_INT(cl_ledger_auth_get(app->st, ref, &after, &e), CL_OK);
            CHECK_INT(after.state, legal ? t : s);
            cl_store_rollback(app->st);
        }
    }
    /* each recorded move says who, when and why */
    EXPECT_OK(fx_act(app, "2026-02-01", "auth.show", "{'ref': 'SM-9'}"));
    json_t *tr = json_object_get(fx_res.object, "transitions");
    CHECK_INT(json_array_size(tr), 4);
    CHECK_STR(json_string_value(json_object_get(json_array_get(tr, 3), "to")), "revoked");
    CHECK_STR(json_string_value(json_object_get(json_array_get(tr, 3), "actor")), "tester");
    CHECK_STR(json_string_value(json_object_get(json_array_get(tr, 3), "reason")), "test");
    /* the service layer refuses a decision that is not one */
    CHECK_INT(fx_act(app, "2026-02-01", "auth.decide", "{'ref': 'SM-1', 'outcome': 'revoked'}"), CL_ERR_INPUT);
    CHECK_INT(fx_act(app, "2026-02-01", "auth.decide", "{'ref': 'SM-5', 'outcome': 'approved'}"), CL_ERR_STATE);
    CHECK_CONTAINS(fx_err.msg, "denied is final");
    cl_app_close(app);
}

TEST(every_gate_open_and_shut)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-DS", "DeepSeek", 100000, false);
    cn_approval(app, "CN-DS", "DeepSeek", false);
    /* conditions pending do not stop an order; they hold its shipment */
    EXPECT_OK(fx_act(app, "2026-02-01", "order.place",
                     "{'ref': 'O1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 1000,"
                     " 'value_usd': '30,000,000'}"));
    CHECK_STR(fx_str("state"), "open");
    CHECK_STR(fx_str("reservations.0.authorization"), "US-DS");
    CHECK_STR(fx_str("reservations.1.authorization"), "CN-DS");
    EXPECT_REFUSED(fx_act(app, "2026-02-02", "ship", "{'order': 'O1', 'quantity': 100}"), "CONDITION_PENDING");
    CHECK_INT(fx_res.refusal.n, 9); /* 7 BIS and 2 NDRC conditions, each named */
    bool ndrc_named = false;
    for (size_t i = 0; i < fx_res.refusal.n; i++)
        if (strstr(fx_res.refusal.reasons[i].message, "ndrc-2026-conditions")) {
            ndrc_named = true;
            CHECK_CONTAINS(fx_res.refusal.reasons[i].unblock, "mark it satisfied with evidence");
            CHECK_CONTAINS(fx_res.refusal.reasons[i].message, "NDRC");
        }
    CHECK(ndrc_named);
    CHECK_INT(json_array_size(fx_res.events), 1); /* the held shipment is recorded */
    CHECK_STR(json_string_value(json_object_get(json_array_get(fx_res.events, 0), "action")), "shipment.held");
    char args[256];
    for (int i = 0; i < 7; i++) {
        snprintf(args, sizeof(args), "{'ref': 'US-DS', 'condition': '%s', 'state': 'satisfied', 'evidence': 'e%d'}",
                 bis_conditions[i], i);
        EXPECT_OK(fx_act(app, "2026-02-02", "auth.condition", args));
    }
    EXPECT_REFUSED(fx_act(app, "2026-02-02", "ship", "{'order': 'O1', 'quantity': 100}"), "CONDITION_PENDING");
    CHECK_INT(fx_res.refusal.n, 2);
    /* satisfying without evidence is an input error */
    CHECK_INT(fx_act(app, "2026-02-02", "auth.condition", "{'ref': 'CN-DS', 'condition': 'ndrc-2026-conditions', 'state': 'satisfied'}"),
              CL_ERR_INPUT);
    EXPECT_OK(fx_act(app, "2026-02-03", "auth.condition",
                     "{'ref': 'CN-DS', 'condition': 'ndrc-2026-conditions', 'state': 'satisfied', 'evidence': 'NDRC-1'}"));
    EXPECT_OK(fx_act(app, "2026-02-03", "auth.condition",
                     "{'ref': 'CN-DS', 'condition': 'ndrc-2026-domestic-quota', 'state': 'waived', 'evidence': 'NDRC-2'}"));
    EXPECT_OK(fx_act(app, "2026-02-04", "ship", "{'order': 'O1', 'quantity': 100}"));
    CHECK_INT(fx_int("value_cents"), 300000000);
    CHECK_STR(fx_str("fees.0.charge"), "sec232-25");
    CHECK_INT(fx_int("fees.0.amount_cents"), 75000000);

    /* screening: missing, review and block shut the gate; clear opens it */
    EXPECT_OK(fx_act(app, "2026-02-05", "party.screen_result",
                     "{'party': '深度求索', 'decision': 'review', 'list_version': 'csl-2026-02-05', 'summary': 'possible match 0.91'}"));
    EXPECT_REFUSED(fx_act(app, "2026-02-05", "ship", "{'order': 'O1', 'quantity': 100}"), "SCREENING_NOT_CLEAR");
    CHECK_CONTAINS(fx_res.refusal.reasons[0].message, "possible match 0.91");
    EXPECT_OK(fx_act(app, "2026-02-05", "party.screen_result",
                     "{'party': 'NVIDIA', 'decision': 'block', 'list_version': 'csl-2026-02-05'}"));
    EXPECT_REFUSED(fx_act(app, "2026-02-05", "ship", "{'order': 'O1', 'quantity': 100}"), "SCREENING_NOT_CLEAR");
    CHECK_INT(fx_res.refusal.n, 2);
    EXPECT_OK(fx_act(app, "2026-02-05", "party.screen_result",
                     "{'party': 'NVIDIA', 'decision': 'clear', 'list_version': 'csl-2026-02-05'}"));
    EXPECT_OK(fx_act(app, "2026-02-05", "party.screen_result",
                     "{'party': 'DeepSeek', 'decision': 'clear', 'list_version': 'csl-2026-02-05'}"));
    EXPECT_OK(fx_act(app, "2026-02-05", "ship", "{'order': 'O1', 'quantity': 100}"));

    /* vetting of the buyer by the licence's jurisdiction */
    EXPECT_OK(fx_act(app, "2026-02-06", "party.vet", "{'party': 'DeepSeek', 'jurisdiction': 'US', 'state': 'pending'}"));
    EXPECT_REFUSED(fx_act(app, "2026-02-06", "ship", "{'order': 'O1', 'quantity': 100}"), "PARTY_NOT_VETTED");
    EXPECT_OK(fx_act(app, "2026-02-06", "party.vet", "{'party': 'DeepSeek', 'jurisdiction': 'US', 'state': 'vetted'}"));

    /* suspension and reinstatement */
    EXPECT_OK(fx_act(app, "2026-02-07", "auth.suspend", "{'ref': 'US-DS'}"));
    EXPECT_REFUSED(fx_act(app, "2026-02-07", "ship", "{'order': 'O1', 'quantity': 100}"), "AUTH_SUSPENDED");
    CHECK_CONTAINS(fx_res.refusal.reasons[0].unblock, "reinstate");
    EXPECT_OK(fx_act(app, "2026-02-08", "auth.reinstate", "{'ref': 'US-DS'}"));
    EXPECT_OK(fx_act(app, "2026-02-08", "ship", "{'order': 'O1', 'quantity': 100}"));

    /* a failed condition */
    EXPECT_OK(fx_act(app, "2026-02-09", "auth.condition",
                     "{'ref': 'US-DS', 'condition': 'bis-2026-security', 'state': 'failed'}"));
    EXPECT_REFUSED(fx_act(app, "2026-02-09", "ship", "{'order': 'O1', 'quantity': 100}"), "CONDITION_FAILED");
    EXPECT_OK(fx_act(app, "2026-02-10", "auth.condition",
                     "{'ref': 'US-DS', 'condition': 'bis-2026-security', 'state': 'satisfied', 'evidence': 'audit-2'}"));

    /* more than the order has left; after the licence's validity */
    EXPECT_REFUSED(fx_act(app, "2026-02-10", "ship", "{'order': 'O1', 'quantity': 701}"), "ORDER_QUANTITY_EXCEEDED");
    CHECK_INT(fx_res.refusal.reasons[0].requested, 701);
    EXPECT_REFUSED(fx_act(app, "2030-01-20", "ship", "{'order': 'O1', 'quantity': 100}"), "AUTH_EXPIRED");

    /* rules: a state-funded data centre is prohibited by the CN rules; no approval for Tencent */
    EXPECT_REFUSED(fx_act(app, "2026-02-10", "order.place",
                          "{'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 10,"
                          " 'value_usd': '300000', 'end_use': 'state_funded_data_centre'}"),
                   "RULES_DENY");
    CHECK(fx_res.refusal.reasons[0].citation[0] != '\0');
    EXPECT_REFUSED(fx_act(app, "2026-02-10", "order.place",
                          "{'exporter': 'NVIDIA', 'buyer': 'Tencent', 'product': 'H200', 'quantity': 10, 'value_usd': '300000'}"),
                   "AUTH_MISSING");
    CHECK_INT(fx_res.refusal.n, 2); /* a US licence and a Chinese approval */
    /* before the licence's validity starts (and before the Chinese approval regime of 2026-01-28) */
    EXPECT_REFUSED(fx_act(app, "2026-01-19", "order.place",
                          "{'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 10, 'value_usd': '1'}"),
                   "AUTH_NOT_YET_VALID");

    /* revocation voids the open order and releases what it held */
    EXPECT_OK(fx_act(app, "2026-02-11", "auth.revoke", "{'ref': 'CN-DS'}"));
    EXPECT_REFUSED(fx_act(app, "2026-02-11", "ship", "{'order': 'O1', 'quantity': 100}"), "ORDER_NOT_OPEN");
    EXPECT_OK(fx_act(app, "2026-02-11", "auth.show", "{'ref': 'US-DS'}"));
    CHECK_INT(fx_int("quantity_reserved"), 0);
    CHECK_INT(fx_int("quantity_consumed"), 300);
    CHECK_INT(fx_int("quantity_available"), 100000 - 300);
    EXPECT_OK(fx_act(app, "2026-02-11", "order.show", "{'ref': 'O1'}"));
    CHECK_STR(fx_str("state"), "voided");
    CHECK_INT(fx_int("quantity_shipped"), 300);
    EXPECT_OK(fx_act(app, "2026-02-11", "check", NULL));
    cl_app_close(app);
}

/* CONDITION_MISSING and AUTH_MISSING at ship time come from the rules of the shipment date, given as plain values. */
TEST(gates_from_the_rules_of_the_shipment_date)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-DS", "DeepSeek", 1000, true);
    cn_approval(app, "CN-DS", "DeepSeek", true);
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place",
                     "{'ref': 'O1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 10,"
                     " 'value_usd': '1000'}"));
    struct cl_ledger_req_condition extra = {"US", "bis-2026-new", "A condition added later.", "BIS", "r", "91 FR 9999",
                                            true};
    struct cl_ledger_req_auth eu = {"EU", "transit_licence", "EU", "eu-r", "EU 2026/1"};
    struct cl_ledger_req_policy deny = {"US", "prohibited", true, "us-x", "15 CFR 0"};
    struct cl_ledger_requirements req = {.date = cl_date_from_ymd(2026, 2, 11), .conditions = &extra,
                                         .n_conditions = 1, .auths = &eu, .n_auths = 1, .policies = &deny,
                                         .n_policies = 1};
    struct cl_ledger_ctx cx = {.st = app->st, .actor = "tester", .date = req.date};
    struct cl_ledger_ship_spec s = {.order = "O1", .quantity = 5};
    struct cl_ledger_refusal r;
    json_t *out = NULL;
    struct cl_error e = {0};
    CHECK_INT(cl_store_begin(app->st, CL_TX_WRITE, &e), CL_OK);
    CHECK_INT(cl_ledger_ship(&cx, &s, &req, &out, NULL, &r, &e), CL_ERR_REFUSED);
    CHECK_INT(r.n, 3);
    CHECK(cl_ledger_refusal_has(&r, CL_REFUSAL_CONDITION_MISSING));
    CHECK(cl_ledger_refusal_has(&r, CL_REFUSAL_AUTH_MISSING));
    CHECK(cl_ledger_refusal_has(&r, CL_REFUSAL_RULES_DENY));
    json_t *j = cl_ledger_refusal_to_json(&r);
    CHECK_INT(json_array_size(j), 3);
    json_t *first = json_array_get(j, 0);
    CHECK_STR(json_string_value(json_object_get(first, "code")), "RULES_DENY");
    CHECK_STR(json_string_value(json_object_get(first, "citation")), "15 CFR 0");
    json_decref(j);
    cl_store_rollback(app->st);
    CHECK(out == NULL);
    cl_app_close(app);
}

TEST(pool_shared_by_several_holders)
{
    struct cl_app *app = fresh();
    world(app);
    const char *buyers[] = {"ByteDance", "Alibaba", "Tencent"};
    char args[512];
    for (int i = 0; i < 3; i++) {
        char us[16], cn[16];
        snprintf(us, sizeof(us), "US-%d", i);
        snprintf(cn, sizeof(cn), "CN-%d", i);
        us_licence(app, us, buyers[i], 1000000, true);
        cn_approval(app, cn, buyers[i], true);
    }
    EXPECT_OK(fx_act(app, "2026-01-30", "pool.create",
                     "{'name': 'cn-h200-2026', 'product': 'H200', 'cap': 400000, 'valid_from': '2026-01-01',"
                     " 'valid_to': '2026-12-31', 'description': 'ByteDance, Alibaba and Tencent combined'}"));
    EXPECT_OK(fx_act(app, "2026-01-30", "pool.add", "{'pool': 'cn-h200-2026', 'authorizations': ['CN-0', 'CN-1', 'CN-2']}"));
    CHECK_INT(json_array_size(json_object_get(fx_res.object, "members")), 3);
    const long long qty[] = {200000, 150000, 60000};
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof(args),
                 "{'ref': 'P%d', 'exporter': 'NVIDIA', 'buyer': '%s', 'product': 'H200', 'quantity': %lld,"
                 " 'value_usd': '1000000'}",
                 i, buyers[i], qty[i]);
        if (i < 2) EXPECT_OK(fx_act(app, "2026-02-10", "order.place", args));
        else EXPECT_REFUSED(fx_act(app, "2026-02-10", "order.place", args), "POOL_EXHAUSTED");
    }
    CHECK(fx_res.refusal.reasons[0].has_numbers);
    CHECK_INT(fx_res.refusal.reasons[0].available, 50000);
    CHECK_INT(fx_res.refusal.reasons[0].cap, 400000);
    CHECK_INT(fx_res.refusal.reasons[0].requested, 60000);
    CHECK_CONTAINS(fx_res.refusal.reasons[0].unblock, "at most 50000");
    /* nothing was reserved by the refused order, on any authorization */
    EXPECT_OK(fx_act(app, "2026-02-10", "auth.show", "{'ref': 'US-2'}"));
    CHECK_INT(fx_int("quantity_reserved"), 0);
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place",
                     "{'ref': 'P2', 'exporter': 'NVIDIA', 'buyer': 'Tencent', 'product': 'H200', 'quantity': 50000, 'value_usd': '1'}"));
    EXPECT_OK(fx_act(app, "2026-02-10", "pool.show", "{'name': 'cn-h200-2026'}"));
    CHECK_INT(fx_int("quantity_available"), 0);
    CHECK_INT(fx_int("quantity_reserved"), 400000);
    /* a full pool: what unblocks it is a release or a larger quota, not a smaller order */
    EXPECT_REFUSED(fx_act(app, "2026-02-10", "order.place",
                          "{'exporter': 'NVIDIA', 'buyer': 'Tencent', 'product': 'H200', 'quantity': 1, 'value_usd': '1',"
                          " 'dry_run': true}"),
                   "POOL_EXHAUSTED");
    CHECK(strstr(fx_res.refusal.reasons[0].unblock, "at most") == NULL);
    CHECK_CONTAINS(fx_res.refusal.reasons[0].unblock, "cancelled or lapse");
    /* partial shipment moves units from reserved to consumed; cancellation frees only what was not shipped */
    EXPECT_OK(fx_act(app, "2026-02-11", "ship", "{'order': 'P0', 'quantity': 50000}"));
    EXPECT_OK(fx_act(app, "2026-02-12", "order.cancel", "{'ref': 'P0'}"));
    CHECK_STR(fx_str("state"), "cancelled");
    EXPECT_OK(fx_act(app, "2026-02-12", "pool.show", "{'name': 'cn-h200-2026'}"));
    CHECK_INT(fx_int("quantity_consumed"), 50000);
    CHECK_INT(fx_int("quantity_reserved"), 200000);
    CHECK_INT(fx_int("quantity_available"), 150000);
    CHECK_INT(fx_act(app, "2026-02-12", "order.cancel", "{'ref': 'P0'}"), CL_ERR_STATE);
    /* orders outside the pool's period do not draw on it */
    EXPECT_OK(fx_act(app, "2027-01-05", "pool.show", "{'name': 'cn-h200-2026'}"));
    EXPECT_OK(fx_act(app, "2027-01-05", "order.place",
                     "{'ref': 'P9', 'exporter': 'NVIDIA', 'buyer': 'Tencent', 'product': 'H200', 'quantity': 500000, 'value_usd': '1'}"));
    CHECK_INT(json_array_size(json_object_get(fx_res.object, "reservations")), 2);
    EXPECT_OK(fx_act(app, "2027-01-05", "check", NULL));
    cl_app_close(app);
}

TEST(expiry_releases_capacity)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-BD", "ByteDance", 1000, true);
    cn_approval(app, "CN-BD", "ByteDance", true);
    EXPECT_OK(fx_act(app, "2026-02-01", "order.place",
                     "{'ref': 'E1', 'exporter': 'NVIDIA', 'buyer': 'ByteDance', 'product': 'H200', 'quantity': 800,"
                     " 'value_usd': '8000', 'expires_on': '2026-02-10'}"));
    EXPECT_REFUSED(fx_act(app, "2026-02-10", "order.place",
                          "{'exporter': 'NVIDIA', 'buyer': 'ByteDance', 'product': 'H200', 'quantity': 300, 'value_usd': '1'}"),
                   "CAP_EXCEEDED");
    CHECK_INT(fx_res.refusal.reasons[0].available, 200);
    /* the day after the lapse, shipping it is refused and a new order finds the capacity released */
    EXPECT_REFUSED(fx_act(app, "2026-02-11", "ship", "{'order': 'E1', 'quantity': 1}"), "RESERVATION_EXPIRED");
    EXPECT_OK(fx_act(app, "2026-02-11", "order.place",
                     "{'ref': 'E2', 'exporter': 'NVIDIA', 'buyer': 'ByteDance', 'product': 'H200', 'quantity': 300, 'value_usd': '1'}"));
    EXPECT_OK(fx_act(app, "2026-02-11", "order.show", "{'ref': 'E1'}"));
    CHECK_STR(fx_str("state"), "expired");
    CHECK_STR(fx_str("reservations.0.state"), "expired");
    EXPECT_REFUSED(fx_act(app, "2026-02-11", "ship", "{'order': 'E1', 'quantity': 1}"), "ORDER_NOT_OPEN");
    /* the sweep expires authorizations past their validity */
    EXPECT_OK(fx_act(app, "2030-02-01", "sweep", NULL));
    CHECK_INT(fx_int("authorizations_expired"), 1);
    CHECK_INT(fx_int("orders_expired"), 0);
    EXPECT_OK(fx_act(app, "2030-02-01", "auth.show", "{'ref': 'US-BD'}"));
    CHECK_STR(fx_str("state"), "expired");
    EXPECT_OK(fx_act(app, "2030-02-01", "check", NULL));
    cl_app_close(app);
}

TEST(pool_following_its_counter)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-DS", "DeepSeek", 1000000, true);
    cn_approval(app, "CN-DS", "DeepSeek", true);
    EXPECT_OK(fx_act(app, "2026-01-30", "pool.create",
                     "{'name': 'bis-50pct-h200', 'product': 'H200', 'follows': 'us-end-use-h200', 'ratio': '50%'}"));
    EXPECT_OK(fx_act(app, "2026-01-30", "pool.add", "{'pool': 'bis-50pct-h200', 'authorizations': ['US-DS']}"));
    CHECK_INT(fx_int("cap"), 0);
    EXPECT_REFUSED(fx_act(app, "2026-02-01", "order.place",
                          "{'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 1, 'value_usd': '1'}"),
                   "POOL_EXHAUSTED");
    EXPECT_OK(fx_act(app, "2026-02-01", "pool.counter", "{'counter': 'us-end-use-h200', 'delta': 1001}"));
    EXPECT_OK(fx_act(app, "2026-02-01", "pool.show", "{'name': 'bis-50pct-h200'}"));
    CHECK_INT(fx_int("cap"), 500); /* half of 1001, rounded down */
    EXPECT_REFUSED(fx_act(app, "2026-02-01", "order.place",
                          "{'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 501, 'value_usd': '1'}"),
                   "POOL_EXHAUSTED");
    CHECK_CONTAINS(fx_res.refusal.reasons[0].message, "50% of counter us-end-use-h200");
    EXPECT_OK(fx_act(app, "2026-02-01", "order.place",
                     "{'ref': 'F1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 500, 'value_usd': '1'}"));
    /* a correction that would leave the pool over its cap is refused; one that keeps it within is taken */
    EXPECT_REFUSED(fx_act(app, "2026-02-02", "pool.counter", "{'counter': 'us-end-use-h200', 'delta': -2}"),
                   "POOL_EXHAUSTED");
    EXPECT_OK(fx_act(app, "2026-02-02", "pool.counter", "{'counter': 'us-end-use-h200', 'delta': -1}"));
    CHECK_INT(fx_act(app, "2026-02-02", "pool.counter", "{'counter': 'us-end-use-h200', 'delta': -5000}"), CL_ERR_INPUT);
    EXPECT_OK(fx_act(app, "2026-02-03", "pool.counter", "{'counter': 'us-end-use-h200', 'delta': 2}"));
    EXPECT_OK(fx_act(app, "2026-02-03", "order.place",
                     "{'ref': 'F2', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 1, 'value_usd': '1'}"));
    EXPECT_OK(fx_act(app, "2026-02-03", "check", NULL));
    cl_app_close(app);
}

TEST(partial_shipments_and_fee_rounding)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-AL", "Alibaba", 100, true);
    cn_approval(app, "CN-AL", "Alibaba", true);
    /* three units worth one dollar: shipments of 33, 33 and 34 cents; 25% of each rounded half away from zero */
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place",
                     "{'ref': 'R1', 'exporter': 'NVIDIA', 'buyer': 'Alibaba', 'product': 'H200', 'quantity': 3, 'value_usd': '1.00'}"));
    const long long values[] = {33, 33, 34}, fees[] = {8, 8, 9}; /* 8.25 -> 8, 8.5 -> 9 */
    for (int i = 0; i < 3; i++) {
        EXPECT_OK(fx_act(app, "2026-02-11", "ship", "{'order': 'R1', 'quantity': 1}"));
        CHECK_INT(fx_int("value_cents"), values[i]);
        CHECK_INT(fx_int("fees.0.amount_cents"), fees[i]);
        CHECK_INT(fx_int("fees.0.rate_ppm"), 250000);
        CHECK_STR(fx_str("fees.0.rule"), "us-sec232-tariff-2026-01-14");
    }
    EXPECT_REFUSED(fx_act(app, "2026-02-11", "ship", "{'order': 'R1', 'quantity': 1}"), "ORDER_NOT_OPEN");
    EXPECT_OK(fx_act(app, "2026-02-11", "order.show", "{'ref': 'R1'}"));
    CHECK_STR(fx_str("state"), "shipped");
    CHECK_INT(fx_int("value_shipped_cents"), 100);
    CHECK_STR(fx_str("reservations.0.state"), "posted");
    /* a shipment of 2 cents owes 0.5 cent: rounded away from zero to 1 */
    EXPECT_OK(fx_act(app, "2026-03-01", "order.place",
                     "{'ref': 'R2', 'exporter': 'NVIDIA', 'buyer': 'Alibaba', 'product': 'H200', 'quantity': 1, 'value_usd': '0.02'}"));
    EXPECT_OK(fx_act(app, "2026-03-01", "ship", "{'order': 'R2', 'quantity': 1}"));
    CHECK_INT(fx_int("fees.0.amount_cents"), 1);
    EXPECT_OK(fx_act(app, "2026-03-02", "fees.pay", "{'party': 'NVIDIA', 'charge': 'sec232-25', 'amount_usd': '0.20', 'payment_ref': 'CBP-1'}"));
    EXPECT_OK(fx_act(app, "2026-03-31", "fees.report", "{'party': 'NVIDIA'}"));
    json_t *periods = json_object_get(fx_res.object, "periods");
    CHECK_INT(json_array_size(periods), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(periods, 0), "period")), "2026-02");
    CHECK_INT(fx_int("periods.0.accrued_cents"), 25);
    CHECK_INT(fx_int("periods.0.base_cents"), 100);
    CHECK_INT(fx_int("periods.0.shipments"), 3);
    CHECK_INT(fx_int("periods.1.accrued_cents"), 1);
    CHECK_INT(fx_int("periods.1.paid_cents"), 20);
    CHECK_INT(fx_int("totals.0.accrued_cents"), 26);
    CHECK_INT(fx_int("totals.0.outstanding_cents"), 6);
    CHECK_INT(fx_act(app, "2026-03-02", "fees.pay", "{'party': 'NVIDIA', 'charge': 'nope', 'amount_usd': '1'}"), CL_ERR_INPUT);
    EXPECT_OK(fx_act(app, "2026-03-31", "check", NULL));
    cl_app_close(app);
}

TEST(h20_share_in_its_period_only)
{
    struct cl_app *app = fresh();
    world(app);
    /* H20 needs a US licence from the 2025-04-09 letter; 15% of the revenue from 2025-08-11 to 2026-01-14 */
    EXPECT_OK(fx_act(app, "2025-08-20", "auth.apply",
                     "{'ref': 'US-H20', 'jurisdiction': 'US', 'holder': 'NVIDIA', 'parties': ['Tencent'], 'products': ['H20']}"));
    EXPECT_OK(fx_act(app, "2025-08-25", "auth.decide", "{'ref': 'US-H20', 'outcome': 'approved'}"));
    EXPECT_OK(fx_act(app, "2025-09-01", "order.place",
                     "{'ref': 'H1', 'exporter': 'NVIDIA', 'buyer': 'Tencent', 'product': 'H20', 'quantity': 10,"
                     " 'value_usd': '123,456.78'}"));
    EXPECT_OK(fx_act(app, "2025-09-02", "ship", "{'order': 'H1', 'quantity': 5}"));
    CHECK_INT(fx_int("value_cents"), 6172839);
    CHECK_STR(fx_str("fees.0.charge"), "h20-revenue-share");
    CHECK_INT(fx_int("fees.0.amount_cents"), 925926); /* 925925.85 */
    CHECK_INT(json_array_size(json_object_get(fx_res.object, "fees")), 1);
    EXPECT_OK(fx_act(app, "2026-02-01", "ship", "{'order': 'H1', 'quantity': 5}"));
    CHECK_INT(json_array_size(json_object_get(fx_res.object, "fees")), 0);
    EXPECT_OK(fx_act(app, "2026-02-01", "check", NULL));
    cl_app_close(app);
}

TEST(idempotent_retries_book_once)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-DS", "DeepSeek", 1000, true);
    cn_approval(app, "CN-DS", "DeepSeek", true);
    const char *order = "{'idempotency_key': 'k-1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200',"
                        " 'quantity': 100, 'value_usd': '1000'}";
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place", order));
    CHECK(!fx_res.replayed);
    char ref[32];
    snprintf(ref, sizeof(ref), "%s", fx_str("ref"));
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place", order));
    CHECK(fx_res.replayed);
    CHECK_STR(fx_str("ref"), ref);
    CHECK_INT(json_array_size(fx_res.events), 0);
    CHECK_INT(fx_act(app, "2026-02-10", "order.place",
                     "{'idempotency_key': 'k-1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200',"
                     " 'quantity': 101, 'value_usd': '1000'}"),
              CL_ERR_CONFLICT);
    char ship[128];
    snprintf(ship, sizeof(ship), "{'order': '%s', 'quantity': 10, 'idempotency_key': 's-1'}", ref);
    EXPECT_OK(fx_act(app, "2026-02-11", "ship", ship));
    EXPECT_OK(fx_act(app, "2026-02-11", "ship", ship));
    CHECK(fx_res.replayed);
    EXPECT_OK(fx_act(app, "2026-02-11", "auth.show", "{'ref': 'US-DS'}"));
    CHECK_INT(fx_int("quantity_reserved"), 90);
    CHECK_INT(fx_int("quantity_consumed"), 10);
    cl_app_close(app);
}

TEST(events_and_invariant_check)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-DS", "DeepSeek", 1000, true);
    cn_approval(app, "CN-DS", "DeepSeek", true);
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place",
                     "{'ref': 'V1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 10, 'value_usd': '500'}"));
    CHECK_INT(json_array_size(fx_res.events), 1);
    json_t *ev = json_array_get(fx_res.events, 0);
    CHECK_STR(json_string_value(json_object_get(ev, "action")), "order.place");
    CHECK_STR(json_string_value(json_object_get(ev, "actor")), "tester");
    CHECK_STR(json_string_value(json_object_get(ev, "date")), "2026-02-10");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(ev, "commercial"), "value_cents")), 50000);
    CHECK(json_object_get(json_object_get(ev, "data"), "value_cents") == NULL);
    char *canon = cl_json_canonical(ev);
    CHECK(canon && strstr(canon, "\"action\":\"order.place\""));
    free(canon);
    EXPECT_OK(fx_act(app, "2026-02-10", "events", "{'after': 0}"));
    size_t n = json_array_size(fx_res.object);
    CHECK(n > 20);
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(fx_res.object, n - 1), "record"), "action")),
              "order.place");
    EXPECT_OK(fx_act(app, "2026-02-10", "check", NULL));
    CHECK(json_is_true(json_object_get(fx_res.object, "ok")));
    /* corruption is found and named */
    struct cl_error e = {0};
    CHECK_INT(cl_store_exec(app->st, "UPDATE ledger_auths SET quantity_reserved = quantity_reserved + 1 WHERE ref = 'US-DS'",
                            NULL, 0, NULL, &e),
              CL_OK);
    CHECK_INT(fx_act(app, "2026-02-10", "check", NULL), CL_ERR_INTERNAL);
    CHECK_CONTAINS(fx_err.msg, "US-DS");
    /* the store's own constraint refuses a cap breach even from outside the ledger */
    CHECK_INT(cl_store_exec(app->st, "UPDATE ledger_auths SET quantity_reserved = 5000 WHERE ref = 'US-DS'", NULL, 0,
                            NULL, &e),
              CL_ERR_CONFLICT);
    cl_app_close(app);
}

/* Group commit: a failing action in a batch leaves the others; a rolled-back batch leaves nothing, not even the
 * facts of a party it added that the connection looked up. */
TEST(batches_commit_or_roll_back_as_one)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-DS", "DeepSeek", 1000, true);
    cn_approval(app, "CN-DS", "DeepSeek", true);
    struct cl_error e = {0};
    CHECK_INT(cl_app_batch_begin(app, &e), CL_OK);
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place",
                     "{'ref': 'G1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 10, 'value_usd': '10'}"));
    CHECK_INT(fx_act(app, "2026-02-10", "ship", "{'order': 'G1', 'quantity': 11}"), CL_ERR_REFUSED);
    CHECK_INT(fx_act(app, "2026-02-10", "order.cancel", "{'ref': 'nope'}"), CL_ERR_NOT_FOUND);
    EXPECT_OK(fx_act(app, "2026-02-10", "ship", "{'order': 'G1', 'quantity': 4}"));
    CHECK_INT(cl_app_batch_commit(app, &e), CL_OK);
    EXPECT_OK(fx_act(app, "2026-02-10", "order.show", "{'ref': 'G1'}"));
    CHECK_INT(fx_int("quantity_shipped"), 4);
    EXPECT_OK(fx_act(app, "2026-02-10", "events", "{'after': 0}"));
    size_t events = json_array_size(fx_res.object);

    CHECK_INT(cl_app_batch_begin(app, &e), CL_OK);
    EXPECT_OK(fx_act(app, "2026-02-10", "party.add", "{'name': 'Ghost', 'roles': 'importer', 'country': 'SG'}"));
    EXPECT_OK(fx_act(app, "2026-02-10", "auth.apply",
                     "{'ref': 'US-G', 'jurisdiction': 'US', 'holder': 'NVIDIA', 'parties': ['Ghost'], 'products': ['H200'], 'kind': 'export_licence', 'authority': 'BIS'}"));
    EXPECT_OK(fx_act(app, "2026-02-10", "ship", "{'order': 'G1', 'quantity': 6}"));
    cl_app_batch_rollback(app);
    EXPECT_OK(fx_act(app, "2026-02-10", "order.show", "{'ref': 'G1'}"));
    CHECK_INT(fx_int("quantity_shipped"), 4);
    CHECK_INT(fx_act(app, "2026-02-10", "party.show", "{'name': 'Ghost'}"), CL_ERR_NOT_FOUND);
    CHECK_INT(fx_act(app, "2026-02-10", "auth.apply",
                     "{'jurisdiction': 'US', 'holder': 'NVIDIA', 'parties': ['Ghost'], 'products': ['H200'], 'kind': 'export_licence', 'authority': 'BIS'}"),
              CL_ERR_NOT_FOUND);
    EXPECT_OK(fx_act(app, "2026-02-10", "party.add", "{'name': 'Ghost', 'roles': 'importer', 'country': 'JP'}"));
    EXPECT_OK(fx_act(app, "2026-02-10", "auth.apply",
                     "{'ref': 'US-G', 'jurisdiction': 'US', 'holder': 'NVIDIA', 'parties': ['Ghost'], 'products': ['H200'], 'kind': 'export_licence', 'authority': 'BIS'}"));
    CHECK_STR(fx_str("destination"), "JP"); /* the new party's country, not the rolled-back one's */
    EXPECT_OK(fx_act(app, "2026-02-10", "events", "{'after': 0}"));
    CHECK_INT(json_array_size(fx_res.object), events + 2);
    EXPECT_OK(fx_act(app, "2026-02-10", "check", NULL));
    cl_app_close(app);
}

/* A dry run answers as the action would, alone or inside a batch, and the ledger and journal keep nothing of it:
 * not its reservations, postings or fees, its event, or its journal entry; the batch's other actions stand. */
TEST(dry_runs_answer_and_keep_nothing)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-DS", "DeepSeek", 100, true);
    cn_approval(app, "CN-DS", "DeepSeek", false);
    struct cl_error e = {0};
    struct cl_journal_head h0, h1;
    CHECK_INT(cl_journal_head_get(app->st, &h0, &e), CL_OK);
    EXPECT_OK(fx_act(app, "2026-02-10", "events", "{'after': 0}"));
    size_t events = json_array_size(fx_res.object);

    /* an order it would book, and one it would refuse with every reason */
    const char *order = "{'ref': 'D1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 60,"
                        " 'value_usd': '600', 'dry_run': true}";
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place", order));
    CHECK(fx_res.dry_run);
    CHECK_STR(fx_str("ref"), "D1");
    CHECK_INT(fx_int("reservations.0.quantity"), 60);
    CHECK_INT(json_array_size(fx_res.events), 0);
    EXPECT_REFUSED(fx_act(app, "2026-02-10", "order.place",
                          "{'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 160,"
                          " 'value_usd': '600', 'dry_run': true}"),
                   "CAP_EXCEEDED");
    CHECK(fx_res.dry_run);
    CHECK_INT(fx_act(app, "2026-02-10", "order.show", "{'ref': 'D1'}"), CL_ERR_NOT_FOUND);
    EXPECT_OK(fx_act(app, "2026-02-10", "auth.show", "{'ref': 'US-DS'}"));
    CHECK_INT(fx_int("quantity_reserved"), 0);
    /* an idempotency key has nothing to replay */
    CHECK_INT(fx_act(app, "2026-02-10", "order.place",
                     "{'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 1, 'value_usd': '1',"
                     " 'idempotency_key': 'k', 'dry_run': true}"),
              CL_ERR_INPUT);
    CHECK_CONTAINS(fx_err.msg, "$.dry_run");
    /* only orders and shipments have dry runs */
    CHECK_INT(fx_act(app, "2026-02-10", "order.cancel", "{'ref': 'D1', 'dry_run': true}"), CL_ERR_INPUT);

    /* in a batch: a real order, a dry-run shipment (held: the NDRC conditions are pending), a real one refused
     * for the same reasons, then the conditions met and a dry run that would pass, then the shipment */
    CHECK_INT(cl_app_batch_begin(app, &e), CL_OK);
    order = "{'ref': 'D1', 'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 60, 'value_usd': '600'}";
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place", order));
    EXPECT_REFUSED(fx_act(app, "2026-02-10", "ship", "{'order': 'D1', 'quantity': 20, 'dry_run': true}"),
                   "CONDITION_PENDING");
    CHECK(fx_res.dry_run);
    CHECK_INT(fx_res.refusal.n, 2);
    for (size_t i = 0; i < 2; i++) {
        char args[160];
        snprintf(args, sizeof(args), "{'ref': 'CN-DS', 'condition': '%s', 'state': 'satisfied', 'evidence': 'n-%zu'}",
                 ndrc_conditions[i], i);
        EXPECT_OK(fx_act(app, "2026-02-10", "auth.condition", args));
    }
    EXPECT_OK(fx_act(app, "2026-02-10", "ship", "{'order': 'D1', 'quantity': 20, 'dry_run': true}"));
    CHECK(fx_res.dry_run);
    CHECK_INT(fx_int("fees.0.amount_cents"), 5000); /* 25% of the 200 dollars that 20 of 60 units are worth */
    EXPECT_OK(fx_act(app, "2026-02-10", "ship", "{'order': 'D1', 'quantity': 20}"));
    CHECK(!fx_res.dry_run);
    CHECK_INT(cl_app_batch_commit(app, &e), CL_OK);

    EXPECT_OK(fx_act(app, "2026-02-10", "order.show", "{'ref': 'D1'}"));
    CHECK_INT(fx_int("quantity_shipped"), 20);
    EXPECT_OK(fx_act(app, "2026-02-10", "shipment.list", NULL));
    CHECK_INT(json_array_size(fx_res.object), 1);
    EXPECT_OK(fx_act(app, "2026-02-10", "events", "{'after': 0}"));
    /* the order, two conditions and the shipment: nothing of the dry runs, nor of the refusals they gave */
    CHECK_INT(json_array_size(fx_res.object), events + 4);
    CHECK_INT(cl_journal_head_get(app->st, &h1, &e), CL_OK);
    CHECK_INT(h1.size, h0.size + 4);

    /* assigned references have no gaps, whatever rolled back (a PostgreSQL sequence keeps the ids a rolled-back
     * insert took): the dry run shows the reference the booking then takes, and the next one follows it */
    const char *small = "{'exporter': 'NVIDIA', 'buyer': 'DeepSeek', 'product': 'H200', 'quantity': 1, 'value_usd': '1'%s}";
    char args[256];
    snprintf(args, sizeof(args), small, ", 'dry_run': true");
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place", args));
    CHECK_STR(fx_str("ref"), "O-1");
    snprintf(args, sizeof(args), small, "");
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place", args));
    CHECK_STR(fx_str("ref"), "O-1");
    EXPECT_OK(fx_act(app, "2026-02-10", "order.place", args));
    CHECK_STR(fx_str("ref"), "O-2");
    EXPECT_OK(fx_act(app, "2026-02-10", "check", NULL));
    cl_app_close(app);
}

/* Revocation voids every open order on the authorization, however many (they are closed in rounds). */
TEST(revocation_voids_every_open_order)
{
    struct cl_app *app = fresh();
    world(app);
    us_licence(app, "US-TE", "Tencent", 100000, true);
    cn_approval(app, "CN-TE", "Tencent", true);
    EXPECT_OK(fx_act(app, "2026-01-30", "pool.create", "{'name': 'q', 'cap': 100000}"));
    EXPECT_OK(fx_act(app, "2026-01-30", "pool.add", "{'pool': 'q', 'authorizations': ['CN-TE']}"));
    struct cl_error e = {0};
    CHECK_INT(cl_app_batch_begin(app, &e), CL_OK);
    for (int i = 0; i < 300; i++)
        EXPECT_OK(fx_act(app, "2026-02-10", "order.place",
                         "{'exporter': 'NVIDIA', 'buyer': 'Tencent', 'product': 'H200', 'quantity': 3, 'value_usd': '9'}"));
    CHECK_INT(cl_app_batch_commit(app, &e), CL_OK);
    EXPECT_OK(fx_act(app, "2026-02-11", "ship", "{'order': 'O-7', 'quantity': 1}"));
    EXPECT_OK(fx_act(app, "2026-02-12", "auth.revoke", "{'ref': 'CN-TE'}"));
    CHECK_INT(json_array_size(fx_res.events), 301); /* the transition and 300 voided orders */
    EXPECT_OK(fx_act(app, "2026-02-12", "pool.show", "{'name': 'q'}"));
    CHECK_INT(fx_int("quantity_reserved"), 0);
    CHECK_INT(fx_int("quantity_consumed"), 1);
    EXPECT_OK(fx_act(app, "2026-02-12", "auth.show", "{'ref': 'US-TE'}"));
    CHECK_INT(fx_int("quantity_reserved"), 0);
    EXPECT_OK(fx_act(app, "2026-02-12", "order.list", "{'filter': 'voided'}"));
    CHECK_INT(json_array_size(fx_res.object), 300);
    EXPECT_OK(fx_act(app, "2026-02-12", "check", NULL));
    cl_app_close(app);
}

/* The scenario of the case, played here too: every step as expected; the canonical event records it writes are
 * kept so the two backends can be compared. */
static char *scenario_events[2];

TEST(h200_scenario_plays_as_expected)
{
    struct cl_app *app = fresh();
    char *text = NULL;
    size_t len = 0;
    struct cl_error e = {0};
    CHECK_INT(cl_file_read(CL_DATA_DIR "/scenarios/h200-2026.json", CL_LIMIT_DATA_FILE_BYTES, &text, &len, &e), CL_OK);
    struct cl_scenario sc;
    CHECK_INT(cl_scenario_parse(text, len, "h200-2026.json", &sc, &e), CL_OK);
    free(text);
    size_t ran = 0;
    CHECK_INT(cl_scenario_run(app, &sc, "tester", NULL, NULL, &ran, &e), CL_OK);
    if (e.msg[0]) fprintf(stderr, "  %s\n", e.msg);
    CHECK_INT(ran, sc.n_steps);
    EXPECT_OK(fx_act(app, "2026-05-01", "events", NULL));
    json_t *records = json_array();
    size_t i;
    json_t *ev;
    json_array_foreach(fx_res.object, i, ev) json_array_append(records, json_object_get(ev, "record"));
    size_t writes = 0;
    for (size_t k = 0; k < sc.n_steps; k++)
        writes += cl_app_action_writes(sc.steps[k].req.action) && !sc.steps[k].req.dry_run;
    CHECK(json_array_size(records) >= writes); /* every change wrote at least one, refusals too; dry runs none */
    CHECK(writes > 80);
    scenario_events[pg_url != NULL] = cl_json_canonical(records);
    json_decref(records);
    cl_scenario_release(&sc);
    cl_app_close(app);
}

static void suite(void)
{
    RUN(state_machine_every_transition);
    RUN(every_gate_open_and_shut);
    RUN(gates_from_the_rules_of_the_shipment_date);
    RUN(pool_shared_by_several_holders);
    RUN(expiry_releases_capacity);
    RUN(pool_following_its_counter);
    RUN(partial_shipments_and_fee_rounding);
    RUN(h20_share_in_its_period_only);
    RUN(idempotent_retries_book_once);
    RUN(events_and_invariant_check);
    RUN(batches_commit_or_roll_back_as_one);
    RUN(dry_runs_answer_and_keep_nothing);
    RUN(revocation_voids_every_open_order);
    RUN(h200_scenario_plays_as_expected);
}

int main(void)
{
    fx_env_load();
    fprintf(stderr, "-- SQLite\n");
    suite();
    pg_url = getenv("CLEARANCE_TEST_PG");
    if (pg_url && *pg_url) {
        fprintf(stderr, "-- PostgreSQL\n");
        suite();
        /* the same scenario writes the same event records on both backends, byte for byte */
        CHECK(scenario_events[0] && scenario_events[1] && strcmp(scenario_events[0], scenario_events[1]) == 0);
    } else {
        pg_url = NULL;
        fprintf(stderr, "CLEARANCE_TEST_PG not set: PostgreSQL part skipped\n");
    }
    free(scenario_events[0]);
    free(scenario_events[1]);
    cl_app_result_release(&fx_res);
    fx_cleanup();
    cl_reference_release(&fx_env);
    return TEST_EXIT();
}
