/* Small string and file helpers shared by every module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clearance/core.h"

struct cl_str cl_str_from(const char *s)
{
    return (struct cl_str){s, s ? strlen(s) : 0};
}

bool cl_str_eq(struct cl_str a, struct cl_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool cl_str_eq_nocase(struct cl_str a, struct cl_str b)
{
    if (a.len != b.len) return false;
    for (size_t i = 0; i < a.len; i++) {
        unsigned char x = (unsigned char)a.ptr[i], y = (unsigned char)b.ptr[i];
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
        if (x != y) return false;
    }
    return true;
}

bool cl_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = strlen(src);
    if (cap == 0) return n == 0;
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(dst, src, k);
    dst[k] = '\0';
    return k == n;
}

enum cl_err cl_file_read(const char *path, size_t max_bytes, char **out_buf, size_t *out_len, struct cl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cl_error_set(err, CL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    enum cl_err rc = CL_OK;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = cl_error_set(err, CL_ERR_IO, "%s: is a directory", path);
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap > max_bytes) {
                rc = cl_error_set(err, CL_ERR_LIMIT, "%s: larger than the limit of %zu bytes", path, max_bytes);
                goto out;
            }
            size_t ncap = cap ? cap * 2 : 64 * 1024;
            if (ncap > max_bytes + 1) ncap = max_bytes + 1;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = cl_error_set(err, CL_ERR_NOMEM, "%s: out of memory reading the file", path);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) rc = cl_error_set(err, CL_ERR_IO, "%s: read error: %s", path, strerror(errno));
            break;
        }
    }
    if (!rc && len > max_bytes)
        rc = cl_error_set(err, CL_ERR_LIMIT, "%s: larger than the limit of %zu bytes", path, max_bytes);
out:
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    if (!buf) {
        buf = malloc(1);
        if (!buf) return cl_error_set(err, CL_ERR_NOMEM, "%s: out of memory", path);
    }
    buf[len] = '\0';
    *out_buf = buf;
    *out_len = len;
    return CL_OK;
}

void cl_milli_format(int64_t milli, int max_decimals, char out[32])
{
    bool neg = milli < 0;
    uint64_t v = neg ? (uint64_t)0 - (uint64_t)milli : (uint64_t)milli;
    if (max_decimals < 0) max_decimals = 0;
    if (max_decimals > 3) max_decimals = 3;
    /* round half away from zero to max_decimals */
    uint64_t scale = 1;
    for (int i = max_decimals; i < 3; i++) scale *= 10;
    v = (v + scale / 2) / scale * scale;
    uint64_t whole = v / 1000, frac = v % 1000;
    char f[4];
    snprintf(f, sizeof(f), "%03u", (unsigned)frac);
    f[max_decimals] = '\0';
    for (int i = max_decimals - 1; i >= 0 && f[i] == '0'; i--) f[i] = '\0';
    if (f[0])
        snprintf(out, 32, "%s%llu.%s", neg ? "-" : "", (unsigned long long)whole, f);
    else
        snprintf(out, 32, "%s%llu", neg ? "-" : "", (unsigned long long)whole);
}
