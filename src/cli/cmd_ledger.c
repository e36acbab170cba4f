/* CLI commands over the ledger: parties, authorizations, pools, orders, shipments, fees, and scenarios. Each
 * command turns its options into the arguments of one service-layer action and prints the outcome; no ledger
 * logic lives here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clearance/app.h"
#include "../server/server.h"
#include "cli.h"

/* Option arguments say how the value is passed on: "N" an integer, "LIST" comma-separated, "NAMES"
 * semicolon-separated (names may hold commas), none a flag, anything else a string. Option names become argument
 * names with '-' as '_', except these. */
static const char *const renames[][2] = {
    {"value", "value_usd"}, {"amount", "amount_usd"}, {"value-cap", "value_cap_usd"}, {NULL, NULL}};

/* How each command maps to an action, and the argument names of its positionals. */
struct mapping {
    const char *cmd;
    enum cl_app_action action;
    const char *pos[2]; /* pos[1] "+list" takes every remaining positional as a list */
};

static const struct mapping mappings[] = {
    {"party add", CL_APP_PARTY_ADD, {"name", NULL}},
    {"party list", CL_APP_PARTY_LIST, {NULL, NULL}},
    {"party show", CL_APP_PARTY_SHOW, {"name", NULL}},
    {"party vet", CL_APP_PARTY_VET, {"party", NULL}},
    {"party screen-result", CL_APP_PARTY_SCREEN_RESULT, {"party", NULL}},
    {"auth apply", CL_APP_AUTH_APPLY, {NULL, NULL}},
    {"auth submit", CL_APP_AUTH_SUBMIT, {"ref", NULL}},
    {"auth decide", CL_APP_AUTH_DECIDE, {"ref", NULL}},
    {"auth condition", CL_APP_AUTH_CONDITION, {"ref", "condition"}},
    {"auth suspend", CL_APP_AUTH_SUSPEND, {"ref", NULL}},
    {"auth reinstate", CL_APP_AUTH_REINSTATE, {"ref", NULL}},
    {"auth revoke", CL_APP_AUTH_REVOKE, {"ref", NULL}},
    {"auth list", CL_APP_AUTH_LIST, {NULL, NULL}},
    {"auth show", CL_APP_AUTH_SHOW, {"ref", NULL}},
    {"pool create", CL_APP_POOL_CREATE, {"name", NULL}},
    {"pool add", CL_APP_POOL_ADD, {"pool", "+authorizations"}},
    {"pool counter", CL_APP_POOL_COUNTER, {"counter", NULL}},
    {"pool list", CL_APP_POOL_LIST, {NULL, NULL}},
    {"pool show", CL_APP_POOL_SHOW, {"name", NULL}},
    {"order place", CL_APP_ORDER_PLACE, {NULL, NULL}},
    {"order cancel", CL_APP_ORDER_CANCEL, {"ref", NULL}},
    {"order list", CL_APP_ORDER_LIST, {NULL, NULL}},
    {"order show", CL_APP_ORDER_SHOW, {"ref", NULL}},
    {"ship", CL_APP_SHIP, {"order", NULL}},
    {"shipment list", CL_APP_SHIPMENT_LIST, {NULL, NULL}},
    {"shipment show", CL_APP_SHIPMENT_SHOW, {"ref", NULL}},
    {"fees report", CL_APP_FEES_REPORT, {NULL, NULL}},
    {"fees pay", CL_APP_FEES_PAY, {NULL, NULL}},
    {"ledger sweep", CL_APP_SWEEP, {NULL, NULL}},
    {"ledger events", CL_APP_EVENTS, {NULL, NULL}},
    {"ledger check", CL_APP_CHECK, {NULL, NULL}},
    {NULL, CL_APP_CHECK, {NULL, NULL}},
};

/* The actor: --as, $CLEARANCE_ACTOR, or the OS user. */

