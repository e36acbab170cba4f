/* The name normaliser: Unicode NFKC and case folding, transliteration of other scripts to Latin with ICU,
 * diacritics and punctuation removed, legal forms made canonical, honorifics dropped, tokens classified and
 * weighted. Pure functions of the input; thread-safe (one ICU transliterator per thread). */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "screen_int.h"

/* ---- word tables --------------------------------------------------------------------------------------------- */

/* Legal forms, as normalised tokens, and their family. edge: an ambiguous short form ("sa", "ag", "as") only counts
 * as a legal form at the start or end of a name of two or more tokens. */
struct legal_form {
    const char *phrase;
    const char *canon;
    bool edge;
};
static const struct legal_form legal_forms[] = {
    /* limited-liability companies */
    {"ltd", "~ltd", false},
    {"limited", "~ltd", false},
    {"co ltd", "~ltd", false},
    {"company limited", "~ltd", false},
    {"co limited", "~ltd", false},
    {"limited company", "~ltd", false},
    {"llc", "~ltd", false},
    {"l l c", "~ltd", false},
    {"limited liability company", "~ltd", false},
    {"limited liability co", "~ltd", false},
    {"limited liability partnership", "~ltd", false},
    {"llp", "~ltd", false},
    {"gmbh", "~ltd", false},
    {"ooo", "~ltd", false},
    {"obshchestvo s ogranichennoi otvetstvennostyu", "~ltd", false},
    {"obshchestvo s ogranichennoy otvetstvennostyu", "~ltd", false},
    {"obshchestvo s ogranichennoy otvetstvennostiu", "~ltd", false},
    {"obshestvo s ogranichennoi otvetstvennostyu", "~ltd", false},
    {"tov", "~ltd", true},
    {"too", "~ltd", true},
    {"sarl", "~ltd", false},
    {"s a r l", "~ltd", false},
    {"srl", "~ltd", false},
    {"s r l", "~ltd", false},
    {"sp z o o", "~ltd", false},
    {"spolka z o o", "~ltd", false},
    {"bv", "~ltd", true},
    {"b v", "~ltd", true},
    {"pty ltd", "~ltd", false},
    {"pvt ltd", "~ltd", false},
    {"private limited", "~ltd", false},
    {"private ltd", "~ltd", false},
    {"pte ltd", "~ltd", false},
    {"pte limited", "~ltd", false},
    {"pvt limited", "~ltd", false},
    {"private limited company", "~ltd", false},
    {"sa de c v", "~jsc", false},
    {"you xian gong si", "~ltd", false},
    {"you xian ze ren gong si", "~ltd", false},
    {"youxian gongsi", "~ltd", false},
    {"fze", "~ltd", false},
    {"fzco", "~ltd", false},
    {"fzc", "~ltd", false},
    {"fz llc", "~ltd", false},
    {"kft", "~ltd", false},
    {"doo", "~ltd", true},
    {"d o o", "~ltd", false},
    {"sro", "~ltd", true},
    {"s r o", "~ltd", false},
    {"ltda", "~ltd", false},
    {"sdn bhd", "~ltd", false},
    {"bhd", "~ltd", false},
    {"s de rl", "~ltd", false},
    {"s de r l", "~ltd", false},
    {"s de r l de c v", "~ltd", false},
    {"s de rl de cv", "~ltd", false},
    {"ltd sti", "~ltd", false},
    {"ltd sirketi", "~ltd", false},
    {"limited sirketi", "~ltd", false},
    {"yugen kaisha", "~ltd", false},
    {"chusik hoesa", "~ltd", false},
    /* joint-stock companies */
    {"jsc", "~jsc", false},
    {"ojsc", "~jsc", false},
    {"cjsc", "~jsc", false},
    {"pjsc", "~jsc", false},
    {"oao", "~jsc", false},
    {"zao", "~jsc", false},
    {"pao", "~jsc", false},
    {"ao", "~jsc", true},
    {"joint stock company", "~jsc", false},
    {"open joint stock company", "~jsc", false},
    {"closed joint stock company", "~jsc", false},
    {"public joint stock company", "~jsc", false},
    {"joint stock co", "~jsc", false},
    {"aktsionernoe obshchestvo", "~jsc", false},
    {"aktsionernoye obshchestvo", "~jsc", false},
    {"otkrytoe aktsionernoe obshchestvo", "~jsc", false},
    {"zakrytoe aktsionernoe obshchestvo", "~jsc", false},
    {"publichnoe aktsionernoe obshchestvo", "~jsc", false},
    {"ag", "~jsc", true},
    {"sa", "~jsc", true},
    {"s a", "~jsc", false},
    {"s a de c v", "~jsc", false},
    {"sa de cv", "~jsc", false},
    {"sab de cv", "~jsc", false},
    {"spa", "~jsc", true},
    {"s p a", "~jsc", false},
    {"plc", "~jsc", false},
    {"public limited company", "~jsc", false},
    {"nv", "~jsc", true},
    {"n v", "~jsc", false},
    {"as", "~jsc", true},
    {"a s", "~jsc", true},
    {"ab", "~jsc", true},
    {"oyj", "~jsc", false},
    {"gu fen you xian gong si", "~jsc", false},
    {"kabushiki kaisha", "~jsc", false},
    {"kk", "~jsc", true},
    {"tbk", "~jsc", false},
    {"jusik hoesa", "~jsc", false},
    {"ad", "~jsc", true},
    /* corporations */
    {"inc", "~corp", false},
    {"incorporated", "~corp", false},
    {"corp", "~corp", false},
    {"corporation", "~corp", false},
    {"corpn", "~corp", false},
    /* company, unqualified */
    {"co", "~co", false},
    {"company", "~co", false},
    {"cie", "~co", false},
    {"compania", "~co", false},
    {"compagnie", "~co", false},
    {"companhia", "~co", false},
    {"gong si", "~co", false},
    {"gongsi", "~co", false},
    {"kompaniya", "~co", false},
    {"sirketi", "~co", false},
};

/* Company words that say little about which company: kept with a low weight, spelt one way. The first word of
 * each row is the canonical spelling. */
