/* CLI commands over the rules engine: determine, rules check, rules at. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/rules.h"
#include "cli.h"

/* The classifier, catalog and rule set a determination needs, loaded from the data folder (or --rules DIR). */
struct rules_env {
    struct cl_catalog catalog;
    struct cl_classifier classifier;
    struct cl_ruleset rules;
    int loaded; /* how many of the three are loaded, for release */
};

static void env_release(struct rules_env *env)
{
    if (env->loaded > 2) cl_ruleset_release(&env->rules);
    if (env->loaded > 1) cl_classifier_release(&env->classifier);
    if (env->loaded > 0) cl_catalog_release(&env->catalog);
    env->loaded = 0;
}

static enum cl_err env_load(const struct cli *cli, const char *rules_dir, struct rules_env *env, struct cl_error *err)
{
    char path[PATH_MAX];
    memset(env, 0, sizeof(*env));
    cli_data_path(cli, "chips.json", path, sizeof(path));
    enum cl_err rc = cl_catalog_load(path, &env->catalog, err);
    if (rc) return rc;
    env->loaded = 1;
    cli_data_path(cli, "classification.json", path, sizeof(path));
    rc = cl_classifier_load(path, &env->classifier, err);
    if (rc) goto fail;
    env->loaded = 2;
    if (!rules_dir) {
        cli_data_path(cli, "rules", path, sizeof(path));
        rules_dir = path;
    }
    rc = cl_ruleset_load_dir(rules_dir, &env->classifier, &env->rules, err);
    if (rc) goto fail;
    env->loaded = 3;
    return CL_OK;
fail:
    env_release(env);
    return rc;
}

/* Upper-cases a two-letter country code option in place; usage error when it is not one. */
static enum cl_err country_opt(const char *name, const char *value, char out[3], struct cl_error *err)
{
    if (!value) return CL_OK;
    if (strlen(value) != 2 || !isalpha((unsigned char)value[0]) || !isalpha((unsigned char)value[1]))
        return cl_error_set(err, CL_ERR_USAGE, "--%s: \"%s\" is not a two-letter country code (ISO 3166, e.g. CN)", name,
                            value);
    out[0] = (char)toupper((unsigned char)value[0]);
    out[1] = (char)toupper((unsigned char)value[1]);
    out[2] = '\0';
    return CL_OK;
}

static void print_rule_line(const char *label, const struct cl_rule *r)
{
    printf("    %-13s %-34s %s\n", label, r->id, r->citation);
}

