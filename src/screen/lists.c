/* The set of listed parties: its memory, the CSV reader the importers share, format detection, and the names of
 * types, name kinds and countries. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "screen_int.h"

/* ---- names of things ----------------------------------------------------------------------------------------- */

const char *cl_screen_type_name(enum cl_screen_type t)
{
    switch (t) {
    case CL_SCREEN_TYPE_INDIVIDUAL: return "individual";
    case CL_SCREEN_TYPE_ENTITY: return "entity";
    case CL_SCREEN_TYPE_VESSEL: return "vessel";
    case CL_SCREEN_TYPE_AIRCRAFT: return "aircraft";
    case CL_SCREEN_TYPE_UNKNOWN: break;
    }
    return "unknown";
}

bool cl_screen_type_parse(const char *s, enum cl_screen_type *out)
{
    static const struct {
        const char *w;
        enum cl_screen_type t;
    } words[] = {
        {"individual", CL_SCREEN_TYPE_INDIVIDUAL}, {"person", CL_SCREEN_TYPE_INDIVIDUAL},
        {"entity", CL_SCREEN_TYPE_ENTITY},         {"organization", CL_SCREEN_TYPE_ENTITY},
        {"company", CL_SCREEN_TYPE_ENTITY},        {"vessel", CL_SCREEN_TYPE_VESSEL},
        {"aircraft", CL_SCREEN_TYPE_AIRCRAFT},     {"unknown", CL_SCREEN_TYPE_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(s, words[i].w) == 0) {
            *out = words[i].t;
            return true;
        }
    return false;
}

const char *cl_screen_name_kind_name(enum cl_screen_name_kind k)
{
    switch (k) {
    case CL_SCREEN_NAME_PRIMARY: return "primary";
    case CL_SCREEN_NAME_AKA: return "aka";
    case CL_SCREEN_NAME_FKA: return "fka";
    case CL_SCREEN_NAME_NKA: return "nka";
    case CL_SCREEN_NAME_WEAK: return "weak";
    case CL_SCREEN_NAME_ORIGINAL: return "original";
    }
    return "aka";
}

const char *cl_screen_decision_name(enum cl_screen_decision d)
{
    switch (d) {
    case CL_SCREEN_CLEAR: return "clear";
    case CL_SCREEN_REVIEW: return "review";
    case CL_SCREEN_BLOCK: return "block";
    }
    return "?";
}

bool cl_screen_decision_parse(const char *s, enum cl_screen_decision *out)
{
    for (int d = CL_SCREEN_CLEAR; d <= CL_SCREEN_BLOCK; d++)
        if (strcmp(s, cl_screen_decision_name((enum cl_screen_decision)d)) == 0) {
            *out = (enum cl_screen_decision)d;
            return true;
        }
    return false;
}

/* Countries as the lists write them (OFAC and UN names, CSL codes) and as users type them. */
static const struct {
    const char *code;
    const char *names;
} countries[] = {
    {"af", "afghanistan"},
    {"al", "albania"},
    {"dz", "algeria"},
    {"ao", "angola"},
    {"ar", "argentina"},
    {"am", "armenia"},
    {"au", "australia"},
    {"at", "austria"},
    {"az", "azerbaijan"},
    {"bh", "bahrain"},
    {"bd", "bangladesh"},
    {"by", "belarus"},
    {"be", "belgium"},
    {"bz", "belize"},
    {"bo", "bolivia"},
    {"ba", "bosnia and herzegovina"},
    {"br", "brazil"},
    {"bg", "bulgaria"},
    {"bi", "burundi"},
    {"kh", "cambodia"},
    {"ca", "canada"},
    {"cf", "central african republic"},
    {"td", "chad"},
    {"cl", "chile"},
    {"cn", "china|people's republic of china|prc|mainland china"},
    {"co", "colombia"},
    {"cd", "congo, democratic republic of the|democratic republic of the congo|drc|dr congo"},
    {"cg", "congo|republic of the congo"},
    {"cr", "costa rica"},
    {"hr", "croatia"},
    {"cu", "cuba"},
    {"cy", "cyprus"},
    {"cz", "czech republic|czechia"},
    {"dk", "denmark"},
    {"do", "dominican republic"},
    {"ec", "ecuador"},
    {"eg", "egypt"},
    {"sv", "el salvador"},
    {"er", "eritrea"},
    {"ee", "estonia"},
    {"et", "ethiopia"},
    {"fi", "finland"},
    {"fr", "france"},
    {"ge", "georgia"},
    {"de", "germany"},
    {"gh", "ghana"},
    {"gr", "greece"},
    {"gt", "guatemala"},
    {"gn", "guinea"},
    {"gw", "guinea-bissau"},
    {"ht", "haiti"},
    {"hn", "honduras"},
    {"hk", "hong kong"},
    {"hu", "hungary"},
    {"in", "india"},
    {"id", "indonesia"},
    {"ir", "iran|iran, islamic republic of|islamic republic of iran"},
    {"iq", "iraq"},
    {"ie", "ireland"},
    {"il", "israel"},
    {"it", "italy"},
    {"jm", "jamaica"},
    {"jp", "japan"},
    {"jo", "jordan"},
    {"kz", "kazakhstan"},
    {"ke", "kenya"},
    {"kp", "korea, north|north korea|democratic people's republic of korea|dprk|korea, democratic people's "
           "republic of"},
    {"kr", "korea, south|south korea|republic of korea|korea"},
    {"xk", "kosovo"},
    {"kw", "kuwait"},
    {"kg", "kyrgyzstan"},
    {"la", "laos"},
    {"lv", "latvia"},
    {"lb", "lebanon"},
    {"ly", "libya"},
    {"lt", "lithuania"},
    {"lu", "luxembourg"},
    {"mo", "macau|macao"},
    {"mk", "north macedonia|macedonia"},
    {"my", "malaysia"},
    {"mv", "maldives"},
    {"ml", "mali"},
    {"mt", "malta"},
    {"mr", "mauritania"},
    {"mx", "mexico"},
    {"md", "moldova"},
    {"mn", "mongolia"},
    {"me", "montenegro"},
    {"ma", "morocco"},
    {"mz", "mozambique"},
    {"mm", "burma|myanmar"},
    {"na", "namibia"},
    {"np", "nepal"},
    {"nl", "netherlands"},
    {"nz", "new zealand"},
    {"ni", "nicaragua"},
    {"ne", "niger"},
    {"ng", "nigeria"},
    {"no", "norway"},
    {"om", "oman"},
    {"pk", "pakistan"},
    {"ps", "palestinian|west bank|gaza|palestine"},
    {"pa", "panama"},
    {"py", "paraguay"},
    {"pe", "peru"},
    {"ph", "philippines"},
    {"pl", "poland"},
    {"pt", "portugal"},
    {"qa", "qatar"},
    {"ro", "romania"},
    {"ru", "russia|russian federation"},
    {"rw", "rwanda"},
    {"sa", "saudi arabia"},
    {"sn", "senegal"},
    {"rs", "serbia"},
    {"sc", "seychelles"},
    {"sl", "sierra leone"},
    {"sg", "singapore"},
    {"sk", "slovakia"},
    {"si", "slovenia"},
    {"so", "somalia"},
    {"za", "south africa"},
    {"ss", "south sudan"},
    {"es", "spain"},
    {"lk", "sri lanka"},
    {"sd", "sudan"},
    {"se", "sweden"},
    {"ch", "switzerland"},
    {"sy", "syria|syrian arab republic"},
    {"tw", "taiwan"},
    {"tj", "tajikistan"},
    {"tz", "tanzania"},
    {"th", "thailand"},
    {"tn", "tunisia"},
    {"tr", "turkey|turkiye"},
    {"tm", "turkmenistan"},
    {"ug", "uganda"},
    {"ua", "ukraine"},
    {"ae", "united arab emirates|uae"},
    {"gb", "united kingdom|uk|great britain|england"},
    {"us", "united states|usa|united states of america"},
    {"uy", "uruguay"},
    {"uz", "uzbekistan"},
    {"ve", "venezuela"},
    {"vn", "vietnam|viet nam"},
    {"ye", "yemen"},
    {"zm", "zambia"},
    {"zw", "zimbabwe"},
    {"vg", "virgin islands, british|british virgin islands"},
    {"ky", "cayman islands"},
    {"li", "liechtenstein"},
    {"mh", "marshall islands"},
    {"lr", "liberia"},
    {"kn", "saint kitts and nevis"},
    {"vc", "saint vincent and the grenadines"},
    {"tg", "togo"},
    {"cm", "cameroon"},
    {"ci", "cote d'ivoire|ivory coast"},
    {"bf", "burkina faso"},
    {"ga", "gabon"},
};

const char *cl_screen_country_code(const char *name, size_t len)
{
    char low[96];
    while (len && isspace((unsigned char)*name)) {
        name++;
        len--;
    }
    while (len && isspace((unsigned char)name[len - 1]))
        len--;
    if (len == 0 || len >= sizeof(low)) return NULL;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[len] = '\0';
    for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++) {
        if (len == 2 && memcmp(low, countries[i].code, 2) == 0) return countries[i].code;
        const char *p = countries[i].names;
        while (*p) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            if (n == len && memcmp(p, low, n) == 0) return countries[i].code;
            p += n + (bar ? 1 : 0);
        }
    }
    return NULL;
}

