/* Base pieces every module uses: strings, the arena, files, ISO-8601 dates and times, integer money. */
#ifndef CLEARANCE_CORE_H
#define CLEARANCE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clearance/error.h"
#include "clearance/limits.h"

/* ---- strings ---------------------------------------------------------------------------------------------- */

/* A borrowed string: pointer and length, not necessarily NUL-terminated. */
struct cl_str {
    const char *ptr;
    size_t len;
};
#define CL_STR(lit) ((struct cl_str){(lit), sizeof(lit) - 1})
struct cl_str cl_str_from(const char *s); /* s may be NULL: gives {NULL, 0} */
bool cl_str_eq(struct cl_str a, struct cl_str b);
bool cl_str_eq_nocase(struct cl_str a, struct cl_str b); /* ASCII case only */

/* Copies at most cap-1 bytes of src into dst and NUL-terminates; returns false if src was cut. */
bool cl_strlcpy(char *dst, const char *src, size_t cap);

/* Formats thousandths as decimal text rounded to at most max_decimals (0-3), trailing zeros dropped:
 * 15832000 gives "15832", 19449631 with 2 gives "19449.63". out needs 32 bytes. */
void cl_milli_format(int64_t milli, int max_decimals, char out[32]);

/* ---- arena ------------------------------------------------------------------------------------------------ */

/* Bump allocator for per-request and per-load work: everything is freed at once by cl_arena_release. */
struct cl_arena_block;
struct cl_arena {
    struct cl_arena_block *head;
    size_t used_bytes; /* handed out so far, for the limit */
    size_t max_bytes;  /* 0 means CL_LIMIT_ARENA_BYTES */
};

/* Fills caller memory; allocates nothing until the first allocation. */
void cl_arena_init(struct cl_arena *a, size_t max_bytes);
/* Frees every block; the arena may be used again afterwards. */
void cl_arena_release(struct cl_arena *a);
/* Returns 16-byte aligned, zeroed memory owned by the arena, or NULL past the limit or on allocation failure. */
void *cl_arena_alloc(struct cl_arena *a, size_t bytes);
/* Copies n bytes of s and NUL-terminates; NULL on failure. */
char *cl_arena_strndup(struct cl_arena *a, const char *s, size_t n);
char *cl_arena_strdup(struct cl_arena *a, const char *s);
char *cl_arena_printf(struct cl_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- files ------------------------------------------------------------------------------------------------ */

/* Reads a whole file into a new malloc'd, NUL-terminated buffer (free with free()). Fails with CL_ERR_IO naming
 * the path, or CL_ERR_LIMIT if the file is larger than max_bytes. */
enum cl_err cl_file_read(const char *path, size_t max_bytes, char **out_buf, size_t *out_len, struct cl_error *err);

/* ---- dates and times -------------------------------------------------------------------------------------- */

/* A calendar date as days since 1970-01-01 in the proleptic Gregorian calendar. Rules and ledgers compare dates,
 * never times of day: a rule effective on a date is in force for that whole date. */
typedef int32_t cl_date;
#define CL_DATE_NONE INT32_MIN /* "no date": an open end of a range */
#define CL_DATE_TEXT_BYTES 11  /* "YYYY-MM-DD" and NUL */

cl_date cl_date_from_ymd(int year, int month, int day);
void cl_date_to_ymd(cl_date d, int *out_year, int *out_month, int *out_day);
/* Parses exactly "YYYY-MM-DD" (years 1900 to 9999) with a real month and day; CL_ERR_INPUT otherwise. */
enum cl_err cl_date_parse(const char *s, size_t len, cl_date *out);
/* Writes "YYYY-MM-DD" into out (CL_DATE_TEXT_BYTES); CL_DATE_NONE gives "". */
void cl_date_format(cl_date d, char out[CL_DATE_TEXT_BYTES]);
/* Today in UTC. Only front ends call this; modules take the date as an argument. */
cl_date cl_date_today(void);
/* Adds months, clamping the day to the month's end (2026-01-31 + 1 month = 2026-02-28). */
cl_date cl_date_add_months(cl_date d, int months);

/* A moment as microseconds since the Unix epoch, UTC. */
typedef int64_t cl_time;
#define CL_TIME_TEXT_BYTES 28 /* "YYYY-MM-DDTHH:MM:SS.ffffffZ" and NUL */
cl_time cl_time_now(void);
/* Writes "YYYY-MM-DDTHH:MM:SSZ", with ".ffffff" only when the microseconds are not zero. */
void cl_time_format(cl_time t, char out[CL_TIME_TEXT_BYTES]);
/* Parses "YYYY-MM-DDTHH:MM:SS[.f...]Z" or a bare date (midnight UTC). */
enum cl_err cl_time_parse(const char *s, size_t len, cl_time *out);
cl_date cl_time_date(cl_time t);

/* ---- money and rates -------------------------------------------------------------------------------------- */

/* Money is an integer count of cents (US dollars unless a currency is named beside it); no floating point.
 * Rates are integer parts per million (25% = 250000). */
#define CL_MONEY_TEXT_BYTES 32
#define CL_RATE_PPM_ONE 1000000

/* Parses "1234", "1234.5", "1234.56", optionally with "," thousands separators; at most 2 decimals;
 * non-negative; at most 10^15 dollars. */
enum cl_err cl_money_parse(const char *s, size_t len, int64_t *out_cents);
/* Writes "1234.56" (no separators) or, when grouped, "1,234.56". */
void cl_money_format(int64_t cents, bool grouped, char out[CL_MONEY_TEXT_BYTES]);
/* Parses "25%", "15.5%", or a fraction "0.25" into parts per million; 0 to 100%; at most 4 decimals in percent. */
enum cl_err cl_rate_parse(const char *s, size_t len, int32_t *out_ppm);
/* Writes "25%" or "15.5%". */
void cl_rate_format(int32_t ppm, char out[16]);
/* value_cents x rate, rounded to the nearest cent, halves away from zero. Exact: computed in 128 bits.
 * The rounding is the one documented in docs/internals/money.md and used for every fee. */
int64_t cl_money_apply_rate(int64_t value_cents, int32_t rate_ppm);

#endif