static json_t *split(const char *v, char sep)
{
    json_t *arr = json_array();
    while (*v) {
        size_t n = strcspn(v, sep == ',' ? "," : ";");
        size_t s = 0, e = n;
        while (s < e && v[s] == ' ') s++;
        while (e > s && v[e - 1] == ' ') e--;
        if (e > s) json_array_append_new(arr, json_stringn(v + s, e - s));
        v += n;
        if (*v) v++;
    }
    return arr;
}

/* Builds the action's JSON arguments from the command's options and positionals. */
static int build_args(const struct cli *cli, const struct cli_cmd *cmd, const struct mapping *m,
                      const struct cli_args *args, json_t *out)
{
    for (int i = 0; cmd->opts[i].name; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        const char *v = args->value[i];
        if (!v || !strcmp(o->name, "as") || !strcmp(o->name, "date") || !strcmp(o->name, "reason") ||
            !strcmp(o->name, "db"))
            continue;
        char key[64];
        snprintf(key, sizeof(key), "%s", o->name);
        for (size_t r = 0; renames[r][0]; r++)
            if (!strcmp(renames[r][0], o->name)) snprintf(key, sizeof(key), "%s", renames[r][1]);
        for (char *c = key; *c; c++)
            if (*c == '-') *c = '_';
        if (!o->arg) json_object_set_new(out, key, json_true());
        else if (!strcmp(o->arg, "N")) {
            char *end;
            long long n = strtoll(v, &end, 10);
            if (!*v || *end) return cli_usage_error(cli, cmd, "--%s: \"%s\" is not a whole number", o->name, v);
            json_object_set_new(out, key, json_integer(n));
        } else if (!strcmp(o->arg, "LIST")) json_object_set_new(out, key, split(v, ','));
        else if (!strcmp(o->arg, "NAMES")) json_object_set_new(out, key, split(v, ';'));
        else json_object_set_new(out, key, json_string(v));
    }
    for (int p = 0; p < 2 && m->pos[p] && p < args->npos; p++) {
        if (m->pos[p][0] == '+') {
            json_t *arr = json_array();
            for (int k = p; k < args->npos; k++) json_array_append_new(arr, json_string(args->pos[k]));
            json_object_set_new(out, m->pos[p] + 1, arr);
            break;
        }
        json_object_set_new(out, m->pos[p], json_string(args->pos[p]));
    }
    return CLI_EXIT_OK;
}

/* ---- text output ---------------------------------------------------------------------------------------------- */

static void print_scalar(const json_t *v)
{
    if (json_is_string(v)) printf("%s", json_string_value(v));
    else if (json_is_integer(v)) printf("%lld", (long long)json_integer_value(v));
    else if (json_is_true(v)) printf("yes");
    else if (json_is_false(v)) printf("no");
    else if (json_is_null(v)) printf("-");
}

/* One object as "key value" lines; arrays of objects one element a line. */
static void print_object(const json_t *o, int indent)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (json_is_null(v)) continue;
        printf("%*s%-22s ", indent, "", k);
        if (json_is_array(v)) {
            size_t i;
            json_t *e;
            if (json_array_size(v) == 0) printf("-");
            json_array_foreach(v, i, e)
            {
                if (!json_is_object(e)) {
                    printf("%s", i ? ", " : "");
                    print_scalar(e);
                    continue;
                }
                printf("\n%*s- ", indent + 2, "");
                const char *ek;
                json_t *ev;
                int n = 0;
                json_object_foreach(e, ek, ev)
                {
                    if (json_is_null(ev) || json_is_array(ev) || json_is_object(ev)) continue;
                    printf("%s%s=", n++ ? " " : "", ek);
                    print_scalar(ev);
                }
            }
            printf("\n");
        } else if (json_is_object(v)) {
            printf("\n");
            print_object(v, indent + 2);
        } else {
            print_scalar(v);
            printf("\n");
        }
    }
}