/* ---- the set ------------------------------------------------------------------------------------------------- */

void cl_screen_lists_init(struct cl_screen_lists *l)
{
    memset(l, 0, sizeof(*l));
    cl_arena_init(&l->arena, 1024u * 1024u * 1024u);
}

void cl_screen_lists_release(struct cl_screen_lists *l)
{
    for (size_t i = 0; i < l->n_entries; i++) {
        free(l->entries[i].names);
        free(l->entries[i].countries);
        free(l->entries[i].births);
    }
    free(l->entries);
    free(l->skipped);
    cl_arena_release(&l->arena);
    memset(l, 0, sizeof(*l));
}

struct cl_screen_entry *sn_lists_add_entry(struct cl_screen_lists *l)
{
    if (l->n_entries >= CL_LIMIT_LIST_ENTRIES) return NULL;
    if (l->n_entries == l->cap_entries) {
        size_t cap = l->cap_entries ? l->cap_entries * 2 : 1024;
        struct cl_screen_entry *n = realloc(l->entries, cap * sizeof(*n));
        if (!n) return NULL;
        l->entries = n;
        l->cap_entries = cap;
    }
    struct cl_screen_entry *e = &l->entries[l->n_entries++];
    memset(e, 0, sizeof(*e));
    return e;
}

const char *sn_lists_str(struct cl_screen_lists *l, const char *text, size_t len)
{
    while (len && isspace((unsigned char)*text)) {
        text++;
        len--;
    }
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    if (len == 0) return NULL;
    return cl_arena_strndup(&l->arena, text, len);
}