static const char *const generic_words[][8] = {
    {"technology", "technologies", "tech", "technical", "technik", "tekhnologii", "tekhnologiya", "ji shu"},
    {"technology", "ke ji", "technological", NULL},
    {"trading", "trade", "traders", "trader", "commercial", "commerce", "mao yi", "torgovy"},
    {"group", "groups", "ji tuan", "gruppa", "grupo", "groupe", NULL},
    {"holding", "holdings", "kong gu", NULL},
    {"international", "intl", "guo ji", "mezhdunarodny", "internacional", "internationale", NULL},
    {"industrial", "industries", "industry", "industrie", "industria", "gong ye", "shi ye", "promyshlenny"},
    {"industrial", "sanayi", NULL},
    {"import", "export", "imports", "exports", "impex", "jin chu kou", "importexport", NULL},
    {"electronics", "electronic", "dian zi", "elektronika", "electronica", NULL},
    {"research", "yan jiu", "issledovatelsky", "nauchno", "issledovatelskiy", NULL},
    {"institute", "institut", "instituto", "suo", "yan jiu suo", "yan jiu yuan", NULL},
    {"university", "universitet", "universidad", "universite", "da xue", NULL},
    {"bank", "banco", "banque", "yin hang", NULL},
    {"development", "developments", "fa zhan", NULL},
    {"investment", "investments", "tou zi", NULL},
    {"service", "services", "servis", NULL},
    {"engineering", "engineers", NULL},
    {"enterprise", "enterprises", NULL},
    {"general", NULL},
    {"shipping", "shipping", "marine", "maritime", NULL},
    {"logistics", "wu liu", NULL},
    {"management", NULL},
    {"consulting", "consultancy", "consultants", NULL},
    {"center", "centre", "tsentr", "zhong xin", NULL},
    {"factory", "plant", "zavod", "works", NULL},
    {"ministry", NULL},
    {"organization", "organisation", "organizatsiya", NULL},
    {"foundation", "fund", "fondation", "fundacion", NULL},
    {"association", "associates", NULL},
    {"agency", NULL},
    {"office", "bureau", NULL},
    {"department", NULL},
    {"global", NULL},
    {"science", "sciences", "scientific", NULL},
    {"system", "systems", NULL},
    {"equipment", "she bei", NULL},
    {"materials", "material", "cai liao", NULL},
    {"energy", "neng yuan", NULL},
    {"chemical", "chemicals", "hua gong", NULL},
    {"machinery", "ji xie", NULL},
    {"manufacturing", "manufacturer", "manufacturers", "zhi zao", NULL},
    {"construction", "construct", NULL},
    {"communication", "communications", "tong xin", NULL},
    {"information", "xin xi", NULL},
    {"software", "ruan jian", NULL},
    {"network", "networks", "wang luo", NULL},
    {"semiconductor", "semiconductors", "ban dao ti", NULL},
    {"microelectronics", "wei dian zi", NULL},
    {"aviation", "hang kong", NULL},
    {"aerospace", "hang tian", NULL},
    {"precision", "jing mi", NULL},
    {"instrument", "instruments", "yi qi", NULL},
    {"company", NULL},
};

/* Particles of names (articles, "son of", prepositions): kept with a low weight. */
static const char *const particles[] = {
    "al",  "el",   "ul",  "ud", "ad", "ar",  "as",  "at",  "az",  "an",    "bin", "ben", "ibn", "bint", "binti",
    "abu", "abou", "de",  "da", "di", "do",  "dos", "das", "del", "della", "der", "den", "du",  "la",   "le",
    "van", "von",  "ter", "y",  "e",  "the", "of",  "and", "for", "et",    "und", "fi",  "li",
};

/* Honorifics and titles: dropped. */
static const char *const honorifics[] = {
    "mr",           "mrs",           "ms",        "miss",   "dr",      "prof",      "professor", "sheikh",
    "shaykh",       "sheik",         "shaikh",    "haji",   "hajji",   "hadji",     "mullah",    "mulla",
    "maulana",      "mawlawi",       "maulvi",    "moulvi", "mawlavi", "qari",      "hafiz",     "general",
    "gen",          "colonel",       "col",       "lt",     "major",   "maj",       "capt",      "captain",
    "brigadier",    "admiral",       "commander", "sir",    "madam",   "madame",    "mme",       "mlle",
    "herr",         "frau",          "senor",     "sra",    "eng",     "engineer",  "judge",     "ayatollah",
    "hojatoleslam", "hojjatoleslam", "mawlana",   "imam",   "hon",     "honorable",
};

/* ---- a tiny static hash of phrases ---------------------------------------------------------------------------- */

enum { WT_LEGAL = 1, WT_GENERIC, WT_PARTICLE, WT_HONORIFIC };
struct word_slot {
    const char *key; /* phrase, tokens separated by single spaces */
    uint8_t len;
    uint8_t kind;
    uint8_t edge;
    const char *canon;
};
#define WORD_SLOTS 1024
static struct word_slot word_table[WORD_SLOTS];
static int max_phrase_tokens = 1;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