static void print_determination(const struct cl_determination *d)
{
    const struct cl_sale *s = d->sale;
    const struct cl_classification *c = s->classification;
    char date[CL_DATE_TEXT_BYTES], tpp[32];
    cl_date_format(s->date, date);
    cl_milli_format(c->metrics.tpp_milli, 2, tpp);
    printf("%s to %s on %s", c->chip->name, s->destination, date);
    if (s->buyer) printf(", buyer %s", s->buyer);
    if (s->headquarters) printf(" (headquartered in %s)", s->headquarters);
    if (s->end_use) printf(", end use %s", s->end_use);
    if (s->transaction && strcmp(s->transaction, "export")) printf(", %s", s->transaction);
    printf("\n  product   %s, TPP %s", c->eccn ? c->eccn : "not 3A090", tpp);
    for (size_t i = 0; i < c->n_bands; i++)
        printf(", %s band %s", c->bands[i].inside ? "inside" : "outside", c->bands[i].band->id);
    printf("\n  verdict   %s: %s\n", d->verdict, d->summary);
    for (size_t j = 0; j < d->n_jurisdictions; j++) {
        const struct cl_jurisdiction_result *jr = &d->jurisdictions[j];
        printf("\n%s\n", jr->summary);
        if (jr->policy_rule)
            printf("  review policy: %s, by %s\n    %s\n", cl_policy_text(jr->policy), jr->policy_rule->id,
                   jr->policy_rule->citation);
        if (jr->n_authorizations) printf("  authorizations required:\n");
        for (size_t k = 0; k < jr->n_authorizations; k++)
            printf("    %s issued by %s  [%s: %s]\n", jr->authorizations[k].authorization->kind,
                   jr->authorizations[k].authorization->issuer, jr->authorizations[k].rule->id,
                   jr->authorizations[k].rule->citation);
        if (jr->n_conditions) printf("  conditions:\n");
        for (size_t k = 0; k < jr->n_conditions; k++) {
            const struct cl_condition_due *cd = &jr->conditions[k];
            printf("    %-26s %s%s  [%s]\n", cd->condition->id, cd->condition->final ? "" : "(not final) ",
                   cd->condition->text, cd->rule->id);
        }
        if (jr->n_charges) printf("  charges:\n");
        for (size_t k = 0; k < jr->n_charges; k++) {
            const struct cl_charge_due *ch = &jr->charges[k];
            char rate[16], amount[CL_MONEY_TEXT_BYTES];
            cl_rate_format(ch->charge->rate_ppm, rate);
            printf("    %s %s of the %s, to %s", rate, ch->charge->kind, ch->charge->base, ch->charge->collector);
            if (s->value_cents) {
                cl_money_format(ch->amount_cents, true, amount);
                printf(": USD %s", amount);
            }
            printf("  [%s: %s]\n", ch->rule->id, ch->rule->citation);
        }
        printf("  rules in force that apply:\n");
        if (!jr->n_rules) printf("    (none)\n");
        for (size_t k = 0; k < jr->n_rules; k++) {
            const struct cl_applied_rule *ar = &jr->rules[k];
            char label[64];
            if (ar->effect == CL_EFFECT_OVERRIDDEN) snprintf(label, sizeof(label), "overridden");
            else if (ar->effect == CL_EFFECT_INFORMATIONAL) snprintf(label, sizeof(label), "for information");
            else snprintf(label, sizeof(label), "applied");
            print_rule_line(label, ar->rule);
            if (ar->overridden_by) printf("%20s by %s\n", "", ar->overridden_by->id);
            if (!ar->rule->confirmed) printf("%20s (unconfirmed: no official text)\n", "");
        }
        for (size_t k = 0; k < jr->n_reliefs; k++) {
            if (k == 0) printf("  what would change it:\n");
            printf("    %s would give %s, but does not apply: %s\n", jr->reliefs[k].rule->id,
                   cl_policy_text(jr->reliefs[k].rule->policy), jr->reliefs[k].why_not);
        }
    }
    printf("\nHow rules combine: %s\n", d->combination);
}