enum cl_err sn_entry_add_name(struct cl_screen_lists *l, struct cl_screen_entry *e, const char *text, size_t len,
                              enum cl_screen_name_kind kind)
{
    while (len && isspace((unsigned char)*text)) {
        text++;
        len--;
    }
    while (len && (isspace((unsigned char)text[len - 1]) || text[len - 1] == ';'))
        len--;
    if (len == 0) return CL_OK;
    for (size_t i = 0; i < e->n_names; i++)
        if (strlen(e->names[i].text) == len && memcmp(e->names[i].text, text, len) == 0) return CL_OK;
    if (e->n_names >= CL_LIMIT_ENTRY_NAMES) return CL_ERR_LIMIT;
    if ((e->n_names & (e->n_names - 1)) == 0) { /* grow at powers of two */
        size_t cap = e->n_names ? e->n_names * 2 : 2;
        struct cl_screen_name *n = realloc(e->names, cap * sizeof(*n));
        if (!n) return CL_ERR_NOMEM;
        e->names = n;
    }
    const char *s = cl_arena_strndup(&l->arena, text, len);
    if (!s) return CL_ERR_NOMEM;
    e->names[e->n_names++] = (struct cl_screen_name){s, kind};
    l->n_names++;
    return CL_OK;
}

static enum cl_err add_text(struct cl_screen_lists *l, const char ***arr, size_t *n, const char *text, size_t len)
{
    const char *s = sn_lists_str(l, text, len);
    if (!s) return CL_OK;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i], s) == 0) return CL_OK;
    if (*n >= 256) return CL_OK; /* no party has more; extra ones add nothing to qualifiers */
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 2;
        const char **a = realloc(*arr, cap * sizeof(*a));
        if (!a) return CL_ERR_NOMEM;
        *arr = a;
    }
    (*arr)[(*n)++] = s;
    return CL_OK;
}

