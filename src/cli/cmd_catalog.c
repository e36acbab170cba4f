/* CLI commands over the chip catalog: classify, compare, chips. */
#include <string.h>

#include "clearance/json.h"
#include "cli.h"

static enum cl_err local_classify(struct cli *cli, const json_t *req, json_t **out, struct cl_error *err)
{
    const struct cl_reference *ref = cli_reference(cli, err);
    return ref ? cl_reference_classify(ref, req, out, err) : err->code;
}

static enum cl_err local_compare(struct cli *cli, const json_t *req, json_t **out, struct cl_error *err)
{
    const struct cl_reference *ref = cli_reference(cli, err);
    return ref ? cl_reference_compare(ref, req, out, err) : err->code;
}

static enum cl_err local_chips(struct cli *cli, const json_t *req, json_t **out, struct cl_error *err)
{
    (void)req;
    const struct cl_reference *ref = cli_reference(cli, err);
    return ref ? cl_reference_chips(ref, out, err) : err->code;
}

static void render_classify(const json_t *c)
{
    char a[32], b[32], bits[32];
    const json_t *chip = json_object_get(c, "chip_data");
    printf("%s%s%s%s, on %s\n", jstr(c, "chip"), json_object_get(chip, "vendor") ? " (" : "", jstr(chip, "vendor"),
           json_object_get(chip, "vendor") ? ")" : "", jstr(c, "date"));
    const json_t *tp = json_object_get(chip, "throughput");
    for (size_t i = 0; i < json_array_size(tp); i++) {
        const json_t *p = json_array_get(tp, i);
        if (strcmp(jstr(p, "precision"), jstr(c, "tpp_precision")) == 0) {
            printf("  TPP     %s  (%s: %s dense TOPS x %s bits)\n", jnumk(c, "tpp", a), jstr(p, "precision"),
                   jnumk(p, "dense_tops", b), jnumk(p, "bits", bits));
            break;
        }
    }
    if (json_is_null(json_object_get(c, "performance_density")))
        printf("  PD      unknown (no die area)\n");
    else
        printf("  PD      %s  (TPP / %s mm^2 of logic die)\n", jnumk(c, "performance_density", a),
               jnumk(chip, "die_area_mm2", b));
    printf("  memory  %s GB at %s GB/s; designed for data centres: %s\n", jnumk(chip, "memory_gb", a),
           jnumk(chip, "memory_bandwidth_gbps", b), jbool(chip, "data_center") ? "yes" : "no");
    const json_t *regime = json_object_get(c, "regime");
    if (!json_is_object(regime)) {
        printf("  no classification regime is in force on %s\n", jstr(c, "date"));
        return;
    }
    printf("  rule    %s: %s\n", jstr(regime, "id"), jstr(regime, "citation"));
    if (json_is_string(json_object_get(c, "eccn")))
        printf("  ECCN    %s, by clause %s\n", jstr(c, "eccn"), jstr(c, "matched"));
    else if (jbool(c, "excluded_non_data_center"))
        printf("  ECCN    not 3A090: %s\n", jstr(c, "matched"));
    else
        printf("  ECCN    not 3A090: no clause matched\n");
    printf("  clauses:\n");
    const json_t *cl = json_object_get(c, "clauses");
    for (size_t i = 0; i < json_array_size(cl); i++) {
        const json_t *x = json_array_get(cl, i);
        printf("    %-10s %-7s  %s\n", jstr(x, "clause"),
               jbool(x, "matched") ? "matched" : jbool(x, "indeterminate") ? "unknown" : "no", jstr(x, "detail"));
    }
    const json_t *bands = json_object_get(c, "bands");
    for (size_t i = 0; i < json_array_size(bands); i++) {
        const json_t *x = json_array_get(bands, i);
        printf("  band    %s: %s (%s)\n          %s\n", jstr(x, "id"), jbool(x, "inside") ? "inside" : "outside",
               jstr(x, "text"), jstr(x, "detail"));
    }
    if (!jbool(chip, "confirmed"))
        printf("  note    some figures are unconfirmed%s%s\n", json_object_get(chip, "notes") ? ": " : "",
               jstr(chip, "notes"));
}

static int run_classify(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    const char *spec = cli_opt(cmd, args, "spec");
    if (!spec && args->npos != 1) return cli_usage_error(cli, cmd, "name a chip or give --spec FILE");
    if (spec && args->npos) return cli_usage_error(cli, cmd, "give either a chip name or --spec FILE, not both");
    json_t *req = json_object();
    int status = spec ? cli_request_spec(cli, req, spec) : CLI_EXIT_OK;
    if (status) {
        json_decref(req);
        return status;
    }
    if (!spec) json_object_set_new(req, "chip", json_string(args->pos[0]));
    const char *d = cli_opt(cmd, args, "date");
    if (d) json_object_set_new(req, "date", json_string(d));
    return cli_request(cli, "POST", "/v1/classify", req, local_classify, render_classify);
}

static void render_compare(const json_t *c)
{
    char a[32], b[32];
    const json_t *tpp = json_object_get(c, "tpp"), *bw = json_object_get(c, "memory_bandwidth_gbps"),
                 *mem = json_object_get(c, "memory_gb");
    printf("%s / %s: %.1fx TPP, %.1fx bandwidth, %.1fx memory\n", jstr(c, "a"), jstr(c, "b"),
           json_number_value(json_object_get(tpp, "ratio")), json_number_value(json_object_get(bw, "ratio")),
           json_number_value(json_object_get(mem, "ratio")));
    printf("  TPP        %s vs %s\n", jnumk(tpp, "a", a), jnumk(tpp, "b", b));
    printf("  bandwidth  %s GB/s vs %s GB/s\n", jnumk(bw, "a", a), jnumk(bw, "b", b));
    printf("  memory     %s GB vs %s GB\n", jnumk(mem, "a", a), jnumk(mem, "b", b));
}

static int run_compare(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    json_t *req = json_pack("{s:s, s:s}", "a", args->pos[0], "b", args->pos[1]);
    return cli_request(cli, "POST", "/v1/compare", req, local_compare, render_compare);
}

static void render_chips(const json_t *arr)
{
    printf("%-12s %-8s %10s %8s %10s %s\n", "chip", "vendor", "TPP", "PD", "BW GB/s", "confirmed");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *c = json_array_get(arr, i);
        char a[32], b[32], d[32];
        printf("%-12s %-8s %10s %8s %10s %s\n", jstr(c, "name"), jstr(c, "vendor"), jnumk(c, "tpp", a),
               jnumk(c, "performance_density", b), jnumk(c, "memory_bandwidth_gbps", d),
               jbool(c, "confirmed") ? "yes" : "no");
    }
}

static int run_chips(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    (void)args;
    return cli_request(cli, "GET", "/v1/chips", NULL, local_chips, render_chips);
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
