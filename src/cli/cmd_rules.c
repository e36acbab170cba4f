/* CLI commands over the rules engine: determine, rules check, rules at. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/json.h"
#include "clearance/rules.h"
#include "cli.h"

static enum cl_err local_determine(struct cli *cli, const json_t *req, json_t **out, struct cl_error *err)
{
    const struct cl_reference *ref = cli_reference(cli, err);
    return ref ? cl_reference_determine(ref, req, out, err) : err->code;
}

static enum cl_err local_rules_at(struct cli *cli, const json_t *req, json_t **out, struct cl_error *err)
{
    const struct cl_reference *ref = cli_reference(cli, err);
    return ref ? cl_reference_rules_at(ref, req, out, err) : err->code;
}

static void render_determination(const json_t *d)
{
    const json_t *s = json_object_get(d, "sale"), *c = json_object_get(d, "classification");
    char n[32];
    printf("%s to %s on %s", jstr(s, "product"), jstr(s, "destination"), jstr(d, "date"));
    if (json_is_string(json_object_get(s, "buyer"))) printf(", buyer %s", jstr(s, "buyer"));
    if (json_is_string(json_object_get(s, "headquarters"))) printf(" (headquartered in %s)", jstr(s, "headquarters"));
    if (json_is_string(json_object_get(s, "end_use"))) printf(", end use %s", jstr(s, "end_use"));
    if (strcmp(jstr(s, "transaction"), "export")) printf(", %s", jstr(s, "transaction"));
    printf("\n  product   %s, TPP %s", json_is_string(json_object_get(c, "eccn")) ? jstr(c, "eccn") : "not 3A090",
           jnumk(c, "tpp", n));
    const json_t *bands = json_object_get(c, "bands");
    for (size_t i = 0; i < json_array_size(bands); i++)
        printf(", %s band %s", jbool(json_array_get(bands, i), "inside") ? "inside" : "outside",
               jstr(json_array_get(bands, i), "id"));
    printf("\n  verdict   %s: %s\n", jstr(d, "verdict"), jstr(d, "summary"));
    const json_t *jurs = json_object_get(d, "jurisdictions");
    for (size_t j = 0; j < json_array_size(jurs); j++) {
        const json_t *jr = json_array_get(jurs, j);
        printf("\n%s\n", jstr(jr, "summary"));
        const char *by = jstr(jr, "decided_by");
        const json_t *rules = json_object_get(jr, "rules");
        if (*by) {
            for (size_t k = 0; k < json_array_size(rules); k++)
                if (strcmp(jstr(json_array_get(rules, k), "id"), by) == 0)
                    printf("  review policy: %s, by %s\n    %s\n", jstr(jr, "review_policy_text"), by,
                           jstr(json_array_get(rules, k), "citation"));
        }
        const json_t *auths = json_object_get(jr, "authorizations");
        if (json_array_size(auths)) printf("  authorizations required:\n");
        for (size_t k = 0; k < json_array_size(auths); k++) {
            const json_t *a = json_array_get(auths, k);
            printf("    %s issued by %s  [%s: %s]\n", jstr(a, "kind"), jstr(a, "issuer"), jstr(a, "rule"),
                   jstr(a, "citation"));
        }
        const json_t *conds = json_object_get(jr, "conditions");
        if (json_array_size(conds)) printf("  conditions:\n");
        for (size_t k = 0; k < json_array_size(conds); k++) {
            const json_t *x = json_array_get(conds, k);
            printf("    %-26s %s%s  [%s]\n", jstr(x, "id"), jbool(x, "final") ? "" : "(not final) ", jstr(x, "text"),
                   jstr(x, "rule"));
        }
        const json_t *charges = json_object_get(jr, "charges");
        if (json_array_size(charges)) printf("  charges:\n");
        for (size_t k = 0; k < json_array_size(charges); k++) {
            const json_t *x = json_array_get(charges, k);
            printf("    %s %s of the %s, to %s", jstr(x, "rate"), jstr(x, "kind"), jstr(x, "base"), jstr(x, "collector"));
            if (json_is_string(json_object_get(x, "amount_usd"))) printf(": USD %s", jstr(x, "amount_usd"));
            printf("  [%s: %s]\n", jstr(x, "rule"), jstr(x, "citation"));
        }
        printf("  rules in force that apply:\n");
        if (!json_array_size(rules)) printf("    (none)\n");
        for (size_t k = 0; k < json_array_size(rules); k++) {
            const json_t *r = json_array_get(rules, k);
            const char *effect = jstr(r, "effect");
            printf("    %-15s %-34s %s\n", strcmp(effect, "informational") ? effect : "for information",
                   jstr(r, "id"), jstr(r, "citation"));
            if (json_is_string(json_object_get(r, "overridden_by")))
                printf("%20s by %s\n", "", jstr(r, "overridden_by"));
            if (!jbool(r, "confirmed")) printf("%20s (unconfirmed: no official text)\n", "");
        }
        const json_t *reliefs = json_object_get(jr, "what_would_change_it");
        for (size_t k = 0; k < json_array_size(reliefs); k++) {
            const json_t *x = json_array_get(reliefs, k);
            if (k == 0) printf("  what would change it:\n");
            printf("    %s would give %s, but does not apply: %s\n", jstr(x, "rule"), jstr(x, "would_give"),
                   jstr(x, "does_not_apply_because"));
        }
    }
    printf("\nHow rules combine: %s\n", jstr(d, "combination"));
}

static int run_determine(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    const char *spec = cli_opt(cmd, args, "spec");
    if (!cli_opt(cmd, args, "product") && !spec) return cli_usage_error(cli, cmd, "--product P (or --spec FILE) is required");
    if (!cli_opt(cmd, args, "to")) return cli_usage_error(cli, cmd, "--to CC (destination country) is required");
    cli->rules_dir = cli_opt(cmd, args, "rules");
    json_t *req = json_object();
    static const char *const text_opts[][2] = {{"product", "product"}, {"to", "to"}, {"from", "from"},
                                               {"headquarters", "headquarters"}, {"buyer", "buyer"},
                                               {"end-use", "end_use"}, {"transaction", "transaction"},
                                               {"value", "value_usd"}, {"date", "date"}};
    for (size_t i = 0; i < sizeof(text_opts) / sizeof(text_opts[0]); i++) {
        const char *v = cli_opt(cmd, args, text_opts[i][0]);
        if (v) json_object_set_new(req, text_opts[i][1], json_string(v));
    }
    const char *v;
    if ((v = cli_opt(cmd, args, "quantity"))) {
        char *end;
        long long q = strtoll(v, &end, 10);
        if (*end || q <= 0) {
            json_decref(req);
            return cli_usage_error(cli, cmd, "--quantity: \"%s\" is not a positive whole number", v);
        }
        json_object_set_new(req, "quantity", json_integer(q));
    }
    if ((v = cli_opt(cmd, args, "listed"))) {
        json_t *lists = json_array();
        char buf[256];
        cl_strlcpy(buf, v, sizeof(buf));
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) json_array_append_new(lists, json_string(tok));
        json_object_set_new(req, "listed_on", lists);
    }
    if (spec) {
        int status = cli_request_spec(cli, req, spec);
        if (status) {
            json_decref(req);
            return status;
        }
        json_object_del(req, "product");
    }
    return cli_request(cli, "POST", "/v1/determine", req, local_determine, render_determination);
}

static int run_rules_check(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    struct cl_error err = {0};
    struct cl_classifier classifier;
    char path[PATH_MAX];
    cli_data_path(cli, "classification.json", path, sizeof(path));
    if (cl_classifier_load(path, &classifier, &err)) return cli_fail(cli, &err);
    struct cl_ruleset rs;
    int status = CLI_EXIT_OK;
    if (cl_ruleset_load_files((const char *const *)args->pos, (size_t)args->npos, &classifier, &rs, &err)) {
        if (cli->json)
            cli_print_json(json_pack("{s:b, s:s, s:s}", "ok", 0, "error", cl_err_name(err.code), "message", err.msg));
        status = cli_fail(cli, &err);
    } else {
        if (cli->json)
            status = cli_print_json(json_pack("{s:b, s:i, s:i, s:i, s:s}", "ok", 1, "files", args->npos, "rules",
                                              (json_int_t)rs.n_rules, "country_groups", (json_int_t)rs.n_groups,
                                              "digest", rs.digest));
        else
            printf("ok: %zu rules and %zu country groups in %d file%s (digest %.16s)\n", rs.n_rules, rs.n_groups,
                   args->npos, args->npos == 1 ? "" : "s", rs.digest);
        cl_ruleset_release(&rs);
    }
    cl_classifier_release(&classifier);
    return status;
}

static void render_rules_at(const json_t *doc)
{
    const json_t *rules = json_object_get(doc, "rules");
    for (size_t i = 0; i < json_array_size(rules); i++) {
        const json_t *r = json_array_get(rules, i);
        printf("%-2s %-34s %-12s %s..%s  %s%s\n     %s\n     %s\n", jstr(r, "jurisdiction"), jstr(r, "id"),
               jstr(r, "kind"), jstr(r, "effective_from"), jstr(r, "effective_to"),
               json_is_string(json_object_get(r, "review_policy")) ? jstr(r, "review_policy") : "-",
               jbool(r, "binding") ? "" : " (not binding)", jstr(r, "title"), jstr(r, "citation"));
    }
    size_t n = json_array_size(rules);
    printf("%zu rule%s in force on %s (rule set %.16s)\n", n, n == 1 ? "" : "s", jstr(doc, "date"),
           jstr(doc, "ruleset_digest"));
}

static int run_rules_at(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    cli->rules_dir = cli_opt(cmd, args, "rules");
    json_t *req = json_pack("{s:s}", "date", args->pos[0]);
    const char *jur = cli_opt(cmd, args, "jurisdiction");
    if (jur) json_object_set_new(req, "jurisdiction", json_string(jur));
    return cli_request(cli, "POST", "/v1/rules/at", req, local_rules_at, render_rules_at);
}

static const struct cli_opt determine_opts[] = {
    {"product", "P", "the product: a catalog chip name (see 'clearance chips')"},
    {"spec", "FILE", "or: a chip described in a spec file"},
    {"to", "CC", "destination country (ISO 3166 alpha-2)"},
    {"from", "CC", "country exported from (default US)"},
    {"quantity", "N", "units"},
    {"value", "USD", "transaction value in US dollars, to compute tariffs and revenue shares"},
    {"buyer", "NAME", "the buyer"},
    {"headquarters", "CC", "the buyer's headquarters or ultimate parent country"},
    {"end-use", "TEXT", "declared end use: civil, military, wmd, intelligence, cloud_iaas, state_funded_data_centre"},
    {"listed", "LIST,...", "lists a party is on: entity_list, meu_list, denied_persons, sdn"},
    {"transaction", "T", "export (default), reexport or in_country_transfer"},
    {"date", "D", "the date of the sale (default today)"},
    {"rules", "DIR", "another rules folder (what-if), instead of the data folder's rules/"},
    {NULL, NULL, NULL},
};
static const struct cli_opt at_opts[] = {
    {"rules", "DIR", "another rules folder instead of the data folder's rules/"},
    {"jurisdiction", "J", "only this jurisdiction (US, CN)"},
    {NULL, NULL, NULL},
};
static const struct cli_opt no_opts[] = {{NULL, NULL, NULL}};

const struct cli_cmd cli_cmds_rules[] = {
    {"determine",
     "--product P --to CC [--quantity N] [--value USD] [--buyer NAME] [--headquarters CC] [--end-use TEXT] "
     "[--date D] [--rules DIR] [--json]",
     "Determine what a sale needs on each side: authorizations, review policy, conditions, charges, citations.",
     determine_opts, 0, 0, run_determine,
     "Exit status 0 whatever the verdict: the verdict is in the output (\"verdict\" in --json)."},
    {"rules check", "FILE...", "Check rule files: unknown fields, bad dates, empty ranges, contradictions.", no_opts,
     1, -1, run_rules_check, "Checks the files as one set (country groups included): pass every file of a folder."},
    {"rules at", "DATE [--jurisdiction J] [--rules DIR]", "List the rules in force on a date.", at_opts, 1, 1,
     run_rules_at, NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
