/* The one error enum of clearance and the message struct that carries detail to the user. */
#ifndef CLEARANCE_ERROR_H
#define CLEARANCE_ERROR_H

#include <stddef.h>

/* X(name, text). Codes are appended, never renumbered: stored records and exit-status maps depend on them. */
#define CL_ERR_MAP(X)                                                                  \
    X(OK, "success")                                                                   \
    X(USAGE, "usage error")                                                            \
    X(INPUT, "bad input data")                                                         \
    X(IO, "input/output error")                                                        \
    X(NOMEM, "out of memory")                                                          \
    X(LIMIT, "a limit was exceeded")                                                   \
    X(NOT_FOUND, "not found")                                                          \
    X(CONFLICT, "conflicts with existing state")                                       \
    X(STATE, "not allowed in the current state")                                       \
    X(REFUSED, "refused by a gate")                                                    \
    X(FORBIDDEN, "not permitted for this role")                                        \
    X(STORE, "storage error")                                                          \
    X(CRYPTO, "cryptographic check failed")                                            \
    X(BUSY, "busy, try again")                                                         \
    X(INTERNAL, "internal error")                                                      \
    X(AUTH, "authentication required")

enum cl_err {
#define CL_ERR_ENUM(name, text) CL_ERR_##name,
    CL_ERR_MAP(CL_ERR_ENUM)
#undef CL_ERR_ENUM
    CL_ERR__COUNT
};
#define CL_OK CL_ERR_OK

/* Detail for the user. The first error set wins; later ones are ignored so the root cause survives. */
struct cl_error {
    enum cl_err code;
    char msg[256];
};

/* Returns "CL_ERR_INPUT" style names and human text; never NULL, even for out-of-range codes. */
const char *cl_err_name(enum cl_err code);
const char *cl_strerror(enum cl_err code);

/* Clears err (may be NULL). */
void cl_error_clear(struct cl_error *err);

/* The code whose cl_err_name() is name ("CL_ERR_INPUT"), or CL_ERR_INTERNAL when there is none: how a client
 * maps an error received from a server back to the enum. */
enum cl_err cl_err_from_name(const char *name);

/* Records code and a printf-style message in err unless err already holds an error; err may be NULL.
 * Returns code so callers can write `return cl_error_set(err, CL_ERR_INPUT, "...")`. */
enum cl_err cl_error_set(struct cl_error *err, enum cl_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like cl_error_set, but prefixes the message with "prefix: " (a file name, a JSON path).
 * If err already holds an error, prepends the prefix to it instead so context accumulates outward. */
enum cl_err cl_error_prefix(struct cl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Always-on assertion for invariants whose breach means corruption. Prints and aborts. */
#define CL_ASSERT(cond)                                                                \
    do {                                                                               \
        if (!(cond)) cl_assert_fail(#cond, __FILE__, __LINE__);                        \
    } while (0)
_Noreturn void cl_assert_fail(const char *expr, const char *file, int line);

#endif