uint64_t sn_hash64(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void table_put(const char *key, uint8_t kind, const char *canon, bool edge)
{
    size_t len = strlen(key);
    size_t i = (size_t)sn_hash64(key, len, 0) & (WORD_SLOTS - 1);
    while (word_table[i].key) {
        if (word_table[i].len == len && memcmp(word_table[i].key, key, len) == 0) return; /* first one wins */
        i = (i + 1) & (WORD_SLOTS - 1);
    }
    word_table[i] = (struct word_slot){key, (uint8_t)len, kind, edge, canon};
    int toks = 1;
    for (const char *c = key; *c; c++)
        if (*c == ' ') toks++;
    if (toks > max_phrase_tokens) max_phrase_tokens = toks;
}

static const struct word_slot *table_get(const char *key, size_t len)
{
    size_t i = (size_t)sn_hash64(key, len, 0) & (WORD_SLOTS - 1);
    while (word_table[i].key) {
        if (word_table[i].len == len && memcmp(word_table[i].key, key, len) == 0) return &word_table[i];
        i = (i + 1) & (WORD_SLOTS - 1);
    }
    return NULL;
}

/* Legal forms and company words of seven letters or more, misspelt by one edit ("CORPORATON", "LIMIED"), are still
 * recognised: their deletion variants are keys here. */
struct fuzzy_key {
    uint64_t h;
    const struct word_slot *ws;
};
#define FUZZY_KEYS 8192
static struct fuzzy_key fuzzy[FUZZY_KEYS];
static size_t n_fuzzy;

static int fuzzy_cmp(const void *a, const void *b)
{
    const struct fuzzy_key *x = a, *y = b;
    return x->h < y->h ? -1 : (x->h > y->h);
}

static void fuzzy_add(const char *v, size_t n, const struct word_slot *ws)
{
    if (n_fuzzy < FUZZY_KEYS) fuzzy[n_fuzzy++] = (struct fuzzy_key){sn_hash64(v, n, 7), ws};
}

static void fuzzy_build(void)
{
    for (size_t i = 0; i < WORD_SLOTS; i++) {
        const struct word_slot *ws = &word_table[i];
        if (!ws->key || ws->len < 7 || strchr(ws->key, ' ') || ws->edge) continue;
        if (ws->kind != WT_LEGAL && ws->kind != WT_GENERIC) continue;
        char v[SN_TOK_BYTES];
        fuzzy_add(ws->key, ws->len, ws);
        for (size_t d = 0; d < ws->len; d++) {
            size_t k = 0;
            for (size_t j = 0; j < ws->len; j++)
                if (j != d) v[k++] = ws->key[j];
            fuzzy_add(v, k, ws);
        }
    }
    qsort(fuzzy, n_fuzzy, sizeof(fuzzy[0]), fuzzy_cmp);
}

static const struct word_slot *fuzzy_find_one(const char *v, size_t n, const char *tok, size_t tl)
{
    struct fuzzy_key key = {sn_hash64(v, n, 7), NULL};
    const struct fuzzy_key *hit = bsearch(&key, fuzzy, n_fuzzy, sizeof(fuzzy[0]), fuzzy_cmp);
    if (!hit) return NULL;
    while (hit > fuzzy && hit[-1].h == key.h)
        hit--;
    for (; hit < fuzzy + n_fuzzy && hit->h == key.h; hit++)
        if (sn_osa_bounded(tok, tl, hit->ws->key, hit->ws->len, 1) <= 1) return hit->ws;
    return NULL;
}

/* The legal form or company word a token of seven letters or more misspells by one edit, or NULL. */
static const struct word_slot *fuzzy_find(const char *tok, size_t tl)
{
    if (tl < 7 || tl >= SN_TOK_BYTES) return NULL;
    for (size_t i = 0; i < tl; i++)
        if (tok[i] < 'a' || tok[i] > 'z') return NULL;
    const struct word_slot *ws = fuzzy_find_one(tok, tl, tok, tl);
    char v[SN_TOK_BYTES];
    for (size_t d = 0; d < tl && !ws; d++) {
        size_t k = 0;
        for (size_t j = 0; j < tl; j++)
            if (j != d) v[k++] = tok[j];
        ws = fuzzy_find_one(v, k, tok, tl);
    }
    return ws;
}

static void tables_build(void)
{
    for (size_t i = 0; i < sizeof(honorifics) / sizeof(honorifics[0]); i++)
        table_put(honorifics[i], WT_HONORIFIC, NULL, false);
    for (size_t i = 0; i < sizeof(legal_forms) / sizeof(legal_forms[0]); i++)
        table_put(legal_forms[i].phrase, WT_LEGAL, legal_forms[i].canon, legal_forms[i].edge);
    for (size_t i = 0; i < sizeof(particles) / sizeof(particles[0]); i++)
        table_put(particles[i], WT_PARTICLE, particles[i], false);
    for (size_t r = 0; r < sizeof(generic_words) / sizeof(generic_words[0]); r++)
        for (size_t k = 0; k < 8 && generic_words[r][k]; k++)
            table_put(generic_words[r][k], WT_GENERIC, generic_words[r][0], false);
    CL_ASSERT(max_phrase_tokens <= 8);
    fuzzy_build();
}

/* ---- ICU, one transliterator per thread ---------------------------------------------------------------------- */

static pthread_key_t icu_key;
static pthread_once_t icu_once = PTHREAD_ONCE_INIT;

static void icu_free(void *p)
{
    if (p) utrans_close(p);
}

static void icu_key_make(void)
{
    CL_ASSERT(pthread_key_create(&icu_key, icu_free) == 0);
}

/* Russian and Greek get their BGN/UNGEGN romanisations (Khamatovich, not Hamatovic); everything else ICU's
 * Any-Latin (Han to pinyin, Arabic, Hangul ...); then Latin-ASCII drops the diacritics. */
static UTransliterator *thread_translit(void)
{
    pthread_once(&icu_once, icu_key_make);
    UTransliterator *t = pthread_getspecific(icu_key);
    if (t) return t;
    static const char id[] = "Russian-Latin/BGN; Greek-Latin/UNGEGN; Any-Latin; Latin-ASCII";
    UChar uid[sizeof(id)];
    u_uastrcpy(uid, id);
    UErrorCode e = U_ZERO_ERROR;
    t = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &e);
    if (U_FAILURE(e)) {
        e = U_ZERO_ERROR;
        u_uastrcpy(uid, "Any-Latin; Latin-ASCII");
        t = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &e);
    }
    CL_ASSERT(U_SUCCESS(e)); /* ICU data is part of the installation */
    pthread_setspecific(icu_key, t);
    return t;
}

/* ---- tokenising ---------------------------------------------------------------------------------------------- */

/* A raw token before classification. */
struct raw {
    char s[SN_TOK_BYTES];
    uint8_t len;
    uint8_t han;
    uint8_t group;
    uint8_t translit; /* transliterated from another alphabet */
    uint8_t script;   /* original-script token (UTF-8, not ASCII) */
    uint8_t dotted;   /* a single letter written with a dot: an initial, never a particle ("Y. Syawal") */
};
struct raws {
    struct raw t[CL_LIMIT_SCREEN_TOKENS * 2];
    int n;
    int comma_at; /* index of the first token after the first comma, -1 if none */
    uint8_t group_next;
};

static bool is_alnum_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Splits lower-case ASCII text into tokens: letters and digits; apostrophes join ("o'brien" -> "obrien"); hyphens
 * and slashes split but group; '&' is "and"; a comma is remembered for the surname rule. */