static void print_result(const json_t *r)
{
    const char *outcome = json_string_value(json_object_get(r, "outcome"));
    const json_t *res = json_object_get(r, "result");
    bool dry = json_is_true(json_object_get(r, "dry_run"));
    if (dry)
        printf("dry run, nothing booked: %s\n",
               strcmp(outcome, "refused") ? "every gate is open; this is what it would book" : "it would be refused");
    if (!strcmp(outcome, "refused")) {
        const json_t *reasons = json_object_get(r, "reasons");
        printf("%s: %zu reason%s\n", dry ? "would be refused" : "refused", json_array_size(reasons),
               json_array_size(reasons) == 1 ? "" : "s");
        size_t i;
        json_t *x;
        json_array_foreach(reasons, i, x)
        {
            printf("  %-22s %s\n", json_string_value(json_object_get(x, "code")),
                   json_string_value(json_object_get(x, "message")));
            if (json_object_get(x, "citation"))
                printf("  %-22s under %s\n", "", json_string_value(json_object_get(x, "citation")));
            printf("  %-22s to unblock: %s\n", "", json_string_value(json_object_get(x, "unblock")));
        }
        return;
    }
    if (json_is_true(json_object_get(r, "replayed"))) printf("(a retry: the first result, nothing booked again)\n");
    if (json_is_array(res)) {
        size_t i;
        json_t *e;
        json_array_foreach(res, i, e)
        {
            if (i) printf("\n");
            if (json_is_object(e)) print_object(e, 0);
        }
        if (!json_array_size(res)) printf("(none)\n");
    } else if (json_is_object(res)) {
        print_object(res, 0);
    }
}

/* ---- the one runner ------------------------------------------------------------------------------------------- */

/* Appends s to out (at most cap), percent-encoding all but unreserved characters. */
static void url_encode(const char *s, char *out, size_t cap)
{
    size_t o = strlen(out);
    for (; *s && o + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out[o++] = (char)c;
        else o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
    }
    out[o] = '\0';
}

/* The same action sent to a server: its route comes from the server's own table (the route whose action it is),
 * the path parameter from the arguments; GET sends the rest as a query, POST as the body with the date and reason. */
static enum cl_err remote_action(struct cli *cli, enum cl_app_action action, json_t *jargs, const char *date,
                                 const char *reason, json_t **out, struct cl_error *err)
{
    size_t n = 0;
    const struct srv_route *routes = srv_routes_all(&n), *route = NULL;
    for (size_t i = 0; i < n && !route; i++)
        if (routes[i].app == (int)action + 1) route = &routes[i];
    if (!route) return cl_error_set(err, CL_ERR_USAGE, "%s is not offered by the server", cl_app_action_id(action));
    char path[2048] = "";
    const char *brace = strchr(route->pattern, '{');
    if (brace) {
        snprintf(path, sizeof(path), "%.*s", (int)(brace - route->pattern), route->pattern);
        const char *v = json_string_value(json_object_get(jargs, route->param));
        url_encode(v ? v : "", path, sizeof(path));
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s", strchr(brace, '}') + 1);
        json_object_del(jargs, route->param);
    } else {
        snprintf(path, sizeof(path), "%s", route->pattern);
    }
    if (!strcmp(route->method, "GET")) {
        const char *k;
        json_t *v;
        char sep = '?';
        json_object_foreach(jargs, k, v) {
            char num[32];
            const char *text = json_is_string(v) ? json_string_value(v) : NULL;
            if (json_is_integer(v)) snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)), text = num;
            if (!text) continue;
            size_t l = strlen(path);
            snprintf(path + l, sizeof(path) - l, "%c%s=", sep, k);
            url_encode(text, path, sizeof(path));
            sep = '&';
        }
        return cli_http(cli, "GET", path, NULL, out, err);
    }
    if (date) json_object_set_new(jargs, "date", json_string(date));
    if (reason) json_object_set_new(jargs, "reason", json_string(reason));
    return cli_http(cli, route->method, path, jargs, out, err);
}

