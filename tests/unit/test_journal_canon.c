/* Unit tests for the journal's canonical JSON writer: byte for byte the output of cl_json_canonical on random
 * values (escapes, UTF-8, extreme integers, many keys), and its refusals (reals, depth, length). */
#include <stdlib.h>

#include "clearance/json.h"
#include "journal/journal_int.h"
#include "test.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static json_t *random_string(void)
{
    static const char *const pieces[] = {"a",    "Z",           "0",    " ",        "\"",           "\\",
                                         "/",    "\n",          "\t",   "\r",       "\b",           "\f",
                                         "\x01", "\x1f",        "\x7f", "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80",
                                         "key",  "\xe4\xb8\xad"};
    char buf[64];
    size_t len = 0, n = next_rand() % 8;
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[next_rand() % (sizeof(pieces) / sizeof(pieces[0]))];
        size_t k = strlen(p);
        if (len + k >= sizeof(buf)) break;
        memcpy(buf + len, p, k);
        len += k;
    }
    return json_stringn(buf, len);
}

static json_t *random_value(int depth)
{
    switch (next_rand() % (depth > 4 ? 5 : 7)) {
    case 0: return random_string();
    case 1: {
        static const json_int_t edges[] = {0, 1, -1, 9, 10, -10, INT64_MAX, INT64_MIN, 1234567890123};
        return json_integer(next_rand() % 2 ? edges[next_rand() % 9] : (json_int_t)next_rand());
    }
    case 2: return json_true();
    case 3: return json_false();
    case 4: return json_null();
    case 5: {
        json_t *a = json_array();
        size_t n = next_rand() % 5;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        size_t n = next_rand() % (next_rand() % 4 ? 6 : 40);
        for (size_t i = 0; i < n; i++) {
            json_t *k = random_string();
            json_object_setn_new(o, json_string_value(k), json_string_length(k), random_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

TEST(matches_cl_json_canonical)
{
    struct jbuf b;
    cl_journal_jbuf_init(&b, 1u << 20);
    struct cl_error e = {0};
    int mismatches = 0;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(0);
        char *want = cl_json_canonical(v);
        b.len = 0;
        enum cl_err rc = cl_journal_canon_write(&b, v, &e);
        if (rc || b.len != strlen(want) || memcmp(b.p, want, b.len) != 0) {
            if (mismatches++ < 3)
                fprintf(stderr, "  want %s\n  got  %.*s (%s)\n", want, (int)b.len, b.p ? b.p : "", e.msg);
        }
        free(want);
        json_decref(v);
    }
    CHECK_INT(mismatches, 0);
    CHECK_INT(b.n_keys, 0); /* the key stack is empty between records */
    cl_journal_jbuf_release(&b);
}

TEST(keys_sort_bytewise_and_nul_is_refused)
{
    struct jbuf b;
    cl_journal_jbuf_init(&b, 4096);
    struct cl_error e = {0};
    json_t *o = json_object();
    json_object_set_new(o, "b", json_integer(2));
    json_object_set_new(o, "a", json_integer(1));
    json_object_set_new(o, "ab", json_integer(3));
    json_object_set_new(o, "\xc3\xa9", json_integer(5)); /* e-acute sorts after ASCII by its bytes */
    json_object_set_new(o, "B", json_integer(4));
    json_object_set_new(o, "a\x01z", json_string("x\x1fy"));
    CHECK_INT(cl_journal_canon_write(&b, o, &e), CL_OK);
    const char *want = "{\"B\":4,\"a\":1,\"a\\u0001z\":\"x\\u001Fy\",\"ab\":3,\"b\":2,\"\xc3\xa9\":5}";
    CHECK_INT(b.len, strlen(want));
    CHECK(memcmp(b.p, want, b.len) == 0);
    /* NUL, in a value or a key, would not read back */
    json_object_setn_new(o, "n", 1, json_stringn("x\0y", 3));
    b.len = 0;
    CHECK_INT(cl_journal_canon_write(&b, o, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "NUL");
    json_object_del(o, "n");
    json_object_setn_new(o, "k\0", 2, json_integer(1));
    cl_error_clear(&e);
    CHECK_INT(cl_journal_canon_write(&b, o, &e), CL_ERR_INPUT);
    CHECK_INT(b.len, 0);
    json_decref(o);
    cl_journal_jbuf_release(&b);
}

TEST(refusals_leave_the_buffer_unchanged)
{
    struct jbuf b;
    cl_journal_jbuf_init(&b, 128);
    struct cl_error e = {0};
    CHECK_INT(cl_journal_jbuf_put(&b, "prefix", 6, &e), CL_OK);
    json_t *real = json_pack("{s:[i,{s:f}]}", "a", 1, "price", 2.5);
    CHECK_INT(cl_journal_canon_write(&b, real, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "real number at \"price\"");
    CHECK_INT(b.len, 6);
    CHECK_INT(b.n_keys, 0);
    json_decref(real);
    /* too deep */
    json_t *deep = json_array(), *cur = deep;
    for (int i = 0; i < CL_LIMIT_JSON_DEPTH; i++) {
        json_t *n = json_array();
        json_array_append_new(cur, n);
        cur = n;
    }
    cl_error_clear(&e);
    CHECK_INT(cl_journal_canon_write(&b, deep, &e), CL_ERR_LIMIT);
    CHECK_INT(b.len, 6);
    json_decref(deep);
    /* exactly at the depth limit is fine */
    deep = json_array();
    cur = deep;
    for (int i = 0; i < CL_LIMIT_JSON_DEPTH - 1; i++) {
        json_t *n = json_array();
        json_array_append_new(cur, n);
        cur = n;
    }
    cl_error_clear(&e);
    CHECK_INT(cl_journal_canon_write(&b, deep, &e), CL_OK);
    CHECK_INT(b.len, 6 + 2 * CL_LIMIT_JSON_DEPTH);
    json_decref(deep);
    /* longer than the buffer's maximum */
    b.len = 6;
    json_t *s = json_string("0123456789012345678901234567890123456789012345678901234567890"
                            "0123456789012345678901234567890123456789012345678901234567890");
    cl_error_clear(&e);
    CHECK_INT(cl_journal_canon_write(&b, s, &e), CL_ERR_LIMIT);
    CHECK_INT(b.len, 6);
    json_decref(s);
    cl_journal_jbuf_release(&b);
}

int main(void)
{
    RUN(matches_cl_json_canonical);
    RUN(keys_sort_bytewise_and_nul_is_refused);
    RUN(refusals_leave_the_buffer_unchanged);
    return TEST_EXIT();
}
