/* The BIS Denied Persons List (tab-separated, quoted header) and the trade.gov Consolidated Screening List CSV
 * (both headers: with and without the leading _id column), which carries the Entity List and the MEU list. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen_int.h"

/* Index of a header column by name, or -1. */
static int column(const struct sn_csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_fields; i++) {
        size_t l;
        const char *f = sn_csv_field(c, i, &l);
        while (l && isspace((unsigned char)*f)) {
            f++;
            l--;
        }
        while (l && isspace((unsigned char)f[l - 1]))
            l--;
        if (l == strlen(name) && strncasecmp(f, name, l) == 0) return (int)i;
    }
    return -1;
}

static const char *field(const struct sn_csv *c, int col, size_t *out_len)
{
    if (col < 0) {
        *out_len = 0;
        return "";
    }
    return sn_csv_field(c, (size_t)col, out_len);
}

/* A stable id from the content, for lists that publish none: list prefix and 64 bits of hash, made unique within
 * this read by a suffix. */
static const char *content_id(struct cl_screen_lists *l, const char *prefix, const char *const *parts,
                              const size_t *lens, size_t n, size_t first_entry)
{
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = sn_hash64(parts[i], lens[i], h ^ (i + 1) * 0x9E3779B97F4A7C15ull);
    char id[64];
    snprintf(id, sizeof(id), "%s:%016llx", prefix, (unsigned long long)h);
    size_t base = strlen(id);
    for (int dup = 2;; dup++) {
        bool taken = false;
        for (size_t i = first_entry; i < l->n_entries; i++)
            if (l->entries[i].id && strcmp(l->entries[i].id, id) == 0) {
                taken = true;
                break;
            }
        if (!taken) break;
        snprintf(id + base, sizeof(id) - base, "-%d", dup);
    }
    return sn_lists_str(l, id, strlen(id));
}

/* The next data row: 1, 0 at the end, or -1 with *re set (a malformed row, or one whose field count is not the
 * header's). */
static int next_row(struct sn_csv *c, size_t header_fields, const char *file, struct cl_error *re)
{
    cl_error_clear(re);
    int r = sn_csv_next(c, re);
    if (r > 0 && c->n_fields != header_fields) {
        cl_error_set(re, CL_ERR_INPUT, "%s:%zu: %zu fields, the header has %zu", file, c->line, c->n_fields,
                     header_fields);
        return -1;
    }
    return r;
}

enum cl_err sn_read_dpl(struct sn_read_ctx *rc, const char *buf, size_t len, struct cl_error *err)
{
    struct cl_screen_lists *l = rc->l;
    struct sn_csv c;
    sn_csv_init(&c, rc->file, buf, len, '\t');
    enum cl_err e = CL_OK;
    struct cl_error re = {0};
    if (sn_csv_next(&c, &re) != 1) {
        e = cl_error_set(err, CL_ERR_INPUT, "%s:1: no header row", rc->file);
        goto out;
    }
    int cn = column(&c, "Name"), cs = column(&c, "Street_Address"), cc = column(&c, "City"),
        cco = column(&c, "Country"), ced = column(&c, "Effective_Date"), cfr = column(&c, "FR_Citation");
    if (cn < 0 || cco < 0) {
        e = cl_error_set(err, CL_ERR_INPUT, "%s:1: header lacks the Name or Country column", rc->file);
        goto out;
    }
    size_t header_fields = c.n_fields;
    size_t first = l->n_entries;
    for (;;) {
        int r = next_row(&c, header_fields, rc->file, &re);
        if (r == 0) break;
        size_t nl = 0;
        const char *name = r > 0 ? field(&c, cn, &nl) : "";
        if (r > 0 && !re.code) {
            bool blank = true;
            for (size_t i = 0; i < nl; i++)
                if (!isspace((unsigned char)name[i])) blank = false;
            if (blank) cl_error_set(&re, CL_ERR_INPUT, "%s:%zu: empty Name", rc->file, c.line);
        }
        if (r < 0 || re.code) {
            e = sn_row_error(rc, &re, err);
            if (e) goto out;
            continue;
        }
        rc->rep->rows++;
        struct cl_screen_entry *en = sn_lists_add_entry(l);
        if (!en) {
            e = cl_error_set(err, CL_ERR_LIMIT, "%s:%zu: too many entries", rc->file, c.line);
            goto out;
        }
        en->list = "bis-dpl";
        en->source = "DPL";
        en->type = CL_SCREEN_TYPE_UNKNOWN;
        const char *parts[4];
        size_t lens[4];
        parts[0] = name;
        lens[0] = nl;
        parts[1] = field(&c, cs, &lens[1]);
        parts[2] = field(&c, cc, &lens[2]);
        parts[3] = field(&c, ced, &lens[3]);
        en->id = content_id(l, "dpl", parts, lens, 4, first);
        size_t fl, col;
        const char *fr = field(&c, cfr, &fl);
        en->remarks = sn_lists_str(l, fr, fl);
        const char *country = field(&c, cco, &col);
        if (!en->id || sn_entry_add_name(l, en, name, nl, CL_SCREEN_NAME_PRIMARY) ||
            sn_entry_add_country(l, en, country, col)) {
            e = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
out:
    sn_csv_release(&c);
    return e;
}

/* "Entity List (EL) - Bureau of Industry and Security" gives "EL". */
static const char *source_code(struct cl_screen_lists *l, const char *s, size_t n)
{
    const char *close = NULL, *open = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '(')
            open = s + i;
        else if (s[i] == ')' && open && !close)
            close = s + i;
    if (open && close && close > open + 1 && close - open < 16)
        return sn_lists_str(l, open + 1, (size_t)(close - open - 1));
    return sn_lists_str(l, s, n < 32 ? n : 32);
}

/* Removes the Entity List's "; and any successor, sub-unit, or subsidiary thereof" (and similar) tails. */
static size_t strip_successor(const char *s, size_t n)
{
    static const char *const tails[] = {"and any successor", "and any successors", "including any successor"};
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != ';' && s[i] != ',') continue;
        size_t j = i + 1;
        while (j < n && s[j] == ' ')
            j++;
        for (size_t t = 0; t < 3; t++) {
            size_t tl = strlen(tails[t]);
            if (n - j >= tl && strncasecmp(s + j, tails[t], tl) == 0) return i;
        }
    }
    return n;
}