static void tokenize_ascii(struct raws *r, const char *s, size_t n, bool han, bool arabic, bool translit)
{
    size_t i = 0;
    uint8_t group = 0;
    bool pending_comma = false;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        if (!is_alnum_ascii(c)) {
            if (c == ',' && r->comma_at < 0) pending_comma = true;
            if (c == '&' && r->n < (int)(sizeof(r->t) / sizeof(r->t[0])) && !han) {
                struct raw *t = &r->t[r->n++];
                memset(t, 0, sizeof(*t));
                memcpy(t->s, "and", 4);
                t->len = 3;
            }
            if (c != '-' && c != '/') group = 0;
            i++;
            continue;
        }
        /* a word: alnum runs joined by apostrophes */
        char w[SN_TOK_BYTES];
        size_t wl = 0;
        while (i < n) {
            unsigned char d = (unsigned char)s[i];
            if (d >= 'A' && d <= 'Z') d = (unsigned char)(d + 32);
            if (is_alnum_ascii(d)) {
                if (wl < SN_TOK_BYTES - 1) w[wl++] = (char)d;
                i++;
            } else if ((d == '\'' || d == '`') && i + 1 < n && wl > 0) {
                unsigned char e = (unsigned char)s[i + 1];
                if (e >= 'A' && e <= 'Z') e = (unsigned char)(e + 32);
                if (!is_alnum_ascii(e)) break;
                i++;
            } else {
                break;
            }
        }
        bool hyphen_next =
            i < n && (s[i] == '-' || s[i] == '/') && i + 1 < n && is_alnum_ascii((unsigned char)(s[i + 1] | 0x20));
        if (r->n >= (int)(sizeof(r->t) / sizeof(r->t[0]))) return;
        /* a final h after a consonant is the ta marbuta, written a in Latin ("hmzh" is "Hamza"); not in "allh" */
        if (arabic && wl >= 3 && w[wl - 1] == 'h' && !strchr("aeiouwyl", w[wl - 2])) w[wl - 1] = 'a';
        /* Arabic writes the article joined: "alrhmn" is "al" + "rhmn", as the Latin lists write it */
        if (arabic && wl >= 5 && w[0] == 'a' && w[1] == 'l' && r->n + 1 < (int)(sizeof(r->t) / sizeof(r->t[0]))) {
            struct raw *a = &r->t[r->n++];
            memset(a, 0, sizeof(*a));
            memcpy(a->s, "al", 3);
            a->len = 2;
            a->translit = 1;
            if (pending_comma) {
                r->comma_at = r->n - 1;
                pending_comma = false;
            }
            memmove(w, w + 2, wl - 2);
            wl -= 2;
        }
        struct raw *t = &r->t[r->n];
        memset(t, 0, sizeof(*t));
        memcpy(t->s, w, wl);
        t->s[wl] = '\0';
        t->len = (uint8_t)wl;
        t->han = han;
        t->translit = arabic || translit;
        t->dotted = wl == 1 && i < n && s[i] == '.';
        if (hyphen_next && group == 0) group = ++r->group_next ? r->group_next : (r->group_next = 1);
        t->group = group;
        if (!hyphen_next) group = 0;
        if (pending_comma) {
            r->comma_at = r->n;
            pending_comma = false;
        }
        r->n++;
    }
}

static void add_script_token(struct raws *r, const char *s, size_t n)
{
    if (n == 0 || r->n >= (int)(sizeof(r->t) / sizeof(r->t[0]))) return;
    struct raw *t = &r->t[r->n++];
    memset(t, 0, sizeof(*t));
    if (n > SN_TOK_BYTES - 1) {
        n = SN_TOK_BYTES - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* cut at a character boundary */
    }
    memcpy(t->s, s, n);
    t->s[n] = '\0';
    t->len = (uint8_t)n;
    t->script = 1;
}

/* Dotted acronyms become one word: "S.A." -> "SA", "C.V." -> "CV", "J.P." -> "JP" (initials written "V. Putin",
 * with a space, stay apart). Writes at most n bytes into out; returns the length. */
static size_t undot(const char *in, size_t n, char *out)
{
    size_t k = 0, i = 0;
#define LETTER(j) ((j) < n && isalpha((unsigned char)in[j]))
#define SINGLE(j) (LETTER(j) && ((j) + 1 >= n || !isalnum((unsigned char)in[(j) + 1])))
    while (i < n) {
        bool start = i == 0 || !isalnum((unsigned char)in[i - 1]);
        if (start && SINGLE(i) && i + 2 < n && in[i + 1] == '.' && SINGLE(i + 2)) {
            size_t j = i;
            while (SINGLE(j)) {
                out[k++] = in[j++];
                if (j < n && in[j] == '.')
                    j++;
                else
                    break;
            }
            i = j;
            continue;
        }
        out[k++] = in[i++];
    }
#undef LETTER
#undef SINGLE
    return k;
}

/* ---- classification ------------------------------------------------------------------------------------------ */

static void push_tok(struct sn_name *out, const char *s, size_t len, enum sn_class cls, const struct raw *src)
{
    if (out->n >= CL_LIMIT_SCREEN_TOKENS) return;
    struct sn_tok *t = &out->tok[out->n++];
    memset(t, 0, sizeof(*t));
    if (len > SN_TOK_BYTES - 1) len = SN_TOK_BYTES - 1;
    memcpy(t->s, s, len);
    t->s[len] = '\0';
    t->len = (uint8_t)len;
    t->cls = (uint8_t)cls;
    if (src) {
        t->han = src->han;
        t->translit = src->translit;
        t->group = src->group;
    }
}

static float class_weight(enum sn_class c, size_t len)
{
    switch (c) {
    case SN_WORD: return len <= 2 ? 0.8f : 1.0f;
    case SN_DIGITS: return 1.0f;
    case SN_INITIAL: return 0.4f;
    case SN_PARTICLE: return 0.25f;
    case SN_GENERIC: return 0.4f;
    case SN_LEGAL: return 0.15f;
    case SN_SCRIPT: return 1.0f;
    }
    return 1.0f;
}

/* Turns raw tokens into classified tokens: phrases (legal forms, generic words of several tokens) first, longest
 * match; honorifics dropped; then core and middle roles. */
