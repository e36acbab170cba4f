/* Unit tests for the rules engine: every rule on the day before, on and after each end of its effective range;
 * the headline determinations of the case; how rules combine; and every kind of malformed rule file. */
#include <stdlib.h>
#include <unistd.h>

#include "clearance/json.h"
#include "clearance/rules.h"
#include "test.h"

static struct cl_catalog cat;
static struct cl_classifier cls;
static struct cl_ruleset rs;

static cl_date day(const char *s)
{
    cl_date d = 0;
    cl_date_parse(s, 10, &d);
    return d;
}

struct outcome {
    struct cl_arena arena;
    struct cl_classification c;
    struct cl_sale sale;
    struct cl_determination d;
};

static void determine(struct outcome *o, const char *product, const char *to, cl_date date, const char *end_use,
                      const char *listed, const char *transaction, int64_t value_cents)
{
    memset(o, 0, sizeof(*o));
    cl_arena_init(&o->arena, 0);
    const struct cl_chip *chip = cl_catalog_find(&cat, product);
    CL_ASSERT(chip != NULL);
    cl_classify(&cls, chip, date, &o->c);
    o->sale = (struct cl_sale){.classification = &o->c, .destination = to, .exported_from = "US", .end_use = end_use,
                               .transaction = transaction, .value_cents = value_cents, .date = date};
    if (listed) o->sale.listed_on[o->sale.n_listed_on++] = listed;
    struct cl_error e = {0};
    enum cl_err rc = cl_determine(&rs, &o->sale, &o->arena, &o->d, &e);
    CL_ASSERT(rc == CL_OK);
}

static const struct cl_jurisdiction_result *jur(const struct outcome *o, const char *j)
{
    for (size_t i = 0; i < o->d.n_jurisdictions; i++)
        if (strcmp(o->d.jurisdictions[i].jurisdiction, j) == 0) return &o->d.jurisdictions[i];
    return NULL;
}

/* The effect of rule id in the outcome, or -1 when it did not apply. */
static int effect_of(const struct outcome *o, const char *id)
{
    for (size_t i = 0; i < o->d.n_jurisdictions; i++)
        for (size_t k = 0; k < o->d.jurisdictions[i].n_rules; k++)
            if (strcmp(o->d.jurisdictions[i].rules[k].rule->id, id) == 0) return (int)o->d.jurisdictions[i].rules[k].effect;
    return -1;
}

static bool applies_on(const char *id, const json_t *w, cl_date date)
{
    const char *product = json_string_value(json_object_get(w, "product"));
    const char *to = json_string_value(json_object_get(w, "to"));
    const char *end_use = json_string_value(json_object_get(w, "end_use"));
    const char *listed = json_string_value(json_object_get(w, "listed"));
    struct outcome o;
    determine(&o, product, to, date, end_use, listed, NULL, 0);
    bool applied = effect_of(&o, id) >= 0;
    cl_arena_release(&o.arena);
    return applied;
}

TEST(every_rule_around_its_effective_dates)
{
    json_t *root = NULL;
    struct cl_error e = {0};
    CHECK_INT(cl_json_load_file(CL_TEST_DATA "/rule_witnesses.json", 1 << 20, &root, &e), CL_OK);
    const json_t *ws = json_object_get(root, "witnesses");
    for (size_t i = 0; i < rs.n_rules; i++) {
        const struct cl_rule *r = &rs.rules[i];
        const json_t *w = json_object_get(ws, r->id);
        if (!w) {
            fprintf(stderr, "rule %s has no witness sale in tests/data/rule_witnesses.json\n", r->id);
            CHECK(w != NULL);
            continue;
        }
        bool before = applies_on(r->id, w, r->effective_from - 1);
        bool on = applies_on(r->id, w, r->effective_from);
        bool after = applies_on(r->id, w, r->effective_from + 1);
        if (before || !on || !after) fprintf(stderr, "rule %s around effective_from: %d %d %d\n", r->id, before, on, after);
        CHECK(!before);
        CHECK(on);
        CHECK(after);
        if (r->effective_to != CL_DATE_NONE) {
            bool last = applies_on(r->id, w, r->effective_to);
            bool gone = applies_on(r->id, w, r->effective_to + 1);
            if (!last || gone) fprintf(stderr, "rule %s around effective_to: %d %d\n", r->id, last, gone);
            CHECK(last);
            CHECK(!gone);
        }
    }
    json_decref(root);
}

