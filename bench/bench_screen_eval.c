/* Screening quality: precision, recall and F1 of the scorer at the configured thresholds, on a labelled set built
 * from the shared lists (typos, transpositions, word order, initials, dropped middle names, legal forms, joined
 * and split words, Cyrillic and Arabic scripts, and near-miss negatives), and on the OFAC Sanctions List Search
 * fixtures with the labels in bench/data/ofac_sls_labels.csv. The same pairs are scored by a whole-string
 * Jaro-Winkler baseline for comparison; then a threshold sweep; then end-to-end search recall through the index.
 * Usage: bench_screen_eval [PAIRS_PER_CATEGORY]   (default 300) */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/screen.h"
#include "screen/screen_int.h"

#define SHARED CL_SHARED_DATA "/"

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

struct pair {
    char q[CL_LIMIT_NAME_BYTES], l[CL_LIMIT_NAME_BYTES];
    enum cl_screen_type type;
    int label;
    const char *cat;
    const struct cl_screen_entry *entry;
};

static struct pair *pairs;
static size_t n_pairs, cap_pairs;

static void add(const char *q, const char *l, enum cl_screen_type t, int label, const char *cat,
                const struct cl_screen_entry *e)
{
    if (!q[0] || !l[0] || strlen(q) >= CL_LIMIT_NAME_BYTES || strlen(l) >= CL_LIMIT_NAME_BYTES) return;
    if (n_pairs == cap_pairs) {
        cap_pairs = cap_pairs ? cap_pairs * 2 : 1024;
        pairs = realloc(pairs, cap_pairs * sizeof(*pairs));
    }
    struct pair *p = &pairs[n_pairs++];
    snprintf(p->q, sizeof(p->q), "%s", q);
    snprintf(p->l, sizeof(p->l), "%s", l);
    p->type = t;
    p->label = label;
    p->cat = cat;
    p->entry = e;
}

/* ---- generators ---------------------------------------------------------------------------------------------- */

struct words {
    char w[16][64];
    int n;
};

/* Splits a name into words, dropping punctuation but keeping hyphens; an individual's "SURNAME, Given Middle" is
 * put in given-first order. */
static int given_words; /* words before the surname(s) in the last individual split, 0 if not an individual */

static void words_of_type(const char *name, bool individual, struct words *out)
{
    char buf[CL_LIMIT_NAME_BYTES];
    const char *comma = individual ? strchr(name, ',') : NULL;
    given_words = 0;
    if (comma) {
        int g = 0;
        char tmp[CL_LIMIT_NAME_BYTES];
        snprintf(tmp, sizeof(tmp), "%s", comma + 1);
        for (char *t = strtok(tmp, " ,.;()"); t; t = strtok(NULL, " ,.;()"))
            g++;
        given_words = g;
    }
    if (comma)
        snprintf(buf, sizeof(buf), "%s %.*s", comma + 1, (int)(comma - name), name);
    else
        snprintf(buf, sizeof(buf), "%s", name);
    out->n = 0;
    for (char *t = strtok(buf, " ,.;()"); t && out->n < 16; t = strtok(NULL, " ,.;()"))
        snprintf(out->w[out->n++], 64, "%s", t);
}

static void words_of(const char *name, struct words *out)
{
    words_of_type(name, true, out);
}

static void join_words(const struct words *w, int skip, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < w->n; i++) {
        if (i == skip) continue;
        int n = snprintf(out + k, cap - k, "%s%s", k ? " " : "", w->w[i]);
        if (n < 0 || (size_t)n >= cap - k) break;
        k += (size_t)n;
    }
}

static bool letters(const char *s)
{
    for (; *s; s++)
        if (!isalpha((unsigned char)*s)) return false;
    return true;
}

/* One edit inside the longest word (at least 5 letters): kind 0 substitution, 1 deletion, 2 insertion,
 * 3 transposition. */
