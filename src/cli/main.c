/* Entry point of the clearance binary: global options, command dispatch, --help, and exit statuses. */
#include <stdarg.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_cmd *const *command_tables(void)
{
    static const struct cli_cmd *const tables[] = {
        cli_cmds_catalog,
        cli_cmds_rules,
        cli_cmds_screen,
        cli_cmds_server,
        cli_cmds_ledger,
        cli_cmds_journal,
        NULL,
    };
    return tables;
}

int cli_exit_status(enum cl_err code)
{
    switch (code) {
    case CL_OK: return CLI_EXIT_OK;
    case CL_ERR_USAGE: return CLI_EXIT_USAGE;
    case CL_ERR_INPUT:
    case CL_ERR_LIMIT: return CLI_EXIT_DATA;
    case CL_ERR_NOT_FOUND: return CLI_EXIT_DATA;
    case CL_ERR_IO:
    case CL_ERR_STORE: return CLI_EXIT_IO;
    case CL_ERR_REFUSED:
    case CL_ERR_CONFLICT:
    case CL_ERR_STATE:
    case CL_ERR_CRYPTO: return CLI_EXIT_REFUSED;
    case CL_ERR_FORBIDDEN:
    case CL_ERR_AUTH: return CLI_EXIT_NOPERM;
    case CL_ERR_BUSY: return CLI_EXIT_TEMPFAIL;
    default: return CLI_EXIT_SOFTWARE;
    }
}

int cli_fail(const struct cli *cli, const struct cl_error *err)
{
    fprintf(stderr, "%s: %s\n", cli->prog, err->msg[0] ? err->msg : cl_strerror(err->code));
    return cli_exit_status(err->code);
}

int cli_usage_error(const struct cli *cli, const struct cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", cli->prog, cmd ? cmd->name : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see '%s %s --help')\n", cli->prog, cmd ? cmd->name : "");
    return CLI_EXIT_USAGE;
}

int cli_print_json(json_t *v)
{
    int rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
    json_decref(v);
    if (rc || fputc('\n', stdout) == EOF || fflush(stdout)) return CLI_EXIT_IO;
    return CLI_EXIT_OK;
}

int cli_print_jsonl(json_t *v)
{
    int rc = json_dumpf(v, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    if (rc || fputc('\n', stdout) == EOF) return CLI_EXIT_IO;
    return CLI_EXIT_OK;
}

enum cl_err cli_parse_date(const char *opt_name, const char *text, cl_date *out, struct cl_error *err)
{
    if (strcmp(text, "today") == 0) {
        *out = cl_date_today();
        return CL_OK;
    }
    if (cl_date_parse(text, strlen(text), out))
        return cl_error_set(err, CL_ERR_USAGE, "%s: \"%s\" is not a date (YYYY-MM-DD or \"today\")", opt_name,
                            text);
    return CL_OK;
}

void cli_data_path(const struct cli *cli, const char *rel, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", cli->data_dir, rel);
}

static int opt_index(const struct cli_cmd *cmd, const char *name)
{
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0) return i;
    return -1;
}

const char *cli_opt(const struct cli_cmd *cmd, const struct cli_args *args, const char *name)
{
    int i = opt_index(cmd, name);
    if (i < 0) {
        fprintf(stderr, "clearance: internal: command '%s' has no option --%s\n", cmd->name, name);
        abort();
    }
    return args->value[i];
}

const char *cli_actor(const struct cli_cmd *cmd, const struct cli_args *args)
{
    const char *a = opt_index(cmd, "as") >= 0 ? cli_opt(cmd, args, "as") : NULL;
    if (a && *a) return a;
    a = getenv("CLEARANCE_ACTOR");
    if (a && *a) return a;
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name) return pw->pw_name;
    a = getenv("USER");
    return a && *a ? a : "unknown";
}

bool cli_flag(const struct cli_cmd *cmd, const struct cli_args *args, const char *name)
{
    return cli_opt(cmd, args, name) != NULL;
}

static void print_command_help(const struct cli *cli, const struct cli_cmd *cmd)
{
    printf("usage: %s %s %s\n\n%s\n", cli->prog, cmd->name, cmd->synopsis, cmd->summary);
    if (cmd->details) printf("\n%s\n", cmd->details);
    printf("\noptions:\n");
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", cmd->opts[i].name, cmd->opts[i].arg ? " " : "",
                 cmd->opts[i].arg ? cmd->opts[i].arg : "");
        printf("  %-24s %s\n", left, cmd->opts[i].help);
    }
    printf("  %-24s %s\n", "--json", "machine-readable output on stdout");
    printf("  %-24s %s\n", "--help", "this text");
}

static void print_main_help(const struct cli *cli)
{
    printf("usage: %s [--db PATH] [--data DIR] [--json] COMMAND [ARGS]\n\n"
           "clearance runs the export and import approval regime for AI accelerators: classify chips, determine\n"
           "what a sale needs, screen parties, keep the ledger of licences, orders and shipments, and journal it.\n\n"
           "commands:\n",
           cli->prog);
    for (const struct cli_cmd *const *t = command_tables(); *t; t++)
        for (const struct cli_cmd *c = *t; c->name; c++) printf("  %-18s %s\n", c->name, c->summary);
    printf("\nglobal options:\n"
           "  --db PATH          database (default $CLEARANCE_DB or ./clearance.db)\n"
           "  --data DIR         catalog and rules folder (default $CLEARANCE_DATA or the installed data/)\n"
           "  --json             machine-readable output\n"
           "  --version          print the version\n"
           "\nexit status: 0 success, 1 refused (a gate or check said no), 2 usage error, 65 bad input data,\n"
           "74 input/output or storage error, 77 not permitted.\n"
           "Run '%s COMMAND --help' for a command's options.\n",
           cli->prog);
}