TEST(headline_case)
{
    struct outcome o;
    /* H200 to DeepSeek, before the 2026 rule: presumption of denial */
    determine(&o, "H200", "CN", day("2025-11-01"), NULL, NULL, NULL, 0);
    CHECK_STR(o.d.verdict, "denial_expected");
    CHECK_INT(jur(&o, "US")->policy, CL_POLICY_DENIAL);
    CHECK_STR(jur(&o, "US")->policy_rule->id, "us-3a090-d5-denial-2023");
    cl_arena_release(&o.arena);

    /* 2026-02-01: US licence, case by case, BIS conditions, 25% tariff; CN approval with NDRC conditions pending */
    determine(&o, "H200", "CN", day("2026-02-01"), NULL, NULL, NULL, 10000000000LL);
    CHECK_STR(o.d.verdict, "required_conditions_pending");
    const struct cl_jurisdiction_result *us = jur(&o, "US"), *cn = jur(&o, "CN");
    CHECK_STR(o.d.jurisdictions[0].jurisdiction, "US"); /* the exporting side first */
    CHECK_INT(us->policy, CL_POLICY_CASE_BY_CASE);
    CHECK_STR(us->policy_rule->id, "us-case-by-case-2026-01-15");
    CHECK_INT(us->n_authorizations, 1);
    CHECK_STR(us->authorizations[0].authorization->kind, "export_licence");
    CHECK_INT(us->n_conditions, 7);
    CHECK(!us->conditions_pending);
    CHECK_INT(us->n_charges, 1);
    CHECK_INT(us->charges[0].charge->rate_ppm, 250000);
    CHECK_INT(us->charges[0].amount_cents, 2500000000LL);
    CHECK_INT(effect_of(&o, "us-3a090-d5-denial-2023"), CL_EFFECT_OVERRIDDEN);
    CHECK_INT(cn->policy, CL_POLICY_CASE_BY_CASE);
    CHECK_STR(cn->authorizations[0].authorization->kind, "purchase_approval");
    CHECK(cn->conditions_pending);
    cl_arena_release(&o.arena);

    /* B200: outside the band, presumption of denial, and the relief names why */
    determine(&o, "B200", "CN", day("2026-02-01"), NULL, NULL, NULL, 0);
    CHECK_STR(o.d.verdict, "denial_expected");
    us = jur(&o, "US");
    CHECK_INT(us->n_reliefs, 1);
    CHECK_STR(us->reliefs[0].rule->id, "us-case-by-case-2026-01-15");
    CHECK_CONTAINS(us->reliefs[0].why_not, "outside band us-2026-case-by-case");
    CHECK_CONTAINS(us->reliefs[0].why_not, "TPP 36000 < 21000: no");
    cl_arena_release(&o.arena);

    /* H200 outside the controlled groups: no licence required, with a citation */
    determine(&o, "H200", "FR", day("2026-02-01"), NULL, NULL, NULL, 0);
    CHECK_STR(o.d.verdict, "not_required");
    CHECK_INT(jur(&o, "US")->policy, CL_POLICY_NLR);
    CHECK_STR(jur(&o, "US")->policy_rule->id, "us-3a090-nlr");
    cl_arena_release(&o.arena);

    /* Israel is in D:4 and A:6: excluded from the licence requirement */
    determine(&o, "H200", "IL", day("2026-02-01"), NULL, NULL, NULL, 0);
    CHECK_STR(o.d.verdict, "not_required");
    cl_arena_release(&o.arena);
    /* the UAE is in D:4 only: licence required, presumption of approval */
    determine(&o, "H200", "AE", day("2026-02-01"), NULL, NULL, NULL, 0);
    CHECK_STR(o.d.verdict, "required");
    CHECK_INT(jur(&o, "US")->policy, CL_POLICY_APPROVE);
    cl_arena_release(&o.arena);

    /* H20: not 3A090, yet a licence is required for China from the letter's date; 15% in its period */
    determine(&o, "H20", "CN", day("2025-04-08"), NULL, NULL, NULL, 0);
    CHECK_STR(o.d.verdict, "not_required");
    cl_arena_release(&o.arena);
    determine(&o, "H20", "CN", day("2025-04-09"), NULL, NULL, NULL, 0);
    CHECK_STR(o.d.verdict, "required");
    CHECK_STR(jur(&o, "US")->policy_rule->id, "us-h20-letter-2025-04-09");
    cl_arena_release(&o.arena);
    determine(&o, "H20", "CN", day("2025-09-01"), NULL, NULL, NULL, 333);
    CHECK_INT(jur(&o, "US")->n_charges, 1);
    CHECK_INT(jur(&o, "US")->charges[0].amount_cents, 50); /* 15% of $3.33 = 49.95 cents, rounded */
    CHECK_INT(effect_of(&o, "cn-cac-h20-guidance-2025-07-31"), CL_EFFECT_INFORMATIONAL);
    cl_arena_release(&o.arena);

    /* reexports inside China stay at presumption of denial */
    determine(&o, "H200", "CN", day("2026-02-01"), NULL, NULL, "reexport", 0);
    CHECK_STR(o.d.verdict, "denial_expected");
    CHECK_CONTAINS(jur(&o, "US")->reliefs[0].why_not, "the transaction is reexport, not export");
    cl_arena_release(&o.arena);

    /* listings and end uses */
    determine(&o, "H200", "CN", day("2026-02-01"), "military", NULL, NULL, 0);
    CHECK_STR(o.d.verdict, "denial_expected");
    cl_arena_release(&o.arena);
    determine(&o, "H200", "DE", day("2026-02-01"), NULL, "sdn", NULL, 0);
    CHECK_STR(o.d.verdict, "prohibited");
    cl_arena_release(&o.arena);
}

