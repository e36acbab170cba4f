/* The scorer: similarity of tokens (exact, typo, phonetic, initial, joined, legal form), the alignment of two
 * names' tokens, the score in [0, 1] with its explanation, and the qualifiers that raise or lower it. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "screen_int.h"

/* ---- string distances ---------------------------------------------------------------------------------------- */

int sn_osa_bounded(const char *a, size_t la, const char *b, size_t lb, int max)
{
    size_t diff = la > lb ? la - lb : lb - la;
    if (diff > (size_t)max) return max + 1;
    if (la > SN_UNIT_BYTES || lb > SN_UNIT_BYTES) return max + 1;
    int prev2[SN_UNIT_BYTES + 1], prev[SN_UNIT_BYTES + 1], cur[SN_UNIT_BYTES + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        int row_min = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int v = prev[j - 1] + cost;
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < row_min) row_min = v;
        }
        if (row_min > max) return max + 1;
        memcpy(prev2, prev, (lb + 1) * sizeof(int));
        memcpy(prev, cur, (lb + 1) * sizeof(int));
    }
    return prev[lb] > max ? max + 1 : prev[lb];
}

int sn_edit_budget(size_t la, size_t lb)
{
    size_t m = la < lb ? la : lb;
    if (m >= 8) return 2;
    if (m >= 4) return 1;
    return 0;
}

double sn_jaro_winkler(const char *a, size_t la, const char *b, size_t lb)
{
    if (la == 0 || lb == 0) return 0.0;
    if (la > SN_UNIT_BYTES || lb > SN_UNIT_BYTES) return 0.0;
    size_t window = (la > lb ? la : lb) / 2;
    window = window > 0 ? window - 1 : 0;
    bool ma[SN_UNIT_BYTES] = {0}, mb[SN_UNIT_BYTES] = {0};
    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = i + window + 1 < lb ? i + window + 1 : lb;
        for (size_t j = lo; j < hi; j++) {
            if (mb[j] || a[i] != b[j]) continue;
            ma[i] = mb[j] = true;
            m++;
            break;
        }
    }
    if (m == 0) return 0.0;
    size_t t = 0, k = 0;
    for (size_t i = 0; i < la; i++) {
        if (!ma[i]) continue;
        while (!mb[k])
            k++;
        if (a[i] != b[k]) t++;
        k++;
    }
    double md = (double)m;
    double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
    size_t prefix = 0;
    while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

/* ---- units --------------------------------------------------------------------------------------------------- */

static bool joinable(const struct sn_tok *t)
{
    return t->cls == SN_WORD || t->cls == SN_PARTICLE || t->cls == SN_INITIAL || t->cls == SN_GENERIC;
}

/* A unit of the tokens at positions pos[0..n-1], joined in that order. */
static void unit_from_list(struct sn_unit *u, const struct sn_name *nm, const int *pos, int n)
{
    size_t k = 0;
    float w = 0;
    u->tmask = 0;
    u->translit = 0;
    u->first = (uint8_t)pos[0];
    for (int i = 0; i < n; i++) {
        const struct sn_tok *t = &nm->tok[pos[i]];
        memcpy(u->s + k, t->s, t->len);
        k += t->len;
        w += t->w;
        u->translit |= t->translit;
        u->tmask |= 1u << pos[i];
        if (pos[i] < u->first) u->first = (uint8_t)pos[i];
    }
    u->s[k] = '\0';
    u->len = (uint8_t)k;
    u->span = (uint8_t)n;
    u->cls = n == 1 ? nm->tok[pos[0]].cls : SN_WORD;
    u->w = w;
    sn_unit_skeleton(u);
}

static void unit_from(struct sn_unit *u, const struct sn_name *n, int first, int span)
{
    int pos[3] = {first, first + 1, first + 2};
    unit_from_list(u, n, pos, span);
}