static bool edit_word(struct words *w, int kind)
{
    int best = -1;
    size_t bl = 0;
    for (int i = 0; i < w->n; i++)
        if (strlen(w->w[i]) > bl && letters(w->w[i])) {
            best = i;
            bl = strlen(w->w[i]);
        }
    if (best < 0 || bl < 5) return false;
    char *s = w->w[best];
    size_t i = 1 + rnd((uint32_t)(bl - 2));
    bool upper = isupper((unsigned char)s[i]);
    char c = (char)((upper ? 'A' : 'a') + rnd(26));
    switch (kind) {
    case 0:
        if (tolower((unsigned char)c) == tolower((unsigned char)s[i])) c = (char)(c == 'a' || c == 'A' ? c + 1 : c - 1);
        s[i] = c;
        break;
    case 1: memmove(s + i, s + i + 1, bl - i); break;
    case 2:
        memmove(s + i + 1, s + i, bl - i + 1);
        s[i] = c;
        break;
    default:
        if (tolower((unsigned char)s[i]) == tolower((unsigned char)s[i + 1])) return false;
        c = s[i];
        s[i] = s[i + 1];
        s[i + 1] = c;
    }
    return true;
}

/* Latin back to Russian Cyrillic, the reverse of the BGN romanisation the lists use ("KHAMATOVICH" -> "хаматович"),
 * for names that were Russian to begin with. */
static bool cyrillic(const char *in, char *out, size_t cap)
{
    static const char *const map[][2] = {
        {"shch", "щ"}, {"kh", "х"}, {"zh", "ж"}, {"ch", "ч"}, {"sh", "ш"}, {"ts", "ц"}, {"yu", "ю"}, {"ya", "я"},
        {"ye", "е"},   {"yo", "ё"}, {"a", "а"},  {"b", "б"},  {"v", "в"},  {"g", "г"},  {"d", "д"},  {"e", "е"},
        {"z", "з"},    {"i", "и"},  {"y", "ы"},  {"k", "к"},  {"l", "л"},  {"m", "м"},  {"n", "н"},  {"o", "о"},
        {"p", "п"},    {"r", "р"},  {"s", "с"},  {"t", "т"},  {"u", "у"},  {"f", "ф"},  {"w", "в"},  {"c", "к"},
        {"q", "к"},    {"x", "кс"}, {"h", "х"},  {"j", "дж"},
    };
    size_t k = 0;
    for (size_t i = 0; in[i];) {
        char low[5] = {0};
        for (int j = 0; j < 4 && in[i + (size_t)j]; j++)
            low[j] = (char)tolower((unsigned char)in[i + (size_t)j]);
        bool done = false;
        for (size_t m = 0; m < sizeof(map) / sizeof(map[0]) && !done; m++) {
            size_t ml = strlen(map[m][0]);
            if (strncmp(low, map[m][0], ml) != 0) continue;
            /* y after a vowel is й */
            const char *to = map[m][1];
            if (ml == 1 && low[0] == 'y' && i > 0 && strchr("aeiouAEIOU", in[i - 1])) to = "й";
            size_t tl = strlen(to);
            if (k + tl + 1 >= cap) return false;
            memcpy(out + k, to, tl);
            k += tl;
            i += ml;
            done = true;
        }
        if (!done) {
            if (k + 2 >= cap) return false;
            out[k++] = isalpha((unsigned char)in[i]) ? '?' : in[i];
            i++;
        }
    }
    out[k] = '\0';
    return true;
}

static bool russian(const struct cl_screen_entry *e)
{
    return e->programs && (strstr(e->programs, "UKRAINE") || strstr(e->programs, "RUSSIA"));
}

/* Legal forms as one writes and another lists them. */
static const char *const lf_pairs[][2] = {
    {"LIMITED", "LTD"},       {"CO., LTD.", "COMPANY LIMITED"},
    {"CORPORATION", "CORP."}, {"LLC", "L.L.C."},
    {"COMPANY", "CO."},       {"JSC", "JOINT STOCK COMPANY"},
    {"OOO", "LLC"},           {"INC.", "INCORPORATED"},
    {"S.A.", "SA"},           {"GMBH", "GMBH"},
};