/* Calls fn for each "; "-separated item of a field. */
static enum cl_err each_item(const char *s, size_t n, enum cl_err (*fn)(void *ctx, const char *p, size_t n), void *ctx)
{
    size_t i = 0;
    while (i < n) {
        const char *semi = memchr(s + i, ';', n - i);
        size_t k = semi ? (size_t)(semi - (s + i)) : n - i;
        enum cl_err e = fn(ctx, s + i, k);
        if (e) return e;
        i += k + 1;
    }
    return CL_OK;
}

struct item_ctx {
    struct cl_screen_lists *l;
    struct cl_screen_entry *e;
};

static enum cl_err add_alias(void *ctx, const char *p, size_t n)
{
    struct item_ctx *c = ctx;
    while (n && *p == ' ') {
        p++;
        n--;
    }
    static const char tail[] = "and any successor";
    if (n >= sizeof(tail) - 1 && strncasecmp(p, tail, sizeof(tail) - 1) == 0) return CL_OK;
    return sn_entry_add_name(c->l, c->e, p, strip_successor(p, n), CL_SCREEN_NAME_AKA);
}

static enum cl_err add_country(void *ctx, const char *p, size_t n)
{
    struct item_ctx *c = ctx;
    return sn_entry_add_country(c->l, c->e, p, n);
}

static enum cl_err add_birth(void *ctx, const char *p, size_t n)
{
    struct item_ctx *c = ctx;
    return sn_entry_add_birth(c->l, c->e, p, n);
}

/* An address "street, city, state, Country, CC": its last part when it is a two-letter code, else the one before. */
static enum cl_err add_address_country(void *ctx, const char *p, size_t n)
{
    struct item_ctx *c = ctx;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    const char *comma = NULL;
    for (size_t i = n; i > 0; i--)
        if (p[i - 1] == ',') {
            comma = p + i - 1;
            break;
        }
    if (!comma) return CL_OK;
    const char *last = comma + 1;
    size_t ll = (size_t)(p + n - last);
    while (ll && *last == ' ') {
        last++;
        ll--;
    }
    if (ll == 2 && isupper((unsigned char)last[0]) && isupper((unsigned char)last[1]))
        return sn_entry_add_country(c->l, c->e, last, ll);
    if (cl_screen_country_code(last, ll)) return sn_entry_add_country(c->l, c->e, last, ll);
    return CL_OK;
}