enum cl_err sn_entry_add_country(struct cl_screen_lists *l, struct cl_screen_entry *e, const char *text, size_t len)
{
    return add_text(l, &e->countries, &e->n_countries, text, len);
}

enum cl_err sn_entry_add_birth(struct cl_screen_lists *l, struct cl_screen_entry *e, const char *text, size_t len)
{
    return add_text(l, &e->births, &e->n_births, text, len);
}

enum cl_err sn_lists_skip(struct cl_screen_lists *l, const struct cl_error *row_err)
{
    if (l->n_skipped == l->cap_skipped) {
        size_t cap = l->cap_skipped ? l->cap_skipped * 2 : 16;
        const char **n = realloc(l->skipped, cap * sizeof(*n));
        if (!n) return CL_ERR_NOMEM;
        l->skipped = n;
        l->cap_skipped = cap;
    }
    const char *s = cl_arena_strdup(&l->arena, row_err->msg);
    if (!s) return CL_ERR_NOMEM;
    l->skipped[l->n_skipped++] = s;
    return CL_OK;
}

enum cl_err sn_row_error(struct sn_read_ctx *rc, struct cl_error *row_err, struct cl_error *err)
{
    if (!(rc->opt && rc->opt->skip_bad_rows)) {
        cl_error_set(err, row_err->code ? row_err->code : CL_ERR_INPUT, "%s", row_err->msg);
        return err && err->code ? err->code : CL_ERR_INPUT;
    }
    rc->rep->skipped++;
    if (sn_lists_skip(rc->l, row_err)) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    cl_error_clear(row_err);
    return CL_OK;
}

/* ---- CSV ----------------------------------------------------------------------------------------------------- */

void sn_csv_init(struct sn_csv *c, const char *file, const char *buf, size_t len, char sep)
{
    memset(c, 0, sizeof(*c));
    c->p = buf;
    c->end = buf + len;
    /* a trailing DOS end-of-file byte */
    while (c->end > c->p && c->end[-1] == 0x1A)
        c->end--;
    /* a UTF-8 byte-order mark */
    if (c->end - c->p >= 3 && memcmp(c->p, "\xEF\xBB\xBF", 3) == 0) c->p += 3;
    c->sep = sep;
    c->file = file;
    c->next_line = 1;
}

void sn_csv_release(struct sn_csv *c)
{
    free(c->buf);
    free(c->offs);
    free(c->lens);
    memset(c, 0, sizeof(*c));
}

static bool csv_put(struct sn_csv *c, size_t *k, char ch)
{
    if (*k + 2 > c->buf_cap) {
        if (c->buf_cap >= CL_LIMIT_LIST_RECORD_BYTES) return false;
        size_t cap = c->buf_cap ? c->buf_cap * 2 : 4096;
        char *n = realloc(c->buf, cap);
        if (!n) return false;
        c->buf = n;
        c->buf_cap = cap;
    }
    c->buf[(*k)++] = ch;
    return true;
}

static bool csv_field_end(struct sn_csv *c, size_t start, size_t *k)
{
    if (c->n_fields == c->cap_fields) {
        if (c->cap_fields >= 4096) return false;
        size_t cap = c->cap_fields ? c->cap_fields * 2 : 32;
        size_t *o = realloc(c->offs, cap * sizeof(*o));
        if (!o) return false;
        c->offs = o;
        size_t *l = realloc(c->lens, cap * sizeof(*l));
        if (!l) return false;
        c->lens = l;
        c->cap_fields = cap;
    }
    c->offs[c->n_fields] = start;
    c->lens[c->n_fields] = *k - start;
    c->n_fields++;
    return csv_put(c, k, '\0');
}

/* Skips to the start of the next line (after a malformed record). */
static void csv_skip_line(struct sn_csv *c)
{
    while (c->p < c->end && *c->p != '\n')
        c->p++;
    if (c->p < c->end) {
        c->p++;
        c->next_line++;
    }
}