int sn_units(const struct sn_name *n, struct sn_unit *units)
{
    int k = 0;
    for (int i = 0; i < n->n; i++)
        unit_from(&units[k++], n, i, 1);
    for (int i = 0; i + 1 < n->n; i++) {
        const struct sn_tok *a = &n->tok[i], *b = &n->tok[i + 1];
        if (!joinable(a) || !joinable(b)) continue;
        if ((size_t)a->len + b->len >= SN_UNIT_BYTES) continue;
        unit_from(&units[k++], n, i, 2);
        if (i + 2 < n->n) {
            const struct sn_tok *c = &n->tok[i + 2];
            if (!joinable(c) || (size_t)a->len + b->len + c->len >= SN_UNIT_BYTES) continue;
            bool short_middle = b->len <= 3;
            bool hyphenated = a->group && a->group == b->group && b->group == c->group;
            bool han = a->han && b->han && c->han;
            if (short_middle || hyphenated || han) unit_from(&units[k++], n, i, 3);
        }
    }
    if (n->comma_at > 0 && n->n >= 2) {
        const struct sn_tok *g = &n->tok[n->n - 1], *f = &n->tok[0];
        int pos[2] = {n->n - 1, 0};
        if (joinable(g) && joinable(f) && (size_t)g->len + f->len < SN_UNIT_BYTES && n->n - 1 != 0)
            unit_from_list(&units[k++], n, pos, 2);
    }
    CL_ASSERT(k <= SN_UNITS_MAX);
    return k;
}

void sn_unit_skeleton(struct sn_unit *u)
{
    u->skel_len = 0;
    u->skel_h = 0;
    u->mask = 0;
    for (size_t i = 0; i < u->len; i++) {
        unsigned char c = (unsigned char)u->s[i];
        u->mask |= 1u << (c >= 'a' && c <= 'z' ? c - 'a' : 26 + c % 6);
    }
    if (u->len < 3 || u->cls == SN_DIGITS || u->cls == SN_SCRIPT || u->cls == SN_LEGAL) return;
    char sk[SN_UNIT_BYTES * 2 + 8];
    size_t sl = sn_skeleton(u->s, u->len, sk);
    if (sl < 2) return;
    u->skel_len = (uint8_t)(sl > 255 ? 255 : sl);
    u->skel_h = sn_hash64(sk, sl, 2);
}

/* ---- token similarity ---------------------------------------------------------------------------------------- */