enum cl_err sn_read_csl(struct sn_read_ctx *rc, const char *buf, size_t len, struct cl_error *err)
{
    struct cl_screen_lists *l = rc->l;
    struct sn_csv c;
    sn_csv_init(&c, rc->file, buf, len, ',');
    enum cl_err e = CL_OK;
    struct cl_error re = {0};
    if (sn_csv_next(&c, &re) != 1) {
        e = cl_error_set(err, CL_ERR_INPUT, "%s:1: no header row", rc->file);
        goto out;
    }
    int cid = column(&c, "_id"), csrc = column(&c, "source"), cnum = column(&c, "entity_number"),
        ctype = column(&c, "type"), cprog = column(&c, "programs"), cname = column(&c, "name"),
        caddr = column(&c, "addresses"), calt = column(&c, "alt_names"), ccit = column(&c, "citizenships"),
        cdob = column(&c, "dates_of_birth"), cnat = column(&c, "nationalities"), crem = column(&c, "remarks");
    if (csrc < 0 || cname < 0) {
        e = cl_error_set(err, CL_ERR_INPUT, "%s:1: header lacks the source or name column", rc->file);
        goto out;
    }
    size_t header_fields = c.n_fields;
    size_t first = l->n_entries;
    for (;;) {
        int r = next_row(&c, header_fields, rc->file, &re);
        if (r == 0) break;
        size_t nl = 0, sl = 0;
        const char *name = r > 0 ? field(&c, cname, &nl) : "";
        const char *src = r > 0 ? field(&c, csrc, &sl) : "";
        if (r > 0 && !re.code) {
            size_t k = strip_successor(name, nl);
            bool blank = true;
            for (size_t i = 0; i < k; i++)
                if (!isspace((unsigned char)name[i])) blank = false;
            if (blank)
                cl_error_set(&re, CL_ERR_INPUT, "%s:%zu: empty name", rc->file, c.line);
            else if (sl == 0)
                cl_error_set(&re, CL_ERR_INPUT, "%s:%zu: empty source", rc->file, c.line);
        }
        if (r < 0 || re.code) {
            e = sn_row_error(rc, &re, err);
            if (e) goto out;
            continue;
        }
        rc->rep->rows++;
        struct cl_screen_entry *en = sn_lists_add_entry(l);
        if (!en) {
            e = cl_error_set(err, CL_ERR_LIMIT, "%s:%zu: too many entries", rc->file, c.line);
            goto out;
        }
        en->list = "csl";
        en->source = source_code(l, src, sl);
        size_t tl, pl, il, numl, al, reml;
        const char *type = field(&c, ctype, &tl);
        en->type = CL_SCREEN_TYPE_UNKNOWN;
        if (tl) {
            char tb[16];
            snprintf(tb, sizeof(tb), "%.*s", (int)(tl < 15 ? tl : 15), type);
            enum cl_screen_type t;
            if (cl_screen_type_parse(tb, &t)) en->type = t;
        }
        const char *prog = field(&c, cprog, &pl);
        en->programs = sn_lists_str(l, prog, pl);
        const char *rem = field(&c, crem, &reml);
        en->remarks = sn_lists_str(l, rem, reml);
        const char *idv = field(&c, cid, &il);
        const char *num = field(&c, cnum, &numl);
        const char *addr = field(&c, caddr, &al);
        char id[128];
        if (il) {
            snprintf(id, sizeof(id), "csl:%.*s", (int)(il < 100 ? il : 100), idv);
            en->id = sn_lists_str(l, id, strlen(id));
        } else if (numl && en->source) {
            snprintf(id, sizeof(id), "csl:%s:%.*s", en->source, (int)(numl < 60 ? numl : 60), num);
            en->id = sn_lists_str(l, id, strlen(id));
        } else {
            const char *parts[3] = {src, name, addr};
            size_t lens[3] = {sl, nl, al};
            en->id = content_id(l, "csl", parts, lens, 3, first);
        }
        struct item_ctx ic = {l, en};
        size_t cl_, dl, natl;
        const char *cit = field(&c, ccit, &cl_);
        const char *dob = field(&c, cdob, &dl);
        const char *nat = field(&c, cnat, &natl);
        const char *alt = field(&c, calt, &il);
        enum cl_err ae = CL_OK;
        if (!en->id || !en->source) ae = CL_ERR_NOMEM;
        if (!ae) ae = sn_entry_add_name(l, en, name, strip_successor(name, nl), CL_SCREEN_NAME_PRIMARY);
        if (!ae) ae = each_item(alt, il, add_alias, &ic);
        if (!ae) ae = each_item(cit, cl_, add_country, &ic);
        if (!ae) ae = each_item(nat, natl, add_country, &ic);
        if (!ae) ae = each_item(addr, al, add_address_country, &ic);
        if (!ae) ae = each_item(dob, dl, add_birth, &ic);
        if (ae) {
            e = cl_error_set(err, ae, "%s:%zu: %s", rc->file, c.line, cl_strerror(ae));
            goto out;
        }
    }
out:
    sn_csv_release(&c);
    return e;
}