int sn_csv_next(struct sn_csv *c, struct cl_error *err)
{
    c->n_fields = 0;
    /* blank lines between records are skipped */
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n') c->next_line++;
        c->p++;
    }
    if (c->p >= c->end) return 0;
    c->line = c->next_line;
    size_t k = 0;
    for (;;) {
        size_t start = k;
        /* leading spaces before a quote are allowed (OFAC writes `-0- ,"x"`) */
        const char *q = c->p;
        while (q < c->end && *q == ' ')
            q++;
        if (q < c->end && *q == '"') {
            c->p = q + 1;
            for (;;) {
                if (c->p >= c->end) {
                    cl_error_set(err, CL_ERR_INPUT, "%s:%zu: unterminated quoted field", c->file, c->line);
                    return -1;
                }
                char ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') {
                        c->p++;
                        if (!csv_put(c, &k, '"')) goto too_long;
                        continue;
                    }
                    break;
                }
                if (ch == '\n') c->next_line++;
                if (!csv_put(c, &k, ch)) goto too_long;
            }
            /* after the closing quote: spaces, then a separator or the end of the line */
            while (c->p < c->end && *c->p == ' ')
                c->p++;
            if (c->p < c->end && *c->p != c->sep && *c->p != '\r' && *c->p != '\n') {
                cl_error_set(err, CL_ERR_INPUT, "%s:%zu: text after a closing quote in field %zu", c->file, c->line,
                             c->n_fields + 1);
                csv_skip_line(c);
                return -1;
            }
        } else {
            while (c->p < c->end && *c->p != c->sep && *c->p != '\n' && *c->p != '\r') {
                if (!csv_put(c, &k, *c->p++)) goto too_long;
            }
        }
        if (!csv_field_end(c, start, &k)) goto too_long;
        if (c->p >= c->end) break;
        if (*c->p == c->sep) {
            c->p++;
            continue;
        }
        /* end of record */
        if (*c->p == '\r') c->p++;
        if (c->p < c->end && *c->p == '\n') {
            c->p++;
            c->next_line++;
        }
        break;
    }
    return 1;
too_long:
    cl_error_set(err, CL_ERR_LIMIT, "%s:%zu: record longer than %u bytes or %d fields", c->file, c->line,
                 (unsigned)CL_LIMIT_LIST_RECORD_BYTES, 4096);
    csv_skip_line(c);
    return -1;
}

const char *sn_csv_field(const struct sn_csv *c, size_t i, size_t *out_len)
{
    if (i >= c->n_fields) {
        if (out_len) *out_len = 0;
        return "";
    }
    if (out_len) *out_len = c->lens[i];
    return c->buf + c->offs[i];
}

/* ---- detection and reading ----------------------------------------------------------------------------------- */

enum fmt { F_UNKNOWN, F_OFAC_PRIMARY, F_OFAC_ALT, F_OFAC_ADD, F_OFAC_COMMENTS, F_UN, F_DPL, F_CSL, F_CSL_ID };

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static bool starts_with_nocase(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n < l) return false;
    for (size_t i = 0; i < l; i++)
        if (tolower((unsigned char)p[i]) != tolower((unsigned char)lit[i])) return false;
    return true;
}

/* Looks at the content: XML, the DPL header, the two CSL headers, or an OFAC CSV whose first record's shape
 * tells its kind (12 fields: primary; 5 with aka/fka/nka: aliases; 6: addresses; 2: comments). */
static enum fmt detect(const char *buf, size_t len, const char *file)
{
    const char *p = buf, *end = buf + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    while (p < end && isspace((unsigned char)*p))
        p++;
    size_t n = (size_t)(end - p);
    if (starts_with_nocase(p, n, "<?xml") || starts_with_nocase(p, n, "<CONSOLIDATED_LIST")) return F_UN;
    if (starts_with_nocase(p, n, "\"Name\"\t") || starts_with_nocase(p, n, "Name\t")) return F_DPL;
    if (starts_with_nocase(p, n, "source,entity_number,") || starts_with_nocase(p, n, "\"source\",\"entity_number\""))
        return F_CSL;
    if (starts_with_nocase(p, n, "_id,source,") || starts_with_nocase(p, n, "\"_id\",\"source\"")) return F_CSL_ID;
    struct sn_csv c;
    sn_csv_init(&c, file, p, n, ',');
    struct cl_error e = {0};
    enum fmt f = F_UNKNOWN;
    if (sn_csv_next(&c, &e) == 1) {
        size_t l0;
        const char *f0 = sn_csv_field(&c, 0, &l0);
        bool num = l0 > 0;
        for (size_t i = 0; i < l0; i++)
            if (!isdigit((unsigned char)f0[i])) num = false;
        if (num) {
            const char *f2 = sn_csv_field(&c, 2, NULL);
            if (c.n_fields == 12)
                f = F_OFAC_PRIMARY;
            else if (c.n_fields == 5 && (strcmp(f2, "aka") == 0 || strcmp(f2, "fka") == 0 || strcmp(f2, "nka") == 0))
                f = F_OFAC_ALT;
            else if (c.n_fields == 6)
                f = F_OFAC_ADD;
            else if (c.n_fields == 2)
                f = F_OFAC_COMMENTS;
        }
    }
    sn_csv_release(&c);
    return f;
}