static void classify(const struct raws *r, bool comma_surname, struct sn_name *out)
{
    out->n = 0;
    int comma_tok = -1; /* output index of the first token after the surname comma */
    for (int i = 0; i < r->n;) {
        if (i == r->comma_at) comma_tok = out->n;
        const struct raw *t = &r->t[i];
        if (t->script) {
            push_tok(out, t->s, t->len, SN_SCRIPT, t);
            i++;
            continue;
        }
        /* the longest phrase of the tables starting here */
        const struct word_slot *best = NULL;
        int best_k = 0;
        if (t->dotted) goto no_phrase;
        char key[SN_TOK_BYTES * 8 + 8];
        size_t kl = 0;
        for (int k = 1; k <= max_phrase_tokens && i + k <= r->n; k++) {
            const struct raw *u = &r->t[i + k - 1];
            if (u->script) break;
            if (kl + u->len + 1 >= sizeof(key)) break;
            if (k > 1) key[kl++] = ' ';
            memcpy(key + kl, u->s, u->len);
            kl += u->len;
            const struct word_slot *ws = table_get(key, kl);
            if (!ws) continue;
            if (ws->kind == WT_LEGAL && ws->edge) {
                bool at_edge = (i == 0 || i + k == r->n) && r->n >= 2 && !t->han;
                if (!at_edge) continue;
            }
            if (ws->kind == WT_LEGAL && t->han && k == 1) continue; /* "ao" and the like are pinyin syllables */
            best = ws;
            best_k = k;
        }
        if (best && best->kind == WT_HONORIFIC && best_k == 1 && r->n - i <= 1) best = NULL; /* "Major" alone */
        if (!best && !t->han && r->n >= 2) {
            best = fuzzy_find(t->s, t->len);
            best_k = 1;
        }
    no_phrase:
        if (best) {
            switch (best->kind) {
            case WT_HONORIFIC: break;
            case WT_LEGAL: push_tok(out, best->canon, strlen(best->canon), SN_LEGAL, t); break;
            case WT_GENERIC: push_tok(out, best->canon, strlen(best->canon), SN_GENERIC, t); break;
            case WT_PARTICLE: push_tok(out, t->s, t->len, SN_PARTICLE, t); break;
            }
            i += best_k;
            continue;
        }
        if (t->dotted) {
            push_tok(out, t->s, t->len, SN_INITIAL, t);
            i++;
            continue;
        }
        enum sn_class cls = SN_WORD;
        for (size_t k = 0; k < t->len; k++)
            if (t->s[k] >= '0' && t->s[k] <= '9') cls = SN_DIGITS;
        if (cls == SN_WORD && t->len == 1) cls = SN_INITIAL;
        push_tok(out, t->s, t->len, cls, t);
        i++;
    }
    /* roles: core tokens are the surname(s) and the first given name; the others are middle names */
    int first = -1, last = -1;
    for (int i = 0; i < out->n; i++) {
        struct sn_tok *t = &out->tok[i];
        t->w = class_weight((enum sn_class)t->cls, t->len);
        bool nameish = t->cls == SN_WORD || t->cls == SN_DIGITS || t->cls == SN_SCRIPT || t->cls == SN_INITIAL;
        t->core = 1;
        if (!nameish) continue;
        if (first < 0) first = i;
        last = i;
    }
    out->comma_at = 0;
    if (comma_surname && comma_tok > 0 && comma_tok < out->n) {
        /* "SURNAME SURNAME2, Given Middle...": the first surname and the first given name are core; a second
         * surname (the maternal one of Spanish names) and middle names are not */
        out->comma_at = (uint8_t)comma_tok;
        bool seen_surname = false;
        for (int i = 0; i < comma_tok; i++) {
            struct sn_tok *t = &out->tok[i];
            if (t->cls != SN_WORD && t->cls != SN_SCRIPT) continue;
            if (seen_surname) t->core = 0;
            seen_surname = true;
        }
        bool seen_given = false;
        for (int i = comma_tok; i < out->n; i++) {
            struct sn_tok *t = &out->tok[i];
            if (seen_given && t->cls != SN_LEGAL) t->core = 0; /* "bin Muhammad bin Awad" all go */
            if (t->cls == SN_WORD || t->cls == SN_SCRIPT || t->cls == SN_INITIAL) seen_given = true;
        }
    } else if (first >= 0) {
        for (int i = first + 1; i < last; i++) {
            struct sn_tok *t = &out->tok[i];
            if (t->cls != SN_LEGAL) t->core = 0;
        }
    }
}

/* A legal form written onto the word before it ("ENTERPRISESLIMITED", "TRADINGCORPORATION") is split off, when
 * what remains has four letters or more and the whole is no word of the tables. */
static void split_legal_suffixes(struct raws *r)
{
    static const char *const suffixes[] = {"corporation", "limited", "company", "gmbh", "ltda", "corp", "llc", "ltd"};
    const int cap = (int)(sizeof(r->t) / sizeof(r->t[0]));
    for (int i = 0; i < r->n && r->n < cap; i++) {
        struct raw *t = &r->t[i];
        if (t->script || t->han || t->len < 7 || table_get(t->s, t->len)) continue;
        for (size_t k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
            size_t sl = strlen(suffixes[k]);
            if (t->len < sl + 4 || memcmp(t->s + t->len - sl, suffixes[k], sl) != 0) continue;
            memmove(&r->t[i + 2], &r->t[i + 1], (size_t)(r->n - i - 1) * sizeof(r->t[0]));
            r->n++;
            if (r->comma_at > i) r->comma_at++;
            struct raw *suf = &r->t[i + 1];
            *suf = *t;
            memcpy(suf->s, suffixes[k], sl + 1);
            suf->len = (uint8_t)sl;
            t->len = (uint8_t)(t->len - sl);
            t->s[t->len] = '\0';
            i++;
            break;
        }
    }
}

/* Korean readings of the Han characters common in Korean names, as the lists romanise them (McCune-Reischauer,
 * North Korean usage: "Kim Jong Un", "Ri", "Pak"). Han is read in Mandarin by ICU; a name all of whose characters
 * are here also gets this reading, so that 金正恩 meets "KIM, Jong Un" and not only "jin zheng en". Sorted by
 * UTF-8 bytes. */
