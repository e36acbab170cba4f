/* The canonical JSON writer for journal records: the bytes of cl_json_canonical, without its allocations, on an
 * explicit stack so input depth never becomes recursion depth. */
#include <stdlib.h>
#include <string.h>

#include "journal_int.h"

struct canon_key {
    const char *key;
    size_t len;
    const json_t *value;
};

void cl_journal_jbuf_init(struct jbuf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void cl_journal_jbuf_release(struct jbuf *b)
{
    free(b->p);
    free(b->keys);
    memset(b, 0, sizeof(*b));
}

static enum cl_err grow(struct jbuf *b, size_t extra, struct cl_error *err)
{
    if (extra > b->max - b->len)
        return cl_error_set(err, CL_ERR_LIMIT, "journal entry is longer than the limit of %zu bytes", b->max);
    if (b->len + extra <= b->cap) return CL_OK;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    b->p = p;
    b->cap = cap;
    return CL_OK;
}

enum cl_err cl_journal_jbuf_put(struct jbuf *b, const void *data, size_t n, struct cl_error *err)
{
    enum cl_err rc = grow(b, n, err);
    if (rc) return rc;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return CL_OK;
}

#define PUT(b, s, n)                                                                                                   \
    do {                                                                                                               \
        rc = cl_journal_jbuf_put((b), (s), (n), err);                                                                  \
        if (rc) goto fail;                                                                                             \
    } while (0)

/* The bytes a JSON string must escape: control characters, quote and backslash. */
static const bool needs_escape[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1,
    [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
    [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1,
    [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

/* Escapes as jansson does without JSON_ENSURE_ASCII or JSON_ESCAPE_SLASH: quote, backslash and the control
 * characters; everything else (UTF-8 included) as is. NUL is refused: jansson's reader rejects "\u0000", and every
 * entry must read back for auditors. */
static enum cl_err put_string(struct jbuf *b, const char *s, size_t n, struct cl_error *err)
{
    static const char hexd[] = "0123456789ABCDEF";
    enum cl_err rc = grow(b, n + 2, err);
    if (rc) return rc;
    b->p[b->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape[c]) continue;
        if (c == 0)
            return cl_error_set(err, CL_ERR_INPUT,
                                "record holds a NUL character in a string, which JSON readers refuse");
        rc = cl_journal_jbuf_put(b, s + run, i - run, err);
        if (rc) return rc;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t k = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hexd[c >> 4];
            esc[5] = hexd[c & 15];
            k = 6;
        }
        rc = cl_journal_jbuf_put(b, esc, k, err);
        if (rc) return rc;
        run = i + 1;
    }
    rc = cl_journal_jbuf_put(b, s + run, n - run, err);
    if (rc) return rc;
    return cl_journal_jbuf_put(b, "\"", 1, err);
}

static enum cl_err put_int(struct jbuf *b, json_int_t v, struct cl_error *err)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    return cl_journal_jbuf_put(b, tmp + i, sizeof(tmp) - i, err);
}

static int key_cmp(const void *x, const void *y)
{
    const struct canon_key *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->key, b->key, n);
    if (c) return c;
    return (a->len > b->len) - (a->len < b->len);
}

/* Pushes obj's members onto the key stack, sorted. */
static enum cl_err push_keys(struct jbuf *b, const json_t *obj, size_t *out_first, size_t *out_n, struct cl_error *err)
{
    size_t n = json_object_size(obj);
    if (n > b->keys_cap - b->n_keys) {
        size_t cap = b->keys_cap ? b->keys_cap : 64;
        while (cap - b->n_keys < n)
            cap *= 2;
        struct canon_key *k = realloc(b->keys, cap * sizeof(*k));
        if (!k) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        b->keys = k;
        b->keys_cap = cap;
    }
    struct canon_key *k = b->keys + b->n_keys;
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val)
    {
        k[i].key = key;
        k[i].len = json_object_iter_key_len(json_object_key_to_iter(key));
        k[i].value = val;
        i++;
    }
    CL_ASSERT(i == n);
    if (n <= 12) {
        for (size_t x = 1; x < n; x++)
            for (size_t y = x; y > 0 && key_cmp(&k[y - 1], &k[y]) > 0; y--) {
                struct canon_key t = k[y];
                k[y] = k[y - 1];
                k[y - 1] = t;
            }
    } else {
        qsort(k, n, sizeof(*k), key_cmp);
    }
    *out_first = b->n_keys;
    *out_n = n;
    b->n_keys += n;
    return CL_OK;
}