/* Loads the real country groups with one extra rule file; returns the load result and the message in e. */
static enum cl_err load_with(const char *text, struct cl_error *e)
{
    char path[] = "/tmp/cl_rules_XXXXXX.json";
    int fd = mkstemps(path, 5);
    if (write(fd, text, strlen(text)) < 0) return CL_ERR_IO;
    close(fd);
    const char *files[] = {CL_DATA_DIR "/rules/country_groups.json", path};
    struct cl_ruleset tmp;
    cl_error_clear(e);
    enum cl_err rc = cl_ruleset_load_files(files, 2, &cls, &tmp, e);
    if (!rc) cl_ruleset_release(&tmp);
    unlink(path);
    return rc;
}

#define RULE_HEAD "{\"jurisdiction\": \"US\", \"rules\": ["
#define RULE(id, extra)                                                                                            \
    "{\"id\": \"" id "\", \"title\": \"t\", \"kind\": \"regulation\", \"citation\": \"c\", \"effective_from\": "  \
    "\"2026-01-01\", \"criteria\": {\"eccn\": [\"3A090\"]}, \"outcome\": {\"review_policy\": \"approve\"}" extra "}"

TEST(malformed_rule_files)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {RULE_HEAD RULE("a", ", \"colour\": 1") "]}", "$.rules[0].colour: unknown field"},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-02-30\", "
                   "\"criteria\": {\"eccn\": [\"3A090\"]}, \"outcome\": {\"review_policy\": \"approve\"}}]}",
         "$.rules[0].effective_from: \"2026-02-30\" is not a valid date"},
        {RULE_HEAD RULE("a", ", \"effective_to\": \"2025-12-31\"") "]}",
         "$.rules[0].effective_to: 2025-12-31 is before effective_from 2026-01-01 (empty date range)"},
        {RULE_HEAD RULE("a", "") ", {\"id\": \"b\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", "
                   "\"effective_from\": \"2026-06-01\", \"criteria\": {\"eccn\": [\"3A090\"]}, \"outcome\": "
                   "{\"review_policy\": \"presumption_of_denial\"}}]}",
         "rule \"b\" contradicts \"a\""},
        {RULE_HEAD RULE("a", "") "," RULE("a", "") "]}", "rule id \"a\" is already used"},
        {RULE_HEAD RULE("a", ", \"overrides\": [\"zz\"]") "]}", "rule \"a\": overrides unknown rule \"zz\""},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {\"destination\": {\"groups\": [\"Z:9\"]}}, \"outcome\": {\"review_policy\": \"approve\"}}]}",
         "unknown country group \"Z:9\""},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {\"destination\": {\"countries\": [\"China\"]}}, \"outcome\": {\"review_policy\": \"approve\"}}]}",
         "$.rules[0].criteria.destination.countries[0]: \"China\" is not an ISO 3166 alpha-2"},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {\"eccn\": [\"3A090\"]}, \"outcome\": {\"review_policy\": \"maybe\"}}]}",
         "$.rules[0].outcome.review_policy: \"maybe\" is not one of"},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {\"eccn\": [\"3A090\"]}, \"outcome\": {\"charges\": [{\"id\": \"x\", \"kind\": \"tariff\", "
                   "\"rate\": \"125%\", \"base\": \"transaction_value\", \"collector\": \"CBP\"}]}}]}",
         "$.rules[0].outcome.charges[0].rate: \"125%\" is not a rate"},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {\"any_of\": [{\"any_of\": [{\"eccn\": [\"3A090\"]}, {\"eccn\": [\"none\"]}]}, {\"eccn\": [\"none\"]}]}, "
                   "\"outcome\": {\"review_policy\": \"approve\"}}]}",
         "$.rules[0].criteria.any_of[0].any_of: alternatives may not nest"},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {}, \"outcome\": {\"review_policy\": \"approve\"}}]}",
         "$.rules[0].criteria: empty criteria would match every sale"},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {\"eccn\": [\"3A090\"]}, \"outcome\": {}}]}",
         "$.rules[0].outcome: a binding rule needs"},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {\"bands\": [\"no-such-band\"]}, \"outcome\": {\"review_policy\": \"approve\"}}]}",
         "unknown band \"no-such-band\""},
        {RULE_HEAD "{\"id\": \"a\", \"title\": \"t\", \"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-01-01\", "
                   "\"criteria\": {\"tpp\": {\"min\": 5, \"below\": 5}}, \"outcome\": {\"review_policy\": \"approve\"}}]}",
         "$.rules[0].criteria.tpp: empty range"},
        {RULE_HEAD RULE("a", "") "]", ":1:"}, /* JSON syntax error, with line and column */
        {"{\"rules\": []}", "$.jurisdiction: missing field"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cl_error e = {0};
        enum cl_err rc = load_with(cases[i].text, &e);
        CHECK_INT(rc, CL_ERR_INPUT);
        CHECK_CONTAINS(e.msg, cases[i].want);
        CHECK_CONTAINS(e.msg, "/tmp/cl_rules_");
    }
    /* the same two rules with separate dates, or with an override, are not a contradiction */
    struct cl_error e = {0};
    CHECK_INT(load_with(RULE_HEAD RULE("a", ", \"effective_to\": \"2026-05-31\"") ", {\"id\": \"b\", \"title\": \"t\", "
                        "\"kind\": \"k\", \"citation\": \"c\", \"effective_from\": \"2026-06-01\", \"criteria\": "
                        "{\"eccn\": [\"3A090\"]}, \"outcome\": {\"review_policy\": \"presumption_of_denial\"}}]}",
                        &e),
              CL_OK);
    CHECK_INT(load_with(RULE_HEAD RULE("a", "") ", {\"id\": \"b\", \"title\": \"t\", \"kind\": \"k\", \"citation\": "
                        "\"c\", \"effective_from\": \"2026-06-01\", \"criteria\": {\"eccn\": [\"3A090\"]}, \"outcome\": "
                        "{\"review_policy\": \"presumption_of_denial\"}, \"overrides\": [\"a\"]}]}",
                        &e),
              CL_OK);
}