static const struct {
    const char *han;
    const char *reading;
} korean[] = {
    {"一", "il"},    {"七", "chil"},  {"三", "sam"},   {"世", "se"},    {"中", "jung"},  {"主", "ju"},
    {"之", "ji"},    {"井", "jong"},  {"亨", "hyong"}, {"京", "gyong"}, {"仁", "in"},    {"仙", "son"},
    {"仲", "jung"},  {"任", "im"},    {"休", "hyu"},   {"俊", "jun"},   {"信", "sin"},   {"倉", "chang"},
    {"允", "yun"},   {"元", "won"},   {"充", "chung"}, {"先", "son"},   {"光", "kwang"}, {"全", "jon"},
    {"具", "ku"},    {"初", "cho"},   {"劉", "ryu"},   {"勇", "yong"},  {"勝", "sung"},  {"勳", "hun"},
    {"千", "chon"},  {"南", "nam"},   {"卞", "pyon"},  {"印", "in"},    {"卿", "gyong"}, {"吉", "gil"},
    {"吳", "o"},     {"周", "ju"},    {"和", "hwa"},   {"哲", "chol"},  {"善", "son"},   {"喆", "chol"},
    {"喜", "hui"},   {"嚴", "om"},    {"國", "kuk"},   {"在", "jae"},   {"地", "ji"},    {"基", "gi"},
    {"壬", "im"},    {"壽", "su"},    {"夏", "ha"},    {"天", "chon"},  {"太", "thae"},  {"奎", "gyu"},
    {"好", "ho"},    {"姜", "kang"},  {"姬", "hui"},   {"子", "ja"},    {"孔", "kong"},  {"孝", "hyo"},
    {"孫", "son"},   {"學", "hak"},   {"宇", "u"},     {"守", "su"},    {"安", "an"},    {"宋", "song"},
    {"官", "gwan"},  {"容", "yong"},  {"寅", "in"},    {"富", "bu"},    {"寧", "nyong"}, {"寬", "gwan"},
    {"尹", "yun"},   {"山", "san"},   {"崔", "choe"},  {"川", "chon"},  {"希", "hui"},   {"平", "phyong"},
    {"康", "kang"},  {"延", "yon"},   {"廷", "jong"},  {"弘", "hong"},  {"張", "jang"},  {"弼", "phil"},
    {"彪", "phyo"},  {"彬", "bin"},   {"德", "tok"},   {"徹", "chol"},  {"心", "sim"},   {"必", "phil"},
    {"志", "ji"},    {"忠", "chung"}, {"恒", "hang"},  {"恩", "un"},    {"惠", "hye"},   {"慧", "hye"},
    {"慶", "gyong"}, {"應", "ung"},   {"成", "song"},  {"承", "sung"},  {"振", "jin"},   {"政", "jong"},
    {"敏", "min"},   {"敬", "gyong"}, {"文", "mun"},   {"斌", "bin"},   {"斗", "tu"},    {"方", "pang"},
    {"日", "il"},    {"昇", "sung"},  {"昊", "ho"},    {"昌", "chang"}, {"明", "myong"}, {"星", "song"},
    {"春", "chun"},  {"昶", "chang"}, {"晃", "hwang"}, {"景", "gyong"}, {"晶", "jong"},  {"智", "ji"},
    {"暉", "hwi"},   {"會", "hoe"},   {"月", "wol"},   {"朝", "jo"},    {"朴", "pak"},   {"李", "ri"},
    {"東", "tong"},  {"松", "song"},  {"林", "rim"},   {"根", "gun"},   {"桓", "hwan"},  {"梁", "ryang"},
    {"梅", "mae"},   {"植", "sik"},   {"楚", "cho"},   {"榮", "yong"},  {"權", "kwon"},  {"正", "jong"},
    {"殷", "un"},    {"民", "min"},   {"永", "yong"},  {"池", "ji"},    {"沈", "sim"},   {"河", "ha"},
    {"泰", "thae"},  {"洙", "su"},    {"洛", "rak"},   {"洪", "hong"},  {"浩", "ho"},    {"海", "hae"},
    {"淑", "suk"},   {"淸", "chong"}, {"清", "chong"}, {"滋", "ja"},    {"漢", "han"},   {"潤", "yun"},
    {"澤", "thaek"}, {"炯", "hyong"}, {"炳", "pyong"}, {"烈", "ryol"},  {"煥", "hwan"},  {"照", "jo"},
    {"熏", "hun"},   {"熙", "hui"},   {"燦", "chan"},  {"玄", "hyon"},  {"玉", "ok"},    {"珍", "jin"},
    {"申", "sin"},   {"男", "nam"},   {"白", "paek"},  {"皓", "ho"},    {"益", "ik"},    {"盛", "song"},
    {"盧", "ro"},    {"相", "sang"},  {"眞", "jin"},   {"真", "jin"},   {"石", "sok"},   {"碩", "sok"},
    {"祖", "jo"},    {"福", "bok"},   {"禧", "hui"},   {"禮", "rye"},   {"禹", "u"},     {"秀", "su"},
    {"秉", "pyong"}, {"秋", "chu"},   {"竹", "juk"},   {"範", "pom"},   {"紅", "hong"},  {"紫", "ja"},
    {"羅", "ra"},    {"美", "mi"},    {"義", "ui"},    {"翰", "han"},   {"翼", "ik"},    {"聖", "song"},
    {"胤", "yun"},   {"致", "chi"},   {"與", "yo"},    {"興", "hung"},  {"花", "hwa"},   {"英", "yong"},
    {"草", "cho"},   {"華", "hwa"},   {"萬", "man"},   {"蒼", "chang"}, {"薰", "hun"},   {"蘭", "ran"},
    {"虎", "ho"},    {"衆", "jung"},  {"許", "ho"},    {"誠", "song"},  {"豊", "phung"}, {"豐", "phung"},
    {"豪", "ho"},    {"貞", "jong"},  {"貴", "gwi"},   {"賢", "hyon"},  {"赫", "hyok"},  {"趙", "jo"},
    {"車", "cha"},   {"載", "jae"},   {"輝", "hwi"},   {"進", "jin"},   {"郭", "kwak"},  {"鄭", "jong"},
    {"重", "jung"},  {"金", "kim"},   {"鉉", "hyon"},  {"銀", "un"},    {"錫", "sok"},   {"鍾", "jong"},
    {"鎔", "yong"},  {"鎬", "ho"},    {"鎭", "jin"},   {"鐵", "chol"},  {"閔", "min"},   {"隱", "un"},
    {"雄", "ung"},   {"雪", "sol"},   {"雲", "un"},    {"靑", "chong"}, {"青", "chong"}, {"靜", "jong"},
    {"革", "hyok"},  {"韓", "han"},   {"順", "sun"},   {"馨", "hyong"}, {"魯", "ro"},    {"鮮", "son"},
    {"黃", "hwang"}, {"龍", "ryong"},
};

