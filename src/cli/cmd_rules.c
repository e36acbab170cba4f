/* CLI commands over the rules engine: determine, rules check, rules at. */
#include "cli.h"

const struct cli_cmd cli_cmds_rules[] = {
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
