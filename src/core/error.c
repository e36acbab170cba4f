/* Names, texts and the first-error-wins recording of clearance errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/error.h"

static const char *const err_names[] = {
#define CL_ERR_NAME(name, text) "CL_ERR_" #name,
    CL_ERR_MAP(CL_ERR_NAME)
#undef CL_ERR_NAME
};
static const char *const err_texts[] = {
#define CL_ERR_TEXT(name, text) text,
    CL_ERR_MAP(CL_ERR_TEXT)
#undef CL_ERR_TEXT
};
_Static_assert(sizeof(err_names) / sizeof(err_names[0]) == CL_ERR__COUNT, "one name per code");

const char *cl_err_name(enum cl_err code)
{
    if ((unsigned)code >= CL_ERR__COUNT) return "CL_ERR_UNKNOWN";
    return err_names[code];
}

enum cl_err cl_err_from_name(const char *name)
{
    for (int i = 0; name && i < CL_ERR__COUNT; i++)
        if (strcmp(err_names[i], name) == 0) return (enum cl_err)i;
    return CL_ERR_INTERNAL;
}

const char *cl_strerror(enum cl_err code)
{
    if ((unsigned)code >= CL_ERR__COUNT) return "unknown error";
    return err_texts[code];
}

void cl_error_clear(struct cl_error *err)
{
    if (!err) return;
    err->code = CL_OK;
    err->msg[0] = '\0';
}

enum cl_err cl_error_set(struct cl_error *err, enum cl_err code, const char *fmt, ...)
{
    if (!err || err->code != CL_OK) return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

enum cl_err cl_error_prefix(struct cl_error *err, const char *fmt, ...)
{
    if (!err || err->code == CL_OK) return err ? err->code : CL_OK;
    char prefix[sizeof(err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    char joined[sizeof(err->msg)];
    snprintf(joined, sizeof(joined), "%s: %s", prefix, err->msg);
    memcpy(err->msg, joined, sizeof(err->msg));
    return err->code;
}

_Noreturn void cl_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "clearance: assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    abort();
}
