/* The command-line front end: the command table, option parsing shared by every command, output helpers. */
#ifndef CL_CLI_H
#define CL_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "clearance/core.h"

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
extern const struct cli_cmd cli_cmds_screen[];

/* The value of option `name` (which must be in the command's table), or NULL. */
const char *cli_opt(const struct cli_cmd *cmd, const struct cli_args *args, const char *name);
bool cli_flag(const struct cli_cmd *cmd, const struct cli_args *args, const char *name);

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
/* Joins the data folder and a relative path into out (PATH_MAX). */
void cli_data_path(const struct cli *cli, const char *rel, char *out, size_t cap);

#endif
