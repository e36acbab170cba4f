/* CLI commands over the chip catalog: classify, compare, chips. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/catalog.h"
#include "cli.h"

/* Loads the catalog and classification definitions from the data folder. */
static enum cl_err load_catalog(const struct cli *cli, struct cl_catalog *cat, struct cl_classifier *cls,
                                struct cl_error *err)
{
    char path[PATH_MAX];
    cli_data_path(cli, "chips.json", path, sizeof(path));
    enum cl_err rc = cl_catalog_load(path, cat, err);
    if (rc || !cls) return rc;
    cli_data_path(cli, "classification.json", path, sizeof(path));
    rc = cl_classifier_load(path, cls, err);
    if (rc) cl_catalog_release(cat);
    return rc;
}

static void print_metrics(const struct cl_chip *chip, const struct cl_chip_metrics *m)
{
    char tpp[32], v[32];
    cl_milli_format(m->tpp_milli, 2, tpp);
    for (size_t i = 0; i < chip->n_prec; i++)
        if (chip->prec[i].name == m->tpp_precision) {
            cl_milli_format(chip->prec[i].dense_tops_milli, 3, v);
            printf("  TPP     %s  (%s: %s dense TOPS x %d bits)\n", tpp, chip->prec[i].name, v, chip->prec[i].bits);
        }
    if (m->pd_known) {
        char pd[32], area[32];
        cl_milli_format(m->pd_milli, 2, pd);
        cl_milli_format(chip->die_area_mm2_milli, 2, area);
        printf("  PD      %s  (TPP / %s mm^2 of logic die)\n", pd, area);
    } else {
        printf("  PD      unknown (no die area)\n");
    }
    char mem[32], bw[32];
    cl_milli_format(chip->memory_gb_milli, 1, mem);
    cl_milli_format(chip->memory_bandwidth_gbps_milli, 0, bw);
    printf("  memory  %s GB at %s GB/s; designed for data centres: %s\n",
           chip->memory_gb_milli ? mem : "?", chip->memory_bandwidth_gbps_milli ? bw : "?",
           chip->data_center ? "yes" : "no");
}

static int run_classify(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    const char *spec = cli_opt(cmd, args, "spec");
    if (!spec && args->npos != 1) return cli_usage_error(cli, cmd, "name a chip or give --spec FILE");
    if (spec && args->npos) return cli_usage_error(cli, cmd, "give either a chip name or --spec FILE, not both");
    cl_date date = cl_date_today();
    const char *d = cli_opt(cmd, args, "date");
    if (d && cli_parse_date("--date", d, &date, &err)) return cli_fail(cli, &err);

    struct cl_catalog cat;
    struct cl_classifier cls;
    struct cl_arena arena;
    struct cl_chip spec_chip;
    cl_arena_init(&arena, 0);
    if (load_catalog(cli, &cat, &cls, &err)) return cli_fail(cli, &err);
    int status = CLI_EXIT_OK;
    const struct cl_chip *chip = NULL;
    if (spec) {
        if (cl_chip_load_spec(spec, &arena, &spec_chip, &err)) {
            status = cli_fail(cli, &err);
            goto out;
        }
        chip = &spec_chip;
    } else {
        chip = cl_catalog_find(&cat, args->pos[0]);
        if (!chip) {
            cl_error_set(&err, CL_ERR_NOT_FOUND,
                         "no chip \"%s\" in the catalog (see 'clearance chips'; classify others with --spec FILE)",
                         args->pos[0]);
            status = cli_fail(cli, &err);
            goto out;
        }
    }
    struct cl_classification c;
    cl_classify(&cls, chip, date, &c);
    if (cli->json) {
        status = cli_print_json(cl_classification_to_json(&c));
        goto out;
    }
    char ds[CL_DATE_TEXT_BYTES];
    cl_date_format(date, ds);
    printf("%s%s%s%s, on %s\n", chip->name, chip->vendor ? " (" : "", chip->vendor ? chip->vendor : "",
           chip->vendor ? ")" : "", ds);
    print_metrics(chip, &c.metrics);
    if (!c.regime) {
        printf("  no classification regime is in force on %s\n", ds);
        goto out;
    }
    printf("  rule    %s: %s\n", c.regime->id, c.regime->citation);
    if (c.eccn)
        printf("  ECCN    %s, by clause %s\n", c.eccn, c.matched_clause);
    else if (c.excluded_non_data_center)
        printf("  ECCN    not 3A090: %s\n", c.matched_clause);
    else
        printf("  ECCN    not 3A090: no clause matched\n");
    printf("  clauses:\n");
    for (size_t i = 0; i < c.n_clauses; i++)
        printf("    %-10s %-7s  %s\n", c.clauses[i].clause->id,
               c.clauses[i].matched ? "matched" : (c.clauses[i].indeterminate ? "unknown" : "no"), c.clauses[i].detail);
    for (size_t i = 0; i < c.n_bands; i++)
        printf("  band    %s: %s (%s)\n          %s\n", c.bands[i].band->id, c.bands[i].inside ? "inside" : "outside",
               c.bands[i].band->text, c.bands[i].detail);
    if (!chip->confirmed)
        printf("  note    some figures for %s are unconfirmed%s%s\n", chip->name, chip->notes ? ": " : "",
               chip->notes ? chip->notes : "");
out:
    cl_classifier_release(&cls);
    cl_catalog_release(&cat);
    cl_arena_release(&arena);
    return status;
}