double sn_unit_sim(const struct sn_unit *a, const struct sn_unit *b, enum cl_screen_how *out_how)
{
    enum cl_screen_how how = CL_SCREEN_HOW_UNMATCHED;
    double sim = 0.0;
    if (a->cls == SN_LEGAL || b->cls == SN_LEGAL) {
        if (a->cls == SN_LEGAL && b->cls == SN_LEGAL) {
            sim = (a->len == b->len && memcmp(a->s, b->s, a->len) == 0) ? 1.0 : SN_LEGAL_OTHER_SIM;
            how = CL_SCREEN_HOW_LEGAL;
        }
        goto out;
    }
    if (a->cls == SN_SCRIPT || b->cls == SN_SCRIPT) {
        if (a->len == b->len && memcmp(a->s, b->s, a->len) == 0) {
            sim = 1.0;
            how = CL_SCREEN_HOW_EXACT;
        }
        goto out;
    }
    if (a->len == b->len && memcmp(a->s, b->s, a->len) == 0) {
        sim = 1.0;
        how = (a->span == b->span) ? CL_SCREEN_HOW_EXACT : CL_SCREEN_HOW_JOINED;
        goto out;
    }
    if (a->cls == SN_DIGITS || b->cls == SN_DIGITS) goto out;
    if (a->span == 1 && b->span == 1) {
        /* an initial and a name it begins */
        if (a->cls == SN_INITIAL && b->cls == SN_WORD && b->s[0] == a->s[0]) {
            sim = SN_INITIAL_SIM;
            how = CL_SCREEN_HOW_INITIAL;
            goto out;
        }
        if (b->cls == SN_INITIAL && a->cls == SN_WORD && a->s[0] == b->s[0]) {
            sim = SN_INITIAL_SIM;
            how = CL_SCREEN_HOW_INITIAL;
            goto out;
        }
        if (a->cls == SN_INITIAL || b->cls == SN_INITIAL) goto out;
    }
    double jw = -1.0;
    if (a->span == 1 && b->span == 1) {
        int budget = sn_edit_budget(a->len, b->len);
        int ld0 = (int)a->len - (int)b->len;
        if (budget > 0 && ld0 <= budget && -ld0 <= budget && __builtin_popcount(a->mask ^ b->mask) <= 2 * budget &&
            sn_osa_bounded(a->s, a->len, b->s, b->len, budget) <= budget) {
            jw = sn_jaro_winkler(a->s, a->len, b->s, b->len);
            double v = jw - (a->s[0] != b->s[0] ? 0.15 : 0.0); /* first letters are rarely mistyped */
            if (v >= SN_TOKEN_SIM_MIN) {
                sim = v > 0.98 ? 0.98 : v;
                how = CL_SCREEN_HOW_TYPO;
            }
        }
    }
    /* same consonant skeleton: vowel and transliteration variants (usama/osama, hsyn/hussein) */
    int ld = (int)a->len - (int)b->len;
    if (ld < 0) ld = -ld;
    /* Looser rules when the query was transliterated (an Arabic-script query against the Latin lists); a Latin query
     * against a listed original-script name gets none, since that entry's Latin names are there to meet it. */
    bool translit = a->translit;
    bool join = a->span > 1 || b->span > 1;
    if (a->len >= 3 && b->len >= 3 && ld <= (translit ? 5 : 3) && (a->span == 1 || b->span == 1 || translit)) {
        size_t la = a->skel_len, lb = b->skel_len;
        if (la >= 2 && la == lb && a->skel_h == b->skel_h) {
            if (jw < 0) jw = sn_jaro_winkler(a->s, a->len, b->s, b->len);
            /* The skeleton drops every vowel, so the spellings must also be close (Dubois is not Dabbashi), except
             * for names transliterated from another alphabet, unvowelled Arabic above all; a two-letter skeleton
             * ("sm") says less still. A join must be closer, and two joins meet by skeleton only when transliterated:
             * otherwise a weak word would ride on a strong one. */
            double gate = la >= 3 ? (translit ? 0.0 : (join ? 0.88 : 0.78)) : (translit ? 0.7 : 0.85);
            if (jw >= gate) {
                double v = jw < 0.85 ? 0.85 : (jw > 0.95 ? 0.95 : jw);
                if (v > sim) {
                    sim = v;
                    how = (a->span == b->span) ? CL_SCREEN_HOW_PHONETIC : CL_SCREEN_HOW_JOINED;
                }
            }
        }
    }
out:
    if (out_how) *out_how = how;
    return sim;
}

/* ---- aligning two names -------------------------------------------------------------------------------------- */

struct cand {
    float v;
    float sim;
    uint8_t qi, li; /* unit indexes */
    uint8_t how;
};

static int cand_cmp(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    if (a->v != b->v) return a->v > b->v ? -1 : 1;
    /* ties: fewer tokens joined first, then order */
    if (a->qi != b->qi) return a->qi < b->qi ? -1 : 1;
    return a->li < b->li ? -1 : (a->li > b->li);
}

static uint64_t span_mask(const struct sn_unit *u)
{
    return u->tmask;
}

/* Sum of weights with the missing-middle-name rule: when every core name token is matched, unmatched middle
 * names count SN_MIDDLE_FACTOR of their weight. */
static double side_weight(const struct sn_name *n, uint64_t matched, bool lenient, bool *out_relaxed)
{
    bool core_all = true;
    for (int i = 0; i < n->n; i++) {
        const struct sn_tok *t = &n->tok[i];
        bool nameish = t->cls == SN_WORD || t->cls == SN_DIGITS || t->cls == SN_SCRIPT || t->cls == SN_INITIAL;
        if (nameish && t->core && !(matched & (1ull << i))) core_all = false;
    }
    bool relax = lenient && core_all && matched != 0;
    double w = 0;
    for (int i = 0; i < n->n; i++) {
        const struct sn_tok *t = &n->tok[i];
        double tw = t->w;
        if (relax && !t->core && !(matched & (1ull << i))) tw *= SN_MIDDLE_FACTOR;
        w += tw;
    }
    *out_relaxed = relax;
    return w;
}

