/* Unit tests for the core: errors, arena, dates, times, money, rates and the JSON helpers. */
#include <stdlib.h>

#include "clearance/json.h"
#include "test.h"

TEST(error_first_wins_and_prefix)
{
    struct cl_error e;
    cl_error_clear(&e);
    CHECK_INT(cl_error_set(&e, CL_ERR_INPUT, "first %d", 1), CL_ERR_INPUT);
    cl_error_set(&e, CL_ERR_IO, "second");
    CHECK_INT(e.code, CL_ERR_INPUT);
    CHECK_STR(e.msg, "first 1");
    cl_error_prefix(&e, "file.json");
    CHECK_STR(e.msg, "file.json: first 1");
    CHECK_STR(cl_err_name(CL_ERR_LIMIT), "CL_ERR_LIMIT");
    CHECK_STR(cl_err_name((enum cl_err)999), "CL_ERR_UNKNOWN");
}

TEST(arena_limits_and_alignment)
{
    struct cl_arena a;
    cl_arena_init(&a, 1024);
    char *p = cl_arena_alloc(&a, 3);
    CHECK(p != NULL);
    CHECK_INT((uintptr_t)p % 16, 0);
    CHECK(cl_arena_alloc(&a, 2000) == NULL); /* past the arena's limit */
    CHECK_STR(cl_arena_printf(&a, "%s-%d", "x", 7), "x-7");
    cl_arena_release(&a);
    cl_arena_init(&a, 0);
    for (int i = 0; i < 1000; i++) CHECK(cl_arena_alloc(&a, 1000) != NULL);
    cl_arena_release(&a);
}

TEST(dates_round_trip_and_reject)
{
    cl_date d;
    CHECK_INT(cl_date_parse("1970-01-01", 10, &d), CL_OK);
    CHECK_INT(d, 0);
    CHECK_INT(cl_date_parse("2026-01-15", 10, &d), CL_OK);
    char buf[CL_DATE_TEXT_BYTES];
    cl_date_format(d, buf);
    CHECK_STR(buf, "2026-01-15");
    CHECK_INT(cl_date_from_ymd(2026, 1, 15) - cl_date_from_ymd(2026, 1, 14), 1);
    CHECK_INT(cl_date_parse("2024-02-29", 10, &d), CL_OK);
    CHECK_INT(cl_date_parse("2025-02-29", 10, &d), CL_ERR_INPUT);
    CHECK_INT(cl_date_parse("2026-13-01", 10, &d), CL_ERR_INPUT);
    CHECK_INT(cl_date_parse("2026-1-01", 9, &d), CL_ERR_INPUT);
    CHECK_INT(cl_date_parse("2026/01/01", 10, &d), CL_ERR_INPUT);
    /* every day of 1900..2100 survives a round trip */
    for (cl_date x = cl_date_from_ymd(1900, 1, 1); x < cl_date_from_ymd(2100, 1, 1); x++) {
        cl_date y;
        cl_date_format(x, buf);
        if (cl_date_parse(buf, 10, &y) || y != x) {
            CHECK_INT(y, x);
            break;
        }
    }
    CHECK_INT(cl_date_add_months(cl_date_from_ymd(2026, 1, 31), 1), cl_date_from_ymd(2026, 2, 28));
    CHECK_INT(cl_date_add_months(cl_date_from_ymd(2026, 2, 1), 48), cl_date_from_ymd(2030, 2, 1));
}

TEST(times_round_trip)
{
    cl_time t;
    char buf[CL_TIME_TEXT_BYTES];
    CHECK_INT(cl_time_parse("2026-01-15T10:20:30Z", 20, &t), CL_OK);
    cl_time_format(t, buf);
    CHECK_STR(buf, "2026-01-15T10:20:30Z");
    CHECK_INT(cl_time_parse("2026-01-15T10:20:30.5Z", 22, &t), CL_OK);
    cl_time_format(t, buf);
    CHECK_STR(buf, "2026-01-15T10:20:30.500000Z");
    CHECK_INT(cl_time_date(t), cl_date_from_ymd(2026, 1, 15));
    CHECK_INT(cl_time_parse("2026-01-15T24:00:00Z", 20, &t), CL_ERR_INPUT);
    CHECK_INT(cl_time_parse("2026-01-15", 10, &t), CL_OK);
    CHECK_INT(cl_time_date(-1), -1); /* 1969-12-31T23:59:59.999999 */
}