static int run_determine(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    const char *product = cli_opt(cmd, args, "product"), *spec = cli_opt(cmd, args, "spec");
    const char *to = cli_opt(cmd, args, "to");
    if (!product && !spec) return cli_usage_error(cli, cmd, "--product P (or --spec FILE) is required");
    if (product && spec) return cli_usage_error(cli, cmd, "give --product or --spec, not both");
    if (!to) return cli_usage_error(cli, cmd, "--to CC (destination country) is required");
    struct cl_sale sale = {.date = cl_date_today()};
    char dest[3], from[3] = "US", hq[3];
    const char *v;
    if (country_opt("to", to, dest, &err) || country_opt("from", cli_opt(cmd, args, "from"), from, &err) ||
        country_opt("headquarters", cli_opt(cmd, args, "headquarters"), hq, &err))
        return cli_usage_error(cli, cmd, "%s", err.msg);
    sale.destination = dest;
    sale.exported_from = from;
    sale.headquarters = cli_opt(cmd, args, "headquarters") ? hq : NULL;
    sale.buyer = cli_opt(cmd, args, "buyer");
    sale.end_use = cli_opt(cmd, args, "end-use");
    sale.transaction = cli_opt(cmd, args, "transaction");
    if (sale.transaction && strcmp(sale.transaction, "export") && strcmp(sale.transaction, "reexport") &&
        strcmp(sale.transaction, "in_country_transfer"))
        return cli_usage_error(cli, cmd, "--transaction: \"%s\" is not export, reexport or in_country_transfer",
                               sale.transaction);
    if ((v = cli_opt(cmd, args, "date")) && cli_parse_date("--date", v, &sale.date, &err))
        return cli_usage_error(cli, cmd, "%s", err.msg);
    if ((v = cli_opt(cmd, args, "quantity"))) {
        char *end;
        long long q = strtoll(v, &end, 10);
        if (*end || q <= 0) return cli_usage_error(cli, cmd, "--quantity: \"%s\" is not a positive whole number", v);
        sale.quantity = q;
    }
    if ((v = cli_opt(cmd, args, "value")) && cl_money_parse(v, strlen(v), &sale.value_cents))
        return cli_usage_error(cli, cmd, "--value: \"%s\" is not an amount in US dollars (e.g. 1250000 or 1,250,000.50)", v);
    char lists[256];
    if ((v = cli_opt(cmd, args, "listed"))) {
        if (!cl_strlcpy(lists, v, sizeof(lists))) return cli_usage_error(cli, cmd, "--listed: too long");
        for (char *tok = strtok(lists, ","); tok; tok = strtok(NULL, ",")) {
            if (sale.n_listed_on == CL_SALE_MAX_LISTS) return cli_usage_error(cli, cmd, "--listed: too many lists");
            sale.listed_on[sale.n_listed_on++] = tok;
        }
    }

    struct rules_env env;
    if (env_load(cli, cli_opt(cmd, args, "rules"), &env, &err)) return cli_fail(cli, &err);
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    int status = CLI_EXIT_OK;
    struct cl_chip spec_chip;
    const struct cl_chip *chip = NULL;
    if (spec) {
        if (cl_chip_load_spec(spec, &arena, &spec_chip, &err)) goto fail;
        chip = &spec_chip;
    } else if (!(chip = cl_catalog_find(&env.catalog, product))) {
        cl_error_set(&err, CL_ERR_NOT_FOUND,
                     "--product: no chip \"%s\" in the catalog (see 'clearance chips', or describe it with --spec FILE)",
                     product);
        goto fail;
    }
    struct cl_classification cls;
    cl_classify(&env.classifier, chip, sale.date, &cls);
    sale.classification = &cls;
    struct cl_determination det;
    if (cl_determine(&env.rules, &sale, &arena, &det, &err)) goto fail;
    if (cli->json) {
        json_t *j = cl_determination_to_json(&det);
        json_object_set_new(j, "ruleset_digest", json_string(env.rules.digest));
        status = cli_print_json(j);
    } else {
        print_determination(&det);
    }
    goto out;
fail:
    status = cli_fail(cli, &err);
out:
    cl_arena_release(&arena);
    env_release(&env);
    return status;
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
        if (cli->json) {
            json_t *o = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", cl_err_name(err.code), "message", err.msg);
            cli_print_json(o);
        }
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

static int run_rules_at(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    cl_date date;
    if (cli_parse_date("DATE", args->pos[0], &date, &err)) return cli_usage_error(cli, cmd, "%s", err.msg);
    struct rules_env env;
    if (env_load(cli, cli_opt(cmd, args, "rules"), &env, &err)) return cli_fail(cli, &err);
    const char *jur = cli_opt(cmd, args, "jurisdiction");
    int status = CLI_EXIT_OK;
    json_t *arr = json_array();
    size_t shown = 0;
    for (size_t i = 0; i < env.rules.n_rules; i++) {
        const struct cl_rule *r = &env.rules.rules[i];
        if (!cl_rule_in_force(r, date) || (jur && strcasecmp(jur, r->jurisdiction) != 0)) continue;
        shown++;
        if (cli->json) {
            json_array_append_new(arr, cl_rule_to_json(r));
            continue;
        }
        char from[CL_DATE_TEXT_BYTES], to[CL_DATE_TEXT_BYTES];
        cl_date_format(r->effective_from, from);
        cl_date_format(r->effective_to, to);
        printf("%-2s %-34s %-10s %s..%s  %s%s\n     %s\n     %s\n", r->jurisdiction, r->id, r->kind, from,
               to[0] ? to : "", r->policy ? cl_policy_id(r->policy) : "-", r->binding ? "" : " (not binding)", r->title,
               r->citation);
    }
    if (cli->json) status = cli_print_json(arr);
    else {
        json_decref(arr);
        printf("%zu rule%s in force on %s (rule set %.16s)\n", shown, shown == 1 ? "" : "s", args->pos[0],
               env.rules.digest);
    }
    env_release(&env);
    return status;
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