static const char *fmt_name(enum fmt f)
{
    switch (f) {
    case F_OFAC_PRIMARY: return "ofac-sdn-csv";
    case F_OFAC_ALT: return "ofac-alt-csv";
    case F_OFAC_ADD: return "ofac-add-csv";
    case F_OFAC_COMMENTS: return "ofac-comments-csv";
    case F_UN: return "un-xml";
    case F_DPL: return "bis-dpl-tsv";
    case F_CSL: return "csl-csv";
    case F_CSL_ID: return "csl-csv-id";
    case F_UNKNOWN: break;
    }
    return "unknown";
}

struct loaded {
    char *buf;
    size_t len;
    enum fmt f;
    bool nonsdn;
    const char *path;
};

/* Reads the files already loaded into memory into l. */
static enum cl_err read_loaded(struct cl_screen_lists *l, struct loaded *files, size_t n, bool need_primary,
                               const struct cl_screen_read_options *opt, struct cl_error *err)
{
    enum cl_err rc = CL_OK;
    size_t total = 0, done = 0;
    for (size_t i = 0; i < n; i++)
        total += files[i].len;
    if (l->n_files + n > CL_LIMIT_LIST_FILES)
        return cl_error_set(err, CL_ERR_LIMIT, "more than %d list files", CL_LIMIT_LIST_FILES);
    /* the reports first, so that OFAC sets can point at theirs */
    size_t first_rep = l->n_files;
    for (size_t i = 0; i < n; i++) {
        struct cl_screen_file_report *r = &l->files[l->n_files++];
        memset(r, 0, sizeof(*r));
        r->path = cl_arena_strdup(&l->arena, files[i].path);
        r->format = fmt_name(files[i].f);
        if (!r->path) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    }
    /* OFAC sets: sdn and non-SDN, each joined by entity number across its files */
    for (int set = 0; set < 2; set++) {
        struct sn_ofac_file of[CL_LIMIT_LIST_FILES];
        size_t nof = 0;
        int seen[4] = {0};
        for (size_t i = 0; i < n; i++) {
            if (files[i].nonsdn != (set == 1)) continue;
            enum sn_ofac_kind k;
            switch (files[i].f) {
            case F_OFAC_PRIMARY: k = SN_OFAC_PRIMARY; break;
            case F_OFAC_ALT: k = SN_OFAC_ALT; break;
            case F_OFAC_ADD: k = SN_OFAC_ADD; break;
            case F_OFAC_COMMENTS: k = SN_OFAC_COMMENTS; break;
            default: continue;
            }
            if (seen[k]++)
                return cl_error_set(err, CL_ERR_USAGE, "%s: a second OFAC %s file in one import", files[i].path,
                                    fmt_name(files[i].f));
            struct cl_screen_file_report *r = &l->files[first_rep + i];
            r->list = set ? "ofac-nonsdn" : "ofac-sdn";
            of[nof++] = (struct sn_ofac_file){k, files[i].buf, files[i].len, r, base_name(files[i].path)};
        }
        if (nof == 0) continue;
        if (!seen[SN_OFAC_PRIMARY] && need_primary)
            return cl_error_set(err, CL_ERR_USAGE,
                                "%s: OFAC alias, address and comment files need their primary file (%s) in the same "
                                "import",
                                of[0].rep->path, set ? "cons_prim.csv" : "sdn.csv");
        rc = sn_read_ofac_set(l, opt, set == 1, of, nof, err);
        if (rc) return rc;
        for (size_t i = 0; i < nof; i++)
            done += of[i].len;
        if (opt && opt->progress) opt->progress(opt->progress_ctx, done, total);
    }
    for (size_t i = 0; i < n; i++) {
        struct cl_screen_file_report *r = &l->files[first_rep + i];
        struct sn_read_ctx ctx = {l, r, opt, base_name(files[i].path)};
        switch (files[i].f) {
        case F_UN:
            r->list = "un";
            rc = sn_read_un_xml(&ctx, files[i].buf, files[i].len, err);
            break;
        case F_DPL:
            r->list = "bis-dpl";
            rc = sn_read_dpl(&ctx, files[i].buf, files[i].len, err);
            break;
        case F_CSL:
        case F_CSL_ID:
            r->list = "csl";
            rc = sn_read_csl(&ctx, files[i].buf, files[i].len, err);
            break;
        default: continue;
        }
        if (rc) return rc;
        done += files[i].len;
        if (opt && opt->progress) opt->progress(opt->progress_ctx, done, total);
    }
    return CL_OK;
}

