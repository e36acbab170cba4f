/* CLI commands for the server and its keys: serve, keys create|list|revoke. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../server/server.h"
#include "clearance/access.h"
#include "cli.h"

static int run_serve(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct srv_config cfg = {
        .host = "127.0.0.1",
        .port = 8080,
        .db = cli->db_path,
        .data_dir = cli->data_dir,
        .rules_dir = cli_opt(cmd, args, "rules"),
        .web_dir = CL_WEB_DIR,
        .docs_dir = CL_DOCS_DIR,
        .threads = 4 * (int)sysconf(_SC_NPROCESSORS_ONLN), /* writes wait for group commit: more than the cores */
        .timeout_s = 30,
        .access_log = cli_opt(cmd, args, "access-log"),
        .port_file = cli_opt(cmd, args, "port-file"),
        .checkpoint_every_s = 60,
    };
    char key_path[1024];
    if (cli_opt(cmd, args, "journal-key")) snprintf(key_path, sizeof(key_path), "%s", cli_opt(cmd, args, "journal-key"));
    else if (!strncmp(cli->db_path, "postgres://", 11) || !strncmp(cli->db_path, "postgresql://", 13))
        snprintf(key_path, sizeof(key_path), "clearance-journal.key");
    else snprintf(key_path, sizeof(key_path), "%s.journal-key", cli_opt(cmd, args, "db") ? cli_opt(cmd, args, "db") : cli->db_path);
    cfg.journal_key = key_path;
    cfg.screen_config = cli_opt(cmd, args, "screen-config");
    char host[64];
    const char *v;
    if ((v = cli_opt(cmd, args, "listen"))) {
        const char *colon = strrchr(v, ':');
        char *end;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (!colon || *end || port < 0 || port > 65535 || (size_t)(colon - v) >= sizeof(host))
            return cli_usage_error(cli, cmd, "--listen: \"%s\" is not HOST:PORT (e.g. 127.0.0.1:8080)", v);
        snprintf(host, sizeof(host), "%.*s", (int)(colon - v), v);
        cfg.host = host;
        cfg.port = (int)port;
    }
    if ((v = cli_opt(cmd, args, "db"))) cfg.db = v;
    if ((v = cli_opt(cmd, args, "web"))) cfg.web_dir = v;
    if ((v = cli_opt(cmd, args, "checkpoint-every"))) {
        cfg.checkpoint_every_s = atoi(v);
        if (cfg.checkpoint_every_s < 0) return cli_usage_error(cli, cmd, "--checkpoint-every: seconds, 0 to publish only on request");
    }
    if ((v = cli_opt(cmd, args, "threads"))) {
        cfg.threads = atoi(v);
        if (cfg.threads < 1 || cfg.threads > 256) return cli_usage_error(cli, cmd, "--threads: 1 to 256");
    }
    return srv_run(&cfg);
}

/* Opens the database and applies the access migrations. */
static enum cl_err open_db(const struct cli *cli, struct cl_store **st, struct cl_error *err)
{
    enum cl_err rc = cl_store_open(cli->db_path, NULL, st, err);
    if (!rc) rc = cl_store_migrate(*st, cl_access_migrations, cl_access_n_migrations, err);
    if (rc) {
        cl_store_close(*st);
        *st = NULL;
    }
    return rc;
}

static int run_keys_create(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    const char *role = cli_opt(cmd, args, "role");
    enum cl_role rl;
    if (!role) return cli_usage_error(cli, cmd, "--role ROLE is required");
    if (!cl_role_parse(role, &rl))
        return cli_usage_error(cli, cmd, "--role: \"%s\" is not admin, exporter, importer, us_regulator, cn_regulator or auditor", role);
    struct cl_error err = {0};
    if (cli->server) {
        json_t *req = json_pack("{s:s}", "role", role);
        if (cli_opt(cmd, args, "party")) json_object_set_new(req, "party", json_string(cli_opt(cmd, args, "party")));
        if (cli_opt(cmd, args, "label")) json_object_set_new(req, "label", json_string(cli_opt(cmd, args, "label")));
        json_t *out = NULL;
        enum cl_err rc = cli_http(cli, "POST", "/v1/keys", req, &out, &err);
        json_decref(req);
        if (rc) return cli_fail(cli, &err);
        if (cli->json) return cli_print_json(out);
        printf("%s\n", json_string_value(json_object_get(out, "key")));
        json_decref(out);
        return CLI_EXIT_OK;
    }
    struct cl_store *st = NULL;
    if (open_db(cli, &st, &err)) return cli_fail(cli, &err);
    char key[CL_KEY_TEXT_BYTES], id[32];
    const char *who = getenv("USER");
    enum cl_err rc = cl_store_begin(st, CL_TX_WRITE, &err);
    if (!rc) rc = cl_access_key_create(st, rl, cli_opt(cmd, args, "party"), cli_opt(cmd, args, "label"), who ? who : "operator", key, id, &err);
    if (!rc) rc = cl_store_commit(st, &err);
    else cl_store_rollback(st);
    cl_store_close(st);
    if (rc) return cli_fail(cli, &err);
    if (cli->json)
        return cli_print_json(json_pack("{s:s, s:s, s:s, s:s?}", "id", id, "key", key, "role", role, "party",
                                        cli_opt(cmd, args, "party")));
    printf("%s\n", key);
    fprintf(stderr, "key %s for role %s created; it is shown once, only its hash is stored\n", id, role);
    return CLI_EXIT_OK;
}