static const char *unit_text(struct cl_arena *a, const struct sn_name *n, const struct sn_unit *u)
{
    char buf[SN_UNIT_BYTES + 8];
    size_t k = 0;
    for (int i = 0; i < n->n; i++) {
        if (!(u->tmask & (1u << i))) continue;
        const struct sn_tok *t = &n->tok[i];
        if (k + t->len + 2 > sizeof(buf)) break;
        if (k) buf[k++] = ' ';
        memcpy(buf + k, t->s, t->len);
        k += t->len;
    }
    return cl_arena_strndup(a, buf, k);
}

/* Picks non-overlapping pairs greedily from cands (sorted best first); singles_first: a first pass over pairs of
 * single tokens only, then the joins. Returns the numerator and fills picked. */
static double pick_pairs(const struct cand *cands, int nc, const struct sn_unit *qu, const struct sn_unit *lu,
                         bool singles_first, uint64_t *out_qm, uint64_t *out_lm, int *picked, int *out_np)
{
    uint64_t qm = 0, lm = 0;
    double num = 0;
    int np = 0;
    for (int pass = singles_first ? 0 : 1; pass < 2; pass++)
        for (int k = 0; k < nc && np < CL_LIMIT_SCREEN_TOKENS; k++) {
            const struct sn_unit *a = &qu[cands[k].qi], *b = &lu[cands[k].li];
            if (pass == 0 && (a->span != 1 || b->span != 1)) continue;
            uint64_t ma = span_mask(a), mb = span_mask(b);
            if ((qm & ma) || (lm & mb)) continue;
            qm |= ma;
            lm |= mb;
            num += cands[k].v;
            picked[np++] = k;
        }
    *out_qm = qm;
    *out_lm = lm;
    *out_np = np;
    return num;
}

double sn_score_names(const struct sn_name *q, const struct sn_unit *qu, int nqu, const struct sn_name *l,
                      const struct sn_unit *lu, int nlu, bool listed_individual, struct cl_arena *arena,
                      struct cl_screen_explain *out)
{
    if (q->n == 0 || l->n == 0) return 0.0;
    struct cand cands[512];
    int nc = 0;
    for (int i = 0; i < nqu; i++)
        for (int j = 0; j < nlu; j++) {
            /* joins meet singles or joins; two joins only meet exactly (handled by the exact test) */
            enum cl_screen_how how;
            double s = sn_unit_sim(&qu[i], &lu[j], &how);
            if (s <= 0.0) continue;
            if (nc == (int)(sizeof(cands) / sizeof(cands[0]))) break;
            cands[nc++] =
                (struct cand){(float)(s * (qu[i].w + lu[j].w)), (float)s, (uint8_t)i, (uint8_t)j, (uint8_t)how};
        }
    /* few candidates: insertion sort */
    for (int i = 1; i < nc; i++) {
        struct cand x = cands[i];
        int j = i - 1;
        while (j >= 0 && cand_cmp(&cands[j], &x) > 0) {
            cands[j + 1] = cands[j];
            j--;
        }
        cands[j + 1] = x;
    }
    /* two greedy alignments, best pairs first and single tokens first; the better one counts (a join of an
     * initial with a name must not hide the name's exact match) */
    uint64_t qm = 0, lm = 0;
    int picked[CL_LIMIT_SCREEN_TOKENS];
    int np = 0;
    double score = -1;
    bool qrel = false, lrel = false;
    for (int variant = 0; variant < 2; variant++) {
        uint64_t qm2, lm2;
        int picked2[CL_LIMIT_SCREEN_TOKENS], np2;
        double num = pick_pairs(cands, nc, qu, lu, variant == 1, &qm2, &lm2, picked2, &np2);
        bool qr, lr;
        double wq = side_weight(q, qm2, listed_individual, &qr);
        double wl = side_weight(l, lm2, listed_individual, &lr);
        double sc = (wq + wl) > 0 ? num / (wq + wl) : 0.0;
        if (sc > score + 1e-12) {
            score = sc;
            qm = qm2;
            lm = lm2;
            np = np2;
            memcpy(picked, picked2, sizeof(int) * (size_t)np2);
            qrel = qr;
            lrel = lr;
        }
    }
    /* A bare surname: every query token met a token of the listed surname, and the surname is all met. The query
     * says too little to tell the listed person from a namesake: review, not block. */
    if (l->comma_at > 0 && qm == (q->n >= 64 ? ~0ull : (1ull << q->n) - 1) && lm != 0 && (lm >> l->comma_at) == 0) {
        bool surname_all = true;
        for (int i = 0; i < l->comma_at; i++) /* the first surname; a second (maternal) one may be missing */
            if ((l->tok[i].cls == SN_WORD || l->tok[i].cls == SN_SCRIPT) && l->tok[i].core && !(lm & (1ull << i)))
                surname_all = false;
        /* and only exactly: a misspelt bare surname ("PUTIN" ~ "PUTINA") is too little to go on */
        bool exact = true;
        for (int k = 0; k < np; k++)
            exact &= cands[picked[k]].sim >= 0.999f;
        if (surname_all && exact && SN_SURNAME_ONLY > score) score = SN_SURNAME_ONLY;
    }
    if (score > 1.0) score = 1.0;
    if (!arena || !out) return score;