static const char *korean_reading(const char *han)
{
    size_t lo = 0, hi = sizeof(korean) / sizeof(korean[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(korean[mid].han, han);
        if (c == 0) return korean[mid].reading;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The Korean-reading variant of a name written in Han characters only, or false. */
static bool korean_variant(const struct raws *orig, struct sn_name *out)
{
    static _Thread_local struct raws k;
    k.n = 0;
    k.comma_at = -1;
    k.group_next = 0;
    if (orig->n < 2 || orig->n > 6) return false;
    for (int i = 0; i < orig->n; i++) {
        const char *r = korean_reading(orig->t[i].s);
        if (!r) return false;
        struct raw *t = &k.t[k.n++];
        memset(t, 0, sizeof(*t));
        t->len = (uint8_t)strlen(r);
        memcpy(t->s, r, (size_t)t->len + 1);
        t->translit = 1;
        t->group = i > 0 ? 1 : 0; /* the given name's syllables, written "Jong-un" or "Jong Un" */
    }
    classify(&k, false, out);
    out->variant = SN_V_KOREAN;
    return out->n > 0;
}

/* ---- the pipeline -------------------------------------------------------------------------------------------- */

static bool all_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) return false;
    return true;
}

/* What transliteration left outside ASCII becomes a separator, except the ayn and hamza marks of Arabic: at the
 * start of a word they stand for a vowel ("ʿzt" is "Izzat"), inside it for nothing. */
static void utf16_to_ascii(const UChar *u, int32_t n, char *out, size_t cap, size_t *out_len)
{
    size_t k = 0;
    for (int32_t i = 0; i < n && k + 1 < cap; i++) {
        if (u[i] == 0x02BF || u[i] == 0x02BE || u[i] == 0x02BC || u[i] == 0x02BB) {
            bool start = k == 0 || !isalnum((unsigned char)out[k - 1]);
            bool after_article =
                k >= 2 && out[k - 2] == 'a' && out[k - 1] == 'l' && (k == 2 || !isalnum((unsigned char)out[k - 3]));
            if (start || after_article) out[k++] = 'a';
            continue;
        }
        out[k++] = u[i] < 0x80 ? (char)u[i] : ' ';
    }
    out[k] = '\0';
    *out_len = k;
}

enum { SCRIPT_LATIN, SCRIPT_HAN, SCRIPT_ARABIC, SCRIPT_OTHER };

static int char_script(UChar32 c)
{
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &e);
    if (U_FAILURE(e)) return SCRIPT_LATIN;
    if (sc == USCRIPT_HAN) return SCRIPT_HAN;
    if (sc == USCRIPT_ARABIC) return SCRIPT_ARABIC;
    if (sc == USCRIPT_LATIN || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED) return SCRIPT_LATIN;
    return SCRIPT_OTHER;
}

/* The non-ASCII path: NFKC with case folding, then runs of Han and of everything else transliterated apart, so
 * that Han syllables are known; the original-script words are kept as a third variant. */
static void normalize_unicode(const char *s, size_t len, struct raws *latin, struct raws *orig, bool *out_has_han)
{
    enum { UBUF = CL_LIMIT_NAME_BYTES * 2 + 16 };
    UChar src[UBUF], norm[UBUF * 2], run[UBUF * 4];
    int32_t ulen = 0;
    UErrorCode e = U_ZERO_ERROR;
    u_strFromUTF8WithSub(src, UBUF, &ulen, s, (int32_t)len, 0xFFFD, NULL, &e);
    if (U_FAILURE(e) || ulen > UBUF) {
        e = U_ZERO_ERROR;
        ulen = 0;
    }
    const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&e);
    int32_t nlen = 0;
    if (U_SUCCESS(e)) nlen = unorm2_normalize(nfkc, src, ulen, norm, UBUF * 2, &e);
    if (U_FAILURE(e) || nlen < 0) {
        e = U_ZERO_ERROR;
        nlen = ulen < UBUF * 2 ? ulen : 0;
        memcpy(norm, src, (size_t)nlen * sizeof(UChar));
    }
    UTransliterator *tr = thread_translit();
    *out_has_han = false;
    /* original-script words: split at white space and punctuation; Han characters one token each */
    {
        char word[SN_TOK_BYTES * 2];
        size_t wl = 0;
        bool any_other = false;
        for (int32_t i = 0; i <= nlen;) {
            UChar32 c = 0;
            int32_t at = i;
            if (i < nlen)
                U16_NEXT(norm, i, nlen, c);
            else
                i++;
            bool sep = at >= nlen || u_isUWhiteSpace(c) || u_ispunct(c) || c == '-';
            int sc = at < nlen ? char_script(c) : SCRIPT_LATIN;
            if (sc != SCRIPT_LATIN) any_other = true;
            if (sep || sc == SCRIPT_HAN) {
                if (wl) add_script_token(orig, word, wl);
                wl = 0;
                if (sc == SCRIPT_HAN && !sep) {
                    char one[8];
                    int32_t ol = 0;
                    UErrorCode e2 = U_ZERO_ERROR;
                    u_strToUTF8(one, sizeof(one), &ol, norm + at, i - at, &e2);
                    if (U_SUCCESS(e2)) add_script_token(orig, one, (size_t)ol);
                }
                continue;
            }
            char enc[8];
            int32_t el = 0;
            UErrorCode e2 = U_ZERO_ERROR;
            u_strToUTF8(enc, sizeof(enc), &el, norm + at, i - at, &e2);
            if (U_SUCCESS(e2) && wl + (size_t)el < sizeof(word)) {
                memcpy(word + wl, enc, (size_t)el);
                wl += (size_t)el;
            }
        }
        if (!any_other) orig->n = 0; /* a Latin name with diacritics has no original-script variant */
    }
    /* Latin: run by run */
    int32_t i = 0;
    while (i < nlen) {
        int32_t start = i;
        UChar32 c;
        U16_NEXT(norm, i, nlen, c);
        /* runs: Han, Arabic, everything else; white space and punctuation join the run they are in */
        int kind = char_script(c);
        if (kind != SCRIPT_HAN && kind != SCRIPT_ARABIC) kind = SCRIPT_LATIN;
        bool han = kind == SCRIPT_HAN, arabic = kind == SCRIPT_ARABIC;
        int32_t end = i;
        while (end < nlen) {
            int32_t j = end;
            UChar32 d;
            U16_NEXT(norm, j, nlen, d);
            int dk = char_script(d);
            if (dk != SCRIPT_HAN && dk != SCRIPT_ARABIC) dk = SCRIPT_LATIN;
            bool neutral = u_isUWhiteSpace(d) || u_ispunct(d);
            if (dk != kind && !(neutral && kind == SCRIPT_ARABIC)) break;
            end = j;
        }
        int32_t rl = end - start;
        i = end;
        if (han) *out_has_han = true;
        bool ascii = true, foreign = false;
        for (int32_t k = start; k < end; k++)
            if (norm[k] >= 0x80) ascii = false;
        for (int32_t k = start; k < end && !ascii && !foreign;) {
            UChar32 d;
            U16_NEXT(norm, k, end, d);
            foreign = char_script(d) == SCRIPT_OTHER;
        }
        memcpy(run, norm + start, (size_t)rl * sizeof(UChar));
        if (!ascii) {
            int32_t limit = rl;
            UErrorCode e3 = U_ZERO_ERROR;
            utrans_transUChars(tr, run, &rl, UBUF * 4, 0, &limit, &e3);
            if (U_FAILURE(e3)) {
                rl = end - start;
                memcpy(run, norm + start, (size_t)rl * sizeof(UChar));
            }
        }
        char ascii_buf[UBUF * 4], undotted[UBUF * 4];
        size_t al = 0;
        utf16_to_ascii(run, rl, ascii_buf, sizeof(ascii_buf), &al);
        al = undot(ascii_buf, al, undotted);
        if (han) {
            /* keep Han runs apart from their neighbours */
            tokenize_ascii(latin, " ", 1, false, false, false);
        }
        tokenize_ascii(latin, undotted, al, han, arabic, foreign);
    }
}