static int run_action(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    const struct mapping *m = mappings;
    while (m->cmd && strcmp(m->cmd, cmd->name)) m++;
    if (!m->cmd) return CLI_EXIT_SOFTWARE;
    struct cl_error err = {0};
    struct cl_app_actor who = {cli_actor(cmd, args), cl_time_now(), CL_DATE_NONE, cli_opt(cmd, args, "reason")};
    const char *d = cli_opt(cmd, args, "date");
    if (d && cli_parse_date("--date", d, &who.date, &err)) return cli_usage_error(cli, cmd, "%s", err.msg);
    json_t *jargs = json_object();
    int status = build_args(cli, cmd, m, args, jargs);
    struct cl_app_request req;
    if (!status && cl_app_request_from_json(m->action, jargs, "option", &req, &err)) {
        /* name the option, not the argument */
        status = cli_usage_error(cli, cmd, "%s", err.msg);
    }
    if (status) {
        json_decref(jargs);
        return status;
    }
    if (cli->server) {
        json_t *out = NULL;
        enum cl_err rc = remote_action(cli, m->action, jargs, d, who.reason, &out, &err);
        json_decref(jargs);
        if (rc && !(rc == CL_ERR_REFUSED && out)) return cli_fail(cli, &err);
        if (cli->json) status = cli_print_json(out);
        else {
            print_result(out);
            json_decref(out);
        }
        return status ? status : cli_exit_status(rc);
    }
    const struct cl_reference *env = cli_reference(cli, &err);
    struct cl_app *app = NULL;
    if (!env) {
        json_decref(jargs);
        return cli_fail(cli, &err);
    }
    struct cl_app_result res;
    cl_app_result_init(&res);
    enum cl_err rc = cl_app_open(env, cli->db_path, NULL, &app, &err);
    if (!rc) rc = cl_app_execute(app, &who, &req, &res, &err);
    if (rc && rc != CL_ERR_REFUSED) status = cli_fail(cli, &err);
    else {
        json_t *out = cl_app_result_to_json(m->action, &res, rc, &err);
        if (cli->json) {
            json_object_set(out, "event_records", res.events);
            status = cli_print_json(out);
        } else {
            print_result(out);
            json_decref(out);
        }
        if (!status) status = cli_exit_status(rc);
    }
    cl_app_result_release(&res);
    cl_app_close(app);
    json_decref(jargs);
    return status;
}

/* ---- scenario run --------------------------------------------------------------------------------------------- */

static void report_step(void *ctx, const struct cl_scenario_step *s, const json_t *result, const char *surprise)
{
    const struct cli *cli = ctx;
    char date[CL_DATE_TEXT_BYTES];
    cl_date_format(s->date, date);
    if (cli->json) {
        json_t *line = json_pack("{s:I, s:s, s:s, s:O, s:b}", "step", (json_int_t)s->index + 1, "date", date, "as",
                                 s->as, "outcome", json_object_get(result, "outcome"), "as_expected", !surprise);
        if (s->title) json_object_set_new(line, "title", json_string(s->title));
        json_object_set(line, "result", (json_t *)result);
        if (surprise) json_object_set_new(line, "surprise", json_string(surprise));
        cli_print_jsonl(line);
        return;
    }
    const char *outcome = json_string_value(json_object_get(result, "outcome"));
    char action[48];
    snprintf(action, sizeof(action), "%s%s", cl_app_action_id(s->req.action), s->req.dry_run ? " (dry run)" : "");
    printf("%4zu  %s  %-20s %-8s %s%s\n", s->index + 1, date, action, outcome, s->title ? s->title : "",
           surprise ? "  <-- SURPRISE" : "");
    const json_t *reasons = json_object_get(result, "reasons");
    size_t i;
    json_t *x;
    json_array_foreach(reasons, i, x) printf("%24s %s: %s\n", "", json_string_value(json_object_get(x, "code")),
                                             json_string_value(json_object_get(x, "message")));
    if (surprise) printf("%24s %s\n", "", surprise);
}

