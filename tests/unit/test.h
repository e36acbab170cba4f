/* A minimal unit-test harness: named checks that print both sides on failure and count failures. */
#ifndef CL_TEST_H
#define CL_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        test_checks++;                                                                               \
        if (!(cond)) {                                                                               \
            test_failures++;                                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                 \
        }                                                                                            \
    } while (0)

#define CHECK_INT(actual, expected)                                                                  \
    do {                                                                                             \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                              \
        test_checks++;                                                                               \
        if (a_ != e_) {                                                                              \
            test_failures++;                                                                         \
            fprintf(stderr, "%s:%d: %s = %lld, expected %lld\n", __FILE__, __LINE__, #actual, a_, e_); \
        }                                                                                            \
    } while (0)

#define CHECK_STR(actual, expected)                                                                  \
    do {                                                                                             \
        const char *a_ = (actual), *e_ = (expected);                                                 \
        test_checks++;                                                                               \
        if (!a_ || !e_ || strcmp(a_, e_) != 0) {                                                     \
            test_failures++;                                                                         \
            fprintf(stderr, "%s:%d: %s = \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #actual,     \
                    a_ ? a_ : "(null)", e_ ? e_ : "(null)");                                         \
        }                                                                                            \
    } while (0)

/* The error message must contain the fragment: pins down that errors name the place. */
#define CHECK_CONTAINS(haystack, needle)                                                             \
    do {                                                                                             \
        const char *h_ = (haystack), *n_ = (needle);                                                 \
        test_checks++;                                                                               \
        if (!h_ || !strstr(h_, n_)) {                                                                \
            test_failures++;                                                                         \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,           \
                    h_ ? h_ : "(null)", n_);                                                         \
        }                                                                                            \
    } while (0)

#define TEST(name) static void name(void)
#define RUN(name)                                                                                    \
    do {                                                                                             \
        int before_ = test_failures;                                                                 \
        name();                                                                                      \
        fprintf(stderr, "%s %s\n", test_failures == before_ ? "ok  " : "FAIL", #name);               \
    } while (0)
#define TEST_EXIT()                                                                                  \
    (fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures), test_failures ? 1 : 0)

#endif