static bool swap_legal(const char *name, char *out, size_t cap)
{
    for (size_t i = 0; i < sizeof(lf_pairs) / sizeof(lf_pairs[0]); i++)
        for (int d = 0; d < 2; d++) {
            const char *from = lf_pairs[i][d], *to = lf_pairs[i][1 - d];
            const char *hit = strstr(name, from);
            size_t fl = strlen(from);
            if (!hit || (hit > name && isalnum((unsigned char)hit[-1])) || isalnum((unsigned char)hit[fl])) continue;
            snprintf(out, cap, "%.*s%s%s", (int)(hit - name), name, to, hit + fl);
            return strcmp(out, name) != 0;
        }
    return false;
}

static bool is_individual(const struct cl_screen_entry *e)
{
    return e->type == CL_SCREEN_TYPE_INDIVIDUAL;
}

static const struct cl_screen_entry *pick(const struct cl_screen_lists *l, bool individual)
{
    for (int tries = 0; tries < 1000; tries++) {
        const struct cl_screen_entry *e = &l->entries[rnd((uint32_t)l->n_entries)];
        if (is_individual(e) == individual && e->names[0].kind == CL_SCREEN_NAME_PRIMARY) return e;
    }
    return &l->entries[0];
}

/* The surname of "SURNAME, Given": its first word. */
static void surname(const char *name, char *out, size_t cap)
{
    const char *comma = strchr(name, ',');
    size_t n = comma ? (size_t)(comma - name) : strlen(name);
    snprintf(out, cap, "%.*s", (int)n, name);
}

