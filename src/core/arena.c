/* A bump allocator: per-request and per-load memory that is freed all at once. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/core.h"

struct cl_arena_block {
    struct cl_arena_block *next;
    size_t cap;
    size_t used;
    _Alignas(16) unsigned char data[];
};

enum { BLOCK_MIN_BYTES = 32 * 1024 };

void cl_arena_init(struct cl_arena *a, size_t max_bytes)
{
    a->head = NULL;
    a->used_bytes = 0;
    a->max_bytes = max_bytes ? max_bytes : CL_LIMIT_ARENA_BYTES;
}

void cl_arena_release(struct cl_arena *a)
{
    struct cl_arena_block *b = a->head;
    while (b) {
        struct cl_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_bytes = 0;
}

void *cl_arena_alloc(struct cl_arena *a, size_t bytes)
{
    size_t need = (bytes + 15u) & ~(size_t)15u;
    if (need < bytes) return NULL; /* overflow */
    if (need == 0) need = 16;
    if (need > a->max_bytes || a->used_bytes > a->max_bytes - need) return NULL;
    struct cl_arena_block *b = a->head;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > BLOCK_MIN_BYTES ? need : BLOCK_MIN_BYTES;
        if (b && b->cap * 2 > cap && b->cap < 8u * 1024u * 1024u) cap = b->cap * 2;
        b = malloc(sizeof(*b) + cap);
        if (!b) return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used_bytes += need;
    memset(p, 0, need);
    return p;
}

char *cl_arena_strndup(struct cl_arena *a, const char *s, size_t n)
{
    char *p = cl_arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cl_arena_strdup(struct cl_arena *a, const char *s)
{
    return cl_arena_strndup(a, s, strlen(s));
}

char *cl_arena_printf(struct cl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = cl_arena_alloc(a, (size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
