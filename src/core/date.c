/* ISO-8601 calendar dates and UTC times, as integers, without the C library's time zone machinery. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clearance/core.h"

/* Days from civil, after H. Hinnant's public-domain algorithm description: exact for the proleptic Gregorian
 * calendar, no tables, no time zones. */
cl_date cl_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2u) / 5u + (unsigned)d - 1u;
    unsigned doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
    return (cl_date)(era * 146097 + (int)doe - 719468);
}

void cl_date_to_ymd(cl_date z0, int *out_y, int *out_m, int *out_d)
{
    int z = z0 + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    int y = (int)yoe + era * 400;
    unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    unsigned mp = (5u * doy + 2u) / 153u;
    unsigned d = doy - (153u * mp + 2u) / 5u + 1u;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *out_y = y + (m <= 2);
    *out_m = (int)m;
    *out_d = (int)d;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

enum cl_err cl_date_parse(const char *s, size_t len, cl_date *out)
{
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-') return CL_ERR_INPUT;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d)) return CL_ERR_INPUT;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return CL_ERR_INPUT;
    *out = cl_date_from_ymd(y, m, d);
    return CL_OK;
}

void cl_date_format(cl_date d, char out[CL_DATE_TEXT_BYTES])
{
    if (d == CL_DATE_NONE) {
        out[0] = '\0';
        return;
    }
    int y, m, dd;
    cl_date_to_ymd(d, &y, &m, &dd);
    snprintf(out, CL_DATE_TEXT_BYTES, "%04d-%02d-%02d", y % 10000, m, dd);
}

cl_date cl_date_today(void)
{
    return cl_time_date(cl_time_now());
}

cl_date cl_date_add_months(cl_date d, int months)
{
    int y, m, dd;
    cl_date_to_ymd(d, &y, &m, &dd);
    int idx = y * 12 + (m - 1) + months;
    y = idx / 12;
    m = idx % 12 + 1;
    int last = days_in_month(y, m);
    return cl_date_from_ymd(y, m, dd > last ? last : dd);
}

cl_time cl_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (cl_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

cl_date cl_time_date(cl_time t)
{
    return (cl_date)floor_div(t, 86400LL * 1000000);
}

void cl_time_format(cl_time t, char out[CL_TIME_TEXT_BYTES])
{
    cl_date day = cl_time_date(t);
    int64_t us = t - (int64_t)day * 86400LL * 1000000;
    int64_t secs = us / 1000000;
    int micro = (int)(us % 1000000);
    int y, m, d;
    cl_date_to_ymd(day, &y, &m, &d);
    if (micro)
        snprintf(out, CL_TIME_TEXT_BYTES, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y % 10000, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), micro);
    else
        snprintf(out, CL_TIME_TEXT_BYTES, "%04d-%02d-%02dT%02d:%02d:%02dZ", y % 10000, m, d, (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60));
}

enum cl_err cl_time_parse(const char *s, size_t len, cl_time *out)
{
    cl_date day;
    if (len < 10 || cl_date_parse(s, 10, &day)) return CL_ERR_INPUT;
    if (len == 10) {
        *out = (cl_time)day * 86400LL * 1000000;
        return CL_OK;
    }
    int hh, mm, ss;
    if (len < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len - 1] != 'Z') return CL_ERR_INPUT;
    if (!digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mm) || !digits(s + 17, 2, &ss)) return CL_ERR_INPUT;
    if (hh > 23 || mm > 59 || ss > 59) return CL_ERR_INPUT;
    int micro = 0;
    size_t i = 19;
    if (s[i] == '.') {
        size_t nd = 0;
        for (i++; i < len - 1; i++, nd++) {
            if (s[i] < '0' || s[i] > '9' || nd >= 9) return CL_ERR_INPUT;
            if (nd < 6) micro = micro * 10 + (s[i] - '0');
        }
        if (nd == 0) return CL_ERR_INPUT;
        for (; nd < 6; nd++) micro *= 10;
    }
    if (i != len - 1) return CL_ERR_INPUT;
    *out = ((cl_time)day * 86400 + hh * 3600 + mm * 60 + ss) * 1000000 + micro;
    return CL_OK;
}