static void generate(const struct cl_screen_lists *l, int per)
{
    char buf[CL_LIMIT_NAME_BYTES], buf2[CL_LIMIT_NAME_BYTES];
    struct words w;
    static const char *const typo_cat[] = {"typo: substitution", "typo: deletion", "typo: insertion", "transposition"};
    for (int kind = 0; kind < 4; kind++)
        for (int i = 0; i < per; i++) {
            const struct cl_screen_entry *e = pick(l, i % 2 == 0);
            words_of_type(e->names[0].text, is_individual(e), &w);
            if (!edit_word(&w, kind)) continue;
            join_words(&w, -1, buf, sizeof(buf));
            add(buf, e->names[0].text, e->type, 1, typo_cat[kind], e);
        }
    for (int i = 0; i < per; i++) { /* given names first, surname last */
        const struct cl_screen_entry *e = pick(l, true);
        if (!strchr(e->names[0].text, ',')) continue;
        words_of(e->names[0].text, &w);
        join_words(&w, -1, buf, sizeof(buf));
        add(buf, e->names[0].text, e->type, 1, "word order", e);
    }
    for (int i = 0; i < per; i++) { /* first given name as an initial */
        const struct cl_screen_entry *e = pick(l, true);
        words_of(e->names[0].text, &w);
        if (w.n < 2 || strlen(w.w[0]) < 3 || !strchr(e->names[0].text, ',')) continue;
        w.w[0][1] = '.';
        w.w[0][2] = '\0';
        join_words(&w, -1, buf, sizeof(buf));
        add(buf, e->names[0].text, e->type, 1, "initial", e);
    }
    for (int i = 0; i < per; i++) { /* a middle name dropped */
        const struct cl_screen_entry *e = pick(l, true);
        words_of(e->names[0].text, &w);
        if (w.n < 3 || !strchr(e->names[0].text, ',') || given_words < 2) continue;
        join_words(&w, 1 + (int)rnd((uint32_t)(given_words - 1)), buf, sizeof(buf));
        add(buf, e->names[0].text, e->type, 1, "middle name dropped", e);
    }
    for (int i = 0, tries = 0; i < per && tries < per * 200; tries++) { /* legal forms */
        const struct cl_screen_entry *e = pick(l, false);
        if (!swap_legal(e->names[0].text, buf, sizeof(buf))) continue;
        add(buf, e->names[0].text, e->type, 1, "legal form", e);
        i++;
    }
    for (int i = 0, tries = 0; i < per && tries < per * 200; tries++) { /* two words joined, or one split */
        const struct cl_screen_entry *e = pick(l, tries % 2 == 0);
        words_of_type(e->names[0].text, is_individual(e), &w);
        if (w.n < 2) continue;
        int k = (int)rnd((uint32_t)(w.n - 1));
        if (!letters(w.w[k]) || !letters(w.w[k + 1]) || strlen(w.w[k]) + strlen(w.w[k + 1]) > 40) continue;
        strcat(w.w[k], w.w[k + 1]);
        join_words(&w, k + 1, buf, sizeof(buf));
        add(buf, e->names[0].text, e->type, 1, "joined words", e);
        i++;
    }
    for (int i = 0, tries = 0; i < per && tries < per * 100; tries++) { /* written in Cyrillic */
        const struct cl_screen_entry *e = pick(l, true);
        if (!russian(e)) continue;
        i++;
        words_of(e->names[0].text, &w);
        join_words(&w, -1, buf2, sizeof(buf2));
        if (!cyrillic(buf2, buf, sizeof(buf))) continue;
        add(buf, e->names[0].text, e->type, 1, "Cyrillic script", e);
    }
    /* original-script names of the UN list against the same entry's Latin name: real pairs */
    for (size_t i = 0; i < l->n_entries; i++) {
        const struct cl_screen_entry *e = &l->entries[i];
        for (size_t k = 0; k < e->n_names; k++)
            if (e->names[k].kind == CL_SCREEN_NAME_ORIGINAL && e->names[0].kind == CL_SCREEN_NAME_PRIMARY)
                add(e->names[k].text, e->names[0].text, e->type, 1, "Arabic or Cyrillic original script", e);
    }
    /* near misses: the same given name with another surname ("George Bush" ~ "George Habbash") */
    for (int i = 0; i < per; i++) {
        const struct cl_screen_entry *a = pick(l, true), *b = pick(l, true);
        char sa[128], sb[128];
        surname(a->names[0].text, sa, sizeof(sa));
        surname(b->names[0].text, sb, sizeof(sb));
        const char *ga = strchr(a->names[0].text, ',');
        if (!ga || sn_osa_bounded(sa, strlen(sa), sb, strlen(sb), 3) <= 3) continue;
        snprintf(buf, sizeof(buf), "%s %s", ga + 2, sb);
        add(buf, a->names[0].text, a->type, 0, "near miss: other surname", a);
    }
    /* the same surname with another given name ("KIM JONG UN" ~ "KIM, Jong Man") */
    for (int i = 0; i < per; i++) {
        const struct cl_screen_entry *a = pick(l, true), *b = pick(l, true);
        const char *ga = strchr(a->names[0].text, ','), *gb = strchr(b->names[0].text, ',');
        if (!ga || !gb) continue;
        char sa[128];
        surname(a->names[0].text, sa, sizeof(sa));
        struct words wa, wb;
        words_of(a->names[0].text, &wa);
        words_of(b->names[0].text, &wb);
        if (sn_osa_bounded(wa.w[0], strlen(wa.w[0]), wb.w[0], strlen(wb.w[0]), 3) <= 3) continue;
        snprintf(buf, sizeof(buf), "%s %s", gb + 2, sa);
        add(buf, a->names[0].text, a->type, 0, "near miss: other given name", a);
    }
    /* a listed entity's first word with another word ("emma daniels" ~ "EMMA LLC") */
    static const char *const other[] = {"Daniels", "Holdings", "Smith",      "Garden",  "Bakery",
                                        "Motors",  "Travel",   "Consulting", "Fashion", "Media"};
    for (int i = 0; i < per; i++) {
        const struct cl_screen_entry *a = pick(l, false);
        words_of_type(a->names[0].text, false, &w);
        if (w.n < 2 || strlen(w.w[0]) < 3) continue;
        snprintf(buf, sizeof(buf), "%s %s", w.w[0], other[rnd(10)]);
        bool same = false;
        for (int k = 1; k < w.n; k++)
            same |= strncasecmp(w.w[k], strchr(buf, ' ') + 1, strlen(strchr(buf, ' ') + 1) - 1) == 0;
        if (same) continue;
        add(buf, a->names[0].text, a->type, 0, "near miss: shared first word", a);
    }
    /* unrelated names */
    for (int i = 0; i < per; i++) {
        const struct cl_screen_entry *a = pick(l, i % 2 == 0), *b = pick(l, i % 2 == 0);
        if (a == b) continue;
        add(b->names[0].text, a->names[0].text, a->type, 0, "unrelated", a);
    }
}