/* Undoes everything read since a snapshot, so that a failed read leaves the set as it was. */
struct snapshot {
    size_t n_entries, n_names, n_files, n_skipped;
};

static void rollback(struct cl_screen_lists *l, const struct snapshot *s)
{
    for (size_t i = s->n_entries; i < l->n_entries; i++) {
        free(l->entries[i].names);
        free(l->entries[i].countries);
        free(l->entries[i].births);
    }
    l->n_entries = s->n_entries;
    l->n_names = s->n_names;
    l->n_files = s->n_files;
    l->n_skipped = s->n_skipped;
}

static bool is_nonsdn_name(const char *path)
{
    return strncmp(base_name(path), "cons_", 5) == 0;
}

enum cl_err cl_screen_lists_read_files(struct cl_screen_lists *l, const char *const *paths, size_t n_paths,
                                       const struct cl_screen_read_options *opt, struct cl_error *err)
{
    if (n_paths == 0) return cl_error_set(err, CL_ERR_USAGE, "no list file given");
    if (n_paths > CL_LIMIT_LIST_FILES)
        return cl_error_set(err, CL_ERR_LIMIT, "more than %d list files", CL_LIMIT_LIST_FILES);
    struct loaded files[CL_LIMIT_LIST_FILES];
    memset(files, 0, sizeof(files));
    enum cl_err rc = CL_OK;
    struct snapshot snap = {l->n_entries, l->n_names, l->n_files, l->n_skipped};
    for (size_t i = 0; i < n_paths; i++) {
        files[i].path = paths[i];
        rc = cl_file_read(paths[i], CL_LIMIT_LIST_FILE_BYTES, &files[i].buf, &files[i].len, err);
        if (rc) goto out;
        files[i].f = detect(files[i].buf, files[i].len, base_name(paths[i]));
        files[i].nonsdn = is_nonsdn_name(paths[i]);
        if (files[i].f == F_UNKNOWN) {
            rc = cl_error_set(err, CL_ERR_INPUT,
                              "%s: not a list format I know (OFAC CSV, UN XML, BIS DPL, trade.gov CSL)", paths[i]);
            goto out;
        }
    }
    rc = read_loaded(l, files, n_paths, true, opt, err);
out:
    if (rc) rollback(l, &snap);
    for (size_t i = 0; i < n_paths; i++)
        free(files[i].buf);
    return rc;
}

enum cl_err cl_screen_lists_read_buffer(struct cl_screen_lists *l, const char *name, const char *buf, size_t len,
                                        const struct cl_screen_read_options *opt, struct cl_error *err)
{
    struct snapshot snap = {l->n_entries, l->n_names, l->n_files, l->n_skipped};
    struct loaded f = {(char *)buf, len, detect(buf, len, base_name(name)), is_nonsdn_name(name), name};
    if (f.f == F_UNKNOWN)
        return cl_error_set(err, CL_ERR_INPUT,
                            "%s: not a list format I know (OFAC CSV, UN XML, BIS DPL, trade.gov CSL)", name);
    enum cl_err rc = read_loaded(l, &f, 1, false, opt, err);
    if (rc) rollback(l, &snap);
    return rc;
}