static const struct cli_cmd *find_command(int argc, char **argv, int *out_words)
{
    /* two-word commands first ("rules check"), then one-word ones */
    for (int words = 2; words >= 1; words--) {
        if (argc < words) continue;
        char name[64];
        if (words == 2)
            snprintf(name, sizeof(name), "%s %s", argv[0], argv[1]);
        else
            snprintf(name, sizeof(name), "%s", argv[0]);
        for (const struct cli_cmd *const *t = command_tables(); *t; t++)
            for (const struct cli_cmd *c = *t; c->name; c++)
                if (strcmp(c->name, name) == 0) {
                    *out_words = words;
                    return c;
                }
    }
    return NULL;
}

/* Lists the subcommands of a group ("rules") when only the group was named. */
static bool print_group(const struct cli *cli, const char *group)
{
    size_t n = strlen(group);
    bool any = false;
    for (const struct cli_cmd *const *t = command_tables(); *t; t++)
        for (const struct cli_cmd *c = *t; c->name; c++)
            if (strncmp(c->name, group, n) == 0 && c->name[n] == ' ') {
                if (!any) fprintf(stderr, "%s %s: choose a subcommand:\n", cli->prog, group);
                fprintf(stderr, "  %-18s %s\n", c->name, c->summary);
                any = true;
            }
    return any;
}

static int parse_and_run(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv)
{
    struct cli_args args;
    memset(&args, 0, sizeof(args));
    args.pos = calloc((size_t)argc + 1, sizeof(char *));
    if (!args.pos) return CLI_EXIT_SOFTWARE;
    bool only_pos = false;
    int status = CLI_EXIT_OK;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] != '-' || a[2] == '\0') {
            if (!only_pos && strcmp(a, "--") == 0) {
                only_pos = true;
                continue;
            }
            args.pos[args.npos++] = a;
            continue;
        }
        const char *name = a + 2;
        char namebuf[64];
        const char *inline_val = strchr(name, '=');
        if (inline_val) {
            snprintf(namebuf, sizeof(namebuf), "%.*s", (int)(inline_val - name), name);
            name = namebuf;
            inline_val++;
        }
        if (strcmp(name, "help") == 0) {
            print_command_help(cli, cmd);
            goto out;
        }
        if (strcmp(name, "json") == 0) {
            cli->json = true;
            continue;
        }
        int k = opt_index(cmd, name);
        if (k < 0) {
            status = cli_usage_error(cli, cmd, "unknown option --%s", name);
            goto out;
        }
        if (cmd->opts[k].arg) {
            if (!inline_val) {
                if (i + 1 >= argc) {
                    status = cli_usage_error(cli, cmd, "--%s needs a value (%s)", name, cmd->opts[k].arg);
                    goto out;
                }
                inline_val = argv[++i];
            }
            args.value[k] = inline_val;
        } else {
            if (inline_val) {
                status = cli_usage_error(cli, cmd, "--%s takes no value", name);
                goto out;
            }
            args.value[k] = "";
        }
    }
    if (args.npos < cmd->min_pos) {
        status = cli_usage_error(cli, cmd, "expected %s", cmd->synopsis);
        goto out;
    }
    if (cmd->max_pos >= 0 && args.npos > cmd->max_pos) {
        status = cli_usage_error(cli, cmd, "unexpected argument \"%s\"", args.pos[cmd->max_pos]);
        goto out;
    }
    status = cmd->run(cli, cmd, &args);
out:
    free(args.pos);
    return status;
}

int main(int argc, char **argv)
{
    struct cli cli = {
        .db_path = getenv("CLEARANCE_DB"),
        .data_dir = getenv("CLEARANCE_DATA"),
        .key = getenv("CLEARANCE_KEY"),
        .prog = "clearance",
    };
    if (!cli.db_path || !*cli.db_path) cli.db_path = "clearance.db";
    if (!cli.data_dir || !*cli.data_dir) cli.data_dir = CL_DATA_DIR;

    /* Global options come before the command. */
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--json") == 0) cli.json = true;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_main_help(&cli);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("clearance %s\n", CL_VERSION);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--db") == 0) slot = &cli.db_path;
        else if (strcmp(a, "--data") == 0) slot = &cli.data_dir;
        else if (strcmp(a, "--server") == 0) slot = &cli.server;
        else if (strcmp(a, "--key") == 0) slot = &cli.key;
        else {
            fprintf(stderr, "clearance: unknown global option %s (see 'clearance --help')\n", a);
            return CLI_EXIT_USAGE;
        }
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "clearance: %s needs a value\n", a);
                return CLI_EXIT_USAGE;
            }
            *slot = argv[++i];
        }
    }
    if (i >= argc) {
        print_main_help(&cli);
        return CLI_EXIT_USAGE;
    }
    int words = 0;
    const struct cli_cmd *cmd = find_command(argc - i, argv + i, &words);
    if (!cmd) {
        if (print_group(&cli, argv[i])) return CLI_EXIT_USAGE;
        fprintf(stderr, "clearance: unknown command \"%s\" (see 'clearance --help')\n", argv[i]);
        return CLI_EXIT_USAGE;
    }
    return parse_and_run(&cli, cmd, argc - i - words, argv + i + words);
}