static enum cl_err local_keys_list(struct cli *cli, const json_t *req, json_t **out, struct cl_error *err)
{
    (void)req;
    struct cl_store *st = NULL;
    enum cl_err rc = open_db(cli, &st, err);
    if (!rc) rc = cl_access_key_list(st, out, err);
    cl_store_close(st);
    return rc;
}

static void render_keys(const json_t *arr)
{
    printf("%-16s %-13s %-20s %-20s %s\n", "id", "role", "party", "created", "revoked");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *k = json_array_get(arr, i);
        printf("%-16s %-13s %-20s %-20s %s\n", jstr(k, "id"), jstr(k, "role"), jstr(k, "party"), jstr(k, "created_at"),
               jstr(k, "revoked_at"));
    }
}

static int run_keys_list(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd, (void)args;
    return cli_request(cli, "GET", "/v1/keys", NULL, local_keys_list, render_keys);
}

static int run_keys_revoke(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    struct cl_error err = {0};
    if (cli->server) {
        char path[128];
        snprintf(path, sizeof(path), "/v1/keys/%s", args->pos[0]);
        json_t *out = NULL;
        if (cli_http(cli, "DELETE", path, NULL, &out, &err)) return cli_fail(cli, &err);
        json_decref(out);
        return CLI_EXIT_OK;
    }
    struct cl_store *st = NULL;
    if (open_db(cli, &st, &err)) return cli_fail(cli, &err);
    enum cl_err rc = cl_store_begin(st, CL_TX_WRITE, &err);
    if (!rc) rc = cl_access_key_revoke(st, args->pos[0], &err);
    if (!rc) rc = cl_store_commit(st, &err);
    else cl_store_rollback(st);
    cl_store_close(st);
    return rc ? cli_fail(cli, &err) : CLI_EXIT_OK;
}

static int run_routes(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd, (void)args;
    json_t *arr = json_array();
    size_t n = 0;
    const struct srv_route *all = srv_routes_all(&n);
    for (size_t i = 0; i < n; i++) {
        const struct srv_route *r = &all[i];
        const char *access = r->action == SRV_PUBLIC          ? "public"
                             : r->action == SRV_AUTHENTICATED ? "any key"
                                                              : cl_action_id((enum cl_action)r->action);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "method", r->method, "path", r->pattern, "access",
                                             access, "summary", r->summary));
    }
    if (cli->json) return cli_print_json(arr);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *r = json_array_get(arr, i);
        printf("%-7s %-34s %-16s %s\n", jstr(r, "method"), jstr(r, "path"), jstr(r, "access"), jstr(r, "summary"));
    }
    json_decref(arr);
    return CLI_EXIT_OK;
}

static const struct cli_opt serve_opts[] = {
    {"listen", "HOST:PORT", "address to listen on (default 127.0.0.1:8080; port 0 picks a free one)"},
    {"db", "PATH|URL", "database: a SQLite file or a postgres:// URL (default the global --db)"},
    {"rules", "DIR", "rules folder (default the data folder's rules/)"},
    {"threads", "N", "worker threads (default: 4 per core; a write waits for its batch's commit)"},
    {"access-log", "FILE", "structured access log, one JSON object a line (\"-\" for stderr)"},
    {"web", "DIR", "the dashboard's files (default the repository's web/)"},
    {"port-file", "FILE", "write the bound port to FILE once listening"},
    {"screen-config", "FILE", "screening thresholds (JSON: review, block, max_matches, ...; default 0.82 and 0.95)"},
    {"journal-key", "FILE", "the journal's signing key (default DB.journal-key; see 'clearance journal keygen')"},
    {"checkpoint-every", "S", "publish a signed checkpoint every S seconds when the journal grew (default 60; 0: on request)"},
    {NULL, NULL, NULL},
};
static const struct cli_opt create_opts[] = {
    {"role", "ROLE", "admin, exporter, importer, us_regulator, cn_regulator or auditor"},
    {"party", "NAME", "the party an exporter or importer key acts for"},
    {"label", "TEXT", "a note to recognise the key by"},
    {NULL, NULL, NULL},
};
static const struct cli_opt no_opts[] = {{NULL, NULL, NULL}};

const struct cli_cmd cli_cmds_server[] = {
    {"serve", "[--listen HOST:PORT] [--db PATH|URL] [--threads N] [--access-log FILE]",
     "Serve the HTTP/JSON API and the dashboard.", serve_opts, 0, 0, run_serve,
     "Stops on SIGINT or SIGTERM. Several nodes may share one PostgreSQL database."},
    {"routes", "[--json]", "List the server's routes and the action each requires.", no_opts, 0, 0, run_routes, NULL},
    {"keys create", "--role ROLE [--party NAME] [--label TEXT]", "Create an API key; it is printed once.",
     create_opts, 0, 0, run_keys_create, NULL},
    {"keys list", "", "List API keys (ids, roles, parties; never secrets).", no_opts, 0, 0, run_keys_list, NULL},
    {"keys revoke", "ID", "Revoke an API key.", no_opts, 1, 1, run_keys_revoke, NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