    out->name_score = score;
    out->score = score;
    size_t cap = (size_t)np + (size_t)q->n + (size_t)l->n;
    out->tokens = cl_arena_alloc(arena, cap * sizeof(out->tokens[0]));
    out->n_tokens = 0;
    if (!out->tokens) return score;
    for (int k = 0; k < np; k++) {
        const struct cand *c = &cands[picked[k]];
        struct cl_screen_token_match *t = &out->tokens[out->n_tokens++];
        t->query = unit_text(arena, q, &qu[c->qi]);
        t->listed = unit_text(arena, l, &lu[c->li]);
        t->how = (enum cl_screen_how)c->how;
        t->similarity = c->sim;
        t->weight = qu[c->qi].w + lu[c->li].w;
    }
    for (int i = 0; i < q->n; i++) {
        if (qm & (1ull << i)) continue;
        const struct sn_tok *tk = &q->tok[i];
        struct cl_screen_token_match *t = &out->tokens[out->n_tokens++];
        t->query = cl_arena_strndup(arena, tk->s, tk->len);
        t->listed = NULL;
        t->how = CL_SCREEN_HOW_UNMATCHED;
        t->similarity = 0;
        t->weight = tk->w * ((qrel && !tk->core) ? SN_MIDDLE_FACTOR : 1.0);
    }
    for (int i = 0; i < l->n; i++) {
        if (lm & (1ull << i)) continue;
        const struct sn_tok *tk = &l->tok[i];
        struct cl_screen_token_match *t = &out->tokens[out->n_tokens++];
        t->query = NULL;
        t->listed = cl_arena_strndup(arena, tk->s, tk->len);
        t->how = CL_SCREEN_HOW_UNMATCHED;
        t->similarity = 0;
        t->weight = tk->w * ((lrel && !tk->core) ? SN_MIDDLE_FACTOR : 1.0);
    }
    char fq[CL_LIMIT_NAME_BYTES], fl[CL_LIMIT_NAME_BYTES];
    sn_name_format(q, fq, sizeof(fq));
    sn_name_format(l, fl, sizeof(fl));
    out->query_form = cl_arena_strdup(arena, fq);
    out->listed_form = cl_arena_strdup(arena, fl);
    out->variant = sn_variant_name(l->variant == SN_V_ORIGINAL ? SN_V_ORIGINAL
                                   : q->variant != SN_V_LATIN  ? q->variant
                                                               : l->variant);
    return score;
}

const char *cl_screen_how_name(enum cl_screen_how h)
{
    switch (h) {
    case CL_SCREEN_HOW_EXACT: return "exact";
    case CL_SCREEN_HOW_TYPO: return "typo";
    case CL_SCREEN_HOW_PHONETIC: return "phonetic";
    case CL_SCREEN_HOW_INITIAL: return "initial";
    case CL_SCREEN_HOW_JOINED: return "joined";
    case CL_SCREEN_HOW_LEGAL: return "legal form";
    case CL_SCREEN_HOW_UNMATCHED: return "unmatched";
    }
    return "?";
}