/* ---- the OFAC fixtures --------------------------------------------------------------------------------------- */

static void fixtures(void)
{
    /* the labels live beside this source file, in data/ */
    char labels_path[1024];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(labels_path, sizeof(labels_path), "%.*s/data/ofac_sls_labels.csv", slash ? (int)(slash - __FILE__) : 1,
             slash ? __FILE__ : ".");
    FILE *f = fopen(SHARED "eval/ofac_sls_fixtures.csv", "r"), *g = fopen(labels_path, "r");
    if (!f || !g) {
        fprintf(stderr, "cannot open the fixtures or %s\n", labels_path);
        exit(1);
    }
    static int labels[4096];
    for (int i = 0; i < 4096; i++)
        labels[i] = -1;
    char line[2048];
    while (fgets(line, sizeof(line), g)) {
        int n, lab;
        if (line[0] != '#' && sscanf(line, "%d,%d", &n, &lab) == 2 && n > 0 && n < 4096) labels[n] = lab;
    }
    fclose(g);
    struct sn_csv c;
    char *text = NULL;
    size_t len = 0;
    struct cl_error e = {0};
    fclose(f);
    if (cl_file_read(SHARED "eval/ofac_sls_fixtures.csv", 1 << 20, &text, &len, &e)) exit(1);
    sn_csv_init(&c, "ofac_sls_fixtures.csv", text, len, ',');
    while (sn_csv_next(&c, &e) == 1) {
        if (c.line == 1 || labels[c.line] < 0) continue;
        const char *q = sn_csv_field(&c, 0, NULL), *l = sn_csv_field(&c, 1, NULL);
        add(q, l, strchr(l, ',') ? CL_SCREEN_TYPE_INDIVIDUAL : CL_SCREEN_TYPE_UNKNOWN, labels[c.line],
            "OFAC SLS fixtures", NULL);
    }
    sn_csv_release(&c);
    free(text);
}

/* ---- measuring ----------------------------------------------------------------------------------------------- */

struct counts {
    size_t tp, fp, fn, tn;
};

static void add_count(struct counts *c, int label, bool predicted)
{
    if (label && predicted)
        c->tp++;
    else if (label)
        c->fn++;
    else if (predicted)
        c->fp++;
    else
        c->tn++;
}

static void print_prf(const char *what, const struct counts *c)
{
    double p = c->tp + c->fp ? (double)c->tp / (double)(c->tp + c->fp) : 1.0;
    double r = c->tp + c->fn ? (double)c->tp / (double)(c->tp + c->fn) : 1.0;
    double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
    printf("  %-34s precision %.3f  recall %.3f  F1 %.3f   (tp %zu, fp %zu, fn %zu, tn %zu)\n", what, p, r, f, c->tp,
           c->fp, c->fn, c->tn);
}

static double jw_pair(const char *a, const char *b)
{
    struct cl_screen_normal na, nb;
    struct cl_error e = {0};
    if (cl_screen_name_normalize(a, strlen(a), &na, &e) || cl_screen_name_normalize(b, strlen(b), &nb, &e)) return 0;
    if (!na.n_variants || !nb.n_variants) return 0;
    size_t la = strlen(na.variant[0]), lb = strlen(nb.variant[0]);
    if (la > SN_UNIT_BYTES) la = SN_UNIT_BYTES;
    if (lb > SN_UNIT_BYTES) lb = SN_UNIT_BYTES;
    return sn_jaro_winkler(na.variant[0], la, nb.variant[0], lb);
}

