/* Unit tests for the screening normaliser and scorer: normalised forms, and golden pairs that must score above or
 * below the default review threshold, each with the reason it exists. */
#include <math.h>

#include "clearance/screen.h"
#include "test.h"

static const char *norm(const char *s, int variant)
{
    static struct cl_screen_normal n;
    struct cl_error e = {0};
    if (cl_screen_name_normalize(s, strlen(s), &n, &e)) return "(error)";
    if (variant >= n.n_variants) return "(none)";
    return n.variant[variant];
}

static double score(const char *q, const char *l, enum cl_screen_type t)
{
    struct cl_arena a;
    cl_arena_init(&a, 0);
    struct cl_screen_explain e;
    struct cl_error err = {0};
    double s = -1;
    if (cl_screen_names_match(q, l, t, &a, &e, &err) == CL_OK) s = e.score;
    cl_arena_release(&a);
    return s;
}

TEST(normalises_case_diacritics_punctuation)
{
    CHECK_STR(norm("Müller-Lüdenscheidt, Józef", 0), "muller ludenscheidt jozef");
    CHECK_STR(norm("  ÉCOLE   d'Été  ", 0), "ecole dete");
    CHECK_STR(norm("ＡＢＣ　Ｔｒａｄｉｎｇ", 0), "abc trading"); /* NFKC: full-width forms */
    CHECK_STR(norm("O'BRIEN", 0), "obrien");
}

TEST(keeps_digits)
{
    CHECK_STR(norm("11420 CORP.", 0), "11420 ~corp");
    CHECK_STR(norm("CORP", 0), "~corp");
    CHECK(strcmp(norm("ADRIAN DARYA 1", 0), "adrian darya 1") == 0);
}

TEST(legal_forms_across_languages)
{
    CHECK_STR(norm("Acme Co., Ltd.", 0), "acme ~ltd");
    CHECK_STR(norm("Acme Company Limited", 0), "acme ~ltd");
    CHECK_STR(norm("Acme GmbH", 0), "acme ~ltd");
    CHECK_STR(norm("Acme LLC", 0), "acme ~ltd");
    CHECK_STR(norm("OOO Acme", 0), "~ltd acme");
    CHECK_STR(norm("Obshchestvo s Ogranichennoi Otvetstvennostyu Acme", 0), "~ltd acme");
    CHECK_STR(norm("Acme有限公司", 0), "acme ~ltd");
    CHECK_STR(norm("Acme Open Joint Stock Company", 0), "acme ~jsc");
    CHECK_STR(norm("Acme OAO", 0), "acme ~jsc");
    /* an ambiguous short form counts only at an edge */
    CHECK_STR(norm("Sa Ding", 0), "~jsc ding");
    CHECK_STR(norm("Mohammed Sa Ding", 0), "mohammed sa ding");
}

TEST(honorifics_dropped)
{
    CHECK_STR(norm("Dr. Ayman al-Zawahiri", 0), "ayman al zawahiri");
    CHECK_STR(norm("Sheikh Mr John Smith", 0), "john smith");
}

TEST(other_scripts_transliterated)
{
    CHECK_STR(norm("Владимир Путин", 0), "vladimir putin");
    CHECK_STR(norm("Владимир Путин", 1), "владимир путин"); /* original script kept */
    CHECK_STR(norm("Хаматович", 0), "khamatovich");         /* BGN, not ISO 9 */
    CHECK_STR(norm("金正恩", 0), "jin zheng en");           /* Han to pinyin, syllables spaced */
    CHECK_STR(norm("金正恩", 1), "jinzhengen");             /* and joined */
    CHECK_STR(norm("金正恩", 2), "kim jong un");            /* and its Korean reading */
    CHECK_STR(norm("金正恩", 3), "金 正 恩");
    CHECK_STR(norm("华为技术有限公司", 0), "hua wei technology ~ltd");
    CHECK_STR(norm("Αλέξης Τσίπρας", 0), "alexis tsipras");
    CHECK_STR(norm("صدام حسين", 0), "sdam hsyn");
}