static int run_scenario(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    const char *db = cli_opt(cmd, args, "db");
    char tmp[64] = "";
    if (!db) {
        /* a fresh database unless told otherwise */
        snprintf(tmp, sizeof(tmp), "/tmp/clearance-scenario-XXXXXX");
        int fd = mkstemp(tmp);
        if (fd < 0) {
            cl_error_set(&err, CL_ERR_IO, "cannot create a temporary database");
            return cli_fail(cli, &err);
        }
        close(fd);
        unlink(tmp);
        db = tmp;
    }
    char *text = NULL;
    size_t len = 0;
    struct cl_scenario sc;
    if (cl_file_read(args->pos[0], CL_LIMIT_DATA_FILE_BYTES, &text, &len, &err)) return cli_fail(cli, &err);
    enum cl_err rc = cl_scenario_parse(text, len, args->pos[0], &sc, &err);
    free(text);
    if (rc) return cli_fail(cli, &err);
    struct cl_reference env;
    struct cl_app *app = NULL;
    size_t ran = 0;
    rc = cl_reference_load(cli->data_dir, NULL, &env, &err);
    if (rc) {
        cl_scenario_release(&sc);
        return cli_fail(cli, &err);
    }
    rc = cl_app_open(&env, db, NULL, &app, &err);
    if (!rc) {
        if (!cli->json) printf("scenario %s: %zu steps, database %s\n", sc.name, sc.n_steps, tmp[0] ? "(temporary)" : db);
        rc = cl_scenario_run(app, &sc, cli_actor(cmd, args), report_step, cli, &ran, &err);
    }
    int status;
    if (rc) status = cli_fail(cli, &err);
    else {
        if (!cli->json) printf("all %zu steps went as expected\n", ran);
        status = CLI_EXIT_OK;
    }
    cl_app_close(app);
    cl_reference_release(&env);
    cl_scenario_release(&sc);
    if (tmp[0]) cl_store_remove(tmp);
    return status;
}

/* ---- tables --------------------------------------------------------------------------------------------------- */

#define COMMON                                                                                                   \
    {"as", "NAME", "who acts (default $CLEARANCE_ACTOR or the OS user)"},                                        \
        {"date", "D", "the action's business date (default today)"},                                             \
        {"reason", "TEXT", "why: recorded with the change"}
#define END {NULL, NULL, NULL}

static const struct cli_opt party_add_opts[] = {
    {"roles", "TEXT", "exporter, importer, end_user, consignee, intermediary, supplier, regulator (comma-separated)"},
    {"country", "CC", "country (ISO 3166 alpha-2)"},
    {"headquarters", "CC", "headquarters or ultimate parent country (default: the country)"},
    {"aliases", "NAMES", "other names, original-script names included, separated by ';'"},
    COMMON, END};
static const struct cli_opt filter_opts[] = {{"filter", "TEXT", "a state, party, jurisdiction or product"}, COMMON, END};
static const struct cli_opt plain_opts[] = {COMMON, END};
static const struct cli_opt vet_opts[] = {{"jurisdiction", "J", "US or CN"},
                                          {"state", "S", "unvetted, pending, vetted or rejected"}, COMMON, END};
static const struct cli_opt screen_opts[] = {{"decision", "D", "clear, review or block"},
                                             {"list-version", "V", "the lists' version or digest"},
                                             {"summary", "TEXT", "a short reason"},
                                             {"screened-at", "TIME", "when it was screened (default now)"},
                                             COMMON, END};
static const struct cli_opt apply_opts[] = {
    {"jurisdiction", "J", "US or CN"},
    {"holder", "PARTY", "who holds it (the exporter for a US licence, the buyer for a Chinese approval)"},
    {"parties", "LIST", "counterparties: consignees, end users (comma-separated)"},
    {"products", "LIST", "catalog chip names (comma-separated)"},
    {"kind", "K", "export_licence, purchase_approval, licence_exception (default: what the rules require)"},
    {"authority", "A", "issuing authority (default: what the rules name)"},
    {"destination", "CC", "destination country (default: the buyer's)"},
    {"quantity-cap", "N", "units"},
    {"value-cap", "USD", "value in US dollars"},
    {"value-tolerance", "RATE", "shipping tolerance over the value cap (15 CFR 750.11), e.g. 25%"},
    {"valid-from", "D", "first day of validity"},
    {"valid-to", "D", "last day of validity"},
    {"draft", NULL, "record as a draft, not submitted"},
    {"ref", "REF", "its reference (default assigned)"},
    COMMON, END};