int main(int argc, char **argv)
{
    int per = argc > 1 ? atoi(argv[1]) : 300;
    bool show = argc > 2 && strcmp(argv[2], "--errors") == 0;

    const char *files[] = {"ofac_2021/sdn.csv", "ofac_2021/alt.csv", "ofac_2021/add.csv",
                           "un_2026_02/UN_consolidated.xml"};
    char paths[4][512];
    const char *p[4];
    for (int i = 0; i < 4; i++) {
        snprintf(paths[i], sizeof(paths[i]), SHARED "lists/%s", files[i]);
        p[i] = paths[i];
    }
    struct cl_screen_lists l;
    cl_screen_lists_init(&l);
    struct cl_error e = {0};
    if (cl_screen_lists_read_files(&l, p, 4, NULL, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    struct cl_screen_config cfg;
    cl_screen_config_init(&cfg);
    generate(&l, per);
    size_t generated = n_pairs;
    fixtures();

    /* score every pair once */
    double *score = malloc(n_pairs * sizeof(double)), *jw = malloc(n_pairs * sizeof(double));
    struct cl_arena a;
    cl_arena_init(&a, 0);
    for (size_t i = 0; i < n_pairs; i++) {
        struct cl_screen_explain x;
        score[i] = cl_screen_names_match(pairs[i].q, pairs[i].l, pairs[i].type, &a, &x, &e) ? 0 : x.score;
        jw[i] = jw_pair(pairs[i].q, pairs[i].l);
        cl_arena_release(&a);
    }
    printf("labelled pairs: %zu generated from the OFAC 2021 and UN lists (%d per category), %zu OFAC fixtures\n",
           generated, per, n_pairs - generated);
    printf("\nper category, at review threshold %.2f (positives: recall; negatives: share wrongly flagged):\n",
           cfg.review);
    const char *cats[64];
    size_t nc = 0;
    for (size_t i = 0; i < n_pairs; i++) {
        size_t k = 0;
        while (k < nc && strcmp(cats[k], pairs[i].cat) != 0)
            k++;
        if (k == nc && nc < 64) cats[nc++] = pairs[i].cat;
    }
    for (size_t k = 0; k < nc; k++) {
        size_t n = 0, hit = 0, jhit = 0;
        int label = -1;
        for (size_t i = 0; i < n_pairs; i++) {
            if (strcmp(pairs[i].cat, cats[k]) != 0) continue;
            n++;
            label = pairs[i].label;
            hit += score[i] >= cfg.review;
            jhit += jw[i] >= 0.85;
            if (show && (score[i] >= cfg.review) != (pairs[i].label == 1))
                printf("      %s %.3f  %s  ~  %s\n", pairs[i].label ? "missed" : "flagged", score[i], pairs[i].q,
                       pairs[i].l);
        }
        if (!strcmp(cats[k], "OFAC SLS fixtures")) continue;
        printf("  %-38s %5zu pairs  %s %.3f   (Jaro-Winkler baseline: %.3f)\n", cats[k], n,
               label ? "recall " : "flagged", (double)hit / (double)n, (double)jhit / (double)n);
    }
    struct counts gen = {0}, fix = {0}, all = {0}, jgen = {0}, jfix = {0};
    for (size_t i = 0; i < n_pairs; i++) {
        bool pr = score[i] >= cfg.review, jp = jw[i] >= 0.85;
        bool is_fix = i >= generated;
        add_count(is_fix ? &fix : &gen, pairs[i].label, pr);
        add_count(is_fix ? &jfix : &jgen, pairs[i].label, jp);
        add_count(&all, pairs[i].label, pr);
    }
    printf("\nprecision, recall, F1 (review threshold %.2f; baseline: whole-name Jaro-Winkler >= 0.85):\n", cfg.review);
    print_prf("generated set", &gen);
    print_prf("generated set, JW baseline", &jgen);
    print_prf("OFAC fixtures (own labels)", &fix);
    print_prf("OFAC fixtures, JW baseline", &jfix);
    print_prf("all", &all);
    printf("\nthreshold sweep (all pairs):\n");
    for (double t = 0.70; t < 0.991; t += 0.04) {
        struct counts c = {0};
        for (size_t i = 0; i < n_pairs; i++)
            add_count(&c, pairs[i].label, score[i] >= t);
        char what[32];
        snprintf(what, sizeof(what), "threshold %.2f", t);
        print_prf(what, &c);
    }

    /* end to end: the positive queries through the index over every list loaded */
    struct cl_screen_index *idx = NULL;
    if (cl_screen_index_build(&l, &idx, &e)) return 1;
    size_t npos = 0, found = 0, blocked = 0;
    for (size_t i = 0; i < generated; i++) {
        if (!pairs[i].label || !pairs[i].entry) continue;
        npos++;
        const char *n[1] = {pairs[i].q};
        struct cl_screen_party party = {n, 1, NULL, 0, CL_SCREEN_TYPE_UNKNOWN};
        struct cl_screen_result r;
        if (cl_screen_party_screen(idx, &cfg, &party, false, &a, &r, &e)) continue;
        for (size_t k = 0; k < r.n_matches; k++)
            if (r.matches[k].entry == pairs[i].entry) {
                found++;
                blocked += r.matches[k].explain.score >= cfg.block;
                break;
            }
        cl_arena_release(&a);
    }
    printf("\nsearch: %zu of %zu positive queries find their entry among the matches (%.3f); %zu at block level\n",
           found, npos, (double)found / (double)npos, blocked);
    /* unlisted everyday names through the index: how many would a user have to review? */
    static const char *const given[] = {"John",  "Maria", "Wei",    "Ahmed",  "Olga",  "Carlos", "Fatima", "Hiroshi",
                                        "Anna",  "David", "Li",     "Sergei", "Priya", "Emma",   "Lucas",  "Chen",
                                        "Yusuf", "Elena", "Pierre", "Amina",  "Kenji", "Sofia",  "Omar",   "Ivan",
                                        "Grace", "Jamal", "Mei",    "Pedro",  "Nadia", "George"};
    static const char *const family[] = {
        "Smith",    "Garcia",  "Wang",      "Johnson", "Petrova", "Kowalski", "Tanaka", "Okafor", "Schmidt", "Rossi",
        "Nguyen",   "Dubois",  "Andersson", "Silva",   "Kumar",   "Brown",    "Novak",  "Larsen", "Moreau",  "Haddad",
        "Yamamoto", "Fischer", "Costa",     "Murphy",  "Bush",    "Daniels",  "Walker", "Lopez",  "Meyer",   "Kaplan"};
    size_t flagged = 0, total = 0;
    for (int g = 0; g < 30; g++)
        for (int f = 0; f < 30; f++) {
            char name[64];
            snprintf(name, sizeof(name), "%s %s", given[g], family[f]);
            const char *n[1] = {name};
            struct cl_screen_party party = {n, 1, NULL, 0, CL_SCREEN_TYPE_INDIVIDUAL};
            struct cl_screen_result r;
            if (cl_screen_party_screen(idx, &cfg, &party, false, &a, &r, &e)) continue;
            total++;
            if (r.decision != CL_SCREEN_CLEAR) {
                flagged++;
                if (show)
                    printf("      unlisted name flagged: %s ~ %s %.3f\n", name, r.matches[0].matched_name,
                           r.best_score);
            }
            cl_arena_release(&a);
        }
    printf("everyday names (30 given x 30 family names, as individuals): %zu of %zu flagged for review or block "
           "(%.3f)\n",
           flagged, total, (double)flagged / (double)total);
    cl_screen_index_free(idx);
    cl_arena_release(&a);
    free(score);
    free(jw);
    free(pairs);
    cl_screen_lists_release(&l);
    return 0;
}
