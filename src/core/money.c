/* Money as integer cents and rates as integer parts per million, with one exact rounding rule. */
#include <stdio.h>
#include <string.h>

#include "clearance/core.h"

#define MONEY_MAX_CENTS (100000000000000000LL) /* 10^15 dollars */

enum cl_err cl_money_parse(const char *s, size_t len, int64_t *out_cents)
{
    size_t i = 0;
    int64_t whole = 0;
    size_t ndig = 0, group = 0;
    bool grouped = false;
    if (len == 0) return CL_ERR_INPUT;
    for (; i < len && s[i] != '.'; i++) {
        if (s[i] == ',') {
            /* a separator needs 1-3 digits before the first and exactly 3 between later ones */
            if (ndig == 0 || (grouped && group != 3) || (!grouped && group > 3)) return CL_ERR_INPUT;
            grouped = true;
            group = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') return CL_ERR_INPUT;
        whole = whole * 10 + (s[i] - '0');
        if (whole > MONEY_MAX_CENTS / 100) return CL_ERR_INPUT;
        ndig++;
        group++;
    }
    if (ndig == 0 || (grouped && group != 3)) return CL_ERR_INPUT;
    int64_t cents = 0;
    if (i < len) {
        i++; /* '.' */
        size_t nd = 0;
        for (; i < len; i++, nd++) {
            if (s[i] < '0' || s[i] > '9' || nd >= 2) return CL_ERR_INPUT;
            cents = cents * 10 + (s[i] - '0');
        }
        if (nd == 0) return CL_ERR_INPUT;
        if (nd == 1) cents *= 10;
    }
    *out_cents = whole * 100 + cents;
    return CL_OK;
}

void cl_money_format(int64_t cents, bool grouped, char out[CL_MONEY_TEXT_BYTES])
{
    bool neg = cents < 0;
    uint64_t v = neg ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)(v / 100));
    char *p = out;
    if (neg) *p++ = '-';
    for (int i = 0; i < n; i++) {
        if (grouped && i > 0 && (n - i) % 3 == 0) *p++ = ',';
        *p++ = digits[i];
    }
    snprintf(p, (size_t)(out + CL_MONEY_TEXT_BYTES - p), ".%02u", (unsigned)(v % 100));
}

enum cl_err cl_rate_parse(const char *s, size_t len, int32_t *out_ppm)
{
    bool percent = len > 0 && s[len - 1] == '%';
    if (percent) len--;
    if (len == 0) return CL_ERR_INPUT;
    /* value as an integer scaled by 10^6 of its unit */
    int64_t whole = 0, frac = 0;
    size_t i = 0, nfrac = 0, nwhole = 0;
    for (; i < len && s[i] != '.'; i++, nwhole++) {
        if (s[i] < '0' || s[i] > '9' || nwhole >= 4) return CL_ERR_INPUT;
        whole = whole * 10 + (s[i] - '0');
    }
    if (nwhole == 0) return CL_ERR_INPUT;
    if (i < len) {
        for (i++; i < len; i++, nfrac++) {
            if (s[i] < '0' || s[i] > '9' || nfrac >= 6) return CL_ERR_INPUT;
            frac = frac * 10 + (s[i] - '0');
        }
        if (nfrac == 0) return CL_ERR_INPUT;
    }
    for (; nfrac < 6; nfrac++) frac *= 10;
    int64_t micro_units = whole * 1000000 + frac; /* value x 10^6 */
    int64_t ppm;
    if (percent) {
        if (micro_units % 100 != 0) return CL_ERR_INPUT; /* finer than 1 ppm */
        ppm = micro_units / 100;
    } else {
        ppm = micro_units;
    }
    if (ppm < 0 || ppm > CL_RATE_PPM_ONE) return CL_ERR_INPUT;
    *out_ppm = (int32_t)ppm;
    return CL_OK;
}

void cl_rate_format(int32_t ppm, char out[16])
{
    int whole = ppm / 10000, frac = ppm % 10000;
    if (frac == 0) {
        snprintf(out, 16, "%d%%", whole);
        return;
    }
    char f[8];
    snprintf(f, sizeof(f), "%04d", frac);
    for (int i = 3; i > 0 && f[i] == '0'; i--) f[i] = '\0';
    snprintf(out, 16, "%d.%s%%", whole, f);
}

int64_t cl_money_apply_rate(int64_t value_cents, int32_t rate_ppm)
{
    CL_ASSERT(rate_ppm >= 0);
    CL_ASSERT(rate_ppm <= CL_RATE_PPM_ONE);
    __extension__ typedef __int128 i128;
    i128 prod = (i128)value_cents * rate_ppm;
    i128 half = CL_RATE_PPM_ONE / 2;
    i128 q = prod >= 0 ? (prod + half) / CL_RATE_PPM_ONE : -((-prod + half) / CL_RATE_PPM_ONE);
    return (int64_t)q;
}