static const struct cli_opt decide_opts[] = {
    {"outcome", "O", "under_review, approved, approved_with_conditions, denied or returned"}, COMMON, END};
static const struct cli_opt condition_opts[] = {{"state", "S", "pending, satisfied, waived or failed"},
                                                {"evidence", "REF", "evidence reference (required to satisfy or waive)"},
                                                {"add", NULL, "record the condition (text from the rules or --text)"},
                                                {"text", "TEXT", "the condition's text when it is in no rule"},
                                                COMMON, END};
static const struct cli_opt pool_create_opts[] = {{"product", "P", "only orders of this product draw on it"},
                                                  {"cap", "N", "a fixed cap in units"},
                                                  {"follows", "COUNTER", "or: a counter the cap follows"},
                                                  {"ratio", "RATE", "the share of the counter, e.g. 50%"},
                                                  {"valid-from", "D", "first day orders draw on it"},
                                                  {"valid-to", "D", "last day orders draw on it"},
                                                  {"description", "TEXT", "what the quota is"},
                                                  COMMON, END};
static const struct cli_opt counter_opts[] = {{"delta", "N", "units to add (negative: a correction)"}, COMMON, END};
static const struct cli_opt order_opts[] = {{"exporter", "PARTY", "the exporter"},
                                            {"buyer", "PARTY", "the buyer"},
                                            {"product", "P", "catalog chip name"},
                                            {"quantity", "N", "units"},
                                            {"value", "USD", "the order's total value in US dollars"},
                                            {"destination", "CC", "destination (default: the buyer's country)"},
                                            {"end-use", "TEXT", "declared end use"},
                                            {"expires-on", "D", "the reservation lapses after this date"},
                                            {"ref", "REF", "its reference (default assigned)"},
                                            {"idempotency-key", "KEY", "a retry with the same key books nothing twice"},
                                            {"dry-run", NULL, "check every gate and show what it would book; book nothing"},
                                            COMMON, END};
static const struct cli_opt ship_opts[] = {{"quantity", "N", "units in this shipment"},
                                           {"ref", "REF", "its reference (default assigned)"},
                                           {"idempotency-key", "KEY", "a retry with the same key books nothing twice"},
                                           {"dry-run", NULL, "check every gate and show what it would book; book nothing"},
                                           COMMON, END};
static const struct cli_opt report_opts[] = {{"from", "D", "first day"}, {"to", "D", "last day"},
                                             {"party", "PARTY", "only this payer"}, COMMON, END};
static const struct cli_opt pay_opts[] = {{"party", "PARTY", "who pays"},
                                          {"charge", "ID", "the charge (e.g. sec232-25, h20-revenue-share)"},
                                          {"amount", "USD", "amount in US dollars"},
                                          {"payment-ref", "REF", "the payment's reference"},
                                          COMMON, END};
static const struct cli_opt events_opts[] = {{"after", "N", "only events after this id"},
                                             {"limit", "N", "at most this many"}, COMMON, END};
static const struct cli_opt scenario_opts[] = {
    {"db", "PATH", "play it into this database (default: a fresh temporary one)"},
    {"as", "NAME", "actor for steps that name none"},
    END};

#define CMD(name, syn, sum, opts, minp, maxp) {name, syn, sum, opts, minp, maxp, run_action, NULL}