TEST(money_parse_format_and_rounding)
{
    int64_t c;
    char buf[CL_MONEY_TEXT_BYTES];
    CHECK_INT(cl_money_parse("1234.5", 6, &c), CL_OK);
    CHECK_INT(c, 123450);
    CHECK_INT(cl_money_parse("1,234,567.89", 12, &c), CL_OK);
    CHECK_INT(c, 123456789);
    CHECK_INT(cl_money_parse("1,23", 4, &c), CL_ERR_INPUT);
    CHECK_INT(cl_money_parse("12.345", 6, &c), CL_ERR_INPUT);
    CHECK_INT(cl_money_parse("-5", 2, &c), CL_ERR_INPUT);
    CHECK_INT(cl_money_parse("", 0, &c), CL_ERR_INPUT);
    CHECK_INT(cl_money_parse("1.", 2, &c), CL_ERR_INPUT);
    cl_money_format(123456789, true, buf);
    CHECK_STR(buf, "1,234,567.89");
    cl_money_format(5, false, buf);
    CHECK_STR(buf, "0.05");
    int32_t r;
    CHECK_INT(cl_rate_parse("25%", 3, &r), CL_OK);
    CHECK_INT(r, 250000);
    CHECK_INT(cl_rate_parse("0.15", 4, &r), CL_OK);
    CHECK_INT(r, 150000);
    CHECK_INT(cl_rate_parse("15.5%", 5, &r), CL_OK);
    CHECK_INT(r, 155000);
    CHECK_INT(cl_rate_parse("101%", 4, &r), CL_ERR_INPUT);
    char rb[16];
    cl_rate_format(155000, rb);
    CHECK_STR(rb, "15.5%");
    /* 25% of $0.02 is half a cent: rounds away from zero to 1 cent; of $0.01 is 0.25 cent: rounds to 0 */
    CHECK_INT(cl_money_apply_rate(2, 250000), 1);
    CHECK_INT(cl_money_apply_rate(1, 250000), 0);
    CHECK_INT(cl_money_apply_rate(-2, 250000), -1);
    /* exact on large values: 25% of $10^13 */
    CHECK_INT(cl_money_apply_rate(1000000000000000LL, 250000), 250000000000000LL);
    CHECK_INT(cl_money_apply_rate(333, 150000), 50); /* 49.95 cents rounds up */
}

TEST(json_getters_name_the_path)
{
    struct cl_error e;
    json_t *v = NULL;
    const char *text = "{\"a\": 989.5, \"b\": \"x\", \"d\": \"2026-02-30\", \"n\": 3}";
    cl_error_clear(&e);
    CHECK_INT(cl_json_parse(text, strlen(text), "t.json", 8, &v, &e), CL_OK);
    int64_t milli = 0;
    CHECK_INT(cl_json_get_milli(v, "a", "$", true, 1000000000, &milli, &e), CL_OK);
    CHECK_INT(milli, 989500);
    CHECK_INT(cl_json_get_milli(v, "n", "$", true, 1000000000, &milli, &e), CL_OK);
    CHECK_INT(milli, 3000);
    cl_date d;
    CHECK_INT(cl_json_get_date(v, "d", "$.rules[2]", true, &d, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "$.rules[2].d");
    cl_error_clear(&e);
    const char *allowed[] = {"a", "b", "d", NULL};
    CHECK_INT(cl_json_check_keys(v, "$.x", allowed, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "$.x.n: unknown field");
    cl_error_clear(&e);
    const char *s = NULL;
    CHECK_INT(cl_json_get_str(v, "zz", "$", true, 10, &s, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "$.zz: missing field");
    json_decref(v);

    cl_error_clear(&e);
    const char *deep = "[[[[[[[[[[1]]]]]]]]]]";
    CHECK_INT(cl_json_parse(deep, strlen(deep), "deep.json", 5, &v, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "deep.json:1: JSON nested deeper than 5");
    cl_error_clear(&e);
    const char *dup = "{\"a\":1,\n\"a\":2}";
    CHECK_INT(cl_json_parse(dup, strlen(dup), "dup.json", 5, &v, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "dup.json:2:");
    cl_error_clear(&e);
    const char *bad = "{\"a\": 0.0001}";
    CHECK_INT(cl_json_parse(bad, strlen(bad), "b", 5, &v, &e), CL_OK);
    CHECK_INT(cl_json_get_milli(v, "a", "$", true, 1000, &milli, &e), CL_ERR_INPUT);
    json_decref(v);
}

TEST(json_canonical_sorts_keys)
{
    json_t *v = json_pack("{s:i, s:s, s:[i,i]}", "b", 1, "a", "é", "c", 1, 2);
    char *c = cl_json_canonical(v);
    CHECK_STR(c, "{\"a\":\"é\",\"b\":1,\"c\":[1,2]}");
    free(c);
    json_decref(v);
    char buf[32];
    cl_milli_format(19449631, 2, buf);
    CHECK_STR(buf, "19449.63");
    cl_milli_format(15832000, 2, buf);
    CHECK_STR(buf, "15832");
}

int main(void)
{
    RUN(error_first_wins_and_prefix);
    RUN(arena_limits_and_alignment);
    RUN(dates_round_trip_and_reject);
    RUN(times_round_trip);
    RUN(money_parse_format_and_rounding);
    RUN(json_getters_name_the_path);
    RUN(json_canonical_sorts_keys);
    return TEST_EXIT();
}