/* Scores every compatible pair of variants and keeps the best: Latin and joined forms meet each other; original
 * scripts meet only original scripts. */
static double score_sets(const struct sn_set *qs, const struct sn_set *ls, bool individual, struct cl_arena *arena,
                         struct cl_screen_explain *out)
{
    static _Thread_local struct sn_unit qu[SN_UNITS_MAX], lu[SN_UNITS_MAX];
    double best = -1;
    int bi = -1, bj = -1;
    for (int i = 0; i < qs->n; i++) {
        int nq = sn_units(&qs->v[i], qu);
        for (int j = 0; j < ls->n; j++) {
            bool qo = qs->v[i].variant == SN_V_ORIGINAL, lo = ls->v[j].variant == SN_V_ORIGINAL;
            if (qo != lo) continue;
            int nl = sn_units(&ls->v[j], lu);
            double s = sn_score_names(&qs->v[i], qu, nq, &ls->v[j], lu, nl, individual, NULL, NULL);
            if (s > best) {
                best = s;
                bi = i;
                bj = j;
            }
        }
    }
    if (bi < 0) {
        memset(out, 0, sizeof(*out));
        return 0.0;
    }
    int nq = sn_units(&qs->v[bi], qu);
    int nl = sn_units(&ls->v[bj], lu);
    return sn_score_names(&qs->v[bi], qu, nq, &ls->v[bj], lu, nl, individual, arena, out);
}

enum cl_err cl_screen_names_match(const char *query, const char *listed, enum cl_screen_type listed_type,
                                  struct cl_arena *arena, struct cl_screen_explain *out, struct cl_error *err)
{
    memset(out, 0, sizeof(*out));
    size_t lq = strlen(query), ll = strlen(listed);
    if (lq > CL_LIMIT_NAME_BYTES || ll > CL_LIMIT_NAME_BYTES)
        return cl_error_set(err, CL_ERR_LIMIT, "name longer than %u bytes", (unsigned)CL_LIMIT_NAME_BYTES);
    static _Thread_local struct sn_set qs, ls;
    bool individual = listed_type == CL_SCREEN_TYPE_INDIVIDUAL || listed_type == CL_SCREEN_TYPE_UNKNOWN;
    sn_normalize(query, lq, false, &qs);
    sn_normalize(listed, ll, listed_type == CL_SCREEN_TYPE_INDIVIDUAL, &ls);
    score_sets(&qs, &ls, individual, arena, out);
    if (!out->query_form) {
        out->query_form = "";
        out->listed_form = "";
        out->variant = "latin";
    }
    return CL_OK;
}

/* ---- qualifiers ---------------------------------------------------------------------------------------------- */

bool sn_birth_years(const char *text, int *out_from, int *out_to)
{
    int years[2], n = 0;
    for (const char *p = text; *p && n < 2;) {
        if (isdigit((unsigned char)*p)) {
            int v = 0, d = 0;
            while (isdigit((unsigned char)*p)) {
                if (d < 6) v = v * 10 + (*p - '0');
                d++;
                p++;
            }
            if (d == 4 && v >= 1800 && v <= 2200) years[n++] = v;
        } else {
            p++;
        }
    }
    if (n == 0) return false;
    *out_from = years[0];
    *out_to = n == 2 && strstr(text, "..") ? years[1] : years[0];
    if (*out_to < *out_from) *out_to = *out_from;
    return true;
}

static bool country_eq(const char *a, const char *b)
{
    const char *ca = cl_screen_country_code(a, strlen(a)), *cb = cl_screen_country_code(b, strlen(b));
    if (ca && cb) return strcmp(ca, cb) == 0;
    return strcasecmp(a, b) == 0;
}

double sn_qualifier_boost_max(const struct cl_screen_config *c, const struct cl_screen_party *p)
{
    double b = 0;
    if (p->country && *p->country) b += c->country_match;
    if (p->birth_year) b += c->birth_match;
    return b;
}