TEST(policy_names_round_trip)
{
    enum cl_policy p;
    CHECK(cl_policy_parse("case_by_case", &p));
    CHECK_INT(p, CL_POLICY_CASE_BY_CASE);
    CHECK(!cl_policy_parse("none", &p));
    CHECK(CL_POLICY_PROHIBITED > CL_POLICY_DENIAL);
    CHECK(CL_POLICY_DENIAL > CL_POLICY_CASE_BY_CASE);
    CHECK(CL_POLICY_CASE_BY_CASE > CL_POLICY_APPROVE);
    CHECK(CL_POLICY_APPROVE > CL_POLICY_NLR);
}

int main(void)
{
    struct cl_error e = {0};
    if (cl_catalog_load(CL_DATA_DIR "/chips.json", &cat, &e) ||
        cl_classifier_load(CL_DATA_DIR "/classification.json", &cls, &e) ||
        cl_ruleset_load_dir(CL_DATA_DIR "/rules", &cls, &rs, &e)) {
        fprintf(stderr, "cannot load data: %s\n", e.msg);
        return 1;
    }
    RUN(every_rule_around_its_effective_dates);
    RUN(headline_case);
    RUN(malformed_rule_files);
    RUN(policy_names_round_trip);
    cl_ruleset_release(&rs);
    cl_catalog_release(&cat);
    cl_classifier_release(&cls);
    return TEST_EXIT();
}