/* Pairs a screener must find (scores at or above the default review threshold 0.82). */
TEST(golden_positives)
{
    const struct {
        const char *q, *l;
        enum cl_screen_type t;
        const char *why;
    } pos[] = {
        {"VLADIMIR PUTIN", "PUTIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL, "surname-comma order"},
        {"PUTIN VLADIMIR", "PUTIN, Vladimir Vladimirovich", CL_SCREEN_TYPE_INDIVIDUAL, "missing middle name"},
        {"VLADIMR PUTIN", "PUTIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL, "a deleted letter"},
        {"VLADIMIR PUTNI", "PUTIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL, "a transposition"},
        {"V. PUTIN", "PUTIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL, "an initial"},
        {"OSAMA BIN LADEN", "BIN LADIN, Usama", CL_SCREEN_TYPE_INDIVIDUAL, "vowel variants"},
        {"OSAMA BINLADEN", "BIN LADEN, Osama", CL_SCREEN_TYPE_INDIVIDUAL, "joined tokens"},
        {"BASHIR UD DIN MAHMOOD", "MAHMOOD, Sultan Bashiruddin", CL_SCREEN_TYPE_INDIVIDUAL, "split tokens"},
        {"AL QAIDA", "AL-QAEDA", CL_SCREEN_TYPE_ENTITY, "spelling variant"},
        {"Huawei Technologies Company Limited", "HUAWEI TECHNOLOGIES CO., LTD.", CL_SCREEN_TYPE_ENTITY,
         "legal form spelt out"},
        {"华为技术有限公司", "HUAWEI TECHNOLOGIES CO., LTD.", CL_SCREEN_TYPE_ENTITY, "Chinese script"},
        {"金正恩", "KIM, Jong Un", CL_SCREEN_TYPE_INDIVIDUAL, "Han characters read in Korean"},
        {"习近平", "XI, Jinping", CL_SCREEN_TYPE_INDIVIDUAL, "Han characters read in Mandarin, syllables joined"},
        {"Владимир Путин", "PUTIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL, "Cyrillic"},
        {"صدام حسين التكريتي", "SADDAM HUSSEIN AL-TIKRITI", CL_SCREEN_TYPE_INDIVIDUAL, "Arabic, unvowelled"},
        {"11420 CORPORATION", "11420 CORP.", CL_SCREEN_TYPE_ENTITY, "digits and legal form"},
        {"Mohammad Reza Akbari", "AKBARI, Mohammadreza Ali", CL_SCREEN_TYPE_INDIVIDUAL, "joined given names"},
        {"BANCO NACIONAL DE CUBA", "BANCO NACIONAL DE CUBA", CL_SCREEN_TYPE_ENTITY, "identical"},
    };
    for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
        double s = score(pos[i].q, pos[i].l, pos[i].t);
        if (s < 0.82)
            fprintf(stderr, "  positive %zu (%s): \"%s\" ~ \"%s\" = %.3f\n", i, pos[i].why, pos[i].q, pos[i].l, s);
        CHECK(s >= 0.82);
    }
}

/* Pairs a screener must not call hits: the complaints about other screeners, and near misses. */
TEST(golden_negatives)
{
    const struct {
        const char *q, *l;
        enum cl_screen_type t;
        const char *why;
    } neg[] = {
        {"George Bush", "HABBASH, George", CL_SCREEN_TYPE_INDIVIDUAL, "shared common given name"},
        {"George Bush", "George Habbash", CL_SCREEN_TYPE_UNKNOWN, "shared common given name"},
        {"emma daniels", "EMMA LLC", CL_SCREEN_TYPE_ENTITY, "a listed name inside the query"},
        {"CORP", "11420 CORP.", CL_SCREEN_TYPE_ENTITY, "digits are not noise"},
        {"11421 CORP", "11420 CORP.", CL_SCREEN_TYPE_ENTITY, "digits match exactly or not at all"},
        {"KIM JONG UN", "KIM, Jong Man", CL_SCREEN_TYPE_INDIVIDUAL, "two of three common tokens"},
        {"PUTIN VLADIMIR", "TURIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL, "first letter of the surname differs"},
        {"VLADIMIR PUTIN", "VLADIMIROV, Vladimir Vladimirovich", CL_SCREEN_TYPE_INDIVIDUAL, "given name only"},
        {"MOHAMMED ALI", "BAZI, Qassem Mohammed Ali", CL_SCREEN_TYPE_INDIVIDUAL, "surname missing"},
        {"John Smith", "JOHN, Damien", CL_SCREEN_TYPE_INDIVIDUAL, "given name only"},
        {"Bank of China", "BANK OF KUNLUN CO LTD", CL_SCREEN_TYPE_ENTITY, "generic words only"},
        {"OSAMA TRADING", "OSAMA BIN LADEN", CL_SCREEN_TYPE_UNKNOWN, "one shared name"},
    };
    for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
        double s = score(neg[i].q, neg[i].l, neg[i].t);
        if (s >= 0.82)
            fprintf(stderr, "  negative %zu (%s): \"%s\" ~ \"%s\" = %.3f\n", i, neg[i].why, neg[i].q, neg[i].l, s);
        CHECK(s >= 0 && s < 0.82);
    }
}

TEST(score_properties)
{
    /* identical names score 1, order does not matter, the score is in [0, 1] */
    CHECK(fabs(score("Acme Trading LLC", "Acme Trading LLC", CL_SCREEN_TYPE_ENTITY) - 1.0) < 1e-4);
    CHECK(fabs(score("Jong Un Kim", "KIM, Jong Un", CL_SCREEN_TYPE_INDIVIDUAL) - 1.0) < 1e-4);
    CHECK(score("", "KIM, Jong Un", CL_SCREEN_TYPE_INDIVIDUAL) == 0.0);
    CHECK(score("!!!", "???", CL_SCREEN_TYPE_UNKNOWN) == 0.0);
    /* more typos never score higher */
    double one = score("VLADIMR PUTIN", "PUTIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL);
    double two = score("VLADMR PUTIN", "PUTIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL);
    CHECK(one < 1.0);
    CHECK(two <= one);
}

TEST(explanation_names_tokens)
{
    struct cl_arena a;
    cl_arena_init(&a, 0);
    struct cl_screen_explain e;
    struct cl_error err = {0};
    CHECK_INT(cl_screen_names_match("VLADIMR PUTIN", "PUTIN, Vladimir", CL_SCREEN_TYPE_INDIVIDUAL, &a, &e, &err),
              CL_OK);
    bool typo = false, exact = false;
    for (size_t i = 0; i < e.n_tokens; i++) {
        const struct cl_screen_token_match *t = &e.tokens[i];
        if (t->how == CL_SCREEN_HOW_TYPO && strcmp(t->query, "vladimr") == 0 && strcmp(t->listed, "vladimir") == 0)
            typo = true;
        if (t->how == CL_SCREEN_HOW_EXACT && strcmp(t->query, "putin") == 0) exact = true;
    }
    CHECK(typo);
    CHECK(exact);
    json_t *j = cl_screen_explain_to_json(&e);
    CHECK(j != NULL);
    CHECK(json_array_size(json_object_get(j, "tokens")) == e.n_tokens);
    json_decref(j);
    /* an unmatched token is named as such */
    CHECK_INT(cl_screen_names_match("emma daniels", "EMMA LLC", CL_SCREEN_TYPE_ENTITY, &a, &e, &err), CL_OK);
    bool daniels = false;
    for (size_t i = 0; i < e.n_tokens; i++)
        if (e.tokens[i].how == CL_SCREEN_HOW_UNMATCHED && e.tokens[i].query &&
            strcmp(e.tokens[i].query, "daniels") == 0)
            daniels = true;
    CHECK(daniels);
    cl_arena_release(&a);
}

TEST(limits_and_bad_utf8)
{
    char big[CL_LIMIT_NAME_BYTES + 10];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    struct cl_screen_normal n;
    struct cl_error e = {0};
    CHECK_INT(cl_screen_name_normalize(big, strlen(big), &n, &e), CL_ERR_LIMIT);
    cl_error_clear(&e);
    const char bad[] = "AC\xff\xfeME \xe2\x82 TRADING";
    CHECK_INT(cl_screen_name_normalize(bad, strlen(bad), &n, &e), CL_OK);
    CHECK(n.n_variants >= 1);
}

TEST(config_checks)
{
    struct cl_screen_config c;
    cl_screen_config_init(&c);
    struct cl_error e = {0};
    CHECK_INT(cl_screen_config_check(&c, &e), CL_OK);
    c.block = 0.5;
    CHECK_INT(cl_screen_config_check(&c, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "block");
}

TEST(country_codes)
{
    CHECK_STR(cl_screen_country_code("Iran", 4), "ir");
    CHECK_STR(cl_screen_country_code("IR", 2), "ir");
    CHECK_STR(cl_screen_country_code("Korea, North", 12), "kp");
    CHECK(cl_screen_country_code("Atlantis", 8) == NULL);
}

int main(void)
{
    RUN(normalises_case_diacritics_punctuation);
    RUN(keeps_digits);
    RUN(legal_forms_across_languages);
    RUN(honorifics_dropped);
    RUN(other_scripts_transliterated);
    RUN(golden_positives);
    RUN(golden_negatives);
    RUN(score_properties);
    RUN(explanation_names_tokens);
    RUN(limits_and_bad_utf8);
    RUN(config_checks);
    RUN(country_codes);
    return TEST_EXIT();
}