const struct cli_cmd cli_cmds_ledger[] = {
    CMD("party add", "NAME --roles R --country CC [--headquarters CC] [--aliases 'A;B']", "Add a party.",
        party_add_opts, 1, 1),
    CMD("party list", "[--filter ROLE]", "List parties.", filter_opts, 0, 0),
    CMD("party show", "NAME", "Show a party: roles, aliases, vetting, latest screening.", plain_opts, 1, 1),
    CMD("party vet", "NAME --jurisdiction J --state S", "Record a party's vetting in a jurisdiction.", vet_opts, 1, 1),
    CMD("party screen-result", "NAME --decision D --list-version V", "Record a party's latest screening result.",
        screen_opts, 1, 1),
    CMD("auth apply", "--jurisdiction J --holder P --products P[,P] [--parties P,...] [caps] [validity]",
        "Apply for a licence or approval; the rules on --date give its conditions.", apply_opts, 0, 0),
    CMD("auth submit", "REF", "Submit a draft or returned application.", plain_opts, 1, 1),
    CMD("auth decide", "REF --outcome O", "Decide an application (the issuing authority).", decide_opts, 1, 1),
    CMD("auth condition", "REF CONDITION [--state S --evidence REF] [--add]",
        "Record a condition or set its state with evidence.", condition_opts, 2, 2),
    CMD("auth suspend", "REF --reason TEXT", "Suspend an authorization.", plain_opts, 1, 1),
    CMD("auth reinstate", "REF", "Reinstate a suspended authorization.", plain_opts, 1, 1),
    CMD("auth revoke", "REF --reason TEXT", "Revoke an authorization (final; voids its open orders).", plain_opts,
        1, 1),
    CMD("auth list", "[--filter STATE|PARTY|J]", "List authorizations.", filter_opts, 0, 0),
    CMD("auth show", "REF", "Show an authorization: state, caps, conditions, transitions.", plain_opts, 1, 1),
    CMD("pool create", "NAME (--cap N | --follows COUNTER --ratio R) [--product P]",
        "Create a quota pool shared by authorizations.", pool_create_opts, 1, 1),
    CMD("pool add", "POOL AUTH...", "Add authorizations to a pool.", plain_opts, 2, -1),
    CMD("pool counter", "COUNTER --delta N", "Add to a counter a pool follows (US end-use shipments).", counter_opts,
        1, 1),
    CMD("pool list", "[--filter PRODUCT]", "List pools.", filter_opts, 0, 0),
    CMD("pool show", "NAME", "Show a pool: cap, reserved, consumed, members.", plain_opts, 1, 1),
    CMD("order place", "--exporter P --buyer P --product P --quantity N --value USD [--dry-run]",
        "Place an order: reserve on every authorization and pool that applies, or refuse with every reason.",
        order_opts, 0, 0),
    CMD("order cancel", "REF", "Cancel an order and release what it still reserves.", plain_opts, 1, 1),
    CMD("order list", "[--filter STATE|PARTY]", "List orders.", filter_opts, 0, 0),
    CMD("order show", "REF", "Show an order and its reservations.", plain_opts, 1, 1),
    CMD("ship", "ORDER --quantity N [--date D] [--dry-run]",
        "Ship part or all of an order when every gate is open; fees accrue from the rules of the shipment date.",
        ship_opts, 1, 1),
    CMD("shipment list", "[--filter ORDER]", "List shipments.", filter_opts, 0, 0),
    CMD("shipment show", "REF", "Show a shipment and its fees.", plain_opts, 1, 1),
    CMD("fees report", "[--from D] [--to D] [--party P]", "Fees accrued and paid, per month and per party.",
        report_opts, 0, 0),
    CMD("fees pay", "--party P --charge ID --amount USD", "Record a payment against a charge.", pay_opts, 0, 0),
    CMD("ledger sweep", "[--date D]", "Expire lapsed reservations and authorizations past their validity.",
        plain_opts, 0, 0),
    CMD("ledger events", "[--after N] [--limit N]", "The ledger's event records.", events_opts, 0, 0),
    CMD("ledger check", "", "Recompute every ledger invariant from the stored rows.", plain_opts, 0, 0),
    {"scenario run", "FILE [--db PATH]",
     "Play a scenario: each step an action with its expected outcome; stops at the first surprise (exit 1).",
     scenario_opts, 1, 1, run_scenario,
     "Without --db the scenario runs in a fresh temporary database. Format: docs/internals/ledger.md."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
