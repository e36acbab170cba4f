/* The command-line front end: the command table, option parsing shared by every command, output helpers. */
#ifndef CL_CLI_H
#define CL_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "clearance/core.h"
#include "clearance/reference.h"

#define CLI_MAX_OPTS 32

/* Exit statuses (sysexits.h where one fits). Mapped from enum cl_err in exactly one place: cli_exit_status(). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_REFUSED = 1, /* the command ran, and the answer is no: a gate refused, a check failed */
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_DATA = 65,
    CLI_EXIT_NOINPUT = 66,
    CLI_EXIT_SOFTWARE = 70,
    CLI_EXIT_IO = 74,
    CLI_EXIT_TEMPFAIL = 75,
    CLI_EXIT_NOPERM = 77,
};

/* Global state shared by every command: set from global options and the environment. */
struct cli {
    const char *db_path;   /* --db, $CLEARANCE_DB, or "clearance.db" */
    const char *data_dir;  /* --data, $CLEARANCE_DATA, or the source tree's data/ */
    const char *server;    /* --server URL: act as a client of a remote server */
    const char *key;       /* --key KEY, or $CLEARANCE_KEY */
    const char *rules_dir; /* --rules DIR on commands that take it: another rules folder */
    const char *idempotency_key; /* sent with requests that create orders and shipments */
    bool json;             /* --json: one JSON document (or JSON Lines for batches) on stdout */
    const char *prog;      /* "clearance" */
};

/* One option of a command: "--name" alone (arg NULL) or "--name ARG". */
struct cli_opt {
    const char *name;
    const char *arg;
    const char *help;
};

/* What the parser hands a command: option values by index into its table, and the positional arguments. */
struct cli_args {
    const char *value[CLI_MAX_OPTS]; /* "" for a flag that was given, NULL when absent */
    char **pos;
    int npos;
};

struct cli_cmd {
    const char *name;     /* "classify", or "rules check" for a two-word command */
    const char *synopsis; /* after the name: "CHIP | --spec FILE [--date D]" */
    const char *summary;  /* one sentence for the command list and --help */
    const struct cli_opt *opts;
    int min_pos, max_pos; /* positional argument counts; max_pos -1 for no limit */
    int (*run)(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args);
    const char *details;  /* optional extra paragraph for --help */
};

/* Each module's commands, NULL-name terminated, defined in cmd_<module>.c. */
extern const struct cli_cmd cli_cmds_catalog[];
extern const struct cli_cmd cli_cmds_rules[];
extern const struct cli_cmd cli_cmds_server[];
extern const struct cli_cmd cli_cmds_ledger[];
extern const struct cli_cmd cli_cmds_journal[];
extern const struct cli_cmd cli_cmds_screen[];

/* The value of option `name` (which must be in the command's table), or NULL. */
const char *cli_opt(const struct cli_cmd *cmd, const struct cli_args *args, const char *name);
bool cli_flag(const struct cli_cmd *cmd, const struct cli_args *args, const char *name);
/* Who acts, for records: --as NAME when the command takes it, else $CLEARANCE_ACTOR, else the OS user. */
const char *cli_actor(const struct cli_cmd *cmd, const struct cli_args *args);

/* The one mapping from error codes to exit statuses. */
int cli_exit_status(enum cl_err code);
/* Prints "clearance: message" to stderr and returns the exit status for err. */
int cli_fail(const struct cli *cli, const struct cl_error *err);
/* Prints a usage error naming the command and returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli *cli, const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints a JSON document on stdout, indented, and takes ownership of v. Returns CLI_EXIT_OK or CLI_EXIT_IO. */
int cli_print_json(json_t *v);
/* Prints one JSON Lines record (compact) and takes ownership of v. */
int cli_print_jsonl(json_t *v);

/* Parses a date option ("YYYY-MM-DD" or "today"); on failure sets err naming the option. */
enum cl_err cli_parse_date(const char *opt_name, const char *text, cl_date *out, struct cl_error *err);
/* The reference data (catalog, classification, rules), loaded once per process from the data folder and
 * cli->rules_dir; NULL with err set when it cannot be loaded. */
const struct cl_reference *cli_reference(struct cli *cli, struct cl_error *err);

/* Answers a request locally. Returns a new JSON document in *out (also on CL_ERR_REFUSED, with the reasons). */
typedef enum cl_err (*cli_local_fn)(struct cli *cli, const json_t *req, json_t **out, struct cl_error *err);
/* Puts the chip described in spec file `path` into req as "spec"; on failure prints the error and returns its exit
 * status (0 on success). */
int cli_request_spec(struct cli *cli, json_t *req, const char *path);

/* Prints a response for people. */
typedef void (*cli_render_fn)(const json_t *doc);
/* Runs a request (taking ownership of req): locally through local, or with --server as METHOD path on the
 * server; then prints the JSON (--json) or renders it; returns the exit status. */
int cli_request(struct cli *cli, const char *method, const char *path, json_t *req, cli_local_fn local,
                cli_render_fn render);
/* One HTTP request to cli->server with cli->key; *out is the JSON response (also set on CL_ERR_REFUSED). */
enum cl_err cli_http(const struct cli *cli, const char *method, const char *path, const json_t *body, json_t **out,
                     struct cl_error *err);

/* Rendering helpers: a string field ("" when absent), a number as short text (into buf), a boolean field. */
const char *jstr(const json_t *o, const char *key);
const char *jnum(const json_t *v, char buf[32]);
const char *jnumk(const json_t *o, const char *key, char buf[32]);
bool jbool(const json_t *o, const char *key);

/* Joins the data folder and a relative path into out (PATH_MAX). */
void cli_data_path(const struct cli *cli, const char *rel, char *out, size_t cap);

#endif