struct frame {
    const json_t *v; /* the object or array being written */
    size_t first;    /* objects: first key on the key stack */
    size_t n, pos;
};

enum cl_err cl_journal_canon_write(struct jbuf *b, const json_t *v, struct cl_error *err)
{
    struct frame stack[CL_LIMIT_JSON_DEPTH];
    size_t depth = 0, start_len = b->len, start_keys = b->n_keys;
    enum cl_err rc = CL_OK;
    const char *last_key = NULL;
    for (;;) {
        /* write v, opening a frame for a container */
        switch (json_typeof(v)) {
        case JSON_OBJECT:
        case JSON_ARRAY:
            if (depth == CL_LIMIT_JSON_DEPTH) {
                rc = cl_error_set(err, CL_ERR_LIMIT, "record nests deeper than %d levels", CL_LIMIT_JSON_DEPTH);
                goto fail;
            }
            stack[depth] = (struct frame){v, 0, 0, 0};
            if (json_is_object(v)) {
                rc = push_keys(b, v, &stack[depth].first, &stack[depth].n, err);
                if (rc) goto fail;
                PUT(b, "{", 1);
            } else {
                stack[depth].n = json_array_size(v);
                PUT(b, "[", 1);
            }
            depth++;
            break;
        case JSON_STRING:
            rc = put_string(b, json_string_value(v), json_string_length(v), err);
            if (rc) goto fail;
            break;
        case JSON_INTEGER:
            rc = put_int(b, json_integer_value(v), err);
            if (rc) goto fail;
            break;
        case JSON_TRUE: PUT(b, "true", 4); break;
        case JSON_FALSE: PUT(b, "false", 5); break;
        case JSON_NULL: PUT(b, "null", 4); break;
        default:
            rc = cl_error_set(err, CL_ERR_INPUT,
                              "record holds a real number%s%s%s: only integers and strings may be journaled",
                              last_key ? " at \"" : "", last_key ? last_key : "", last_key ? "\"" : "");
            goto fail;
        }
        /* find the next value to write, closing finished containers */
        for (;;) {
            if (depth == 0) {
                b->n_keys = start_keys;
                return CL_OK;
            }
            struct frame *f = &stack[depth - 1];
            if (f->pos == f->n) {
                if (json_is_object(f->v)) {
                    PUT(b, "}", 1);
                    b->n_keys = f->first;
                } else {
                    PUT(b, "]", 1);
                }
                depth--;
                continue;
            }
            if (f->pos > 0) PUT(b, ",", 1);
            if (json_is_object(f->v)) {
                const struct canon_key *k = &b->keys[f->first + f->pos];
                rc = put_string(b, k->key, k->len, err);
                if (rc) goto fail;
                PUT(b, ":", 1);
                last_key = k->key;
                v = k->value;
            } else {
                v = json_array_get(f->v, f->pos);
            }
            f->pos++;
            break;
        }
    }
fail:
    b->len = start_len;
    b->n_keys = start_keys;
    return rc;
}

void cl_journal_hex(const uint8_t *data, size_t n, char *out)
{
    static const char hexd[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexd[data[i] >> 4];
        out[2 * i + 1] = hexd[data[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool cl_journal_unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
    if (len != 2 * n) return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
