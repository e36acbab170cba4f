/* Who may do what: roles, the actions each role may take, and API keys stored only as hashes. */
#ifndef CLEARANCE_ACCESS_H
#define CLEARANCE_ACCESS_H

#include <jansson.h>
#include <stdbool.h>

#include "clearance/core.h"
#include "clearance/store.h"

#define CL_ROLE_MAP(X)                                                                                          \
    X(ADMIN, "admin")                                                                                          \
    X(EXPORTER, "exporter")                                                                                    \
    X(IMPORTER, "importer")                                                                                    \
    X(US_REGULATOR, "us_regulator")                                                                            \
    X(CN_REGULATOR, "cn_regulator")                                                                            \
    X(AUDITOR, "auditor")
enum cl_role {
#define CL_ROLE_ENUM(name, id) CL_ROLE_##name,
    CL_ROLE_MAP(CL_ROLE_ENUM)
#undef CL_ROLE_ENUM
    CL_ROLE__COUNT
};
const char *cl_role_id(enum cl_role r);
bool cl_role_parse(const char *id, enum cl_role *out);
/* The jurisdiction a regulator role decides in ("US", "CN"), or NULL for other roles. */
const char *cl_role_jurisdiction(enum cl_role r);

/* Actions that routes and commands require. A role either may take an action or may not; finer rules (an
 * importer sees only its own orders, a regulator decides only in its jurisdiction) are applied by the action
 * itself with the principal's party and jurisdiction. */
#define CL_ACTION_MAP(X)                                                                                        \
    X(REFERENCE_READ, "reference.read")   /* classify, compare, chips, rules, determine */                      \
    X(SCREEN, "screen")                   /* screen names, match pairs */                                      \
    X(LISTS_MANAGE, "lists.manage")       /* import restricted-party lists */                                  \
    X(PARTY_READ, "party.read")                                                                                \
    X(PARTY_WRITE, "party.write")                                                                              \
    X(AUTH_READ, "auth.read")                                                                                  \
    X(AUTH_APPLY, "auth.apply")                                                                                \
    X(AUTH_DECIDE, "auth.decide")         /* decide, condition, suspend, revoke: own jurisdiction only */      \
    X(POOL_READ, "pool.read")                                                                                  \
    X(POOL_WRITE, "pool.write")                                                                                \
    X(ORDER_READ, "order.read")                                                                                \
    X(ORDER_WRITE, "order.write")                                                                              \
    X(SHIP, "ship")                                                                                            \
    X(FEES_READ, "fees.read")                                                                                  \
    X(FEES_WRITE, "fees.write")                                                                                \
    X(TOTALS_READ, "totals.read")         /* totals without commercial detail */                               \
    X(JOURNAL_READ, "journal.read")       /* checkpoints, proofs, entries */                                   \
    X(JOURNAL_WRITE, "journal.write")     /* publish a checkpoint */                                           \
    X(KEYS_MANAGE, "keys.manage")
enum cl_action {
#define CL_ACTION_ENUM(name, id) CL_ACTION_##name,
    CL_ACTION_MAP(CL_ACTION_ENUM)
#undef CL_ACTION_ENUM
    CL_ACTION__COUNT
};
const char *cl_action_id(enum cl_action a);
/* The one table of role permissions. */
bool cl_access_allows(enum cl_role role, enum cl_action action);

/* Who is acting: from an API key (server) or the operator (CLI). Strings are owned by the struct's buffers. */
struct cl_principal {
    enum cl_role role;
    char key_id[32];  /* "" for the CLI operator */
    char party[CL_LIMIT_NAME_BYTES]; /* the party an importer or exporter key acts for; "" if none */
    char name[CL_LIMIT_NAME_BYTES];  /* for records: "key:ab12cd34 (importer DeepSeek)" or the OS user */
};

extern const struct cl_migration cl_access_migrations[];
extern const size_t cl_access_n_migrations;

#define CL_KEY_TEXT_BYTES 64 /* "clk_" + 16 hex id + "_" + 40 hex secret + NUL */

/* Creates a key for role (and party, may be NULL or "") inside the caller's write transaction. The key text is
 * written to out_key: it is shown once and only its hash is stored. label may be NULL. */
enum cl_err cl_access_key_create(struct cl_store *st, enum cl_role role, const char *party, const char *label,
                                 const char *created_by, char out_key[CL_KEY_TEXT_BYTES], char out_id[32],
                                 struct cl_error *err);
/* Checks key text; on success fills out. Unknown, malformed or revoked keys give CL_ERR_FORBIDDEN with a
 * message that does not echo the secret. */
enum cl_err cl_access_key_verify(struct cl_store *st, const char *key, struct cl_principal *out,
                                 struct cl_error *err);
/* Revokes a key by id (inside a write transaction); CL_ERR_NOT_FOUND if absent. */
enum cl_err cl_access_key_revoke(struct cl_store *st, const char *key_id, struct cl_error *err);
/* Lists keys (never secrets) as a new JSON array. */
enum cl_err cl_access_key_list(struct cl_store *st, json_t **out, struct cl_error *err);

#endif