void sn_normalize(const char *s, size_t len, bool comma_surname, struct sn_set *out)
{
    pthread_once(&tables_once, tables_build);
    out->n = 0;
    if (len > CL_LIMIT_NAME_BYTES * 2) {
        len = CL_LIMIT_NAME_BYTES * 2;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    static _Thread_local struct raws latin, orig;
    latin.n = 0;
    latin.comma_at = -1;
    latin.group_next = 0;
    orig.n = 0;
    orig.comma_at = -1;
    orig.group_next = 0;
    bool has_han = false;
    if (all_ascii(s, len)) {
        char u[CL_LIMIT_NAME_BYTES * 2 + 8];
        size_t ul = undot(s, len, u);
        tokenize_ascii(&latin, u, ul, false, false, false);
    } else
        normalize_unicode(s, len, &latin, &orig, &has_han);

    split_legal_suffixes(&latin);
    struct sn_name *v = &out->v[0];
    classify(&latin, comma_surname, v);
    v->variant = SN_V_LATIN;
    if (v->n > 0) out->n++;
    if (has_han) {
        /* the same tokens with each run of Han syllables joined: "hua wei" -> "huawei" */
        struct sn_name *j = &out->v[out->n];
        j->n = 0;
        j->variant = SN_V_JOINED;
        const struct sn_name *src = &out->v[0];
        int joined = 0;
        for (int i = 0; i < src->n; i++) {
            const struct sn_tok *t = &src->tok[i];
            bool joinable = t->han && t->cls != SN_LEGAL && t->cls != SN_GENERIC;
            struct sn_tok *prev = j->n ? &j->tok[j->n - 1] : NULL;
            if (joinable && prev && prev->han && prev->cls != SN_LEGAL && prev->cls != SN_GENERIC && i > 0 &&
                src->tok[i - 1].han && prev->len + t->len < SN_TOK_BYTES) {
                memcpy(prev->s + prev->len, t->s, t->len + 1u);
                prev->len = (uint8_t)(prev->len + t->len);
                prev->w = 1.0f;
                prev->cls = SN_WORD;
                joined++;
                continue;
            }
            j->tok[j->n++] = *t;
        }
        if (joined > 0 && j->n > 0) out->n++;
    }
    if (has_han && korean_variant(&orig, &out->v[out->n])) out->n++;
    if (orig.n > 0) {
        struct sn_name *o = &out->v[out->n];
        classify(&orig, false, o);
        o->variant = SN_V_ORIGINAL;
        if (o->n > 0) out->n++;
    }
}

void sn_name_format(const struct sn_name *n, char *out, size_t cap)
{
    size_t k = 0;
    if (cap == 0) return;
    out[0] = '\0';
    for (int i = 0; i < n->n; i++) {
        size_t l = n->tok[i].len;
        if (k + l + 2 > cap) break;
        if (i) out[k++] = ' ';
        memcpy(out + k, n->tok[i].s, l);
        k += l;
        out[k] = '\0';
    }
}

const char *sn_variant_name(int v)
{
    switch (v) {
    case SN_V_LATIN: return "latin";
    case SN_V_JOINED: return "joined";
    case SN_V_ORIGINAL: return "original";
    case SN_V_KOREAN: return "korean";
    }
    return "?";
}

enum cl_err cl_screen_name_normalize(const char *name, size_t len, struct cl_screen_normal *out, struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    if (len > CL_LIMIT_NAME_BYTES)
        return cl_error_set(err, CL_ERR_LIMIT, "name longer than %u bytes", (unsigned)CL_LIMIT_NAME_BYTES);
    static _Thread_local struct sn_set set;
    sn_normalize(name, len, false, &set);
    out->n_variants = set.n;
    for (int i = 0; i < set.n; i++) {
        sn_name_format(&set.v[i], out->variant[i], sizeof(out->variant[i]));
        out->label[i] = sn_variant_name(set.v[i].variant);
    }
    return CL_OK;
}

/* ---- phonetic skeleton --------------------------------------------------------------------------------------- */

/* y and w inside a word are vowels here: Arabic's و and ي are written w/u/o and y/i/e. */
static bool vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' || c == 'w';
}

size_t sn_skeleton(const char *s, size_t len, char *out)
{
    size_t k = 0;
    char prev = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((unsigned char)c >= 0x80) {
            out[k++] = c; /* not Latin: kept as is */
            prev = c;
            continue;
        }
        if (vowel(c) && !((c == 'y' || c == 'w') && i == 0)) {
            if (i == 0) {
                out[k++] = 'a';
                prev = 'a';
            } else {
                prev = 0; /* a vowel separates doubles: "sas" keeps both s */
            }
            continue;
        }
        char m = c;
        switch (c) {
        case 'c': m = (i + 1 < len && (s[i + 1] == 'e' || s[i + 1] == 'i')) ? 's' : 'k'; break; /* Lounici */
        case 'q':
        case 'g': m = 'k'; break;
        case 'z': m = 's'; break;
        case 'w': m = 'v'; break;
        case 'p':
            if (i + 1 < len && s[i + 1] == 'h') m = 'f';
            break;
        case 'd':
            /* dzh and dj are j (Russian and Arabic "Dzhamal", "Djamel" for Jamal) */
            if (i + 2 < len && s[i + 1] == 'z' && s[i + 2] == 'h') {
                m = 'j';
                i += 2;
            } else if (i + 1 < len && s[i + 1] == 'j') {
                m = 'j';
                i += 1;
            }
            break;
        case 'h':
            /* a digraph's h (kh, sh, dh, th, gh, ph, ch, zh) is dropped; after other consonants it is a sound of
             * its own (unvowelled Arabic "mhmd") */
            if (i > 0 && strchr("ksdtgpcz", s[i - 1])) continue;
            break;
        default: break;
        }
        if (c == 'x') {
            /* x is ks ("Alexey", "Aleksey") */
            if (prev != 'k') out[k++] = 'k';
            m = 's';
        }
        if (m == prev) continue;
        out[k++] = m;
        prev = m;
    }
    out[k] = '\0';
    return k;
}