double sn_qualifiers(const struct cl_screen_config *c, const struct cl_screen_party *p, const struct cl_screen_entry *e,
                     struct cl_arena *arena, const char **out_text)
{
    double adj = 0;
    char text[512];
    size_t k = 0;
    text[0] = '\0';
#define NOTE(...)                                                                                                      \
    do {                                                                                                               \
        if (k < sizeof(text)) {                                                                                        \
            int w_ = snprintf(text + k, sizeof(text) - k, "%s", k ? "; " : "");                                        \
            if (w_ > 0) k += (size_t)w_;                                                                               \
        }                                                                                                              \
        if (k < sizeof(text)) {                                                                                        \
            int w_ = snprintf(text + k, sizeof(text) - k, __VA_ARGS__);                                                \
            if (w_ > 0) k += (size_t)w_;                                                                               \
        }                                                                                                              \
    } while (0)
    if (p->country && *p->country && e->n_countries) {
        bool hit = false;
        for (size_t i = 0; i < e->n_countries && !hit; i++)
            hit = country_eq(p->country, e->countries[i]);
        if (hit) {
            adj += c->country_match;
            NOTE("country %s is the listed party's (+%.2f)", p->country, c->country_match);
        } else {
            adj -= c->country_mismatch;
            NOTE("country %s is not among the listed party's (-%.2f)", p->country, c->country_mismatch);
        }
    }
    if (p->birth_year && e->n_births) {
        bool hit = false, near = false;
        for (size_t i = 0; i < e->n_births; i++) {
            int from, to;
            if (!sn_birth_years(e->births[i], &from, &to)) continue;
            if (p->birth_year >= from && p->birth_year <= to)
                hit = true;
            else if (p->birth_year >= from - 1 && p->birth_year <= to + 1)
                near = true;
        }
        if (hit) {
            adj += c->birth_match;
            NOTE("born in %d, as listed (+%.2f)", p->birth_year, c->birth_match);
        } else if (!near) {
            adj -= c->birth_mismatch;
            NOTE("born in %d, listed %s (-%.2f)", p->birth_year, e->births[0], c->birth_mismatch);
        }
    }
    if (p->type != CL_SCREEN_TYPE_UNKNOWN && e->type != CL_SCREEN_TYPE_UNKNOWN) {
        bool pi = p->type == CL_SCREEN_TYPE_INDIVIDUAL, ei = e->type == CL_SCREEN_TYPE_INDIVIDUAL;
        if (pi != ei) {
            adj -= c->type_mismatch;
            NOTE("%s screened against a listed %s (-%.2f)", cl_screen_type_name(p->type), cl_screen_type_name(e->type),
                 c->type_mismatch);
        }
    }
#undef NOTE
    *out_text = (k && arena) ? cl_arena_strdup(arena, text) : NULL;
    return adj;
}

/* ---- configuration ------------------------------------------------------------------------------------------- */

void cl_screen_config_init(struct cl_screen_config *c)
{
    c->review = 0.82;
    c->block = 0.95;
    c->max_matches = 10;
    c->country_match = 0.03;
    c->country_mismatch = 0.05;
    c->birth_match = 0.05;
    c->birth_mismatch = 0.15;
    c->type_mismatch = 0.15;
}

enum cl_err cl_screen_config_check(const struct cl_screen_config *c, struct cl_error *err)
{
    if (!(c->review > 0 && c->review <= 1))
        return cl_error_set(err, CL_ERR_INPUT, "review: threshold must be in (0, 1], not %g", c->review);
    if (!(c->block >= c->review && c->block <= 1))
        return cl_error_set(err, CL_ERR_INPUT, "block: threshold must be in [review, 1], not %g", c->block);
    if (c->max_matches < 1 || c->max_matches > CL_LIMIT_SCREEN_MATCHES)
        return cl_error_set(err, CL_ERR_INPUT, "max_matches: must be 1 to %d", CL_LIMIT_SCREEN_MATCHES);
    const double adj[] = {c->country_match, c->country_mismatch, c->birth_match, c->birth_mismatch, c->type_mismatch};
    for (size_t i = 0; i < 5; i++)
        if (!(adj[i] >= 0 && adj[i] <= 0.5))
            return cl_error_set(err, CL_ERR_INPUT, "qualifier adjustments must be in [0, 0.5], not %g", adj[i]);
    return CL_OK;
}