static int run_compare(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    struct cl_error err = {0};
    struct cl_catalog cat;
    if (load_catalog(cli, &cat, NULL, &err)) return cli_fail(cli, &err);
    int status = CLI_EXIT_OK;
    const struct cl_chip *a = cl_catalog_find(&cat, args->pos[0]);
    const struct cl_chip *b = cl_catalog_find(&cat, args->pos[1]);
    if (!a || !b) {
        cl_error_set(&err, CL_ERR_NOT_FOUND, "no chip \"%s\" in the catalog (see 'clearance chips')",
                     !a ? args->pos[0] : args->pos[1]);
        status = cli_fail(cli, &err);
        goto out;
    }
    struct cl_comparison c;
    cl_chip_compare(a, b, &c);
    if (cli->json) {
        status = cli_print_json(cl_comparison_to_json(&c));
        goto out;
    }
    char r1[32], r2[32], r3[32];
    cl_milli_format(c.tpp_ratio_milli, 1, r1);
    cl_milli_format(c.bandwidth_ratio_milli, 1, r2);
    cl_milli_format(c.memory_ratio_milli, 1, r3);
    printf("%s / %s: %sx TPP, %sx bandwidth, %sx memory\n", a->name, b->name, r1,
           c.bandwidth_ratio_milli ? r2 : "?", c.memory_ratio_milli ? r3 : "?");
    char ta[32], tb[32];
    cl_milli_format(c.ma.tpp_milli, 2, ta);
    cl_milli_format(c.mb.tpp_milli, 2, tb);
    printf("  TPP        %s vs %s\n", ta, tb);
    cl_milli_format(a->memory_bandwidth_gbps_milli, 0, ta);
    cl_milli_format(b->memory_bandwidth_gbps_milli, 0, tb);
    printf("  bandwidth  %s GB/s vs %s GB/s\n", ta, tb);
    cl_milli_format(a->memory_gb_milli, 1, ta);
    cl_milli_format(b->memory_gb_milli, 1, tb);
    printf("  memory     %s GB vs %s GB\n", ta, tb);
out:
    cl_catalog_release(&cat);
    return status;
}

static int run_chips(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    (void)args;
    struct cl_error err = {0};
    struct cl_catalog cat;
    if (load_catalog(cli, &cat, NULL, &err)) return cli_fail(cli, &err);
    int status = CLI_EXIT_OK;
    if (cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < cat.n_chips; i++) json_array_append_new(arr, cl_chip_to_json(&cat.chips[i]));
        status = cli_print_json(arr);
    } else {
        printf("%-12s %-8s %10s %8s %10s %s\n", "chip", "vendor", "TPP", "PD", "BW GB/s", "confirmed");
        for (size_t i = 0; i < cat.n_chips; i++) {
            struct cl_chip_metrics m;
            const struct cl_chip *c = &cat.chips[i];
            cl_chip_metrics(c, &m);
            char tpp[32], pd[32], bw[32];
            cl_milli_format(m.tpp_milli, 0, tpp);
            cl_milli_format(m.pd_milli, 2, pd);
            cl_milli_format(c->memory_bandwidth_gbps_milli, 0, bw);
            printf("%-12s %-8s %10s %8s %10s %s\n", c->name, c->vendor ? c->vendor : "", tpp, m.pd_known ? pd : "?",
                   c->memory_bandwidth_gbps_milli ? bw : "?", c->confirmed ? "yes" : "no");
        }
    }
    cl_catalog_release(&cat);
    return status;
}

static const struct cli_opt classify_opts[] = {
    {"spec", "FILE", "classify the chip described in a spec file (same fields as data/chips.json)"},
    {"date", "D", "classify under the definitions in force on D (default today)"},
    {NULL, NULL, NULL},
};
static const struct cli_opt no_opts[] = {{NULL, NULL, NULL}};

const struct cli_cmd cli_cmds_catalog[] = {
    {"classify", "CHIP | --spec FILE [--date D] [--json]",
     "Classify an accelerator: TPP, PD, the ECCN paragraph and clause, and the bands it falls in.", classify_opts,
     0, 1, run_classify,
     "TPP = max over precisions of dense TOPS x bit length; PD = TPP / logic die area (mm^2). Thresholds come\n"
     "from data/classification.json, effective-dated."},
    {"compare", "A B [--json]", "Compare two chips: ratios of TPP, memory bandwidth and capacity.", no_opts, 2, 2,
     run_compare, NULL},
    {"chips", "[--json]", "List the chip catalog with TPP, PD and bandwidth.", no_opts, 0, 0, run_chips, NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
